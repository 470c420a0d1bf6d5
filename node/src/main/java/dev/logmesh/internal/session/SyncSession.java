package dev.logmesh.internal.session;

import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.protocol.MessageConnection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.ProtocolError;
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
 *       one store transaction, the cursor saved, and only then answered with {@code synced}.</li>
 *   <li><b>Cursors.</b> The dialer sends in {@code connect} the highest {@code added} of the peer it
 *       processed; the listener sends its own in the {@code connected} options ({@code logmesh.synced});
 *       each side starts sending after the number the other side gave. {@code ping}/{@code pong} carry
 *       {@link #pushed} (not {@code lastAdded}: entries still waiting for a window slot are not yet sent).</li>
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
 *       the same in production; a test gives one node a skewed wall clock to check the time fix.</li>
 * </ul>
 */
public final class SyncSession implements MessageConnection.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(SyncSession.class);

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
    }

    private final Log log;
    private final MessageConnection connection;
    private final Role role;
    private final SessionConfig config;
    private final Loop loop;
    private final Events events;
    private final String expectedPeer;

    private State state = State.NEW;
    private String peerNode;
    private int peerSubprotocol;
    private ObjectNode peerHeaders;
    private long baseTime;
    private long timeFix;
    private long connectSentAt;
    private String myNonce;
    private long syncedSentInConnect;

    /** Highest {@code added} of this log that went into the pump (sent or skipped). */
    private long pushed;
    /** {@code added} numbers received from this peer that the pump has not passed yet. */
    private final Set<Long> echo = new HashSet<>();
    private int inFlight;
    private boolean pumpScheduled;
    private boolean receiving;

    private final Liveness liveness;
    private Loop.Cancellable ticker;
    private ProtocolError closeError;
    private String closeReason;

    private long sentEntries;
    /** The peer's frame limit from its mesh options ({@code logmesh.maxFrame}), or 0 if it sent none. */
    private long peerMaxFrame;
    /** Entries not sent to the peer because they exceed its frame limit. */
    private long tooLarge;
    /** The peer's {@code lastAdded} when the session connected ({@code logmesh.lastAdded}), or -1. */
    private long peerLastAdded = -1;
    private long receivedEntries;
    private long announcedEntries;

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
    /** [overlay hook] The node's overlay membership, or null: then this session offers no {@code hpv}. */
    private Membership membership;
    /** [overlay hook] Whether both sides offered the overlay ({@code hpv}): only then may it carry its messages. */
    private boolean overlayLink;
    /** [overlay hook] While true the pump sends nothing (an overlay peer outside the active view). */
    private boolean held;
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
        liveness.opened(loop.now());
        scheduleTick();
        if (role == Role.DIALER) {
            sendConnect();
        }
    }

    @Override
    public void onMessage(Message m) {
        if (state == State.CLOSED) {
            return;
        }
        liveness.received(loop.now());
        if (m instanceof Message.Sync s) {
            onSync(s);
        } else if (m instanceof Message.Synced s) {
            onSynced(s);
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
        } else if (m instanceof Message.Error e) {
            ProtocolError err = ProtocolError.received(e.errorType(), e.options());
            if (requirePeer && peerNode == null) {
                // [overlay hook] an overlay dial refused: routine with stale or forged addresses, backed off
                LOG.debug("{} sent error {}", describePeer(), e.errorType());
            } else {
                LOG.warn("{} sent error {}", describePeer(), e.errorType() + (e.options() == null ? "" : " " + e.options()));
            }
            closeWith(err, "peer sent error " + e.errorType());
        } else if (m instanceof Message.Debug d) {
            LOG.info("debug from {}: {}", describePeer(), d.text());
        } else if (m instanceof Message.Ihave h) {
            onIhave(h);
        } else if (m instanceof Message.Graft g) {
            onGraft(g);
        } else if (m instanceof Message.Prune) {
            if (state == State.CONNECTED && plumtree) {
                gossip.pruned(peerNode);
            }
        } else if (m instanceof Message.Range || m instanceof Message.Want || m instanceof Message.Gone) {
            onReconcile(m);
        } else if (m instanceof Message.Hpv h) {
            onHpv(h);
        }
    }

    @Override
    public void onBadInput(ProtocolError error) {
        if (state == State.CLOSED) {
            return;
        }
        LOG.warn("bad input from {}: {}", describePeer(), error.getMessage());
        fail(error);
    }

    @Override
    public void onClose(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        finish(closeError, closeReason != null ? closeReason : reason);
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
        options.set(MeshAuth.OPTION, Handshake.meshOptions(config, log, gossip != null, reconciliation != null,
            membership != null));
        if (config.auth() != null) {
            myNonce = config.auth().nonce();
            config.auth().putConnectProof((ObjectNode) options.get(MeshAuth.OPTION), log.nodeId(), expectedPeer,
                myNonce);
        }
        if (requirePeer) {
            ((ObjectNode) options.get(MeshAuth.OPTION)).put("to", expectedPeer);
        }
        syncedSentInConnect = expectedPeer == null ? 0 : log.cursor(expectedPeer).received();
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
        if (config.bruteforce() != null && config.bruteforce().blocked(address)) {
            fail(ProtocolError.of(ProtocolError.Type.BRUTEFORCE, null, "too many failed attempts from " + address));
            return;
        }
        if (c.protocol() < Message.PROTOCOL) {
            fail(Handshake.wrongProtocol(c.protocol()));
            return;
        }
        if (c.nodeId().equals(log.nodeId())) {
            // Answer, so the dialing side (this same node) sees its own id and stops dialing this address.
            send(new Message.Connected(Message.PROTOCOL, log.nodeId(), start, log.now(), null));
            closeWith(null, "connected to itself");
            return;
        }
        JsonNode to = c.options() == null || !(c.options().get(MeshAuth.OPTION) instanceof ObjectNode o) ? null
            : o.get("to");
        // ("*": any node; a keyed dialer always names one, for its proof, which covers it)
        if (to != null && to.isTextual() && !to.asText().equals("*") && !to.asText().equals(log.nodeId())) {
            // [overlay hook] the dialer wants another node (an old address): refuse before counting as connected
            refusedOtherNode = true;
            fail(ProtocolError.of(ProtocolError.Type.WRONG_CREDENTIALS, null,
                "this is " + log.nodeId() + ", not " + to.asText()));
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
        String denied = Handshake.checkCredentials(config, log.nodeId(), options, ext, c.nodeId());
        if (denied != null) {
            LOG.warn("refused {} from {}: {}", c.nodeId(), address, denied);
            if (config.bruteforce() != null) {
                config.bruteforce().failed(address);
            }
            fail(ProtocolError.of(ProtocolError.Type.WRONG_CREDENTIALS, null, denied));
            return;
        }
        plumtree = Handshake.plumtree(gossip != null, ext);
        reconcileLink = Handshake.offers(reconciliation != null, ext, Handshake.RECONCILE);
        overlayLink = Handshake.offers(membership != null, ext, Handshake.HPV);
        peerLastAdded = Handshake.lastAdded(ext);
        peerMaxFrame = Handshake.maxFrame(ext);
        sendHeaders();
        baseTime = log.now();
        timeFix = 0;
        pushed = startAfter(c.synced());
        ObjectNode reply = MeshAuth.newObject();
        if (config.subprotocol() > 0) {
            reply.put("subprotocol", config.subprotocol());
        }
        ObjectNode mine = Handshake.meshOptions(config, log, gossip != null, reconciliation != null,
            membership != null);
        mine.put("synced", log.cursor(peerNode).received());
        if (config.auth() != null && ext != null && ext.has("proof")) {
            config.auth().putConnectedProof(mine, log.nodeId(), peerNode, ext.get("nonce").asText());
        }
        reply.set(MeshAuth.OPTION, mine);
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
            closeWith(null, "connected to itself");
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
                c.nodeId() + " did not prove it has the mesh key"));
            return;
        }
        plumtree = Handshake.plumtree(gossip != null, ext);
        reconcileLink = Handshake.offers(reconciliation != null, ext, Handshake.RECONCILE);
        overlayLink = Handshake.offers(membership != null, ext, Handshake.HPV);
        peerLastAdded = Handshake.lastAdded(ext);
        peerMaxFrame = Handshake.maxFrame(ext);
        timeFix = Handshake.timeFix(connectSentAt, c.start(), c.end(), log.now());
        baseTime = c.end();
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
                return !held && inFlight == 0 && inbound.isEmpty() && pushed >= log.lastAdded()
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
        };
    }

    private void becomeConnected() {
        state = State.CONNECTED;
        // [overlay hook] an overlay peer gets entries only once the overlay makes it active (see hold)
        held = overlayLink;
        if (reconcileLink) {
            antiEntropy = new AntiEntropy(reconciliation, loop, config.reconcileMillis(), role == Role.DIALER,
                antiEntropyLink(), new java.util.Random(java.util.Objects.hash(log.nodeId(), peerNode)));
            antiEntropy.start();
        }
        LOG.debug("{} session with {} connected (time fix {} ms)", role, peerNode, timeFix);
        events.connected(this);
        pump();
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
        if (receiving || held) {
            return;
        }
        if (entry.meta().added() == 0) {
            if (!entry.id().node().equals(peerNode) && fits(entry, EntrySize.bound(entry))) {
                sendSync(pushed, List.of(entry));
            }
            return;
        }
        if (!pumpScheduled) {
            pumpScheduled = true;
            loop.execute(this::pump);
        }
    }

    private void pump() {
        pumpScheduled = false;
        pumpChunks();
        settleSentCursor();
    }

    /**
     * With nothing in flight, every entry up to {@link #pushed} was acknowledged or skipped because the
     * peer made or sent it: the peer has them all, so the sent cursor (shown as "behind") may say so.
     */
    private void settleSentCursor() {
        if (state == State.CONNECTED && inFlight == 0 && pushed > 0) {
            log.advanceCursor(peerNode, 0, pushed);
        }
    }

    /**
     * Sends what the peer lacks in chunks cut by encoded bytes: each frame stays within the smaller of the two
     * frame limits (and {@code chunkBytes}); an entry too large for the peer alone is skipped for it (logged),
     * so it never blocks the entries after it.
     */
    private void pumpChunks() {
        long chunkBudget = Math.min(config.chunkBytes(), frameLimit() - EntrySize.FRAME_OVERHEAD);
        while (state == State.CONNECTED && !held && inFlight < config.window()) {
            List<Entry> page = log.store().page(Order.ADDED, true, pushed, config.chunkEntries());
            if (page.isEmpty()) {
                return;
            }
            boolean lazy = plumtree && !gossip.eager(peerNode);
            List<Entry> out = new ArrayList<>(page.size());
            long upTo = pushed;
            long bytes = 0;
            for (Entry e : page) {
                long added = e.meta().added();
                if (echo.remove(added) || e.id().node().equals(peerNode)) {
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
            if (!out.isEmpty()) {
                if (lazy) {
                    sendIhave(upTo, out);
                } else {
                    sendSync(upTo, out);
                }
            }
        }
    }

    /** The largest frame this session may send: the smaller of this node's and the peer's limits. */
    private long frameLimit() {
        return peerMaxFrame > 0 ? Math.min(config.maxFrameBytes(), peerMaxFrame) : config.maxFrameBytes();
    }

    /** Whether an entry of this size fits a frame to the peer; if not, says so once and counts it. */
    private boolean fits(Entry e, long entryBytes) {
        if (entryBytes <= frameLimit() - EntrySize.FRAME_OVERHEAD) {
            return true;
        }
        tooLarge++;
        LOG.warn("{} takes up to {} bytes in a frame, over {}'s frame limit of {}: not sent to it", e.id(),
            entryBytes, describePeer(), frameLimit());
        return false;
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
                sendSync(added, out);
                out = new ArrayList<>();
                bytes = 0;
            }
            out.add(e);
            bytes += size;
        }
        if (!out.isEmpty()) {
            sendSync(added, out);
        }
    }

    private void sendSync(long added, List<Entry> entries) {
        List<Message.WireEntry> wire = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            wire.add(new Message.WireEntry(e.action(), WireMeta.toWire(e.meta(), log.nodeId(), baseTime, timeFix)));
        }
        if (send(new Message.Sync(added, wire))) {
            sentEntries += entries.size();
            liveness.inFlight(++inFlight, loop.now());
        }
    }

    private void sendIhave(long added, List<Entry> entries) {
        List<dev.logmesh.ActionId> ids = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            ids.add(e.id());
        }
        if (send(new Message.Ihave(added, ids))) {
            announcedEntries += ids.size();
            liveness.inFlight(++inFlight, loop.now());
        }
    }

    private boolean send(Message m) {
        if (state == State.CLOSED) {
            return false;
        }
        liveness.sent(loop.now());
        boolean ok = connection.send(m);
        if (!ok) {
            closeWith(null, "connection did not accept a message (closed or overloaded)");
        }
        return ok;
    }

    // ---------------------------------------------------------------- receiving

    private void onSync(Message.Sync s) {
        if (state != State.CONNECTED) {
            fail(missedAuth(s));
            return;
        }
        List<Entry> entries = new ArrayList<>(s.entries().size());
        try {
            for (Message.WireEntry w : s.entries()) {
                Meta meta = w.meta().toMeta(peerNode, baseTime, timeFix);
                entries.add(new Entry(w.action(), meta));
            }
        } catch (ProtocolError e) {
            fail(e);
            return;
        }
        long before = log.lastAdded();
        List<Meta> results;
        receiving = true;
        try {
            results = log.add(entries);
        } finally {
            receiving = false;
        }
        receivedEntries += entries.size();
        long after = log.lastAdded();
        boolean duplicate = false;
        if (pushed >= before) {
            pushed = Math.max(pushed, after);
        }
        for (Meta m : results) {
            if (m == null) {
                duplicate = true;
            } else if (pushed < before && m.added() > 0) {
                echo.add(m.added());
            }
        }
        if (duplicate && plumtree && s.added() > 0) {
            // Plumtree: this link delivered what another path already had. Keep it for ids only.
            gossip.duplicate(peerNode);
        }
        inbound.received(s.added(), new HashSet<>());
        drain();
        settleSentCursor();
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
        return state == State.CONNECTED && plumtree && send(new Message.Graft(ids));
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
        if (!held && state == State.CONNECTED && !pumpScheduled) {
            pumpScheduled = true;
            loop.execute(this::pump);
        }
    }

    /**
     * Whether this session ended in a routine way for the overlay: a dial of the overlay ({@link #requirePeer})
     * that never connected, or a connect refused because it named another node. Such failures come from stale or
     * forged addresses, are bounded and backed off by the overlay, and are not worth an error report.
     */
    public boolean overlayProbeFailed() {
        return refusedOtherNode || requirePeer && peerNode == null
            || requirePeer && expectedPeer != null && !expectedPeer.equals(peerNode);
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
            log.advanceCursor(peerNode, upTo, 0);
            send(new Message.Synced(upTo));
        });
    }

    private void onSynced(Message.Synced s) {
        if (state != State.CONNECTED) {
            fail(missedAuth(s));
            return;
        }
        if (inFlight > 0) {
            inFlight--;
        }
        liveness.answered(inFlight, loop.now());
        long acked = Math.min(s.added(), pushed);
        log.advanceCursor(peerNode, 0, acked);
        events.acknowledged(this, acked);
        pump();
    }

    private void onPing(Message.Ping p) {
        if (state != State.CONNECTED) {
            fail(missedAuth(p));
            return;
        }
        if (!liveness.pingAllowed(loop.now())) {
            fail(ProtocolError.of(ProtocolError.Type.BRUTEFORCE, null, "ping flood"));
            return;
        }
        if (peerWentBack(p.synced())) {
            return;
        }
        if (inbound.isEmpty()) {
            log.advanceCursor(peerNode, p.synced(), 0);
        }
        send(new Message.Pong(pushed));
    }

    private void onPong(Message.Pong p) {
        if (state != State.CONNECTED) {
            fail(missedAuth(p));
            return;
        }
        liveness.ponged();
        if (peerWentBack(p.synced())) {
            return;
        }
        if (inbound.isEmpty()) {
            log.advanceCursor(peerNode, p.synced(), 0);
        }
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

    private void scheduleTick() {
        ticker = loop.schedule(liveness.period(), this::tick);
    }

    /** The periodic check: handshake and answer timeouts, and pings after silence. */
    void tick() {
        if (state == State.CLOSED) {
            return;
        }
        switch (liveness.check(loop.now(), state == State.CONNECTED, role == Role.DIALER)) {
            case TIMEOUT:
                timeout(liveness.late());
                return;
            case PING:
                send(new Message.Ping(pushed));
                break;
            default:
                break;
        }
        scheduleTick();
    }

    private void timeout(String what) {
        // Logux sends nothing on a timeout: the peer is presumed gone.
        closeError = ProtocolError.of(ProtocolError.Type.TIMEOUT, IntNode.valueOf((int) config.timeoutMillis()),
            what + " within " + config.timeoutMillis() + " ms");
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
        State was = state;
        state = State.CLOSED;
        if (ticker != null) {
            ticker.cancel();
        }
        inbound.clear();
        if (antiEntropy != null) {
            antiEntropy.close();
        }
        LOG.debug("session with {} closed ({}): {}", describePeer(), was, reason);
        events.disconnected(this, error, reason);
    }

    /** Closes the session from this side. */
    public void close(String reason) {
        closeWith(null, reason);
    }

    // ---------------------------------------------------------------- views

    private String describePeer() {
        return (peerNode != null ? peerNode : "?") + "@" + connection.remoteAddress();
    }

    /** The peer's node id, once known (after connect/connected). */
    public String peerNode() {
        return peerNode;
    }

    /** This session's role. */
    public Role role() {
        return role;
    }

    /** The session's state. */
    public State state() {
        return state;
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

    /** Starts a reconciliation round now if this side initiates and the link is quiet (tests, tools). */
    public void reconcileNow() {
        if (antiEntropy != null && state == State.CONNECTED) {
            antiEntropy.begin();
        }
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
