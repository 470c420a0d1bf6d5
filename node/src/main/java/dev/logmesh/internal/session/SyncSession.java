package dev.logmesh.internal.session;

import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.protocol.MessageConnection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.protocol.ScannedEntries;
import dev.logmesh.internal.protocol.WireMeta;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync session with one peer over one {@link MessageConnection}: Logux protocol 5, the dialer in the client
 * role and the listener in the server role.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Threads.</b> Every method runs on the node's loop; no field is touched elsewhere.</li>
 *   <li><b>One sending path.</b> Catch-up and live sync are the same pump: it reads this node's log in
 *       {@code added} order after {@link #pushed} and sends bounded {@code sync} chunks while fewer than
 *       {@code window} wait for {@code synced}. So the {@code added} numbers a peer acknowledges rise in
 *       the order they were sent, and a peer's {@code synced N} really means "everything up to N". Entries
 *       without reasons are never stored; they go out at once, numbered with the current {@code pushed}.</li>
 *   <li><b>No echo.</b> Entries created by the peer, and entries this session received from it, are not
 *       sent back (other sessions forward them: that is gossip).</li>
 *   <li><b>Durability.</b> A received {@code sync} is converted and validated whole, added to the log in
 *       one store transaction, and answered with {@code synced} only once that commit is durable
 *       ({@link Log#whenDurable}: with group commit the writer thread's fsync comes a little later, and the loop
 *       goes on meanwhile). This log's entries are numbered and sent (and pings tell their number) only up to
 *       {@link #sendLimit}: to a Logux client or server, or a peer without reconciliation, what is durable
 *       ({@link Log#durableAdded}); to a logmesh peer that reconciles with this node, also what is committed but not
 *       yet durable, up to the store's durable {@code added} reservation R ({@link Log#sendableAdded}), so this
 *       node's fsync runs while the entry travels and the peer commits it, not before. Why a power loss here then
 *       loses and duplicates nothing:
 *       <ul>
 *         <li><em>No number is reused.</em> The store has recorded, durably and outside its log, that it numbers
 *             nothing at or below R after a restart, and sends nothing numbered above R before it is durable. So the
 *             peer's cursor for this node ("its entries up to N received", N ≤ R) never covers an entry numbered
 *             after the loss: no entry is skipped by it.</li>
 *         <li><em>No id is reused.</em> The clock reserves its time ahead the same way ({@code HybridClock}); a
 *             restarted clock issues ids after anything it may have issued, whatever the log lost.</li>
 *         <li><em>What the peer got, it keeps.</em> It acknowledged the entry once durable on its side (its own
 *             rule); the entry is in its seen index. This node lost the entry and its seen id; reconciliation on
 *             this link (only such links get early entries) finds the id on the peer and not here and brings the
 *             entry back through the normal receive path, where it is applied here once: it was never given to
 *             this node's subscribers, whose delivery waits for this node's durability.</li>
 *         <li><em>Nothing was acknowledged here.</em> The future of {@code MeshNode.add}, {@code logux/processed} to
 *             this node's clients and subscribers still wait for this node's durability; a {@code synced} from the
 *             peer moves this node's sent cursor in a transaction after the entries' own, and the WAL replays a
 *             prefix of commits, so that cursor is never durable without them.</li>
 *       </ul>
 *       An entry this node received and forwards early is the same case: the node it came from still has it (and
 *       resends it, this node's cursor for it being lost too), and so has the peer it went to. With a memory store
 *       everything is durable at once, so none of this applies.</li>
 *   <li><b>Cursors.</b> The dialer sends in {@code connect} the highest {@code added} of the peer it
 *       processed; the listener sends its own in the {@code connected} options ({@code logmesh.synced});
 *       each side starts sending after the number the other side gave. {@code ping}/{@code pong} carry
 *       {@link #pushed} (not {@code lastAdded}: entries still waiting for a window slot are not yet sent).</li>
 *   <li><b>Clients' cursors.</b> A Logux client's {@code connect.synced} counts in the {@code added} numbers of
 *       the node it last synced with, and nodes number the same entries differently (each its own first), so this
 *       node does not trust it alone: it keeps per client id ({@code user:client}, the node id without the tab,
 *       as {@code @logux/client} shares its log and cursor between tabs) the highest {@code added} the client
 *       acknowledged here ({@code synced}), R ({@link Log#clientCursor}, kept with the log, bounded). A client's
 *       catch-up starts after {@code min(synced, R)}, or after 0 when there is no record (never served here,
 *       evicted, the log restored or a memory store restarted): more is a resend (a client's log drops an id it
 *       holds; an action it did not keep reaches its {@code add} listeners again), less is a loss. R only counts what the client acknowledged of this log, whose numbers are
 *       never reused, so a client that acknowledged R holds every entry up to R that went to it; a smaller
 *       {@code synced} (its log lost, or a cursor of another node) is followed. Not every step moves R: a pump that
 *       reads entries none of which goes to the client moves {@link #pushed} (which pings tell the client) without a
 *       {@code sync}; such stretches are read again (not sent) at the next connect.</li>
 *   <li><b>Clients' positions</b> (session 38, {@link SessionConfig#clientEpochs}, on in {@code MeshNode}). R lags
 *       (saved about once a second) and lags the client anyway by what it processed and had not acknowledged when
 *       the link or this node died: after a crash of this node, a client that stayed was sent again what it had,
 *       and {@code @logux/core}'s {@code MemoryStore}, which keeps none of it (no {@code reasons}), fired
 *       {@code add} again. So the numbers told to a client ({@code sync}, {@code ping}, {@code pong}) are positions
 *       tagged with a <em>client epoch</em> ({@link ClientPositions}), per client node ({@code user:client:tab}: each
 *       tab has its own {@code lastReceived}), which this node can recognise in {@code connect.synced}:
 *       <ul>
 *         <li>A connection whose {@code synced} does not carry an epoch confirmed here takes a new one, one above
 *             both that epoch and any confirmed here (so all its numbers exceed what the client holds, which keeps
 *             the highest), pings the client with it, and sends no entry until the client's {@code pong} (or a
 *             {@code synced} of that epoch) confirms it and the confirmation is durable
 *             ({@link Log#confirmClientEpoch}). Its catch-up starts as in "Clients' cursors".</li>
 *         <li>A connection whose {@code synced} carries the epoch confirmed here for this client node starts after
 *             its position: the client processed every number up to it, of this log. If it was confirmed before
 *             this log was opened (a crash, a restart), after the smaller of it and {@link Log#openedAt} (a
 *             restored backup may number other entries above that), in a new epoch; else in the same epoch. R is
 *             raised to that start (a trusted {@code synced} acknowledges what it names), in the new epoch's case
 *             written at once ({@link Log#saveClientCursor}), so a connection that dies after the new epoch's
 *             {@code ping} and before its {@code pong}, or a crash of this node in between (the client's next
 *             {@code synced} carries an epoch never confirmed here), starts there again; before (break52), after
 *             the older R.</li>
 *       </ul>
 *       An epoch confirmed on one node is never issued for that client node by another (it is issued only above
 *       what the client holds, and confirmed only once the client holds it): whoever issues an epoch after the
 *       client first processed one of its numbers issues a higher one, or is the node that confirmed it. That holds
 *       while the client node's {@code lastReceived} never goes back, as in one {@code @logux/core} node's life
 *       (a {@code @logux/client} tab has a new node id each time); a node id reused with a new log is outside
 *       this, as it is outside R's. A client told plain numbers (epoch 0: an old node, a log past
 *       {@link ClientPositions#MAX_POSITION}) is never trusted and is served as in "Clients' cursors".</li>
 *   <li><b>A peer that lost its log.</b> A dialer's cursor says "their {@code added} up to N processed";
 *       a peer that restarts with an empty store under the same node id (a stock Logux server with a memory
 *       store) numbers its new entries from 1 again, and neither side would resend what it lacks. When the
 *       peer's own {@code ping}/{@code pong} number is below N, its log went back: the dialer resets that
 *       peer's cursor and closes, so the next session exchanges everything again (duplicates are dropped
 *       by the receiver). Not detected if the peer has already added more than N new entries by then.</li>
 *   <li><b>Time.</b> The dialer computes Logux's time fix from the {@code connected} times; ids are never
 *       rewritten, only {@code meta.time} is shifted. Handshake times ({@code connected [start, end]}, the
 *       moment {@code connect} went out) come from the log's wall clock ({@link Log#now}), the clock that
 *       stamps {@code meta.time}; timers (ping, timeouts) run on the loop's clock. A node's two clocks are
 *       the same in production; a test gives one node a skewed wall clock to check the time fix. Between
 *       logmesh nodes the fix is refreshed from ping/pong round trips ({@link ClockSync}).</li>
 *   <li><b>Large frames.</b> A received {@code sync} of more than {@link SessionConfig#receiveSlice} entries (a
 *       Logux client's catch-up of what it added offline: one frame, up to the client frame limit) is converted and
 *       checked whole (a bad entry still refuses the whole frame, nothing stored), then stored in slices of that
 *       many, each slice a task of the loop as a frame of its own would be (the edge role's checks, one store write),
 *       the next one scheduled so that the loop reads sockets and runs timers (other sessions' pings and syncs) in
 *       between. The frame is acknowledged once: {@code synced} after its last slice is durable, and a client's
 *       answers ({@code logux/processed}, {@code logux/undo}) after it, in slices too. Until then the session's later
 *       messages and bad input wait in {@link #deferred}, in order, and its link stops reading
 *       ({@link MessageConnection#pauseReading}; the time it does not read is not the peer's silence,
 *       {@link Liveness}); then they are handled in a task of their own. A session that
 *       closes in the middle keeps what it stored, unacknowledged: the peer sends the frame again and those entries
 *       are dropped as seen (a client's are processed once all the same, see {@code ClientRole}). Before (session
 *       33) the whole frame was one task: 45,000 small actions held the loop 2.4-4.0 s.</li>
 *   <li><b>The edge.</b> A peer without mesh options is a Logux client (listener side, {@link ClientRole}) or a
 *       Logux server (dialer side, {@link UpstreamRole}); the session asks that role which entries go out, how a
 *       received {@code sync} is handled and whether the peer keeps a cursor (marked "edge (issue 11)").</li>
 * </ul>
 */
public final class SyncSession implements MessageConnection.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(SyncSession.class);

    /** Why a session closes whose peer has this node's id and is another node: a copy of its data directory. */
    public static final String TWIN = "another node runs with this node's id";

    /**
     * How the reason starts of a session that a peer ended with {@link #TWIN_NOTICE} (the notice's text follows): the
     * peer holds sessions with this node's id from two live nodes (this one and a copy of its data directory). The
     * node says so once per peer, and its
     * redialer of that peer dials again only every {@code Redialer.REFUSED_DELAY_MILLIS}.
     */
    public static final String TWIN_TOLD = "the peer says another node runs with this node's id";

    /**
     * The first wait (ms) before a node that cannot write looks for room again: a held batch tried again
     * ({@link #retryHeldBatch}) and the node's own probe of a full disk ({@code MeshNode.roomProbe}). Doubled after
     * each try that found none, up to {@link #ROOM_RETRY_MAX_MILLIS} ({@link #roomRetryDelay}).
     *
     * <p>Two ways to find room, one back-off (before, session 46, each had its own copy of these constants). They
     * cannot be one: the session's try stores what it holds (a memory budget or a disk has room for a batch only if
     * the batch goes in, and every part that does is progress), and it exists only where a peer's batch is held (a mesh
     * peer's or, since session 48, a Logux client's); the node's probe serves a node with no batch held (a first
     * failure was a local add, or an upstream Logux server's frame) and tells room on a disk from its free space before it writes, so that
     * a write that SQLite can squeeze into its own files does not say "writable" for a disk that has no room for a
     * batch. A memory node has no disk to probe: its room comes from cleans, which the node sees at once.
     */
    public static final long ROOM_RETRY_FIRST_MILLIS = 1_000;
    /** The longest wait (ms) between two looks for room ({@link #ROOM_RETRY_FIRST_MILLIS}). */
    public static final long ROOM_RETRY_MAX_MILLIS = 5_000;

    /**
     * The wait (ms) before the next look for room after {@code tries} that found none: {@link #ROOM_RETRY_FIRST_MILLIS}
     * doubled {@code tries} times, at most {@link #ROOM_RETRY_MAX_MILLIS}.
     *
     * @param tries the tries that found no room so far, {@code >= 0}
     */
    public static long roomRetryDelay(int tries) {
        return Math.min(ROOM_RETRY_MAX_MILLIS, ROOM_RETRY_FIRST_MILLIS << Math.min(tries, 10));
    }

    /** The reason of a session that this node closed because its log can be written again ({@link #roomAgain}). */
    public static final String ROOM_AGAIN = "this node can write its log again: the peer sends again what it did not "
        + "acknowledge";

    /**
     * Why this node closes a session whose peer's node id runs on two live nodes at once ({@link #tellTwin}); the
     * peer is told with {@link #TWIN_NOTICE}.
     */
    public static final String PEER_TWIN = "two nodes run with the peer's id";

    /**
     * How the text of the {@code ["debug", "error", text]} that tells a peer it has a twin starts: Logux's own
     * diagnostic message, so a stock peer shows it and an older logmesh node logs it as any debug line; a node of
     * session 29 or later closes with {@link #TWIN_TOLD}.
     */
    public static final String TWIN_NOTICE = "logmesh twin: ";

    /**
     * How a listener's {@code ["debug", "error", text]} starts that tells a logmesh dialer why it refuses it, right
     * before its {@code wrong-credentials} (which carries no reason in Logux): its clock too far off, no key or
     * another. The dialer's error then says it ({@link ProtocolError#said}). Before session 34 a dialer refused for
     * its clock was told only {@code wrong-credentials} and said "the mesh keys differ".
     */
    public static final String REFUSAL_NOTICE = "logmesh refused: ";

    /**
     * How the {@code ["debug", "error", text]} starts that a node whose log cannot be written sends once, when it
     * starts to hold the session without acknowledging anything more of the peer's ({@link #storeFailed}): a stock
     * Logux peer shows it as a diagnostic; a logmesh peer takes it for "the peer is full" ({@link #peerFull}), stops
     * sending and waiting for {@code synced} on the session, and says so once.
     */
    public static final String FULL_NOTICE = "logmesh: this node cannot write its log, try again later: ";

    /**
     * How the {@code ["debug", "error", text]} starts that tells a Logux client what {@link #FULL_NOTICE} tells a
     * peer: a stock client ({@code @logux/core} 0.10) only shows it ({@code node.on('debug')}, {@code @logux/client}'s
     * {@code log}), so it says what happens, not what to do. The client has nothing to try again: its actions stay
     * unanswered in its log, the node closes the connection when it can write again ({@link #ROOM_NOTICE}) and the
     * client's {@code Reconnect} sends them on its next one. Before (session 48) a client read "try again later".
     */
    public static final String CLIENT_FULL_NOTICE = "logmesh: this node cannot write its log; your actions wait "
        + "unanswered and go in on your next connection, which follows when the node has room: ";

    /**
     * The {@code ["debug", "error", text]} that a node which held a session for want of room ({@link #waitedForRoom})
     * sends when it can write its log again ({@link #roomAgain}), right before it closes the session: the peer sends
     * again what was not acknowledged on its next session, which a logmesh dialer opens at once (its redialer) and a
     * stock Logux client about a second later (its {@code Reconnect}). Session 45 measured a sender resuming up to 30 s
     * after the room was made (its next redial) and a stock client reconnecting every second while the node was full.
     */
    public static final String ROOM_NOTICE = "logmesh: this node can write its log again: send again what it did not "
        + "acknowledge";

    /**
     * How many received duplicates of a peer's own entries a session compares with the entry held under the id
     * ({@link #checkConflict}): each is a store read.
     */
    static final int CONFLICT_CHECKS = 1_000;

    /** Which side of the link this node is. */
    public enum Role { DIALER, LISTENER }

    /** Where a session is in its life. */
    public enum State { NEW, OPENING, CONNECTED, CLOSED }

    /** What a session tells its owner; called on the loop. */
    public interface Events {
        /** The handshake (and authentication) succeeded. */
        void connected(SyncSession session);

        /**
         * The session ended. {@code error} is the protocol error that ended it (sent or received), or null.
         */
        void disconnected(SyncSession session, ProtocolError error, String reason);

        /** The peer confirmed ({@code synced}) this log's entries up to {@code added}. */
        default void acknowledged(SyncSession session, long added) {
        }

        /**
         * A Logux client's batch was added to the log: {@code stored} holds the meta of each entry added (null for one
         * already held), in the batch's order. Its first copy in the mesh may be this log's (retention keeps it until
         * a mesh peer has it). On the loop.
         */
        default void clientAdded(SyncSession session, List<Meta> stored) {
        }

        /**
         * Progress of a catch-up this node receives from the peer (see {@link SyncSession#CATCH_UP_EVERY_MILLIS}):
         * {@code done} of {@code total} entries of the peer's log (its {@code added} numbers between this node's
         * cursor and its last one, less those it skipped), at {@code perSecond} on average so far.
         */
        default void catchUp(SyncSession session, long done, long total, double perSecond) {
        }

        /**
         * The session refused one received entry and went on with the rest ({@code kind} says why: {@link
         * #TOO_DEEP}, {@link #TOO_LARGE}, {@link #NUMBER_RANGE}); it is not stored or forwarded, and the session
         * logged it.
         */
        default void refused(SyncSession session, dev.logmesh.ActionId id, String kind) {
        }

        /**
         * This node's log could not store what the peer sent: the session holds the link, acknowledging nothing more
         * of the peer's, until {@link SyncSession#roomAgain} ({@link SyncSession#storeFailed}). On the loop.
         */
        default void waitsForRoom(SyncSession session, StoreException failure) {
        }

        /** The peer said its log is full ({@link SyncSession#FULL_NOTICE}): {@code why} is its reason. On the loop. */
        default void peerFull(SyncSession session, String why) {
        }
    }

    /** {@link Events#refused} kind of an entry nested deeper than {@link EntrySize#MAX_DEPTH}. */
    public static final String TOO_DEEP = "too-deep";
    /**
     * {@link Events#refused} kind of an entry holding a number beyond a double's range ({@code 1e999999}), which a
     * JavaScript node reads as {@code Infinity} and writes as {@code null}.
     */
    public static final String NUMBER_RANGE = "number-range";
    /**
     * {@link Events#refused} kind of a client's entry larger than a frame of the mesh can carry
     * ({@link EntrySize#maxEntry} of {@link SessionConfig#maxFrameBytes()}), which came in a client's frame (larger
     * than a mesh frame may be: the client frame limit).
     */
    public static final String TOO_LARGE = "too-large";

    /**
     * A catch-up's progress is told at most this often (ms of the loop's clock), plus once when it starts (its
     * first {@code sync} arrives) and once when it ends.
     */
    public static final long CATCH_UP_EVERY_MILLIS = 500;

    private final Log log;
    private final MessageConnection connection;
    private final Role role;
    private final SessionConfig config;
    private final Loop loop;
    /** The peer's {@code debug} messages said, then counted ({@link PeerLines}); loop only. */
    private final PeerLines debugLines = new PeerLines();
    private final Events events;
    private final String expectedPeer;

    private State state = State.NEW;
    /** Whether the link opened ({@link #onOpen}): the peer's address answered, whatever became of the handshake. */
    private boolean linkOpened;
    private String peerNode;
    /** The peer's {@link Log#instance} from its mesh options, or null (a stock Logux peer, an older node). */
    private String peerInstance;
    /** What {@link #probe} waits for: told true on the next traffic from the peer, false at the deadline; or null. */
    private java.util.function.Consumer<Boolean> probeAnswer;
    private Loop.Cancellable probeDeadline;
    /** How many more duplicates of the peer's own entries {@link #checkConflict} compares in this session. */
    private int conflictChecks = CONFLICT_CHECKS;
    /** Conflicts {@link #checkConflict} found in this session after the first (said once, when the session ends). */
    private int conflictsUnsaid;
    /** The first conflict's id, for the line at the session's end. */
    private dev.logmesh.ActionId firstConflict;
    private int peerSubprotocol;
    private ObjectNode peerHeaders;
    private long baseTime;
    private long timeFix;
    private long connectSentAt;
    private String myNonce;
    private long syncedSentInConnect;
    /** The id the first entry of a stock peer's catch-up must have (see {@link Anchor}), or null. */
    private String anchorExpected;
    /** Whether the peer is a stock Logux node (no mesh options), which cannot reconcile. */
    private boolean stockPeer;
    /** The last anchor of a stock peer not saved yet, and when one was last saved. */
    private Anchor anchorToSave;
    private long anchorSavedAt;

    /** Highest {@code added} of this log that went into the pump (sent or skipped). */
    private long pushed;
    /**
     * Where the catch-up the peer expects of this log ends (this log's last {@code added} when the session connected),
     * until the pump has passed it; -1 then, or for a peer that keeps no cursor. Loop only.
     */
    private long catchUpEnd = -1;
    /**
     * The highest {@code added} a {@code sync} or {@code ihave} of this session carried, or where the pump started;
     * loop only.
     */
    private long batchesSentTo;
    /**
     * The highest {@code added} of this log a {@code ping} or {@code pong} of this session told the peer (the peer's
     * received cursor of this node may be moved to it); loop only.
     */
    private long positionTold;
    /** Whether a task of {@link #tellPosition} waits for its turn; loop only. */
    private boolean positionTellScheduled;
    /** {@code added} numbers received from this peer that the pump has not passed yet. */
    private final Set<Long> echo = new HashSet<>();
    private int inFlight;
    /**
     * Plumtree's probe of a backlog (break40): a link that starts carrying entries (a new session, or a held overlay
     * session made active) with entries the peer's cursor has not passed sends first one {@code sync} of at most
     * {@link #BACKLOG_PROBE_ENTRIES} and waits for its answer. A peer that already had them (another path of the mesh
     * brought them while the link was held) answers with {@code logmesh:prune} before its {@code synced}, and the
     * rest goes as ids; a peer that lacked them gets the rest at the full window. Before, the whole backlog went as
     * payload at once (up to {@code window} chunks of {@code chunkEntries}): at 12 nodes each change of an active
     * view re-sent the log to a peer that held it, 3-5 times more entries received as duplicates than new.
     */
    private boolean backlogProbe;
    /** The {@code added} of the probe's {@code sync} while its answer is awaited, else -1. */
    private long backlogProbeAdded = -1;
    /**
     * Plumtree's payload ramp (gossip42): how many payload entries this eager link may have unanswered (sent in
     * {@code sync}s of the pump whose {@code synced} has not come). It starts at {@link #EAGER_START_ENTRIES} when the
     * link starts carrying entries or turns eager again, and grows {@link #EAGER_GROWTH} times with each answered
     * {@code sync} (a faster slow start than TCP's: full in 4 answers) up to the full window. A peer that gets the first of them over
     * another path answers with {@code logmesh:prune} before its {@code synced}, so a redundant eager link carries at
     * most this many entries after its first duplicate reached the peer, whatever the burst. Before, every eager link
     * had the full window ({@code window} chunks of {@code chunkEntries}: 16,000 entries) on the wire at once, and in
     * a burst of 50,000 at one node of a fresh mesh each redundant link delivered thousands of duplicates before the
     * prune landed.
     */
    private long eagerAllowance = EAGER_START_ENTRIES;
    /** Payload entries of the pump's {@code sync}s not answered yet, by their {@code added}, oldest first. */
    private final java.util.ArrayDeque<long[]> payloadInFlight = new java.util.ArrayDeque<>();
    /** The sum of the entries in {@link #payloadInFlight}. */
    private long payloadInFlightEntries;
    /** Whether the pump last saw this link lazy (so that turning eager again restarts {@link #eagerAllowance}). */
    private boolean wasLazy;
    /** Batches sent again because the peer answered later ones first ({@link Liveness#resendDue}). */
    private int resent;
    private boolean pumpScheduled;
    private boolean receiving;

    private final Liveness liveness;
    private Loop.Cancellable ticker;
    private ProtocolError closeError;
    private String closeReason;
    /** [dialer] Why the listener says it refuses this node ({@link #REFUSAL_NOTICE}), or null; owned by the loop. */
    private String peerRefusal;
    /** Why the peer says it cannot write its log ({@link #FULL_NOTICE}), or null; owned by the loop. */
    private String peerFull;
    /** Whether the peer said it can write its log again ({@link #ROOM_NOTICE}); owned by the loop. */
    private boolean peerHasRoom;
    /**
     * Why this node holds the session without storing or acknowledging the peer's entries (its log could not store
     * them: {@link #storeFailed}), or null; owned by the loop. Set once; the session ends at {@link #roomAgain}.
     */
    private StoreException roomWait;
    /** The peer's batches dropped unanswered while {@link #roomWait}; owned by the loop. */
    private long droppedWhileFull;
    /**
     * The peer's entries whose store failed and started the hold, tried again now and then ({@link #retryHeldBatch}),
     * or null; owned by the loop. A mesh peer's as received; a Logux client's as its role accepted them (checked by the
     * access rules, addressed), whose stored parts the role settles ({@link EdgeRole#heldStored}). Before session 48 a
     * client's was never held: a stock client's frame larger than the room a memory budget had left never went in, and
     * the client sent it again, whole, on every reconnect.
     */
    private List<Entry> heldBatch;
    /** How many times {@link #heldBatch} was tried again; owned by the loop. */
    private int heldRetries;
    /** The next {@link #retryHeldBatch}, or null; owned by the loop. */
    private Loop.Cancellable heldRetry;
    /**
     * Whether the session stopped because its link refused a send and waits for the link's {@code onClose} to say
     * why it ended ({@link #linkRefused}); the messages the link received before its close still come, and the
     * peer's last words among them are the reason.
     */
    private boolean awaitingLinkClose;
    /** The state the session was in when it stopped (for the log line that says it ended). */
    private State stoppedIn;
    /** The store failure that ended this session, or null. */
    private StoreException storeFailure;
    /** What was late and for how long when this side timed the session out (see {@link Liveness}), or null. */
    private String lateAnswer;

    private long sentEntries;
    /** The peer's frame limit from its mesh options ({@code logmesh.maxFrame}), or 0 if it sent none. */
    private long peerMaxFrame;
    /** Entries not sent to the peer because they exceed its frame limit. */
    private long tooLarge;
    /** The peer's {@code lastAdded} when the session connected ({@code logmesh.lastAdded}), or -1. */
    private long peerLastAdded = -1;
    /** The {@code added} ranges the peer's log skipped ({@code logmesh.skipped}), pairs; none if it sent none. */
    private long[] peerSkipped = dev.logmesh.spi.Store.NO_SKIPPED;
    private long receivedEntries;
    private long announcedEntries;

    // Catch-up received from the peer (receiving side only): from our cursor of the peer's log at connect to the
    // peer's lastAdded at connect. done = how far our received cursor moved (entries the peer skips, because we
    // made them, sent them or they were cleaned, count once the cursor passes them: its ping/pong moves it).
    /** Our received cursor of the peer's log when the session connected, or -1: no catch-up in progress. */
    private long catchUpFrom = -1;
    /** The peer's lastAdded at connect: where the catch-up ends. */
    private long catchUpTo;
    /** How far the received cursor has got (the highest value given to {@link #catchUpAt}). */
    private long catchUpAt;
    /** What this session counts in the node's catch-up lag now. */
    private long catchUpLag;
    /** When the first batch of the catch-up arrived (loop clock), or -1 before: nothing is told until then. */
    private long catchUpStartedAt = -1;
    private long catchUpToldAt;

    /** Whether both sides offered set reconciliation. */
    private boolean reconcileLink;
    /** Whether both sides offered Plumtree: only then may mesh-only messages be sent. */
    private boolean plumtree;
    /** The node's gossip (eager or lazy per link, missing ids, grafts), or null for a session without it. */
    private final Gossip gossip;
    /** The node's set reconciliation, or null when this session offers none. */
    private final Reconciliation reconciliation;
    /** Anti-entropy on this link, once both sides offered it and the session connected; else null. */
    private AntiEntropy antiEntropy;
    /** Received batches not yet answered with {@code synced}. */
    private final Acknowledgements inbound = new Acknowledgements();
    /** The received {@code sync} being handled in slices, or null (see Large frames in the class docs). */
    private Frame slicing;
    /**
     * What arrived from the peer while {@link #slicing}, in order: messages and bad input ({@link ProtocolError}),
     * handled once that frame is. Bounded: the link stops reading meanwhile ({@link MessageConnection#pauseReading}).
     */
    private final java.util.ArrayDeque<Object> deferred = new java.util.ArrayDeque<>();
    /** Edge (issue 11): the role towards a peer that is not a logmesh node, set at the handshake; null for a node. */
    private EdgeRole edge;
    /** The dialer's time fix estimates (issue 11: refreshed from ping/pong); null on the listener side. */
    private ClockSync clock;
    /** Whether both sides announced the {@code time} capability: only then do ping/pong carry clock samples. */
    private boolean timeSamples;
    /** Listener side: the dialer's estimate, this clock − the dialer's (ms), and its round trip (-1: none yet). */
    private long peerOffset;
    private long peerRoundTrip = -1;
    /** [overlay hook] The node's overlay membership, or null: then this session offers no {@code hpv}. */
    private Membership membership;
    /** [overlay hook] Whether both sides offered the overlay ({@code hpv}): only then may it carry its messages. */
    private boolean overlayLink;
    /** The node's mesh presence, or null: then this session offers no {@code presence}. */
    private PresenceSink presence;
    /** Whether both sides offered {@code presence}: only then may the session carry presence records. */
    private boolean presenceLink;
    /** [overlay hook] While true the pump sends nothing (an overlay peer outside the active view). */
    private boolean held;
    /**
     * A Logux client's epoch on this connection ("Clients' positions" in the class docs): every number told to the
     * client is a position tagged with it ({@link ClientPositions}); 0 for a mesh peer, or a client told plain numbers.
     */
    private long clientEpoch;
    /**
     * Whether the client has not yet answered the {@code ping} that told it {@link #clientEpoch} (a new epoch): until
     * it has, and its confirmation is durable, the session is {@link #held} (no entry goes to the client).
     */
    private boolean clientEpochUnconfirmed;
    /**
     * Whether the {@code ping} that tells the client its new {@link #clientEpoch} waits until the log is durable: the
     * client's record was raised and saved for it ({@link #clientStart}), and a power loss after the client took the
     * new epoch and before its {@code pong} must not take that record (break52b: all 8 entries sent again).
     */
    private boolean pingWhenDurable;
    /** [overlay hook] Whether only {@link #expectedPeer} may answer (the overlay dials a node, not an address). */
    private boolean requirePeer;
    /** [overlay hook] Whether this listener refused a connect that named another node. */
    private boolean refusedOtherNode;

    /**
     * @param expectedPeer the node id the dialer expects at the other end (from discovery or an earlier
     *                     connection), or null
     */
    public SyncSession(Log log, MessageConnection connection, Role role, SessionConfig config, Loop loop, Events events,
                       String expectedPeer) {
        this(log, connection, role, config, loop, events, expectedPeer, null);
    }

    /**
     * @param expectedPeer the node id the dialer expects at the other end, or null
     * @param gossip       the node's gossip (Plumtree), or null: then this session offers no Plumtree and floods
     */
    public SyncSession(Log log, MessageConnection connection, Role role, SessionConfig config, Loop loop, Events events,
                       String expectedPeer, Gossip gossip) {
        this(log, connection, role, config, loop, events, expectedPeer, gossip, null);
    }

    /**
     * @param reconciliation the node's set reconciliation, or null: then this session offers none
     */
    public SyncSession(Log log, MessageConnection connection, Role role, SessionConfig config, Loop loop, Events events,
                       String expectedPeer, Gossip gossip, Reconciliation reconciliation) {
        this.gossip = config.plumtree() ? gossip : null;
        this.reconciliation = config.reconcileMillis() > 0 ? reconciliation : null;
        this.liveness = new Liveness(config.pingMillis(), config.timeoutMillis(), config.maxPingsPerSecond());
        this.log = log;
        this.connection = connection;
        this.role = role;
        this.config = config;
        this.loop = loop;
        this.events = events;
        this.expectedPeer = expectedPeer;
    }

    /**
     * [overlay hook] Makes this session offer the overlay ({@code hpv} capability) and hand the overlay messages
     * it receives to {@code membership}. Call before {@link #start()}.
     */
    public void useMembership(Membership value) {
        if (state != State.NEW) {
            throw new IllegalStateException("the membership is set before the session starts");
        }
        membership = value;
    }

    /**
     * Makes this session offer mesh presence ({@code presence} capability) and hand the presence records it
     * receives to {@code sink}. Call before {@link #start()}.
     */
    public void usePresence(PresenceSink sink) {
        if (state != State.NEW) {
            throw new IllegalStateException("presence is set before the session starts");
        }
        presence = sink;
    }

    /**
     * [overlay hook] Only the expected node may answer this dialer. The {@code connect} names it (mesh option
     * {@code to}, as a keyed dialer's proof does); a logmesh listener that is another node refuses with
     * {@code wrong-credentials} before it counts as connected and without counting a failed attempt of the
     * dialer's address, so an old or forged address that leads to another node disturbs none of that node's
     * sessions; and another node's {@code connected} closes this session before it counts. For the overlay, which
     * dials a node; a static {@code --peer} URL may legitimately lead to another node. Call before the
     * {@code connect} goes out (right after the dial).
     */
    public void requirePeer() {
        if (role != Role.DIALER || expectedPeer == null || state != State.NEW) {
            throw new IllegalStateException("only a dialer that expects a node, before it connects");
        }
        requirePeer = true;
    }

    /** Whether this is a dial of the overlay ({@link #requirePeer}); else a dialer's of a URL, or a listener's. */
    public boolean overlayDial() {
        return requirePeer;
    }

    /** Starts the session: the connection delivers its events to this session from now on. */
    public void start() {
        connection.start(this);
    }

    // ---------------------------------------------------------------- connection events

    @Override
    public void onOpen() {
        if (state != State.NEW) {
            return;
        }
        state = State.OPENING;
        linkOpened = true;
        liveness.opened(loop.monotonicMillis());
        scheduleTick();
        if (role == Role.DIALER) {
            // connect reads the store (the epochs known): a store that cannot be read now (a full disk) ends the
            // session as a failed dial, instead of leaving it to the handshake timeout
            guarded("start the session with " + peerName(), this::sendConnect).run();
        }
    }

    @Override
    public void onMessage(Message m) {
        if (state == State.CLOSED) {
            if (awaitingLinkClose) {
                lastWords(m);
            }
            return;
        }
        if (!(m instanceof Message.Presence)) {
            // presence flows every few seconds on every link: counted as traffic it would stop the pings that
            // detect a silent peer and refresh the clock samples
            liveness.received(loop.monotonicMillis());
        }
        answerProbe(true);
        if (slicing != null || !deferred.isEmpty()) {
            deferred.add(m); // behind the frame being handled in slices (Large frames in the class docs)
            return;
        }
        handle(m);
    }

    /** Handles one message from the peer. */
    private void handle(Message m) {
        try {
            dispatch(m);
        } catch (StoreException e) {
            // the log failed under any message (a cursor, an epoch, a read for the pump): the same as a batch
            // that could not be stored, the session ends with nothing acknowledged that the store did not take
            storeFailed("handle " + m.type() + " from " + describePeer(), e);
        }
    }

    private void dispatch(Message m) {
        if (roomWait != null && (m instanceof Message.Sync || m instanceof Message.Ihave)) {
            droppedWhileFull++; // the log cannot store it: unanswered, sent again after roomAgain
            return;
        }
        if (m instanceof Message.Sync s) {
            onSync(s);
        } else if (m instanceof Message.Synced s) {
            onSynced(clientEpoch == 0 ? s : untagged(s));
        } else if (m instanceof Message.Ping p) {
            onPing(p);
        } else if (m instanceof Message.Pong p) {
            onPong(p);
        } else if (m instanceof Message.Connect c) {
            onConnect(c);
        } else if (m instanceof Message.Connected c) {
            onConnected(c);
        } else if (m instanceof Message.Headers h) {
            peerHeaders = h.headers();
            if (edge instanceof ClientRole r) {
                // a client's setLocalHeaders while connected: its later actions' hooks see the new headers
                r.headers(h.headers());
            }
        } else if (m instanceof Message.Error e) {
            ProtocolError err = receivedError(e);
            if (requirePeer && peerNode == null) {
                // [overlay hook] an overlay dial refused: routine with stale or forged addresses, backed off
                LOG.debug("{} sent error {}", describePeer(), e.errorType());
            } else {
                // not a warning: the node reports the session's end (an error event, or its redialer's refusal)
                LOG.debug("{} sent error {}", describePeer(), e.errorType() + (e.options() == null ? "" : " " + e.options()));
            }
            closeWith(err, receivedErrorReason(e));
        } else if (m instanceof Message.Debug d) {
            if (role == Role.DIALER && state == State.OPENING && d.text().startsWith(REFUSAL_NOTICE)) {
                peerRefusal = refusalText(d);
                return;
            }
            if (d.text().startsWith(FULL_NOTICE)) {
                // the peer's log is full: it holds the session (or, before session 46, ends it with error timeout);
                // nothing more is sent to it, and its synced is not waited for; the node says it once
                peerFull = d.text().substring(FULL_NOTICE.length());
                liveness.peerFull();
                LOG.debug("{} says: {}", describePeer(), d.text());
                events.peerFull(this, peerFull);
                return;
            }
            if (d.text().equals(ROOM_NOTICE)) {
                // it closes next; the dialer dials again at once (Redialer)
                peerHasRoom = true;
                LOG.debug("{} says: {}", describePeer(), d.text());
                return;
            }
            String told = twinTold(d);
            if (told != null) {
                // (a logmesh peer: it said its instance) the node reports it once per peer, with what to do
                LOG.debug("{} says: {}", describePeer(), d.text());
                closeWith(null, told);
                return;
            }
            // a peer can send any number, each as long as a frame: said once, then counted, and cut (ops42)
            debugLines.say("debug messages", loop.monotonicMillis(), "debug from " + describePeer() + ": "
                + dev.logmesh.internal.edge.ClientEdge.shown(d.text()), LOG::info);
        } else if (m instanceof Message.Ihave h) {
            onIhave(h);
        } else if (m instanceof Message.Graft g) {
            onGraft(g);
        } else if (m instanceof Message.Prune) {
            if (state == State.CONNECTED && plumtree) {
                gossip.pruned(peerNode);
                linkTurnedLazy();
            }
        } else if (m instanceof Message.Range || m instanceof Message.Want || m instanceof Message.Gone) {
            onReconcile(m);
        } else if (m instanceof Message.Hpv h) {
            onHpv(h);
        } else if (m instanceof Message.Presence p) {
            onPresence(p);
        }
    }

    @Override
    public void onBytes(long count) {
        if (state != State.CLOSED) {
            liveness.bytesIn(loop.monotonicMillis());
            answerProbe(true);
        }
    }

    @Override
    public void onBadInput(ProtocolError error) {
        if (state == State.CLOSED) {
            return;
        }
        if (slicing != null || !deferred.isEmpty()) {
            deferred.add(error); // in its place among the messages: behind the frame being handled
            return;
        }
        badInput(error);
    }

    private void badInput(ProtocolError error) {
        LOG.warn("bad input from {}: {}", describePeer(), error.getMessage());
        fail(error);
    }

    @Override
    public void onClose(String reason) {
        if (awaitingLinkClose) {
            awaitingLinkClose = false;
            report(closeError, closeReason != null ? closeReason : reason);
            return;
        }
        if (state == State.CLOSED) {
            return;
        }
        finish(closeError, closeReason != null ? closeReason : reason);
    }

    /** A received {@code error} as the protocol error that ends the session, with the peer's refusal if it said one. */
    private ProtocolError receivedError(Message.Error e) {
        return ProtocolError.received(e.errorType(), e.options(), peerRefusal);
    }

    /** How a listener's refusal of a dial meant for another node begins: {@code this is NEW, not OLD}. */
    static final String OTHER_NODE = "this is ";

    /**
     * The node that answered instead, when {@code error} is a listener's refusal of a dial meant for {@code wanted}
     * ({@code wrong-credentials}, saying {@code this is NEW, not WANTED}): the node at that address is now another one
     * (a memory node restarted with a new id, or another node took its port). Null for any other error.
     */
    public static String answeredInstead(ProtocolError error, String wanted) {
        String said = error == null || !error.isReceived() ? null : error.said();
        String tail = ", not " + wanted;
        if (said == null || !said.startsWith(OTHER_NODE) || !said.endsWith(tail)) {
            return null;
        }
        String other = said.substring(OTHER_NODE.length(), said.length() - tail.length());
        return other.isEmpty() || other.equals(wanted) || other.chars().anyMatch(Character::isWhitespace) ? null : other;
    }

    /** The reason of a {@link #REFUSAL_NOTICE}, at most 500 characters (it is a peer's text). */
    private static String refusalText(Message.Debug d) {
        String t = d.text().substring(REFUSAL_NOTICE.length());
        return t.length() > 500 ? t.substring(0, 500) + "…" : t;
    }

    /** Why a session ends that the peer ended with {@code e}. */
    private static String receivedErrorReason(Message.Error e) {
        return "peer sent error " + e.errorType();
    }

    /**
     * The reason {@link #TWIN_TOLD} for a {@code debug} that tells this node of its twin ({@link #TWIN_NOTICE}), from
     * a logmesh peer (one that said its instance), or null for any other {@code debug}.
     */
    private String twinTold(Message.Debug d) {
        return d.text().startsWith(TWIN_NOTICE) && peerInstance != null
            ? TWIN_TOLD + ": " + d.text().substring(TWIN_NOTICE.length()) : null;
    }

    /**
     * A message that the link received before its close, arriving after the session stopped on a refused send
     * ({@link #linkRefused}): an {@code error} or a twin notice is why the peer closed, and the session's reason
     * (the first such); anything else is dropped (the link is gone; what it carried comes again in the next session).
     */
    private void lastWords(Message m) {
        if (closeReason != null) {
            return;
        }
        if (m instanceof Message.Error e) {
            LOG.debug("{} sent error {} before its link closed", describePeer(), e.errorType());
            closeError = receivedError(e);
            closeReason = receivedErrorReason(e);
        } else if (m instanceof Message.Debug d && twinTold(d) != null) {
            LOG.debug("{} says: {}", describePeer(), d.text());
            closeReason = twinTold(d);
        } else if (m instanceof Message.Debug d && role == Role.DIALER && peerNode == null
            && d.text().startsWith(REFUSAL_NOTICE)) {
            peerRefusal = refusalText(d);
        }
    }

    // ---------------------------------------------------------------- handshake

    private void sendConnect() {
        sendHeaders();
        ObjectNode options = MeshAuth.newObject();
        if (config.subprotocol() > 0) {
            options.put("subprotocol", config.subprotocol());
        }
        if (config.token() != null) {
            options.put("token", config.token());
        }
        ObjectNode mine = Handshake.meshOptions(config, log, gossip != null, reconciliation != null,
            membership != null, presence != null);
        if (expectedPeer != null) {
            Epochs.known(log, expectedPeer).ifPresent(e -> mine.put("peerEpoch", e));
        }
        options.set(MeshAuth.OPTION, mine);
        if (config.auth() != null) {
            myNonce = config.auth().nonce();
            config.auth().putConnectProof((ObjectNode) options.get(MeshAuth.OPTION), log.nodeId(), expectedPeer,
                myNonce);
        }
        if (requirePeer) {
            ((ObjectNode) options.get(MeshAuth.OPTION)).put("to", expectedPeer);
        }
        syncedSentInConnect = expectedPeer == null ? 0 : log.cursor(expectedPeer).received();
        Anchor anchor = syncedSentInConnect > 0 ? Anchor.load(log, expectedPeer) : null;
        if (anchor != null && anchor.added() == syncedSentInConnect) {
            // a stock peer: ask from one entry earlier, to see that its log is still the one we synced
            syncedSentInConnect--;
            anchorExpected = anchor.id();
        }
        connectSentAt = log.now();
        send(new Message.Connect(Message.PROTOCOL, log.nodeId(), syncedSentInConnect, options));
    }

    private void sendHeaders() {
        if (config.headers() != null && !config.headers().isEmpty()) {
            send(new Message.Headers(config.headers()));
        }
    }

    private void onConnect(Message.Connect c) {
        long start = log.now();
        if (role != Role.LISTENER || state != State.OPENING) {
            fail(ProtocolError.wrongFormat("connect", "unexpected connect"));
            return;
        }
        String address = connection.remoteAddress();
        boolean blocked = config.bruteforce() != null && config.bruteforce().blocked(address);
        if (blocked && EdgeRole.isMeshPeer(c.options() == null ? null : c.options().get(MeshAuth.OPTION))) {
            // a mesh peer, which is ours: told so, and not checked (its dialer comes back later)
            fail(ProtocolError.of(ProtocolError.Type.BRUTEFORCE, null, "too many failed attempts from " + address));
            return;
        }
        if (c.protocol() < Message.PROTOCOL) {
            fail(Handshake.wrongProtocol(c.protocol()));
            return;
        }
        if (c.nodeId().equals(log.nodeId())) {
            // Answer, so the dialing side sees its own id and stops dialing this address; with this log's instance
            // (said only here), so a twin (another node on a copy of this data directory) can tell it is not itself
            ObjectNode reply = MeshAuth.newObject();
            reply.set(MeshAuth.OPTION, MeshAuth.newObject().put("instance", log.instance()));
            send(new Message.Connected(Message.PROTOCOL, log.nodeId(), start, log.now(), reply));
            closeWith(null, "connected to itself");
            return;
        }
        JsonNode to = c.options() == null || !(c.options().get(MeshAuth.OPTION) instanceof ObjectNode o) ? null
            : o.get("to");
        // ("*": any node; a keyed dialer always names one, for its proof, which covers it)
        if (to != null && to.isTextual() && !to.asText().equals("*") && !to.asText().equals(log.nodeId())) {
            // [overlay hook] the dialer wants another node (an old address): refuse before counting as connected
            refusedOtherNode = true;
            String other = OTHER_NODE + log.nodeId() + ", not " + to.asText();
            // a logmesh dialer is told who answers here (Logux's wrong-credentials has no reason): a node that
            // restarted with a new id (a memory node) is then not taken for one with another key (keep47)
            send(new Message.Debug("error", REFUSAL_NOTICE + other));
            fail(ProtocolError.of(ProtocolError.Type.WRONG_CREDENTIALS, null, other));
            return;
        }
        peerNode = c.nodeId();
        ObjectNode options = c.options();
        peerSubprotocol = Handshake.subprotocol(options);
        ProtocolError sub = Handshake.checkSubprotocol(config, peerSubprotocol);
        if (sub != null) {
            fail(sub);
            return;
        }
        JsonNode ext = options == null ? null : options.get(MeshAuth.OPTION);
        // edge (issue 11): a peer without logmesh options is a Logux client of this node
        boolean client = !EdgeRole.isMeshPeer(ext);
        peerInstance = client ? null : Handshake.instance(ext);
        liveness.answersInOrder(!client); // a logmesh node answers batches in order (Liveness)
        String denied = client ? ClientRole.refusal(config, c.nodeId(), options)
            : Handshake.checkCredentials(config, log.nodeId(), options, ext, c.nodeId());
        if (denied == null && blocked) {
            // a Logux client from a blocked address: @logux/server 0.14 answers wrong-credentials (the error a
            // @logux/client app takes for "log out"), whatever the token, and counts the attempt as a failure
            // (before session 26: bruteforce, which the client retried, and uncounted)
            denied = "too many failed attempts from " + address + " (" + config.bruteforce().rule()
                + ", as @logux/server)";
        }
        if (denied != null) {
            // not a warning: the node reports the session's end as an error event, with the address
            LOG.debug("refused {} from {}: {}", c.nodeId(), address, denied);
            if (!client) {
                // a logmesh dialer is told why (Logux's wrong-credentials has no reason); a Logux client gets none
                send(new Message.Debug("error", REFUSAL_NOTICE + denied));
            }
            // (@logux/server does not count the attempts of the reserved user server)
            if (config.bruteforce() != null
                && !(client && dev.logmesh.internal.edge.ClientId.parse(c.nodeId()).isReservedServer())) {
                config.bruteforce().failed(address);
            }
            // this node's key id is said here only (not to a dialer it refuses: see MeshAuth.keyId)
            fail(ProtocolError.of(ProtocolError.Type.WRONG_CREDENTIALS, null, denied.startsWith(MeshAuth.WRONG_KEY)
                && config.auth() != null ? denied + config.auth().wrongKeyHere() : denied));
            return;
        }
        plumtree = Handshake.plumtree(gossip != null, ext);
        if (plumtree) {
            inbound.remember(); // a batch sent again is told from one that came by a second path: see onSync
        }
        reconcileLink = Handshake.offers(reconciliation != null, ext, Handshake.RECONCILE);
        timeSamples = Handshake.hasCap(ext, Handshake.TIME);
        overlayLink = Handshake.offers(membership != null, ext, Handshake.HPV);
        presenceLink = Handshake.offers(presence != null, ext, Handshake.PRESENCE);
        peerLastAdded = Handshake.lastAdded(ext);
        peerSkipped = Handshake.skipped(ext);
        peerMaxFrame = Handshake.maxFrame(ext);
        String theirEpoch = Handshake.text(ext, "epoch");
        if (theirEpoch != null && Epochs.update(log, peerNode, theirEpoch)) {
            LOG.info("{} has another log than before (epoch {}): its cursors are dropped", describePeer(), theirEpoch);
            log.resetCursor(peerNode);
        }
        // the dialer's cursor of this log is about the epoch it names; another one (this store was wiped or
        // restored with a new epoch) means it says nothing about this log
        String ourEpochForThem = Handshake.text(ext, "peerEpoch");
        sendHeaders();
        baseTime = log.now();
        timeFix = 0;
        pushed = client ? clientStart(c.synced())
            : startAfter(ourEpochForThem != null && !ourEpochForThem.equals(log.epoch()) ? 0 : c.synced());
        ObjectNode reply = MeshAuth.newObject();
        if (config.subprotocol() > 0) {
            reply.put("subprotocol", config.subprotocol());
        }
        ObjectNode mine = Handshake.meshOptions(config, log, gossip != null, reconciliation != null,
            membership != null, presence != null);
        mine.put("synced", log.cursor(peerNode).received());
        if (config.auth() != null && ext != null && ext.has("proof")) {
            config.auth().putConnectedProof(mine, log.nodeId(), peerNode, ext.get("nonce").asText());
        }
        if (client) {
            // edge (issue 11): no mesh options (cursor, mesh name) for a client
            edge = new ClientRole(this, log, config.edge(), dev.logmesh.internal.edge.ClientId.parse(peerNode),
                peerSubprotocol, peerHeaders, EntrySize.maxEntry(config.maxFrameBytes()), config.hookErrors(),
                pushed);
            // frames up to the client limit from now on, before connected: a Logux client sends nothing else
            // before it (@logux/core 0.10's BaseNode: no ping and no sync until it is authenticated), so each of its
            // later frames is read under this limit
            connection.takeClientFrames();
            liveness.client(); // @logux/server's wait for a client's answers, not a mesh peer's
        } else {
            reply.set(MeshAuth.OPTION, mine);
        }
        send(new Message.Connected(Message.PROTOCOL, log.nodeId(), start, baseTime, reply));
        becomeConnected();
    }

    private void onConnected(Message.Connected c) {
        if (role != Role.DIALER || state != State.OPENING) {
            fail(ProtocolError.wrongFormat("connected", "unexpected connected"));
            return;
        }
        if (c.protocol() < Message.PROTOCOL) {
            fail(Handshake.wrongProtocol(c.protocol()));
            return;
        }
        if (c.nodeId().equals(log.nodeId())) {
            peerNode = c.nodeId();
            closeWith(null, Handshake.twin(c.options() == null ? null : c.options().get(MeshAuth.OPTION), log)
                ? TWIN : "connected to itself");
            return;
        }
        peerNode = c.nodeId();
        if (expectedPeer != null && !expectedPeer.equals(c.nodeId()) && (syncedSentInConnect > 0 || requirePeer)) {
            // The connect carried another node's cursor: the listener may skip entries we lack. Redial.
            closeWith(null, "expected node " + expectedPeer + " but " + c.nodeId() + " answered");
            return;
        }
        peerSubprotocol = Handshake.subprotocol(c.options());
        ProtocolError sub = Handshake.checkSubprotocol(config, peerSubprotocol);
        if (sub != null) {
            fail(sub);
            return;
        }
        JsonNode ext = c.options() == null ? null : c.options().get(MeshAuth.OPTION);
        if (ext != null && ext.isObject() && ext.has("mesh") && !config.mesh().equals(ext.get("mesh").asText())) {
            fail(ProtocolError.of(ProtocolError.Type.WRONG_CREDENTIALS, null, "node of another mesh"));
            return;
        }
        if (config.auth() != null && !config.auth().checkConnected(ext, c.nodeId(), log.nodeId(), myNonce)) {
            fail(ProtocolError.of(ProtocolError.Type.WRONG_CREDENTIALS, null,
                c.nodeId() + " did not prove it has the mesh key (an open node: it runs without one): give it the "
                    + "mesh's key file (--key-file)"));
            return;
        }
        plumtree = Handshake.plumtree(gossip != null, ext);
        if (plumtree) {
            inbound.remember(); // a batch sent again is told from one that came by a second path: see onSync
        }
        reconcileLink = Handshake.offers(reconciliation != null, ext, Handshake.RECONCILE);
        overlayLink = Handshake.offers(membership != null, ext, Handshake.HPV);
        presenceLink = Handshake.offers(presence != null, ext, Handshake.PRESENCE);
        peerLastAdded = Handshake.lastAdded(ext);
        peerSkipped = Handshake.skipped(ext);
        peerInstance = EdgeRole.isMeshPeer(ext) ? Handshake.instance(ext) : null;
        stockPeer = ext == null || !ext.isObject();
        liveness.answersInOrder(!stockPeer); // a logmesh node answers batches in order (Liveness)
        if (!stockPeer) {
            anchorExpected = null; // anchors are kept for stock peers only
        }
        if (!EdgeRole.isMeshPeer(ext)) {
            // edge (issue 11): this node dialed a Logux server; its catch-up (one sync frame of every entry for this
            // node) comes under the client frame limit, which a dialed link takes from the start
            edge = new UpstreamRole(this, log, peerNode, EntrySize.maxEntry(config.maxFrameBytes()));
        } else {
            // a mesh peer sends frames up to the smaller of both limits (told in connect's logmesh.maxFrame): the
            // link takes no more than this node's frame limit from now on
            connection.takeMeshFrames();
        }
        peerMaxFrame = Handshake.maxFrame(ext);
        long now = log.now();
        timeFix = Handshake.timeFix(connectSentAt, c.start(), c.end(), now);
        // time fix refreshed from ping/pong (issue 11): the handshake is the first sample
        clock = new ClockSync();
        clock.add(timeFix, now - connectSentAt - (c.end() - c.start()), now);
        timeSamples = Handshake.hasCap(ext, Handshake.TIME);
        baseTime = c.end();
        String theirEpoch = Handshake.text(ext, "epoch");
        if (theirEpoch != null && Epochs.update(log, peerNode, theirEpoch) && syncedSentInConnect > 0) {
            // our connect asked from a cursor of the peer's previous log: start again from nothing
            log.resetCursor(peerNode);
            closeWith(null, "peer " + peerNode + " has another log than before (epoch " + theirEpoch + "): resync");
            return;
        }
        long theirs = ext != null && ext.has("synced") && ext.get("synced").canConvertToLong()
            ? ext.get("synced").asLong() : log.cursor(peerNode).sent();
        pushed = startAfter(theirs);
        becomeConnected();
    }

    /** Spec "missed-auth": a message before the handshake finished; the options carry the message as JSON. */
    private static ProtocolError missedAuth(Message m) {
        return ProtocolError.of(ProtocolError.Type.MISSED_AUTH, TextNode.valueOf(MessageCodec.encode(m)),
            m.type() + " before the handshake");
    }

    /**
     * Where sending starts, from the peer's word of what it has of this log. A number above this log's
     * {@code lastAdded} cannot be about this log (the peer kept it for another one: this log was restored
     * or wiped, or the peer confused us with another node), so it is treated as 0: everything is sent again
     * and the receiver drops what it has.
     */
    private long startAfter(long theirs) {
        if (theirs > log.lastAdded()) {
            LOG.warn("{} says it has this log up to {}, but it ends at {}: a cursor of another log; sending "
                + "everything", describePeer(), theirs, log.lastAdded());
            return 0;
        }
        return Math.max(0, theirs);
    }

    /**
     * Where sending to a Logux client starts (see "Clients' cursors" in the class docs): after the smaller of its
     * {@code connect.synced} and the highest {@code added} it acknowledged on this node, or after 0 when this node
     * keeps no record of it. Touches the record, so that a client that comes back is kept.
     */
    private long clientStart(long theirs) {
        String client = dev.logmesh.internal.edge.ClientId.parse(peerNode).clientId();
        java.util.OptionalLong kept = log.clientCursor(client);
        log.advanceClientCursor(client, 0);
        if (!config.clientEpochs()) {
            return clientCursorStart(kept, theirs);
        }
        long theirEpoch = ClientPositions.epoch(theirs);
        long position = ClientPositions.position(theirs);
        long[] mine = log.clientEpoch(peerNode);
        long start;
        if (theirEpoch > 0 && mine != null && mine[0] == theirEpoch && position <= log.lastAdded()) {
            if (mine[1] == 1) {
                clientEpoch = theirEpoch; // confirmed since the open: the same numbering, the same epoch goes on
                log.advanceClientCursor(client, position);
                return position;
            }
            // confirmed before this open (the node restarted): numbers up to openedAt name what they named then
            start = Math.min(position, log.openedAt());
            // a trusted synced acknowledges what it names: R holds it, saved before the new epoch's ping goes out,
            // so a connection that loses that ping's pong (the client's next synced carries an epoch not confirmed
            // here), or this node's next crash before it, starts here again, not after an older R (break52: a stock
            // @logux/client got again 80 of 545 actions it had, after a kill -9 and a link cut)
            log.saveClientCursor(client, start);
            pingWhenDurable = true;
        } else {
            start = clientCursorStart(kept, theirs);
        }
        long next = Math.max(theirEpoch, mine == null ? 0 : mine[0]) + 1;
        if (ClientPositions.fits(next, log.lastAdded())) {
            clientEpoch = next;
            clientEpochUnconfirmed = true;
        }
        return start;
    }

    /** {@link #clientStart} from the client id's cursor alone: after {@code min(synced, R)}, or 0 without R. */
    private long clientCursorStart(java.util.OptionalLong kept, long theirs) {
        if (kept.isEmpty()) {
            if (theirs > 0) {
                LOG.debug("client {} connects with synced {}, but this node never served it (or forgot it): "
                    + "catch-up from the start", peerNode, theirs);
            }
            return 0;
        }
        return startAfter(Math.min(theirs, kept.getAsLong()));
    }

    private void onReconcile(Message m) {
        if (state != State.CONNECTED || antiEntropy == null) {
            fail(ProtocolError.wrongFormat(m.type(), m.type() + " without the reconcile capability"));
            return;
        }
        try {
            if (m instanceof Message.Range r) {
                antiEntropy.onRange(r);
            } else if (m instanceof Message.Want w) {
                antiEntropy.onWant(w);
            } else if (m instanceof Message.Gone g) {
                antiEntropy.onGone(g);
            }
        } catch (ProtocolError e) {
            fail(e);
        }
    }

    /** The link as anti-entropy sees it. */
    private AntiEntropy.Link antiEntropyLink() {
        return new AntiEntropy.Link() {
            @Override
            public boolean send(Message m) {
                return SyncSession.this.send(m);
            }

            @Override
            public void push(List<Entry> entries) {
                sendChunked(0, entries);
            }

            @Override
            public boolean quiet() {
                return !held && slicing == null && inFlight == 0 && inbound.isEmpty() && pushed >= log.lastAdded()
                    && (peerLastAdded < 0 || cursor().received() >= peerLastAdded);
            }

            @Override
            public long frameLimit() {
                return SyncSession.this.frameLimit();
            }

            @Override
            public String describePeer() {
                return SyncSession.this.describePeer();
            }

            @Override
            public String peerNode() {
                return peerNode;
            }

            @Override
            public String peerInstance() {
                return peerInstance;
            }

            @Override
            public long now() {
                return log.now();
            }

            @Override
            public long ping() {
                long t = log.now();
                // as a clock sample asks: a logmesh peer's pong echoes the time
                return timeSamples && send(new Message.Ping(pingNumber(), ClockSync.timeOnly(t))) ? t : -1;
            }

            @Override
            public void unanswered(String what) {
                if (state != State.CLOSED) {
                    closeError = ProtocolError.of(ProtocolError.Type.TIMEOUT,
                        IntNode.valueOf((int) config.timeoutMillis()), what);
                    closeWith(closeError, what);
                }
            }
        };
    }

    private void becomeConnected() {
        state = State.CONNECTED;
        // [overlay hook] an overlay peer gets entries only once the overlay makes it active (see hold)
        held = overlayLink || clientEpochUnconfirmed;
        if (clientEpochUnconfirmed) {
            // tells the client its new epoch; its pong confirms it (a client silent for the timeout: "no pong")
            Runnable ping = () -> {
                send(new Message.Ping(pingNumber(), null));
                liveness.pinged(loop.monotonicMillis());
            };
            if (pingWhenDurable) {
                afterDurable(ping);
            } else {
                ping.run();
            }
        }
        if (reconcileLink) {
            antiEntropy = new AntiEntropy(reconciliation, loop, config.reconcileMillis(), role == Role.DIALER,
                antiEntropyLink(), new java.util.Random(java.util.Objects.hash(log.nodeId(), peerNode)));
            antiEntropy.start();
        }
        LOG.debug("{} session with {} connected (time fix {} ms)", role, peerNode, timeFix);
        if (!held) {
            startBacklogProbe();
        }
        startCatchUp();
        catchUpEnd = keepsCursor() && log.lastAdded() > pushed ? log.lastAdded() : -1;
        batchesSentTo = pushed; // where the peer's cursor starts: only what the pump passes after it is told
        events.connected(this);
        pump();
    }

    // ---------------------------------------------------------------- catch-up progress (receiving side)

    /** At connect: a peer whose log goes further than what we processed of it has a catch-up to send us. */
    private void startCatchUp() {
        if (!keepsCursor() || peerLastAdded < 0) {
            return;
        }
        long from = log.cursor(peerNode).received();
        if (peerEntries(from, peerLastAdded) == 0) {
            // nothing beyond the cursor, or only numbers the peer skipped (a restart after a crash): no catch-up,
            // else its first live action was told as one of nothing ("done 0, total 0", break33)
            return;
        }
        catchUpFrom = from;
        catchUpAt = from;
        catchUpTo = peerLastAdded;
        catchUpStartedAt = -1;
        long coming = peerEntries(from, peerLastAdded);
        lag(coming);
        // the store's indexes sized once for what comes, not doubled (and copied) a dozen times through the catch-up
        log.expectAdds(coming);
    }

    /**
     * How many entries the peer's log numbered in {@code (from, to]}: its numbers minus those it said it skipped
     * (a restart after a crash skips up to {@code SqliteStore.ADDED_RESERVE_AHEAD}), so that progress counts
     * entries. Entries it removed since still count (they are skipped when the cursor passes them).
     */
    private long peerEntries(long from, long to) {
        return to <= from ? 0 : to - from - dev.logmesh.spi.Store.countSkipped(peerSkipped, from, to);
    }

    /** Our received cursor of the peer's log moved to {@code position} (a batch committed, or a ping/pong). */
    private void catchUpAt(long position) {
        if (catchUpFrom < 0 || position <= catchUpAt) {
            return;
        }
        catchUpAt = Math.min(position, catchUpTo);
        lag(peerEntries(catchUpAt, catchUpTo));
        if (catchUpStartedAt < 0) {
            if (catchUpAt >= catchUpTo) {
                catchUpFrom = -1; // nothing came in a sync (the peer had nothing for us): no catch-up to tell of
            }
            return;
        }
        long now = loop.monotonicMillis();
        boolean finished = catchUpAt >= catchUpTo;
        if (finished || now - catchUpToldAt >= CATCH_UP_EVERY_MILLIS) {
            catchUpToldAt = now;
            long done = peerEntries(catchUpFrom, catchUpAt);
            long total = peerEntries(catchUpFrom, catchUpTo);
            double perSecond = done * 1000.0 / Math.max(1, now - catchUpStartedAt);
            if (finished) {
                catchUpFrom = -1;
            }
            events.catchUp(this, done, total, perSecond);
        }
    }

    /** The session ends: what it still counted in the lag goes. */
    private void endCatchUp() {
        lag(0);
        catchUpFrom = -1;
    }

    private void lag(long value) {
        if (config.stats() != null && value != catchUpLag) {
            config.stats().lag(value - catchUpLag);
        }
        catchUpLag = value;
    }

    // ---------------------------------------------------------------- sending

    /**
     * Told by the node's hub that an entry was added to the log (by anyone but, for received entries,
     * possibly this session itself, which it recognises).
     */
    public void onLogAdd(Entry entry) {
        if (state != State.CONNECTED) {
            return;
        }
        if (!inbound.isEmpty()) {
            inbound.arrived(entry.id());
            drain();
        }
        // a client held for its epoch still gets entries that are not kept (added 0): they are never sent again, so
        // they cannot reach it twice, and it would never get them later
        if (receiving || (held && (clientEpoch == 0 || entry.meta().added() != 0))) {
            return;
        }
        if (entry.meta().added() == 0) {
            long size = EntrySize.bound(entry);
            if (sendsTo(entry) && fits(entry, size)) {
                sendSync(pushed, List.of(entry), size);
            }
            return;
        }
        if (sendLimit() >= entry.meta().added()) {
            pumpSoon(); // a peer that reconciles, within the added reservation: no wait for this node's fsync
        } else {
            pumpWhenDurable();
        }
    }

    /** Runs the pump in a task of its own (one at a time). */
    private void pumpSoon() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            loop.execute(guarded("send entries to " + peerNode, this::pump));
        }
    }

    /**
     * Runs the pump once what the log holds now is durable: entries beyond {@link #sendLimit} go out numbered only
     * then (see Durability in the class docs). A memory store is durable at once, so this is the plain
     * {@code loop.execute} it always was.
     */
    private void pumpWhenDurable() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            log.whenDurable(() -> loop.execute(guarded("send entries to " + peerNode, this::pump)), loop);
        }
    }

    /**
     * How far this log's entries may be numbered and sent to this peer now: to a logmesh peer that reconciles with
     * this node, up to {@link Log#sendableAdded} (durable or within the store's durable {@code added} reservation);
     * to any other (a Logux client or server, a peer without reconciliation), only up to {@link Log#durableAdded}.
     * See Durability in the class docs.
     */
    private long sendLimit() {
        return reconcileLink && edge == null ? log.sendableAdded() : log.durableAdded();
    }

    private void pump() {
        pumpScheduled = false;
        pumpChunks();
        settleSentCursor();
        endSkippedCatchUp();
        tellPosition();
    }

    /** How often (ms) at most {@link #tellPosition} pings a peer with this log's position. */
    static final long TELL_POSITION_EVERY_MILLIS = 1_000;

    /**
     * This log went past what any {@code sync}, {@code ping} or {@code pong} of this session told the logmesh peer,
     * with entries no {@code sync} carries to it (those it sent this node, or made: a relay's downstream node receives
     * and sends it nothing): a {@code ping} tells it {@link #TELL_POSITION_EVERY_MILLIS} later, so that its received
     * cursor of this node follows this log within a second or so. Before (session 48's note), it moved only with the pings of a
     * link silent for 4 s: a relay's session with a node that only received from it ended mid-flow, and the node sent
     * the relay back, as a catch-up of duplicates, all it had received since ("B's total for C read 320"; break48b's
     * trial: 4,000, the whole log). Loop only.
     */
    private void tellPosition() {
        if (positionTellScheduled || !positionUntold()) {
            return;
        }
        // a second later, with what came meanwhile: one ping a second at most, none for a peer told by then
        positionTellScheduled = true;
        loop.schedule(TELL_POSITION_EVERY_MILLIS, guarded("tell " + peerNode + " this log's position", () -> {
            positionTellScheduled = false;
            if (positionUntold()) {
                send(new Message.Ping(pingNumber(), null));
            }
        }));
    }

    /** Whether {@link #tellPosition} has a position to tell the peer; loop only. */
    private boolean positionUntold() {
        if (state != State.CONNECTED || edge != null || !keepsCursor() || log.storeClosed()) {
            return false; // (a node that crashed in a test closed its store under a session it did not close)
        }
        long n = pingNumber();
        return n > positionTold && n > batchesSentTo;
    }

    /**
     * The pump passed the end of the peer's catch-up, and its last entries were skipped (the peer made or sent them,
     * or they are gone): no {@code sync} tells the peer, whose cursor, and its catch-up progress, would stay short
     * of them until the next ping (up to a ping interval, several seconds). A {@code ping} tells it now. Before
     * (session 35) a listener restored from a backup, whose own entries its dialer held, showed "done 0/150" until
     * then.
     */
    private void endSkippedCatchUp() {
        if (catchUpEnd < 0 || state != State.CONNECTED || pushed < catchUpEnd) {
            return;
        }
        if (batchesSentTo < catchUpEnd) {
            if (pingNumber() < catchUpEnd) {
                return; // not durable yet: a later pump tells it
            }
            send(new Message.Ping(pingNumber(), null));
        }
        catchUpEnd = -1;
    }

    /**
     * With nothing in flight, every entry up to {@link #pushed} was acknowledged or skipped because the
     * peer made or sent it: the peer has them all, so the sent cursor (shown as "behind") may say so.
     */
    private void settleSentCursor() {
        if (state == State.CONNECTED && inFlight == 0 && pushed > 0 && keepsCursor()) {
            log.advanceCursor(peerNode, 0, pushed);
        }
    }

    /**
     * Pages read in one run of the pump that sent nothing before it yields the loop (and goes on in a task of its
     * own, scheduled so that the loop's socket I/O and timers run first): a Logux client that is sent little of a
     * large log would otherwise have the whole log read at once.
     */
    private static final int IDLE_PAGES_PER_RUN = 8;

    /** The most entries of a backlog's first {@code sync} on a Plumtree link (see {@link #backlogProbe}). */
    static final int BACKLOG_PROBE_ENTRIES = 64;

    /** The payload entries an eager Plumtree link may have unanswered when it starts (see {@link #eagerAllowance}). */
    static final int EAGER_START_ENTRIES = 64;

    /** The factor by which each answered payload {@code sync} of an eager link grows {@link #eagerAllowance}. */
    static final int EAGER_GROWTH = 4;

    /**
     * This Plumtree link turned lazy (a prune either way): the payload ramp starts again from
     * {@link #EAGER_START_ENTRIES} when a graft makes it eager, also when the pump sent nothing while it was lazy.
     * Before (session 43's finding), a link pruned before its pump ran again kept the allowance it had grown to (up
     * to the whole window, 16,000 entries), and a graft that made it eager sent that much payload at once.
     */
    private void linkTurnedLazy() {
        eagerAllowance = EAGER_START_ENTRIES;
        wasLazy = true;
    }

    /** A link starts carrying entries: probe first if the peer's cursor is behind this log ({@link #backlogProbe}). */
    private void startBacklogProbe() {
        backlogProbe = plumtree && pushed < log.lastAdded();
        backlogProbeAdded = -1;
        eagerAllowance = EAGER_START_ENTRIES;
    }

    /**
     * Sends what the peer lacks in chunks cut by encoded bytes: each frame stays within the smaller of the two
     * frame limits (and {@code chunkBytes}); an entry too large for the peer alone is skipped for it (logged),
     * so it never blocks the entries after it.
     */
    private void pumpChunks() {
        long chunkBudget = Math.min(config.chunkBytes(), frameLimit() - EntrySize.FRAME_OVERHEAD);
        int idlePages = 0;
        while (state == State.CONNECTED && !held && peerFull == null && inFlight < config.window()) {
            if (idlePages == IDLE_PAGES_PER_RUN) {
                if (!pumpScheduled) {
                    pumpScheduled = true;
                    // schedule, not execute: Netty runs tasks posted with execute() back to back (for up to 1 s)
                    // before it reads sockets again; a scheduled task waits for the loop's next turn
                    loop.schedule(0, this::pump);
                }
                return;
            }
            long durable = sendLimit();
            if (pushed >= durable) {
                if (log.lastAdded() > durable) {
                    pumpWhenDurable(); // the rest is not durable yet: back once it is
                }
                return;
            }
            boolean lazy = plumtree && !gossip.eager(peerNode);
            if (backlogProbe && lazy) {
                backlogProbe = false; // ids only now (the peer pruned this link): nothing to probe with
            }
            if (lazy || wasLazy) {
                eagerAllowance = EAGER_START_ENTRIES; // eager again later (a graft): it ramps up again
            }
            wasLazy = lazy;
            if (backlogProbe && backlogProbeAdded >= 0) {
                // the probe's answer first. Not the answers of batches sent before it: an ihave whose ids no announcer
                // can deliver any more stays unanswered until the session ends (Plumtree), and would hold the link
                return;
            }
            int pageEntries = backlogProbe ? Math.min(BACKLOG_PROBE_ENTRIES, config.chunkEntries()) : config.chunkEntries();
            if (plumtree && !lazy) {
                long room = eagerAllowance - payloadInFlightEntries;
                if (room <= 0) {
                    return; // the ramp: back when a synced answers (or a prune makes the link lazy)
                }
                pageEntries = (int) Math.min(pageEntries, room);
            }
            List<Entry> page = log.store().page(Order.ADDED, true, pushed, pageEntries);
            if (page.isEmpty()) {
                // nothing left after pushed: the numbers up to lastAdded are gone (cleaned, or a gap a restored
                // store left), so this side has sent all it has; else pushed stays behind lastAdded for good:
                // entries received on this link would count as echoes and anti-entropy would never find it quiet
                pushed = Math.max(pushed, durable);
                return;
            }
            if (page.get(page.size() - 1).meta().added() > durable) {
                page = durablePrefix(page, durable);
                if (page.isEmpty()) {
                    pushed = durable; // the numbers up to it are gone; the rest waits for its durability
                    pumpWhenDurable();
                    return;
                }
            }
            List<Entry> out = new ArrayList<>(page.size());
            long upTo = pushed;
            long bytes = 0;
            for (Entry e : page) {
                long added = e.meta().added();
                if (echo.remove(added) || !sendsTo(e)) {
                    upTo = added;
                    continue;
                }
                long entryBytes = EntrySize.bound(e);
                if (!fits(e, entryBytes)) {
                    upTo = added;
                    continue;
                }
                long size = lazy ? EntrySize.utf8(e.id().toString()) + 3 : entryBytes;
                if (!out.isEmpty() && bytes + size > chunkBudget) {
                    break; // this entry opens the next chunk
                }
                out.add(e);
                bytes += size;
                upTo = added;
            }
            pushed = upTo;
            idlePages = out.isEmpty() ? idlePages + 1 : 0;
            if (!out.isEmpty()) {
                if (lazy) {
                    sendIhave(upTo, out, bytes);
                } else if (sendSync(upTo, out, bytes) && plumtree) {
                    payloadInFlight.add(new long[] {upTo, out.size()});
                    payloadInFlightEntries += out.size();
                    if (backlogProbe) {
                        backlogProbeAdded = upTo;
                    }
                } else if (backlogProbe) {
                    backlogProbeAdded = upTo;
                }
            }
        }
    }

    /** The entries of a page up to {@code durable} (a page is in added order). */
    private static List<Entry> durablePrefix(List<Entry> page, long durable) {
        int n = 0;
        while (n < page.size() && page.get(n).meta().added() <= durable) {
            n++;
        }
        return page.subList(0, n);
    }

    /**
     * The number a ping or pong tells the peer (which may move its cursor for this node to it): {@link #pushed},
     * but never past {@link #sendLimit} (see Durability in the class docs).
     */
    private long pingNumber() {
        return Math.min(pushed, sendLimit());
    }

    /**
     * The largest frame this session may send: the smaller of this node's and the peer's limits; to a Logux client,
     * the client frame limit ({@link SessionConfig#maxClientFrameBytes}).
     */
    private long frameLimit() {
        if (edge instanceof ClientRole) {
            // a Logux client takes what it sends (@logux/client has no limit of its own; @logux/server's ws takes
            // 100 MiB): an undo carries the client's action, which may be larger than a mesh frame
            return config.maxClientFrameBytes();
        }
        return peerMaxFrame > 0 ? Math.min(config.maxFrameBytes(), peerMaxFrame) : config.maxFrameBytes();
    }

    /**
     * Entries said to be too large for a peer ({@code "peer id"}), so that the warning is logged once a day per peer
     * and entry, not at every session or reconciliation round that meets the entry again (a breaker's run: 39 times in
     * 19 minutes for one action). Shared by the sessions of every node in the process; bounded. Made at the first
     * entry too large (a holder class): Caffeine's first cache costs a cold process ~30-80 ms of CPU (its class
     * initialisation looks up a {@code System.Logger}, the builder loads its generated cache class by reflection),
     * which as a static of this class fell on the loop at every node's first session, between its {@code ready} and
     * its first synced entry (docs/performance.md, "Session 22: the CLI catch-up").
     */
    private static final class TooLargeSaid {
        static final com.github.benmanes.caffeine.cache.Cache<String, Boolean> CACHE =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                .expireAfterWrite(java.time.Duration.ofDays(1)).build();

        private TooLargeSaid() {
        }
    }

    /**
     * Whether an entry of this size fits a frame to the peer; if not, counts it and says so: WARN once per peer and
     * limit (what it means, and that the entries behind it go on), DEBUG for each later one. Such an entry was added
     * before its node knew of the peer's smaller limit (an add is refused since: {@code MeshFrameLimits}). Before
     * (session 38) a WARN per entry and day per peer, which did not say what it meant: 3 such entries, 3 lines
     * ({@code FrameLimitMessageTest.entriesOverAPeersLimitAlreadyInTheLogDoNotBlockAndAreSaidOnce}).
     */
    private boolean fits(Entry e, long entryBytes) {
        if (entryBytes <= frameLimit() - EntrySize.FRAME_OVERHEAD) {
            return relayable(e);
        }
        tooLarge++;
        boolean first = TooLargeSaid.CACHE.asMap().putIfAbsent("limit " + peerNode + " " + frameLimit(), Boolean.TRUE)
            == null;
        if (first) {
            LOG.warn("{} takes up to {} bytes in a frame, over {}: not sent to {}, nor any other entry over that limit "
                + "(said once per peer and limit; each later one at DEBUG). They stay in this log and the entries "
                + "behind them go on; {} and the nodes behind it never get them, unless its --max-frame is raised to "
                + "this node's. They were added before their node knew of that limit (an add over it is refused since)",
                e.id(), entryBytes, whoseFrameLimit(), describePeer(), peerNode != null ? peerNode : "the peer");
        } else {
            LOG.debug("{} takes up to {} bytes in a frame, over {}: not sent to {}", e.id(), entryBytes,
                whoseFrameLimit(), describePeer());
        }
        return false;
    }

    /**
     * Whether an entry of this log may go out at all: not one holding a number beyond a double's range, which a
     * logmesh of session 34 or before stored ({@code MessageCodec.beyondDoubleRange}); every way in refuses such a
     * number since. A JavaScript peer (a Logux client or server) reads it as
     * {@code Infinity} and writes {@code null}: it would hold, show and relay another action under the same id; a
     * logmesh peer refuses it (the receive path's rule). It stays in this node's log, as it was, for the application
     * to read or clean. Said as a too large entry is: WARN once a day per peer and entry. Before (embed35) it was sent
     * as stored, and a {@code @logux/client} app held {@code Infinity} there ({@code NumberRangeEntryTest}).
     */
    private boolean relayable(Entry e) {
        String beyond = dev.logmesh.internal.protocol.MessageCodec.beyondDoubleRange(e);
        if (beyond == null) {
            return true;
        }
        boolean first = TooLargeSaid.CACHE.asMap().putIfAbsent("range " + peerNode + " " + e.id(), Boolean.TRUE) == null;
        String line = e.id() + " " + beyond + ", beyond the range of a double (about ±1.8e308), as an older logmesh "
            + "stored it: not sent to " + describePeer() + " (a JavaScript peer reads it as Infinity and writes it as null, "
            + "another action under the same id; a logmesh peer refuses it); it stays in this log";
        if (first) {
            LOG.warn("{} (said once a day)", line);
        } else {
            LOG.debug(line);
        }
        return false;
    }

    /**
     * {@link #frameLimit} for a message, with whose limit it is: "this node's frame limit of 4096 (maxFrameBytes; the
     * peer takes up to 1048576)", "the peer's frame limit of 4096", or the client frame limit. Before (embed35) an
     * entry too large for this node's own limit was said to be "over q's frame limit of 4096", naming a peer whose
     * limit was larger ({@code FrameLimitMessageTest}).
     */
    private String whoseFrameLimit() {
        if (edge instanceof ClientRole) {
            return "this node's frame limit for Logux clients of " + config.maxClientFrameBytes()
                + " (maxClientFrameBytes)";
        }
        String peer = peerNode != null ? peerNode : "the peer";
        if (peerMaxFrame > 0 && peerMaxFrame < config.maxFrameBytes()) {
            return peer + "'s frame limit of " + peerMaxFrame;
        }
        return "this node's frame limit of " + config.maxFrameBytes() + " (maxFrameBytes"
            + (peerMaxFrame > 0 ? "; " + peer + " takes up to " + peerMaxFrame : "") + ")";
    }

    /** Sends entries numbered {@code added} in as many {@code sync} frames as their sizes need. */
    private void sendChunked(long added, List<Entry> entries) {
        long chunkBudget = Math.min(config.chunkBytes(), frameLimit() - EntrySize.FRAME_OVERHEAD);
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (Entry e : entries) {
            long size = EntrySize.bound(e);
            if (!fits(e, size)) {
                continue;
            }
            if (!out.isEmpty() && (bytes + size > chunkBudget || out.size() >= config.chunkEntries())) {
                sendSync(added, out, bytes);
                out = new ArrayList<>();
                bytes = 0;
            }
            out.add(e);
            bytes += size;
        }
        if (!out.isEmpty()) {
            sendSync(added, out, bytes);
        }
    }

    /** Whether an entry of this log goes to the peer: not back to the node that made it; at the edge, its role's. */
    private boolean sendsTo(Entry e) {
        return edge != null ? edge.sends(e) : !e.id().node().equals(peerNode);
    }

    /** Edge (issue 11): whether this session keeps a sync cursor for its peer (not for a Logux client). */
    private boolean keepsCursor() {
        return edge == null || edge.keepsCursor();
    }

    /**
     * Edge (issue 11): sends entries that are not (or not all) in the log, numbered with {@link #pushed}, in chunks
     * within the frame limit like any other.
     */
    void sendEntries(List<Entry> entries) {
        sendChunked(pushed, entries);
    }

    /**
     * Edge (issue 11): adds a client's entries to the log as this session's (no echo, see {@link #onLogAdd}). When the
     * log cannot take them (a full disk, a used memory budget) and the session does not hold yet, they become the held
     * batch ({@link #heldBatch}), tried again in parts while the session holds ({@link #retryHeldBatch}), whose stored
     * parts the role settles ({@link EdgeRole#heldStored}); the {@link StoreException} goes on to the caller, and from
     * there to {@link #storeFailed}, which starts the hold.
     *
     * @throws StoreException the log could not store them; none of them is stored
     */
    List<Meta> addReceived(List<Entry> entries) {
        receiving = true;
        List<Meta> results;
        try {
            results = log.add(entries);
        } catch (StoreException e) {
            if (roomWait == null && state == State.CONNECTED) {
                heldBatch = entries;
            }
            throw e;
        } finally {
            receiving = false;
        }
        events.clientAdded(this, results);
        if (config.stats() != null) {
            long n = 0;
            for (Meta m : results) {
                if (m != null) {
                    n++;
                }
            }
            config.stats().added(n);
        }
        return results;
    }

    /**
     * Runs {@code step} on the loop in a task of its own (scheduled: the loop's I/O and timers first), if this session
     * is still connected then; else nothing (its role's {@code closed} does what is left). Any thread; for the edge
     * role's answers that waited for a replay read off the loop.
     */
    void resume(Runnable step) {
        loop.schedule(0, guarded("answer " + peerNode, () -> {
            if (state == State.CONNECTED) {
                liveness.progressed(loop.monotonicMillis());
                step.run();
            }
        }));
    }

    /**
     * Runs {@code action} on the loop once everything written to the log so far is durable (at once with a memory
     * store), if this session is still connected then: what acknowledges goes through here, in order.
     */
    void afterDurable(Runnable action) {
        afterDurable(action, () -> { });
    }

    /**
     * Runs {@code action} in a task of its own on the loop once everything written to the log so far is durable,
     * whatever the session's state then (for work left when it closed). Called on the loop.
     */
    void whenDurable(Runnable action) {
        log.whenDurable(() -> loop.execute(guarded("process what " + peerNode + " sent", action)), loop);
    }

    /** Edge (issue 11): sends one message. */
    boolean sendMessage(Message m) {
        return send(m);
    }

    /** @param bytes the encoded size of the entries (a bound), for the {@code synced} deadline (see {@link Liveness}) */
    private boolean sendSync(long added, List<Entry> entries, long bytes) {
        List<Message.WireEntry> wire = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            wire.add(new Message.WireEntry(e.action(), edge != null
                ? EdgeRole.toWire(e.meta(), log.nodeId(), baseTime, timeFix)
                : WireMeta.toWire(e.meta(), log.nodeId(), baseTime, timeFix)));
        }
        Message.Sync sync = new Message.Sync(added, wire);
        if (send(sync)) {
            batchesSentTo = Math.max(batchesSentTo, added);
            sentEntries += entries.size();
            if (config.stats() != null) {
                config.stats().sent(entries.size());
            }
            inFlight++;
            liveness.sentBatch(added, bytes + EntrySize.FRAME_OVERHEAD, sync, loop.monotonicMillis());
            return true;
        }
        return false;
    }

    private void sendIhave(long added, List<Entry> entries, long bytes) {
        List<dev.logmesh.ActionId> ids = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            ids.add(e.id());
        }
        Message.Ihave ihave = new Message.Ihave(added, ids);
        if (send(ihave)) {
            batchesSentTo = Math.max(batchesSentTo, added);
            announcedEntries += ids.size();
            inFlight++;
            liveness.sentBatch(added, bytes + EntrySize.FRAME_OVERHEAD, ihave, loop.monotonicMillis());
        }
    }

    private boolean send(Message m) {
        if (state == State.CLOSED) {
            return false;
        }
        if (m instanceof Message.Ping p) {
            positionTold = Math.max(positionTold, p.synced());
        } else if (m instanceof Message.Pong p) {
            positionTold = Math.max(positionTold, p.synced());
        }
        liveness.sent(loop.monotonicMillis());
        boolean ok = connection.send(clientEpoch == 0 ? m : tagged(m));
        if (!ok) {
            linkRefused();
        }
        return ok;
    }

    /** A message to a client with its numbers tagged with {@link #clientEpoch} ("Clients' positions"). */
    private Message tagged(Message m) {
        if (m instanceof Message.Sync s) {
            return new Message.Sync(ClientPositions.tag(clientEpoch, s.added()), s.entries());
        } else if (m instanceof Message.Ping p) {
            return new Message.Ping(ClientPositions.tag(clientEpoch, p.synced()), p.options());
        } else if (m instanceof Message.Pong p) {
            return new Message.Pong(ClientPositions.tag(clientEpoch, p.synced()), p.options());
        }
        return m;
    }

    /**
     * A client's {@code synced} as a position of this log: it echoes the number of a {@code sync} this session sent,
     * tagged with {@link #clientEpoch}; another number says nothing of this log and acknowledges nothing (0).
     */
    private Message.Synced untagged(Message.Synced s) {
        if (ClientPositions.epoch(s.added()) != clientEpoch) {
            return new Message.Synced(0);
        }
        if (clientEpochUnconfirmed) {
            confirmClientEpoch(); // it processed a number of this epoch: as good as the pong
        }
        return new Message.Synced(ClientPositions.position(s.added()));
    }

    /**
     * The client answered a number of its new {@link #clientEpoch}: it holds that epoch, from this node. Recorded at
     * once ({@link Log#confirmClientEpoch}); entries go to the client once that is durable, so that a client that
     * processed an entry of this epoch finds the epoch confirmed here after any crash of this node.
     */
    private void confirmClientEpoch() {
        clientEpochUnconfirmed = false;
        log.confirmClientEpoch(peerNode, clientEpoch);
        afterDurable(() -> hold(false));
    }

    /** Why a session ends whose link refused a send and said nothing more (see {@link #linkRefused}). */
    static final String LINK_REFUSED = "connection did not accept a message (closed or overloaded)";

    /**
     * A send the link did not take: the link is closed (by the peer, or under an I/O failure) or closed itself (its
     * outbound queue over its limit). The session stops at once, but ends (reports why) only at the link's
     * {@code onClose}, which the connection delivers after every message it received before: the peer's last words
     * among them, an {@code error} or a twin notice, are the reason ({@link #lastWords}). A peer's close is seen
     * here as soon as the transport reads it, while the messages read before it still wait for the loop. Before
     * (session 32) the session ended at once with {@link #LINK_REFUSED} and dropped them: a copy of a node that a
     * third node told of its twin (and closed) did not hear it when a pong or an overlay message of its own met the
     * closed link first (TwinNodeIdTest: one copy missed the notice in 7 runs of 10).
     */
    private void linkRefused() {
        if (state == State.CLOSED) {
            return;
        }
        stop();
        awaitingLinkClose = true;
        while (!deferred.isEmpty()) { // received behind a frame in slices: the peer's last words may be among them
            if (deferred.poll() instanceof Message m) {
                lastWords(m);
            }
        }
        connection.close(LINK_REFUSED); // onClose follows (idempotent: it may be on its way already)
    }

    // ---------------------------------------------------------------- receiving

    private void onSync(Message.Sync s) {
        if (state != State.CONNECTED) {
            fail(missedAuth(s));
            return;
        }
        // the added numbers the store gives if every entry with reasons is new (a catch-up's case): each meta is made
        // with its number, and the store keeps it as it is, not a copy (Meta.withAdded); a wrong guess costs a copy.
        // Not for a client's entries: the edge role reads a received meta's added as a key the client set
        receivedNext = edge == null ? log.lastAdded() : -1;
        receivedHooks = log.hasPreAddHooks(); // they may give an entry without reasons one (the node's keep reason)
        receivedRefused = false;
        // the loops of received(...) run once per frame, so they stay interpreted through a whole catch-up (a method's
        // loop is compiled on its own after ~60,000 turns): an index and one call per entry, which is compiled early
        List<Entry> entries;
        try {
            entries = s.entries() instanceof ScannedEntries scanned ? received(scanned) : received(s.entries());
        } catch (ProtocolError e) {
            fail(e);
            return;
        }
        // entries the codec found nested deeper than EntrySize.MAX_DEPTH or holding a number beyond a double's range:
        // refused alone, each with why (the words after its id); never in a scanned frame (the scanner leaves those)
        String[] refused = null;
        if (receivedRefused) {
            refused = new String[entries.size()];
            for (int i = 0; i < refused.length; i++) {
                refused[i] = refusal(s.entries().get(i));
            }
        }
        if (anchorExpected != null) {
            String expected = anchorExpected;
            anchorExpected = null;
            if (entries.isEmpty() || !expected.equals(entries.get(0).id().toString())) {
                LOG.warn("{}: its log no longer starts where we left it (expected {}, got {}): it restarted with "
                    + "another log; exchanging everything again", describePeer(), expected,
                    entries.isEmpty() ? "nothing" : entries.get(0).id());
                log.resetCursor(peerNode);
                Anchor.clear(log, peerNode);
                closeWith(null, "peer's log changed under the same node id: resync");
                return;
            }
        }
        // the anchor is the last entry of the batch as the peer sent it, before the edge role drops any
        Entry lastSent = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        if (refused != null) {
            refuse(s, entries, refused);
        }
        Frame frame = new Frame(s, entries, refused, lastSent);
        if (entries.size() > config.receiveSlice()) {
            // handled in slices, the loop serving its other work between them; the session's later messages wait
            // behind it (Large frames in the class docs)
            slicing = frame;
            pauseReading(true);
            LOG.debug("{}: a sync of {} entries, handled in slices of {}", describePeer(), entries.size(),
                config.receiveSlice());
        }
        receiveSlice(frame);
    }

    /** A received {@code sync}, converted and checked whole, being handled slice by slice ({@link #receiveSlice}). */
    private static final class Frame {
        final Message.Sync sync;
        final List<Entry> entries;
        /** Why each of {@link #entries} is refused alone (null for one taken), or null for none refused. */
        final String[] refused;
        final Entry lastSent;
        /** Where the next slice starts. */
        int next;

        Frame(Message.Sync sync, List<Entry> entries, String[] refused, Entry lastSent) {
            this.sync = sync;
            this.entries = entries;
            this.refused = refused;
            this.lastSent = lastSent;
        }
    }

    /**
     * Handles the next slice of {@code f}, at most {@link SessionConfig#receiveSlice} entries, as a frame of its own
     * is (added to the log in one write, the edge role's checks), but acknowledged only with the last slice, for the
     * whole frame. A slice that is not the last schedules the next one, so that the loop reads sockets and runs timers
     * in between.
     */
    private void receiveSlice(Frame f) {
        liveness.progressed(loop.monotonicMillis());
        Message.Sync s = f.sync;
        int from = f.next;
        // within the store's write budget on every path, a Logux client's frame too (before, disk40, only a peer's:
        // a client's frame of 1 MB was one transaction on a 2 MiB disk, and its WAL took the room of its checkpoint)
        int to = EntrySize.withinBudget(f.entries, from, Math.min(f.entries.size(), from + config.receiveSlice()),
            log.writeBudget());
        f.next = to;
        boolean last = to == f.entries.size();
        if (!last && slicing == null) {
            // cut by the budget alone: handled in slices as a large frame is, the loop's other work between them
            slicing = f;
            pauseReading(true);
        }
        List<Entry> entries = from == 0 && last ? f.entries : f.entries.subList(from, to);
        String[] refused = f.refused == null ? null : java.util.Arrays.copyOfRange(f.refused, from, to);
        if (edge != null) {
            // edge (issue 11): null when the role answered (a sliced frame: the role says when, frameHandled)
            List<Entry> kept = edge.received(s.added(), entries,
                refused == null ? new String[entries.size()] : refused, last);
            if (kept == null) {
                receivedEntries += entries.size();
                if (!last) {
                    nextSlice(f);
                }
                return;
            }
            entries = kept;
        } else if (refused != null) {
            entries = without(entries, refused);
        }
        if (catchUpFrom >= 0 && catchUpStartedAt < 0 && !entries.isEmpty()) {
            catchUpStartedAt = loop.monotonicMillis(); // before the entries reach subscribers: a display can summarise them
            catchUpToldAt = catchUpStartedAt;
            events.catchUp(this, peerEntries(catchUpFrom, catchUpAt), peerEntries(catchUpFrom, catchUpTo), 0);
        }
        long before = log.lastAdded();
        List<Meta> results;
        receiving = true;
        try {
            results = log.add(entries);
        } catch (StoreException e) {
            if (edge == null && roomWait == null) {
                // tried again while the session holds (retryHeldBatch); a client's is held by addReceived, an upstream
                // server's is not (it sends its frame again when this node dials it next)
                heldBatch = entries;
            }
            storeFailed("store " + s.entries().size() + " entries from " + describePeer(), e);
            return;
        } finally {
            receiving = false;
        }
        receivedEntries += entries.size();
        long after = log.lastAdded();
        if (pushed >= before) {
            pushed = Math.max(pushed, after);
        }
        int dropped = 0;
        boolean echoes = pushed < before;
        List<dev.logmesh.ActionId> treeDuplicates = null;
        Object[] stored = results.toArray(); // once per frame, interpreted: as above
        for (int i = 0; i < stored.length; i++) {
            Object m = stored[i];
            if (m == null) {
                dropped++;
                if (plumtree && s.added() > 0) {
                    if (treeDuplicates == null) {
                        treeDuplicates = new ArrayList<>();
                    }
                    treeDuplicates.add(entries.get(i).id());
                }
                if (edge == null && conflictChecks > 0) {
                    checkConflict(entries.get(i));
                }
            } else if (echoes) {
                echo((Meta) m);
            }
        }
        if (config.stats() != null) {
            config.stats().received(results.size() - dropped, dropped);
        }
        if (plumtree && s.added() == 0 && !results.isEmpty()) {
            gossip.graftAnswered(peerNode, results.size() - dropped, dropped); // the graft ramp (gossip44)
        } else if (treeDuplicates != null) {
            gossip.treeDuplicates(peerNode, treeDuplicates);
        }
        if (dropped > 0 && plumtree && s.added() > 0 && !inbound.answeredBefore(s.added())) {
            // Plumtree: this link delivered what another path already had. Keep it for ids only. Not when the peer
            // sent a batch again whose answer was lost: this link brought those entries the first time too. At the
            // first slice that holds one (gossip42), not at the frame's end: the prune goes out before the synced
            gossip.duplicate(peerNode);
            linkTurnedLazy();
        }
        if (!last) {
            nextSlice(f);
            return;
        }
        inbound.received(s.added(), new HashSet<>());
        drain();
        settleSentCursor();
        tellPosition();
        if (stockPeer && role == Role.DIALER && s.added() > 0 && f.lastSent != null) {
            anchorToSave = new Anchor(s.added(), f.lastSent.id().toString());
            saveAnchor(false);
        }
        if (slicing == f) {
            frameHandled();
        }
    }

    /** Handles the next slice of {@code f} in a task of its own, scheduled: the loop's I/O and timers run first. */
    private void nextSlice(Frame f) {
        later(() -> receiveSlice(f));
    }

    /**
     * Runs {@code step}, the next part of the frame being handled in slices ({@link #slicing}), in a task of its own,
     * scheduled (not posted: a Netty loop runs posted tasks back to back before it reads sockets and runs timers), if
     * the session is still connected and still on that frame then. Called on the loop by this session and its edge
     * role (the answers to a client's frame).
     */
    void later(Runnable step) {
        later(step, null);
    }

    /** As {@link #later(Runnable)}, running {@code ifClosed} (if not null) instead of {@code step} if it is not. */
    void later(Runnable step, Runnable ifClosed) {
        Frame f = slicing;
        if (f == null) {
            step.run(); // a frame of one slice: nothing to yield to
            return;
        }
        loop.schedule(0, guarded("handle a sync from " + peerNode, () -> {
            if (state == State.CONNECTED && slicing == f) {
                liveness.progressed(loop.monotonicMillis());
                step.run();
            } else if (ifClosed != null) {
                ifClosed.run();
            }
        }));
    }

    /**
     * Runs {@code action} on the loop once everything written to the log so far is durable (at once with a memory
     * store): {@code action} if this session is still connected then, else {@code ifClosed}.
     */
    void afterDurable(Runnable action, Runnable ifClosed) {
        log.whenDurable(() -> {
            if (state == State.CONNECTED) {
                liveness.progressed(loop.monotonicMillis());
                action.run();
            } else {
                ifClosed.run();
            }
        }, loop);
    }

    /**
     * The frame being handled in slices is done (its last entry stored, its answers sent or on their way): the
     * messages that arrived meanwhile are handled next, in order, in a task of their own, and then the link reads
     * again. Nothing when no frame is being sliced. Called on the loop by this session and its edge role.
     */
    void frameHandled() {
        if (slicing == null) {
            return;
        }
        slicing = null;
        if (deferred.isEmpty()) {
            pauseReading(false);
        } else {
            loop.schedule(0, guarded("handle messages from " + peerNode, this::handleDeferred));
        }
    }

    /**
     * Handles the messages that arrived behind a frame handled in slices, in order, until another such frame starts;
     * then the link reads again.
     */
    private void handleDeferred() {
        while (slicing == null && state != State.CLOSED && !deferred.isEmpty()) {
            Object next = deferred.poll();
            if (next instanceof ProtocolError error) {
                badInput(error);
            } else {
                handle((Message) next);
            }
        }
        if (slicing == null && state != State.CLOSED) {
            pauseReading(false);
        }
    }

    /**
     * Stops reading the link (true) or reads again (false) while a frame is handled in slices; the liveness does not
     * count the time as the peer's silence (its answers wait unread here meanwhile: {@link Liveness#readingPaused}).
     */
    private void pauseReading(boolean paused) {
        liveness.readingPaused(paused, loop.monotonicMillis());
        connection.pauseReading(paused);
    }

    /** Whether a received frame is being handled in slices now ({@link #frameHandled} not yet called). */
    boolean slicing() {
        return slicing != null;
    }

    /** Entries of a received {@code sync} handled per loop task ({@link SessionConfig#receiveSlice}). */
    int receiveSlice() {
        return config.receiveSlice();
    }

    /**
     * Entries of a received {@code sync} that a logmesh node refuses at {@code add} and a stock Logux peer or client
     * may send: nested deeper than {@link EntrySize#MAX_DEPTH}, or holding a number beyond a double's range
     * ({@code 1e999999}: a JavaScript node reads it as {@code Infinity} and writes it as {@code null}, so the nodes
     * of one mesh would hold different actions under one id; apps35). Each is logged with its id and counted
     * ({@link Events#refused}, kind {@value #TOO_DEEP} or {@value #NUMBER_RANGE}), and never stored or forwarded. The
     * frame is acknowledged as usual, so the session goes on with what came with and after it; a client gets a
     * {@code logux/undo} ({@link ClientRole}). Before (session 34), an entry with such a number was stored with the
     * huge decimal.
     */
    private void refuse(Message.Sync s, List<Entry> entries, String[] refused) {
        for (int i = 0; i < refused.length; i++) {
            if (refused[i] == null) {
                continue;
            }
            Entry e = entries.get(i);
            if (!(edge instanceof ClientRole)) { // a client's is logged with the undo it gets, as its other refusals
                LOG.warn("{} sent action {} that {}: refused, not stored or forwarded", describePeer(), e.id(),
                    refused[i]);
            }
            events.refused(this, e.id(), s.entries().get(i).tooDeep() > 0 ? TOO_DEEP : NUMBER_RANGE);
        }
    }

    /** Why the session refuses {@code w} alone (the words after its id), or null when it takes it. */
    private static String refusal(Message.WireEntry w) {
        if (w.tooDeep() > 0) {
            return "is nested " + w.tooDeep() + " levels deep, over the limit of " + EntrySize.MAX_DEPTH;
        }
        if (w.beyondRange() != null) {
            return w.beyondRange() + BEYOND_RANGE;
        }
        return null;
    }

    /** What follows where an entry holds a number beyond a double's range, in the words of {@code MeshNode.add}. */
    static final String BEYOND_RANGE = ", beyond the range of a double (about ±1.8e308): a JavaScript peer (Logux) "
        + "reads it as Infinity and writes it as null, so nodes would hold different values under one id";

    /** A client's entry was refused alone ({@link ClientRole}): counted as {@link Events#refused}. Loop only. */
    void refusedEntry(dev.logmesh.ActionId id, String kind) {
        events.refused(this, id, kind);
    }

    private static List<Entry> without(List<Entry> entries, String[] drop) {
        List<Entry> kept = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            if (drop[i] == null) {
                kept.add(entries.get(i));
            }
        }
        return kept;
    }

    /** An entry this session received before the peer had what we pushed: not sent back to it ({@link #onLogAdd}). */
    private void echo(Meta m) {
        if (m.added() > 0) {
            echo.add(m.added());
        }
    }

    /**
     * {@link #onSync}'s state for its entries, on the loop: the {@code added} the next entry with reasons is expected to
     * get (-1: none expected), whether pre-add hooks run, and whether an entry came that is refused alone ({@link #refusal}).
     */
    private long receivedNext;
    private boolean receivedHooks;
    private boolean receivedRefused;

    /** A decoded frame's entries in this node's clock, each as {@link #received(Message.WireEntry)} makes it. */
    private List<Entry> received(List<Message.WireEntry> wire) throws ProtocolError {
        Object[] w = wire.toArray();
        Entry[] made = new Entry[w.length];
        for (int i = 0; i < w.length; i++) {
            made[i] = received((Message.WireEntry) w[i]);
        }
        return new ArrayList<>(java.util.Arrays.asList(made));
    }

    /**
     * A scanned frame's entries in this node's clock, as {@link #received(Message.WireEntry)} makes each, each meta
     * made straight from the scanner's columns (no wire meta or wire entry an entry: the cold catch-up's path).
     */
    private List<Entry> received(ScannedEntries wire) throws ProtocolError {
        int n = wire.size();
        List<Entry> made = new ArrayList<>(n);
        receivedWire = null;
        receivedStored = null;
        for (int i = 0; i < n; i++) {
            made.add(received(wire, i));
        }
        return made;
    }

    /**
     * The last reasons list of a scanned frame's entry (interned: a catch-up repeats a few) and the reasons the log
     * stores for it ({@link Log#storedReasons}; null: the pre-add hooks decide at add), for {@link #received(
     * ScannedEntries, int)}; null before a frame's first. Loop only.
     */
    private List<String> receivedWire;
    private List<String> receivedStored;

    /**
     * Entry {@code i} of a scanned frame, as {@link #received(Message.WireEntry)} makes it, but with the reasons the
     * log's pre-add hooks would give it (a node's keep reason), when they can say so from the reasons alone: the log then
     * stores this meta as it is, where it made a second {@link Meta} and {@link Entry} for the keep reason. Not for
     * an edge role's entries (a client's reasons are the role's to check before the log's hooks run). A call per entry.
     */
    @SuppressWarnings("ReferenceEquality") // the same interned list as the entry before: its stored reasons again
    private Entry received(ScannedEntries wire, int i) throws ProtocolError {
        long added = 0;
        if (receivedNext >= 0 && (receivedHooks || wire.hasReasons(i))) {
            added = ++receivedNext;
        }
        List<String> reasons = wire.reasons(i);
        if (edge == null && receivedHooks) {
            if (reasons != receivedWire) {
                receivedWire = reasons;
                receivedStored = log.storedReasons(reasons);
            }
            if (receivedStored != null) {
                reasons = receivedStored;
            }
        }
        return new Entry(wire.action(i), wire.meta(i, peerNode, baseTime, timeFix, added, reasons));
    }

    /**
     * A received entry in this node's clock, its meta made with the {@code added} the store is expected to give it
     * ({@link #receivedNext}, counted on), or 0. A call per entry: compiled after a few hundred (see {@link #onSync}).
     */
    private Entry received(Message.WireEntry w) throws ProtocolError {
        long added = 0;
        if (w.tooDeep() > 0 || w.beyondRange() != null) {
            receivedRefused = true;
        } else if (receivedNext >= 0 && (receivedHooks || w.meta().hasReasons())) {
            added = ++receivedNext;
        }
        return new Entry(w.action(), w.meta().toMeta(peerNode, baseTime, timeFix, added));
    }

    /** Saves the stock peer's anchor at most once a second (and at close), not at every batch. */
    private void saveAnchor(boolean now) {
        if (anchorToSave != null && (now || loop.monotonicMillis() - anchorSavedAt >= 1000)) {
            String key = "anchor " + peerNode;
            try {
                anchorToSave.save(log, peerNode);
                log.lastingFailures().worked(LOG, key, "saving the anchor of " + describePeer());
            } catch (RuntimeException e) {
                // once while it lasts (a full disk): not every second of every session (ux41)
                log.lastingFailures().failed(LOG, key, "save the anchor of " + describePeer(), e);
            }
            anchorSavedAt = loop.monotonicMillis();
            anchorToSave = null;
        }
    }

    /**
     * The log failed while handling a message (most often: it could not store a received batch). Nothing of it is
     * acknowledged. On a connected session, the session tells the peer once (a {@code debug} line,
     * {@link #FULL_NOTICE}) and holds the link: it answers pings and sends its own entries, but drops the peer's
     * batches unanswered until the node can write again and calls {@link #roomAgain}, which ends the session so that
     * the peer sends them again at once. Before (session 45) the session ended at once with {@code error timeout}: a
     * stock Logux client reconnected about once a second (36 sessions in 40 s, each resending its batch), HyParView
     * dialed a full peer again, and a sender resumed up to 30 s after the room was made. The node learns of it from
     * {@link Events#waitsForRoom}.
     *
     * <p>Before the handshake is done the session still ends: {@code error timeout}, because it is the one protocol 5
     * error a stock Logux peer neither throws on nor stops reconnecting after, and it blames no input of the peer's
     * (a {@code wrong-format} would tell the peer its entries are bad). The node learns of it from
     * {@link #storeFailure()} when the session ends.
     */
    private void storeFailed(String what, StoreException e) {
        if (state == State.CLOSED) {
            return;
        }
        if (roomWait != null) {
            LOG.debug("cannot {} (waiting for room): {}", what, e.getMessage());
            return;
        }
        storeFailure = e;
        if (state == State.CONNECTED) {
            roomWait = e;
            LOG.debug("cannot {}: {}; holding the session, nothing more of the peer's acknowledged until room is made",
                what, e.getMessage());
            inbound.clear(); // nothing received from here on is answered: the peer sends it again after roomAgain
            send(new Message.Debug("error", fullNotice() + e.getMessage()));
            events.waitsForRoom(this, e);
            if (heldBatch != null) {
                retryHeldLater();
            }
            if (slicing != null) {
                frameHandled(); // the rest of the frame is dropped: the messages behind it are handled (held) next
            }
            return;
        }
        // the node says it once per outage (MeshNode.storeFailed, "further failures ... are not logged"): an ERROR here
        // said it again for every session a peer's redials made (break37's full-disk trial)
        LOG.debug("cannot {}: {}; closing the session, nothing of it acknowledged", what, e.getMessage());
        send(new Message.Debug("error", fullNotice() + e.getMessage()));
        fail(ProtocolError.of(ProtocolError.Type.TIMEOUT, IntNode.valueOf((int) Math.min(Integer.MAX_VALUE,
            config.timeoutMillis())), "cannot " + what + ": " + e.getMessage()));
    }

    /** How this session tells its peer that the log is full: {@link #CLIENT_FULL_NOTICE} to a client. */
    private String fullNotice() {
        return edge instanceof ClientRole ? CLIENT_FULL_NOTICE : FULL_NOTICE;
    }

    /**
     * The store failure that ended or holds this session (a received batch the log could not store), or null. The
     * node reports it and shows it in its health.
     */
    public StoreException storeFailure() {
        return storeFailure;
    }

    /**
     * Whether this session held the peer's entries unanswered because the log could not store them
     * ({@link #storeFailed}, {@link Events#waitsForRoom}): the node told of it then, not again when the session ends.
     * Loop only.
     */
    public boolean waitedForRoom() {
        return roomWait != null;
    }

    /**
     * The node can write its log again: a session held for want of room ({@link #waitedForRoom}) tells the peer
     * ({@link #ROOM_NOTICE}) and ends, so that the peer sends again, on its next session, what was not acknowledged.
     * Nothing for other sessions. Loop only.
     */
    public void roomAgain() {
        if (state == State.CLOSED || roomWait == null) {
            return;
        }
        LOG.debug("{}: the log can be written again ({} batches dropped meanwhile): closing, the peer sends again",
            describePeer(), droppedWhileFull);
        send(new Message.Debug("error", ROOM_NOTICE));
        closeWith(null, ROOM_AGAIN);
    }

    /**
     * Tries the held batch again after {@link #roomRetryDelay}: a full disk that its operator freed is known only by a write that works (a
     * memory node's budget, by its cleans).
     */
    private void retryHeldLater() {
        long delay = roomRetryDelay(heldRetries);
        heldRetries++;
        heldRetry = loop.schedule(delay, this::retryHeldBatch);
    }

    /**
     * Stores the held batch, or the longest part of it from its start that the log takes now (the whole, else its first
     * half, quarter and so on down to one entry): once a part is in, the node is writable again (its log's add event),
     * which ends every held session ({@link #roomAgain}), this one too, and the peers send again what was not answered
     * (what is in already is a duplicate then, and costs a memory budget nothing). Before (break46's trial 7) only the
     * whole batch was tried: a memory node whose budget the seen ids of cleaned entries had mostly taken had room for
     * several of a 13 KiB frame's entries but never for the frame, and its sender's entries stopped there for good.
     * A Logux client's batch goes the same way (session 48), its stored parts settled by its role
     * ({@link EdgeRole#heldStored}): nothing is answered on the held session, and the client's next session answers
     * each of its actions {@code logux/processed} once, as a duplicate when it went in here.
     */
    private void retryHeldBatch() {
        heldRetry = null;
        if (state != State.CONNECTED || roomWait == null || heldBatch == null) {
            return;
        }
        EdgeRole role = edge;
        int taken = heldBatch.size();
        List<Entry> part;
        List<Meta> results;
        receiving = true;
        try {
            while (true) {
                part = taken == heldBatch.size() ? heldBatch : heldBatch.subList(0, taken);
                try {
                    // a client's through addReceived, as its role stores them (its add events and counts); the log's
                    // add event may close this session (roomAgain) before the add returns
                    results = role == null ? log.add(part) : addReceived(part);
                    break;
                } catch (StoreException e) {
                    if (taken == 1) {
                        LOG.debug("{}: no entry of the held batch of {} can be stored yet: {}", describePeer(),
                            heldBatch.size(), e.getMessage());
                        retryHeldLater();
                        return;
                    }
                    taken /= 2;
                }
            }
        } finally {
            receiving = false;
        }
        if (role != null) {
            // the role runs what follows a stored client action (its process hook), once, unanswered: the client sends
            // the frame again on its next session, where these are duplicates answered logux/processed
            role.heldStored(List.copyOf(part), results);
        }
        if (taken < heldBatch.size()) {
            heldBatch = new ArrayList<>(heldBatch.subList(taken, heldBatch.size()));
            heldRetries = 0;
            if (state == State.CONNECTED && roomWait != null) {
                retryHeldLater(); // (the node's writable-again event ends the session first, as a rule)
            }
            return;
        }
        heldBatch = null;
        roomAgain(); // (already closed if the log's add event said the node is writable; else, all were duplicates)
    }

    /**
     * Whether the peer said it can write its log again ({@link #ROOM_NOTICE}) before the session ended: its dialer
     * dials it again at once. Loop only.
     */
    public boolean peerHasRoom() {
        return peerHasRoom;
    }

    /**
     * Whether this session ended because a log that was full has room again: this node's ({@link #roomAgain} closed
     * it) or the peer's (it said so, {@link #peerHasRoom}). The dialer of the pair dials again at once (a stock Logux
     * client about a second later), so that the peer sends again what was not acknowledged. Loop only.
     */
    public boolean endedForRoom() {
        return peerHasRoom || (state == State.CLOSED && ROOM_AGAIN.equals(closeReason));
    }

    /**
     * What was late and for how long when this side ended the session by a timeout (no {@code connected}, no
     * {@code pong}, no {@code synced}: "no synced for 14039 ms (1000211 bytes in flight, no byte for 8049 ms)"), or
     * null if it did not. On the loop.
     */
    public String lateAnswer() {
        return lateAnswer;
    }

    private void onIhave(Message.Ihave h) {
        if (state != State.CONNECTED) {
            fail(ProtocolError.of(ProtocolError.Type.MISSED_AUTH, IntNode.valueOf(0), "ihave before connect"));
            return;
        }
        if (!plumtree) {
            fail(ProtocolError.wrongFormat("logmesh:ihave", "ihave without the plumtree capability"));
            return;
        }
        Set<dev.logmesh.ActionId> missing = new HashSet<>();
        List<dev.logmesh.ActionId> announced = new ArrayList<>();
        for (dev.logmesh.ActionId id : h.ids()) {
            log.observe(id);
            if (!log.seen(id) && missing.add(id)) {
                announced.add(id);
            }
        }
        // Answered (synced) only when every announced id is in the log: see Acknowledgements.
        inbound.received(h.added(), missing);
        if (!announced.isEmpty()) {
            gossip.announced(peerNode, announced);
        }
        drain();
    }

    /**
     * Sends {@code logmesh:graft}: asks the peer for these entries and for payload on this link from now on.
     * Called by the node's {@link Gossip}.
     *
     * @return false if the session is not connected with Plumtree
     */
    public boolean sendGraft(List<dev.logmesh.ActionId> ids) {
        if (state != State.CONNECTED || !plumtree) {
            return false;
        }
        // in frames within the peer's limit: a graft takes along every missing id due with the first (the ids of
        // many ihave frames after a stall), and one frame over the limit ended the session as wrong-format
        for (List<dev.logmesh.ActionId> run : EntrySize.split(ids, frameLimit() - EntrySize.FRAME_OVERHEAD)) {
            if (!send(new Message.Graft(run))) {
                return false;
            }
        }
        return true;
    }

    /** Sends {@code logmesh:prune}: ids only on this link from now on. Called by the node's {@link Gossip}. */
    public boolean sendPrune() {
        return state == State.CONNECTED && plumtree && send(new Message.Prune());
    }

    private void onGraft(Message.Graft g) {
        if (state != State.CONNECTED) {
            fail(ProtocolError.of(ProtocolError.Type.MISSED_AUTH, IntNode.valueOf(0), "graft before connect"));
            return;
        }
        if (!plumtree) {
            fail(ProtocolError.wrongFormat("logmesh:graft", "graft without the plumtree capability"));
            return;
        }
        gossip.grafted(peerNode);
        List<Entry> found = new ArrayList<>(g.ids().size());
        for (dev.logmesh.ActionId id : g.ids()) {
            log.byId(id).ifPresent(found::add);
        }
        // numbered 0: a graft answer says nothing about this log's order
        sendChunked(0, found);
    }

    // ---------------------------------------------------------------- [overlay hook] overlay messages

    private void onHpv(Message.Hpv h) {
        if (state != State.CONNECTED) {
            fail(ProtocolError.of(ProtocolError.Type.MISSED_AUTH, IntNode.valueOf(0), "logmesh:hpv before connect"));
            return;
        }
        if (!overlayLink) {
            fail(ProtocolError.wrongFormat("logmesh:hpv", "logmesh:hpv without the hpv capability"));
            return;
        }
        try {
            membership.received(this, h.body());
        } catch (IllegalArgumentException e) {
            fail(ProtocolError.wrongFormat(MessageCodec.encode(h), "logmesh:hpv: " + e.getMessage()));
        }
    }

    /**
     * Sends an overlay message ({@code ["logmesh:hpv", body]}). Called by the node's overlay.
     *
     * @return false if the session is not connected with the {@code hpv} capability on both sides
     */
    public boolean sendHpv(ObjectNode body) {
        return state == State.CONNECTED && overlayLink && send(new Message.Hpv(body));
    }

    private void onPresence(Message.Presence p) {
        if (state != State.CONNECTED) {
            fail(ProtocolError.of(ProtocolError.Type.MISSED_AUTH, IntNode.valueOf(0),
                "logmesh:presence before connect"));
            return;
        }
        if (!presenceLink) {
            fail(ProtocolError.wrongFormat("logmesh:presence", "logmesh:presence without the presence capability"));
            return;
        }
        presence.received(this, p.body());
    }

    /**
     * Sends a presence record ({@code ["logmesh:presence", record]}). Called by the node's presence.
     *
     * @return false if the session is not connected with the {@code presence} capability on both sides
     */
    public boolean sendPresence(ObjectNode record) {
        if (state != State.CONNECTED || !presenceLink) {
            return false;
        }
        // not through send(): presence is not traffic for liveness (see onMessage)
        boolean ok = connection.send(new Message.Presence(record));
        if (!ok) {
            linkRefused();
        }
        return ok;
    }

    /** Whether both sides offered {@code presence}: the session carries presence records. */
    public boolean usesPresence() {
        return presenceLink;
    }

    /**
     * Holds or releases this session's sending of entries (sync and ids; handshake, pings, overlay messages,
     * graft answers and reconciliation answers still flow). The node's overlay holds a link to a peer outside
     * its active view, so that gossip and catch-up run over the active view only; on release the pump resumes
     * from where it stopped (nothing is skipped). A session starts held exactly when both sides offered the
     * overlay.
     */
    public void hold(boolean value) {
        if (held == value) {
            return;
        }
        held = value;
        if (!held && state == State.CONNECTED) {
            startBacklogProbe();
        }
        if (!held && state == State.CONNECTED && !pumpScheduled) {
            pumpScheduled = true;
            loop.execute(guarded("send entries to " + peerNode, this::pump));
        }
    }

    /**
     * Whether this session ended in a routine way for the overlay: a dial of the overlay ({@link #requirePeer})
     * that never connected, or a connect refused because it named another node. Such failures come from stale or
     * forged addresses, are bounded and backed off by the overlay, and are not worth an error report.
     */
    public boolean overlayProbeFailed() {
        return refusedOtherNode || (requirePeer && peerNode == null)
            || (requirePeer && expectedPeer != null && !expectedPeer.equals(peerNode));
    }

    /** Whether this session holds its entries back (see {@link #hold}). */
    public boolean held() {
        return held;
    }

    /** Whether both sides offered the overlay ({@code hpv}): the peer is then a member of the overlay. */
    public boolean usesOverlay() {
        return overlayLink;
    }

    /** Answers complete inbound batches in order and moves the received cursor over them. */
    private void drain() {
        if (state != State.CONNECTED) {
            return;
        }
        inbound.drain(upTo -> {
            if (keepsCursor()) {
                // saved in a later commit than the entries it covers, so never durable before them
                log.advanceCursor(peerNode, upTo, 0);
                catchUpAt(upTo);
            }
            afterDurable(() -> send(new Message.Synced(upTo)));
        });
    }

    private void onSynced(Message.Synced s) {
        if (state != State.CONNECTED) {
            fail(missedAuth(s));
            return;
        }
        if (liveness.answered(s.added(), loop.monotonicMillis())) {
            inFlight--;
        }
        if (backlogProbeAdded >= 0 && s.added() >= backlogProbeAdded) {
            backlogProbe = false; // answered: a prune, if the peer had the entries, came before this
            backlogProbeAdded = -1;
        }
        long answered = 0;
        while (!payloadInFlight.isEmpty() && payloadInFlight.peek()[0] <= s.added()) {
            answered += payloadInFlight.poll()[1];
        }
        payloadInFlightEntries -= answered;
        if (answered > 0 && plumtree && gossip.eager(peerNode)) {
            // the ramp: a prune, if the peer had these entries, came before this synced
            eagerAllowance = Math.min(eagerAllowance * EAGER_GROWTH, (long) config.window() * config.chunkEntries());
        }
        long acked = Math.min(s.added(), pushed);
        if (keepsCursor()) {
            log.advanceCursor(peerNode, 0, acked);
            events.acknowledged(this, acked);
        } else if (edge != null) {
            edge.acknowledged(acked);
        }
        pump();
    }

    private void onPing(Message.Ping p) {
        if (state != State.CONNECTED) {
            fail(missedAuth(p));
            return;
        }
        if (!liveness.pingAllowed(loop.monotonicMillis())) {
            fail(ProtocolError.of(ProtocolError.Type.BRUTEFORCE, null, "ping flood"));
            return;
        }
        if (peerWentBack(p.synced())) {
            return;
        }
        if (tookAllReceived() && keepsCursor()) {
            log.advanceCursor(peerNode, p.synced(), 0);
            catchUpAt(p.synced());
        }
        if (timeSamples && role == Role.LISTENER) { // time fix (issue 11): the dialer tells its estimate
            long[] estimate = ClockSync.peerEstimate(p.options());
            if (estimate != null) {
                peerOffset = estimate[0];
                peerRoundTrip = estimate[1];
            }
        }
        send(new Message.Pong(pingNumber(), timeSamples ? ClockSync.pong(p.options(), log.now()) : null));
    }

    private void onPong(Message.Pong p) {
        if (state != State.CONNECTED) {
            fail(missedAuth(p));
            return;
        }
        liveness.ponged();
        if (clientEpochUnconfirmed) {
            confirmClientEpoch();
        }
        long pingTime = timeSamples ? ClockSync.echoedTime(p.options()) : -1;
        if (antiEntropy != null && pingTime >= 0) {
            // the pong echoes its ping's time: anti-entropy orders a round's answers by it
            antiEntropy.ponged(pingTime); // may end the session: a round's answer was lost
            if (state == State.CLOSED) {
                return;
            }
        }
        if (timeSamples && clock != null && clock.ponged(p.options(), log.now())) { // time fix (issue 11)
            timeFix = clock.offset();
        }
        if (peerWentBack(p.synced())) {
            return;
        }
        if (tookAllReceived() && keepsCursor()) {
            log.advanceCursor(peerNode, p.synced(), 0);
            catchUpAt(p.synced());
        }
    }

    /**
     * Whether everything the peer sent on this session was stored and answered, so that its {@code ping}/{@code pong}
     * {@code synced} (its last {@code added}) may become the received cursor: no batch waits for an answer, none is
     * half handled ({@link #slicing}), and the session does not hold for room ({@link #roomWait}: the batches it
     * dropped are not in {@link #inbound}). Before (keep47) a ping during a hold moved the cursor past the dropped
     * batches, so the next session's {@code connect} told the peer they were synced: acknowledged, never stored, never
     * an {@code add} event, never gossiped on. Loop only.
     */
    private boolean tookAllReceived() {
        return inbound.isEmpty() && slicing == null && roomWait == null;
    }

    /**
     * Whether the peer's last {@code added} (from its ping or pong) is below what we processed of it: its
     * log went back (see the design notes). Then resets its cursor and closes, and the dialer redials.
     */
    private boolean peerWentBack(long theirLastAdded) {
        if (role != Role.DIALER) {
            return false;
        }
        long processed = log.cursor(peerNode).received();
        if (theirLastAdded >= processed) {
            return false;
        }
        LOG.warn("{} reports its last added {} < {} we processed: it lost its log; exchanging everything again",
            describePeer(), theirLastAdded, processed);
        log.resetCursor(peerNode);
        closeWith(null, "peer's log went back (" + theirLastAdded + " < " + processed + "): resync");
        return true;
    }

    // ---------------------------------------------------------------- timers and closing

    /** A task of this session's on the loop: a store failure in it ends the session like one under a message. */
    private Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (StoreException e) {
                storeFailed(what, e);
            }
        };
    }

    private void scheduleTick() {
        ticker = loop.schedule(liveness.period(), guarded("check the session with " + peerName(), this::tick));
    }

    /** The periodic check: handshake and answer timeouts, and pings after silence. */
    void tick() {
        if (state == State.CLOSED) {
            return;
        }
        for (Message again : liveness.resendDue(loop.monotonicMillis())) {
            // the answers for later batches came first: this one or its answer was lost (Liveness)
            LOG.debug("{}: sending {} numbered {} again: the peer answered batches sent after it", describePeer(),
                again.type(), again instanceof Message.Sync sync ? sync.added() : ((Message.Ihave) again).added());
            resent++;
            if (!send(again)) {
                return;
            }
        }
        Liveness.Verdict verdict = liveness.check(loop.monotonicMillis(), state == State.CONNECTED, role == Role.DIALER);
        if (verdict == Liveness.Verdict.TIMEOUT) {
            timeout(liveness.late());
            return;
        }
        if (verdict == Liveness.Verdict.PING) {
            send(new Message.Ping(pingNumber(), timeSamples && clock != null ? clock.ping(log.now()) : null));
        } else if (timeSamples && clock != null && state == State.CONNECTED && clock.due(log.now())) {
            send(new Message.Ping(pingNumber(), clock.ping(log.now()))); // a busy link pings for the clock too
        }
        scheduleTick();
    }

    private void timeout(String what) {
        // Logux sends nothing on a timeout: the peer is presumed gone.
        lateAnswer = what;
        closeError = ProtocolError.of(ProtocolError.Type.TIMEOUT, IntNode.valueOf((int) config.timeoutMillis()), what);
        closeWith(closeError, closeError.getMessage());
    }

    /** Sends an error to the peer and closes. */
    private void fail(ProtocolError error) {
        if (state == State.CLOSED) {
            return;
        }
        connection.send(error.toMessage());
        closeWith(error, error.getMessage());
    }

    private void closeWith(ProtocolError error, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        if (closeReason == null) {
            closeError = error;
            closeReason = reason;
        }
        connection.close(reason);
        finish(closeError, closeReason);
    }

    private void finish(ProtocolError error, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        stop();
        deferred.clear(); // never handled: the peer sends them again in its next session
        report(error, reason);
    }

    /** Stops everything the session does: it is {@link State#CLOSED} from here on; {@link #report} says why. */
    private void stop() {
        stoppedIn = state;
        state = State.CLOSED;
        answerProbe(false);
        saveAnchor(true);
        if (ticker != null) {
            ticker.cancel();
        }
        if (heldRetry != null) {
            heldRetry.cancel();
            heldRetry = null;
        }
        inbound.clear();
        slicing = null; // what it stored so far stays stored, unanswered: the peer sends it again, dropped as seen
        endCatchUp();
        if (antiEntropy != null) {
            antiEntropy.close();
        }
        if (edge != null) {
            edge.closed();
        }
    }

    /** The loop's monotonic clock, ms ({@link Loop#monotonicMillis}), for intervals of the session's roles; loop only. */
    long monotonicMillis() {
        return loop.monotonicMillis();
    }

    /** Says why the stopped session ended: the log line and {@link Events#disconnected}. */
    private void report(ProtocolError error, String reason) {
        if (conflictsUnsaid > 0) {
            LOG.error("{} sent {} more entries under ids this node holds with another action (after {}): two nodes"
                + " issued the same ids; the held entries are kept", describePeer(), conflictsUnsaid, firstConflict);
        }
        debugLines.ended(loop.monotonicMillis(), LOG::info);
        LOG.debug("session with {} closed ({}): {}", describePeer(), stoppedIn, reason);
        events.disconnected(this, error, reason);
    }

    /**
     * A received entry whose id this log has seen: if the peer is the id's origin and this log holds an entry of that
     * id with another action, two nodes issued one id (a copy of a data directory, or a bug): said at ERROR, the held
     * entry kept. Only an entry from its own origin is looked at (the case where a twin shows first-hand; a relay
     * forwards whichever copy it kept), at most {@link #CONFLICT_CHECKS} a session: a duplicate is a store read, and a
     * catch-up from a reset cursor may bring a whole log of them. {@code meta.time} is not compared: each node shifts
     * it by its link's time fix. The first conflict of a session is an ERROR line; the others are counted, and said in
     * one more line when the session ends (before, session 31, a line each: up to 1,000 a session, as a copy that
     * issued the same ids catches up).
     */
    private void checkConflict(Entry received) {
        if (!received.id().node().equals(peerNode)) {
            return;
        }
        conflictChecks--;
        Entry held = log.byId(received.id()).orElse(null);
        if (held != null && !held.action().equals(received.action())) {
            if (firstConflict != null) {
                conflictsUnsaid++;
                LOG.debug("{} sent {} with the action {}, but this node holds {} under that id", describePeer(),
                    received.id(), received.action().type(), held.action().type());
                return;
            }
            firstConflict = received.id();
            LOG.error("{} (instance {}) sent {} with the action {}, but this node holds {} under that id (added here as"
                + " #{}): two nodes issued one id (both from origin {}: a copy of its data directory running beside it?);"
                + " the held entry is kept and the received one dropped (more such entries in this session: one line"
                + " when it ends)", describePeer(), peerInstance,
                received.id(), received.action().type(), held.action().type(), held.meta().added(), received.id().node());
        }
    }

    /** Closes the session from this side. */
    public void close(String reason) {
        closeWith(null, reason);
    }

    /**
     * Asks whether the peer is still there: sends a {@code ping} and tells {@code answer} true as soon as anything
     * arrives from the peer (a message, or bytes of one: the pong may wait behind a large frame), false if nothing
     * does within {@code withinMillis} or the session ends first. Called on the loop; {@code answer} runs on it later
     * (never inside this session's message handling), once. A second probe replaces the first, which is told false.
     */
    public void probe(long withinMillis, java.util.function.Consumer<Boolean> answer) {
        answerProbe(false);
        if (state != State.CONNECTED) {
            loop.execute(() -> answer.accept(false));
            return;
        }
        probeAnswer = answer;
        probeDeadline = loop.schedule(withinMillis, () -> answerProbe(false));
        send(new Message.Ping(pingNumber(), null));
    }

    private void answerProbe(boolean alive) {
        java.util.function.Consumer<Boolean> a = probeAnswer;
        if (a == null) {
            return;
        }
        probeAnswer = null;
        if (probeDeadline != null) {
            probeDeadline.cancel();
            probeDeadline = null;
        }
        loop.execute(() -> a.accept(alive));
    }

    /**
     * Tells the peer that its node id runs on two live nodes ({@code ["debug", "error", TWIN_NOTICE + text]}) and
     * closes with {@link #PEER_TWIN}. For a logmesh peer that said its instance; the peer closes with
     * {@link #TWIN_TOLD}.
     */
    public void tellTwin(String text) {
        send(new Message.Debug("error", TWIN_NOTICE + text));
        closeWith(null, PEER_TWIN);
    }

    /** The peer's {@link Log#instance} from its mesh options, or null (a stock Logux peer, an older logmesh node). */
    public String peerInstance() {
        return peerInstance;
    }

    // ---------------------------------------------------------------- views

    /** The session's state, for logs and failure messages. */
    @Override
    public String toString() {
        return role + " session with " + peerNode + " " + state + ": pushed " + pushed + " of " + log.lastAdded()
            + ", in flight " + inFlight + (resent == 0 ? "" : " (" + resent + " sent again)") + ", received "
            + (peerNode == null ? "-" : cursor().received())
            + " of their " + peerLastAdded + (inbound.isEmpty() ? "" : ", inbound waiting")
            + (antiEntropy == null ? "" : ", " + antiEntropy);
    }

    /**
     * The peer's node id, or the link's remote address while it is not known (a dialer before {@code connected}):
     * before, a dialer whose store could not be read at its start said "cannot start the session with null".
     */
    private String peerName() {
        return peerNode != null ? peerNode : connection.remoteAddress();
    }

    private String describePeer() {
        return (peerNode != null ? peerNode : "?") + "@" + connection.remoteAddress();
    }

    /**
     * The frame limit the peer told in its handshake ({@code logmesh.maxFrame}, bytes), or 0 when it told none (a
     * stock Logux peer, a client). Loop thread.
     */
    public long peerMaxFrame() {
        return peerMaxFrame;
    }

    /**
     * Why the peer said it cannot write its log (the text after {@link #FULL_NOTICE}: a full disk or memory budget),
     * or null: it then ends the session with nothing of this node's acknowledged, and this node sends it all again
     * on a later session. Loop only.
     */
    public String peerFull() {
        return peerFull;
    }

    /**
     * The highest {@code added} of this log that this session's pump has read (sent, announced by id, or skipped as
     * the peer's own), or -1 for a session that is not a connected mesh session (a Logux client's, one not yet
     * connected or ended). Retention keeps every entry above it, so that what a relay cleans has gone to each peer it
     * is connected to (MeshNode's retention; break47). Loop only.
     */
    public long meshPushed() {
        return state == State.CONNECTED && edge == null ? pushed : -1;
    }

    /**
     * {@link #meshPushed}, or while batches to the peer are in flight the smaller of it and what the peer acknowledged
     * (its sent cursor), or -1 as there. What a relay's retention may clean: a session that ends before the peer
     * answered its batches (a stalled link, a timeout) starts the peer's next session at its cursor, so what was only
     * sent must still be there then (break48b). With nothing in flight the peer has all up to {@link #pushed}
     * ({@link #settleSentCursor}). Loop only.
     */
    public long meshAcknowledged() {
        long read = meshPushed();
        return read < 0 || inFlight == 0 ? read : Math.min(read, log.cursor(peerNode).sent());
    }

    /** The peer's node id, once known (after connect/connected). */
    public String peerNode() {
        return peerNode;
    }

    /** The node id the dialer expected at the other end (the overlay dials a node it found), or null. */
    public String expectedPeer() {
        return expectedPeer;
    }

    /** This session's role. */
    public Role role() {
        return role;
    }

    /** The session's state. */
    public State state() {
        return state;
    }

    /**
     * Whether its link opened (the TCP connect and the WebSocket upgrade succeeded), also after the session ended:
     * false for a dial that reached nobody. Loop only.
     */
    public boolean linkOpened() {
        return linkOpened;
    }

    /** The peer's subprotocol (0 if it announced none). */
    public int peerSubprotocol() {
        return peerSubprotocol;
    }

    /** The peer's last headers, or null. */
    public ObjectNode peerHeaders() {
        return peerHeaders;
    }

    /** The time fix of this connection: local clock − peer clock (dialer side), in ms. */
    public long timeFix() {
        return timeFix;
    }

    /**
     * This node's clock − the peer's, in ms: the dialer's time fix, or on the listener side the dialer's estimate
     * as its pings tell it (0 until one came).
     */
    public long clockOffset() {
        return role == Role.DIALER ? timeFix : peerOffset;
    }

    /** The round trip (ms) of the sample behind {@link #clockOffset()}, or -1 when there is none. */
    public long clockRoundTrip() {
        return role == Role.DIALER ? (clock == null ? -1 : clock.roundTrip()) : peerRoundTrip;
    }

    /** The connection under this session. */
    public MessageConnection connection() {
        return connection;
    }

    /** The highest {@code added} of this log already pushed to the peer. */
    public long pushed() {
        return pushed;
    }

    /** How many entries this session sent. */
    public long sentEntries() {
        return sentEntries;
    }

    /** How many entries this session announced by id only (Plumtree lazy push). */
    public long announcedEntries() {
        return announcedEntries;
    }

    /** Whether this link carries payload; false once Plumtree made it an ids-only link. */
    public boolean isEager() {
        return !plumtree || gossip.eager(peerNode);
    }

    /** Whether both sides use Plumtree on this link. */
    public boolean usesPlumtree() {
        return plumtree;
    }

    /**
     * The highest {@code added} of the peer's log when the session connected, from the mesh options of its
     * {@code connect}/{@code connected}; -1 for a peer that did not send it (stock Logux).
     */
    public long peerLastAdded() {
        return peerLastAdded;
    }

    /** How many entries were not sent because they exceed the peer's frame limit. */
    public long tooLarge() {
        return tooLarge;
    }

    /** Reconciliation rounds completed on this link as initiator (0 for a listener or without it). */
    public long reconcileRounds() {
        return antiEntropy == null ? 0 : antiEntropy.rounds();
    }

    /**
     * Asks a connected logmesh peer for its copies of entries this node found corrupt ({@code logmesh:want}, see
     * {@code AntiEntropy#wantRepair}); does nothing on a link without reconciliation (a stock Logux peer or client,
     * reconciliation off) or one not connected. Loop only.
     *
     * @return whether the want was sent
     */
    public boolean wantRepair(java.util.Collection<dev.logmesh.ActionId> ids) {
        if (!canRepair() || ids.isEmpty()) {
            return false;
        }
        antiEntropy.wantRepair(ids);
        return true;
    }

    /** Whether {@link #wantRepair} would ask the peer now: a connected link with reconciliation. Loop only. */
    public boolean canRepair() {
        return antiEntropy != null && state == State.CONNECTED;
    }

    /** Starts a reconciliation round now if this side initiates and the link is quiet (tests, tools). */
    public void reconcileNow() {
        if (antiEntropy != null && state == State.CONNECTED) {
            antiEntropy.begin();
        }
    }

    /** Edge (issue 11): the client id ({@code user:random}) of a Logux client peer, or null for other peers. */
    public String clientId() {
        return edge instanceof ClientRole c ? c.client().clientId() : null;
    }

    /** Edge (issue 11): whether the peer is a Logux server this node dialed (not a logmesh node). */
    public boolean isUpstream() {
        return edge instanceof UpstreamRole;
    }

    /** How many entries this session received. */
    public long receivedEntries() {
        return receivedEntries;
    }

    /** The cursor saved for this peer, or {@link PeerCursor#NONE}. */
    public PeerCursor cursor() {
        return peerNode == null ? PeerCursor.NONE : log.cursor(peerNode);
    }
}
