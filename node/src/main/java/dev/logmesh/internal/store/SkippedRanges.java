package dev.logmesh.internal.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code added} ranges a store skipped ({@link dev.logmesh.spi.Store#skippedAdded}): pairs {@code {after,
 * upTo}}, ascending and apart. Pure.
 */
final class SkippedRanges {
    /** At most this many ranges are kept (one per restart after a crash); the oldest go first. */
    static final int MAX_RANGES = 64;

    private SkippedRanges() {
    }

    /**
     * {@code skipped} with the numbers in {@code (after, upTo]} added: ranges that touch or overlap merge (a restart
     * after a crash with no entry committed since skips from the same number again); beyond {@link #MAX_RANGES} the
     * oldest are dropped (figures then count numbers there). {@code skipped} itself when {@code upTo <= after}.
     */
    static long[] add(long[] skipped, long after, long upTo) {
        if (upTo <= after) {
            return skipped;
        }
        List<long[]> ranges = new ArrayList<>();
        for (int i = 0; i < skipped.length; i += 2) {
            ranges.add(new long[] {skipped[i], skipped[i + 1]});
        }
        ranges.add(new long[] {after, upTo});
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : ranges) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && r[0] <= last[1]) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(r);
            }
        }
        while (merged.size() > MAX_RANGES) {
            merged.remove(0);
        }
        long[] out = new long[merged.size() * 2];
        for (int i = 0; i < merged.size(); i++) {
            out[2 * i] = merged.get(i)[0];
            out[2 * i + 1] = merged.get(i)[1];
        }
        return out;
    }

    /** {@code "after-upTo,after-upTo"}, as a store keeps it in its state. */
    static String text(long[] skipped) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < skipped.length; i += 2) {
            text.append(i == 0 ? "" : ",").append(skipped[i]).append('-').append(skipped[i + 1]);
        }
        return text.toString();
    }
}
