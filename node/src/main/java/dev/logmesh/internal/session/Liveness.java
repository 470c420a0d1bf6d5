package dev.logmesh.internal.session;

import java.util.ArrayDeque;

/**
 * The liveness of one session, as a pure state machine over times the session passes in (the loop's clock,
 * in ms): when to ping, when the peer is too late (no {@code connect}/{@code connected}, no {@code pong}, no
 * {@code synced}), and whether it pings too often (a ping flood is Logux's {@code bruteforce}).
 *
 * <p>Logux: a side pings after {@code ping} ms without traffic and gives up after {@code timeout} ms without
 * the answer; a timeout sends nothing (the peer is presumed gone). Called on the node's loop only.
 *
 * <h2>Slow links</h2>
 * A frame of up to 1 MiB takes a minute to cross a link of 16 KiB/s, so a deadline of {@code timeout} alone
 * would end every session that sends one (and the frame would be sent again, and again). Three rules keep such a
 * link working while a dead peer is still found {@code timeout} after its last byte:
 * <ul>
 *   <li>bytes that arrive (even part of a frame, {@link #bytesIn}) prove the peer alive: the {@code pong}
 *       deadline runs from the later of the ping and the last byte received (the pong may be queued behind a
 *       large frame on its way here);</li>
 *   <li>while a frame arrives and a ping is unanswered, this side pings again every {@code ping} ms
 *       ({@link #check} says {@link Verdict#PING}): the other direction is free, so the sender of the frame
 *       hears from this side while it waits for {@code synced};</li>
 *   <li>a {@code synced} may take {@code timeout} plus the time the bytes in flight need at
 *       {@link #MIN_LINK_BYTES_PER_SECOND}, as long as the peer was heard within {@code timeout}; a peer silent
 *       for {@code timeout} gets no more than {@code timeout}.</li>
 * </ul>
 * With nothing in flight and nothing arriving, every deadline is {@code timeout}, as before.
 */
final class Liveness {
    /** {@link SessionConfig#MIN_LINK_BYTES_PER_SECOND}: a link slower than that is treated as dead. */
    static final long MIN_LINK_BYTES_PER_SECOND = SessionConfig.MIN_LINK_BYTES_PER_SECOND;

    /** What {@link #check} decided. */
    enum Verdict { NOTHING, PING, TIMEOUT }

    /**
     * The least time a Logux client's session waits for its answers, {@code @logux/server} 0.14's {@code timeout}
     * (its {@code ServerNode}: ping after 20 s of silence, give up 70 s later).
     */
    static final long CLIENT_TIMEOUT_MILLIS = 70_000;

    private final long pingMillis;
    private long timeoutMillis;
    private final int maxPingsPerSecond;

    private long openedAt;
    private long lastIn;
    private long lastOut;
    /** When bytes from the peer last arrived (part of a frame or a whole one). */
    private long lastBytesIn;
    /** When the oldest unanswered ping went out, or -1. */
    private long pingSentAt = -1;
    /** When the last ping went out (a ping again while a frame arrives, see the class docs). */
    private long lastPingAt;
    private long oldestUnackedAt = -1;
    /** The encoded size (an upper bound) of each message waiting for {@code synced}, oldest first. */
    private final ArrayDeque<Long> unacked = new ArrayDeque<>();
    /** The sum of {@link #unacked}. */
    private long inFlightBytes;
    private long pingWindowStart;
    private int pingsInWindow;
    /** What timed out and how late, for the close reason and the log; set with {@link Verdict#TIMEOUT}. */
    private String late;

    Liveness(long pingMillis, long timeoutMillis, int maxPingsPerSecond) {
        this.pingMillis = pingMillis;
        this.timeoutMillis = timeoutMillis;
        this.maxPingsPerSecond = maxPingsPerSecond;
    }

    /**
     * Makes this a Logux client's session: it waits at least {@link #CLIENT_TIMEOUT_MILLIS} for an answer, as
     * {@code @logux/server} does, where a mesh peer's waits the node's timeout (8 s by default). A client's
     * JavaScript answers a ping only when its event loop runs: before session 32 a stock {@code Client} busy with
     * 45,000 actions it had added offline was dropped after 8 s without a pong, again at each reconnect, and after
     * 400 s had not seen them processed (with a 70 s wait: all processed in 80 s, one connection).
     */
    void client() {
        timeoutMillis = Math.max(timeoutMillis, CLIENT_TIMEOUT_MILLIS);
    }

