package dev.logmesh.internal.log;

import java.util.function.LongSupplier;

/**
 * Sizes the steps of a background pass over a store (the scrub of the entries and of the seen index, the sweep of
 * old seen ids) by the time a step takes, not by a fixed count of rows: each step runs on the node's loop, and a
 * message that arrives meanwhile waits for the step to end, so the step's time is what every peer's round trip may
 * pay. A fixed count costs what the rows cost: 1,000 scrubbed rows took 3.3-4.3 ms at a load of 10 (session 34),
 * and a pass is hundreds of such steps back to back (the first one 10 s after a start, when a node's first clients
 * and peers are busiest). So each step asks for as many rows as the last step read in
 * {@link #TARGET_NANOS}, between a floor and a ceiling, growing at most twofold a step (a step served from the page
 * cache must not make the next one, which reads the disk, long).
 *
 * <p>The rule is proportional control on the measured rate, as a TCP sender sizes its window to a target delay
 * (LEDBAT, RFC 6817, in spirit): {@code next = clamp(rows * TARGET / elapsed, min, min(max, 2 * limit))}. The first
 * step asks for the floor.
 *
 * <p>Not thread-safe: one pass, used by one thread at a time (the loop, or a scrub thread that a step is handed to).
 */
public final class StepPace {

    /** The time a step aims at, in ns: a quarter of a millisecond, under the 1 ms round trip a peer expects. */
    public static final long TARGET_NANOS = 250_000;

    private final int min;
    private final int max;
    private final LongSupplier nanos;
    private int limit;

    /**
     * @param min   the fewest rows a step asks for ({@code > 0}): a pass always moves
     * @param max   the most rows a step asks for ({@code >= min})
     * @param nanos a monotonic clock in ns ({@code System::nanoTime}; a test's fake)
     * @throws IllegalArgumentException if {@code min <= 0} or {@code max < min}
     */
    public StepPace(int min, int max, LongSupplier nanos) {
        if (min <= 0 || max < min) {
            throw new IllegalArgumentException("need 0 < min <= max, got " + min + " and " + max);
        }
        this.min = min;
        this.max = max;
        this.nanos = java.util.Objects.requireNonNull(nanos, "nanos");
        this.limit = min;
    }

    /** How many rows the next step asks for. */
    public int limit() {
        return limit;
    }

    /** The clock's reading, to give to {@link #took} when the step ends. */
    public long start() {
        return nanos.getAsLong();
    }

    /**
     * A step that started at {@code startNanos} ({@link #start}) ended, having read {@code rows} rows (fewer than
     * asked at the end of a pass): sizes the next one.
     */
    public void took(long startNanos, int rows) {
        long elapsed = nanos.getAsLong() - startNanos;
        long cap = Math.min(max, 2L * limit);
        long next;
        if (elapsed <= 0 || rows <= 0) {
            next = cap; // too fast to measure: grow
        } else {
            next = (long) ((double) rows * TARGET_NANOS / elapsed);
        }
        limit = (int) Math.max(min, Math.min(cap, next));
    }
}
