package dev.logmesh.internal.session;

import dev.logmesh.internal.protocol.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

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
 *
 * <h2>Time this side did not read</h2>
 * While the session stops reading its link ({@link #readingPaused}: a large frame handled in slices, the peer's
 * later messages left in the socket), whatever the peer sends (a {@code pong}, a {@code synced}) waits unread on
 * this side: that time is not the peer's silence. No answer is late while reading is paused, and when it resumes
 * every deadline (pong, {@code synced}, the last byte) moves on by the time it was paused, as if the pause had not
 * been. A pause is bounded all the same: with no progress on the frame ({@link #progressed}: a slice stored, an
 * answer sent) for {@code timeout}, the session times out, so a frame whose handling stopped (a fault) does not hold
 * the link unread for good. Before (session 34) a pause longer than the timeout ended the session while the peer's pong waited unread
 * in this node's socket: a client's frame handled for more than 70 s, or the catch-up of a stock Logux server this
 * node dials (one frame of everything it missed) handled for more than the 8 s of a server's session.
 *
 * <h2>A lost batch, found by order and sent again</h2>
 * A logmesh peer answers every {@code sync} and {@code logmesh:ihave} with {@code synced} carrying its number, in
 * the order they came ({@code Acknowledgements}), on one ordered link ({@link #answersInOrder}). So a
 * {@code synced} for a later batch, coming while an earlier one has none, means the earlier batch or its answer was
 * lost on the way (a proxy or a link that drops messages; TCP alone never does). Before (session 31's note), the
 * answer for the later batch was taken for the oldest's, and each one restarted the deadline: under steady traffic
 * a lost batch was found only in a quiet moment, or by the next session's reconciliation round. Now the earlier
 * batches are set aside as passed over; a late answer for one of them still counts (a link that reorders, as the
 * fault emulators do), and one still unanswered {@link #OVERTAKEN_GRACE_MILLIS} after it was passed over is sent
 * again ({@link #resendDue}), as TCP's fast retransmit does on duplicate acknowledgements. Sending it again is safe
 * whichever was lost: if the batch arrived and only its answer was lost, the peer drops its entries as duplicates
 * and answers again. A batch passed over after {@link #MAX_RESENDS} sends more ends the session ({@link #check}
 * says {@link Verdict#TIMEOUT}; the next session and its round repair). An answer that matches nothing sent (a
 * duplicated frame) is ignored, where before it stood for the oldest batch's. A stock Logux peer may answer out of
 * order (its store's promises), so for it answers are taken oldest first, as before.
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

    /**
     * The least silence after which a Logux client's session is pinged, {@code @logux/server} 0.14's {@code ping}:
     * a client pings every 10 s of silence itself ({@code @logux/client}'s default), so a live one is never pinged,
     * and a gone one is found {@code 20 + 70 s} after its last message, as by {@code @logux/server}.
     */
    static final long CLIENT_PING_MILLIS = 20_000;

    private long pingMillis;
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
    /** Whether the peer said its log is full ({@link #peerFull}): no {@code synced} is waited for. */
    private boolean peerFull;

    /** Each message waiting for {@code synced}, oldest first. */
    private final ArrayDeque<Batch> unacked = new ArrayDeque<>();
    /**
     * Messages an answer for a later one passed over (see the class docs), oldest first; empty unless
     * {@link #answersInOrder}.
     */
    private final ArrayDeque<Batch> passedOver = new ArrayDeque<>();
    /** When the oldest of {@link #passedOver} was passed over, or -1. */
    private long passedOverAt = -1;
    /** Whether the peer answers batches in the order they came, by number (a logmesh node). */
    private boolean inOrder;
    /** The sum of {@link #unacked}. */
    private long inFlightBytes;
    private long pingWindowStart;
    private int pingsInWindow;
    /**
     * Pings allowed in the window that starts at {@link #pingWindowStart}: {@link #maxPingsPerSecond}, more in the
     * first window after a pause of reading (the pings the peer sent meanwhile, read at once: {@link #pingAllowed}).
     */
    private long pingAllowance;
    /** When this side stopped reading the link ({@link #readingPaused}), or -1 while it reads. */
    private long pausedAt = -1;
    /** When the frame that paused reading last made progress ({@link #progressed}). */
    private long progressAt;
    /** What timed out and how late, for the close reason and the log; set with {@link Verdict#TIMEOUT}. */
    private String late;

    /**
     * How long (ms) a batch passed over by a later one's {@code synced} may still be answered: more than any
     * reordering the fault emulators do (the simulation holds a frame up to 2 s, {@code scripts/chaos} 100 ms), and
     * far less than the wait under steady traffic it replaces.
     */
    static final long OVERTAKEN_GRACE_MILLIS = 3_000;

    /** How many times a batch passed over is sent again before the session ends instead (see the class docs). */
    static final int MAX_RESENDS = 3;

    /**
     * A message waiting for {@code synced}: the number it carries, its encoded size (an upper bound), the message
     * itself (to send again) and how many times it was sent again.
     */
    private record Batch(long added, long bytes, Message message, int resends) {
    }

    Liveness(long pingMillis, long timeoutMillis, int maxPingsPerSecond) {
        this.pingMillis = pingMillis;
        this.timeoutMillis = timeoutMillis;
        this.maxPingsPerSecond = maxPingsPerSecond;
        this.pingAllowance = maxPingsPerSecond;
    }

    /**
     * Makes this a Logux client's session: it waits at least {@link #CLIENT_TIMEOUT_MILLIS} for an answer, as
     * {@code @logux/server} does, where a mesh peer's waits the node's timeout (8 s by default). A client's
     * JavaScript answers a ping only when its event loop runs: before session 32 a stock {@code Client} busy with
     * 45,000 actions it had added offline was dropped after 8 s without a pong, again at each reconnect, and after
     * 400 s had not seen them processed (with a 70 s wait: all processed in 80 s, one connection). It is pinged after
     * {@link #CLIENT_PING_MILLIS} of silence, as by {@code @logux/server}, where a mesh peer after the node's ping
     * (4 s): before session 36 a client was pinged after 4 s, two and a half times as often as it pings itself, which
     * kept a phone's radio awake for nothing the 70 s wait could use.
     */
    void client() {
        timeoutMillis = Math.max(timeoutMillis, CLIENT_TIMEOUT_MILLIS);
        pingMillis = Math.max(pingMillis, CLIENT_PING_MILLIS);
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

    /**
     * This side stops reading the link (true) or reads again (false): see "Time this side did not read" in the class
     * docs. Repeated calls with the same value change nothing.
     */
    void readingPaused(boolean paused, long now) {
        if (paused == (pausedAt >= 0)) {
            return;
        }
        if (paused) {
            pausedAt = now;
            progressAt = now;
            return;
        }
        long d = Math.max(0, now - pausedAt);
        pausedAt = -1;
        // the peer's pings of the pause, read now at once, are allowed at the flood rate over the pause
        pingWindowStart = now;
        pingsInWindow = 0;
        pingAllowance = pausedPings(d);
        lastBytesIn = Math.min(now, lastBytesIn + d);
        if (pingSentAt >= 0) {
            pingSentAt = Math.min(now, pingSentAt + d);
        }
        if (oldestUnackedAt >= 0) {
            oldestUnackedAt = Math.min(now, oldestUnackedAt + d);
        }
        if (passedOverAt >= 0) {
            passedOverAt = Math.min(now, passedOverAt + d);
        }
    }

    /** The frame being handled while reading is paused made progress (a slice stored, answers sent). */
    void progressed(long now) {
        progressAt = now;
    }

    /**
     * The session sent a ping of its own (not one {@link #check} asked for): it waits for the pong as for its own, so a
     * peer that then says nothing for the timeout ends the session ("no pong").
     */
    void pinged(long now) {
        if (pingSentAt < 0) {
            ping(now);
        }
    }

    /** A pong came: the ping is answered. */
    void ponged() {
        pingSentAt = -1;
    }

    /**
     * Whether the peer answers in order by number (a logmesh node; see the class docs): set once the handshake
     * names the peer, before any batch goes out.
     */
    void answersInOrder(boolean ordered) {
        inOrder = ordered;
    }

    /**
     * A message that waits for {@code synced} went out: {@code added} is the number it carries (what its
     * {@code synced} echoes), {@code bytes} its encoded size (or a bound on it).
     */
    void sentBatch(long added, long bytes, Message message, long now) {
        if (unacked.isEmpty()) {
            oldestUnackedAt = now;
        }
        // kept to send again only from a peer that answers in order (a window of at most a few MiB per session)
        unacked.addLast(new Batch(added, bytes, inOrder ? message : null, 0));
        inFlightBytes += bytes;
    }

    /**
     * The batches to send again now, oldest first (see the class docs): those passed over at least
     * {@link #OVERTAKEN_GRACE_MILLIS} ago and sent again fewer than {@link #MAX_RESENDS} times. They wait for
     * {@code synced} again, behind the batches in flight; the caller sends each. Usually empty.
     */
    List<Message> resendDue(long now) {
        if (peerFull || passedOverAt < 0 || now - passedOverAt < OVERTAKEN_GRACE_MILLIS
            || mostResends() >= MAX_RESENDS) {
            return List.of();
        }
        List<Message> again = new ArrayList<>(passedOver.size());
        if (unacked.isEmpty()) {
            oldestUnackedAt = now;
        }
        for (Batch b : passedOver) {
            again.add(b.message());
            unacked.addLast(new Batch(b.added(), b.bytes(), b.message(), b.resends() + 1));
        }
        passedOver.clear();
        passedOverAt = -1;
        return again;
    }

    private int mostResends() {
        int most = 0;
        for (Batch b : passedOver) {
            most = Math.max(most, b.resends());
        }
        return most;
    }

    /**
     * A {@code synced} numbered {@code added} came: the message it answers is no longer in flight, and the next
     * answer's clock starts now. From a peer that answers in order, it answers the oldest message in flight with that
     * number (those before it are passed over, see the class docs), or one passed over before; from another peer, the
     * oldest message in flight.
     *
     * @return whether it answered a message in flight (false: nothing was, or, in order, none with its number: a
     *     duplicate)
     */
    boolean answered(long added, long now) {
        if (!inOrder) {
            Batch b = unacked.pollFirst();
            if (b == null) {
                return false;
            }
            inFlightBytes -= b.bytes();
            oldestUnackedAt = unacked.isEmpty() ? -1 : now;
            return true;
        }
        for (java.util.Iterator<Batch> it = passedOver.iterator(); it.hasNext(); ) {
            Batch b = it.next();
            if (b.added() == added) { // overtaken, not lost
                it.remove();
                inFlightBytes -= b.bytes();
                if (passedOver.isEmpty()) {
                    passedOverAt = -1;
                }
                return true;
            }
        }
        if (unacked.stream().noneMatch(b -> b.added() == added)) {
            return false; // a duplicate, or an answer to nothing sent
        }
        Batch b = unacked.pollFirst();
        while (b.added() != added) {
            if (passedOver.isEmpty()) {
                passedOverAt = now;
            }
            passedOver.addLast(b);
            b = unacked.pollFirst();
        }
        inFlightBytes -= b.bytes();
        oldestUnackedAt = unacked.isEmpty() ? -1 : now;
        return true;
    }

    /** The bytes sent and not yet answered with {@code synced}. */
    long inFlightBytes() {
        return inFlightBytes;
    }

    /**
     * A ping came; false if it is one too many in this second (a flood). Pings that waited unread while this side
     * paused reading ({@link #readingPaused}: a large frame handled for minutes) come at once when it reads again, or
     * when the messages held behind the frame are handled: they count against the time the peer sent them in, the
     * pause, at the same rate, so a client that pinged every 10 s through a 300 s frame is not cut off as a flood
     * (before, apps35, its 30 pings were read in one second: "bruteforce", {@code LargeFrameTest}).
     */
    boolean pingAllowed(long now) {
        if (now - pingWindowStart >= 1000) {
            pingWindowStart = now;
            pingsInWindow = 0;
            pingAllowance = maxPingsPerSecond;
        }
        long allowed = pausedAt >= 0 ? Math.max(pingAllowance, pausedPings(now - pausedAt)) : pingAllowance;
        return ++pingsInWindow <= allowed;
    }

    /** The pings a peer may send in {@code millis} of a pause and the second after it, at the flood rate. */
    private long pausedPings(long millis) {
        return (1 + Math.max(0, millis) / 1000) * (long) maxPingsPerSecond;
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
        if (pausedAt >= 0) {
            // the peer's answers wait unread on this side (see the class docs): nothing of it is late now, but the
            // frame must make progress
            if (now - progressAt >= timeoutMillis) {
                late = "reading paused for " + (now - pausedAt) + " ms while the peer's frame was handled, with no"
                    + " progress for " + (now - progressAt) + " ms";
                return Verdict.TIMEOUT;
            }
            return connected && pingSentAt < 0 && now - Math.max(lastIn, lastOut) >= pingMillis ? ping(now)
                : Verdict.NOTHING;
        }
        boolean silent = now - lastBytesIn >= timeoutMillis;
        if (pingSentAt >= 0 && now - pingSentAt >= timeoutMillis && silent) {
            late = "no pong for " + (now - pingSentAt) + " ms and no byte for " + (now - lastBytesIn) + " ms";
            return Verdict.TIMEOUT;
        }
        // a full peer answers no batch (peerFull()): only a silent link is late
        if (!peerFull && passedOverAt >= 0 && now - passedOverAt >= OVERTAKEN_GRACE_MILLIS
            && mostResends() >= MAX_RESENDS) {
            late = "no synced for batch " + passedOver.peekFirst().added() + ", sent " + (1 + mostResends())
                + " times, while batches sent after it were answered: lost on the way each time";
            return Verdict.TIMEOUT;
        }
        if (!peerFull && oldestUnackedAt >= 0 && now - oldestUnackedAt >= timeoutMillis) {
            long allowed = timeoutMillis + transferMillis(inFlightBytes);
            if (silent || now - oldestUnackedAt >= allowed) {
                late = "no synced for " + (now - oldestUnackedAt) + " ms (" + inFlightBytes + " bytes in flight, "
                    + (silent ? "no byte for " + (now - lastBytesIn) + " ms)" : "allowed " + allowed + " ms)");
                return Verdict.TIMEOUT;
            }
        }
        if (connected && pingSentAt < 0 && now - Math.max(lastIn, lastOut) >= pingMillis) {
            return ping(now);
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

    private Verdict ping(long now) {
        pingSentAt = now;
        lastPingAt = now;
        return Verdict.PING;
    }

    /**
     * The peer said its log is full ({@code SyncSession.FULL_NOTICE}): it holds the session and answers no batch until
     * it closes it, so no {@code synced} is waited for from here on (nor any batch sent again); its pongs still are.
     */
    void peerFull() {
        peerFull = true;
    }

    /** What was late and for how long, after a {@link Verdict#TIMEOUT}. */
    String late() {
        return late;
    }
}
