package dev.logmesh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.discovery.Announcement;
import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.MdnsDiscovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Store;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.auth.Bruteforce;
import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.mesh.Redialer;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.mesh.Broadcast;
import dev.logmesh.internal.mesh.HorizonClock;
import dev.logmesh.internal.mesh.Reconciler;
import dev.logmesh.internal.mesh.DiscoveryBridge;
import dev.logmesh.internal.mesh.PeerTable;
import dev.logmesh.internal.mesh.Overlay;
import dev.logmesh.internal.overlay.OverlayConfig;
import dev.logmesh.internal.overlay.PeerInfo;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.spi.Loop;
import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.internal.callback.Callbacks;
import dev.logmesh.internal.protocol.FrameTransport;
import dev.logmesh.internal.protocol.MessageTransport;
import dev.logmesh.spi.Transport;
import dev.logmesh.internal.net.ReceiveGate;
import dev.logmesh.internal.net.WsTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logmesh node: a durable (or in-memory) action log, synced with peers over Logux protocol 5.
 *
 * <pre>{@code
 * try (MeshNode node = MeshNode.start(NodeConfig.builder().name("alice").dataDir(dir).build())) {
 *     node.subscribe(e -> true, e -> System.out.println(e.action()));
 *     node.add(Action.parse("{\"type\":\"chat/add\",\"text\":\"hi\"}")).join();
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * Each node runs one loop thread that owns its log, sessions and peers. Public methods may be called from
 * any thread: they post to the loop and return a {@link CompletableFuture} completed there. Subscribers and
 * listeners are called on the loop thread, one entry at a time, in the order entries are added to this
 * node's log: they must not block (hand work to your own executor, e.g. the UI thread). Waiting there for one of
 * the node's futures ({@code node.add(a).join()} in a subscriber) would wait forever, since the loop completes
 * it: {@code get} and {@code join} throw {@link IllegalStateException} on the loop thread instead (for a future
 * not done yet); chain with {@code thenAccept}.
 *
 * <h2>Lifecycle</h2>
 * {@link #start} opens the log, listens and dials; {@link #close} closes sessions, stops listening, closes
 * the store and releases every thread, socket and file. A node closes what it made and nothing it was given
 * ({@link NodeConfig.Builder#loop}, {@link NodeConfig.Builder#store}). After {@code close} every
 * future-returning method returns a future failed with {@link IllegalStateException}, and a future of a call
 * that raced with {@code close} fails the same way: none is left pending. {@link #whenClosed()} completes when
 * the node closed. A running node does not keep the JVM alive (its threads are daemon threads): an application that
 * runs until stopped waits itself ({@code whenClosed().join()}) and closes the node in a shutdown hook, so that the
 * adds still queued at exit are stored.
 *
 * <h2>Tests</h2>
 * With {@link NodeConfig.Builder#loop} and {@link NodeConfig.Builder#transport} a node runs on a test's manual
 * loop and in-memory network: no thread, no socket, no real time. The test kit ({@code dev.logmesh.testkit}
 * in the {@code logmesh-node} test-jar) does this for a whole mesh ({@code LocalMesh}).
 *
 * <h2>Arguments</h2>
 * A null argument is a programming error: every public method throws {@link NullPointerException} naming it, at
 * once on the calling thread, never as a failed future, and the node does nothing (so {@code add(null)} throws
 * as {@code subscribe(null, c)} does). Arguments are null-hostile unless a method says otherwise ({@code
 * add(action, (JsonNode) null)} adds without a partial meta). The same holds for a value that is wrong whatever
 * the log holds (a negative {@code afterAdded}, a timeout {@code <= 0}: {@link IllegalArgumentException}). What
 * only the loop can check, against the log and the limits (an action over the frame limit, a meta id of a bad
 * shape, a read-only meta key), fails the returned future with {@link IllegalArgumentException} instead.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>Application code the node calls on its loop (a subscriber or its filter, a {@link Listener}, an answerer,
 *       a {@link ReplicatedState}'s reducer, filter or listener, a client hook of {@link TypeHooks} or {@link
 *       ChannelHooks}) that throws a {@link RuntimeException}, or an {@link Error} that says nothing of the JVM's
 *       health ({@link AssertionError}, {@link StackOverflowError}, {@link NoClassDefFoundError}, {@link
 *       ExceptionInInitializerError}, ...), is logged (with the entry id) and skipped; the other subscribers and
 *       listeners of the same entry and batch still run, and the node goes on (before session 27 such an Error
 *       ended the node).</li>
 *   <li>A write to the log that fails (disk full, I/O error, a memory store over its budget: {@link
 *       NodeConfig#memoryLimit()}) makes the node say so: an {@link Listener#error}
 *       event, {@link #health()} not writable (also in {@link #STATUS_FILE}); a received batch that cannot be
 *       stored ends its session unacknowledged, so its peer sends it again later. A local {@code add} that fails
 *       so also fails, with a {@link StoreException} and without trying them, the local adds submitted before its
 *       failure was reported (before its future's callbacks had run; an add those callbacks submit, such as a
 *       retry in {@code exceptionallyCompose}, is tried: before, break35, it was refused and the first action ended
 *       after the retried ones behind it): a caller that adds its failed actions again, in order, keeps their order.
 *       An add from a thread that {@code get()} or {@code join()} of the failed add (not of a dependent stage) has
 *       told of the failure is tried too (before, break35, it was refused when it won the race with the loop).
 *       <em>Limit:</em> another thread's add that races with the failure counts as submitted before it. Before (session 35) an add queued behind a failed one could succeed (a smaller
 *       action that still fitted on the nearly full disk, or space freed meanwhile), and the failed one, added
 *       again, got a later id: {@code logmesh node}'s held stdin lines came after a later line.</li>
 *   <li>An {@link OutOfMemoryError}, another {@link VirtualMachineError} but {@link StackOverflowError}, or a
 *       {@link ThreadDeath} on the node's loop (also one thrown by a subscriber), or any other {@link Error} of the
 *       node's own code, ends the node: it is logged, reported as an {@link Listener#error} event, the node
 *       closes and {@link #whenClosed()} fails with it. The node never carries on half alive. So does any {@link
 *       Error} thrown by the log's store, also an application's ({@link NodeConfig.Builder#store}): after it the node
 *       cannot know what its log holds, where a subscriber's Error concerns the subscriber alone. The node says so in
 *       one ERROR line naming the store's class, the call and where it was thrown ({@code the node's store
 *       com.example.AuditStore threw java.lang.AssertionError: ... in its add call (at ...)}), and the {@code error}
 *       event carries that line. A store reports a failure the node goes on after as {@link StoreException}. From the
 *       Error on, while the close still runs, the node is closed to its callers: {@link #health()} is not writable,
 *       calls fail with {@code IllegalStateException: node is closed after a fatal error: ...}.</li>
 * </ul>
 */
public final class MeshNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshNode.class);
    private static final long HOUR = 3_600_000L;

    /** Node events other than added entries; called on the loop. */
    public interface Listener {
        /**
         * A peer's first session is up ({@code connected}) or its last one ended. A session that ended because a full
         * log, this node's or the peer's, has room again (the pair connects again at once, so that the peer sends
         * again what was not acknowledged) is not an event when the peer connects again within
         * 10 s, nor is that connect; else its end is told when the 10 s are up.
         * {@link MeshNode#peers()} is exact at all times.
         */
        default void peer(String nodeId, boolean connected) {
        }

        /**
         * A session with {@code nodeId} was refused (a node whose id is known: one that answered, or one this node
         * dialed as found by discovery; for a {@code --peer} URL that refused before any node answered there,
         * {@code nodeId} is that URL, as in {@link PeerStatus}): the peer refused this node ({@code wrong-credentials} and the
         * like: another key, a clock too far off; or it said another node runs with this node's id), or this node
         * refused the peer. {@code reason} says which and why, in one line (e.g. {@code "refused this node:
         * wrong-credentials"}, {@code "refused by this node: wrong key"}). Called for each such session.
         */
        default void refused(String nodeId, String reason) {
        }

        /**
         * An {@link #error} that says in words, for a person, a refusal this listener has just heard of by
         * {@link #refused} (the same session; called after it, on the same thread): who refused whom, why, what to
         * do and when the peer is tried again ({@code "ws://10.0.0.7:7000 refused this node (wrong-credentials: ...):
         * dialing it again only every 10 min (restart this node to try at once)"}). Not every refused session has one
         * (a dialer says it once until a session succeeds; a refusal by this node, or of a node
         * whose refusal this node says, is said once per node and reason until a session with it opens), and an error of a refusal whose session {@link #refused}
         * could not name (no node id, no URL) is an ordinary {@link #error}. By default it is {@link #error}: a
         * listener that does not tell them apart hears it as any error, as before session 36. One that shows both
         * events overrides it so as not to say a refusal twice (the command line's "no peer yet" line).
         */
        default void refusalError(String message) {
            error(message);
        }

        /**
         * A peer confirmed ({@code synced}) that it committed this node's entries up to {@code added}
         * ({@link Meta#added()} numbers of this log). Called often: keep it cheap.
         */
        default void acknowledged(String nodeId, long added) {
        }

        /**
         * Something went wrong that a person may need to act on. The node goes on, except after a fatal error
         * (then {@link MeshNode#whenClosed()} fails right after this event).
         */
        default void error(String message) {
        }

        /**
         * Something legal but likely not what a person meant, said so they can check it (a {@code --keep-for} under
         * a minute): the node goes on as configured. Also a WARN line of the logger {@code dev.logmesh.MeshNode.events}. By
         * default nothing more: before (session 44) these came as {@link #error} events, which they are not.
         */
        default void warning(String message) {
        }

        /**
         * Something that ends what an {@link #error} event said, so that a person who saw the one sees the other: a peer
         * that could not write its log can again ("peer N can write its log again: sending it what it did not
         * acknowledge"). Nothing to do. Also an INFO line of the logger {@code dev.logmesh.MeshNode.events}. Before
         * (break46) that line was an INFO of {@code dev.logmesh.MeshNode} only, which the CLI does not print, while it
         * printed the error it pairs with.
         */
        default void notice(String message) {
        }

        /**
         * The node's {@link MeshNode#health()} changed (it cannot write its log, or it can again). A log full again
         * within a minute of the event that said it has room is not an event at once: the minute's end says the health
         * then, if it differs, with an error that counts the times (a node whose budget or disk is too small for what
         * it is sent is full and has room every second or so). {@code health()} itself is exact at all times.
         */
        default void health(NodeHealth health) {
        }

        /**
         * Progress of a catch-up this node receives from a peer, on the receiving side only (the sending side
         * hears nothing). A catch-up is what the peer's log held beyond this node's cursor of it when the session
         * connected: {@code total} is how many entries the peer's log numbered after that cursor up to its last
         * {@code added} then (its numbers less those it skipped at restarts after a crash, {@link
         * dev.logmesh.spi.Store#skippedAdded}, when the peer says them: a logmesh node since session 33; else its
         * numbers), and {@code done} how many of them this node has processed (committed) since. Entries the
         * peer skips (entries this node made or sent it, entries it cleaned) count as done once its ping moves the
         * cursor past them (a logmesh peer pings as soon as its catch-up ends in such entries), so {@code done} may
         * jump; entries the peer adds meanwhile are not in {@code total}.
         * Called when the first {@code sync} of it arrives (before its entries reach subscribers, with the
         * {@code done} so far, usually 0), then at most every
         * {@value dev.logmesh.internal.session.SyncSession#CATCH_UP_EVERY_MILLIS} ms, and once with
         * {@code done == total} at the end; a catch-up in which the peer sent nothing is not told, and one whose
         * session ends first gets no last call ({@link #peer} says it disconnected). {@code perSecond}: the
         * average of entries per second since it started (0 in the first call).
         * A session that ended because a full log had room again, and its sequel (no {@link #peer} events,
         * see there), are one catch-up to a listener: the sequel's first call, its start, is not made; its later calls
         * are, as the catch-up's progress: {@code total} the start's, {@code done} what the sessions before did plus
         * what this one did (its peer sends again from the cursor, what was not acknowledged). Before (session 49's
         * note) each room-again cycle, every second or two on a node too small for what it is sent, made a call "0 of
         * N"; before break50 the sequel's calls counted from its own start (0/150, then 22/22).
         */
        default void catchUp(String nodeId, long done, long total, double perSecond) {
        }
    }

    /** A subscription; {@link #close} ends it. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * What this node knows of a peer.
     *
     * @param nodeId              the peer's node id
     * @param connected           whether a session with it is up
     * @param theirAddedProcessed the highest {@code added} of the peer's log this node received and stored
     * @param oursAcknowledged    the highest {@code added} of this log the peer acknowledged; a peer acknowledges
     *                            whole {@code sync} frames, so one that stored part of a frame while its log was
     *                            full (and is full still) holds up to that frame's entries beyond it
     * @param behind              entries of this log the peer has not acknowledged yet (its {@code added} numbers
     *                            after the peer's cursor, less those the log skipped: {@link
     *                            dev.logmesh.spi.Store#skippedAdded}; entries removed since count)
     * @param theirLastAdded      the peer's highest {@code added} when the current session connected, or -1
     *                            (not connected, or a peer that does not say); while
     *                            {@code theirAddedProcessed < theirLastAdded} this node is catching up
     * @param clockOffsetMillis   this node's clock − the peer's (ms), as the link's time fix estimates it from
     *                            round trips (refreshed by ping/pong between logmesh nodes); 0 when not connected
     * @param roundTripMillis     the round trip (ms) of the sample behind that estimate (its error is at most
     *                            half of it), or -1 when there is none
     * @param url                 the URL this node dials the peer at (a static {@code peers} entry), or null
     * @param lastError           why the last dial or session with it failed, or null (connected, or not dialed
     *                            by this node), in one line without the URL (show {@code url} next to it); the
     *                            node id is the URL while no node answered there
     * @param nextDialAt          when this node dials it again (epoch ms, the loop's clock), or -1
     */
    public record PeerStatus(String nodeId, boolean connected, long theirAddedProcessed, long oursAcknowledged,
                             long behind, long theirLastAdded, long clockOffsetMillis, long roundTripMillis, URI url,
                             String lastError, long nextDialAt) {
        /** A peer this node does not dial (or whose dialing is not known), without clock information. */
        public PeerStatus(String nodeId, boolean connected, long theirAddedProcessed, long oursAcknowledged,
                          long behind, long theirLastAdded) {
            this(nodeId, connected, theirAddedProcessed, oursAcknowledged, behind, theirLastAdded, 0, -1, null, null,
                -1);
        }
    }

    private final NodeConfig config;
    /** The application's hooks for the actions and subscriptions of this node's Logux clients (issue 11). */
    private final ClientHookRegistry clientHooks;
    /** Per-user tokens of a keyed mesh, or null (issue 11). */
    private final dev.logmesh.internal.edge.UserTokens userTokens;
    private final Loop loop;
    /** The loop thread this node started for itself (closed with the node), or null when it was given one. */
    private final SystemLoop ownLoop;
    /** Whether the node opened its store (and so closes it), rather than being given it. */
    private final boolean ownsStore;
    private final Log log;
    private final Broadcast broadcast;
    private final PeerTable hub;
    private final MessageTransport transport;
    /** The WebSocket transport under {@link #transport}, or null for another (a test's in-memory one). */
    private final WsTransport ws;
    private final List<Redialer> dialers = new ArrayList<>();
    /** The peers whose full log was said (MeshNode's peerFull event), until one says it has room again; loop only. */
    private final java.util.Set<String> fullPeersSaid = new java.util.HashSet<>();
    /**
     * When each peer was said to have room again ({@code notice}) less than {@link #FULL_AGAIN_QUIET_MILLIS} ago,
     * monotonic ms: a peer full again meanwhile is counted, not said. An entry ends with its minute
     * ({@link #peerRoomWindowEnd}): before (session 47) none did, one a peer for as long as the node ran. Loop only.
     */
    private final Map<String, Long> roomSaidAt = new java.util.HashMap<>();
    /**
     * The peers whose full log is counted, not said ({@link #roomSaidAt}), each with its count and latest reason;
     * emptied with {@link #roomSaidAt}. Loop only.
     */
    private final Map<String, FullAgain> fullAgainQuiet = new java.util.HashMap<>();

    /**
     * How often a peer (or this node) was full within a minute of having room again, the latest reason it gave, and
     * the URL it was dialed at (or null).
     */
    private record FullAgain(int times, String why, String url) {
    }
    /**
     * How long (ms) after a peer was said to have room again its full log again is only counted: a memory node whose
     * budget is too small for what it is sent is full, takes a part, and is full again every second or so; before
     * (session 47's trial of break46's t7) its sender said both, 44 times each in 54 s. The next time it is said, the
     * count is said with it.
     */
    static final long FULL_AGAIN_QUIET_MILLIS = 60_000;
    /**
     * The peers whose last session ended because a full log had room again ({@link SyncSession#endedForRoom}) and that
     * have no session yet, each with the token of the task that says them disconnected when
     * {@link #ROOM_RECONNECT_QUIET_MILLIS} are up. Their next session is not said either: before (session 48's note) a
     * full node and its senders said a peer disconnected and connected at each room-again cycle, every few seconds
     * while what they were sent was more than the full node's budget. Loop only.
     */
    private final Map<String, Object> roomReconnects = new java.util.HashMap<>();
    /**
     * When each peer's last session ended in this node's run, epoch ms ({@link Loop#now}): {@link #STATUS_FILE}'s
     * {@code lastSeen} of a peer not connected, so that {@code logmesh status} and {@code peers} say since when a peer
     * that is away has been away. Not kept across restarts (a peer not seen since this node started has none). One
     * entry a peer (not a Logux client: it keeps no cursor) that had a session, as its cursor is; loop only.
     */
    private final Map<String, Long> lastSeenAt = new java.util.HashMap<>();
    /**
     * The peers whose session is the sequel of one a full log's room-again ended ({@link #roomReconnects}) and whose
     * catch-up has not been told of yet in it: its first {@link Listener#catchUp} call ("done 0 of N", the catch-up's
     * start) is not made, since the catch-up goes on where the ended session left it. Before (session 49's note) a
     * full node told a catch-up start each room-again cycle, every second or two while a sender sends more than it
     * holds. Later calls of that session (entries stored, the end) are made. Loop only.
     */
    private final java.util.Set<String> catchUpGoesOn = new java.util.HashSet<>();
    /**
     * Per peer whose catch-up is told and not done yet: the total its start said. The sequels of a session a full log's
     * room-again ended count {@code done} and {@code total} from their own start (the peer sends again from the cursor):
     * told as this catch-up's progress, {@code done + (start's total - total)} of the start's total, so that done goes
     * forward and the end says total of total. Before (break50) they read 0/150, then 22/22. Dropped at the end, and
     * when the peer's disconnect is said. Loop only.
     */
    private final Map<String, Long> catchUpTotals = new java.util.HashMap<>();
    /**
     * How long (ms) a peer whose session ended for room again may take to connect again before its disconnect is
     * said: its dialer dials again within {@code Redialer}'s room jitter, a stock Logux client within its reconnect
     * delay (about a second).
     */
    static final long ROOM_RECONNECT_QUIET_MILLIS = 10_000;
    /** Dials the peers discovery finds; owned by the loop. */
    private DiscoveryBridge bridge;
    /** Seeds of the redialers' jitter. */
    private final java.util.Random seed;
    /** [overlay hook] The bounded-degree overlay, or null (off, or the node does not listen); owned by the loop. */
    private Overlay overlay;
    /** [overlay hook] Links accepted before the overlay existed, opened once it does; null after. Loop only. */
    private List<MessageConnection> early = new ArrayList<>();
    private volatile Discovery discovery;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Mesh presence (who is in the mesh, their links and status), or null when off. Loop only. */
    private dev.logmesh.internal.mesh.Presence presence;
    /** The status page's server, or null (no page). Set in {@link #begin}, closed by {@link #close}. */
    private volatile dev.logmesh.internal.net.StatusServer statusServer;
    /** The last actions added to the log, newest last, for the status page (at most {@link #RECENT}). Loop only. */
    private final java.util.ArrayDeque<com.fasterxml.jackson.databind.node.ObjectNode> recent =
        new java.util.ArrayDeque<>();
    /** The log's lastAdded and the loop's monotonic time at the last presence record, for the add rate. Loop only. */
    private long rateAdded = -1;
    private long rateAt;
    private double rate;
    private volatile URI url;
    /**
     * Set by {@link #close} once its task on the loop ran (sessions, dialers, the overlay stopped): from then on no
     * subscriber, node listener or {@link ReplicatedState} listener is called, also not by the rest of a loop task
     * that a callback closed the node from (embed25: a subscriber that closed the node was called again for the 1,990
     * other entries of its batch; {@code CloseFromCallbackTest}). Any thread.
     */
    private volatile boolean closed;
    /**
     * Calls the loop has taken from its queue (run or failed): {@link #close}'s measure of the loop's progress. Written
     * on the loop only (a release store, no fence on the call's path), read by the closing thread.
     */
    private final java.util.concurrent.atomic.AtomicLong callsTaken = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Set by {@link #close} when the loop took none of the calls queued before the close's task for {@link
     * #CLOSE_STUCK_MILLIS} (stuck): the failure of the calls still queued, which are then failed, not run (one
     * exception for all of them). Null until then. Any thread.
     */
    private volatile IllegalStateException unrun;
    /** Set by the first {@link #close}: later ones wait for it to finish ({@link #awaitClosed}). */
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The thread that runs the first {@link #close}, once it began; any thread. */
    private volatile Thread closingThread;
    /** Holds what peers send while the application cannot keep up ({@link #pauseReceiving}). */
    private final ReceiveGate gate;
    /** Futures of calls not completed yet: failed by {@link #close} if the loop never ran them. Any thread. */
    private final java.util.Set<CompletableFuture<?>> calls = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Local adds submitted ({@link #call} with {@code writes}), counted as each is submitted; any thread. */
    private final java.util.concurrent.atomic.AtomicLong addsSubmitted = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Local adds numbered up to this one ({@link #addsSubmitted}) fail without being tried: they were submitted
     * before the failure of an add ahead of them had been reported to its caller ({@link #call}); loop only.
     */
    private long addsRefusedUpTo;
    /** The failure of that add, for the ones refused behind it; loop only. */
    private String addsRefusedBecause;
    /**
     * True while a failed local add's future is being failed, its callbacks running on the loop: an add they submit
     * comes after the failure and is not refused with the ones submitted before it was reported (before, break35, a
     * retry in {@code exceptionallyCompose} was refused and ended after the retries of the adds behind it); loop only.
     */
    private boolean reportingAddFailure;
    /**
     * Write calls whose task ran (their entry is in the log) and whose future waits for durability, with what
     * completes it: {@link #close} completes them once its store made them durable instead of failing them (the
     * application would add them again). Any thread.
     */
    private final java.util.Map<CompletableFuture<?>, Runnable> stored =
        new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * The future of the call whose task the loop runs now, or null: a {@code close()} from inside it (a subscriber
     * that a durable entry reached at once, during the add) leaves it to the task, which completes it by what the
     * close made durable. Loop only.
     */
    private CompletableFuture<?> running;
    /** Whether everything written was durable when the store closed ({@link #close}). */
    private volatile boolean closedDurable;
    /** Completes when {@link #close} finished; fails with the error that ended the node. */
    private final CompletableFuture<Void> whenClosed = new CompletableFuture<>();
    /** The {@link Error} that ended the node, or null. */
    private volatile Error failure;
    /**
     * Why the node stopped when its store was found closed under it ({@link #storeClosed}), or null: a misuse the
     * node cannot go on after (every call of the store fails from then on).
     */
    private volatile IllegalStateException storeClosed;
    /** Removes this node's fatal-error handler from its {@link SystemLoop}, or null. */
    private final Runnable offFatal;
    private volatile NodeHealth health;
    /** The node's traffic totals, read by its meters. */
    private final dev.logmesh.internal.protocol.WireStats stats = new dev.logmesh.internal.protocol.WireStats();
    /** The node's meters in the application's registry, or null. */
    private final dev.logmesh.internal.metrics.NodeMetrics metrics;

    private MeshNode(NodeConfig config, Loop loop, SystemLoop ownLoop, boolean ownsStore, Log log,
                     java.util.function.Function<Loop, MessageTransport> transports, Internals internals) {
        this.config = config;
        this.keyId = config.key() == null ? null : MeshAuth.keyId(config.key());
        this.nextKeyId = config.nextKey() == null ? null : MeshAuth.keyId(config.nextKey());
        this.loop = loop;
        this.ownLoop = ownLoop;
        this.ownsStore = ownsStore;
        this.log = log;
        this.horizonClock = new HorizonClock(log::now, loop::monotonicMillis,
            HorizonClock.recorded(log.store(), log.clockReservationAtOpen()),
            HorizonClock.recordedConfirmed(log.store()), config.maxDriftMillis());
        // the mesh's smaller frame limits known before this start: still what an add can reach (their ages on the
        // horizon clock, see nodeFrameLimit)
        this.frameLimits = dev.logmesh.internal.log.MeshFrameLimits.decode(
            log.store().state(Log.PEER_FRAME_LIMIT_KEY).orElse(null), config.maxFrameBytes(), horizonClock.now());
        this.peersFrameLimit = frameLimits.smallest();
        this.logInMemory = ownsStore && config.dataDir() == null;
        // seeded from /dev/urandom: these choices need not be secret, and a SecureRandom's set-up costs start-up time
        this.seed = internals.random() != null ? internals.random()
            : new java.util.Random(dev.logmesh.internal.log.Entropy.nextLong());
        SessionConfig sc = internals.sessions().apply(SessionConfig.builder(config.mesh())
            .subprotocol(config.subprotocol(), config.minSubprotocol())
            .timing(config.pingMillis(), config.timeoutMillis())
            .announceLastAdded(true)
            .clientEpochs(true)
            .token(config.token())
            .maxFrameBytes(config.maxFrameBytes())
            .maxClientFrameBytes(config.maxClientFrameBytes())
            .build()).withStats(stats);
        if (config.key() != null) {
            sc = sc.withAuth(new MeshAuth(config.key(), config.nextKey(), config.mesh(), MeshAuth.DEFAULT_WINDOW,
                loop::now),
                new Bruteforce(Bruteforce.DEFAULT_LIMIT, Bruteforce.DEFAULT_PERIOD, loop::now));
        }
        // clients of the node (issue 11): headers, hooks, delivery, user tokens
        this.clientHooks = new ClientHookRegistry(config.strictClientHooks());
        this.userTokens = config.key() == null ? null
            : dev.logmesh.internal.edge.UserTokens.forMesh(config.key(), config.nextKey(), config.mesh(), loop::now);
        // a subscription's default load reads off the loop on a node's own loop (session 44); on a loop given to the
        // node (the test kit's manual loop, which runs a mesh deterministically on one thread) on the loop, as before
        this.replayReads = loop instanceof dev.logmesh.internal.net.SystemLoop
            ? new dev.logmesh.internal.edge.ReplayReads(() -> log.store().pageReader(), loop,
                durable -> log.whenDurable(durable, loop), log.nodeId())
            : null;
        sc = sc.withHeaders(ClientSetup.headers(config))
            .withEdge(ClientSetup.edge(config, clientHooks::rules, userTokens).withReads(replayReads));
        this.broadcast = new Broadcast(log, loop, sc,
            sc.reconcileMillis() <= 0 ? null : new Reconciler(log, loop, saturatedMillis(config.seenHorizon()),
                internals.maxGoneBytes() > 0 ? internals.maxGoneBytes() : Reconciler.MAX_GONE_BYTES,
                horizonClock::now, this::horizonConfirmed));
        this.hub = broadcast.peers();
        this.metrics = config.meterRegistry() == null ? null
            : new dev.logmesh.internal.metrics.NodeMetrics(config.meterRegistry(), log.nodeId(), stats);
        if (metrics != null && log.store() instanceof SqliteStore sqlite) {
            metrics.observe(sqlite);
        }
        this.gate = new ReceiveGate(loop);
        MessageTransport made = transports.apply(loop);
        this.ws = made instanceof WsTransport w ? w : null;
        if (ws != null) {
            ws.countInto(stats); // before its first listen or dial
        }
        this.transport = gate.wrap(made);
        this.health = NodeHealth.writable(loop.now());
        this.offFatal = loop instanceof SystemLoop sl ? sl.onFatal(this::fatal) : null;
        if (retains()) {
            log.onFull(this::makeRoom);
        }
        log.onAdd(e -> {
            if (!health.writable()) {
                healthChanged(NodeHealth.writable(loop.now()), "an entry was stored");
            }
        });
        log.onClean(e -> roomMade());
        if (config.statusPage() != null) {
            log.onAdd(this::remember);
        }
        hub.addListener(new PeerTable.Listener() {
            @Override
            public void peerFull(SyncSession session, String why) {
                // told before the handshake ended (a node that cannot write when it first meets this one) the id is
                // the one it was dialed as, if any
                String peer = session.peerNode() != null ? session.peerNode() : session.expectedPeer() != null
                    ? session.expectedPeer() : dialedUrl(session);
                if (peer != null && fullPeersSaid.add(peer)) {
                    String url = dialedUrl(session);
                    if (roomSaidAt.containsKey(peer)) {
                        // within a minute of its room said: counted, with the latest reason, and said at the minute's
                        // end (peerRoomWindowEnd), so that the last word is not "room" while it is full
                        LOG.debug("peer {} cannot write its log again (said within {} ms): {}", peer,
                            FULL_AGAIN_QUIET_MILLIS, why);
                        fullAgainQuiet.merge(peer, new FullAgain(1, why, url),
                            (was, one) -> new FullAgain(was.times() + 1, why, url != null ? url : was.url()));
                        return;
                    }
                    sayPeerFull(peer, url, why, 0);
                }
            }

            @Override
            public void waitsForRoom(SyncSession session, dev.logmesh.StoreException failure) {
                String who = session.peerNode() != null ? session.peerNode() : session.connection().remoteAddress();
                storeFailed("cannot store entries from " + who, failure);
            }

            @Override
            public void peerConnected(String peerNode, SyncSession session) {
                replacedIds.remove(peerNode);
                refusals.remove(peerNode);
                refusalsSaid.remove(peerNode);
                peerFrameLimit(peerNode, session.peerMaxFrame());
                if (metrics != null) {
                    metrics.sessions(1);
                }
                if (roomReconnects.remove(peerNode) != null) {
                    LOG.debug("peer {} connected again after a log had room again (its disconnect was not said)",
                        peerNode);
                    catchUpGoesOn.add(peerNode);
                    return;
                }
                fire("peer", l -> l.peer(peerNode, true));
            }

            @Override
            public void peerDisconnected(String peerNode, SyncSession last) {
                if (last == null || last.clientId() == null) {
                    // not a Logux client's: they keep no cursor here, are not listed, and a browser's tabs each come
                    // with a node id of their own (kept, they would grow the map for as long as the node runs)
                    lastSeenAt.put(peerNode, loop.now());
                }
                catchUpGoesOn.remove(peerNode);
                if (metrics != null) {
                    metrics.sessions(-1);
                }
                if (last != null && last.endedForRoom()) {
                    // a full log (this node's or the peer's) has room again: the pair dials again at once, and the
                    // new session is the old one's sequel, not said; a peer not back in time is said gone then
                    Object token = new Object();
                    roomReconnects.put(peerNode, token);
                    loop.schedule(ROOM_RECONNECT_QUIET_MILLIS, () -> {
                        if (roomReconnects.get(peerNode) == token) {
                            roomReconnects.remove(peerNode);
                            catchUpTotals.remove(peerNode);
                            fire("peer", l -> l.peer(peerNode, false));
                        }
                    });
                    return;
                }
                catchUpTotals.remove(peerNode);
                fire("peer", l -> l.peer(peerNode, false));
            }

            @Override
            public void catchUp(String peerNode, long done, long total, double perSecond) {
                boolean sequel = catchUpGoesOn.remove(peerNode);
                Long first = catchUpTotals.get(peerNode);
                long told = done;
                long of = total;
                if (first != null) {
                    if (sequel && done < total) {
                        LOG.debug("catch-up from {} goes on after a log had room again: {} of {} (its start not told)",
                            peerNode, done, total);
                        return;
                    }
                    long before = Math.max(0, first - total); // done in the sessions before this one
                    told += before;
                    of += before;
                }
                if (told >= of) {
                    catchUpTotals.remove(peerNode);
                } else if (first == null) {
                    catchUpTotals.put(peerNode, of);
                }
                long d = told;
                long t = of;
                fire("catchUp", l -> l.catchUp(peerNode, d, t, perSecond));
            }

            @Override
            public void acknowledged(String peerNode, long added) {
                fire("acknowledged", l -> l.acknowledged(peerNode, added));
            }

            @Override
            public void clientAdded(List<Meta> stored) {
                if (retains()) {
                    for (Meta m : stored) {
                        if (m != null) {
                            clientMade.add(m.added());
                        }
                    }
                }
            }

            @Override
            public void entryRefused(SyncSession session, ActionId id, String kind) {
                if (metrics != null) {
                    metrics.error(kind);
                }
            }

            @Override
            public void twinPeer(String peerNode, String message) {
                fireError(message);
            }

            @Override
            public void sessionClosed(SyncSession session, ProtocolError error, String reason) {
                if (session.peerNode() != null && (config.keepLast() > 0 || !config.keepFor().isZero())
                    && log.cursors().containsKey(session.peerNode())) {
                    // retention keeps what it has not acknowledged for a while (readByEveryConnectedPeer)
                    peersLeftAt.put(session.peerNode(), forgetPeersLeftLongAgo());
                }
                String old = session.expectedPeer();
                if (old != null && SyncSession.answeredInstead(error, old) != null && hub.session(old) == null) {
                    replacedIds.put(old, loop.monotonicMillis()); // another node answers there: old is gone
                }
                String who = session.peerNode() != null ? session.peerNode() : session.connection().remoteAddress();
                if (session.peerNode() != null && !session.peerHasRoom() && fullPeersSaid.contains(session.peerNode())
                    && hub.session(session.peerNode()) == null) {
                    String gone = session.peerNode();
                    loop.schedule(FULL_AGAIN_QUIET_MILLIS, () -> fullPeerLeftMinuteEnd(gone));
                }
                String refusal = refusal(session, error, reason);
                // a dial refused at once has no peer id from the peer: the one it was dialed as (a node found by
                // mDNS), if any, else the --peer URL it was dialed at (before, session 35, such a refusal fired no
                // refused event: its reason was only in the dialer's lastError and one error event)
                String refusedId = session.peerNode() != null ? session.peerNode()
                    : session.expectedPeer() != null ? session.expectedPeer() : dialedUrl(session);
                boolean told = refusal != null && refusedId != null;
                // a refusal said already, for the same reason, since the node's last session: its words are not said
                // again (a dialer refused every 10 min, an overlay's every few s to 5 min, for as long as its key is
                // wrong); before (session 36) a listener said "session with X ended: wrong-credentials: ..." at each
                // (apart from refusals, which a refusal the other way replaces: two nodes whose overlays dial each
                // other alternate, and the trial of session 37 said each of the wrong-key node's dials again)
                boolean saidBefore = told && refusal.equals(refusalsSaid.get(refusedId));
                if (told) {
                    refusals.put(refusedId, new Object[] {refusal, loop.now()});
                    fire("refused", l -> l.refused(refusedId, refusal));
                }
                // the errors below that say this refusal in words are refusalError events (its listeners heard
                // refused just now); before (session 36) they were plain errors, and the CLI's "no peer yet" line said
                // the refusal twice
                Consumer<String> sayError = told ? MeshNode.this::fireRefusalError : MeshNode.this::fireError;
                if (metrics != null && error != null && session.storeFailure() == null) {
                    metrics.error(error.wireType());
                }
                if (reason != null && reason.startsWith(SyncSession.TWIN_TOLD)) {
                    if (twinToldBy.add(who)) {
                        String every = dev.logmesh.internal.mesh.Redialer.REFUSED_WAIT;
                        // the wait is the dialer's (its redialer's): before (session 30) a copy that only listened
                        // was told it would dial again every 10 min, which it never does
                        String again = session.role() == SyncSession.Role.DIALER
                            ? "a dial of " + who + " is made again " + every + " (restart this node to"
                                + " try at once)"
                            : who + " dials this node again " + every + " (restart " + who + " to try"
                                + " at once)";
                        sayError.accept(who + " (" + session.connection().remoteAddress() + ") says: "
                            + reason.substring(Math.min(reason.length(), SyncSession.TWIN_TOLD.length() + 2))
                            + "; this node is the one " + twinSelf(session)
                            + "; two nodes with one id lose actions: stop one and start it on a data directory of its"
                            + " own; " + again);
                    }
                } else if (session.peerHasRoom()) {
                    if (session.peerNode() != null && fullPeersSaid.remove(session.peerNode())) {
                        if (roomSaidAt.containsKey(session.peerNode())) {
                            LOG.debug("peer {} can write its log again (its full log was not said)", who);
                        } else {
                            peerRoomSaid(session.peerNode());
                            fireNotice("peer " + who + " can write its log again: sending it what it did not "
                                + "acknowledge");
                        }
                    }
                } else if (session.waitedForRoom()) {
                    // told when the session began to hold (waitsForRoom); a failure again here would say the log
                    // cannot be written after roomAgain closed the session because it can
                    LOG.debug("session with {} ended after it waited for room: {}", who, reason);
                } else if (session.storeFailure() != null) {
                    storeFailed("cannot store entries from " + who, session.storeFailure());
                } else if (error != null && error.isReceived() && error.type() != null && error.type().stopsReconnect()
                    && session.role() == SyncSession.Role.DIALER) {
                    // the peer refused a dial of this node: its redialer, or the overlay for its own dials, says so
                    // once, in words ("refused this node")
                    LOG.debug("session with {} ended: the peer sent {}", who, error.wireType());
                } else if (told && !error.isReceived() && session.role() == SyncSession.Role.DIALER
                    && !session.overlayDial()) {
                    // this node refused a peer its redialer dialed (a --peer, or one found with --no-overlay: it did
                    // not prove the key): the redialer says so once, with when it dials again; before (session 37)
                    // this line said it a second time
                    LOG.debug("session with {} ended: {}", who, error.getMessage());
                } else if (error != null && error.type() != ProtocolError.Type.TIMEOUT && !session.overlayProbeFailed()
                    && !saidBefore) {
                    if (told) {
                        refusalsSaid.put(refusedId, refusal); // only what this line says: others say theirs once
                    }
                    sayError.accept("session with " + who + " ended: " + (error.isReceived()
                        ? "the peer sent error " + error.wireType() + (error.options() == null
                            || error.options().isNull() ? "" : " " + error.options())
                        : error.wireType() + ": " + error.getMessage()
                            + (error.type() == ProtocolError.Type.WRONG_CREDENTIALS && session.peerNode() != null
                                ? " (from " + session.connection().remoteAddress() + ")" : ""))
                        + (told ? "; said once: its later sessions refused so are not said until one opens or the"
                            + " reason changes (logmesh peers lists it)" : ""));
                }
            }
        });
    }

    /** The {@code --peer} URL a static dialer dialed {@code session} at, as text, or null; loop only. */
    private String dialedUrl(SyncSession session) {
        if (session.role() != SyncSession.Role.DIALER) {
            return null;
        }
        for (dev.logmesh.internal.mesh.Redialer d : dialers) {
            URI u = d.urlOf(session);
            if (u != null) {
                return u.toString();
            }
        }
        return null;
    }

    /**
     * Why a session that ended was a refusal ({@link Listener#refused}), or null: the peer told this node another
     * node runs with its id, the peer sent an error after which Logux does not reconnect ({@code wrong-credentials},
     * {@code wrong-protocol}, {@code wrong-subprotocol}), or this node refused the peer's credentials.
     */
    private static String refusal(SyncSession session, ProtocolError error, String reason) {
        if (reason != null && reason.startsWith(SyncSession.TWIN_TOLD)) {
            return "refused this node: it says another node runs with this node's id";
        }
        if (error == null || !error.isRefusal() || session.storeFailure() != null) {
            return null;
        }
        if (session.expectedPeer() != null && SyncSession.answeredInstead(error, session.expectedPeer()) != null) {
            return null; // another node answers at that address now: no refusal (the overlay says what happened)
        }
        if (error.isReceived()) {
            return "refused this node: " + error.wireType() + (error.options() == null || error.options().isNull()
                ? "" : " " + error.options()) + (error.said() == null ? "" : ": it says: " + error.said());
        }
        return "refused by this node: " + error.getMessage();
    }

    /**
     * Starts a node: opens its log (creating the data directory), listens and dials its static peers. It runs
     * on a loop thread of its own over WebSocket, or on the loop and transport the config gives.
     *
     * @throws IOException if the data directory or the port cannot be used ({@link StatusPageException} if the
     *                     status page's address cannot)
     * @throws dev.logmesh.StoreException if the log file is corrupt, foreign or in use by another process
     */
    public static MeshNode start(NodeConfig config) throws IOException {
        return start(config, List.of());
    }

    /** Starts a node and registers listeners before anything happens (so no event is missed). */
    public static MeshNode start(NodeConfig config, List<Listener> initial) throws IOException {
        java.util.Objects.requireNonNull(config, "config");
        nonNullElements(initial, "initial");
        return start(config, initial, Internals.NONE);
    }

    /**
     * Wiring that has no public option, for logmesh's own tests and benchmarks; it reaches a node only
     * through the test kit.
     *
     * @param random     seeds the node's random choices that need not be secret (redial jitter), so a test
     *                   replays exactly; null for one seeded from {@code /dev/urandom}
     * @param nodeId     the exact id of a node whose store has none yet, or null for the name and a random part
     * @param sessions   changes the session settings made from the {@link NodeConfig}
     * @param sharedLoop a loop thread shared with other nodes, which also carries this node's WebSocket channels
     *                   (the node does not close it), or null
     * @param maxGoneBytes the bound of the reconciler's gone marks in bytes (Reconciler's {@code MAX_GONE_BYTES}
     *                   when 0): a tiny one makes simulations drop marks
     */
    record Internals(java.util.Random random, String nodeId,
                     java.util.function.UnaryOperator<SessionConfig> sessions, SystemLoop sharedLoop,
                     long maxGoneBytes) {
        static final Internals NONE = new Internals(null, null, java.util.function.UnaryOperator.identity(), null, 0);

        Internals {
            java.util.Objects.requireNonNull(sessions, "sessions");
            if (maxGoneBytes < 0) {
                throw new IllegalArgumentException("maxGoneBytes must be >= 0 (0: the default), got " + maxGoneBytes);
            }
        }
    }

    /** {@link #start(NodeConfig, List)} with internal wiring (see {@link Internals}). */
    static MeshNode start(NodeConfig config, List<Listener> initial, Internals internals) throws IOException {
        if (internals.sharedLoop() != null && config.loop() != null) {
            throw new IllegalArgumentException("a node runs on one loop: a shared loop and a given loop");
        }
        boolean ownsStore = config.store() == null;
        Store store;
        // a refused start removes the log it made and the directories it created (it would pin a fresh node id)
        dev.logmesh.internal.store.DataDir.Undo undo = null;
        if (!ownsStore) {
            store = config.store();
        } else if (config.dataDir() != null) {
            dev.logmesh.internal.store.DataDir.Undo made = dev.logmesh.internal.store.DataDir.undoOfNew(
                config.dataDir());
            dev.logmesh.internal.store.DataDir.create(config.dataDir()); // 0700: the log is the user's data
            store = SqliteStore.open(config.dataDir().resolve("log.db")); // one refused here made no file
            undo = made;
        } else {
            store = new MemoryStore(config.memoryLimit());
        }
        Loop given = internals.sharedLoop() != null ? internals.sharedLoop() : config.loop();
        SystemLoop ownLoop = null;
        try {
            // a log without a node id yet, opened under its lock, is this start's own (not a racing start's)
            if (undo != null && store.state(Log.NODE_ID_KEY).isPresent()) {
                undo = null;
            }
            if (internals.nodeId() != null && store.state(Log.NODE_ID_KEY).isEmpty()) {
                ActionId.requireNodeId(internals.nodeId());
                store.setState(Log.NODE_ID_KEY, internals.nodeId());
            }
            LongSupplier wall = given != null ? given::now : System::currentTimeMillis;
            Log log;
            try {
                log = Log.open(store, config.name(), wall, config.maxDriftMillis());
            } catch (dev.logmesh.StoreException e) {
                // the log's file, where the CLI's user knows it: "DIR/log.db: the node id kept in this log ..."
                throw config.dataDir() == null || !ownsStore ? e
                    : new dev.logmesh.StoreException(config.dataDir().resolve("log.db") + ": " + e.getMessage(), e);
            }
            log.clientCursorLimit(config.clientCursors());
            if (given == null) {
                ownLoop = new SystemLoop("logmesh-" + log.nodeId());
                if (config.transport() == null && !config.peers().isEmpty()) {
                    // a node that dials at once: the loop thread is idle until begin() hands it the node's first
                    // tasks, so it makes the digests now, while this thread builds the node (2 cores), not on the
                    // dial's or the first entry's path. A node that only listens meets them later (its first peer):
                    // not on its way to ready (StartupPathTest)
                    ownLoop.execute(MeshNode::warmDigests);
                }
            }
            Loop loop = given != null ? given : ownLoop;
            if (config.keepReason() != null) {
                log.onPreAdd(new KeepReason(config.keepReason()));
            }
            java.util.function.Function<Loop, MessageTransport> make;
            if (config.transport() != null) {
                java.util.function.Function<Loop, Transport> frames = config.transport();
                make = l -> new FrameTransport(java.util.Objects.requireNonNull(frames.apply(l),
                    "the transport factory returned null"), config.maxFrameBytes());
            } else {
                io.netty.handler.ssl.SslContext serverTls = tls(config, true);
                // the dialer's TLS is made at the first wss:// dial unless a trust file must be checked now
                java.util.function.Supplier<io.netty.handler.ssl.SslContext> clientTls = config.tlsTrust() != null
                    ? constant(tls(config, false)) : lazyTls(config);
                // channels on the node's own loop thread: no hand-off between threads (README "One thread per node")
                SystemLoop io = ownLoop != null ? ownLoop : internals.sharedLoop();
                WsTransport.Limits limits = WsTransport.Limits.DEFAULT
                    .withUpgrades(config.upgradeTimeoutMillis(), config.maxPendingUpgrades());
                make = l -> WsTransport.lazyClientTls(l, io == null ? null : io.ioGroup(), config.maxFrameBytes(),
                    serverTls, clientTls, log.nodeId(), limits).clientFrames(config.maxClientFrameBytes(), config.clientFrameBudgetBytes());
            }
            MeshNode node = new MeshNode(config, loop, ownLoop, ownsStore, log, make, internals);
            node.listeners.addAll(initial);
            try {
                node.begin();
            } catch (IOException | RuntimeException e) {
                node.close();
                throw e;
            }
            return node;
        } catch (IOException | RuntimeException e) {
            if (ownLoop != null) {
                ownLoop.close(); // idempotent: node.close() may have closed it
            }
            if (ownsStore) {
                try {
                    store.close(); // idempotent: node.close() may have closed it
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                    undo = null; // what could not be closed stays, as it is
                }
            }
            undoQuietly(undo, e);
            throw e;
        }
    }

    /** Runs {@code undo} (if any) of a refused start, adding a failure of its own to {@code cause}. */
    private static void undoQuietly(dev.logmesh.internal.store.DataDir.Undo undo, Exception cause) {
        if (undo == null) {
            return;
        }
        try {
            undo.undo();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static <T> java.util.function.Supplier<T> constant(T value) {
        return () -> value;
    }

    /** The dialer's TLS settings, made once when first asked for (on any thread). */
    private static java.util.function.Supplier<io.netty.handler.ssl.SslContext> lazyTls(NodeConfig config) {
        java.util.concurrent.atomic.AtomicReference<io.netty.handler.ssl.SslContext> made =
            new java.util.concurrent.atomic.AtomicReference<>();
        return () -> made.updateAndGet(c -> {
            if (c != null) {
                return c;
            }
            try {
                return tls(config, false);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** The TLS settings of the listener (null without a certificate) or of the dialer. */
    private static io.netty.handler.ssl.SslContext tls(NodeConfig config, boolean server) throws IOException {
        try {
            if (server) {
                if (config.tlsCert() == null) {
                    return null;
                }
                return io.netty.handler.ssl.SslContextBuilder
                    .forServer(config.tlsCert().toFile(), config.tlsKey().toFile()).build();
            }
            io.netty.handler.ssl.SslContextBuilder b = io.netty.handler.ssl.SslContextBuilder.forClient()
                .endpointIdentificationAlgorithm("HTTPS");
            if (config.tlsTrust() != null) {
                b.trustManager(config.tlsTrust().toFile());
            }
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use the TLS files: " + e.getMessage(), e);
        }
    }

    /**
     * Makes the digests a WebSocket node that dials at start needs at its first connection and its first entry, on
     * the calling thread (the node's own loop, before its first task): the WebSocket handshake's SHA-1 (Netty checks or makes
     * {@code Sec-WebSocket-Accept} with it) and the reconciliation index's SHA-256 ({@link
     * dev.logmesh.internal.reconcile.ItemId}, kept per thread). The first {@code MessageDigest} of a process sets up
     * the JDK's security providers: 10-30 ms of class loading and initialisation on the reference VM (cold46, cold47),
     * which a cold catch-up otherwise paid between its dial and its first entry. Nothing it makes is kept but the
     * loop thread's SHA-256 digest and the classes; a failure changes nothing (the first real use meets it again).
     */
    static void warmDigests() {
        try {
            java.security.MessageDigest.getInstance("SHA1"); // the name Netty's WebSocketUtil asks for
            dev.logmesh.internal.reconcile.ItemId.hashOf("");
        } catch (java.security.NoSuchAlgorithmException | RuntimeException e) {
            LOG.debug("digests not warmed at start: {}", e.toString());
        }
    }

    private void begin() throws IOException {
        if (config.host() != null) {
            try {
                url = transport.listen(config.host(), config.port(), conn -> {
                    if (early != null) {
                        early.add(conn); // the overlay is being set up: its sessions must offer it
                    } else {
                        hub.open(conn, SyncSession.Role.LISTENER, null, null);
                    }
                });
            } catch (IOException | RuntimeException e) {
                transport.close();
                throw e;
            }
        }
        runOnLoop(() -> {
            if (config.overlay() && url != null) {
                overlay = new Overlay(hub, loop, log.nodeId(), overlayAddress(), OverlayConfig.builder()
                    .maxActive(config.maxActive()).maxPassive(config.passiveSize()).build(), transport::dial,
                    new java.util.Random(seed.nextLong())).refusalsTo(this::fireRefusalError);
                overlay.start();
            }
            if (!config.presencePeriod().isZero()) {
                presence = new dev.logmesh.internal.mesh.Presence(hub, loop, log.nodeId(), this::presenceRecord,
                    config.presencePeriod().toMillis(), new java.util.Random(seed.nextLong()), log::reservedNow);
                presence.onRecord(this::presenceReceived);
                presence.start();
            }
            List<MessageConnection> accepted = early;
            early = null;
            for (MessageConnection conn : accepted) {
                hub.open(conn, SyncSession.Role.LISTENER, null, null);
            }
            for (URI peer : config.peers()) {
                Redialer d = new Redialer(hub, loop, log, peer, transport::dial, new java.util.Random(seed.nextLong()),
                    this::fireError).reportUnreachable().pollUntilListening()
                    .refusalsTo(this::fireRefusalError);
                if (overlay != null) {
                    d.onPeer(overlay::staticConnected);
                }
                dialers.add(d);
                d.start();
            }
            sayHorizonAtStart();
            sayRetentionAtStart();
            recordHorizon(); // a start under a wrong clock: the next one still counts from what this one could vouch for
            loop.schedule(HORIZON_RECORD_MILLIS, this::horizonTick);
            sweepWait = loop.schedule(SWEEP_FIRST_MILLIS, this::forgetSeen);
            retentionSoon();
            if (!config.scrubPeriod().isZero()) {
                loop.schedule(Math.min(saturatedMillis(config.scrubPeriod()), SCRUB_FIRST_MILLIS), this::scrubPass);
            }
            if (config.dataDir() != null) {
                loop.schedule(0, this::writeStatus);
            }
            loop.schedule(CURSOR_FLUSH_MILLIS, this::flushCursors);
        });
        if (config.statusPage() != null) {
            startStatusPage();
        }
        if (config.discovery() != null || config.mdns()) {
            if (url == null) {
                throw new IOException("mDNS announces the listening port: a node without one cannot use mDNS");
            }
            startDiscovery();
        }
        // once the node runs: a start that is refused (its port in use, no LAN for mDNS) says only why (before,
        // session 33, these warnings came first, two lines about a node that never ran)
        warnIfOpen(config);
        warnIfOverHeap(config, Runtime.getRuntime().maxMemory());
    }

    /**
     * Warns (SLF4J, logger {@code dev.logmesh.MeshNode}, so the application's logging shows it) about a mesh
     * without a key that others can reach: a node listening beyond loopback, or announcing itself by mDNS.
     */
    static void warnIfOpen(NodeConfig config) {
        if (config.key() != null) {
            return;
        }
        if (config.host() != null && config.transport() == null && !isLoopback(config.host())) {
            // port 0 is chosen at bind time: name the host alone rather than a meaningless ":0"
            LOG.warn("mesh {} has no key: any node that can reach {}{} may read and add actions (give the mesh a "
                + "key, or listen on 127.0.0.1)", config.mesh(), config.host(),
                config.port() == 0 ? "" : ":" + config.port());
        }
        if (config.mdns()) {
            LOG.warn("mesh {} has no key and announces itself by mDNS: any node on the LAN may find it, read and "
                + "add actions (give the mesh a key, or turn mDNS off)", config.mesh());
        }
    }

    /**
     * Warns (SLF4J, logger {@code dev.logmesh.MeshNode}) when a listening node's client frame budget
     * ({@link NodeConfig#clientFrameBudgetBytes()}, bytes) is over a quarter of {@code maxHeapBytes}, this JVM's
     * largest heap: a large client frame takes 3 to 4 times its size of heap while it is read, so clients sending such
     * frames at once could fill the heap and stop the node with an {@code OutOfMemoryError}, which the budget exists
     * to prevent. The default budget (an eighth of the heap) never warns; a budget set by hand, or a client frame
     * limit set above a quarter of the heap (the budget is at least one frame), may. Pure but for the log line.
     */
    static void warnIfOverHeap(NodeConfig config, long maxHeapBytes) {
        long budget = config.clientFrameBudgetBytes();
        if (config.host() == null || maxHeapBytes == Long.MAX_VALUE || budget <= maxHeapBytes / 4) {
            return;
        }
        LOG.warn("mesh {} has a client frame budget ({} MiB, clientFrameBudgetBytes or --client-frame-budget) over a "
            + "quarter of this JVM's largest heap ({} MiB): a large client frame takes 3 to 4 times its size while it "
            + "is read, so clients sending such frames at once may stop the node with an OutOfMemoryError (lower the "
            + "budget or the client frame limit, or raise -Xmx)", config.mesh(), mib(budget), mib(maxHeapBytes));
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }

    /** Whether a listening address is a loopback one (a name that does not resolve is not). */
    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /**
     * What this node announces by mDNS: its listening port, or, with a {@link NodeConfig#publicUrl()}, the port of
     * that URL and the URL itself (TXT {@value DiscoveryBridge#TXT_URL}), which the nodes that find it dial instead
     * of the address they saw. Before session 34 the listening port alone, so a node behind a port forward or a TLS
     * proxy was dialed past it.
     */
    static Announcement announcement(String nodeId, NodeConfig config, URI url) {
        URI pub = config.publicUrl();
        if (pub == null) {
            // a custom transport may have no port
            return Announcement.of(nodeId, config.mesh(), Message.PROTOCOL, url.getPort() > 0 ? url.getPort() : 1);
        }
        return new Announcement(nodeId, config.mesh(), Message.PROTOCOL, pub.getPort(),
            Map.of(DiscoveryBridge.TXT_URL, pub.toString()));
    }

    private void startDiscovery() throws IOException {
        Announcement me = announcement(log.nodeId(), config, url);
        Discovery d;
        if (config.discovery() != null) {
            d = config.discovery().apply(me);
        } else {
            MdnsDiscovery mdns;
            try {
                mdns = MdnsDiscovery.builder(me).interfaces(config.interfaces()).callbackExecutor(loop).build();
            } catch (IllegalStateException e) {
                // no interface named and none up that can multicast (a machine not on a LAN yet, a container or
                // namespace with only loopback): before (session 32) the CLI said "IllegalStateException: no usable
                // IPv4 multicast interface is up; configure one explicitly (an address or an interface name)", exit 1
                throw new IOException("mDNS finds no network to run on: no IPv4 interface but loopback is up that can "
                    + "multicast (this machine is not on a LAN yet?): connect it, name an interface (--interface ADDR), "
                    + "or turn mDNS off (--no-mdns) and give the peers to dial (--peer ws://HOST:PORT)", e);
            }
            LOG.info("mDNS on {}", mdns.interfaces());
            d = mdns;
        }
        discovery = d;
        long bridgeSeed = seed.nextLong();
        runOnLoop(() -> bridge = new DiscoveryBridge(hub, loop, log, transport::dial,
            new java.util.Random(bridgeSeed), this::fireError, overlay).refusalsTo(this::fireRefusalError));
        DiscoveryBridge b = bridge;
        // events may come on the discovery's own thread: the bridge is the loop's
        d.start(new Discovery.Listener() {
            @Override
            public void peerFound(Peer peer) {
                onLoop(() -> b.peerFound(peer));
            }

            @Override
            public void peerLost(String nodeId) {
                onLoop(() -> b.peerLost(nodeId));
            }
        });
    }

    /**
     * [overlay hook] The address the overlay tells other nodes: the configured public URL ({@link
     * NodeConfig.Builder#publicUrl}), else the listening URL, or {@code ws://0.0.0.0:PORT} when the node listens on
     * every interface (the transport then names 127.0.0.1), which the receiving peer replaces with the address the
     * session comes from.
     */
    private String overlayAddress() {
        if (config.publicUrl() != null) {
            return config.publicUrl().toString();
        }
        String host = config.host();
        boolean wildcard = "0.0.0.0".equals(host) || "::".equals(host) || "0:0:0:0:0:0:0:0".equals(host);
        if (wildcard && "127.0.0.1".equals(url.getHost())) {
            return url.getScheme() + "://0.0.0.0:" + url.getPort();
        }
        return url.toString();
    }

    /**
     * Which copy this node is, for the twin notice: its end of the session that was told ({@code ss -tnp} names the
     * process), where it listens and its data directory. Before (clock40) the notice named neither copy's port.
     */
    private String twinSelf(SyncSession told) {
        StringBuilder b = new StringBuilder("in process ").append(ProcessHandle.current().pid());
        String local = told.connection().localEndpoint();
        if (local != null && told.role() == SyncSession.Role.DIALER) {
            b.append(", whose dial came from ").append(local);
        }
        if (url != null) {
            b.append(", listening at ").append(url);
        }
        if (config.dataDir() != null) {
            b.append(", on data directory ").append(config.dataDir());
        }
        return b.toString();
    }

    /**
     * The most seen ids a sweep step looks at: one small transaction per loop turn (issue 12: maintenance in
     * batches); fewer when they take longer than {@link dev.logmesh.internal.log.StepPace#TARGET_NANOS}.
     */
    static final int FORGET_BATCH = 2_000;

    /** The fewest rows a step of the scrub or the seen-id sweep reads, however slow: a pass always moves. */
    static final int MAINTENANCE_MIN_ROWS = 16;

    /** The pace of the running sweep of old seen ids; on the loop. */
    private dev.logmesh.internal.log.StepPace forgetPace;

    /** The pace of the running scrub (entries, then seen ids); on the loop. */
    private dev.logmesh.internal.log.StepPace scrubPace;

    /**
     * When the first sweep of seen ids runs after a start (ms): a second in, past the start's own work (the node is
     * ready, its first adds and sessions are under way; at the loop's first turn its writes raced an application's
     * first ones: StdinAddsTest on CI, session 45). A sweep is safe whenever it
     * runs: it counts from {@link #sweepNow}, which never reads past a time this node can vouch for (its log's last
     * record plus the time run since, or the wall clock when a peer's clock agreed), so it never forgets an id younger
     * than the seen horizon, however wrong the wall clock. Waiting for the first sessions only let a peer vouch for a
     * later time; a peer that does so later starts a sweep then ({@link #checkPeerClocks}). Before (session 44) the
     * first sweep waited 5 min, and a memory node that started full of forgotten ids stayed full that long.
     */
    static final long SWEEP_FIRST_MILLIS = 1_000;

    /**
     * The time the seen sweep and the reconciliation cutoff count from ({@link HorizonClock}): the wall clock, never
     * past a time this node can vouch for (what its log recorded in the last life, or the wall clock when a peer's
     * clock last agreed with it) plus the monotonic time since. Created before the loop runs, then the loop's.
     */
    private final HorizonClock horizonClock;

    /**
     * The time the seen sweep counts from, in ms ({@link HorizonClock#now}), after asking the connected peers' clocks
     * ({@link #checkPeerClocks}). A wall clock stepped forward past the seen horizon while the node runs (break38), or
     * already ahead when it started (clock40), would otherwise make every seen id look old: the sweep forgot the ids
     * of every cleaned action, which peers that hold them then gave to this node again (each applied twice), and the
     * reconciliation index dropped every id, so each round fetched the whole log again ({@code SeenSweepClockStepTest}).
     */
    private long sweepNow() {
        checkPeerClocks();
        return horizonClock.now();
    }

    /** How far the wall clock may read past the time the node can vouch for before the node says so, ms. */
    private static final long HORIZON_SAY_AHEAD_MILLIS = HOUR;

    /**
     * How often the node asks its peers' clocks and keeps the time it can vouch for in its log ({@link
     * HorizonClock#STATE_KEY}), ms: a node killed (kill -9, a power cut) restarts counting from at most this much
     * before it died. One small state write a minute, off the add path. Before (clock41) the time was kept at start,
     * at each sweep (5 min after start, then hourly) and at close, so a node killed 55 min after a sweep lost 55 min.
     */
    static final long HORIZON_RECORD_MILLIS = 60_000L;

    /** What the node said last of its clock against the time it can vouch for ({@link #checkPeerClocks}); loop only. */
    private enum HorizonTold {
        /** Nothing: the wall clock reads within {@link #HORIZON_SAY_AHEAD_MILLIS} of the time vouched for. */
        NOTHING,
        /** That the wall clock reads past it and no peer's clock has confirmed it yet (INFO). */
        UNCONFIRMED,
        /** That a connected peer's clock differs from this node's by more than the drift bound (WARN). */
        PEER_DIFFERS
    }

    private HorizonTold horizonTold = HorizonTold.NOTHING;

    /**
     * Says once at start (INFO) when the wall clock reads more than {@link #HORIZON_SAY_AHEAD_MILLIS} past the time
     * the log recorded in its last life: from this node alone, a node that was off that long and a clock that is
     * ahead look alike, so it blames neither (before, clock41, a node with a right clock that had been off a day was
     * told at its first sweep, in a WARN, to set its clock right).
     */
    private void sayHorizonAtStart() {
        long ahead = horizonClock.wallAhead();
        if (ahead > HORIZON_SAY_AHEAD_MILLIS) {
            horizonTold = HorizonTold.UNCONFIRMED;
            LOG.info("this node's log last recorded the time {}, {} before its clock reads now: the node was off that "
                + "long, or its clock is ahead. Until a peer's clock agrees with this node's (within --max-drift, {}), "
                + "the seen sweep and retention by age count from the recorded time plus the time run since, so no "
                + "seen id is forgotten and no entry cleaned early", instant(horizonClock.vouched()), approximately(ahead),
                approximately(config.maxDriftMillis()));
        }
    }

    /**
     * Asks the connected peers' clocks ({@link HorizonClock#peerClock}: one that agrees within the drift bound vouches
     * for this node's wall clock) and says, once each time it changes, what the node knows of its clock against the
     * time it can vouch for: a peer confirmed it (INFO, only after something else was said); a connected peer's clock
     * differs by more than the drift bound while the wall clock reads more than {@link #HORIZON_SAY_AHEAD_MILLIS} past
     * that time (WARN naming the peer and the offset: a clock to set right); no peer to ask while it reads that far
     * past, after a clock set forward or a machine suspended while the node ran (INFO). Loop only.
     */
    private void checkPeerClocks() {
        long ahead = horizonClock.wallAhead();
        String differs = null;
        long differsBy = 0;
        for (String p : hub.connectedPeers()) {
            SyncSession s = hub.session(p);
            if (s == null || s.clockRoundTrip() < 0) {
                continue;
            }
            if (horizonClock.peerClock(s.clockOffset())) {
                if (horizonTold != HorizonTold.NOTHING) {
                    LOG.info("peer {}'s clock agrees with this node's (within --max-drift, {}): the seen sweep and "
                        + "retention by age count from this node's clock again, {} past the time it could vouch for "
                        + "before", p,
                        approximately(config.maxDriftMillis()), approximately(ahead));
                    horizonTold = HorizonTold.NOTHING;
                    sweepSoon(); // the ids the time vouched for before kept are forgotten now, not at the next period
                }
                return;
            }
            if (differs == null || Math.abs(s.clockOffset()) < Math.abs(differsBy)) {
                differs = p;
                differsBy = s.clockOffset();
            }
        }
        if (ahead <= HORIZON_SAY_AHEAD_MILLIS) {
            horizonTold = HorizonTold.NOTHING; // a clock set back near the time vouched for: nothing left to say
            return;
        }
        if (differs != null && horizonTold != HorizonTold.PEER_DIFFERS) {
            horizonTold = HorizonTold.PEER_DIFFERS;
            LOG.warn("this node's clock reads {} {} peer {}'s (more than --max-drift, {}) and {} past the time this node "
                + "can vouch for ({}: its log's last record, or a peer's clock that last agreed, plus the time run "
                + "since): {}; set it right (NTP). Until a peer's clock agrees with this node's, the seen sweep and "
                + "retention by age count from that time, so actions this node cleaned are not taken again and none is "
                + "cleaned early",
                approximately(Math.abs(differsBy)), differsBy > 0 ? "ahead of" : "behind", differs,
                approximately(config.maxDriftMillis()), approximately(ahead), instant(horizonClock.vouched()),
                differsBy > 0 ? "this node's clock is likely ahead" : "one of the two clocks is wrong");
        } else if (differs == null && horizonTold == HorizonTold.NOTHING) {
            horizonTold = HorizonTold.UNCONFIRMED;
            LOG.info("this node's clock moved {} past the time it can vouch for ({}: its log's last record, or a peer's "
                + "clock that last agreed, plus the time run since) while the node ran: the clock was set forward, or "
                + "the machine was suspended. Until a peer's clock agrees with this node's (within --max-drift, {}), "
                + "the seen sweep and retention by age count from that time, so no seen id is forgotten and no entry "
                + "cleaned early", approximately(ahead),
                instant(horizonClock.vouched()), approximately(config.maxDriftMillis()));
        }
    }

    /**
     * Whether a peer's clock has agreed with this node's ({@link HorizonClock#confirmed()}), the connected peers'
     * clocks asked first: a reconciliation round's responder trusts its own horizon only then. Loop only.
     */
    private boolean horizonConfirmed() {
        if (!horizonClock.confirmed()) {
            checkPeerClocks();
        }
        return horizonClock.confirmed();
    }

    /** Every {@link #HORIZON_RECORD_MILLIS}: asks the peers' clocks and keeps the time vouched for in the log. */
    private void horizonTick() {
        if (closed || storeUntouchable()) {
            return;
        }
        checkPeerClocks();
        if (!recordHorizon()) {
            return; // the store was closed under the node
        }
        loop.schedule(HORIZON_RECORD_MILLIS, this::horizonTick);
    }

    /** Whether the last {@link #recordHorizon} failed (said once, until one works again); loop only. */
    private boolean horizonRecordFailed;

    /**
     * Keeps {@link HorizonClock#now} in the log for the next start ({@link HorizonClock#recorded}). A write that fails
     * (a full disk) is said once in a WARN, and once in an INFO when one works again; the node goes on: what it costs
     * is that a start after a kill counts from the last time kept. Loop only.
     *
     * @return false when the store was closed under the node (said by {@link #storeClosed})
     */
    private boolean recordHorizon() {
        try {
            horizonClock.record(log.store());
        } catch (dev.logmesh.StoreException e) {
            if (!horizonRecordFailed) {
                horizonRecordFailed = true;
                LOG.warn("cannot keep the seen horizon's time in the log: {}; the node goes on and tries again every "
                    + "minute (until then, a restart after a kill counts the seen horizon from the last time kept)",
                    e.getMessage());
            } else {
                LOG.debug("cannot keep the seen horizon's time in the log: {}", e.getMessage());
            }
            return true;
        } catch (RuntimeException e) {
            if (!log.storeClosed()) {
                throw e;
            }
            storeClosed(e);
            return false;
        }
        if (horizonRecordFailed) {
            horizonRecordFailed = false;
            LOG.info("the seen horizon's time is kept in the log again");
        }
        return true;
    }

    /** A time for a log line: the instant to the second ({@code 2026-12-05T14:56:54Z}). */
    private static java.time.Instant instant(long millis) {
        return java.time.Instant.ofEpochMilli(millis).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** A duration in words for a log line: "31 d 2 h", "3 h 12 min", "5 min 3 s". */
    static String approximately(long millis) {
        java.time.Duration d = java.time.Duration.ofMillis(Math.max(0, millis));
        if (d.toDays() > 0) {
            return d.toDays() + " d " + d.toHoursPart() + " h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }

    /** How often retention ({@link NodeConfig#keepLast()}, {@link NodeConfig#keepFor()}) looks for entries to clean. */
    static final long RETENTION_PERIOD_MILLIS = 1_000;

    /** Whether a run of {@link #retentionStep} is under way (its next step scheduled at the next turn); loop only. */
    private boolean retentionRunning;
    /** The wait for the next period's retention run, or null while a run is under way; loop only. */
    private Loop.Cancellable retentionWait;

    /**
     * Says at start what of the node's retention is legal but likely not what was meant ({@code error} events and WARN
     * lines): a {@link
     * NodeConfig#keepFor()} under {@link NodeConfig#SHORT_KEEP_FOR}, and a {@link NodeConfig#keepLast()} that the
     * memory store's budget cannot hold even of the smallest actions (then {@link #budgetAdvice} is not said again).
     * Before (session 43), {@code --keep-for 1ms} was taken without a word and cleaned everything at once, and a
     * {@code --keep-last} too large for {@code --memory-limit} was never mentioned. Loop only.
     */
    private void sayRetentionAtStart() {
        java.time.Duration keepFor = config.keepFor();
        if (!keepFor.isZero() && keepFor.compareTo(NodeConfig.SHORT_KEEP_FOR) < 0) {
            String d = NodeConfig.words(keepFor);
            fireWarning("keep for (keepFor, --keep-for) " + d + " is short: this node cleans an action " + d + " after "
                + "its origin made it (by the origin's clock), so one that arrives later (from a peer that was away, or "
                + "whose clock is behind this node's by more) is cleaned within a second of arriving, and a peer away "
                + "longer than " + d + " gets the older actions from other nodes only; give "
                + NodeConfig.words(NodeConfig.SHORT_KEEP_FOR) + " or more unless that is what you want");
        }
        MemoryStore budgeted = budgetedStore();
        if (budgeted != null) {
            long least = MemoryStore.ENTRY_BYTES + MemoryStore.REASON_BYTES + SMALLEST_ACTION_CHARS;
            long fit = budgeted.budget() / least;
            if (config.keepLast() > 0 && config.keepLast() > fit) {
                budgetAdvised = true;
                String line = "keep last (keepLast, --keep-last) " + config.keepLast() + " cannot be held in the "
                    + "memory limit (memoryLimit, --memory-limit) " + MemoryStore.mib(budgeted.budget()) + ": an action "
                    + "takes at least " + least + " bytes of it, so it holds at most " + fit + " of the smallest "
                    + "actions, and adds are refused once it is full until retention can clean; raise the memory limit "
                    + "to at least " + sizeOption(least * config.keepLast()) + " for " + config.keepLast()
                    + " such actions (more for larger ones), or lower keep last to at most " + fit;
                fireError(line);
            }
        }
    }

    /**
     * The shortest seen horizon the memory advice offers, 1 min: the command line's least {@code --seen-horizon}.
     * Advice at it names a larger memory limit or a store on disk, which can be followed (before, session 44, it said
     * "remember them for less" to a node at that least).
     */
    private static final java.time.Duration LEAST_ADVISED_SEEN_HORIZON = java.time.Duration.ofMinutes(1);

    /** The characters of the smallest action, {@code {"type":""}}: for the least an entry takes of a memory budget. */
    private static final long SMALLEST_ACTION_CHARS = 11;

    /** Whether {@link #budgetAdvice} or {@link #sayRetentionAtStart} said that keep last does not fit; loop only. */
    private boolean budgetAdvised;

    /** The memory store this node made with a budget ({@link NodeConfig#memoryLimit()}) and keeps last by, or null. */
    private MemoryStore budgetedStore() {
        return retains() && ownsStore && config.dataDir() == null
            && log.store() instanceof MemoryStore m && m.budget() != MemoryStore.NO_BUDGET ? m : null;
    }

    /**
     * A write failed ({@link #storeFailed}) on a memory node with retention whose budget is used: when the ids of
     * cleaned entries take most of it, retention cannot make room and the node says so; else when the log holds no
     * more than {@link
     * NodeConfig#keepLast()} entries and that many (of the size it holds) do not fit in the budget, the memory budget
     * is too small for them, and the node says so once, with numbers and both settings (an {@code error} event and
     * WARN line). Before (session 43) only "the memory store is full" was said, with no word of keep last; before
     * break48 it was said also when keep last fitted and a peer's batch was larger than the room left, with a limit
     * below the node's own and a keep last above it. Loop only.
     */
    private void budgetAdvice() {
        MemoryStore m = budgetedStore();
        long size = log.size();
        if (budgetAdvised || m == null || size == 0) {
            return;
        }
        long seenBytes = m.used() - m.heldBytes(); // the ids of cleaned entries, remembered for the seen horizon
        if (seenBytes > m.budget() / 2) {
            // the ids, not the entries, fill the budget: no keep last makes room (break44: --memory-limit 40k
            // --keep-last 5 refused line 411 of small actions, and the advice said to lower keep last to 4)
            budgetAdvised = true;
            fireError("the log is full at " + size + " actions: the ids of " + seenBytes / MemoryStore.SEEN_ID_BYTES
                + " cleaned actions take " + MemoryStore.mib(seenBytes) + " of the memory store's "
                + MemoryStore.mib(m.budget()) + " budget (" + MemoryStore.SEEN_ID_BYTES + " bytes each: the node "
                + "remembers them for " + NodeConfig.words(config.seenHorizon()) + ", so that one coming back is not "
                + "applied again), and retention cannot make room by cleaning more; give a larger memory limit "
                + "(--memory-limit, memoryLimit) that holds the ids of every action cleaned in " + NodeConfig.words(
                config.seenHorizon()) + " (" + MemoryStore.SEEN_ID_BYTES + " bytes an action)"
                + (config.seenHorizon().compareTo(LEAST_ADVISED_SEEN_HORIZON) > 0 ? ", remember them for less "
                    + "(--seen-horizon, seenHorizon, at least " + NodeConfig.words(LEAST_ADVISED_SEEN_HORIZON)
                    + ": a peer that sends one again after that has it applied again)" : "")
                + ", or keep the log on disk in a SQLite store (--data DIR, dataDir)" + RESTART_LOSES);
            return;
        }
        if (config.keepLast() == 0 || size > config.keepLast()) {
            return;
        }
        long perAction = Math.max(1, m.heldBytes() / size);
        long need = seenBytes + perAction * (config.keepLast() + 1);
        long fit = Math.max(0, (m.budget() - seenBytes) / perAction - 1);
        if (fit >= config.keepLast()) {
            // keep last fits: what failed was a write larger than the room left (a peer's batch), which the held
            // batch and retention deal with (break48: "raise the memory limit to about 139k" to a 300k node)
            return;
        }
        budgetAdvised = true;
        fireError("the log is full at " + size + " actions (the memory store's " + MemoryStore.mib(m.budget())
            + " budget, about " + perAction + " bytes an action" + (seenBytes > 0 ? ", and " + MemoryStore.mib(seenBytes)
            + " for the ids of cleaned actions" : "") + "), so it cannot hold the " + config.keepLast() + " that keep "
            + "last (keepLast, --keep-last) keeps and one more being added; adds are refused while it is full: raise "
            + "the memory limit (memoryLimit, --memory-limit) to about " + sizeOption(need) + " for "
            + config.keepLast() + " such actions, or lower keep last to at most " + fit + RESTART_LOSES);
    }

    /**
     * What the full-memory advice adds (both its options take effect at a restart): that a memory node's log does not
     * outlive it. Before (session 46) the advice said to raise the limit and not that the restart it takes empties the
     * log, so an operator could lose the actions that only this node held.
     */
    static final String RESTART_LOSES = "; each takes effect at a restart, and a memory node restarts with an empty "
        + "log: its peers send it back what they hold, but its actions that no peer has acknowledged yet are lost "
        + "(logmesh peers shows, per peer, how many are not acknowledged)";

    /** Bytes as --memory-limit takes them, rounded up: "263k", "12m". */
    static String sizeOption(long bytes) {
        if (bytes <= 1L << 20) {
            return ((bytes + 1023) >> 10) + "k";
        }
        if (bytes <= 1L << 30) {
            return ((bytes + (1L << 20) - 1) >> 20) + "m";
        }
        return ((bytes + (1L << 30) - 1) >> 30) + "g";
    }

    /** Whether this node cleans by a retention of its own ({@link NodeConfig#keepLast()}, {@link NodeConfig#keepFor()}). */
    private boolean retains() {
        return config.keepLast() > 0 || !config.keepFor().isZero();
    }

    /**
     * Runs retention at the loop's next turn unless a run is under way: a refused add (a full memory budget or disk)
     * need not wait for the next period to find the room that retention makes. Loop only.
     */
    private void retentionSoon() {
        if (!retains() || retentionRunning || closed) {
            return;
        }
        if (retentionWait != null) {
            retentionWait.cancel();
            retentionWait = null;
        }
        retentionRunning = true;
        loop.schedule(0, () -> retentionStep(null, 0));
    }

    /** Ends a retention run: the next one a period later. */
    private void retentionRest() {
        retentionRunning = false;
        retentionWait = loop.schedule(RETENTION_PERIOD_MILLIS, () -> {
            retentionWait = null;
            retentionRunning = true;
            retentionStep(null, 0);
        });
    }

    /**
     * One step of retention: reads at most {@link NodeConfig#RETENTION_BATCH} entries from the oldest (created order,
     * after {@code after}) and removes the keep reason from those retention drops (over {@link NodeConfig#keepLast()},
     * or older than {@link NodeConfig#keepFor()}), in one {@code removeReason} range; the next step runs at the loop's
     * next turn while there is more to read, else the run ends ({@link #retentionRest}). Loop only.
     *
     * @param after the last entry read by the previous step of this run, or null to start from the oldest
     * @param cleaned entries cleaned by this run so far, for its log line
     */
    private void retentionStep(ActionId after, long cleaned) {
        if (closed) {
            return;
        }
        RetentionBatch batch;
        try {
            batch = retentionBatch(after);
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("retention cannot clean the log now ({}); trying again in {} ms", e.getMessage(),
                RETENTION_PERIOD_MILLIS);
            retentionRest();
            return;
        }
        long total = cleaned + batch.cleaned();
        if (batch.more()) {
            // the next batch at the loop's next turn, after its socket I/O and timers (as forgetSeenStep)
            loop.schedule(0, () -> retentionStep(batch.last(), total));
            return;
        }
        if (total > 0) {
            LOG.debug("retention cleaned {} entries (keep last {}, keep for {})", total, config.keepLast(),
                config.keepFor());
        }
        retentionRest();
    }

    /**
     * What one {@link #retentionBatch} did: entries cleaned, whether there is more to read, and the last entry read
     * (where the next batch starts).
     */
    private record RetentionBatch(long cleaned, boolean more, ActionId last) {
    }

    /**
     * Reads at most {@link NodeConfig#RETENTION_BATCH} entries from the oldest (created order, after {@code after})
     * and removes the keep reason from those retention drops (over {@link NodeConfig#keepLast()}, or older than
     * {@link NodeConfig#keepFor()}), in one {@code removeReason} range. Loop only.
     *
     * @throws dev.logmesh.StoreException if the store could not clean
     */
    private RetentionBatch retentionBatch(ActionId after) {
        String keep = config.keepReason();
        long over = config.keepLast() > 0 ? Math.max(0, log.size() - config.keepLast()) : 0;
        AgeCut age = config.keepFor().isZero() ? null : ageCut(saturatedMillis(config.keepFor()));
        ActionId boundary = null;
        ActionId last = null;
        int read = 0;
        long dropping = 0;
        boolean more = false;
        long acked = -1; // the highest position of this log a mesh peer acknowledged, read once it matters
        Boolean keepsMade = null; // whether the node expects peers (keeps what it made until one has it); read once
        long unread = Long.MAX_VALUE; // the highest added every connected mesh session has read; read once
        if (!clientMade.isEmpty()) {
            acked = acknowledgedByAPeer();
            clientMade.headSet(acked, true).clear(); // what a peer has needs no keeping: the set stays small
        }
        if (over > 0 || age != null) {
            for (Entry e : log.entries(dev.logmesh.spi.Order.CREATED, true, after)) {
                if (read == NodeConfig.RETENTION_BATCH) {
                    more = true;
                    break;
                }
                read++;
                last = e.id();
                if (!e.meta().reasons().contains(keep)) {
                    continue; // kept by the application's own reasons: retention leaves it
                }
                if (dropping < over || (age != null && age.past(e.id().ms()))) {
                    if (keepsMade == null) { // once a batch: both read the cursors
                        acked = acked < 0 ? acknowledgedByAPeer() : acked;
                        keepsMade = expectsPeers();
                        unread = readByEveryConnectedPeer();
                    }
                    if (keepsMade && e.meta().added() > acked && originatedHere(e)) {
                        break; // its only copy may be this one: kept until a peer has it (and every later one)
                    }
                    if (e.meta().added() > unread) {
                        break; // a connected peer's session has not read it yet: kept until it has (and every later one)
                    }
                    boundary = e.id();
                    dropping++;
                } else {
                    // the oldest entry retention keeps: every later one is younger, or (after a clock step, AgeCut)
                    // waits for it at most --keep-for of the time the node runs
                    break;
                }
            }
        }
        long cleaned = 0;
        if (boundary != null) {
            // the range read above (and anything older added since, which retention would drop too)
            cleaned = (long) log.removeReason(keep, dev.logmesh.Criteria.ALL.olderThan(boundary))
                + log.removeReason(keep, dev.logmesh.Criteria.id(boundary));
        }
        return new RetentionBatch(cleaned, more, last);
    }

    /**
     * Which entries retention by age ({@link NodeConfig#keepFor()}) takes for older than it, by the time in their id
     * (ms): one made where this node can vouch for the time ({@link HorizonClock}: up to {@link HorizonClock#vouched()}
     * plus the drift bound) is older than {@code --keep-for} by the time the seen sweep counts from ({@link
     * HorizonClock#now()}); one made past that (after the wall clock was set forward, by this node or a peer whose
     * clock agrees with it) by the wall clock. So a clock stepped forward while the node runs cleans nothing made
     * before the step early (before, break53, counted on the wall clock alone: a relay keeping 2 h whose clock stepped a
     * day forward cleaned within a second all it held, made a minute before, and a node joining through it got none of
     * it), and what is made after the step, or after a restart that the node cannot vouch for (it was off, or its clock
     * is ahead: nothing tells with no peer), is cleaned on time (break53b: counted on the vouched time alone, such
     * entries were kept {@code --keep-for} plus the step or the time off, stacking over restarts, and a memory node
     * that makes room by retention refused adds). A clock set back counts from it at once.
     *
     * @param edgeMs the last entry time made where the node can vouch for it ({@link HorizonClock#vouched()} plus the
     *               drift bound), ms
     * @param vouchedCut entries up to it by that side older than --keep-for: {@link HorizonClock#now()} minus it, ms
     * @param wallCut    entries past {@code edgeMs} older than it: the wall clock minus --keep-for, ms
     */
    private record AgeCut(long edgeMs, long vouchedCut, long wallCut) {
        /** Whether an entry whose id has time {@code ms} is older than --keep-for. */
        boolean past(long ms) {
            return ms <= edgeMs ? ms < vouchedCut : ms < wallCut;
        }
    }

    /** Retention by age's cut now ({@link AgeCut}) for a --keep-for of {@code keepMillis}; loop only. */
    private AgeCut ageCut(long keepMillis) {
        long edge = horizonClock.vouched() + config.maxDriftMillis();
        return new AgeCut(edge, horizonClock.now() - keepMillis, loop.now() - keepMillis);
    }

    /**
     * The highest {@code added} of this log that any mesh peer acknowledged (its cursor's {@code sent}): every entry at
     * or under it, but for those the peer sent here, is on that peer too. Loop only.
     */
    private long acknowledgedByAPeer() {
        long max = 0;
        for (dev.logmesh.spi.PeerCursor c : log.cursors().values()) {
            max = Math.max(max, c.sent());
        }
        return max;
    }

    /**
     * The highest {@code added} of this log that every connected mesh session's pump has read ({@link
     * SyncSession#meshAcknowledged}: with batches in flight, only what the peer acknowledged), {@link Long#MAX_VALUE}
     * with none connected. Retention cleans nothing above it: an
     * entry a peer sent here is also on that peer, but a node connected only through this one (a chain, {@code
     * --no-overlay}) gets it from here alone, and before (break47: A -> B -> C, B {@code --keep-for 3s}) B cleaned
     * actions that reached it old before its session with C read them, so C, connected all along, missed 11 of 400.
     * A peer this node stops sending to (it cannot write its log) holds retention back with it until it has room: the
     * node's own budget or disk then fills and it holds its senders in turn, rather than drop what C has not had.
     * A mesh peer whose session ended in the last {@link #LEFT_PEER_GRACE_MILLIS} counts at what it acknowledged.
     * Loop only.
     */
    private long readByEveryConnectedPeer() {
        long min = Long.MAX_VALUE;
        java.util.Set<String> connected = new java.util.HashSet<>();
        for (SyncSession s : hub.sessions()) {
            // what it acknowledged while batches are in flight, not only what was sent: a session that ends before
            // their synced (a stalled link, a timeout) leaves the peer's next session to start at its cursor
            // (break48b: B cleaned what it had sent C and C had not acknowledged while the session still stood; the
            // grace below then had nothing left to keep)
            long read = s.meshAcknowledged();
            if (read >= 0) {
                min = Math.min(min, read);
                connected.add(s.peerNode());
            }
        }
        if (!peersLeftAt.isEmpty()) {
            forgetPeersLeftLongAgo();
            Map<String, dev.logmesh.spi.PeerCursor> cursors = log.cursors();
            for (String peer : peersLeftAt.keySet()) {
                dev.logmesh.spi.PeerCursor c = cursors.get(peer);
                if (c != null && !connected.contains(peer)) {
                    min = Math.min(min, c.sent()); // what it acknowledged: its next session starts there
                }
            }
        }
        return min;
    }

    /**
     * How long a mesh peer whose session ended holds retention back at what it acknowledged ({@link
     * #readByEveryConnectedPeer}), ms: 2 minutes, longer than a session's timeout and the first redials. Before
     * (break48: A -> B -> C, B {@code --memory --keep-last 300}, 8,000 actions) C's session with B dropped now and then
     * under load, B cleaned in the gaps what C had not had, and C ended with 6,925 of 8,000. A peer away for longer is
     * what retention gives up (README, Retention).
     */
    static final long LEFT_PEER_GRACE_MILLIS = 120_000;

    /**
     * The mesh peers (with a cursor here) whose session ended in the last {@link #LEFT_PEER_GRACE_MILLIS}, each with
     * when (monotonic ms); only with retention. Loop only.
     */
    private final Map<String, Long> peersLeftAt = new java.util.HashMap<>();

    /** Removes from {@link #peersLeftAt} the peers that left over the grace ago; returns now (monotonic ms). */
    private long forgetPeersLeftLongAgo() {
        long now = loop.monotonicMillis();
        peersLeftAt.values().removeIf(at -> now - at > LEFT_PEER_GRACE_MILLIS);
        return now;
    }

    /**
     * Whether the node expects mesh peers: it has a {@code --peer}, mDNS, a discovery, or a peer's cursor. Loop only.
     */
    private boolean expectsPeers() {
        return !config.peers().isEmpty() || config.mdns() || config.discovery() != null || !log.cursors().isEmpty();
    }

    /**
     * The {@code added} of the entries Logux clients of this node added that no mesh peer had acknowledged when last
     * looked at (retention keeps them, {@link #originatedHere}); trimmed to those above {@link #acknowledgedByAPeer}
     * by each retention batch. Kept only with retention, in memory: after a restart an entry a client made is known
     * by its cursor record only. Loop only.
     */
    private final java.util.TreeSet<Long> clientMade = new java.util.TreeSet<>();

    /**
     * Whether retention must keep an entry until a mesh peer has acknowledged it, on a node that {@link #expectsPeers}:
     * the entry may have no copy on any peer, because it
     * was made here (its id's node is this node's) or a Logux client of this node added it (this life, or one it keeps
     * a cursor for). An entry a mesh peer sent here is on that peer. A node that expects no peer cleans what it made,
     * as asked. Before (break43) retention cleaned stdin lines added before the first session, and they were on no
     * node. Loop only.
     */
    private boolean originatedHere(Entry e) {
        if (e.id().node().equals(log.nodeId()) || clientMade.contains(e.meta().added())) {
            return true;
        }
        dev.logmesh.internal.edge.ClientId client = dev.logmesh.internal.edge.ClientId.of(e.id());
        return client.hasTab() && log.clientCursor(client.clientId()).isPresent();
    }

    /**
     * The log's {@link Log#onFull}: an add (local, a peer's or a client's batch) found the log full, so retention
     * cleans what it drops now, at most {@link #MAX_ROOM_BATCHES} batches from the oldest, and the add is tried
     * again if that cleaned anything. Before, the add was refused until the next period's run: a flood filled a
     * {@code --memory} node within that second, and a sender's batch refused so ended its session. Loop only.
     *
     * @return whether anything was cleaned
     */
    private boolean makeRoom() {
        if (closed) {
            return false;
        }
        ActionId after = null;
        try {
            for (int i = 0; i < MAX_ROOM_BATCHES; i++) {
                RetentionBatch b = retentionBatch(after);
                if (b.cleaned() > 0) {
                    LOG.debug("the log was full: retention cleaned {} entries at once", b.cleaned());
                    return true;
                }
                if (!b.more()) {
                    break;
                }
                after = b.last();
            }
        } catch (dev.logmesh.StoreException e) {
            LOG.debug("the log is full and retention cannot clean it now: {}", e.getMessage());
        }
        return false;
    }

    /** The most batches {@link #makeRoom} reads past entries retention keeps (an application's reasons). */
    private static final int MAX_ROOM_BATCHES = 4;

    /** The wait for the next sweep of seen ids, or null while a sweep runs; loop only. */
    private Loop.Cancellable sweepWait;

    /** Starts a sweep of seen ids at the loop's next turn unless one is under way. Loop only. */
    private void sweepSoon() {
        if (sweepWait == null || closed) {
            return; // a sweep runs: the next one counts from the time vouched for then
        }
        sweepWait.cancel();
        sweepWait = loop.schedule(0, this::forgetSeen);
    }

    /** Schedules the next sweep of seen ids a period ({@link #seenSweepMillis}) from now. Loop only. */
    private void sweepLater() {
        sweepWait = loop.schedule(seenSweepMillis(), this::forgetSeen);
    }

    /** Starts a sweep of seen ids older than the horizon (every {@link #seenSweepMillis}): one batch per loop turn. */
    private void forgetSeen() {
        sweepWait = null;
        if (closed) {
            return;
        }
        long now = sweepNow();
        recordHorizon(); // the next start counts from here (HorizonClock.recorded)
        forgetSeenStep(now - saturatedMillis(config.seenHorizon()), null, 0);
    }

    private void forgetSeenStep(long beforeMs, ActionId after, long forgotten) {
        if (closed) {
            return;
        }
        if (after == null) {
            forgetPace = new dev.logmesh.internal.log.StepPace(MAINTENANCE_MIN_ROWS, FORGET_BATCH, System::nanoTime);
        }
        dev.logmesh.spi.Store.ForgetBatch batch;
        int limit = forgetPace.limit();
        long started = forgetPace.start();
        try {
            batch = log.forgetSeenBatch(beforeMs, after, limit);
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("cannot forget old seen ids now ({}); trying again in {}", e.getMessage(),
                NodeConfig.words(java.time.Duration.ofMillis(seenSweepMillis())));
            sweepLater();
            return;
        }
        long total = forgotten + batch.forgotten();
        if (batch.last() != null) {
            forgetPace.took(started, limit);
            // the next batch at the loop's next turn, after its socket I/O and timers: scheduled, not posted with
            // execute(), which Netty runs back to back (for up to 1 s) before it reads sockets again
            loop.schedule(0, () -> forgetSeenStep(beforeMs, batch.last(), total));
            return;
        }
        if (total > 0) {
            LOG.info("forgot {} seen ids older than the seen horizon (--seen-horizon, seenHorizon) {}", total,
                NodeConfig.words(config.seenHorizon()));
            if (!health.writable() && budgetedStore() != null) {
                // the ids took a memory node's budget: forgetting them made room, as a clean does (roomMade)
                idsForgottenWhileFull += total;
                roomCheckSoon();
            }
        }
        if (broadcast.reconciler() != null) {
            broadcast.reconciler().trim(sweepNow());
        }
        sweepLater();
    }

    /**
     * The period of the sweep of seen ids (ms): half the seen horizon, from 1 s to an hour, so that the ids of cleaned
     * actions are forgotten at most that long after their horizon. Before (break44) it was an hour whatever the
     * horizon: a memory node with {@code --seen-horizon 1m} whose budget those ids filled stayed full for up to an hour
     * more (a trial: {@code --memory --memory-limit 40k --keep-last 5 --seen-horizon 1m}, 1,000 stdin lines, line 411
     * on never added in 95 s).
     */
    private long seenSweepMillis() {
        return Math.min(HOUR, Math.max(1_000L, saturatedMillis(config.seenHorizon()) / 2));
    }

    /**
     * The most entries (or seen ids) a scrub step reads: one indexed range read per loop turn. 1,000 SQLite rows of
     * 100 bytes took 3.3-4.3 ms a step at a load average of 10 on 2 cores (session 34, 100,000 rows), so a step reads
     * fewer when they take longer than {@link dev.logmesh.internal.log.StepPace#TARGET_NANOS} (session 42).
     */
    static final int SCRUB_BATCH = 500;

    /** How long a scrub step waits for a store that said it is busy. */
    static final long SCRUB_BUSY_MILLIS = 100;

    /** When the first scrub starts at the latest: past a cold start's catch-up. */
    static final long SCRUB_FIRST_MILLIS = 10_000;

    /**
     * The scrub of the running pass that reads off the loop ({@link dev.logmesh.spi.Store#scrubber}), or null (between
     * passes, or a store without one); on the loop. Its reads run on {@link #scrubReads}, one at a time.
     */
    private volatile dev.logmesh.spi.Store.Scrubber scrubber;

    /**
     * Where a {@link #scrubber}'s reads run: a thread of the node's own ({@code logmesh-scrub <node id>}, a daemon,
     * made with the first pass and stopped by the close) on a node's own loop; the loop itself on a loop given to the
     * node ({@code NodeConfig.Builder.loop}: the test kit's manual loop, which runs a whole mesh deterministically on
     * one thread). Made and stopped on the loop; volatile for the close, which waits for it to end.
     */
    private volatile java.util.concurrent.ExecutorService scrubThread;

    /**
     * Where the client sessions' channel replays read the log off the loop (its thread {@code logmesh-replay <node
     * id>}, made with the first replay), or null on a loop given to the node; closed by the close after the loop.
     */
    private final dev.logmesh.internal.edge.ReplayReads replayReads;

    /**
     * Begins a pass of the scrub: off the loop when the store has a scrubber ({@link #scrubOffLoop}), else on the loop
     * as before ({@link #scrubStep}). Before (session 43) every pass read on the loop, and a peer's round trip waited
     * for each step: the SQLite rtt window that met the first scrub had a p99 of 1.8-4.1 ms against 1.6-1.9 ms
     * without it (docs/performance.md, session 42).
     */
    private void scrubPass() {
        if (closed) {
            return;
        }
        dev.logmesh.spi.Store.Scrubber s;
        try {
            s = log.scrubber();
        } catch (dev.logmesh.StoreException e) {
            LOG.debug("the scrub reads on the loop this time: cannot open its own reader ({})", e.getMessage());
            s = null;
        }
        if (s == null) {
            scrubStep(0, 0);
            return;
        }
        scrubber = s;
        scrubPace = new dev.logmesh.internal.log.StepPace(MAINTENANCE_MIN_ROWS, SCRUB_BATCH, System::nanoTime);
        scrubOffLoop(s, 0);
    }

    /** Where the scrubber's reads run ({@link #scrubThread}); loop only. */
    private java.util.concurrent.Executor scrubReads() {
        if (!(loop instanceof dev.logmesh.internal.net.SystemLoop)) {
            return loop;
        }
        if (scrubThread == null) {
            String name = "logmesh-scrub " + log.nodeId();
            scrubThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
        return scrubThread;
    }

    /**
     * One step of a scrub pass off the loop: the scrubber reads {@link #scrubPace}'s count of rows on
     * {@link #scrubReads}, and hands what it found to the loop ({@link #scrubbed}), which sets aside what is still
     * damaged there and starts the next step. The pace (not thread-safe) goes with the step: the scrub thread uses it
     * while the loop does not.
     */
    private void scrubOffLoop(dev.logmesh.spi.Store.Scrubber s, long steps) {
        dev.logmesh.internal.log.StepPace pace = scrubPace;
        try {
            scrubReads().execute(() -> {
                int limit = pace.limit();
                long started = pace.start();
                dev.logmesh.spi.Store.ScrubRead read = null;
                RuntimeException failure = null;
                try {
                    read = s.next(limit);
                    pace.took(started, read.rows());
                } catch (RuntimeException e) {
                    failure = e;
                }
                dev.logmesh.spi.Store.ScrubRead r = read;
                RuntimeException f = failure;
                loop.execute(() -> scrubbed(s, steps, r, f));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("scrub step dropped: the node is closing");
        }
    }

    /** A step of the scrubber {@code s} ended with {@code read} or {@code failure}; on the loop. */
    private void scrubbed(dev.logmesh.spi.Store.Scrubber s, long steps, dev.logmesh.spi.Store.ScrubRead read,
        RuntimeException failure) {
        if (closed || scrubber != s) {
            return; // the close closes it
        }
        if (failure != null) {
            endScrubPass();
            LOG.warn("cannot check the store now ({}); trying again in an hour", failure.getMessage());
            loop.schedule(HOUR, this::scrubPass);
            return;
        }
        if (!read.suspects().isEmpty()) {
            try {
                log.settleScrub(read.suspects());
            } catch (dev.logmesh.StoreException e) {
                // the next pass finds them again
                LOG.warn("cannot set aside the damaged rows the scrub found now ({}); the next pass looks again",
                    e.getMessage());
            }
        }
        if (!read.done()) {
            // the next step once the loop has taken what this one found (and its socket I/O and timers meanwhile)
            scrubOffLoop(s, steps + 1);
            return;
        }
        endScrubPass();
        LOG.debug("scrub of the entries and seen ids done in {} steps off the loop", steps + 1);
        loop.schedule(saturatedMillis(config.scrubPeriod()), this::scrubPass);
    }

    /** Closes the running pass's scrubber, on the thread its reads run on (after its last read); loop only. */
    private void endScrubPass() {
        dev.logmesh.spi.Store.Scrubber s = scrubber;
        scrubber = null;
        if (s == null) {
            return;
        }
        Runnable close = () -> {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the scrub's reader: {}", e.toString());
            }
        };
        if (scrubThread == null) {
            close.run();
            return;
        }
        try {
            scrubThread.execute(close);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            close.run(); // the thread is stopped: no read runs
        }
    }

    /**
     * Scrub: reads the whole store, {@link #SCRUB_BATCH} entries per loop turn, only to check it ({@link
     * dev.logmesh.spi.Store#scrub}); a corrupt entry is taken out of the log and the seen index, as by any read, and
     * reconciliation brings a peer's copy. Before (session 34) a row damaged where no read went stayed in the log,
     * counted as held, until a read met it: perhaps after every peer had cleaned its copy. The next pass starts
     * {@link NodeConfig#scrubPeriod()} after one ends.
     */
    private void scrubStep(long after, long steps) {
        if (closed) {
            return;
        }
        if (after == 0 && steps == 0) {
            scrubPace = new dev.logmesh.internal.log.StepPace(MAINTENANCE_MIN_ROWS, SCRUB_BATCH, System::nanoTime);
        }
        long last;
        int limit = scrubPace.limit();
        long started = scrubPace.start();
        try {
            last = log.scrub(after, limit);
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("cannot check the store now ({}); trying again in an hour", e.getMessage());
            loop.schedule(HOUR, this::scrubPass);
            return;
        }
        if (last == after) {
            loop.schedule(SCRUB_BUSY_MILLIS, () -> scrubStep(after, steps)); // the store is busy (a catch-up)
            return;
        }
        if (last >= 0) {
            scrubPace.took(started, limit);
            // the next step at the loop's next turn, after its socket I/O and timers (as forgetSeenStep)
            loop.schedule(0, () -> scrubStep(last, steps + 1));
            return;
        }
        LOG.debug("scrub of the entries done in {} steps of up to {} entries", steps, SCRUB_BATCH);
        scrubPace = new dev.logmesh.internal.log.StepPace(MAINTENANCE_MIN_ROWS, SCRUB_BATCH, System::nanoTime);
        loop.schedule(0, () -> scrubSeenStep(true, 0));
    }

    /**
     * Scrub, second part: the seen index, up to {@link #SCRUB_BATCH} rows per loop turn ({@link
     * dev.logmesh.spi.Store#scrubSeen}); a damaged seen id is repaired from its checksum or set aside, and said. Before
     * (session 41) a seen row changed while the node ran was found only at its next start, and until then a peer's copy
     * of that cleaned action was taken and applied again. The next pass of the entries starts {@link
     * NodeConfig#scrubPeriod()} after this one ends.
     */
    private void scrubSeenStep(boolean fromStart, long steps) {
        if (closed) {
            return;
        }
        dev.logmesh.spi.Store.ScrubStep step;
        int limit = scrubPace.limit();
        long started = scrubPace.start();
        try {
            step = log.scrubSeen(fromStart, limit);
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("cannot check the store's seen ids now ({}); trying again in an hour", e.getMessage());
            loop.schedule(HOUR, this::scrubPass);
            return;
        }
        switch (step) {
            case BUSY -> loop.schedule(SCRUB_BUSY_MILLIS, () -> scrubSeenStep(fromStart, steps));
            case MORE -> {
                scrubPace.took(started, limit);
                loop.schedule(0, () -> scrubSeenStep(false, steps + 1));
            }
            case DONE -> {
                LOG.debug("scrub of the seen ids done in {} steps of up to {} rows", steps + 1, SCRUB_BATCH);
                loop.schedule(saturatedMillis(config.scrubPeriod()), this::scrubPass);
            }
        }
    }

    /** How often cursor moves that no add carried are saved. */
    private static final long CURSOR_FLUSH_MILLIS = 1_000;

    private void flushCursors() {
        if (closed || storeUntouchable()) {
            return;
        }
        try {
            log.flushCursors();
        } catch (dev.logmesh.StoreException e) {
            storeFailed("cannot save sync cursors", e);
        } catch (RuntimeException e) {
            if (!log.storeClosed()) {
                throw e;
            }
            storeClosed(e); // an idle node's first write after its store was closed under it
            return;
        }
        if (metrics != null) {
            metrics.logEntries(log.size());
        }
        loop.schedule(CURSOR_FLUSH_MILLIS, this::flushCursors);
    }

    /**
     * Logs each {@link Listener#error} event as a warning, for an application that does not listen: logger
     * {@code dev.logmesh.MeshNode.events}, so one that prints the events itself (the command line) turns it off.
     */
    private static final Logger EVENTS = LoggerFactory.getLogger(MeshNode.class.getName() + ".events");

    /** When this process started, ms since the epoch (-1 if the OS does not say): {@code started} in the file. */
    private static long processStarted() {
        return ProcessStart.MILLIS;
    }

    /**
     * The pre-add hook of a node's keep reason ({@link NodeConfig#keepReason}): an entry without it gets it, after its
     * other reasons. The reasons lists of a catch-up are few and shared (the codec interns them), so the list made for
     * the last list met is kept and given again while the same list comes: an entry then costs a new {@link Meta}, not
     * also a list, its array and the meta's copy of it (session 48's profile of the receiving loop). Any thread: the
     * pair is one immutable object, read once a call.
     */
    static final class KeepReason implements Log.PreAdd {
        private final String keep;
        /** The last reasons list met without the keep reason, and it with the keep reason; null before the first. */
        private Memo last;

        private record Memo(List<String> given, List<String> kept) {
        }

        KeepReason(String keep) {
            this.keep = keep;
        }

        @Override
        @SuppressWarnings("ReferenceEquality") // the same list object: the meta's own reasons, nothing to change
        public Meta apply(Action action, Meta meta) {
            List<String> kept = reasonsFor(meta.reasons());
            return kept == meta.reasons() ? meta : meta.withReasons(kept);
        }

        /** {@code reasons} and the keep reason after them: {@code reasons} itself when it holds it. */
        @Override
        @SuppressWarnings("ReferenceEquality") // the same list object: a catch-up's interned list, compared for free
        public List<String> reasonsFor(List<String> reasons) {
            Memo memo = last;
            if (memo != null && memo.given() == reasons) {
                return memo.kept();
            }
            if (reasons.contains(keep)) {
                return reasons;
            }
            List<String> rs = new ArrayList<>(reasons.size() + 1);
            rs.addAll(reasons);
            rs.add(keep);
            List<String> kept = List.copyOf(rs);
            last = new Memo(reasons, kept);
            return kept;
        }
    }

    /** Holds {@link #processStarted}: read when the first status is written, not as the node's class loads. */
    private static final class ProcessStart {
        static final long MILLIS = ProcessHandle.current().info().startInstant()
            .map(java.time.Instant::toEpochMilli).orElse(-1L);
        /** The kernel's count ({@link dev.logmesh.internal.store.ProcessStart}), -1 without {@code /proc}. */
        static final long TICKS = dev.logmesh.internal.store.ProcessStart.ticks(ProcessHandle.current().pid());
    }

    /** Name of the status file a node with a data directory keeps up to date (read by {@code logmesh peers}). */
    public static final String STATUS_FILE = "status.json";

    /**
     * How often a running node writes {@link #STATUS_FILE} even when nothing in it changed, ms: its {@code written}
     * field (epoch ms) then tells a reader whether the node can still write there (a full disk cannot take the
     * file that would say so).
     */
    public static final long STATUS_REFRESH_MILLIS = 5_000;
    private String lastStatus;
    /** When {@link #STATUS_FILE} was last written ({@link Loop#monotonicMillis}); loop only. */
    private long lastStatusWritten;
    /**
     * Whether the last write of {@link #STATUS_FILE} failed (a full disk): it is then retried every second, and the
     * failure is logged once, when it starts, and its end once. Written by the status writer's thread.
     */
    private volatile boolean statusUnwritable;

    /**
     * Writes {@link #STATUS_FILE} when something changed, when the last write failed, and every
     * {@link #STATUS_REFRESH_MILLIS}; every second, on the loop.
     */
    private void writeStatus() {
        if (closed) {
            return;
        }
        loop.schedule(1_000, this::writeStatus); // first: a round that throws must not end the rounds
        com.fasterxml.jackson.databind.node.ObjectNode n;
        try {
            n = statusJson();
        } catch (StoreException e) {
            // the store cannot be read now (a full disk with a received batch still to be written before any
            // read): a node that cannot write says so in the brief status (no store read); else the file keeps its
            // last state, and `logmesh status` says it is old; the next round tries again
            LOG.debug("cannot read the status for {}: {}", STATUS_FILE, e.getMessage());
            if (health.writable()) {
                return;
            }
            n = briefStatusJson();
        }
        String text = n.toString();
        // the interval on the monotonic clock, `written` on the wall clock: before (ops42), both on the wall clock, a
        // clock set back by an hour left an idle node's file unwritten for that hour (`logmesh status` called the
        // live node stale, and a full disk went unseen)
        long since = loop.monotonicMillis();
        if (!text.equals(lastStatus) || statusUnwritable || lastStatus == null
            || since - lastStatusWritten >= STATUS_REFRESH_MILLIS) {
            lastStatus = text;
            lastStatusWritten = since;
            long now = loop.now();
            String written = n.put("written", now).toString();
            String brief = briefStatusJson().put("written", now).toString();
            java.nio.file.Path dataDir = config.dataDir();
            try {
                // the file is written off the loop: a slow disk must not stall the sessions (issue 12)
                statusWriter().execute(() -> writeStatusFile(dataDir, written, brief));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /**
     * The status without anything read from the store, the peers or the mesh, {@code "brief": true}: this node, its
     * process and whether it can write; what {@link #STATUS_FILE} holds when the full status does not fit in the room
     * the file holds on a full disk ({@link #rewriteInPlace}) or the store cannot be read. On the loop.
     */
    private com.fasterxml.jackson.databind.node.ObjectNode briefStatusJson() {
        com.fasterxml.jackson.databind.node.ObjectNode n =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        n.put("node", log.nodeId());
        n.put("url", url == null ? null : url.toString());
        n.put("pid", ProcessHandle.current().pid());
        if (processStarted() >= 0) {
            n.put("started", processStarted());
        }
        if (ProcessStart.TICKS >= 0) {
            n.put("startTicks", ProcessStart.TICKS);
        }
        NodeHealth h = health;
        n.put("writable", h.writable());
        if (!h.writable()) {
            n.put("problem", h.problem());
            n.put("since", h.sinceMillis());
        }
        n.put("brief", true);
        return n;
    }

    /** The status as {@link #STATUS_FILE} holds it; on the loop. */
    private com.fasterxml.jackson.databind.node.ObjectNode statusJson() {
        com.fasterxml.jackson.databind.node.ObjectNode n =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        n.put("node", log.nodeId());
        n.put("url", url == null ? null : url.toString());
        if (config.publicUrl() != null) {
            n.put("publicUrl", config.publicUrl().toString());
        }
        URI page = statusPage();
        if (page != null) {
            n.put("statusPage", page.toString());
        }
        n.put("pid", ProcessHandle.current().pid());
        if (processStarted() >= 0) {
            n.put("started", processStarted()); // with pid: a reader tells this process from a later one of that pid
        }
        if (ProcessStart.TICKS >= 0) {
            n.put("startTicks", ProcessStart.TICKS); // the same, not moved by a clock step (Linux)
        }
        n.put("lastAdded", log.lastAdded());
        n.put("size", log.size());
        if (keyId != null) {
            n.put("keyId", keyId);
            if (nextKeyId != null) {
                n.put("nextKeyId", nextKeyId);
            }
        }
        NodeHealth h = health;
        n.put("writable", h.writable());
        if (!h.writable()) {
            n.put("problem", h.problem());
            n.put("since", h.sinceMillis());
        }
        com.fasterxml.jackson.databind.node.ArrayNode peers = n.putArray("peers");
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (PeerStatus p : peerStatus()) {
            com.fasterxml.jackson.databind.node.ObjectNode o = peers.addObject();
            o.put("node", p.nodeId());
            o.put("connected", p.connected());
            if (overlay != null && p.connected()) {
                SyncSession s = hub.session(p.nodeId());
                o.put("view", overlay.isActive(p.nodeId()) ? "active"
                    : s != null && s.usesOverlay() ? "pending" : "outside");
            }
            o.put("received", p.theirAddedProcessed());
            o.put("sent", p.oursAcknowledged());
            o.put("behind", p.behind());
            if (p.roundTripMillis() >= 0) {
                o.put("offset", p.clockOffsetMillis());
                o.put("rtt", p.roundTripMillis());
            }
            if (p.url() != null) {
                o.put("url", p.url().toString());
                o.put("lastError", p.lastError());
                o.put("nextDialAt", p.nextDialAt());
            } else if (p.lastError() != null) {
                o.put("lastError", p.lastError()); // a connected peer that says its log is full
            }
            refusedInto(o, p.connected() ? null : refusals.get(p.nodeId()));
            Long seen = p.connected() ? null : lastSeenAt.get(p.nodeId());
            if (seen != null) {
                o.put("lastSeen", seen); // when its last session ended (this run): how long it has been away
            }
            listed.add(p.nodeId());
        }
        // the nodes that refused this node or that it refused, without a session since: logmesh peers says who and
        // why (before, session 36, a node found by mDNS that refused this node's overlay dials was in no list, and
        // a node whose every dial was refused showed an empty table)
        for (Map.Entry<String, Object[]> r : refusals.entrySet()) {
            if (!listed.contains(r.getKey())) {
                com.fasterxml.jackson.databind.node.ObjectNode o = peers.addObject();
                o.put("node", r.getKey());
                o.put("connected", false);
                refusedInto(o, r.getValue());
            }
        }
        if (overlay != null) {
            Overlay.Status st = overlay.status();
            com.fasterxml.jackson.databind.node.ObjectNode ov = n.putObject("overlay");
            ov.put("maxActive", st.maxActive());
            ov.put("maxPassive", st.maxPassive());
            ov.put("sessions", st.sessions());
            com.fasterxml.jackson.databind.node.ArrayNode act = ov.putArray("active");
            st.active().forEach(p -> act.add(p.toJson()));
            com.fasterxml.jackson.databind.node.ArrayNode pas = ov.putArray("passive");
            st.passive().forEach(p -> pas.add(p.toJson()));
            com.fasterxml.jackson.databind.node.ArrayNode sta = ov.putArray("static");
            st.statics().forEach(sta::add);
            ov.put("dials", st.stats().dials());
            ov.put("dialFailures", st.stats().dialFailures());
            ov.put("candidatesAdmitted", st.stats().candidatesAdmitted());
            ov.put("candidatesDropped", st.stats().candidatesDropped());
            com.fasterxml.jackson.databind.node.ArrayNode bnd = ov.putArray("bounds");
            st.bounds().forEach(bnd::add);
        }
        if (presence != null) {
            n.set("mesh", meshJson());
        }
        return n;
    }

    /**
     * The mesh as presence knows it: {@code {"period": ms, "nodes": [...], "presence": counters}} ({@code period}:
     * how often this node sends its record now, the configured period up to 100 known nodes and longer beyond:
     * {@code Presence#currentPeriodMillis}), each node
     * {@code {node, name, url, size, lastAdded, rate, hops, age, via, behind, keyId, nextKeyId, full, links: [{peer,
     * active, behind, rtt}]}}, this node first; {@code full} (why that node cannot write its log, at most
     * {@link FullText#MAX_CHARS} chars) only while its record says it cannot; a node's {@code behind} is the most
     * any of its neighbours reports it behind; {@code keyId} and {@code nextKeyId} ({@link #keyId()}, {@link #nextKeyId()}) only where that node has
     * such a key and its record says it (a node before session 40 says neither).
     */
    private com.fasterxml.jackson.databind.node.ObjectNode meshJson() {
        com.fasterxml.jackson.databind.node.ObjectNode m =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        m.put("period", presence.currentPeriodMillis());
        List<dev.logmesh.internal.mesh.Presence.Known> known = presence.known();
        Map<String, Long> behind = new java.util.HashMap<>();
        for (dev.logmesh.internal.mesh.Presence.Known k : known) {
            for (JsonNode l : k.record().path("links")) {
                behind.merge(l.path("peer").asText(), Math.max(0, l.path("behind").asLong()), Math::max);
            }
        }
        com.fasterxml.jackson.databind.node.ArrayNode nodes = m.putArray("nodes");
        for (dev.logmesh.internal.mesh.Presence.Known k : known) {
            if (k.hops() > 0 && replaced(k.origin(), k.ageMillis())) {
                continue; // another node answers at its address, and no record of it came since
            }
            com.fasterxml.jackson.databind.node.ObjectNode o = nodes.addObject();
            JsonNode r = k.record();
            if (k.hops() == 0) {
                // this node's own row: its size and links now, not as of its last record (up to a period old: before,
                // session 36, a node's own row showed "links":[] for up to a period after its start, its peers
                // connected meanwhile, and its size as of then)
                com.fasterxml.jackson.databind.node.ObjectNode now = ((com.fasterxml.jackson.databind.node.ObjectNode) r)
                    .deepCopy();
                long last = log.lastAdded();
                now.put("size", log.size());
                now.put("lastAdded", last);
                now.set("links", presenceLinks(last));
                r = now;
            }
            o.put("node", k.origin());
            o.put("name", r.path("name").isTextual() ? r.get("name").asText() : null);
            o.put("url", r.path("url").isTextual() ? r.get("url").asText() : null);
            o.put("size", r.path("size").asLong(-1));
            o.put("lastAdded", r.path("lastAdded").asLong(-1));
            o.put("rate", r.path("rate").asDouble(0));
            o.put("hops", k.hops());
            o.put("age", k.ageMillis());
            o.put("via", k.via());
            o.put("behind", behind.getOrDefault(k.origin(), 0L));
            putKeyId(o, "keyId", r);
            putKeyId(o, "nextKeyId", r);
            if (r.path("full").isTextual()) {
                o.put("full", FullText.cut(r.get("full").asText())); // a record is believed as received: cut
            }
            com.fasterxml.jackson.databind.node.ArrayNode links = o.putArray("links");
            for (JsonNode l : r.path("links")) {
                com.fasterxml.jackson.databind.node.ObjectNode lo = links.addObject();
                lo.put("peer", l.path("peer").asText());
                lo.put("active", l.path("active").asBoolean(true));
                lo.put("behind", Math.max(0, l.path("behind").asLong()));
                lo.put("rtt", l.path("rtt").asLong(-1));
            }
        }
        dev.logmesh.internal.mesh.Presence.Stats st = presence.stats();
        com.fasterxml.jackson.databind.node.ObjectNode c = m.putObject("presence");
        c.put("originated", st.originated());
        c.put("received", st.received());
        c.put("forwarded", st.forwarded());
        c.put("duplicates", st.duplicates());
        c.put("dropped", st.dropped());
        c.put("expired", st.expired());
        c.put("early", st.early());
        return m;
    }

    /**
     * Copies a key id ({@link #keyId()}: 8 hex digits) from a presence record, only in that shape: a record is
     * believed as received, and what {@code logmesh status} prints must not be a forged record's text.
     */
    private static void putKeyId(com.fasterxml.jackson.databind.node.ObjectNode o, String field, JsonNode record) {
        JsonNode v = record.get(field);
        if (v != null && v.isTextual() && KEY_ID.matcher(v.asText()).matches()) {
            o.put(field, v.asText());
        }
    }

    private static final java.util.regex.Pattern KEY_ID = java.util.regex.Pattern.compile("[0-9a-f]{8}");

    /** Why a node cannot write its log, as its presence record says it ({@code full}) and the status shows it. */
    static final class FullText {
        /** The most chars of it a record carries or a status shows: a record is at most 4 KiB with its links. */
        static final int MAX_CHARS = 400;

        private FullText() {
        }

        /** {@code text} whole up to {@link #MAX_CHARS} chars, else its start and "...". */
        static String cut(String text) {
            if (text.length() <= MAX_CHARS) {
                return text;
            }
            int end = MAX_CHARS;
            if (Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            return text.substring(0, end) + "...";
        }
    }

    /** This node's presence record (see {@code Presence}): its status and its links; on the loop, once a period. */
    private com.fasterxml.jackson.databind.node.ObjectNode presenceRecord() {
        com.fasterxml.jackson.databind.node.ObjectNode r =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        long now = loop.monotonicMillis(); // a rate over time run, not over a clock that was set
        long last = log.lastAdded();
        if (rateAdded >= 0 && now > rateAt) {
            rate = Math.round((last - rateAdded) * 10_000.0 / (now - rateAt)) / 10.0;
        }
        rateAdded = last;
        rateAt = now;
        // the name its id was made with (a log keeps its id: the configured name may be another, or none); the
        // random part after the last colon holds none, the name may ("shop:eu")
        int colon = log.nodeId().lastIndexOf(':');
        if (colon > 0) {
            r.put("name", log.nodeId().substring(0, colon));
        }
        if (config.publicUrl() != null) {
            r.put("url", config.publicUrl().toString());
        } else if (url != null) {
            r.put("url", url.toString());
        }
        r.put("size", log.size());
        r.put("maxFrame", config.maxFrameBytes()); // every node learns the mesh's smallest limit (MeshFrameLimits)
        if (keyId != null) {
            // during a key rotation an operator sees in one place which nodes hold the next key (logmesh status);
            // before (session 39) each node's ready line was the only place
            r.put("keyId", keyId);
            if (nextKeyId != null) {
                r.put("nextKeyId", nextKeyId);
            }
        }
        if (logInMemory) {
            r.put("memory", true); // its id never comes back: its limit counts only while presence lists it
        }
        r.put("lastAdded", last);
        r.put("rate", rate);
        if (!health.writable()) {
            // where data stops: a node behind this one in a chain (--no-overlay) gets nothing new from it and sees it
            // "behind 0", with no error of its own; before (break46) nothing told it why
            r.put("full", FullText.cut(health.problem() == null ? "unknown" : health.problem()));
        }
        r.set("links", presenceLinks(last));
        return r;
    }

    /** This node's links now, as its presence record lists them: {@code [{peer, active, behind, rtt}]}; loop only. */
    private com.fasterxml.jackson.databind.node.ArrayNode presenceLinks(long last) {
        com.fasterxml.jackson.databind.node.ArrayNode links =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        for (String p : hub.connectedPeers()) {
            SyncSession s = hub.session(p);
            com.fasterxml.jackson.databind.node.ObjectNode l = links.addObject();
            l.put("peer", p);
            l.put("active", overlay == null || overlay.isActive(p));
            try {
                l.put("behind", log.entriesBetween(log.cursor(p).sent(), last));
            } catch (dev.logmesh.StoreException e) {
                // a store that cannot read while a batch waits to be written (a full disk): the record goes out
                // without the number (its readers take 0), and the loop's tick goes on (session 46: a session held
                // for room kept a peer connected through such a time, and the presence tick threw)
                LOG.debug("presence: how far {} is behind is unknown now: {}", p, e.getMessage());
            }
            l.put("rtt", s == null ? -1 : s.clockRoundTrip());
        }
        return links;
    }

    /** How many recent actions the status page shows. */
    private static final int RECENT = 20;
    /** Longest action text the status page shows, characters. */
    private static final int RECENT_ACTION_CHARS = 200;

    private void remember(Entry e) {
        com.fasterxml.jackson.databind.node.ObjectNode o =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        o.put("id", e.id().toString());
        o.put("type", e.action().type());
        String text = e.action().toJson();
        o.put("action", text.length() > RECENT_ACTION_CHARS ? text.substring(0, RECENT_ACTION_CHARS) + "…" : text);
        recent.addLast(o);
        while (recent.size() > RECENT) {
            recent.removeFirst();
        }
    }

    private void startStatusPage() throws IOException {
        byte[] page;
        try (java.io.InputStream in = MeshNode.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IOException("status.html is missing from the node's jar");
            }
            page = in.readAllBytes();
        }
        dev.logmesh.internal.net.StatusServer server;
        try {
            server = dev.logmesh.internal.net.StatusServer.start(config.statusPage(), "logmesh-status-" + log.nodeId());
        } catch (IOException | RuntimeException e) {
            throw new StatusPageException(config.statusPage(), e);
        }
        server.route("/", "text/html", () -> CompletableFuture.completedFuture(page));
        server.route("/status.json", "application/json", () -> call(() -> {
            com.fasterxml.jackson.databind.node.ObjectNode n = statusJson();
            com.fasterxml.jackson.databind.node.ArrayNode r = n.putArray("recent");
            recent.descendingIterator().forEachRemaining(r::add);
            // the mapper's UTF-8 generator writes an unpaired surrogate (a node id cut inside an emoji, a recent
            // action cut at RECENT_ACTION_CHARS) as its escape, where toString().getBytes wrote '?' for it
            try {
                return dev.logmesh.internal.protocol.MessageCodec.mapper().writeValueAsBytes(n);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.UncheckedIOException("a tree always serializes", e);
            }
        }));
        statusServer = server;
        LOG.info("status page at {}", server.url());
    }

    /**
     * Where the status page is served ({@code http://127.0.0.1:PORT/}), or null when the node serves none (see
     * {@link NodeConfig#statusPage()}) or is closed. Any thread.
     */
    public URI statusPage() {
        dev.logmesh.internal.net.StatusServer s = statusServer;
        return s == null || closed ? null : s.url();
    }

    /**
     * The node's status, as {@link #STATUS_FILE} and the status page's {@code /status.json} hold it: this node
     * ({@code node}, {@code url}, {@code publicUrl} when set, {@code size}, {@code lastAdded}, {@code writable}),
     * its {@code peers}, its
     * {@code overlay} view, and {@code mesh}: every node presence told of (with {@link NodeConfig#presencePeriod()}
     * on), with its log size, add rate (actions/s), how far behind its neighbours report it, and its links. A
     * snapshot made on the node's loop; the future completes there, or fails with {@link IllegalStateException}
     * once the node is closed.
     */
    public CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode> status() {
        return call(this::statusJson);
    }

    /** The thread that writes {@link #STATUS_FILE}; made on first use (nodes with a data directory), loop only. */
    private java.util.concurrent.ExecutorService statusWriter;

    private java.util.concurrent.ExecutorService statusWriter() {
        if (statusWriter == null) {
            statusWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "logmesh-status " + log.nodeId());
                t.setDaemon(true);
                return t;
            });
        }
        return statusWriter;
    }

    /**
     * Replaces the status file atomically (a temporary file moved over it); on the status writer's thread. A
     * failure is logged when it starts and the recovery when it ends, not at every retry (a full disk logged
     * "cannot write status.json" every second).
     */
    private void writeStatusFile(java.nio.file.Path dataDir, String text, String brief) {
        java.nio.file.Path file = dataDir.resolve(STATUS_FILE);
        try {
            java.nio.file.Path tmp = dataDir.resolve(STATUS_FILE + ".tmp");
            Files.write(tmp, statusBytes(text));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            if (statusUnwritable) {
                statusUnwritable = false;
                LOG.info("{} is written again", STATUS_FILE);
            }
        } catch (IOException e) {
            try {
                // a write that found no room leaves the temporary file empty or cut: not left behind (disk40)
                Files.deleteIfExists(dataDir.resolve(STATUS_FILE + ".tmp"));
            } catch (IOException removing) {
                e.addSuppressed(removing);
            }
            // a full disk: the file's own room (it is padded, STATUS_RESERVE_BYTES) takes the status in place, so
            // that `logmesh status` reads "cannot write its log" rather than the last state with a staleness warning
            boolean inPlace = rewriteInPlace(file, text, brief);
            if (!statusUnwritable) {
                statusUnwritable = true;
                if (inPlace) {
                    LOG.warn("cannot write {} anew: {}; it is rewritten in place, in the room it holds, every second "
                        + "until it can be written anew", STATUS_FILE, e.toString());
                } else {
                    LOG.warn("cannot write {}: {} (retried every second; said again only after it worked)",
                        STATUS_FILE, e.toString());
                }
            }
        }
    }

    /**
     * The least size of {@link #STATUS_FILE}, bytes: its text is padded with spaces (JSON allows them) to this, or to
     * twice its length in 4 KiB pages if more, so that a node that cannot replace the file (a full disk) can still
     * rewrite it in place, in the room the file already holds ({@link #rewriteInPlace}). Before (session 43) a node on
     * a full disk left its last status, and {@code logmesh status} showed it with a staleness warning instead of saying
     * that the node could not write.
     */
    static final int STATUS_RESERVE_BYTES = 16 * 1024;

    /** The bytes of {@link #STATUS_FILE} for this status text: the text, spaces to its reserved size, a newline. */
    static byte[] statusBytes(String text) {
        byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int size = Math.max(STATUS_RESERVE_BYTES, (int) Math.min(Integer.MAX_VALUE - 4096L,
            ((2L * t.length + 1 + 4095) / 4096) * 4096));
        byte[] b = new byte[size];
        System.arraycopy(t, 0, b, 0, t.length);
        java.util.Arrays.fill(b, t.length, size - 1, (byte) ' ');
        b[size - 1] = '\n';
        return b;
    }

    /**
     * Rewrites {@code file} in place, within its present size (no byte past its end: no room is asked of a full
     * disk), with {@code text}, or {@code brief} if the text does not fit; on the status writer's thread. A reader may
     * see a write half done: {@code logmesh status} reads again a file that does not parse.
     *
     * @return whether the file now holds one of them
     */
    private static boolean rewriteInPlace(java.nio.file.Path file, String text, String brief) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
            java.nio.file.StandardOpenOption.WRITE)) {
            long room = ch.size();
            byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (t.length + 1 > room) {
                t = brief.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            if (t.length + 1 > room || room > Integer.MAX_VALUE) {
                return false;
            }
            byte[] b = new byte[(int) room];
            System.arraycopy(t, 0, b, 0, t.length);
            java.util.Arrays.fill(b, t.length, b.length - 1, (byte) ' ');
            b[b.length - 1] = '\n';
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
            long at = 0;
            while (buf.hasRemaining()) {
                at += ch.write(buf, at);
            }
            return true;
        } catch (IOException e) {
            return false; // no file yet (the first status found the disk full), or no room even so
        }
    }

    private void fireError(String message) {
        EVENTS.warn(message);
        fire("error", l -> l.error(message));
    }

    /**
     * Says that {@code peer} cannot write its log ({@link #fullPeersSaid}), with how many times it was full unsaid
     * within a minute of its room said ({@code again}, 0 for none; {@link #fullAgainQuiet}); loop only.
     */
    private void sayPeerFull(String peer, String url, String why, int again) {
        fireError("peer " + peer + (url == null ? "" : " (" + url + ")") + " cannot write its log, so it cannot take "
            + "this node's entries: it says: " + why + ". Nothing is lost: this node keeps them and sends them as soon "
            + "as the peer says it has room again (its operator frees space, cleans its log or gives it a larger memory "
            + "budget)" + (again == 0 ? "" : "; it was full " + again + " time" + (again == 1 ? "" : "s")
            + " within a minute of having room again: what this node sends it is more than its budget or disk holds"));
    }

    /**
     * {@code peer} was said to have room again: for a minute its full log is counted, not said
     * ({@link #roomSaidAt}); loop only.
     */
    private void peerRoomSaid(String peer) {
        long at = loop.monotonicMillis();
        roomSaidAt.put(peer, at);
        loop.schedule(FULL_AGAIN_QUIET_MILLIS, () -> peerRoomWindowEnd(peer, at));
    }

    /**
     * The minute after {@code peer} was said to have room again ends: its entries go. If it was full meanwhile, that is
     * said now, once, with the count and the latest reason: an error if it is full still (its room is said when it
     * comes), else a notice, and the next minute is counted the same way. A peer no longer connected is not said
     * (its count goes: a peer gone for good leaves nothing behind). Loop only.
     */
    private void peerRoomWindowEnd(String peer, long at) {
        if (!Long.valueOf(at).equals(roomSaidAt.get(peer))) {
            return;
        }
        roomSaidAt.remove(peer);
        FullAgain again = fullAgainQuiet.remove(peer);
        if (again == null || closed) {
            return;
        }
        if (hub.session(peer) == null) {
            LOG.debug("peer {} was full {} more time(s) and is gone (the latest: {})", peer, again.times(),
                again.why());
            fullPeersSaid.remove(peer);
            return;
        }
        if (fullPeersSaid.contains(peer)) {
            sayPeerFull(peer, again.url(), again.why(), again.times());
            return;
        }
        fireNotice("peer " + peer + " was full " + again.times() + " time" + (again.times() == 1 ? "" : "s")
            + " within a minute of having room again and has room now (the latest: " + again.why() + "): what this "
            + "node sends it is more than its budget or disk holds at once");
        peerRoomSaid(peer);
    }

    /**
     * A minute after the session of {@code peer}, said full ({@link #fullPeersSaid}), ended without its room said: a
     * peer still away is forgotten (said again if it is full when it comes back: news then), one back with a session
     * that has not said it is full can write, which is said as its room is; one back full stays said. Before (session
     * 48's note) such a peer stayed in {@link #fullPeersSaid} for as long as the node ran, and once back with room,
     * its next full log was never said. Loop only.
     */
    private void fullPeerLeftMinuteEnd(String peer) {
        if (closed || !fullPeersSaid.contains(peer)) {
            return;
        }
        SyncSession now = hub.session(peer);
        if (now == null) {
            fullPeersSaid.remove(peer);
            LOG.debug("peer {} was full when its session ended and is still away: forgotten", peer);
        } else if (now.peerFull() == null && now.state() == SyncSession.State.CONNECTED) {
            fullPeersSaid.remove(peer);
            if (!roomSaidAt.containsKey(peer)) {
                peerRoomSaid(peer);
                fireNotice("peer " + peer + " can write its log again (it came back with room): sending it what it "
                    + "did not acknowledge");
            }
        }
    }

    /** A {@link Listener#notice}: an INFO line and the listeners' notice event. */
    private void fireNotice(String message) {
        EVENTS.info(message);
        fire("notice", l -> l.notice(message));
    }

    /** A {@link Listener#warning}: a WARN line and the listeners' warning event. */
    private void fireWarning(String message) {
        EVENTS.warn(message);
        fire("warning", l -> l.warning(message));
    }

    /** {@code "refused"} (the reason) and {@code "refusedAt"} (epoch ms) of a refusal of {@link #refusals}, if any. */
    private static void refusedInto(com.fasterxml.jackson.databind.node.ObjectNode o, Object[] refusal) {
        if (refusal != null) {
            o.put("refused", (String) refusal[0]);
            o.put("refusedAt", (Long) refusal[1]);
        }
    }

    /** {@link #fireError} for the words of a refusal the listeners have just heard of ({@link Listener#refusalError}). */
    private void fireRefusalError(String message) {
        EVENTS.warn(message);
        fire("error", l -> l.refusalError(message));
    }

    /**
     * Calls every listener, each on its own: one that throws (a {@link RuntimeException}, or an {@link Error} that is
     * {@link Callbacks#survivable}) is logged and the others are still called. Another {@link Error} is not caught
     * (the loop ends the node).
     */
    private void fire(String event, Consumer<Listener> call) {
        if (closed) {
            return; // the rest of a task a listener closed the node from: nobody is told any more
        }
        for (Listener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException | Error e) {
                Callbacks.rethrowFatal(e);
                LOG.error("listener {} failed on its {} event; the other listeners still get it", l, event, e);
            }
        }
    }

    /**
     * What failed to write ({@link #storeFailed}'s {@code what}: "cannot add", "cannot store entries from P") since the
     * log was last writable, each logged once; loop only.
     */
    private final java.util.Set<String> failedWrites = new java.util.HashSet<>();
    /** Writes that failed since the log was last writable; loop only. */
    private long failedWriteCount;

    /**
     * A write to the log failed: the node cannot write. Says so once per change (an error event, the health), and
     * logs each kind of failure ({@code what}) once until the log is writable again, counting the others; the
     * caller of each (an add's future, a peer's session) gets its own failure. Before (session 29), every failure
     * was a WARN: an application adding from 4 threads on a full disk logged 10,781 lines in 4 s, one per add whose
     * future had already failed with the same message ({@code StoreFailureNodeTest}).
     */
    private void storeFailed(String what, dev.logmesh.StoreException e) {
        if (log.storeClosed()) {
            storeClosed(e);
            return;
        }
        if (metrics != null) {
            metrics.error("store");
        }
        failedWriteCount++;
        retentionSoon();
        if (health.writable() ? roomSaidWindow != null : fullUnsaid) {
            LOG.debug("{}: {} (full again within a minute of room: counted, not said)", what, e.getMessage());
        } else if (failedWrites.add(what)) {
            LOG.warn("{}: {} (further failures to {} are not logged until the log is writable again)", what,
                e.getMessage(), what.startsWith("cannot ") ? what.substring("cannot ".length()) : what);
        } else {
            LOG.debug("{}: {}", what, e.getMessage());
        }
        if (health.writable()) {
            healthChanged(NodeHealth.cannotWrite(e.getMessage(), loop.now()), null);
            if (fullUnsaid) {
                fullAgainWhat = what;
            } else {
                fireError("this node cannot write its log (" + what + "): " + e.getMessage()
                    + "; entries from peers are not acknowledged until it can");
            }
        }
        budgetAdvice(); // after the failure it explains
    }

    /** Entries cleaned since the log was last found not writable, for the line that says it is writable again. */
    private long cleanedWhileFull;
    /** The ids of cleaned actions forgotten (the seen sweep) since the log was last found not writable; loop only. */
    private long idsForgottenWhileFull;
    /** Whether a {@link #roomMadeCheck} is queued; loop only. */
    private boolean roomCheckQueued;

    /**
     * An entry was cleaned (retention, an application's {@code removeReason}): on a node that cannot write, that was a
     * write that succeeded and made room, so the node says it is writable again at the end of this task, unless a
     * write failed meanwhile (an add that retention made room for and that still did not fit). Before (session 43), a
     * full node said "not writable" (health, status, status page) until its next add succeeded, also with room for
     * thousands of entries made by retention. Loop only.
     */
    private void roomMade() {
        if (health.writable() || closed) {
            return;
        }
        cleanedWhileFull++;
        roomCheckSoon();
    }

    /** Queues a {@link #roomMadeCheck} at the end of this task, once; loop only. */
    private void roomCheckSoon() {
        if (!roomCheckQueued) {
            roomCheckQueued = true;
            long failedBefore = failedWriteCount;
            loop.schedule(0, () -> roomMadeCheck(failedBefore));
        }
    }

    private void roomMadeCheck(long failedBefore) {
        roomCheckQueued = false;
        if (health.writable() || closed || log.storeClosed() || failedWriteCount != failedBefore) {
            return;
        }
        String why = cleanedWhileFull + " entr" + (cleanedWhileFull == 1 ? "y was" : "ies were") + " cleaned";
        if (idsForgottenWhileFull > 0) {
            why = (cleanedWhileFull > 0 ? why + " and " : "") + "the ids of " + idsForgottenWhileFull + " cleaned "
                + "action" + (idsForgottenWhileFull == 1 ? "" : "s") + " older than the seen horizon were forgotten";
        }
        healthChanged(NodeHealth.writable(loop.now()), why + ", which made room");
    }

    /**
     * How much more room (bytes) the data directory's file system must have than when the node found it cannot write,
     * or than at the last probe that failed, before {@link #roomProbe} tries a write.
     */
    static final long ROOM_PROBE_FREED_BYTES = 1L << 20;
    /** The next {@link #roomProbe}, or null; loop only. */
    private Loop.Cancellable roomProbeWait;
    /** The {@link #roomProbe}s that found no room since the node found it cannot write; loop only. */
    private int roomProbeTries;
    /** The usable bytes of the data directory's file system when the probe last found no room; loop only. */
    private long roomProbeUsable;

    /**
     * Starts the {@link #roomProbe}s of a node with a data directory that found it cannot write (a full disk); loop
     * only. A memory node's budget finds room when its retention cleans ({@link #roomMade}), and needs none.
     */
    private void roomProbeStart() {
        if (roomProbeWait != null || closed || config.dataDir() == null) {
            return;
        }
        roomProbeUsable = usableBytes();
        roomProbeTries = 0;
        roomProbeWait = loop.schedule(SyncSession.roomRetryDelay(roomProbeTries), this::roomProbe);
    }

    /**
     * A node that cannot write finds out by itself that it can again: when the data directory's file system has
     * {@link #ROOM_PROBE_FREED_BYTES} more room than when the node found it full (its operator freed space), it writes
     * a record of its own (the seen horizon's time, {@link #recordHorizon}'s write), and if that works, says the log
     * is writable again, which ends the sessions held for want of room so that their peers send again at once. After
     * the back-off of a held batch's tries ({@link SyncSession#roomRetryDelay}, where the Javadoc says why the two
     * are not one); on the loop. Before (break of
     * session 46), a node that held its sessions for want of room learned of room only from its own next add, a
     * clean, or a mesh peer's held batch tried again: a stock Logux client alone on a node whose disk was full and
     * then freed waited without end, its actions never acknowledged. The free space decides whether to try, not a
     * write alone: SQLite often has room inside its files for a small write when it has none for a batch, and a probe
     * that said "writable" then would have its peers send again, fail, and hold again, every probe.
     */
    private void roomProbe() {
        roomProbeWait = null;
        if (closed || health.writable() || log.storeClosed()) {
            return;
        }
        long usable = usableBytes();
        if (usable >= 0 && usable - roomProbeUsable >= ROOM_PROBE_FREED_BYTES) {
            try {
                horizonClock.record(log.store());
                healthChanged(NodeHealth.writable(loop.now()), "the data directory's disk has "
                    + usable / 1024 + " KiB free again, and a write of the node's own worked");
                return;
            } catch (dev.logmesh.StoreException e) {
                LOG.debug("the probe's write found no room yet: {}", e.getMessage());
                roomProbeUsable = usable;
            } catch (RuntimeException e) {
                if (log.storeClosed()) {
                    return;
                }
                throw e;
            }
        } else if (usable >= 0 && usable < roomProbeUsable) {
            roomProbeUsable = usable; // room taken meanwhile: count what is freed from here
        }
        roomProbeTries++;
        roomProbeWait = loop.schedule(SyncSession.roomRetryDelay(roomProbeTries), this::roomProbe);
    }

    /** The usable bytes of the data directory's file system, or -1 if it cannot be told; loop only. */
    private long usableBytes() {
        try {
            return Files.getFileStore(config.dataDir()).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The health changed; {@code why} says, for the line of a node writable again, what showed it can write ("an entry
     * was stored"); loop only.
     */
    private void healthChanged(NodeHealth h, String why) {
        health = h;
        cleanedWhileFull = 0;
        idsForgottenWhileFull = 0;
        if (!h.writable()) {
            roomProbeStart();
            if (roomSaidWindow != null) {
                // full again within a minute of the room said: counted, said when the minute is up
                fullUnsaid = true;
                fullAgainCount++;
                fullAgainProblem = h.problem();
                LOG.debug("the log cannot be written again (within {} ms of room): {}", FULL_AGAIN_QUIET_MILLIS,
                    h.problem());
                return;
            }
        }
        boolean quiet = false;
        if (h.writable()) {
            if (roomProbeWait != null) {
                roomProbeWait.cancel();
                roomProbeWait = null;
            }
            quiet = fullUnsaid;
            if (quiet) {
                fullUnsaid = false;
                LOG.debug("the log is writable again: {} (its being full was counted, not said)", why);
            } else {
                LOG.info("the log is writable again: {} ({} write(s) failed meanwhile, each told to its caller or "
                    + "peer)", why, failedWriteCount);
                roomSaidWindow = loop.schedule(FULL_AGAIN_QUIET_MILLIS, this::roomSaidWindowEnd);
            }
            failedWrites.clear();
            failedWriteCount = 0;
            // the sessions held for want of room end, so that their peers send again now (a logmesh dialer redials
            // at once, a stock client in about a second), not at their next redial up to 30 s later (session 45);
            // in a task of its own: this may run inside a session's add
            loop.execute(() -> {
                if (health.writable()) {
                    for (SyncSession s : hub.sessions()) {
                        s.roomAgain();
                    }
                }
            });
        }
        if (!quiet) {
            fire("health", l -> l.health(h));
        }
    }

    /**
     * The end of the minute after the log was said writable again ({@link #roomSaidWindow}): what it was meanwhile is
     * said once. Still (or again) not writable: the health event and the error, with how many times it was full; else
     * if it was full meanwhile, a notice with the count and the latest problem, and the next minute is counted the same
     * way; else nothing (the next failure is said at once). Loop only.
     */
    private void roomSaidWindowEnd() {
        roomSaidWindow = null;
        int again = fullAgainCount;
        String problem = fullAgainProblem;
        String what = fullAgainWhat;
        fullAgainCount = 0;
        fullAgainProblem = null;
        fullAgainWhat = null;
        if (closed || again == 0) {
            return;
        }
        String times = again + " time" + (again == 1 ? "" : "s") + " within a minute of having room again";
        if (!health.writable()) {
            fullUnsaid = false;
            NodeHealth h = health;
            fire("health", l -> l.health(h));
            fireError("this node cannot write its log" + (what == null ? "" : " (" + what + ")") + ": " + h.problem()
                + "; entries from peers are not acknowledged until it can; it was full " + times + FULL_AGAIN_WHY);
            return;
        }
        fireNotice("this node's log was full " + times + " and has room now (the latest: " + problem + ")"
            + FULL_AGAIN_WHY);
        roomSaidWindow = loop.schedule(FULL_AGAIN_QUIET_MILLIS, this::roomSaidWindowEnd);
    }

    /** Why this node's log is full again and again, as its count is said ({@link #roomSaidWindowEnd}). */
    private static final String FULL_AGAIN_WHY = ": what it is sent is more than its budget or disk holds at once";

    /**
     * The minute after the log was said writable again (its end, {@link #roomSaidWindowEnd}), or null: while it runs,
     * the log found full again is counted ({@link #fullAgainCount}), not said (before, session 47's trial: a 40 KB
     * memory node sent 1 KB actions at 20/s said "cannot write" and "writable again" each second). Loop only.
     */
    private Loop.Cancellable roomSaidWindow;
    /** Whether the log is not writable and that was not said ({@link #roomSaidWindow}); loop only. */
    private boolean fullUnsaid;
    /** How often the log was found full within {@link #roomSaidWindow}; loop only. */
    private int fullAgainCount;
    /** The latest problem (health) of those counted in {@link #fullAgainCount}, or null; loop only. */
    private String fullAgainProblem;
    /** What failed to write ({@link #storeFailed}'s {@code what}) the latest time it was counted, or null; loop only. */
    private String fullAgainWhat;

    /**
     * An {@link Error} on the node's loop (from its {@link SystemLoop}, on the loop thread): ends the node. From here
     * on the node is closed to its callers ({@link #health} not writable, {@code subscribe} and the like refused, calls
     * failed with the error), also while the close below still runs (before, embed35, {@code health()} said writable
     * and {@code subscribe} took a subscription in that time, up to the transport's 2 s). An Error thrown in a call of
     * the log's store is said in one line that names the store and the call ({@link #storeFailure}).
     */
    private void fatal(Error e) {
        if (closing.get()) {
            return;
        }
        failure = e;
        closedHealth = NodeHealth.cannotWrite("node is closed after a fatal error: " + e, System.currentTimeMillis());
        String inStore = storeFailure(e, log.store(), !ownsStore);
        if (inStore != null) {
            LOG.error(inStore);
        }
        String said = "fatal error, the node stops: " + (inStore != null ? inStore : e) + heapAdvice(e);
        try {
            fire("error", l -> l.error(said));
        } catch (Error again) {
            LOG.error("a listener failed on the fatal error event", again);
        }
        close();
    }

    /**
     * What to do when the Error is the JVM's heap running out ({@code OutOfMemoryError} "Java heap space" or "GC
     * overhead limit exceeded"), to follow the fatal error's line; empty for any other Error. Before (break41) the
     * line said only {@code java.lang.OutOfMemoryError: Java heap space}: a {@code --memory} node that a client
     * flooded (20,000 actions of 20,000 chars, {@code -Xmx128m}) stopped so, its log gone, with no word of the cause.
     * Pure.
     */
    static String heapAdvice(Error e) {
        String why = e.getMessage();
        if (!(e instanceof OutOfMemoryError) || why == null
            || !(why.contains("heap space") || why.contains("GC overhead"))) {
            return "";
        }
        return "; the JVM's heap (at most " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB) is full: give the JVM "
            + "more (-Xmx; for scripts/logmesh, LOGMESH_JAVA_OPTS=-Xmx2g) or make the node hold less (a memory store, "
            + "--memory, keeps the whole log in the heap; a SQLite store, --data DIR, keeps it on disk)";
    }

    /**
     * One line for an {@link Error} that {@code store} threw in a call of the node (the outermost frame of its stack
     * that is the store's class, a superclass or nested class of it, or {@link Store}'s default methods), or null for
     * an Error thrown elsewhere, also in node code the store called back (a subscriber reached through a memory
     * store's {@code whenDurable}: {@code NodeFatalExitTest}). The node ends on it, as on any Error of its own code: a store's Error leaves the log
     * in a state the node cannot know (a batch half written? its counters?), where a subscriber's Error is the
     * subscriber's alone and is only logged. Before (embed35) the node said only "fatal error on the node loop: the
     * node stops" with a stack trace, and its {@code error} event "fatal error, the node stops: java.lang.AssertionError:
     * ...", which did not say the store threw it ({@code FatalErrorTest}). Pure.
     *
     * @param given whether the application gave the store ({@link NodeConfig.Builder#store}): the line then says how a
     *     store reports a failure the node goes on after
     */
    static String storeFailure(Error e, Store store, boolean given) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Class<?> c = store.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            names.add(c.getName());
        }
        names.add(Store.class.getName());
        StackTraceElement[] stack = e.getStackTrace();
        for (int i = stack.length - 1; i >= 0; i--) {
            String cls = stack[i].getClassName();
            if (names.contains(cls) || names.stream().anyMatch(n -> cls.startsWith(n + "$"))) {
                for (int j = i - 1; j >= 0; j--) {
                    String inner = stack[j].getClassName();
                    boolean ofStore = names.contains(inner) || names.stream().anyMatch(n -> inner.startsWith(n + "$"));
                    if (!ofStore && (inner.startsWith("dev.logmesh.internal.") || inner.startsWith("dev.logmesh.MeshNode")
                        || inner.startsWith("dev.logmesh.ReplicatedState"))) {
                        return null; // the store called back into the node (whenDurable's callback): not the store's
                    }
                }
                return "the node's store " + store.getClass().getName() + " threw " + e + " in its "
                    + stack[i].getMethodName() + " call (at " + stack[0] + "): after an Error in its store the node "
                    + "cannot know what its log holds, so it stops; whenClosed() fails with the Error"
                    + (given ? " (a store reports a failure the node goes on after, such as a full disk, as "
                        + "StoreException: that call then fails and nothing of it is written)" : "");
            }
        }
        return null;
    }

    /**
     * The node's store was closed under it (a write failed and {@link Log#storeClosed} says so; on the loop): its
     * application closed the store it gave the node ({@link NodeConfig.Builder#store}) before the node. No call of the
     * node can work from then on, and no later write either, so the node stops, as after a fatal error but without
     * one: one ERROR line and an {@code error} event say it, calls fail with {@code node is closed: the log's store ...
     * is closed ...}, {@link #whenClosed()} fails with it, and the close writes nothing to the store. Before (embed35)
     * it was taken as a failed write: "this node cannot write its log (...): the log's store ... threw
     * java.lang.IllegalStateException: store ... is closed in add, not a StoreException ...; taken as a failed write",
     * health said the node could not write "until it can", its peers redialed and were refused for good, and the
     * close threw the store's IllegalStateException when it saved the sync cursors ({@code StoreFailureNodeTest}).
     */
    private void storeClosed(RuntimeException e) {
        if (storeClosed != null || closing.get()) {
            return;
        }
        String line = Log.closedMessage(log.store()) + "; the node stops, and whenClosed() fails with this";
        IllegalStateException why = new IllegalStateException(line,
            e instanceof dev.logmesh.StoreException && e.getCause() != null ? e.getCause() : e);
        storeClosed = why;
        closedHealth = NodeHealth.cannotWrite("node is closed: " + line, System.currentTimeMillis());
        if (metrics != null) {
            metrics.error("store");
        }
        LOG.error(line);
        try {
            fire("error", l -> l.error(line));
        } finally {
            // after the task that found it: the session or add that met the closed store ends first
            loop.execute(this::close);
        }
    }

    /**
     * Whether the close must not write the log's store: it threw an {@link Error} (or another Error ended the node:
     * the node cannot know what its state holds), or it was closed under the node. Then a sync cursor is not saved
     * (one kept only in memory is behind after a restart, which makes peers send again what is then seen as a
     * duplicate; a saved one from a node in an unknown state could say a peer's entries were received that the log
     * does not hold), and a given store is not called at all.
     */
    private boolean storeUntouchable() {
        return failure != null || storeClosed != null;
    }

    /** The failure a call on a closed node gets. */
    private IllegalStateException closedException() {
        IllegalStateException sc = storeClosed;
        if (sc != null) {
            return new IllegalStateException("node is closed: " + sc.getMessage(), sc);
        }
        Error f = failure;
        return f == null ? new IllegalStateException("node is closed")
            : new IllegalStateException("node is closed after a fatal error: " + f, f);
    }

    /**
     * How long {@link #close} waits for the loop while it takes none of the calls queued before the close (ms): then
     * the loop is taken as stuck (a subscriber or answerer that blocks it), the calls still queued are failed unrun
     * and close goes on.
     */
    public static final long CLOSE_STUCK_MILLIS = 5_000;

    /**
     * {@link #runOnLoop} for the close's task: the calls queued before it run first, as long as the loop gets on
     * with them (one of them completes at least every {@link #CLOSE_STUCK_MILLIS}), so that an application that
     * posted adds and closed finds every one of them in the log. Before (session 21), the close's task waited 5 s
     * behind 100,000 queued adds, warned "the node loop did not run a task within 5 s" and closed the transport and
     * the store while the loop still ran them. A loop that gets on with none of them for that long is stuck: the
     * calls still queued are failed unrun ({@link #unrun}) and the task runs next, as soon as the loop can.
     */
    private void runOnLoopClosing(Runnable task) {
        if (loop.inLoop()) {
            task.run();
            return;
        }
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        runOnLoop(() -> {
            try {
                task.run();
            } finally {
                ran.countDown();
            }
        }, () -> {
            try {
                // progress: the loop takes calls from its queue (their completions may wait behind the queue: a
                // durable write completes through a task queued after it)
                long taken = callsTaken.get();
                long start = System.nanoTime();
                long since = start;
                int queued = calls.size();
                while (!ran.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    long now = callsTaken.get();
                    if (now != taken) {
                        taken = now;
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since >= CLOSE_STUCK_MILLIS * 1_000_000) {
                        unrun = closedException();
                        SystemLoop own = ownLoop;
                        LOG.warn("closing: the node loop took none of the {} calls still queued for {} ms (a "
                            + "subscriber or answerer blocking it?); they are not run (their futures fail, their "
                            + "actions are not in the log){}", calls.size(), CLOSE_STUCK_MILLIS,
                            own == null ? "" : "; the loop thread is at: " + own.at());
                        return;
                    }
                }
                if (queued > 10_000) {
                    LOG.info("closing: ran the {} calls queued before the close in {} ms", queued,
                        (System.nanoTime() - start) / 1_000_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Runs a task on the loop and waits for it (inline when already on the loop, e.g. a manual loop). */
    private void runOnLoop(Runnable task) {
        runOnLoop(task, () -> { });
    }

    /** {@link #runOnLoop(Runnable)}, running {@code meanwhile} on this thread after posting the task. */
    private void runOnLoop(Runnable task, Runnable meanwhile) {
        if (loop.inLoop()) {
            task.run();
            return;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                f.complete(null);
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        meanwhile.run();
        if (unrun != null && !f.isDone()) {
            return; // the close found the loop stuck and said so: waiting 5 s more would only make close slower
        }
        try {
            f.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("the node loop did not run a task within 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The frame limits of the mesh's nodes smaller than this node's own, learned from its peers' handshakes and from
     * presence records (every node's, flooded through the mesh), kept with the log ({@link Log#PEER_FRAME_LIMIT_KEY})
     * and read at the start. Loop thread.
     */
    private final dev.logmesh.internal.log.MeshFrameLimits frameLimits;
    /** Whether this node's log is a memory store it made (no data directory, no store given): its id is this run's. */
    private final boolean logInMemory;
    /**
     * {@link #frameLimits}' smallest, bytes, or 0 (none smaller than this node's own): the one number an add is
     * compared with ({@link #checkSize}). Loop thread.
     */
    private int peersFrameLimit;
    /** The nodes whose other frame limit was said ({@link #peerFrameLimit}); loop thread; at most 10,000 kept. */
    private final java.util.Set<String> frameLimitsSaid = new java.util.HashSet<>();
    /** When {@link #frameLimits} was last written to the store, and last expired (the loop's monotonic clock, ms). Loop thread. */
    private long frameLimitsKeptAt;
    private long frameLimitsExpiredAt;
    /** How often at most a node's refreshed time alone is written, and the table expired, ms. */
    private static final long FRAME_LIMITS_REFRESH_MILLIS = 3_600_000;

    /**
     * A session with {@code peer}, which takes frames up to {@code theirs} bytes (0: not told): a limit other than this
     * node's is said once per peer, and a smaller one lowers what this node takes in an add ({@link #checkSize}). An
     * action larger than a peer's frame can never be sent to it, so it stopped there for good, and at the nodes behind
     * it: before (break38: nodes of 1 MiB and 64 KiB in a line), 6 of 90 acknowledged actions never reached the
     * other side, with only a WARN a day at the sender.
     */
    private void peerFrameLimit(String peer, long theirs) {
        long mine = config.maxFrameBytes();
        if (theirs <= 0) {
            return;
        }
        nodeFrameLimit(peer, theirs, 0);
        if (theirs != mine && frameLimitsSaid.size() < 10_000 && frameLimitsSaid.add(peer + " " + theirs)) {
            LOG.warn("peer {} takes frames up to {} bytes and this node up to {} (--max-frame, "
                + "NodeConfig.Builder.maxFrameBytes): an action larger than the smaller limit cannot pass between "
                + "them, nor reach the nodes behind {}; {}. Give every node of a mesh the same --max-frame", peer,
                theirs, mine, theirs < mine ? peer : "this node", theirs < mine
                    ? "this node now refuses to add an action larger than " + peer + " takes"
                    : peer + " refuses to add one larger than this node takes, if it is a logmesh node of session 38 "
                        + "or later");
        }
    }

    /**
     * A presence record of {@code origin} (any node of the mesh, {@code hops} links away, via {@code via}) arrived:
     * its {@code maxFrame}, when it tells one, counts as a direct peer's does. Before (session 38) a node knew only its
     * direct peers' limits: in a line a (1 MiB) - b (1 MiB) - c (64 KiB) an action of 100 KB added on a was taken by a
     * and b and never reached c, and a was never told ({@code MeshFrameLimitTest}).
     */
    private void presenceReceived(String origin, com.fasterxml.jackson.databind.node.ObjectNode r, String via,
                                  int hops) {
        com.fasterxml.jackson.databind.JsonNode m = r.get("maxFrame");
        // below 1024 bytes no node runs (NodeConfig refuses it): such a record is not believed (a forged one would
        // make this node refuse every add)
        if (m == null || !m.isIntegralNumber() || !m.canConvertToLong() || m.asLong() < 1024) {
            if (loop.monotonicMillis() - frameLimitsExpiredAt > FRAME_LIMITS_REFRESH_MILLIS) {
                nodeFrameLimit(null, 0, 0);
            }
            return;
        }
        long theirs = m.asLong();
        com.fasterxml.jackson.databind.JsonNode period = r.get("period");
        // a node whose log is in memory never comes back under its id: it counts as long as presence lists it
        long keepFor = r.path("memory").asBoolean(false) ? dev.logmesh.internal.mesh.Presence.EXPIRY_PERIODS
            * Math.max(presence.periodMillis(), period != null && period.canConvertToLong() ? period.asLong() : 0)
            : dev.logmesh.internal.log.MeshFrameLimits.HORIZON_MILLIS;
        nodeFrameLimit(origin, theirs, keepFor);
        if (theirs < config.maxFrameBytes() && frameLimitsSaid.size() < 10_000
            && frameLimitsSaid.add(origin + " " + theirs)) {
            LOG.warn("node {} of this mesh ({} links away, via {}) takes frames up to {} bytes and this node up to {} "
                + "(--max-frame, NodeConfig.Builder.maxFrameBytes): an action larger cannot reach it; this node now "
                + "refuses to add an action larger than {} takes. Give every node of a mesh the same --max-frame",
                origin, hops, via, theirs, config.maxFrameBytes(), origin);
        }
    }

    /**
     * {@code node} takes frames up to {@code theirs} bytes (null node: only a look for nodes gone past the horizon):
     * updates {@link #frameLimits}, the number an add is compared with, and the kept copy; a raised limit is said.
     */
    private void nodeFrameLimit(String node, long theirs, long keepFor) {
        // the table's times are wall times (it is kept over restarts), never past a time this node can vouch for
        // (HorizonClock, as the seen sweep's): before (break53b), a node restarted with its clock 8 days ahead forgot at
        // start the limit of a node away for a night, took an add of 40 kB that node (16 KiB frames) can never get,
        // and kept it, never sent
        long now = horizonClock.now();
        long tick = loop.monotonicMillis(); // its refresh interval is not moved by a clock set back
        int before = peersFrameLimit;
        String beforeNode = frameLimits.smallestNode();
        boolean changed = node != null && frameLimits.seen(node, theirs, now, keepFor);
        List<String> gone = List.of();
        if (tick - frameLimitsExpiredAt > FRAME_LIMITS_REFRESH_MILLIS) {
            frameLimitsExpiredAt = tick;
            gone = frameLimits.expire(now);
            changed |= !gone.isEmpty();
        }
        peersFrameLimit = frameLimits.smallest();
        if (changed || (node != null && frameLimits.nodes().containsKey(node)
            && tick - frameLimitsKeptAt > FRAME_LIMITS_REFRESH_MILLIS)) {
            frameLimitsKeptAt = tick;
            try { // kept with the log: a restart and `logmesh add` honour it too (verify38)
                log.store().setState(Log.PEER_FRAME_LIMIT_KEY, frameLimits.encode());
                log.lastingFailures().worked(LOG, "frame limits", "keeping the mesh's frame limits with the log");
            } catch (dev.logmesh.StoreException e) {
                // said once while it lasts (before, ux41: only at debug, so a restart's forgotten limit was unexplained)
                log.lastingFailures().failed(LOG, "frame limits", "keep the mesh's frame limits with the log (a restart "
                    + "and logmesh add would not know them)", e);
            }
        }
        if (before > 0 && (peersFrameLimit == 0 || peersFrameLimit > before)) {
            frameLimitsSaid.removeIf(k -> k.startsWith(beforeNode + " "));
            LOG.info("the smallest frame limit of this mesh that this node knows of is now {} ({}); it was {} bytes, "
                + "{}'s, which {}: this node adds actions up to {} bytes again", peersFrameLimit == 0
                    ? config.maxFrameBytes() + " bytes, this node's own" : peersFrameLimit + " bytes", peersFrameLimit == 0
                    ? "no node of the mesh takes less" : frameLimits.smallestNode() + "'s", before, beforeNode,
                gone.contains(beforeNode) ? "was not seen for long enough (7 days; a node whose log is in memory: 3 of "
                    + "its presence periods)"
                    : "now takes frames up to " + theirs + " bytes",
                EntrySize.maxEntry(peersFrameLimit > 0 ? peersFrameLimit : config.maxFrameBytes()));
        }
    }

    /**
     * Refuses an entry that could not travel: one larger than a frame (with its meta as the log stores it, the keep
     * reason included: {@link Log#asStored}) could never be sent to a peer with this node's frame limit, and one
     * nested deeper than a frame may be would be refused by every peer's codec, so that the sessions carrying it would
     * fail and start again forever. Nor one larger than a peer's smaller frame limit ({@link #peerFrameLimit}).
     *
     * @throws IllegalArgumentException naming the size or depth, and the limit
     */
    private Entry checkSize(Entry e) {
        int depth = EntrySize.depth(e.action(), e.meta());
        if (depth > EntrySize.MAX_DEPTH) {
            throw new IllegalArgumentException("action nested " + depth + " levels deep (with its meta) is over the "
                + "limit of " + EntrySize.MAX_DEPTH + " levels that a sync frame can carry");
        }
        long size = EntrySize.boundOnAnyNode(e); // with the room of the keep reason peers add to it
        int peers = peersFrameLimit; // 0, or smaller than this node's own
        long max = EntrySize.maxEntry(peers > 0 ? peers : config.maxFrameBytes());
        if (size > max && peers > 0) {
            // before a refusal only (the hot path compares with one number): a node not seen for the horizon is gone
            frameLimitsExpiredAt = Long.MIN_VALUE / 2;
            nodeFrameLimit(null, 0, 0);
            peers = peersFrameLimit;
            max = EntrySize.maxEntry(peers > 0 ? peers : config.maxFrameBytes());
        }
        if (size > max) {
            throw new IllegalArgumentException("action of about " + size + " bytes (with its meta) is over the limit of "
                + max + " bytes, which follows from " + (peers > 0
                    ? "node " + frameLimits.smallestNode() + "'s frame limit of " + peers + " bytes (this node's is "
                        + config.maxFrameBytes() + "): it could not reach that node of the mesh nor the nodes behind "
                        + "it. Give every node of a mesh the same --max-frame (a node's smaller limit holds until it "
                        + "comes back with a larger one, or for 7 days after it was last seen)"
                    : "the frame limit of " + config.maxFrameBytes() + " bytes (NodeConfig.Builder.maxFrameBytes, "
                        + "--max-frame on the command line)"));
        }
        return e;
    }

    /**
     * Refuses a meta change that would make its entry too large or too deep for a frame ({@link #checkSize}), unless
     * the entry was so before and the change does not make it larger or deeper: an entry added under a larger frame
     * limit (the node was restarted with a lower {@link NodeConfig.Builder#maxFrameBytes}) can still be given a
     * reason, or lose one. Before (embed34), adding a one-word reason to such an entry was refused with "action of
     * about 8187 bytes (with its meta) is over the limit of 4032 bytes", as if the change had made it so.
     */
    private void checkChangeSize(Entry before, Entry after) {
        try {
            checkSize(after);
        } catch (IllegalArgumentException tooLarge) {
            if (EntrySize.bound(after) <= EntrySize.bound(before)
                && EntrySize.depth(after.action(), after.meta()) <= EntrySize.depth(before.action(), before.meta())) {
                return; // no larger than it was: the change is not what keeps it from a frame
            }
            try {
                checkSize(before);
            } catch (IllegalArgumentException wasAlready) {
                throw new IllegalArgumentException(tooLarge.getMessage() + "; it was over it before this change too ("
                    + "added under a larger frame limit?), and a change may not make it larger", tooLarge);
            }
            throw tooLarge;
        }
    }

    private <T> CompletableFuture<T> call(Supplier<T> task) {
        return call(task, false);
    }

    /**
     * Runs a task on the loop and completes its future there. The future is tracked until it completes, so that
     * {@link #close} fails it if the loop never runs the task (a call that slipped past the closed check).
     *
     * @param writes whether the task writes the log (a store failure then marks the node not writable)
     */
    // identity is the equality wanted for the tracked futures; the removal stage needs no one to wait for it
    @SuppressWarnings({"CollectionUndefinedEquality", "FutureReturnValueIgnored"})
    private <T> CompletableFuture<T> call(Supplier<T> task, boolean writes) {
        LoopFuture<T> f = new LoopFuture<>(loop);
        f.write = writes;
        calls.add(f);
        f.whenComplete((v, e) -> {
            calls.remove(f);
            stored.remove(f);
        });
        if (closing.get() || failure != null || storeClosed != null) {
            f.completeExceptionally(closedException());
            return f;
        }
        long number = writes ? addsSubmitted.incrementAndGet() : 0;
        // submitted by a callback of a failed add, on the loop, while that failure is reported: after the failure,
        // so it is tried (the retry idiom add(a).exceptionallyCompose(e -> add(a)) keeps its place)
        // or by a thread that get()/join() on a failed add has told of its failure, which may submit this one before
        // the loop has counted the adds to refuse (an app's next add after a caught failure)
        boolean sawFailure = writes && LoopFuture.sawAddFailure();
        boolean afterFailure = writes && (sawFailure || (loop.inLoop() && reportingAddFailure));
        loop.execute(() -> {
            callsTaken.lazySet(callsTaken.get() + 1);
            IllegalStateException dropped = unrun;
            if (closed || dropped != null) {
                // the close found the loop stuck behind its queue: a call still queued is not run, so that the
                // close's own task runs as soon as the loop can; it fails as documented for a call the loop did not
                // run (its action is not in the log), with one exception for all of them (a stack trace each took
                // seconds for 100,000)
                f.completeExceptionally(dropped != null ? dropped : closedException());
                return;
            }
            if (writes && !afterFailure && number <= addsRefusedUpTo) {
                // an add ahead of this one failed: this one is not tried, so that a caller that adds its failed
                // actions again in order keeps their order (a later one added meanwhile would get an earlier id)
                storeFailed("cannot add", new dev.logmesh.StoreException(addsRefusedBecause));
                f.completeExceptionally(new dev.logmesh.StoreException("not added, since an add submitted before it "
                    + "failed and this one would have been added ahead of it: " + addsRefusedBecause));
                return;
            }
            try {
                T value;
                running = f;
                try {
                    value = task.get();
                } finally {
                    running = null;
                }
                if (writes && whenClosed.isDone()) {
                    // a callback of this write closed the node, on this thread: its store is closed
                    if (closedDurable) {
                        f.complete(value);
                    } else {
                        f.completeExceptionally(closedException());
                    }
                } else if (writes) {
                    // a write's future completes once it is durable (at once with a memory store); if the loop
                    // closes first, close() completes it once the store made it durable
                    Runnable ack = () -> f.complete(value);
                    stored.put(f, ack);
                    log.whenDurable(ack, loop);
                } else {
                    f.complete(value);
                }
            } catch (dev.logmesh.StoreException e) {
                if (writes) {
                    storeFailed("cannot add", e);
                }
                if (writes) {
                    reportingAddFailure = true;
                }
                try {
                    f.completeExceptionally(e);
                } finally {
                    reportingAddFailure = false;
                }
                if (writes) {
                    // counted after its caller was told (its callbacks ran): what other threads submitted meanwhile
                    // is refused; what its callbacks submitted on the loop is not (afterFailure)
                    addsRefusedUpTo = addsSubmitted.get();
                    addsRefusedBecause = e.getMessage();
                }
            } catch (RuntimeException e) {
                if (writes && log.storeClosed()) {
                    // closed under the node, met before the store's write (an id's clock reservation)
                    dev.logmesh.StoreException closedStore = new dev.logmesh.StoreException(
                        Log.closedMessage(log.store()) + "; nothing was written", e);
                    storeClosed(closedStore);
                    f.completeExceptionally(closedStore);
                } else {
                    f.completeExceptionally(e);
                }
            } catch (Error e) {
                f.completeExceptionally(e);
                throw e; // the loop ends the node
            }
        });
        return f;
    }

    /**
     * A future that a node's loop completes ({@link #add}, {@link #entries}, {@link #ask}, …): waiting for it on that
     * loop's thread before it is done would stop the node (the loop that would complete it is the one waiting: for
     * good, or for the whole timeout), so {@code get}, {@code get(timeout, unit)} and {@code join} throw {@link
     * IllegalStateException} there at once instead, naming the mistake. A subscriber, listener or answerer that did
     * {@code node.add(a).join()} hung the node: no add of any thread completed, no session ran, and {@link #close}
     * gave up after {@link #CLOSE_STUCK_MILLIS} (18 s in all, embed22's trial; {@code LoopBlockingTest}). Dependent
     * stages ({@code thenApply}, …) are such futures too. The thread is the loop's when {@link Loop#inLoop()} says
     * so: a {@link SystemLoop}'s own thread, and any thread of a test's manual loop (the test kit's {@code
     * ManualLoop} runs on the test's thread), where a wait before the test ran the loop ({@code LocalMesh.run},
     * {@code ManualLoop.runAll}) hung the test for good.
     */
    private static final class LoopFuture<T> extends CompletableFuture<T> {
        /**
         * Set on a thread that {@code get()} or {@code join()} of a failed local add told of its {@link
         * StoreException}: its next add is submitted after that failure, whatever the loop counted meanwhile
         * ({@link #call}); read and cleared by that add. Before (break35) the add a thread submitted right after
         * catching the failure was refused as submitted before it whenever it won the race with the loop.
         */
        private static final ThreadLocal<Boolean> SAW_ADD_FAILURE = new ThreadLocal<>();
        private final Loop loop;
        /** Whether this is a local add's own future (not a dependent stage); set before it is returned. */
        volatile boolean write;

        /** Whether this thread was told of a failed add since its last add; clears it. */
        static boolean sawAddFailure() {
            boolean saw = SAW_ADD_FAILURE.get() != null;
            if (saw) {
                SAW_ADD_FAILURE.remove();
            }
            return saw;
        }

        private void told(Throwable cause) {
            if (write && cause instanceof dev.logmesh.StoreException) {
                SAW_ADD_FAILURE.set(Boolean.TRUE);
            }
        }

        LoopFuture(Loop loop) {
            this.loop = loop;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new LoopFuture<>(loop);
        }

        /** Throws if the calling thread is the loop's and the future is not done (the wait could not end). */
        private void requireNotLoop() {
            if (!isDone() && loop.inLoop()) {
                throw new IllegalStateException(loop instanceof SystemLoop
                    ? "waiting for a node's future on the node's loop thread (" + Thread.currentThread().getName()
                        + ") would never end: the loop completes it. A subscriber, listener or answerer must not "
                        + "wait: chain the rest with thenAccept, or wait on another thread"
                    : "waiting for a node's future on the node's loop thread would never end: the loop completes "
                        + "it. On a test's manual loop, run the loop first (LocalMesh.run, ManualLoop.runAll) and "
                        + "then read it");
            }
        }

        @Override
        public T get() throws InterruptedException, java.util.concurrent.ExecutionException {
            requireNotLoop();
            try {
                return super.get();
            } catch (java.util.concurrent.ExecutionException e) {
                told(e.getCause());
                throw e;
            }
        }

        @Override
        public T get(long timeout, java.util.concurrent.TimeUnit unit)
            throws InterruptedException, java.util.concurrent.ExecutionException,
            java.util.concurrent.TimeoutException {
            requireNotLoop();
            try {
                return super.get(timeout, unit);
            } catch (java.util.concurrent.ExecutionException e) {
                told(e.getCause());
                throw e;
            }
        }

        @Override
        public T join() {
            requireNotLoop();
            try {
                return super.join();
            } catch (java.util.concurrent.CompletionException e) {
                told(e.getCause());
                throw e;
            }
        }
    }

    /** This node's id. */
    public String nodeId() {
        return log.nodeId();
    }

    /**
     * The id of this node's mesh key, 8 hex digits, the same on every node given the same key (a one-way function of
     * it), or null for an open mesh: a node that refuses a dialer for another key names both ids, and an operator
     * compares them with each node's (the command line's {@code ready} line). Any thread.
     */
    public String keyId() {
        return keyId;
    }

    /**
     * The id of this node's next mesh key ({@link NodeConfig.Builder#nextKey}), as {@link #keyId()}, or null without
     * one. Any thread.
     */
    public String nextKeyId() {
        return nextKeyId;
    }

    /**
     * {@link #keyId()} and {@link #nextKeyId()}, made once: the status file (every second) and each presence record
     * say them, and each is an HMAC.
     */
    private final String keyId;
    private final String nextKeyId;

    /**
     * The URL peers can dial ({@code ws://host:port}), or null if the node does not listen: it was started without
     * listening ({@link NodeConfig.Builder#noListen}), or it is closed (its port is free, maybe another program's
     * already). Any thread. Before (embed34), a closed node still gave the URL it had listened at.
     */
    public URI url() {
        return closed ? null : url;
    }

    /**
     * The IPv4 addresses on which this node announces itself and looks for peers by mDNS (one JmDNS each), or an
     * empty list when mDNS is off, the discovery is the application's own ({@link NodeConfig.Builder#discovery}) or
     * the node is closed. Any thread.
     */
    public List<java.net.Inet4Address> mdnsInterfaces() {
        return !closed && discovery instanceof MdnsDiscovery m ? m.interfaces() : List.of();
    }

    /** The settings this node was started with. */
    public NodeConfig config() {
        return config;
    }

    /**
     * Adds a listener for peer and error events; any thread. Closing the returned subscription removes it (a
     * listener added twice is called twice and removed once per subscription).
     *
     * @throws IllegalStateException if the node is closed (it would never be called)
     */
    public Subscription addListener(Listener l) {
        java.util.Objects.requireNonNull(l, "listener");
        requireOpen();
        listeners.add(l);
        return () -> listeners.remove(l);
    }

    /**
     * Throws {@link #closedException()} if the node is closed: a subscription or listener made then would never
     * be called, silently (breaker18b, session 18).
     */
    private void requireOpen() {
        if (closed || failure != null || storeClosed != null) {
            throw closedException();
        }
    }

    /**
     * Whether the node can write its log; any thread. Not writable after a write failed (disk full, I/O error)
     * until an entry is stored again, and once the node is closed ("node is closed", or "node is closed after a fatal
     * error: ..."); see {@link NodeHealth}.
     */
    public NodeHealth health() {
        NodeHealth c = closedHealth;
        return c != null ? c : health;
    }

    /**
     * What {@link #health} says once the node is closed: not writable, "node is closed" (or after which fatal error),
     * since when; null while open. Before (embed34), a node a fatal error had closed still said {@code writable=true,
     * problem=null}, as if it served on.
     */
    private volatile NodeHealth closedHealth;

    /**
     * Completes when the node has closed: normally after {@link #close}, exceptionally with the {@link Error}
     * when a fatal error on the loop ended the node (a command line exits non-zero on it).
     */
    public CompletableFuture<Void> whenClosed() {
        return whenClosed.copy();
    }

    /** Accepted connections that have not completed their WebSocket upgrade (tests); 0 without WebSockets. */
    int pendingUpgrades() {
        return ws == null ? 0 : ws.pendingUpgrades();
    }

    /**
     * Stops taking in what peers send, for an application that consumes entries more slowly than they arrive
     * (the command line pauses while its stdout is full): received messages wait, their links stop reading, so
     * peers hold their entries and nothing more is acknowledged; memory stays bounded. Local adds still work.
     * {@link #resumeReceiving} hands what waits to the sessions. Nothing is dropped: a session that ends while
     * paused (a pause longer than the session timeout ends sessions, whose pings go unanswered) simply leaves
     * its entries unacknowledged, and its peer sends them again after reconnecting. On Linux's native epoll transport
     * a link whose peer closes while paused is read to its end (Netty reads a stream to its end on the peer's close,
     * whatever the channel's auto-read says), so the memory bound grows by up to that socket's receive buffer there.
     * Idempotent; any thread.
     */
    public void pauseReceiving() {
        gate.pause();
    }

    /** Ends {@link #pauseReceiving}: what waits reaches the sessions, in order, and links read again. Any thread. */
    public void resumeReceiving() {
        gate.resume();
    }

    /**
     * Adds a local action (optimistic: it is in the local log, durably, when the future completes; sync follows).
     * The future completes on the node's loop thread, after the subscribers of the action ran; an add whose action
     * is in the log but not yet durable when {@link #close} runs completes during the close, on the thread that
     * called it, once the store made it durable.
     *
     * @return the added meta; fails with {@link IllegalArgumentException} for a bad action, and with {@link
     *     IllegalStateException} ("node is closed") only when the action is not in the log: the node was closed
     *     before the loop ran the add (adding it again after a restart adds it once)
     * @throws NullPointerException if {@code action} is null (at once; the future is never made)
     */
    public CompletableFuture<Meta> add(Action action) {
        return add(action, List.of());
    }

    /**
     * Adds a local action with reasons (the node's keep reason is added to them).
     *
     * @throws NullPointerException if {@code action}, {@code reasons} or one of the reasons is null (at once)
     */
    public CompletableFuture<Meta> add(Action action, List<String> reasons) {
        java.util.Objects.requireNonNull(action, "action");
        List<String> given = nonNullElements(reasons, "reasons");
        return call(() -> countAdded(log.add(checkSize(log.asStored(log.create(action, given))))), true);
    }

    /**
     * Adds a local action with a partial meta as a user gives it: optional {@code id}, {@code time},
     * {@code reasons}, {@code subprotocol} and custom keys.
     *
     * @param partialMeta the meta's keys as JSON, or null for none (as {@link #add(Action)})
     * @return the added meta, or null if an entry with that id was already applied here; fails with {@link
     *     IllegalArgumentException} for a meta of a bad shape (a key of the wrong type, {@code added} given)
     * @throws NullPointerException if {@code action} is null (at once)
     * @throws IllegalArgumentException if the meta holds a Java object ({@code POJONode}), not JSON (at once)
     */
    public CompletableFuture<Meta> add(Action action, JsonNode partialMeta) {
        java.util.Objects.requireNonNull(action, "action");
        if (partialMeta != null) {
            Action.requireJson(partialMeta, "meta");
        }
        return call(() -> countAdded(log.add(checkSize(log.asStored(MetaJson.draft(log, action, partialMeta,
            List.of()))))), true);
    }

    /** A copy of {@code list}, or {@link NullPointerException} naming it if it or an element is null. */
    private static <T> List<T> nonNullElements(List<T> list, String name) {
        java.util.Objects.requireNonNull(list, name);
        for (T t : list) {
            java.util.Objects.requireNonNull(t, () -> name + " must not hold null: " + list);
        }
        return List.copyOf(list);
    }

    /** Counts an action added here (null: it was applied before). Loop. */
    private Meta countAdded(Meta added) {
        if (added != null) {
            stats.added(1);
        }
        return added;
    }

    /**
     * Calls {@code consumer} for every entry added to this node's log from now on, local or received, that
     * matches {@code filter}: once per entry, on the node's loop thread, in the order entries are added here, once
     * the entry is durable in the log (with a durable store: after the group commit that holds it; with a memory
     * store: at once). So an entry a subscriber was given is never given again, also not after a power loss: it
     * survives in the log and in the seen index (the rule "applied exactly once" for an application that keeps its
     * own state on disk). An entry lost before it was durable was never given, and is given when it comes back.
     * An entry committed just before the process died (not a power loss: the operating system keeps the write) is
     * in the log after the restart and is not given by a subscription made then: an application with its own state
     * on disk uses {@link #subscribe(long, Predicate, Consumer)}.
     *
     * @throws IllegalStateException if the node is closed (no entry would ever come)
     */
    public Subscription subscribe(Predicate<Entry> filter, Consumer<Entry> consumer) {
        java.util.Objects.requireNonNull(filter, "filter");
        java.util.Objects.requireNonNull(consumer, "consumer");
        requireOpen();
        java.util.concurrent.atomic.AtomicBoolean on = new java.util.concurrent.atomic.AtomicBoolean(true);
        Consumer<Entry> deliver = delivery(on, filter, consumer);
        Runnable off = log.onAdd(e -> log.whenDurable(deliver, e, loop));
        return () -> {
            off.run();
            on.set(false); // entries already waiting for durability are not delivered either
        };
    }

    /**
     * What a subscription calls per entry: {@code consumer} for the entries {@code filter} takes while {@code on},
     * each {@link #isolated} and logged by its own name: a filter that throws skips the entry for this subscription
     * ("subscription filter ..."), a subscriber that throws is logged and skipped ("subscriber ..."). Until session 28
     * a failing filter was logged as "subscriber" and named by its consumer.
     */
    private Consumer<Entry> delivery(java.util.concurrent.atomic.AtomicBoolean on, Predicate<Entry> filter,
                                     Consumer<Entry> consumer) {
        java.util.Objects.requireNonNull(filter, "filter");
        java.util.Objects.requireNonNull(consumer, "consumer");
        // isolatedFilter and isolated in one callback: two calls an entry fewer (a catch-up delivers each entry from
        // the first second, through interpreted code: docs/performance.md, "Session 52"); the same failures logged
        FailureLog filterFailures = new FailureLog("subscription filter", filter, System::nanoTime);
        FailureLog failures = new FailureLog(consumer, System::nanoTime);
        return e -> {
            if (!on.get() || closed) {
                return;
            }
            boolean takes;
            try {
                takes = filter.test(e);
            } catch (RuntimeException | Error ex) {
                Callbacks.rethrowFatal(ex);
                filterFailures.failed(e, ex);
                return;
            }
            if (takes) {
                try {
                    consumer.accept(e);
                } catch (RuntimeException | Error ex) {
                    Callbacks.rethrowFatal(ex);
                    failures.failed(e, ex);
                }
            }
        };
    }

    /**
     * {@code filter} as {@link #isolated(Object, Consumer)} runs a callback: a failure (a {@link RuntimeException} or
     * a {@link Callbacks#survivable} {@link Error}) is logged as {@code what} ({@link FailureLog}) and the entry is not
     * taken; another {@link Error} goes through.
     */
    static Predicate<Entry> isolatedFilter(String what, Predicate<Entry> filter) {
        FailureLog failures = new FailureLog(what, filter, System::nanoTime);
        return e -> {
            try {
                return filter.test(e);
            } catch (RuntimeException | Error ex) {
                Callbacks.rethrowFatal(ex);
                failures.failed(e, ex);
                return false;
            }
        };
    }

    /** At most this many entries a replay ({@link #subscribe(long, Predicate, Consumer)}) gives per loop task. */
    static final int REPLAY_CHUNK = 1000;

    /**
     * A replay's task also ends once it has run this long (ms by the loop's clock, {@link Loop#now()}), after the
     * entry during which the time passed: a slow consumer makes a task longer by one call, not by a chunk.
     */
    static final long REPLAY_SLICE_MILLIS = 10;

    /**
     * As {@link #subscribe(Predicate, Consumer)}, after first giving the entries this node's log holds with an
     * {@code added} number above {@code afterAdded}, in {@code added} order: what an application needs that keeps
     * its own state on disk. It stores the {@code added} of the last entry it applied ({@link Meta#added()}) with
     * its state, in one transaction, and passes it here at its next start: it gets every entry kept in the log that
     * it has not applied, each once, whatever happened in between (a crash, a power loss, lost transactions), as
     * long as its state is not newer than the log: a data directory restored from a backup older than the
     * application's state gets the entries added after the backup again from peers, and they are given again
     * (live entries are given whatever their number; back the state up with the directory). The plain {@code
     * subscribe} gives only entries that come after it, so it cannot give an entry that was committed just before
     * the process died and not handed to subscribers yet (the operating system keeps the write: after the restart
     * the entry is in the log and counts as received, and no peer sends it again; a breaker's run, session 18).
     *
     * <p>{@code added} numbers are this node's (another node numbers its log its own way) and only grow: a number
     * is never given to a second entry, also not after lost transactions ({@link SqliteStore}). With a memory store
     * the log starts empty at each start, so {@code 0} is the only number to pass. Entries added without reasons
     * (or whose reasons were all removed) are not in the log and are not replayed. {@code 0} replays the whole log.
     *
     * <p>The replay runs on the node's loop in tasks of at most {@link #REPLAY_CHUNK} entries or
     * {@link #REPLAY_SLICE_MILLIS} ms, each entry once durable, with the loop's socket I/O and timers between them
     * (a replay of a large log does not hold pings, adds and sessions back); entries that arrive meanwhile are given
     * after it, in order. The consumer is called on the loop thread, never inside this call: called on the loop (from
     * a callback), the replay starts in a task of its own, after the caller's callback has the {@link Subscription}.
     *
     * @param afterAdded the {@code added} of the last entry the application applied; {@code >= 0}
     * @throws IllegalArgumentException if {@code afterAdded} is negative
     * @throws IllegalStateException    if the node is closed
     */
    public Subscription subscribe(long afterAdded, Predicate<Entry> filter, Consumer<Entry> consumer) {
        if (afterAdded < 0) {
            throw new IllegalArgumentException("afterAdded must be >= 0: " + afterAdded);
        }
        java.util.Objects.requireNonNull(filter, "filter");
        java.util.Objects.requireNonNull(consumer, "consumer");
        requireOpen();
        java.util.concurrent.atomic.AtomicBoolean on = new java.util.concurrent.atomic.AtomicBoolean(true);
        Consumer<Entry> deliver = delivery(on, filter, consumer);
        // touched on the loop only
        var replay = new Object() {
            long position = afterAdded;
            long upTo;
            boolean done;
            final java.util.ArrayDeque<Entry> waiting = new java.util.ArrayDeque<>();
            Runnable offAdd = () -> { };

            void begin() {
                if (!on.get() || closed) {
                    return; // closed: a loop given to the node (NodeConfig.loop) runs this after the store closed
                }
                upTo = log.lastAdded();
                // live entries are numbered above upTo; they wait for the replay
                Consumer<Entry> toLive = this::live;
                offAdd = log.onAdd(e -> log.whenDurable(toLive, e, loop));
                log.whenDurable(this::step, loop); // what is at or below upTo and not durable yet
            }

            void live(Entry e) {
                if (done) {
                    deliver.accept(e);
                } else {
                    waiting.add(e);
                }
            }

            void step() {
                if (!on.get() || closed) {
                    return;
                }
                int n = 0;
                long started = loop.monotonicMillis();
                for (Entry e : log.entries(dev.logmesh.spi.Order.ADDED, true, position)) {
                    if (e.meta().added() > upTo) {
                        break;
                    }
                    position = e.meta().added();
                    deliver.accept(e);
                    if (++n == REPLAY_CHUNK || loop.monotonicMillis() - started >= REPLAY_SLICE_MILLIS) {
                        // schedule, not execute: Netty runs tasks posted with execute() back to back (for up to
                        // 1 s) before it reads sockets again; a scheduled task waits for the loop's next turn
                        loop.schedule(0, this::step);
                        return;
                    }
                }
                done = true;
                while (!waiting.isEmpty() && on.get()) {
                    deliver.accept(waiting.poll());
                }
            }
        };
        // a task of its own also when called on the loop (from a callback): the replay never runs inside this call,
        // so the consumer is not given entries before the caller has the Subscription to close. Before (break53),
        // on the loop with the log durable (a memory store: always), up to REPLAY_CHUNK entries were given nested in
        // the caller's callback, and an app handing over from one subscription to the next got entries twice
        loop.execute(replay::begin);
        return () -> {
            on.set(false);
            onLoop(() -> replay.offAdd.run());
        };
    }

    /**
     * Runs an application's entry callback so that a {@link RuntimeException} or a {@link Callbacks#survivable}
     * {@link Error} from it is logged, with the callback and the entry id, and does not stop the other callbacks of
     * the entry or the rest of its batch. Another {@link Error} goes through: the loop ends the node. The log is
     * bounded ({@link FailureLog}): a callback that fails on every entry of a catch-up does not write a stack trace
     * per entry.
     *
     * @param owner what to name in the log (the application's callback)
     */
    static Consumer<Entry> isolated(Object owner, Consumer<Entry> callback) {
        FailureLog failures = new FailureLog(owner, System::nanoTime);
        return e -> {
            try {
                callback.accept(e);
            } catch (RuntimeException | Error ex) {
                Callbacks.rethrowFatal(ex);
                failures.failed(e, ex);
            }
        };
    }

    /**
     * The log of one application callback's failures ({@link #isolated}): the first failure with its stack trace; a
     * second within {@link #QUIET_NANOS} as one line, saying that the next ones are counted; then nothing until that
     * time has passed since the last one logged, when the next failure is logged again with its stack trace and the
     * count of those not logged. embed22's trial: a subscriber failing on every entry wrote a stack trace per entry
     * (a catch-up of 100,000 entries: 100,000 traces); a {@link ReplicatedState}'s reducer or state listener did the
     * same until session 27 (a fold of the whole log through a failing reducer: a trace per entry). Called on the
     * node's loop thread only (one callback's deliveries never overlap).
     */
    static final class FailureLog {
        /** After a failure logged with its stack trace, the next ones are only counted for this long (ns): 60 s. */
        static final long QUIET_NANOS = 60_000_000_000L;

        private final String what;
        private final Object owner;
        private final java.util.function.LongSupplier nanos;
        private boolean logged;
        private long loggedAt;
        /** Failures since the last one logged with its stack trace (the one-line notice included). */
        private long unlogged;

        /** The log of a subscriber's (or another entry callback's) failures. */
        FailureLog(Object owner, java.util.function.LongSupplier nanos) {
            this("subscriber", owner, nanos);
        }

        /**
         * The log of the failures of a callback of kind {@code what} ("subscription filter", "answerer", "state
         * filter", "state reducer", "state listener", "filter of channel NAME"), named in each line before
         * {@code owner}.
         */
        FailureLog(String what, Object owner, java.util.function.LongSupplier nanos) {
            this.what = what;
            this.owner = owner;
            this.nanos = nanos;
        }

        void failed(Entry e, Throwable ex) {
            failedAt(e.id(), ex);
        }

        /** A failure at {@code at}: the entry's id, or the id of the last entry in a state. */
        void failedAt(Object at, Throwable ex) {
            long now = nanos.getAsLong();
            if (logged && now - loggedAt < QUIET_NANOS) {
                if (unlogged++ == 0) {
                    LOG.error("{} {} failed again, on {} ({}); it is skipped for this entry. Its further "
                        + "failures are counted, and said with the next one logged {} s after the first",
                        what, owner, at, ex.toString(), QUIET_NANOS / 1_000_000_000L);
                }
                return;
            }
            if (unlogged > 0) {
                LOG.error("{} {} failed on {}; it is skipped for this entry ({} failure(s) since the last "
                    + "one logged with its stack trace)", what, owner, at, unlogged, ex);
            } else {
                LOG.error("{} {} failed on {}; it is skipped for this entry", what, owner, at, ex);
            }
            logged = true;
            loggedAt = now;
            unlogged = 0;
        }
    }

    /**
     * {@link #subscribe} for one action type.
     *
     * @throws IllegalArgumentException for the empty type, which no action has (before session 26 it made a
     *     subscription that silently never matched); a blank type such as {@code " "} is one an action may have
     */
    public Subscription subscribe(String type, Consumer<Entry> consumer) {
        requireType(type, "type"); // else a subscription that silently never matches
        return subscribe(e -> e.action().type().equals(type), consumer);
    }

    /**
     * Checks an action type given to wait for or hook: not null, not empty (an {@link Action}'s type is a
     * non-empty string, so "" would never match).
     */
    private static void requireType(String type, String name) {
        java.util.Objects.requireNonNull(type, name);
        if (type.isEmpty()) {
            throw new IllegalArgumentException(name + " must be a non-empty action type (no action has the type "
                + "\"\", so this would never match)");
        }
    }

    /** The whole log in created order (the same on every node). */
    public CompletableFuture<List<Entry>> entries() {
        return call(() -> {
            List<Entry> out = new ArrayList<>();
            log.entries().forEach(out::add);
            return out;
        });
    }

    /** The entry with this id, if it is in the log. */
    public CompletableFuture<java.util.Optional<Entry>> byId(ActionId id) {
        java.util.Objects.requireNonNull(id, "id");
        return call(() -> log.byId(id));
    }

    /**
     * Changes meta keys of an entry, as {@link Log#changeMeta(ActionId, Map)}.
     *
     * <p>A null value, like a JSON null, removes a custom key. The diff is copied on the calling thread.
     *
     * <p>The change is this node's: peers keep the meta their copy has (as in Logux, meta is not synced after the
     * action), and an entry already sent carries its old meta there. Emptying {@code reasons} removes the entry
     * from this log only, as {@link #removeReason} does; an entry removed before any peer received it is gone.
     * (embed33's trial: a custom key set on one node never showed on its peer, as it should; only this was not said.)
     *
     * <p>The entry as changed must fit a frame as an added one must ({@link #add}: size and depth); a change that
     * would make it larger fails and changes nothing. Before (session 29), a 2 MB custom value was taken, and the
     * entry was never sent to a peer again ("over b's frame limit: not sent to it"): a node that joined later never
     * got the action ({@code NonJsonValueTest}).
     *
     * @return whether the entry was there; fails with {@link IllegalArgumentException} for a read-only key, a
     *     value of the wrong type, or an entry that would be over the frame limit
     * @throws NullPointerException if {@code id} or {@code diff}, or a key of it, is null (at once)
     * @throws IllegalArgumentException if a value holds a Java object ({@code POJONode}), not JSON (at once)
     */
    public CompletableFuture<Boolean> changeMeta(ActionId id, Map<String, JsonNode> diff) {
        java.util.Objects.requireNonNull(id, "id");
        java.util.Objects.requireNonNull(diff, "diff");
        Map<String, JsonNode> given = new java.util.LinkedHashMap<>();
        diff.forEach((k, v) -> given.put(java.util.Objects.requireNonNull(k, () -> "diff must not hold a null key: "
            + diff), v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v));
        given.forEach((k, v) -> Action.requireJson(v, "meta \"" + k + "\""));
        // the entry as changed must still fit a frame, as at its add: else no peer could be sent it any more
        return call(() -> log.changeMeta(id, given, this::checkChangeSize));
    }

    /** Removes a reason, as {@link Log#removeReason}. @return how many entries were cleaned */
    public CompletableFuture<Integer> removeReason(String reason, Criteria criteria) {
        java.util.Objects.requireNonNull(reason, "reason");
        java.util.Objects.requireNonNull(criteria, "criteria");
        return call(() -> log.removeReason(reason, criteria));
    }

    /** This node's place in the bounded-degree overlay: its active and passive views and their bounds. */
    public CompletableFuture<OverlayView> overlay() {
        return call(() -> {
            if (overlay == null) {
                return new OverlayView(false, List.of(), List.of(), config.maxActive(), config.passiveSize(), 0);
            }
            Overlay.Status st = overlay.status();
            return new OverlayView(true, st.active().stream().map(PeerInfo::id).toList(),
                st.passive().stream().map(PeerInfo::id).toList(), st.maxActive(), st.maxPassive(), st.sessions());
        });
    }

    /** Peers this node has synced with or is connected to, with how far behind they are. */
    public CompletableFuture<List<PeerStatus>> peers() {
        return call(this::peerStatus);
    }

    private List<PeerStatus> peerStatus() {
        {
            List<PeerStatus> out = new ArrayList<>();
            long last = log.lastAdded();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String p : hub.connectedPeers()) {
                PeerCursor c = log.cursor(p);
                SyncSession session = hub.session(p);
                long theirs = session == null ? -1 : session.peerLastAdded();
                // a connected peer that said its log is full holds the session and takes nothing: said, not hidden
                String full = session == null || session.peerFull() == null ? null
                    : "the peer cannot write its log: " + session.peerFull();
                out.add(new PeerStatus(p, true, c.received(), c.sent(), log.entriesBetween(c.sent(), last), theirs,
                    session == null ? 0 : session.clockOffset(), session == null ? -1 : session.clockRoundTrip(),
                    null, full, -1));
                seen.add(p);
            }
            log.cursors().forEach((p, c) -> {
                if (!seen.contains(p) && !replaced(p, -1)) {
                    out.add(new PeerStatus(p, false, c.received(), c.sent(), log.entriesBetween(c.sent(), last), -1));
                }
            });
            return withDialers(out, last);
        }
    }

    /** {@code peers} with what the static dialers know: a peer dialed but never reached is listed by its URL. */
    private List<PeerStatus> withDialers(List<PeerStatus> peers, long last) {
        List<PeerStatus> out = new ArrayList<>(peers);
        for (Redialer d : dialers) {
            String known = d.knownPeer();
            int at = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).nodeId().equals(known)) {
                    at = i;
                }
            }
            if (at >= 0) {
                PeerStatus p = out.get(at);
                out.set(at, new PeerStatus(p.nodeId(), p.connected(), p.theirAddedProcessed(), p.oursAcknowledged(),
                    p.behind(), p.theirLastAdded(), p.clockOffsetMillis(), p.roundTripMillis(), d.url(),
                    p.connected() ? p.lastError() : d.lastError(),
                    p.connected() ? -1 : d.nextDialAt()));
            } else if (!d.stopped() || d.lastError() != null) {
                out.add(new PeerStatus(known != null ? known : d.url().toString(), false, 0, 0,
                    log.entriesBetween(0, last), -1, 0, -1, d.url(), d.lastError(), d.nextDialAt()));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- ask and answer

    /**
     * The field of an answer action that holds the id of the ask it answers, as text
     * ({@code "1700000000000 shop:Xk3v9QaB 0"}): {@code {"type": "payment/done", "ask": "<id>", ...}}.
     */
    public static final String ASK_FIELD = "ask";

    /**
     * Adds {@code ask} as a local action and waits for an answer: the first action of type
     * {@code answerType} whose {@value #ASK_FIELD} field is the ask's id that is added to this node's log,
     * from any node (Logux's {@code payment/ask} / {@code payment/done} pattern). The ask itself syncs like
     * any action, so an answering node that is offline answers when it comes back, if the ask has not timed
     * out by then.
     *
     * <p>Later answers to the same ask (several answering nodes) are ordinary actions in the log: the future
     * takes the first to arrive here. The timer runs on the node's loop (a manual loop's clock in tests).
     *
     * @param timeout how long to wait for the answer, {@code > 0}, in whole ms (rounded down; under 1 ms: at the
     *     loop's next turn). One of {@code Long.MAX_VALUE} ms or more ({@code Duration.ofSeconds(Long.MAX_VALUE)},
     *     {@code ChronoUnit.FOREVER.getDuration()}) waits as long as the node runs, as
     *     {@code CompletableFuture.orTimeout(Long.MAX_VALUE, MILLISECONDS)} does (before session 26 the future
     *     failed at once with an {@link ArithmeticException})
     * @return completes on the loop with the answer entry; fails with {@link java.util.concurrent.TimeoutException}
     *     when no answer came in time, {@link IllegalArgumentException} for a bad ask, and
     *     {@link IllegalStateException} if the node is closed (also while waiting). Cancelling it stops the
     *     wait (the ask stays in the log).
     * @throws IllegalArgumentException for a timeout {@code <= 0} or an empty {@code answerType}
     */
    // The futures of whenComplete are not needed: each callback handles the outcome it is given. pendingAsks
    // holds futures by identity (CompletableFuture keeps Object's equals), which is what remove needs.
    @SuppressWarnings({"FutureReturnValueIgnored", "CollectionUndefinedEquality"})
    public CompletableFuture<Entry> ask(Action ask, String answerType, java.time.Duration timeout) {
        java.util.Objects.requireNonNull(ask, "ask");
        requireType(answerType, "answerType");
        java.util.Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
        }
        CompletableFuture<Entry> answer = new LoopFuture<>(loop);
        CompletableFuture<Meta> added = call(() -> {
            String[] askId = new String[1];
            Runnable off = log.onAdd(e -> {
                JsonNode ref = e.action().get(ASK_FIELD);
                if (askId[0] != null && e.action().type().equals(answerType) && ref != null && ref.isTextual()
                    && ref.asText().equals(askId[0])) {
                    answer.complete(e);
                }
            });
            Loop.Cancellable timer = loop.schedule(saturatedMillis(timeout), () -> answer.completeExceptionally(
                new java.util.concurrent.TimeoutException("no " + answerType + " for " + askId[0] + " within "
                    + timeout)));
            pendingAsks.add(answer);
            answer.whenComplete((e, err) -> onLoop(() -> {
                off.run();
                timer.cancel();
                pendingAsks.remove(answer);
            }));
            try {
                // The id is known before the add: an answerer on this node answers during the add.
                Entry entry = log.create(ask, List.of());
                askId[0] = entry.id().toString();
                return log.add(entry);
            } catch (RuntimeException ex) {
                answer.completeExceptionally(ex);
                throw ex;
            }
        });
        added.whenComplete((m, err) -> {
            if (err != null) {
                answer.completeExceptionally(err instanceof java.util.concurrent.CompletionException
                    && err.getCause() != null ? err.getCause() : err);
            }
        });
        return answer;
    }

    /**
     * A non-negative duration in whole milliseconds, {@code Long.MAX_VALUE} for longer ones (where
     * {@link java.time.Duration#toMillis()} throws {@link ArithmeticException}): the timeouts and horizons of this
     * API take a huge duration to mean "as long as the node runs".
     */
    static long saturatedMillis(java.time.Duration d) {
        return java.util.concurrent.TimeUnit.MILLISECONDS.convert(d);
    }

    /**
     * Answers asks: for every action of {@code askType} added to this node's log from now on (local or from
     * a peer, each once), calls {@code answerer} on the loop and adds the action it returns as a local action,
     * with its {@value #ASK_FIELD} field set to the ask's id (a value already there is replaced). The answerer
     * returns null to leave an ask unanswered (for example when another node is in charge of it).
     *
     * <p>Every node with an answerer answers the asks it sees: with several answering nodes an ask gets
     * several answers and the asker takes the first. Asks already in the log when this is called are not
     * answered. An answerer that throws is logged and the ask stays unanswered. The answerer runs on the
     * loop thread and must not block: for slow work, subscribe to the ask type yourself and {@link #add} the
     * answer (with the {@value #ASK_FIELD} field) when it is ready.
     *
     * @throws IllegalStateException if the node is closed
     * @throws IllegalArgumentException for an empty {@code askType}
     */
    @SuppressWarnings("FutureReturnValueIgnored") // the whenComplete callback logs the add's failure itself
    public Subscription answer(String askType, java.util.function.Function<Entry, Action> answerer) {
        requireType(askType, "askType");
        java.util.Objects.requireNonNull(answerer, "answerer");
        // its failures are the answerer's, logged by its name (until session 28: "subscriber" and a lambda of this class)
        FailureLog failures = new FailureLog("answerer", answerer, System::nanoTime);
        return subscribe(askType, e -> {
            Action reply;
            try {
                reply = answerer.apply(e);
            } catch (RuntimeException | Error ex) {
                Callbacks.rethrowFatal(ex);
                failures.failed(e, ex);
                return;
            }
            if (reply != null) {
                com.fasterxml.jackson.databind.node.ObjectNode json = reply.json();
                json.put(ASK_FIELD, e.id().toString());
                // A task of its own, not inside the add event of the ask (which may be a received batch).
                add(Action.of(json)).whenComplete((m, err) -> {
                    if (err != null && closing.get()) {
                        // the node closed before the answer's add ran (the answerer may have closed it): what close
                        // does to a call it did not run, not a failure of the answer (before session 29: an ERROR
                        // with the stack trace of "node is closed"; CloseFromCallbackTest)
                        LOG.info("the answer to {} was not added: the node closed first", e.id());
                    } else if (err != null) {
                        LOG.error("cannot add the answer to {}", e.id(), err);
                    }
                });
            }
        });
    }

    // ---------------------------------------------------------------- Logux clients (issue 11)

    /**
     * Hooks for one action type that this node's Logux clients send ({@code @logux/client} apps, bare
     * {@code @logux/core} nodes: peers whose {@code connect} has no mesh options). Without hooks a type is
     * accepted (unless {@link NodeConfig#strictClientHooks()}). They apply to actions received from now on;
     * register them before clients connect, or start the node with {@code strictClientHooks}. Any thread.
     *
     * @throws IllegalArgumentException if the type has hooks already, or is empty (no action has it)
     * @throws IllegalStateException    if the node is closed (as for every hook method here: no client would reach
     *     them)
     */
    public void type(String type, TypeHooks hooks) {
        requireType(type, "type");
        dev.logmesh.internal.edge.EdgeHooks.Type adapted = ClientHookRegistry.type(hooks);
        requireOpen(); // hooks registered now would never be called (before session 29: taken without a word)
        clientHooks.register(b -> b.type(type, adapted));
    }

    /** Hooks for the types a regular expression finds, tried in registration order after exact types. */
    public void type(java.util.regex.Pattern types, TypeHooks hooks) {
        java.util.Objects.requireNonNull(types, "types");
        dev.logmesh.internal.edge.EdgeHooks.Type adapted = ClientHookRegistry.type(hooks);
        requireOpen();
        clientHooks.register(b -> b.type(types, adapted));
    }

    /**
     * Hooks for every type without hooks of its own ({@code TypeHooks.deny()} refuses them).
     *
     * @throws IllegalStateException if set twice
     */
    public void otherType(TypeHooks hooks) {
        dev.logmesh.internal.edge.EdgeHooks.Type adapted = ClientHookRegistry.type(hooks);
        requireOpen();
        clientHooks.register(b -> b.otherType(adapted));
    }

    /**
     * Hooks for the channels a pattern such as {@code users/:id} matches ({@code :name} is one path segment, in
     * {@link ClientContext#params()}; patterns are tried in registration order). Without hooks a subscription is
     * accepted (unless {@link NodeConfig#strictClientHooks()}). Any thread.
     */
    public void channel(String pattern, ChannelHooks hooks) {
        java.util.Objects.requireNonNull(pattern, "pattern");
        dev.logmesh.internal.edge.EdgeHooks.Channel adapted = ClientHookRegistry.channel(hooks);
        dev.logmesh.internal.edge.ChannelPattern.compile(pattern); // a bad pattern fails here, not on the loop
        requireOpen();
        clientHooks.register(b -> b.channel(pattern, adapted));
    }

    /** Hooks for the channels a regular expression finds (its groups {@code "1"}, {@code "2"} in the params). */
    public void channel(java.util.regex.Pattern names, ChannelHooks hooks) {
        java.util.Objects.requireNonNull(names, "names");
        dev.logmesh.internal.edge.EdgeHooks.Channel adapted = ClientHookRegistry.channel(hooks);
        requireOpen();
        clientHooks.register(b -> b.channel(names, adapted));
    }

    /**
     * Hooks for every channel without hooks of its own.
     *
     * @throws IllegalStateException if set twice
     */
    public void otherChannel(ChannelHooks hooks) {
        dev.logmesh.internal.edge.EdgeHooks.Channel adapted = ClientHookRegistry.channel(hooks);
        requireOpen();
        clientHooks.register(b -> b.otherChannel(adapted));
    }

    /**
     * A token with which the Logux clients of one user may connect to the nodes of this keyed mesh, in any tab
     * and under any client id of that user ({@code userId:random:tab}): what an application server hands a
     * signed-in user (see the README's "Logux apps" for the trust model).
     *
     * @param expires when the token stops working, or null for never
     * @throws IllegalStateException if the mesh has no key (an open mesh needs no token)
     * @throws IllegalArgumentException for a user id that cannot be one ({@code server}, with {@code :} or a space)
     */
    public String userToken(String userId, java.time.Instant expires) {
        java.util.Objects.requireNonNull(userId, "userId");
        if (userTokens == null) {
            throw new IllegalStateException("the mesh has no key: its clients need no token");
        }
        return expires == null ? userTokens.tokenFor(userId) : userTokens.tokenFor(userId, expires);
    }

    /** The node ids of the Logux clients connected to this node now. */
    public CompletableFuture<List<String>> clients() {
        return call(() -> List.copyOf(hub.connectedClients()));
    }

    /** Asks waiting for an answer; failed on close. Owned by the loop. */
    private final java.util.Set<CompletableFuture<Entry>> pendingAsks = new java.util.HashSet<>();
    /**
     * Peers that told this node that another node runs with its id ({@link SyncSession#TWIN_TOLD}): each is said
     * once per run. Loop thread only.
     */
    private final java.util.Set<String> twinToldBy = new java.util.HashSet<>();
    /** Most refusals kept for the status file ({@link #refusals}). */
    static final int REFUSALS_KEPT = 64;
    /**
     * The last refusal by or of each node (or {@code --peer} URL) since its last session: node to {reason, loop time
     * ms}, the {@link #REFUSALS_KEPT} most recent; for the status file ({@code logmesh peers}). Loop only.
     */
    private final Map<String, Object[]> refusals = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object[]> eldest) {
            return size() > REFUSALS_KEPT;
        }
    };

    /**
     * The last refusal by or of each node (as {@link #refusals}) whose words this node said, since its last session:
     * one refused again for the same reason is not said again; the {@link #REFUSALS_KEPT} most recent. Loop only.
     */
    private final Map<String, String> refusalsSaid = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REFUSALS_KEPT;
        }
    };

    /**
     * The node ids that another node answered for at their address ({@link SyncSession#answeredInstead}: "this is NEW,
     * not OLD", a memory node restarted with a new id), each with when this node learned it (the loop's monotonic ms),
     * the {@link #REFUSALS_KEPT} most recent: such an id is not listed (status, peers) while it has no session and no
     * presence record came from it since. Before (session 47) the old id was listed until its record expired, its
     * cursor for as long as the node ran. Loop only.
     */
    private final Map<String, Long> replacedIds = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REFUSALS_KEPT;
        }
    };

    /**
     * Whether {@code nodeId} is one another node answered for ({@link #replacedIds}) and nothing came from it since: a
     * presence record of it {@code ageMillis} old (-1 for none) that came after that revives it. Loop only.
     */
    private boolean replaced(String nodeId, long ageMillis) {
        Long at = replacedIds.get(nodeId);
        if (at == null) {
            return false;
        }
        if (ageMillis >= 0 && ageMillis < loop.monotonicMillis() - at) {
            replacedIds.remove(nodeId); // it said something since: alive somewhere else
            return false;
        }
        return true;
    }

    /** Runs a task on the loop: inline when called there, else posted (not waited for). */
    void onLoop(Runnable task) {
        if (loop.inLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Whether {@link #close} was called (or a fatal error closed the node); any thread. */
    boolean isClosed() {
        return closing.get();
    }

    /**
     * Whether the node's close has stopped its callbacks ({@link #closed}): a {@link ReplicatedState} then changes
     * and tells nothing any more; any thread.
     */
    boolean callbacksStopped() {
        return closed;
    }

    /** The node's log; use it on {@link #loop()} only. */
    Log log() {
        return log;
    }

    /** The loop that owns this node's state (for tests and advanced embedding). */
    Loop loop() {
        return loop;
    }

    /** The node's gossip (for tests); use it on {@link #loop()} only. */
    Broadcast broadcast() {
        return broadcast;
    }

    /** The node's sessions (for tests); use it on {@link #loop()} only. */
    PeerTable hub() {
        return hub;
    }

    /** The node's reconciler, or null when reconciliation is off (for tests); use it on {@link #loop()} only. */
    dev.logmesh.internal.mesh.Reconciler reconciler() {
        return broadcast.reconciler();
    }

    /**
     * Closes sessions, stops listening and dialing, closes the transport, the log's store (unless it was
     * given: then it only saves the cursors) and the loop thread (unless it was given). Idempotent: a second call
     * while the first runs (a shutdown hook and {@code main}) returns once the node is closed, except on the node's
     * loop and on the thread of the first call (a callback of a future it completes), where it returns at once.
     * Calls queued on the loop before it (an {@code add} not waited for) run first, all of them, as long as the loop gets on with
     * them (100,000 queued adds on a SQLite node: see the README); a loop that takes none of them from its queue for
     * {@link #CLOSE_STUCK_MILLIS} (a subscriber or answerer blocking it) is taken as stuck, and the calls still
     * queued are then not run. Then it waits for the store's last commit and the transport's close (up to 2 s for
     * links to close). May be called from any thread, also from a subscriber or listener on the loop: once it
     * returned, no subscriber, {@link Listener} or {@link ReplicatedState} listener is called any more, also not for
     * the rest of the batch the calling subscriber was given.
     *
     * <p>Futures of calls the loop did not run fail with {@link IllegalStateException} ("node is closed"; their
     * actions are not in the log, and adding them again after a restart adds them once); writes it ran (their
     * actions are in the log) complete once the store's close made them durable, on this thread. Subscribers are
     * not called for entries that became durable during the close: an application that keeps its own state gets
     * them at its next start from {@link #subscribe(long, Predicate, Consumer)} with its own mark.
     *
     * <p>A loop stuck in one task (a subscriber or listener that blocks and never returns) is said at once, with
     * where the loop thread is, and the close waits for it no longer than {@link #CLOSE_STUCK_MILLIS} and the
     * transport's 2 s; the loop's thread ends whenever that task returns.
     *
     * @throws StoreException if the log's store could not be closed cleanly (a full disk: its last checkpoint
     *     could not run); it is thrown after every other step of the close was done, the node is closed and its
     *     data directory free for a next start, and nothing committed is lost (the message says where it is)
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        closingThread = Thread.currentThread();
        try {
            shutDown();
        } finally {
            // nothing is left pending: calls the loop will not run any more fail now
            CompletableFuture<?> inTask = loop.inLoop() ? running : null; // closed from inside its task
            for (CompletableFuture<?> f : List.copyOf(calls)) {
                if (f != inTask) {
                    f.completeExceptionally(closedException());
                }
            }
            Error f = failure;
            IllegalStateException sc = storeClosed;
            closedHealth = NodeHealth.cannotWrite(f != null ? "node is closed after a fatal error: " + f
                : sc != null ? "node is closed: " + sc.getMessage() : "node is closed", System.currentTimeMillis());
            if (f != null) {
                whenClosed.completeExceptionally(f);
            } else if (sc != null) {
                whenClosed.completeExceptionally(sc);
            } else {
                whenClosed.complete(null);
            }
        }
    }

    /**
     * A second {@link #close}: waits until the first one finished, so that it too returns with the node closed (its
     * store closed, its adds in the log), except where the wait would wait for itself: on the node's loop (the first
     * close may wait for the loop's task; a manual loop is the caller's thread) and on the thread running the first
     * close (a callback of a future it completes). Before (embed25), a second close returned at once: a shutdown hook
     * let the JVM halt in the middle of the first close, and the application could not open the store again yet.
     */
    private void awaitClosed() {
        if (loop.inLoop() || closingThread == Thread.currentThread()) {
            return;
        }
        try {
            whenClosed.get();
        } catch (java.util.concurrent.ExecutionException fatal) {
            // closed by a fatal error: closed all the same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutDown() {
        if (offFatal != null) {
            offFatal.run();
        }
        Discovery d = discovery;
        Thread discoveryClose = null;
        if (d != null) {
            // JmDNS takes ~2 s to send its goodbyes: do it while the sessions close.
            discoveryClose = new Thread(d::close, "logmesh-discovery-close");
            discoveryClose.start();
        }
        runOnLoopClosing(() -> {
            if (!storeUntouchable()) {
                checkPeerClocks(); // while the sessions are up: whether a peer confirmed this clock, recorded below
            }
            dialers.forEach(Redialer::stop);
            if (bridge != null) {
                bridge.close();
            }
            if (overlay != null) {
                overlay.close();
            }
            if (presence != null) {
                presence.close();
            }
            broadcast.close();
            endScrubPass();
            if (scrubThread != null) {
                scrubThread.shutdown(); // after the scrubber's close, queued by endScrubPass
            }
            if (!storeUntouchable()) {
                // the time this life vouched for, for the next start (HorizonClock.recorded): before (break40b) it
                // was kept only at the start and at sweeps (the first 5 min after start), so each short life went
                // back to the time the first one recorded, and a node with a right clock warned it was ahead
                recordHorizon();
            }
            for (CompletableFuture<Entry> f : List.copyOf(pendingAsks)) {
                f.completeExceptionally(new IllegalStateException("node closed while waiting for an answer"));
            }
        });
        closed = true;
        dev.logmesh.internal.net.StatusServer page = statusServer;
        if (page != null) {
            page.close();
        }
        transport.close();
        if (metrics != null) {
            metrics.close();
        }
        if (ownLoop != null) {
            ownLoop.close();
        }
        // Writes whose entries are in the log but whose futures still wait for durability (the loop that would have
        // run their acknowledgements is gone, or close() was called from inside a subscriber of their batch): the
        // store's close (or its writer, for a given store) makes them durable, and they then complete on this
        // thread. Failing them would tell the application that actions in the log were not added.
        List<Runnable> waiting = List.copyOf(stored.values());
        java.util.concurrent.CountDownLatch durable = new java.util.concurrent.CountDownLatch(1);
        // after an Error or a store closed under it, the node writes nothing to the store and calls a given one no
        // more (before, embed35: a given store that had thrown an Error was asked to save the sync cursors, and one
        // that threw it again, or a closed one, made close() throw); its own store is still closed, releasing its file
        boolean untouchable = storeUntouchable();
        if (!untouchable || ownsStore) {
            log.whenDurable(durable::countDown, Runnable::run);
        }
        dev.logmesh.StoreException storeClose = null;
        java.util.concurrent.ExecutorService scrubbing = scrubThread;
        if (scrubbing != null) {
            // a step that runs ends before the store closes: its reader's connection is closed by then (the owner's
            // close checkpoints the WAL, which a reader's snapshot would hold up)
            scrubbing.shutdown(); // done on the loop already, unless the loop was stuck
            try {
                if (!scrubbing.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warn("the scrub's reader did not finish its step within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (replayReads != null) {
            replayReads.close(); // as the scrub's: its reader closed before the store
        }
        dev.logmesh.spi.Store.Scrubber left = scrubber;
        if (left != null) {
            left.close(); // the loop was stuck and did not close it; no read runs any more
        }
        if (ownsStore) {
            try {
                log.close(!untouchable);
            } catch (dev.logmesh.StoreException e) {
                // the store released its file all the same: do the rest of the close, then say it (embed33: on a
                // full disk the throw skipped it, leaving the status writer's thread and a stale status file)
                storeClose = e;
            }
        } else if (untouchable) {
            LOG.info("sync cursors not saved: {}", storeClosed != null ? "the store is closed"
                : "the node stopped on an Error (peers send again what they sent since the last save)");
        } else {
            // a given store stays open for its owner (a test may start a node on it again)
            try {
                log.flushCursors();
            } catch (dev.logmesh.StoreException e) {
                LOG.warn("cannot save sync cursors: {}", e.getMessage());
            }
        }
        try {
            // a given store's writer may still be at it; not with a given loop too: there the caller's loop may be
            // what drives the store's durability (the test kit's manual loop), and blocking its thread would only
            // wait the whole time (5 s per close: a power-loss simulation of 60 seeds took 200 s instead of 5)
            long wait = ownsStore || waiting.isEmpty() || ownLoop == null ? 0 : 5;
            closedDurable = durable.await(wait, java.util.concurrent.TimeUnit.SECONDS);
            if (closedDurable) {
                waiting.forEach(Runnable::run);
            } else if (!waiting.isEmpty()) {
                LOG.warn("{} added actions were not durable when the node closed; their futures fail", waiting.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        java.util.concurrent.ExecutorService status = statusWriter;
        if (status != null) {
            status.shutdown(); // its last write lands before the file is removed below
            try {
                if (!status.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warn("the status file writer did not finish within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (config.dataDir() != null) {
            try {
                Files.deleteIfExists(config.dataDir().resolve(STATUS_FILE));
                Files.deleteIfExists(config.dataDir().resolve(STATUS_FILE + ".tmp"));
            } catch (IOException e) {
                LOG.debug("cannot remove {}: {}", STATUS_FILE, e.toString());
            }
        }
        if (discoveryClose != null) {
            try {
                discoveryClose.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (storeClose != null) {
            throw storeClose;
        }
    }
}