    /** How often {@link #check} should run, in ms. */
    long period() {
        return Math.max(1, Math.min(pingMillis, timeoutMillis) / 4);
    }

    void opened(long now) {
        openedAt = now;
        lastIn = now;
        lastOut = now;
        lastBytesIn = now;
    }

    /** A whole message (other than presence) arrived: traffic, so no ping is due. */
    void received(long now) {
        lastIn = now;
        lastBytesIn = now;
    }

    /**
     * Bytes from the peer arrived, maybe in the middle of a frame: the peer and the link are alive, so an answer
     * it owes may be queued behind them. Does not put off the next ping (see {@link #received}).
     */
    void bytesIn(long now) {
        lastBytesIn = now;
    }

    void sent(long now) {
        lastOut = now;
    }

    /** A pong came: the ping is answered. */
    void ponged() {
        pingSentAt = -1;
    }

    /** A message that waits for {@code synced} went out; {@code bytes} is its encoded size (or a bound on it). */
    void sentBatch(long bytes, long now) {
        if (unacked.isEmpty()) {
            oldestUnackedAt = now;
        }
        unacked.addLast(bytes);
        inFlightBytes += bytes;
    }

    /** A {@code synced} came for the oldest message in flight: the next answer's clock starts now. */
    void answered(long now) {
        Long bytes = unacked.pollFirst();
        if (bytes != null) {
            inFlightBytes -= bytes;
        }
        oldestUnackedAt = unacked.isEmpty() ? -1 : now;
    }

    /** The bytes sent and not yet answered with {@code synced}. */
    long inFlightBytes() {
        return inFlightBytes;
    }

    /** A ping came; false if it is one too many in this second (a flood). */
    boolean pingAllowed(long now) {
        if (now - pingWindowStart >= 1000) {
            pingWindowStart = now;
            pingsInWindow = 0;
        }
        return ++pingsInWindow <= maxPingsPerSecond;
    }

    /** The time {@code bytes} need on a link of {@link #MIN_LINK_BYTES_PER_SECOND}, in ms. */
    static long transferMillis(long bytes) {
        return bytes * 1000 / MIN_LINK_BYTES_PER_SECOND;
    }

    /**
     * The periodic check.
     *
     * @param connected whether the handshake is done (before it, only the handshake timeout applies)
     * @param dialer    whether this side dialed (for the wording of a handshake timeout)
     */
    Verdict check(long now, boolean connected, boolean dialer) {
        if (!connected && now - openedAt >= timeoutMillis) {
            late = (dialer ? "no connected" : "no connect") + " for " + (now - openedAt) + " ms";
            return Verdict.TIMEOUT;
        }
        boolean silent = now - lastBytesIn >= timeoutMillis;
        if (pingSentAt >= 0 && now - pingSentAt >= timeoutMillis && silent) {
            late = "no pong for " + (now - pingSentAt) + " ms and no byte for " + (now - lastBytesIn) + " ms";
            return Verdict.TIMEOUT;
        }
        if (oldestUnackedAt >= 0 && now - oldestUnackedAt >= timeoutMillis) {
            long allowed = timeoutMillis + transferMillis(inFlightBytes);
            if (silent || now - oldestUnackedAt >= allowed) {
                late = "no synced for " + (now - oldestUnackedAt) + " ms (" + inFlightBytes + " bytes in flight, "
                    + (silent ? "no byte for " + (now - lastBytesIn) + " ms)" : "allowed " + allowed + " ms)");
                return Verdict.TIMEOUT;
            }
        }
        if (connected && pingSentAt < 0 && now - Math.max(lastIn, lastOut) >= pingMillis) {
            pingSentAt = now;
            lastPingAt = now;
            return Verdict.PING;
        }
        if (connected && pingSentAt >= 0 && lastBytesIn > lastIn && now - lastPingAt >= pingMillis
            && now - lastIn >= pingMillis) {
            // a frame is arriving (bytes since the last whole message) and the pong waits behind it: tell the
            // sender, over the free direction, that this side is alive
            lastPingAt = now;
            return Verdict.PING;
        }
        return Verdict.NOTHING;
    }

    /** What was late and for how long, after a {@link Verdict#TIMEOUT}. */
    String late() {
        return late;
    }
}
