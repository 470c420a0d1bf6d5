package dev.logmesh.internal.session;

/**
 * The liveness of one session, as a pure state machine over times the session passes in (the loop's clock,
 * in ms): when to ping, when the peer is too late (no {@code connect}/{@code connected}, no {@code pong}, no
 * {@code synced}), and whether it pings too often (a ping flood is Logux's {@code bruteforce}).
 *
 * <p>Logux: a side pings after {@code ping} ms without traffic and gives up after {@code timeout} ms without
 * the answer; a timeout sends nothing (the peer is presumed gone). Called on the node's loop only.
 */
final class Liveness {
    /** What {@link #check} decided. */
    enum Verdict { NOTHING, PING, TIMEOUT }

    private final long pingMillis;
    private final long timeoutMillis;
    private final int maxPingsPerSecond;

    private long openedAt;
    private long lastIn;
    private long lastOut;
    private long pingSentAt = -1;
    private long oldestUnackedAt = -1;
    private long pingWindowStart;
    private int pingsInWindow;
    /** What timed out, for the close reason; set with {@link Verdict#TIMEOUT}. */
    private String late;

    Liveness(long pingMillis, long timeoutMillis, int maxPingsPerSecond) {
        this.pingMillis = pingMillis;
        this.timeoutMillis = timeoutMillis;
        this.maxPingsPerSecond = maxPingsPerSecond;
    }

    /** How often {@link #check} should run, in ms. */
    long period() {
        return Math.max(1, Math.min(pingMillis, timeoutMillis) / 4);
    }

    void opened(long now) {
        openedAt = now;
        lastIn = now;
        lastOut = now;
    }

    void received(long now) {
        lastIn = now;
    }

    void sent(long now) {
        lastOut = now;
    }

    /** A pong came: the ping is answered. */
    void ponged() {
        pingSentAt = -1;
    }

    /** The number of {@code sync} messages waiting for {@code synced} changed to {@code inFlight}. */
    void inFlight(int inFlight, long now) {
        if (inFlight == 0) {
            oldestUnackedAt = -1;
        } else if (oldestUnackedAt < 0 || inFlight == 1) {
            oldestUnackedAt = now;
        }
    }

    /** A {@code synced} came while others are still in flight: the next answer's clock starts now. */
    void answered(int stillInFlight, long now) {
        oldestUnackedAt = stillInFlight > 0 ? now : -1;
    }

    /** A ping came; false if it is one too many in this second (a flood). */
    boolean pingAllowed(long now) {
        if (now - pingWindowStart >= 1000) {
            pingWindowStart = now;
            pingsInWindow = 0;
        }
        return ++pingsInWindow <= maxPingsPerSecond;
    }

    /**
     * The periodic check.
     *
     * @param connected whether the handshake is done (before it, only the handshake timeout applies)
     * @param dialer    whether this side dialed (for the wording of a handshake timeout)
     */
    Verdict check(long now, boolean connected, boolean dialer) {
        if (!connected && now - openedAt >= timeoutMillis) {
            late = dialer ? "no connected" : "no connect";
            return Verdict.TIMEOUT;
        }
        if (pingSentAt >= 0 && now - pingSentAt >= timeoutMillis) {
            late = "no pong";
            return Verdict.TIMEOUT;
        }
        if (oldestUnackedAt >= 0 && now - oldestUnackedAt >= timeoutMillis) {
            late = "no synced";
            return Verdict.TIMEOUT;
        }
        if (connected && pingSentAt < 0 && now - Math.max(lastIn, lastOut) >= pingMillis) {
            pingSentAt = now;
            return Verdict.PING;
        }
        return Verdict.NOTHING;
    }

    /** What was late, after a {@link Verdict#TIMEOUT}. */
    String late() {
        return late;
    }
}
