package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;

/**
 * The time fix of a link between two logmesh nodes, refreshed from ping/pong round trips instead of computed once
 * at the handshake (Logux computes it once from {@code connect}/{@code connected}, so {@code meta.time} skews when
 * the latency of that one round trip was unusual or the clocks drift; logux/logux#114).
 *
 * <h2>On the wire (mesh capability {@code time}, both sides must announce it)</h2>
 * <ul>
 *   <li>The dialer's pings carry {@code {"t": T1, "fix": F, "rtt": R}}: its clock when it sent the ping, and its
 *       current estimate (so the listener can show it).</li>
 *   <li>The answer is {@code ["pong", n, {"t": T1, "now": T2}]}: the listener's clock when it answered.</li>
 *   <li>At T3 the dialer has a sample: round trip {@code T3 - T1}, offset (its clock − the listener's)
 *       {@code T1 + (T3 - T1) / 2 - T2}, the same formula as Logux's handshake fix.</li>
 * </ul>
 * Of the last {@value #WINDOW} samples (the handshake's first), the one with the least round trip gives the fix:
 * its error is at most half its round trip, and a recent window follows clock drift. Only the dialer corrects
 * times (as in Logux); a ping that comes while the link is busy is also sent every {@value #SAMPLE_EVERY_MILLIS} ms.
 * While the estimate is poor (its round trip over {@value #POOR_ROUND_TRIP_MILLIS} ms: a handshake made while
 * either loop was busy, e.g. in a fresh process's catch-up, had round trips of seconds and an estimate seconds off)
 * the dialer asks again after {@value #POOR_RESAMPLE_MILLIS} ms, then after twice as long each time up to
 * {@value #SAMPLE_EVERY_MILLIS} ms, so a link whose round trip is that long anyway costs little more.
 *
 * <p>Pure: times are passed in (the log's wall clock). Called on the node's loop only.
 */
final class ClockSync {
    /** How many recent samples the estimate is chosen from. */
    static final int WINDOW = 16;
    /** The dialer asks for a sample at least this often, even when traffic keeps the link from pinging. */
    static final long SAMPLE_EVERY_MILLIS = 30_000;
    /** A round trip over this, ms, makes the estimate poor: its error bound is over 100 ms. */
    static final long POOR_ROUND_TRIP_MILLIS = 200;
    /** The first wait before asking again for a sample while the estimate is poor, ms; it doubles each time. */
    static final long POOR_RESAMPLE_MILLIS = 1_000;

    private record Sample(long offset, long roundTrip) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>(WINDOW);
    private Sample best;
    private long lastSampleAt;
    private long lastAskedAt;
    /** The wait before the next sample while the estimate is poor, ms. */
    private long poorResample = POOR_RESAMPLE_MILLIS;

    /** Adds a sample; the estimate becomes the one of least round trip in the window. */
    void add(long offset, long roundTrip, long now) {
        if (roundTrip < 0) {
            return; // a clock that went back during the round trip: no information
        }
        if (samples.size() == WINDOW) {
            samples.removeFirst();
        }
        samples.addLast(new Sample(offset, roundTrip));
        best = null;
        for (Sample s : samples) {
            if (best == null || s.roundTrip() <= best.roundTrip()) {
                best = s; // on a tie the newer one
            }
        }
        lastSampleAt = now;
        if (!poor()) {
            poorResample = POOR_RESAMPLE_MILLIS; // for a later poor spell
        }
    }

    private boolean poor() {
        return best != null && best.roundTrip() > POOR_ROUND_TRIP_MILLIS;
    }

    /**
     * Whether a sample is due: none for {@link #SAMPLE_EVERY_MILLIS} (or, while the estimate is poor, for the
     * current back-off from {@link #POOR_RESAMPLE_MILLIS}), and none asked for since.
     */
    boolean due(long now) {
        return now - Math.max(lastSampleAt, lastAskedAt) >= (poor() ? poorResample : SAMPLE_EVERY_MILLIS);
    }

    /** The estimated offset, local clock − peer clock, in ms (0 before any sample). */
    long offset() {
        return best == null ? 0 : best.offset();
    }

    /** The round trip of the sample the estimate comes from, or -1 before any sample. */
    long roundTrip() {
        return best == null ? -1 : best.roundTrip();
    }

    /** The options of a dialer's ping sent at {@code now}. */
    ObjectNode ping(long now) {
        lastAskedAt = now;
        if (poor()) {
            poorResample = Math.min(2 * poorResample, SAMPLE_EVERY_MILLIS);
        }
        ObjectNode o = timeOnly(now);
        if (best != null) {
            o.put("fix", best.offset());
            o.put("rtt", best.roundTrip());
        }
        return o;
    }

    /** The options of the answer to a ping with options {@code ping}, sent at {@code now}; null if it asked none. */
    static ObjectNode pong(ObjectNode ping, long now) {
        JsonNode t = ping == null ? null : ping.get("t");
        if (t == null || !t.canConvertToLong()) {
            return null;
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("t", t.asLong());
        o.put("now", now);
        return o;
    }

    /** The options of a ping that asks only for its time back ({@code {"t": now}}, see {@link #pong}). */
    static ObjectNode timeOnly(long now) {
        return JsonNodeFactory.instance.objectNode().put("t", now);
    }

    /** The time a pong's options echo from its ping ({@link #pong}), or -1 if they echo none. */
    static long echoedTime(ObjectNode pong) {
        JsonNode t = pong == null ? null : pong.get("t");
        return t != null && t.canConvertToLong() ? t.asLong() : -1;
    }

    /** Takes the sample a pong's options give (received at {@code now}); false if they are not an answer. */
    boolean ponged(ObjectNode pong, long now) {
        long sent = echoedTime(pong);
        JsonNode remote = pong == null ? null : pong.get("now");
        if (sent < 0 || remote == null || !remote.canConvertToLong()) {
            return false;
        }
        long roundTrip = now - sent;
        add((long) Math.floor(sent + roundTrip / 2.0 - remote.asLong()), roundTrip, now);
        return true;
    }

    /**
     * What a dialer's ping says of its estimate, seen from the listener: the listener's clock − the dialer's, and
     * the round trip, or null when it says nothing.
     */
    static long[] peerEstimate(ObjectNode ping) {
        JsonNode fix = ping == null ? null : ping.get("fix");
        JsonNode rtt = ping == null ? null : ping.get("rtt");
        if (fix == null || rtt == null || !fix.canConvertToLong() || !rtt.canConvertToLong()) {
            return null;
        }
        return new long[] {-fix.asLong(), rtt.asLong()};
    }
}
