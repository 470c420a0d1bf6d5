package dev.logmesh.internal.session;

import dev.logmesh.Entry;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.reconcile.Initiator;
import dev.logmesh.internal.reconcile.ItemId;
import dev.logmesh.internal.reconcile.Need;
import dev.logmesh.internal.reconcile.ReconcileException;
import dev.logmesh.internal.reconcile.Responder;
import dev.logmesh.internal.reconcile.Round;
import dev.logmesh.internal.reconcile.WireText;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy on one link: set reconciliation rounds between this node and a logmesh peer, so that the two
 * converge whatever their cursors say (a restored or wiped store, a lost WAL, a stale cursor, a lost graft).
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Who starts.</b> The dialer initiates (one round per link at a time, no tie-break needed); the
 *       listener answers. The first round starts once the link is quiet (catch-up done both ways, nothing
 *       in flight), then every {@code reconcileMillis} ±20%.</li>
 *   <li><b>Round.</b> {@code logmesh:range} messages carry Negentropy v1 messages (base64) over the ids
 *       from a cutoff on; the initiator learns what it has that the peer lacks ({@code have}: pushed as
 *       {@code sync} numbered 0, like graft answers) and what the peer has that it lacks ({@code need}:
 *       asked for with {@code logmesh:want}). Ids seen but cleaned are answered with {@code logmesh:gone}, and
 *       the asking node counts them as known in its rounds with this peer only (see {@code Reconciler}).</li>
 *   <li><b>Nothing applied twice, nothing acknowledged early.</b> What a round brings goes through the
 *       normal receive path: the seen index drops duplicates and {@code synced} follows the commit.</li>
 *   <li><b>A lost message is found by order, not by a timer.</b> The peer answers a {@code logmesh:range} at
 *       once, and a ping with a pong, each in the order the frames came, on one ordered link. So a pong to a ping
 *       sent after a round's message, coming while that message's answer has not, proves the message or its
 *       answer lost: the session ends then (as on a ping timeout; the next session's round repairs), not at the
 *       round's deadline. A round message unanswered for {@link #PROBE_AFTER_MILLIS} sends such a ping. The same
 *       order tells when everything the peer sent for a round's {@code logmesh:want} has arrived: a round that
 *       wanted items is followed by another once the pong to a ping sent after it came and the link is quiet
 *       (1 s, then 2, 4, ... s after it, up to the period, while rounds keep wanting), so a lost want costs
 *       seconds, not a period. Before (session 31): a lost range waited 30 s for the deadline, a lost want
 *       24-36 s for the next round, and the chaos {@code lossy} scenario once gave up on 4 actions (CI, seed
 *       850352672).</li>
 *   <li><b>Cost.</b> One round trip when the sets are equal; otherwise about log(n) round trips and bytes
 *       in proportion to the difference (see {@code ReconcileBench} in the tests, and docs/performance.md).</li>
 * </ul>
 * Called on the node's loop only.
 */
final class AntiEntropy {
    private static final Logger LOG = LoggerFactory.getLogger(AntiEntropy.class);
    /** Bytes of a {@code logmesh:range} frame besides its payload. */
    private static final int RANGE_OVERHEAD = 64;
    /** How long to wait before trying again when the link is busy. */
    static final long BUSY_RETRY_MILLIS = 1_000;
    /**
     * How long a round's message may wait for its answer before a ping asks the link whether it was lost (see the
     * design notes): far more than a LAN's round trip and a responder's work, and the ping costs only a frame.
     */
    static final long PROBE_AFTER_MILLIS = 1_000;
    /** The most consecutive follow-up rounds whose delay still doubles (1 s × 2^10 is past any period). */
    private static final int MAX_FOLLOW_UP_SHIFT = 10;

    /** What anti-entropy needs of its session. */
    interface Link {
        boolean send(Message m);

        /** Sends entries as {@code sync} numbered 0, cut by bytes below the peer's frame limit. */
        void push(List<Entry> entries);

        /** Whether catch-up is done both ways and nothing waits for an answer. */
        boolean quiet();

        /** The largest frame this link may carry, in bytes. */
        long frameLimit();

        String describePeer();

        /** The peer's node id. */
        String peerNode();

        /** The peer's open log's random token from its mesh options, or null (an older node). */
        default String peerInstance() {
            return null;
        }

        /** The node's clock (ms since the epoch), as pings carry it. */
        long now();

        /**
         * Sends a ping carrying its time ({@link #now}), which the peer answers, echoing that time, after
         * everything this side sent before it ({@link #ponged}); returns that time, or -1 if the link is closed or
         * the peer does not echo times (a peer without logmesh's {@code time} capability).
         */
        long ping();

        /**
         * A round waited {@code what} for an answer: a message of it was lost, which a working link never does,
         * so the session ends as on a ping timeout (and the next one starts afresh).
         */
        void unanswered(String what);
    }

    private final Reconciliation node;
    private final Loop loop;
    private final long period;
    private final boolean initiates;
    private final Link link;
    private final Random jitter;

    private Initiator round;
    private long roundCutoff;
    private long roundStartedAt;
    private Responder responder;
    private long responderCutoff = -1;
    private Loop.Cancellable timer;
    /** Ends the session if the open round makes no progress for {@link #roundDeadline()} ms. */
    private Loop.Cancellable deadline;
    private long lastProgressAt;
    /** When ({@link Link#now}) the open round's last message went out, while its answer is due, else -1. */
    private long answerDue = -1;
    /** Asks the link with a ping once the open round's answer is late. */
    private Loop.Cancellable probe;
    /** Whether the open round asked for items ({@code logmesh:want}). */
    private boolean roundWanted;
    /** The time of the ping sent after a round that wanted items, until its pong came, else -1. */
    private long followUpPing = -1;
    /** Consecutive rounds that wanted items: the next follow-up waits 1 s × 2^(this - 1), up to the period. */
    private int followUps;
    private boolean closed;

    private long rounds;
    private long pushed;
    private long wanted;
    private long lastRoundMillis = -1;

    AntiEntropy(Reconciliation node, Loop loop, long period, boolean initiates, Link link, Random jitter) {
        this.node = node;
        this.loop = loop;
        this.period = period;
        this.initiates = initiates;
        this.link = link;
        this.jitter = jitter;
    }

    /**
     * Sessions in a row with one peer instance whose round it left unanswered, while it answered pings, after which
     * this side asks it no more: a peer that does not answer {@code logmesh:range} (an older or another logmesh) would
     * otherwise have every session ended at its first round, and redialed, for good.
     */
    static final int MAX_UNANSWERED_SESSIONS = 3;

    /** The longest a session waits to start its first round with a peer that left rounds unanswered, ms: an hour. */
    static final long MAX_UNANSWERED_BACKOFF_MILLIS = 3_600_000;

    /**
     * The session connected: the initiator schedules its first round, later when the peer left the rounds of the
     * last {@link #MAX_UNANSWERED_SESSIONS} or more sessions unanswered while it answered pings: after twice the
     * period, doubling with each more such session, up to {@link #MAX_UNANSWERED_BACKOFF_MILLIS}; a round it answers
     * sets the count back to 0. Before (embed35) such a peer's every session ended about a second after its catch-up
     * ("the answer to a reconciliation round was lost") and was dialed again: 14 sessions in 2 minutes, without a
     * word. Not never: the rounds are what repairs a log whose cursors lie (a restored backup, a lost frame), and a
     * peer of today whose rounds were lost three sessions in a row (a lossy link) would have been asked no more
     * until it restarted (session 36).
     */
    void start() {
        if (!initiates) {
            return;
        }
        int unanswered = node.unansweredRounds(link.peerNode(), link.peerInstance());
        if (unanswered >= MAX_UNANSWERED_SESSIONS) {
            long delay = unansweredBackoff(period, unanswered);
            // once per node and peer instance (the node keeps it with the count; before, session 36, a static set
            // of the process: a second node in the same JVM never said it of the same peer)
            if (node.sayUnansweredOnce(link.peerNode(), link.peerInstance())) {
                LOG.warn("{} left the reconciliation rounds of its last {} sessions unanswered while it answered pings "
                    + "(an older logmesh?): the next round with it in {} s, then less often (up to once an hour) until "
                    + "it answers one; sync cursors alone keep the two logs in step meanwhile", link.describePeer(),
                    unanswered, delay / 1000);
            }
            schedule(delay);
            return;
        }
        schedule(BUSY_RETRY_MILLIS);
    }

    /** When a session starts its first round with a peer that left {@code unanswered} sessions' rounds unanswered. */
    static long unansweredBackoff(long period, int unanswered) {
        int doublings = Math.min(30, unanswered - MAX_UNANSWERED_SESSIONS + 1);
        return Math.min(MAX_UNANSWERED_BACKOFF_MILLIS, Math.max(1, period) << doublings);
    }

    private void schedule(long delay) {
        if (!closed) {
            timer = loop.schedule(delay, this::begin);
        }
    }

    private long nextPeriod() {
        return Math.max(1, (long) (period * (0.8 + 0.4 * jitter.nextDouble())));
    }

    /** Starts a round now if the link is quiet, else tries again soon. Also callable by tests. */
    void begin() {
        if (closed || round != null) {
            return;
        }
        if (!link.quiet()) {
            schedule(BUSY_RETRY_MILLIS);
            return;
        }
        roundCutoff = node.cutoff();
        roundStartedAt = loop.monotonicMillis();
        round = node.initiator(link.peerNode(), roundCutoff, payloadLimit());
        roundWanted = false;
        sendRange(new Message.Range(roundCutoff, WireText.encode(round.initiate())));
    }

    /** Sends a message of the open round, whose answer is then due. */
    private void sendRange(Message.Range m) {
        long at = link.now();
        if (!link.send(m)) {
            return;
        }
        answerDue = at;
        progressed();
        cancelProbe();
        probe = loop.schedule(PROBE_AFTER_MILLIS, this::probeLink);
    }

    private void cancelProbe() {
        if (probe != null) {
            probe.cancel();
            probe = null;
        }
    }

    /** The open round's answer is late: a ping, whose pong tells whether it was lost ({@link #ponged}). */
    private void probeLink() {
        probe = null;
        if (!closed && round != null && answerDue >= 0) {
            link.ping();
        }
    }

    /**
     * A pong came for a ping sent at {@code pingTime} (its echoed time, {@link Link#now}): the peer has handled
     * everything this side sent before that ping, and what it sent in answer has arrived (one ordered link; a
     * duplicated frame changes nothing, as the time names the ping). A round's message sent strictly before that
     * ping and still unanswered was lost, or its answer was: the session ends. A round that wanted items may now be
     * followed up. A clock that steps back can only hide a loss (the round's deadline then ends the session) or
     * end a session for nothing, never lose an item.
     */
    void ponged(long pingTime) {
        if (closed) {
            return;
        }
        if (round != null && answerDue >= 0 && pingTime > answerDue) {
            node.roundEnded(link.peerNode(), link.peerInstance(), false);
            link.unanswered("the answer to a reconciliation round was lost (the peer answered a later ping first)");
            return;
        }
        if (followUpPing >= 0 && pingTime >= followUpPing) {
            followUpPing = -1;
            if (round == null) {
                if (timer != null) {
                    timer.cancel();
                }
                schedule(Math.min(nextPeriod(), BUSY_RETRY_MILLIS << Math.min(followUps - 1, MAX_FOLLOW_UP_SHIFT)));
            }
        }
    }

    /** How long an open round may wait for the peer's answer: a period, at least 10 s. */
    private long roundDeadline() {
        return Math.max(period, 10_000);
    }

    /** The open round sent a message: its answer is due within the deadline. */
    private void progressed() {
        lastProgressAt = loop.monotonicMillis();
        if (deadline == null) {
            deadline = loop.schedule(roundDeadline(), this::checkDeadline);
        }
    }

    private void checkDeadline() {
        deadline = null;
        if (closed || round == null) {
            return;
        }
        long waited = loop.monotonicMillis() - lastProgressAt;
        if (waited >= roundDeadline()) {
            node.roundEnded(link.peerNode(), link.peerInstance(), false); // its pings were answered: the session is up
            link.unanswered("no answer to a reconciliation round for " + waited + " ms");
            return;
        }
        deadline = loop.schedule(roundDeadline() - waited, this::checkDeadline);
    }

    private int payloadLimit() {
        long chars = Math.min(Integer.MAX_VALUE, link.frameLimit() - RANGE_OVERHEAD);
        return WireText.frameSizeLimitFor((int) chars);
    }

    /**
     * A {@code logmesh:range} came.
     *
     * @throws ProtocolError wrong-format if its payload is not a valid reconciliation message
     */
    void onRange(Message.Range r) throws ProtocolError {
        try {
            byte[] payload = WireText.decode(r.payload());
            if (initiates) {
                onAnswer(r, payload);
            } else {
                if (responder == null || responderCutoff != r.fromMs()) {
                    responder = node.responder(link.peerNode(), r.fromMs(), payloadLimit());
                    responderCutoff = r.fromMs();
                }
                link.send(new Message.Range(r.fromMs(), WireText.encode(responder.reconcile(payload))));
            }
        } catch (ReconcileException | IllegalArgumentException e) {
            throw ProtocolError.wrongFormat("logmesh:range", "bad reconciliation message: " + e.getMessage());
        }
    }

    private void onAnswer(Message.Range r, byte[] payload) {
        if (round == null || r.fromMs() != roundCutoff) {
            return; // an answer to a round this side already gave up (the link closed and reopened)
        }
        answerDue = -1;
        cancelProbe();
        Round step = round.reconcile(payload);
        if (!step.have().isEmpty()) {
            Reconciliation.Resolved mine = node.resolve(link.peerNode(), step.have());
            pushed += mine.entries().size();
            link.push(mine.entries());
            sendGone(mine.gone());
        }
        if (!step.need().isEmpty()) {
            roundWanted = true;
            want(step.need());
        }
        if (step.reply() != null) {
            sendRange(new Message.Range(roundCutoff, WireText.encode(step.reply())));
            return;
        }
        if (deadline != null) {
            deadline.cancel();
            deadline = null;
        }
        rounds++;
        node.roundEnded(link.peerNode(), link.peerInstance(), true);
        lastRoundMillis = loop.monotonicMillis() - roundStartedAt;
        round = null;
        // the period is the fallback if the pong to this ping is lost; the pong brings the follow-up forward
        followUps = roundWanted ? followUps + 1 : 0;
        followUpPing = roundWanted ? link.ping() : -1;
        schedule(nextPeriod());
    }

    private void want(List<Need> needs) {
        wanted += needs.size();
        long budget = link.frameLimit() - RANGE_OVERHEAD;
        List<String> keys = new ArrayList<>();
        long bytes = 0;
        for (Need n : needs) {
            String key = n.minTimestamp() + ":" + n.maxTimestamp() + ":" + n.id().toHex();
            if (!keys.isEmpty() && bytes + key.length() + 3 > budget) {
                link.send(new Message.Want(keys));
                keys = new ArrayList<>();
                bytes = 0;
            }
            keys.add(key);
            bytes += key.length() + 3;
        }
        if (!keys.isEmpty()) {
            link.send(new Message.Want(keys));
        }
    }

    /**
     * A {@code logmesh:want} came: send what is here, say which are gone.
     *
     * @throws ProtocolError wrong-format for a key that is not {@code min:max:hex}
     */
    void onWant(Message.Want w) throws ProtocolError {
        List<Need> needs = new ArrayList<>(w.keys().size());
        for (String k : w.keys()) {
            needs.add(parseKey(k));
        }
        Reconciliation.Resolved found = node.resolveNeeds(link.peerNode(), needs);
        link.push(found.entries());
        sendGone(found.gone());
    }

    /**
     * Sends {@code logmesh:gone} for these ids in as many frames as the peer's frame limit needs: a round's
     * {@code have} holds every id of a range the peer lacks (tens of thousands after a large cleaning), and a want
     * frame's keys are shorter than the ids of long node ids. One frame over the limit ended the session as
     * {@code wrong-format}, at every round.
     */
    private void sendGone(List<dev.logmesh.ActionId> ids) {
        for (List<dev.logmesh.ActionId> run : EntrySize.split(ids, link.frameLimit() - RANGE_OVERHEAD)) {
            link.send(new Message.Gone(run));
        }
    }

    private static Need parseKey(String k) throws ProtocolError {
        String[] parts = k.split(":", -1);
        try {
            if (parts.length != 3) {
                throw new IllegalArgumentException("three parts expected");
            }
            return new Need(ItemId.fromHex(parts[2]), Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        } catch (IllegalArgumentException e) {
            throw ProtocolError.wrongFormat(k, "bad want key: " + e.getMessage());
        }
    }

    /**
     * Asks the peer now, outside any round, for its copies of entries this node found corrupt and quarantined (a
     * {@code logmesh:want} naming each id's item in a one-millisecond window): the peer answers a want at once,
     * whatever its role, as it answers a round's ({@link #onWant}), so a repair does not wait up to a period for the
     * next round, and a listener (which never starts a round) can ask too. What comes goes through the normal
     * receive path (the quarantine took the id out of the seen index, so the copy is taken); an id the peer cleaned
     * is answered with {@code logmesh:gone}, one it never held is not answered, and a later round asks again.
     *
     * @param ids the quarantined ids, non-empty
     */
    void wantRepair(java.util.Collection<dev.logmesh.ActionId> ids) {
        if (closed) {
            return;
        }
        List<Need> needs = new ArrayList<>(ids.size());
        for (dev.logmesh.ActionId id : ids) {
            needs.add(new Need(ItemId.of(id), id.ms(), id.ms()));
        }
        want(needs);
    }

    /** A {@code logmesh:gone} came. */
    void onGone(Message.Gone g) {
        LOG.debug("{}: {} wanted ids were cleaned there", link.describePeer(), g.ids().size());
        node.known(link.peerNode(), g.ids());
    }

    /** The session ended: no more rounds. */
    void close() {
        closed = true;
        if (timer != null) {
            timer.cancel();
        }
        if (deadline != null) {
            deadline.cancel();
        }
        cancelProbe();
        round = null;
        responder = null;
    }

    /** Rounds this side completed as initiator. */
    @Override
    public String toString() {
        return "anti-entropy: " + rounds + " rounds, " + wanted + " wanted" + (round != null ? ", a round open" : "");
    }

    long rounds() {
        return rounds;
    }

    /** Entries this side pushed because a round found the peer lacked them. */
    long pushedEntries() {
        return pushed;
    }

    /** Items this side asked for because a round found it lacked them. */
    long wantedItems() {
        return wanted;
    }

    /** How long the last completed round took, in ms, or -1. */
    long lastRoundMillis() {
        return lastRoundMillis;
    }
}
