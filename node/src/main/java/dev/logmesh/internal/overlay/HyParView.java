package dev.logmesh.internal.overlay;

import dev.logmesh.internal.overlay.HpvMessage.Disconnect;
import dev.logmesh.internal.overlay.HpvMessage.ForwardJoin;
import dev.logmesh.internal.overlay.HpvMessage.Join;
import dev.logmesh.internal.overlay.HpvMessage.Neighbor;
import dev.logmesh.internal.overlay.HpvMessage.NeighborReply;
import dev.logmesh.internal.overlay.HpvMessage.Priority;
import dev.logmesh.internal.overlay.HpvMessage.Shuffle;
import dev.logmesh.internal.overlay.HpvMessage.ShuffleReply;
import dev.logmesh.internal.overlay.OverlayListener.Bound;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One node's HyParView membership (Leitão, Pereira, Rodrigues: "HyParView: a membership protocol for reliable
 * gossip-based broadcast", DSN 2007) as a pure state machine: a small <em>active view</em> of peers it keeps a
 * session with (at most {@link OverlayConfig#maxActive()}, symmetric: a peer is active on both sides or on
 * neither once messages have settled) and a larger <em>passive view</em> of known peers to replace them with
 * (at most {@link OverlayConfig#maxPassive()}).
 *
 * <p>Rules cite the paper's sections: §4.2 join mechanism (JOIN, FORWARD_JOIN, DISCONNECT), §4.3 active view
 * management (failures, NEIGHBOR and its priorities), §4.4 passive view management (SHUFFLE), §5 the parameters
 * of its evaluation.
 *
 * <h2>Contract</h2>
 * No sockets, no clock, no threads of its own. The host feeds it:
 * <ul>
 *   <li>{@link #candidate} and {@link #staticPeer}: peers from discovery (mDNS) and from the operator;</li>
 *   <li>{@link #sessionOpened} and {@link #sessionClosed}: what became of sessions (see {@link Sender});</li>
 *   <li>{@link #receive}: each overlay message that arrived, with the authenticated sender id;</li>
 *   <li>{@link #tick()}: periodically (logmesh: every second); timeouts, back-offs, shuffles and rotations count
 *       in ticks.</li>
 * </ul>
 * and it answers through the injected {@link Sender} (messages, session opens and closes) and
 * {@link OverlayListener} (active view changes, bounds reached). All randomness comes from the injected
 * {@link Random}, so a seeded simulation replays exactly.
 *
 * <h2>Threading</h2>
 * Not thread-safe: every method must be called on the node's loop thread (the thread that owns the sessions).
 * Sender and listener calls happen synchronously inside these methods and must not re-enter this object.
 *
 * <h2>Errors</h2>
 * Programmer errors (null or malformed ids and addresses, static peer = self, too many static peers) throw
 * {@link IllegalArgumentException} or {@link IllegalStateException}. Protocol oddities (a message from a peer
 * without a session, a stray reply, a late answer) are not errors: they are counted in {@link #stats()} and
 * dropped, since they happen in normal operation when messages cross.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Active entry = session.</b> The paper keeps a TCP connection to each active peer; here it is the sync
 *       session. Adding a peer is explicit: the requester opens a session and sends JOIN or NEIGHBOR, the other
 *       side answers with {@link NeighborReply}; each side adds the other when it accepts or is accepted. A peer
 *       leaves the active view when either side drops it (DISCONNECT, then the session closes) or the session
 *       fails. Since both sides see the session close, views are symmetric once quiet, even if a message was
 *       lost (a request without an answer times out and closes its session).</li>
 *   <li><b>Target size.</b> The node wants {@link #target()} = min(maxActive, peers it knows) active peers: a
 *       small mesh (N ≤ maxActive + 1) becomes a full mesh as before the overlay existed, a larger one a random
 *       graph of degree about maxActive. It refills a free slot from the passive view (§4.3's failure handling,
 *       applied to any free slot, at a bounded rate with back-off after refusals).</li>
 *   <li><b>Bounded cost.</b> Discovery enters the passive view through a token bucket; once the passive view
 *       is full, a discovery-only peer replaces another discovery-only peer as soon as they hold half of it, so
 *       discovery never pushes out more than half of the peers learned through the mesh; dials are limited to
 *       {@link OverlayConfig#maxConcurrentDials()}, sessions outside the active view to
 *       {@link OverlayConfig#maxPendingSessions()}; failing peers back off in a bounded table. So forged
 *       announcements of thousands of nodes cost O(maxPassive + backoffTableSize) memory, and a node with a
 *       full active view dials one of them at most once per rotation period.</li>
 *   <li><b>Static peers</b> ({@link #staticPeer}) are always wanted: dialled with high priority (the other
 *       side makes room), redialled with back-off when they fail, never dropped by this node to make room. They
 *       count toward maxActive (the bound holds), so at most maxActive of them.</li>
 *   <li><b>Healthy sessions</b> (not in the paper, whose peers are TCP connections that either work or fail). A
 *       session can connect and end at once, every time: a node that cannot store what it receives (a full disk),
 *       a peer that closes every session, a protocol error after the handshake. Such a loss counts as a failed
 *       dial: the back-off is cleared only once the session has lasted {@link OverlayConfig#healthyTicks()}, not
 *       when it connects. The rule is by time rather than by the session's state (e.g. "ended before it was
 *       synchronized") because it does not depend on why the session ended, and it bounds the dial rate to one
 *       per healthyTicks plus the back-off whatever the cause, as supervisors that reset a restart back-off only
 *       after the child ran for a while do (Akka's BackoffSupervisor, Kubernetes' CrashLoopBackOff).</li>
 *   <li><b>Rotation</b> (not in the paper): about every {@link OverlayConfig#rotatePeriodTicks()} a node with a
 *       full active view asks a random passive peer with high priority and, once accepted, drops a random active
 *       peer. Two halves of a healed partition whose active views refilled while apart otherwise merge only when
 *       a node on each side happens to have a free slot (hundreds of ticks in the simulation); with rotation, a
 *       few ticks.</li>
 * </ul>
 */
public final class HyParView {
    /** What a node with a session to a peer is waiting for. */
    private enum LinkState {
        /** {@link Sender#connect} was called; waiting for {@link #sessionOpened} or {@link #sessionClosed}. */
        CONNECTING,
        /** Session open (active, or a request in either direction pending, or on probation). */
        OPEN,
        /** {@link Sender#disconnect} was called; waiting for {@link #sessionClosed}. */
        CLOSING
    }

    /** The request this node sends (or sent) on a session it opened. */
    private enum Request {
        NONE, JOIN, LOW, HIGH
    }

    /** Why a peer is in the passive view. */
    private enum Origin {
        /** Only discovery vouched for it: at most half of the passive view. */
        DISCOVERY,
        /** Learned through the mesh (shuffle, forward join, a former active peer). */
        MESH
    }

    /** State of the session with one peer. */
    private static final class Link {
        LinkState state;
        Request request;
        boolean requestSent;
        /** Tick at which the dial, the answer or the probation times out; a closing link is forgotten then. */
        long deadline;
        String address;
        /** Tick at which the peer became active. */
        long activeSince;
        /** Whether the peer has been active {@link OverlayConfig#healthyTicks()}: its back-off is cleared. */
        boolean healthy;

        Link(LinkState state, Request request, String address, long deadline) {
            this.state = state;
            this.request = request;
            this.address = address;
            this.deadline = deadline;
        }
    }

    /** A passive view entry. */
    private static final class Passive {
        String address;
        Origin origin;

        Passive(String address, Origin origin) {
            this.address = address;
            this.origin = origin;
        }
    }

    /**
     * Counters since construction, for the host's {@code peers} output and for tests.
     *
     * @param active active view size now
     * @param passive passive view size now
     * @param sessions sessions now (active, pending and closing)
     * @param candidatesAdmitted discovery candidates admitted into the passive view
     * @param candidatesDropped discovery candidates dropped by the rate bound
     * @param dials sessions this node asked for
     * @param dialFailures dials or requests that failed or timed out, and active sessions that ended before they
     *     were healthy ({@link OverlayConfig#healthyTicks()})
     * @param refusals NEIGHBOR requests this node refused or saw refused
     * @param evictions active peers dropped to make room (DISCONNECT sent)
     * @param shuffles shuffles started
     * @param dropped messages dropped: no session, stray or late
     */
    public record Stats(int active, int passive, int sessions, long candidatesAdmitted, long candidatesDropped,
        long dials, long dialFailures, long refusals, long evictions, long shuffles, long dropped) {
    }

    private final PeerInfo self;
    private final OverlayConfig config;
    private final Sender sender;
    private final Random random;
    private final OverlayListener listener;

    /** Active view: node id to its dial address. Insertion-ordered so that random picks replay. */
    private final Map<String, String> active = new LinkedHashMap<>();
    private final Map<String, Passive> passive = new LinkedHashMap<>();
    /** Static peers: id to address. Never in {@link #passive}. */
    private final Map<String, String> pinned = new LinkedHashMap<>();
    /** Every peer with a session or a dial; a superset of {@link #active}'s keys. */
    private final Map<String, Link> links = new LinkedHashMap<>();
    private final Backoff backoff;
    private final Set<Bound> reported = EnumSet.noneOf(Bound.class);
    /** Passive entries whose origin is {@link Origin#DISCOVERY}. */
    private int discoveryOnly;

    private long now;
    private int tokens;
    private boolean joined;
    private boolean stopped;
    /** After our JOIN is accepted, FORWARD_JOIN walks bring more peers: wait for them before refilling. */
    private long fillNotBefore;
    /** Back-off of low-priority refills after refusals. */
    private long refillNotBefore;
    private int refusalsInARow;
    /** When a node refused at low priority may next ask with high priority ({@link #refillPriority}). */
    private long highRefillNotBefore;
    private long nextShuffle;
    private long nextRotation;
    /** Passive peers sent in the outstanding shuffle (§4.4: replaced first by the reply), or null. */
    private Set<String> shuffleSent;
    private long shuffleDeadline;

    private long candidatesAdmitted;
    private long candidatesDropped;
    private long dials;
    private long dialFailures;
    private long refusals;
    private long evictions;
    /** The peer {@link #makeRoom} dropped last time it ran, or null when it dropped none. */
    private PeerInfo lastDropped;
    private long shuffles;
    private long dropped;

    /**
     * Creates the membership of one node, with empty views. Nothing is sent until the first input.
     *
     * @param self this node's id and the address other nodes dial it at (sent in JOIN, NEIGHBOR, SHUFFLE)
     * @param config the settings
     * @param sender the host's side of sessions and messages
     * @param random the only source of randomness (seed it in simulations)
     * @param listener observer of active view changes and bounds, or {@link OverlayListener#NONE}
     */
    public HyParView(PeerInfo self, OverlayConfig config, Sender sender, Random random, OverlayListener listener) {
        this.self = Objects.requireNonNull(self, "self");
        this.config = Objects.requireNonNull(config, "config");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.random = Objects.requireNonNull(random, "random");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.backoff = new Backoff(config.backoffBaseTicks(), config.backoffMaxTicks(), config.backoffTableSize());
        this.tokens = config.candidateBurst();
        // first ones at a random tick of the first period, so that nodes started together do not act together
        this.nextShuffle = 1L + random.nextInt(Math.max(1, config.shufflePeriodTicks()));
        this.nextRotation = 1L + random.nextInt(Math.max(1, config.rotatePeriodTicks()));
    }

    // ---------------------------------------------------------------- host inputs

    /**
     * A peer that discovery (mDNS, a peer list) reports. Enters the passive view if it is new, not backing off,
     * and within the admission rate; never dialled from here (dials happen when the active view has a free
     * slot). Cheap for every outcome, so discovery may call it for every announcement it sees.
     *
     * @param nodeId the peer's node id, as announced (authenticated only when a session opens)
     * @param address where to dial it
     * @return what happened to it
     * @throws IllegalArgumentException if the id or the address is malformed (see {@link PeerInfo})
     */
    public Admission candidate(String nodeId, String address) {
        PeerInfo.requireId(nodeId);
        PeerInfo.requireText("address", address, PeerInfo.MAX_ADDRESS_LENGTH);
        if (stopped) {
            return Admission.IGNORED;
        }
        if (nodeId.equals(self.id())) {
            return Admission.SELF;
        }
        if (refreshAddress(nodeId, address)) {
            return Admission.KNOWN;
        }
        if (backoff.blocked(nodeId, now)) {
            return Admission.BACKED_OFF;
        }
        if (tokens == 0) {
            candidatesDropped++;
            report(Bound.CANDIDATE_RATE, () -> "discovery offers more than " + config.candidatesPerTick()
                + " new peers per tick; the rest are dropped until discovery repeats them");
            return Admission.RATE_LIMITED;
        }
        tokens--;
        candidatesAdmitted++;
        if (passive.size() >= config.maxPassive()) {
            if (discoveryOnly >= config.maxPassive() / 2) {
                report(Bound.DISCOVERY_SHARE, () -> "discovery-only peers fill half of the passive view ("
                    + discoveryOnly + "); newer ones replace older ones");
                removePassive(nthPassive(Origin.DISCOVERY, random.nextInt(discoveryOnly)));
            } else {
                removePassive(nthPassive(null, random.nextInt(passive.size())));
            }
        }
        putPassive(nodeId, new Passive(address, Origin.DISCOVERY));
        if (active.isEmpty()) {
            maintain();
        }
        return Admission.ADMITTED;
    }

    /**
     * Declares a static peer (an operator's {@code --peer}): always wanted in the active view. It is dialled with
     * high priority, so the other side accepts even when full; redialled with back-off after a failure; never
     * dropped by this node to make room. Static peers count toward {@link OverlayConfig#maxActive()}.
     *
     * <p>The host learns a static peer's node id from its first handshake; if that handshake session stays
     * open, report it with {@link #sessionOpened} and then call this method: the overlay adopts the session.
     *
     * @param nodeId the peer's node id
     * @param address where to dial it
     * @throws IllegalArgumentException if the id or the address is malformed, or the id is this node's
     * @throws IllegalStateException if there are already {@link OverlayConfig#maxActive()} static peers
     */
    public void staticPeer(String nodeId, String address) {
        PeerInfo peer = new PeerInfo(nodeId, address);
        if (nodeId.equals(self.id())) {
            throw new IllegalArgumentException("a node cannot be its own static peer: " + nodeId);
        }
        if (!pinned.containsKey(nodeId) && pinned.size() >= config.maxActive()) {
            throw new IllegalStateException("more static peers than maxActive (" + config.maxActive()
                + "): raise maxActive or list fewer peers");
        }
        if (stopped) {
            return;
        }
        if (pinned.put(peer.id(), peer.address()) == null) {
            // newly static: a back-off from its time as a passive peer must not delay it; the host calls this
            // again after every session its own dialer opens, which must not clear the back-off of a peer whose
            // sessions end at once (that redialled it in a loop)
            backoff.clear(nodeId);
        }
        removePassive(nodeId);
        Link link = links.get(nodeId);
        if (link != null && link.state == LinkState.OPEN && link.request == Request.NONE
            && !active.containsKey(nodeId)) {
            // the host's handshake session with it, on probation: adopt it as if we had dialled it
            link.request = Request.HIGH;
            link.address = peer.address();
            link.deadline = deadline();
            sendRequest(nodeId, link);
        }
        maintain();
    }

    /**
     * The session with {@code peer} is up and authenticated, whichever side opened it. If this node asked for it
     * ({@link Sender#connect}), it now sends its JOIN or NEIGHBOR; if the peer opened it, the peer has
     * {@link OverlayConfig#requestTimeoutTicks()} to send one, or the session is closed.
     *
     * @param peer the authenticated node id
     */
    public void sessionOpened(String peer) {
        PeerInfo.requireId(peer);
        Link link = links.get(peer);
        if (stopped || peer.equals(self.id())) {
            sender.disconnect(peer, stopped ? "this node left the mesh" : "a session with this node itself");
            return;
        }
        if (link == null) {
            if (pinned.containsKey(peer)) {
                // a static peer whose handshake session the host kept: adopt it, as if we had dialled it
                link = new Link(LinkState.OPEN, Request.HIGH, pinned.get(peer), deadline());
                links.put(peer, link);
                sendRequest(peer, link);
                return;
            }
            if (pendingSessions() >= config.maxPendingSessions()) {
                report(Bound.PENDING_SESSIONS, () -> "more than " + config.maxPendingSessions()
                    + " sessions outside the active view; new ones are closed at once");
                links.put(peer, new Link(LinkState.CLOSING, Request.NONE, null, closingDeadline()));
                sender.disconnect(peer, "more than " + config.maxPendingSessions() + " sessions outside the active view");
                return;
            }
            // probation: the peer must send JOIN or NEIGHBOR within the timeout
            links.put(peer, new Link(LinkState.OPEN, Request.NONE, null, deadline()));
            return;
        }
        if (link.state == LinkState.CONNECTING) {
            link.state = LinkState.OPEN;
            link.deadline = deadline();
            sendRequest(peer, link);
        }
    }

    /**
     * The session with {@code peer} ended, or the attempt to open it failed. An active peer lost this way is a
     * failure (§4.3): it is dropped and replaced from the passive view, with high priority if no active peer is
     * left. A failed dial removes the peer from the passive view and backs it off; so does the loss of an active
     * peer whose session lasted less than {@link OverlayConfig#healthyTicks()} (a session that connects and fails
     * at once is no better than a dial that fails: without this a static peer was redialled at once, in a loop).
     *
     * @param peer the node id
     */
    public void sessionClosed(String peer) {
        PeerInfo.requireId(peer);
        Link link = links.remove(peer);
        if (link == null || stopped) {
            return;
        }
        if (active.remove(peer) != null) {
            listener.activeRemoved(peer);
            // §4.3: an active peer whose connection failed is removed (not kept as passive) and replaced
            if (!link.healthy) {
                dialFailures++;
                backoff.failed(peer, now);
            }
        } else if (link.request != Request.NONE && link.state != LinkState.CLOSING) {
            // §4.3: "if the connection fails, q is removed from the passive view and another node is tried"
            dialFailed(peer);
        }
        maintain();
    }

    /**
     * {@code peer} is gone for good: the node at its address answered as another node (a memory node that restarted
     * with a new id). Forgets it: not pinned (the host pins the new node when its dialer reaches it), not in the
     * passive view; call after {@link #sessionClosed} for the dial that found out, whose back-off stays: the old id
     * may come back in a peer's shuffle or a stale announcement, and is dialled again only after it.
     *
     * @param peer the old node id
     */
    public void forget(String peer) {
        PeerInfo.requireId(peer);
        if (stopped) {
            return;
        }
        pinned.remove(peer);
        removePassive(peer);
        maintain();
    }

    /**
     * An overlay message arrived from {@code from} (the node id the host authenticated on the session, or on
     * the short-lived connection of a {@link ShuffleReply}). Dispatches to the handler of its type. Messages
     * other than a {@link ShuffleReply} are honoured only on an open session.
     *
     * @param from the sender's node id
     * @param message the decoded message
     */
    public void receive(String from, HpvMessage message) {
        PeerInfo.requireId(from);
        Objects.requireNonNull(message, "message");
        if (stopped || from.equals(self.id())) {
            dropped++;
            return;
        }
        if (message instanceof ShuffleReply shuffleReply) {
            recvShuffleReply(shuffleReply);
            return;
        }
        Link link = links.get(from);
        if (link == null || link.state != LinkState.OPEN) {
            // these travel over sessions only; a closing session's late messages are moot
            dropped++;
            return;
        }
        if (message instanceof Join join) {
            recvJoin(from, link, join);
        } else if (message instanceof ForwardJoin forwardJoin) {
            recvForwardJoin(from, forwardJoin);
        } else if (message instanceof Neighbor neighbor) {
            recvNeighbor(from, link, neighbor);
        } else if (message instanceof NeighborReply neighborReply) {
            recvNeighborReply(from, link, neighborReply);
        } else if (message instanceof Disconnect disconnect) {
            recvDisconnect(from, link, disconnect);
        } else if (message instanceof Shuffle shuffle) {
            recvShuffle(from, shuffle);
        }
    }

    /**
     * Advances the overlay's clock by one tick: refills the admission bucket, times out dials, answers and
     * probations, shuffles (§4.4) and rotates when their period is due, and refills the active view. The host
     * calls it periodically from its loop.
     */
    public void tick() {
        if (stopped) {
            return;
        }
        now++;
        tokens = Math.min(config.candidateBurst(), tokens + config.candidatesPerTick());
        markHealthy();
        expireLinks();
        if (shuffleSent != null && now >= shuffleDeadline) {
            shuffleSent = null;
        }
        if (config.shufflePeriodTicks() > 0 && now >= nextShuffle) {
            nextShuffle = now + jitter(config.shufflePeriodTicks());
            shuffle();
        }
        if (config.rotatePeriodTicks() > 0 && now >= nextRotation) {
            nextRotation = now + jitter(config.rotatePeriodTicks());
            rotate();
        }
        maintain();
    }

    /**
     * Starts a shuffle now (§4.4): sends this node, ka active and kp passive peers on a random walk from a random
     * active peer; the node where the walk ends replies with as many of its passive peers. {@link #tick()} calls
     * it every {@link OverlayConfig#shufflePeriodTicks()}; the host may call it too. No-op without active peers.
     */
    public void shuffle() {
        if (stopped || active.isEmpty()) {
            return;
        }
        String to = pick(new ArrayList<>(active.keySet()));
        List<PeerInfo> peers = new ArrayList<>();
        for (String id : sample(active.keySet(), config.shuffleActive(), Set.of(to))) {
            peers.add(new PeerInfo(id, active.get(id)));
        }
        Set<String> sent = new HashSet<>();
        for (String id : sample(passive.keySet(), config.shufflePassive(), Set.of())) {
            peers.add(new PeerInfo(id, passive.get(id).address));
            sent.add(id);
        }
        shuffleSent = sent;
        shuffleDeadline = now + Math.max(config.shufflePeriodTicks(), 2 * config.requestTimeoutTicks());
        shuffles++;
        sender.send(to, new Shuffle(self, config.shuffleWalkLength(), peers));
    }

    /**
     * Leaves the mesh: tells every active peer (DISCONNECT, leaving), closes every session, clears the views.
     * Every later input is ignored.
     */
    public void leave() {
        if (stopped) {
            return;
        }
        for (String peer : new ArrayList<>(active.keySet())) {
            sender.send(peer, new Disconnect(true));
        }
        for (String peer : new ArrayList<>(links.keySet())) {
            sender.disconnect(peer, "this node is leaving the mesh");
        }
        List<String> was = new ArrayList<>(active.keySet());
        stopped = true;
        active.clear();
        links.clear();
        passive.clear();
        discoveryOnly = 0;
        for (String peer : was) {
            listener.activeRemoved(peer);
        }
    }

    // ---------------------------------------------------------------- queries

    /**
     * This node.
     *
     * @return its id and address
     */
    public PeerInfo self() {
        return self;
    }

    /**
     * The active view: peers with an agreed, open session.
     *
     * @return a copy, in the order they became active
     */
    public List<PeerInfo> activeView() {
        List<PeerInfo> out = new ArrayList<>(active.size());
        active.forEach((id, address) -> out.add(new PeerInfo(id, address)));
        return out;
    }

    /**
     * The passive view: known peers to replace active ones with.
     *
     * @return a copy
     */
    public List<PeerInfo> passiveView() {
        List<PeerInfo> out = new ArrayList<>(passive.size());
        passive.forEach((id, p) -> out.add(new PeerInfo(id, p.address)));
        return out;
    }

    /**
     * The ids of the active peers, as a read-only live view (for the broadcast layer).
     *
     * @return an unmodifiable view; do not keep it across loop tasks if the order matters
     */
    public Set<String> activePeers() {
        return Collections.unmodifiableSet(active.keySet());
    }

    /**
     * Whether a peer is in the active view.
     *
     * @param nodeId the node id
     * @return true if active
     */
    public boolean isActive(String nodeId) {
        return active.containsKey(nodeId);
    }

    /**
     * How many active peers this node wants: min(maxActive, peers it knows), at least 1. The peers it knows are
     * its active, passive and static peers; so a mesh of N ≤ maxActive + 1 nodes that all discover each other
     * becomes a full mesh, and a larger one has degree about maxActive. A low-priority NEIGHBOR is accepted only
     * below this size (§4.3); JOIN and high priority are accepted above it by dropping a random peer (§4.2).
     *
     * @return the wanted active view size, 1 to maxActive
     */
    public int target() {
        return targetWith(null);
    }

    /**
     * Counters and sizes.
     *
     * @return a snapshot
     */
    public Stats stats() {
        return new Stats(active.size(), passive.size(), links.size(), candidatesAdmitted, candidatesDropped, dials,
            dialFailures, refusals, evictions, shuffles, dropped);
    }

    // ---------------------------------------------------------------- message handlers

    /** §4.2 Join: the contact always adds the joiner and sends a FORWARD_JOIN walk to every other active peer. */
    private void recvJoin(String from, Link link, Join m) {
        link.address = m.address();
        if (active.containsKey(from)) {
            sender.send(from, new NeighborReply(true));
            return;
        }
        // §4.2: "if the active view is full, drop a random node"
        if (!makeRoom(from, targetWith(from))) {
            refuse(from, link, m.address());
            return;
        }
        addActive(from, link);
        sender.send(from, new NeighborReply(true));
        PeerInfo joiner = new PeerInfo(from, m.address());
        for (String peer : new ArrayList<>(active.keySet())) {
            if (!peer.equals(from)) {
                sender.send(peer, new ForwardJoin(joiner, config.activeWalkLength()));
            }
        }
    }

    /**
     * §4.2 ForwardJoin: a walk ends where TTL = 0 or the node has a single active peer, and that node makes the
     * joiner active; at TTL = PRWL the joiner enters the passive view; otherwise the walk goes on to a random
     * active peer other than the sender.
     */
    private void recvForwardJoin(String from, ForwardJoin m) {
        PeerInfo joiner = m.peer();
        if (joiner.id().equals(self.id()) || active.containsKey(joiner.id())) {
            return;
        }
        if (m.ttl() == 0 || active.size() <= 1) {
            acceptJoiner(joiner);
            return;
        }
        if (m.ttl() == config.passiveWalkLength()) {
            addPassive(joiner, Origin.MESH, null);
        }
        String next = randomActive(from, joiner.id());
        if (next == null) {
            acceptJoiner(joiner);
        } else {
            sender.send(next, new ForwardJoin(joiner, m.ttl() - 1));
        }
    }

    /**
     * §4.3 Neighbor: high priority is always accepted (dropping a random peer if full), low priority only with a
     * free slot. Also accepted: a peer this node was asking at the same time, and a static peer.
     */
    private void recvNeighbor(String from, Link link, Neighbor m) {
        link.address = m.address();
        if (active.containsKey(from)) {
            sender.send(from, new NeighborReply(true));
            return;
        }
        int target = targetWith(from);
        boolean wanted = link.request != Request.NONE || pinned.containsKey(from);
        boolean accept = m.priority() == Priority.HIGH || wanted || active.size() < target;
        if (accept && makeRoom(from, target, null)) {
            addActive(from, link);
            // the peer dropped for it, if any: a requester that drops one of its own peers in turn (a full node's
            // rotation) tells that one to try it (Disconnect.instead)
            sender.send(from, new NeighborReply(true, lastDropped));
            return;
        }
        refuse(from, link, m.address());
    }

    /** §4.3: the answer to this node's JOIN or NEIGHBOR; on refusal another passive peer is tried later. */
    private void recvNeighborReply(String from, Link link, NeighborReply m) {
        if (active.containsKey(from) || link.request == Request.NONE || !link.requestSent) {
            dropped++;
            return;
        }
        if (m.accepted()) {
            Request request = link.request;
            if (makeRoom(from, targetWith(from), m.dropped())) {
                addActive(from, link);
                if (request == Request.JOIN) {
                    fillNotBefore = now + config.requestTimeoutTicks();
                }
                if (request == Request.LOW) {
                    refusalsInARow = 0;
                }
            } else {
                // every slot holds a static peer: undo the other side's accept
                sender.send(from, new Disconnect(false));
                closeLink(from, link, "every slot of this node's active view holds a static peer");
            }
        } else {
            refusals++;
            if (link.request == Request.LOW) {
                refusalsInARow++;
                // refusals mean the others are full: retry later, up to every 4 request timeouts
                refillNotBefore = now + Math.min(4L * config.requestTimeoutTicks(), 1L << Math.min(refusalsInARow, 20));
            } else {
                // refused even with high priority (or a JOIN): every slot there holds a static peer. Without a
                // back-off a node with no active peer asked it again as soon as the session closed, at network
                // speed (a zero-time loop in the test kit: StaticPeerBeyondMaxActiveTest ran out of memory)
                backoff.failed(from, now);
            }
            closeLink(from, link, "the peer refused this node's request (its active view is full)");
        }
        maintain();
    }

    /** §4.2 Disconnect: the peer dropped this node; it moves to the passive view unless it is leaving. */
    private void recvDisconnect(String from, Link link, Disconnect m) {
        String address = active.remove(from);
        if (address != null) {
            listener.activeRemoved(from);
            if (!m.leaving()) {
                addPassive(new PeerInfo(from, address), Origin.MESH, null);
            }
        }
        if (m.leaving()) {
            removePassive(from);
        } else if (pinned.containsKey(from)) {
            // a static peer dropped this node to make room: its active view is full of high-priority peers (more
            // nodes list it with --peer than its maxActive). Dialled again at once, this node dropped another the
            // same way, which did the same: three nodes flapped at network speed (break33: 4,569 sessions in 20 s
            // with maxActive 1 and two dialers). Backed off as after a failure, until a session stays healthy.
            backoff.failed(from, now);
        }
        closeLink(from, link, m.leaving() ? "the peer left the mesh (it is stopping or restarting)"
            : "the peer dropped this node from its active view");
        PeerInfo other = m.leaving() ? null : m.instead();
        if (other != null && !other.id().equals(self.id()) && !active.containsKey(other.id())
            && !links.containsKey(other.id()) && !backoff.blocked(other.id(), now)) {
            // a peer that lost an active peer in the same exchange: its free slot and this node's fill each other
            addPassive(other, Origin.MESH, null);
            if (passive.containsKey(other.id()) && active.size() + dialsInFlight() < target()
                && dialsInFlight() < config.maxConcurrentDials() && pendingSessions() < config.maxPendingSessions()) {
                dial(other.id(), other.address(), Request.LOW);
            }
        }
        maintain();
    }

    /**
     * §4.4 Shuffle: forwarded while TTL > 0 and this node has other active peers; where it stops, this node
     * replies to the origin with as many passive peers and merges the sample, replacing first what it sent.
     */
    private void recvShuffle(String from, Shuffle m) {
        String origin = m.origin().id();
        if (origin.equals(self.id())) {
            return;
        }
        if (m.ttl() > 0 && active.size() > 1) {
            String next = randomActive(from, origin);
            if (next != null) {
                sender.send(next, new Shuffle(m.origin(), m.ttl() - 1, m.peers()));
                return;
            }
        }
        Set<String> exclude = new HashSet<>();
        exclude.add(origin);
        m.peers().forEach(p -> exclude.add(p.id()));
        List<PeerInfo> reply = new ArrayList<>();
        Set<String> sent = new HashSet<>();
        for (String id : sample(passive.keySet(), Math.min(m.peers().size() + 1, HpvMessage.MAX_PEERS), exclude)) {
            reply.add(new PeerInfo(id, passive.get(id).address));
            sent.add(id);
        }
        // §4.4: the reply goes straight to the origin (a temporary connection; the host decides how)
        sender.send(origin, new ShuffleReply(reply));
        addPassive(m.origin(), Origin.MESH, sent);
        for (PeerInfo p : m.peers()) {
            addPassive(p, Origin.MESH, sent);
        }
    }

    /** §4.4 Shuffle reply: merged into the passive view, replacing first the peers this node sent. */
    private void recvShuffleReply(ShuffleReply m) {
        if (shuffleSent == null) {
            dropped++;
            return;
        }
        Set<String> sent = shuffleSent;
        shuffleSent = null;
        int limit = config.shuffleActive() + config.shufflePassive() + 1;
        for (PeerInfo p : m.peers().subList(0, Math.min(limit, m.peers().size()))) {
            addPassive(p, Origin.MESH, sent);
        }
    }

    // ---------------------------------------------------------------- active view management

    /**
     * Fills the active view (§4.3 failure handling, applied to any free slot): static peers first, then a JOIN
     * while this node has never had an active peer (§4.2), then NEIGHBOR to random passive peers, with high
     * priority if no active peer is left.
     */
    private void maintain() {
        if (stopped) {
            return;
        }
        for (Map.Entry<String, String> e : pinned.entrySet()) {
            String id = e.getKey();
            if (dialsInFlight() < config.maxConcurrentDials() && !active.containsKey(id) && !links.containsKey(id)
                && !backoff.blocked(id, now)) {
                dial(id, e.getValue(), Request.HIGH);
            }
        }
        if (!joined) {
            if (dialsInFlight() == 0) {
                String contact = randomDialablePassive();
                if (contact != null) {
                    dial(contact, passive.get(contact).address, Request.JOIN);
                }
            }
            return;
        }
        if (now < fillNotBefore) {
            return;
        }
        int deficit = target() - active.size() - dialsInFlight();
        while (deficit-- > 0 && dialsInFlight() < config.maxConcurrentDials()
            && pendingSessions() < config.maxPendingSessions()) {
            if (!active.isEmpty() && now < refillNotBefore) {
                return;
            }
            String peer = randomDialablePassive();
            if (peer == null) {
                return;
            }
            dial(peer, passive.get(peer).address, refillPriority());
        }
    }

    /** Refusals of low-priority refills in a row after which a node below its target asks with high priority. */
    static final int REFUSALS_BEFORE_HIGH = 3;
    /** A node below its target asks with high priority at most once per rotation period / this (60 s by default). */
    static final int HIGH_REFILL_DIVISOR = 5;

    /**
     * The priority of a refill (§4.3): high with no active peer left, as the paper says. Also high (not in the
     * paper), at most once per {@link OverlayConfig#rotatePeriodTicks()} / {@value #HIGH_REFILL_DIVISOR}, when the
     * node is below its target and its last {@value #REFUSALS_BEFORE_HIGH} low-priority requests were refused: every
     * peer it knows and lacks is full. That is the state of each node of the smaller half of a healed partition
     * (their active views hold every node of their half, the other half is full), which otherwise merged only when
     * a full node's rotation (every 150-450 s) happened to pick a node across: 37-133 s after the heal on 10 nodes
     * in namespaces (session 32, an operator's trial). A full node that accepts drops a random peer (§4.2), which
     * refills as usual. A mesh that cannot give every node its target (an odd sum of degrees) so changes one link
     * per that period, no more. Off with rotation off.
     */
    private Request refillPriority() {
        if (active.isEmpty()) {
            return Request.HIGH;
        }
        if (config.rotatePeriodTicks() > 0 && refusalsInARow >= REFUSALS_BEFORE_HIGH && now >= highRefillNotBefore) {
            highRefillNotBefore = now + jitter(Math.max(1, config.rotatePeriodTicks() / HIGH_REFILL_DIVISOR));
            refusalsInARow = 0;
            return Request.HIGH;
        }
        return Request.LOW;
    }

    /** Rotation (not in the paper): with a full active view, ask a random passive peer with high priority. */
    private void rotate() {
        if (!joined || active.size() < target() || dialsInFlight() > 0) {
            return;
        }
        String peer = randomDialablePassive();
        if (peer != null) {
            // on acceptance makeRoom drops a random non-static active peer, which moves to the passive view
            dial(peer, passive.get(peer).address, Request.HIGH);
        }
    }

    /** §4.2: the end of a FORWARD_JOIN walk dials the joiner, which must accept (it is new and has room). */
    private void acceptJoiner(PeerInfo joiner) {
        Link link = links.get(joiner.id());
        if (link != null) {
            return;
        }
        if (pendingSessions() >= config.maxPendingSessions()) {
            addPassive(joiner, Origin.MESH, null);
            return;
        }
        dial(joiner.id(), joiner.address(), Request.HIGH);
    }

    /**
     * Makes room for {@code newcomer}: when the active view holds {@code target} peers or more, drops a random
     * one that is not static (§4.2 "drop a random node from the active view"; it gets a DISCONNECT and moves to
     * the passive view).
     *
     * @return false if there is no room and every active peer is static
     */
    private boolean makeRoom(String newcomer, int target) {
        return makeRoom(newcomer, target, null);
    }

    /**
     * {@link #makeRoom(String, int)}, telling the peer it drops to try {@code instead} (a peer that has just lost an
     * active peer for this node's newcomer, so has a free slot; null: none). Without it a full node's rotation left
     * two free slots, one at the peer each side dropped; as full nodes accept only high priority, which moves a free
     * slot to the peer they drop, the two wandered the mesh (one link change a minute each, sessions opened and
     * refused meanwhile) until they happened to meet. Sets {@link #lastDropped}.
     */
    private boolean makeRoom(String newcomer, int target, PeerInfo instead) {
        lastDropped = null;
        if (active.size() < target) {
            return true;
        }
        List<String> candidates = new ArrayList<>();
        for (String id : active.keySet()) {
            if (!pinned.containsKey(id) && !id.equals(newcomer)) {
                candidates.add(id);
            }
        }
        if (candidates.isEmpty()) {
            return active.size() < config.maxActive();
        }
        String victim = pick(candidates);
        String address = active.remove(victim);
        evictions++;
        listener.activeRemoved(victim);
        boolean hint = instead != null && !instead.id().equals(victim) && !instead.id().equals(self.id())
            && !instead.id().equals(newcomer);
        sender.send(victim, new Disconnect(false, hint ? instead : null));
        closeLink(victim, links.get(victim), "dropped to make room for another peer");
        lastDropped = new PeerInfo(victim, address);
        addPassive(lastDropped, Origin.MESH, null);
        return true;
    }

    private void addActive(String peer, Link link) {
        removePassive(peer);
        // the back-off is cleared once the session has lasted healthyTicks (markHealthy), not here: a session
        // that connects and ends at once must count as a failure
        link.activeSince = now;
        link.healthy = false;
        link.request = Request.NONE;
        link.requestSent = false;
        active.put(peer, link.address);
        joined = true;
        listener.activeAdded(peer);
    }

    /** §4.3: a refused NEIGHBOR; the requester still is a live peer, worth keeping as passive. */
    private void refuse(String from, Link link, String address) {
        refusals++;
        sender.send(from, new NeighborReply(false));
        if (!pinned.containsKey(from)) {
            addPassive(new PeerInfo(from, address), Origin.MESH, null);
        }
        closeLink(from, link, "this node refused the peer's request (its active view is full)");
    }

    private void dial(String peer, String address, Request request) {
        dials++;
        links.put(peer, new Link(LinkState.CONNECTING, request, address, deadline()));
        sender.connect(peer, address);
    }

    private void sendRequest(String peer, Link link) {
        link.requestSent = true;
        if (link.request == Request.JOIN) {
            sender.send(peer, new Join(self.address()));
        } else {
            sender.send(peer, new Neighbor(link.request == Request.HIGH ? Priority.HIGH : Priority.LOW,
                self.address()));
        }
    }

    private void dialFailed(String peer) {
        dialFailures++;
        removePassive(peer);
        backoff.failed(peer, now);
    }

    private void closeLink(String peer, Link link, String why) {
        if (link == null || link.state == LinkState.CLOSING) {
            return;
        }
        link.state = LinkState.CLOSING;
        link.request = Request.NONE;
        link.deadline = closingDeadline();
        sender.disconnect(peer, why);
    }

    /** Active peers whose session lasted {@link OverlayConfig#healthyTicks()}: healthy, their back-off cleared. */
    private void markHealthy() {
        for (String id : active.keySet()) {
            Link link = links.get(id);
            if (link != null && !link.healthy && now - link.activeSince >= config.healthyTicks()) {
                link.healthy = true;
                backoff.clear(id);
            }
        }
    }

    /** Times out dials and unanswered requests (a failure, §4.3), probations, and forgets stuck closings. */
    private void expireLinks() {
        List<String> expired = null;
        for (Map.Entry<String, Link> e : links.entrySet()) {
            if (e.getValue().deadline <= now && !active.containsKey(e.getKey())) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(e.getKey());
            }
        }
        if (expired == null) {
            return;
        }
        for (String id : expired) {
            Link link = links.get(id);
            if (link.state == LinkState.CLOSING) {
                // the host owes a sessionClosed; do not wait for it forever
                links.remove(id);
            } else {
                if (link.request != Request.NONE) {
                    dialFailed(id);
                }
                closeLink(id, link, link.request != Request.NONE ? "no answer to this node's overlay request in time"
                    : "the peer made no overlay request in time");
            }
        }
    }

    // ---------------------------------------------------------------- passive view management

    /**
     * §4.4: adds a peer to the passive view unless it is this node, active, static or known; when full, drops
     * first one of {@code preferEvict} (the peers this node just sent in a shuffle), else a random one.
     */
    private void addPassive(PeerInfo peer, Origin origin, Set<String> preferEvict) {
        String id = peer.id();
        if (id.equals(self.id()) || active.containsKey(id) || pinned.containsKey(id)) {
            return;
        }
        Passive known = passive.get(id);
        if (known != null) {
            if (origin == Origin.MESH && known.origin == Origin.DISCOVERY) {
                known.origin = Origin.MESH;
                discoveryOnly--;
            }
            return;
        }
        if (backoff.blocked(id, now)) {
            return;
        }
        if (passive.size() >= config.maxPassive()) {
            String victim = null;
            if (preferEvict != null) {
                for (String s : preferEvict) {
                    if (passive.containsKey(s)) {
                        victim = s;
                        break;
                    }
                }
                if (victim != null) {
                    preferEvict.remove(victim);
                }
            }
            removePassive(victim != null ? victim : nthPassive(null, random.nextInt(passive.size())));
        }
        putPassive(id, new Passive(peer.address(), origin));
    }

    private boolean refreshAddress(String id, String address) {
        if (active.containsKey(id) || links.containsKey(id)) {
            return true;
        }
        if (pinned.containsKey(id)) {
            return true;
        }
        Passive p = passive.get(id);
        if (p != null) {
            p.address = address;
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- helpers

    private int targetWith(String extra) {
        int known = active.size() + passive.size();
        for (String id : pinned.keySet()) {
            if (!active.containsKey(id)) {
                known++;
            }
        }
        if (extra != null && !active.containsKey(extra) && !passive.containsKey(extra)
            && !pinned.containsKey(extra)) {
            known++;
        }
        return Math.max(1, Math.min(config.maxActive(), known));
    }

    private int dialsInFlight() {
        int n = 0;
        for (Link link : links.values()) {
            if (link.request != Request.NONE) {
                n++;
            }
        }
        return n;
    }

    /** Sessions (or dials) outside the active view that are not closing. */
    private int pendingSessions() {
        int n = 0;
        for (Map.Entry<String, Link> e : links.entrySet()) {
            if (e.getValue().state != LinkState.CLOSING && !active.containsKey(e.getKey())) {
                n++;
            }
        }
        return n;
    }

    private String randomDialablePassive() {
        List<String> ids = new ArrayList<>();
        for (String id : passive.keySet()) {
            if (!links.containsKey(id) && !backoff.blocked(id, now)) {
                ids.add(id);
            }
        }
        return ids.isEmpty() ? null : pick(ids);
    }

    private String randomActive(String exceptA, String exceptB) {
        List<String> ids = new ArrayList<>();
        for (String id : active.keySet()) {
            if (!id.equals(exceptA) && !id.equals(exceptB)) {
                ids.add(id);
            }
        }
        return ids.isEmpty() ? null : pick(ids);
    }

    private void putPassive(String id, Passive entry) {
        if (passive.put(id, entry) == null && entry.origin == Origin.DISCOVERY) {
            discoveryOnly++;
        }
    }

    private void removePassive(String id) {
        Passive p = passive.remove(id);
        if (p != null && p.origin == Origin.DISCOVERY) {
            discoveryOnly--;
        }
    }

    /** The n-th passive id (from 0) among those of {@code origin}, or among all if it is null. */
    private String nthPassive(Origin origin, int n) {
        int i = 0;
        for (Map.Entry<String, Passive> e : passive.entrySet()) {
            if (origin == null || e.getValue().origin == origin) {
                if (i++ == n) {
                    return e.getKey();
                }
            }
        }
        throw new IllegalStateException("no passive entry #" + n);
    }

    /** Up to {@code k} distinct random ids of {@code from}, none of them in {@code exclude}. */
    private List<String> sample(Collection<String> from, int k, Set<String> exclude) {
        List<String> ids = new ArrayList<>();
        for (String id : from) {
            if (!exclude.contains(id)) {
                ids.add(id);
            }
        }
        for (int i = 0; i < Math.min(k, ids.size()); i++) {
            int j = i + random.nextInt(ids.size() - i);
            String t = ids.get(i);
            ids.set(i, ids.get(j));
            ids.set(j, t);
        }
        return ids.subList(0, Math.min(k, ids.size()));
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    private long jitter(int period) {
        return period <= 1 ? period : period / 2 + random.nextInt(period);
    }

    private long deadline() {
        return now + config.requestTimeoutTicks();
    }

    private long closingDeadline() {
        return now + 4L * config.requestTimeoutTicks();
    }

    private void report(Bound bound, Supplier<String> detail) {
        if (reported.add(bound)) {
            listener.boundReached(bound, detail.get());
        }
    }
}
