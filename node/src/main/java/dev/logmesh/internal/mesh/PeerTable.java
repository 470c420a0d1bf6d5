package dev.logmesh.internal.mesh;

import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.session.Gossip;
import dev.logmesh.internal.session.Membership;
import dev.logmesh.internal.session.PresenceSink;
import dev.logmesh.internal.session.Reconciliation;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.session.SyncSession;

import dev.logmesh.Meta;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The peer table of one node: every sync session, one connected session per peer node, and events as peers
 * come and go. Gossip (offering added entries to the sessions) is {@link Broadcast}'s.
 *
 * <p>When two sessions with the same peer are up (both sides dialed at once), the one dialed by the node
 * with the smaller id is kept on both sides, so they agree without talking about it.
 *
 * <h2>Two nodes with one id</h2>
 * Every logmesh node names its {@link Log#instance} (random per opened log) in its mesh options. A new session
 * with a connected peer whose instance differs from the connected session's is either a restart of that peer (the
 * old session is dead, maybe half-open: its TCP connection not yet timed out) or a second live node with the same id
 * (a copy of its data directory). The table tells them apart by asking the old session ({@link SyncSession#probe}):
 * <ul>
 *   <li>nothing comes from it within {@link #probeMillis}: a restart; the old session is closed and the new one
 *       takes its place at once (before session 29 the new one was closed as a duplicate until the old one timed
 *       out);</li>
 *   <li>it answers: two live nodes with one id, which lose actions (each issues ids the other issues too, and every
 *       node keeps whichever arrives first). Both are told ({@link SyncSession#tellTwin}) and closed, and the
 *       table says so once per peer id ({@link Listener#twinPeer}).</li>
 * </ul>
 * While the old session is asked, the new one waits aside ({@link #pending}): connected, not in the table. A
 * peer that names no instance (a stock Logux peer, a logmesh node before session 29) is never asked: the rule
 * above applies as before.
 *
 * <p>Owned by the node's loop: every method must be called there.
 */
public final class PeerTable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PeerTable.class);

    /** Peer and session events, called on the loop. */
    public interface Listener {
        /** The first session with this peer is up. */
        default void peerConnected(String peerNode, SyncSession session) {
        }

        /** The last session with this peer ended. */
        default void peerDisconnected(String peerNode) {
        }

        /**
         * The last session with this peer ended: {@code last}, the session that ended (or that a new session of the
         * restarted peer replaced). Calls {@link #peerDisconnected(String)} unless overridden.
         */
        default void peerDisconnected(String peerNode, SyncSession last) {
            peerDisconnected(peerNode);
        }

        /** A session ended; {@code error} if a protocol error ended it. */
        default void sessionClosed(SyncSession session, ProtocolError error, String reason) {
        }

        /** A peer confirmed ({@code synced}) this log's entries up to {@code added}. */
        default void acknowledged(String peerNode, long added) {
        }

        /** A Logux client's batch was added ({@link SyncSession.Events#clientAdded}); on the loop. */
        default void clientAdded(List<Meta> stored) {
        }

        /** Progress of a catch-up this node receives from a peer (see {@link SyncSession.Events#catchUp}). */
        default void catchUp(String peerNode, long done, long total, double perSecond) {
        }

        /**
         * A session refused one received entry and went on ({@link SyncSession.Events#refused}; {@code kind}
         * {@link SyncSession#TOO_DEEP}).
         */
        default void entryRefused(SyncSession session, dev.logmesh.ActionId id, String kind) {
        }

        /**
         * [overlay hook] A second session with a connected peer won the tie-break and replaced the first one: the
         * peer stays connected (no {@link #peerDisconnected}/{@link #peerConnected}), over {@code session} now.
         */
        default void sessionReplaced(String peerNode, SyncSession session) {
        }

        /**
         * Two live nodes run with the node id {@code peerNode} (both sessions were told and closed); once per
         * peer id and table. {@code message} says so, with both addresses and what to do.
         */
        default void twinPeer(String peerNode, String message) {
        }

        /**
         * This node's log could not store what a session's peer sent: the session holds
         * ({@link SyncSession.Events#waitsForRoom}).
         */
        default void waitsForRoom(SyncSession session, dev.logmesh.StoreException failure) {
        }

        /** A session's peer said its log is full ({@link SyncSession.Events#peerFull}). */
        default void peerFull(SyncSession session, String why) {
        }
    }

    private final Log log;
    private final Loop loop;
    private final SessionConfig config;
    private final Set<SyncSession> sessions = new LinkedHashSet<>();
    private final Map<String, SyncSession> byPeer = new LinkedHashMap<>();
    /**
     * Edge (issue 11): connected Logux clients by client id ({@code user:random}). They get entries like peers but
     * are not peers of the mesh: no peer events, no gossip, no cursors.
     */
    private final Map<String, SyncSession> clients = new LinkedHashMap<>();
    /**
     * The connected sessions as an array, rebuilt when one comes or goes: offering an entry must not iterate
     * {@link #byPeer} itself, since a session that fails to send closes and leaves it mid-iteration.
     */
    private SyncSession[] connected = new SyncSession[0];
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Gossip gossip;
    private final Reconciliation reconciliation;
    /** [overlay hook] The node's overlay membership handed to every new session, or null. */
    private Membership membership;
    /** The node's mesh presence handed to every new session, or null. */
    private PresenceSink presence;
    /**
     * Peers (node id, or address before the handshake) whose last session this node ended by a timeout, and whose
     * outage was logged: the next timeouts with them are not, until a session with the peer works again (the
     * peer acknowledges something, we receive entries from it, or a session ends for another reason).
     */
    private final Set<String> lateLogged = new java.util.HashSet<>();
    /**
     * A new session with a connected peer, of another instance of it, by peer: it waits here while the connected
     * session is asked whether it is still alive (see the class docs).
     */
    private final Map<String, SyncSession> pending = new java.util.HashMap<>();
    /** Peer ids found running on two live nodes, said once each ({@link Listener#twinPeer}). */
    private final Set<String> twinsReported = new java.util.HashSet<>();

    /**
     * @param gossip         the node's gossip handed to every session, or null (sessions flood)
     * @param reconciliation the node's set reconciliation handed to every session, or null (none)
     */
    public PeerTable(Log log, Loop loop, SessionConfig config, Gossip gossip, Reconciliation reconciliation) {
        this.log = log;
        this.loop = loop;
        this.config = config;
        this.gossip = gossip;
        this.reconciliation = reconciliation;
    }

    /** The session settings. */
    public SessionConfig config() {
        return config;
    }

    /** [overlay hook] Hands {@code value} to every session opened from now on (they offer the overlay). */
    public void useMembership(Membership value) {
        membership = value;
    }

    /** Hands {@code value} to every session opened from now on (they offer the {@code presence} capability). */
    public void usePresence(PresenceSink value) {
        presence = value;
    }

    /** Adds a listener. */
    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Starts a session over a connection.
     *
     * @param extra        also told of this session's end (e.g. a dialer that reconnects), or null
     * @param expectedPeer the node id expected at the other end, or null
     */
    public SyncSession open(MessageConnection connection, SyncSession.Role role, String expectedPeer,
                            SyncSession.Events extra) {
        SyncSession s = new SyncSession(log, connection, role, config, loop, new SyncSession.Events() {
            @Override
            public void connected(SyncSession session) {
                onConnected(session);
                if (extra != null) {
                    extra.connected(session);
                }
            }

            @Override
            public void acknowledged(SyncSession session, long added) {
                lateLogged.remove(session.peerNode());
                for (Listener l : listeners) {
                    l.acknowledged(session.peerNode(), added);
                }
            }

            @Override
            public void clientAdded(SyncSession session, List<Meta> stored) {
                for (Listener l : listeners) {
                    l.clientAdded(stored);
                }
            }

            @Override
            public void catchUp(SyncSession session, long done, long total, double perSecond) {
                for (Listener l : listeners) {
                    l.catchUp(session.peerNode(), done, total, perSecond);
                }
            }

            @Override
            public void refused(SyncSession session, dev.logmesh.ActionId id, String kind) {
                for (Listener l : listeners) {
                    l.entryRefused(session, id, kind);
                }
            }

            @Override
            public void waitsForRoom(SyncSession session, dev.logmesh.StoreException failure) {
                for (Listener l : listeners) {
                    l.waitsForRoom(session, failure);
                }
            }

            @Override
            public void peerFull(SyncSession session, String why) {
                for (Listener l : listeners) {
                    l.peerFull(session, why);
                }
                if (extra != null) {
                    extra.peerFull(session, why);
                }
            }

            @Override
            public void disconnected(SyncSession session, ProtocolError error, String reason) {
                onDisconnected(session, error, reason);
                if (extra != null) {
                    extra.disconnected(session, error, reason);
                }
            }
        }, expectedPeer, gossip, reconciliation);
        if (membership != null) {
            s.useMembership(membership);
        }
        if (presence != null) {
            s.usePresence(presence);
        }
        sessions.add(s);
        s.start();
        return s;
    }

    /** The connected sessions now, as an array the caller must not change (rebuilt when one comes or goes). */
    public SyncSession[] connectedSessions() {
        return connected;
    }

    private void refreshConnected() {
        List<SyncSession> all = new ArrayList<>(byPeer.size() + clients.size());
        all.addAll(byPeer.values());
        all.addAll(clients.values());
        connected = all.toArray(new SyncSession[0]);
    }

    private void onConnected(SyncSession session) {
        if (session.clientId() != null) {
            // edge (issue 11): a second connection of one client id replaces the first (@logux/server's zombie)
            SyncSession zombie = clients.put(session.clientId(), session);
            refreshConnected();
            if (zombie != null) {
                zombie.close("a newer connection of client " + session.clientId());
            }
            return;
        }
        String peer = session.peerNode();
        SyncSession existing = byPeer.get(peer);
        if (existing != null && existing != session && otherInstance(existing, session)) {
            if (pending.containsKey(peer)) {
                // a third instance while one waits: as before, the newest goes (it comes back)
                session.close("duplicate session with " + peer);
                return;
            }
            pending.put(peer, session);
            existing.probe(probeMillis(), alive -> probed(peer, existing, session, alive));
            return;
        }
        if (existing != null && existing != session) {
            if (keepsFirst(existing, session)) {
                session.close("duplicate session with " + peer);
                return;
            }
            byPeer.put(peer, session);
            refreshConnected();
            existing.close("duplicate session with " + peer);
            for (Listener l : listeners) {
                l.sessionReplaced(peer, session);
            }
            return;
        }
        byPeer.put(peer, session);
        refreshConnected();
        for (Listener l : listeners) {
            l.peerConnected(peer, session);
        }
    }

    /** Whether two sessions with one peer id are with two instances of it (both said theirs, and they differ). */
    private static boolean otherInstance(SyncSession a, SyncSession b) {
        return a.peerInstance() != null && b.peerInstance() != null && !a.peerInstance().equals(b.peerInstance());
    }

    /**
     * How long a connected session may take to show it is alive when another instance of its peer connects: the
     * ping interval, at most half the timeout (so a half-open session of a restarted peer is found dead before the
     * restarted one would time out a handshake).
     */
    long probeMillis() {
        return Math.min(config.pingMillis(), config.timeoutMillis() / 2);
    }

    /**
     * The answer to asking {@code existing} (with {@code peer}) whether it is alive, while {@code newer} (another
     * instance of the peer) waits: alive, both are one id's twins; dead, a restart, and {@code newer} takes over.
     */
    private void probed(String peer, SyncSession existing, SyncSession newer, boolean alive) {
        if (pending.get(peer) != newer) {
            return; // it ended meanwhile (and left pending), or took the place of the old one that ended
        }
        pending.remove(peer);
        if (newer.state() != SyncSession.State.CONNECTED) {
            return;
        }
        if (alive && byPeer.get(peer) == existing && existing.state() == SyncSession.State.CONNECTED) {
            String message = "two nodes run with the node id " + peer + ", one " + endpoint(existing)
                + " and one " + endpoint(newer) + " (a copy of its data directory?); two nodes with one id lose"
                + " actions: stop one and start it on a"
                + " data directory of its own; both were told, and their sessions closed"
                + (existing.role() == SyncSession.Role.DIALER || newer.role() == SyncSession.Role.DIALER
                    ? "; this node dials " + peer + " again " + Redialer.REFUSED_WAIT + " (restart this node to try at once)"
                    : "");
            String told = "node " + log.nodeId() + " holds sessions with two live nodes of your id " + peer + ", one "
                + endpoint(existing) + " and one " + endpoint(newer) + ": another"
                + " node runs with your id (a copy of your data directory?)";
            if (twinsReported.add(peer)) {
                LOG.debug("{}", message);
                for (Listener l : listeners) {
                    l.twinPeer(peer, message);
                }
            }
            existing.tellTwin(told);
            newer.tellTwin(told);
            return;
        }
        if (byPeer.get(peer) != existing) {
            newer.close("duplicate session with " + peer); // another session took the place meanwhile
            return;
        }
        promote(peer, newer, existing);
    }

    /**
     * Where a twin is, in words that tell two processes on one host apart: "listening at 127.0.0.1:31002" (this node
     * dialed it) or "dialing from 127.0.0.1:40122" (the port its dial came from; {@code ss -tnp} names the process).
     * Before (clock40) the address alone: "one at 127.0.0.1 and one at 127.0.0.1".
     */
    private static String endpoint(SyncSession s) {
        return (s.role() == SyncSession.Role.DIALER ? "listening at " : "dialing from ")
            + s.connection().remoteEndpoint();
    }

    /** {@code newer} takes the place of {@code old} (dead, or gone) as the session with {@code peer}. */
    private void promote(String peer, SyncSession newer, SyncSession old) {
        byPeer.put(peer, newer);
        refreshConnected();
        if (old.state() != SyncSession.State.CLOSED) {
            old.close("replaced by a new session of " + peer + " (it restarted): the old one did not answer within "
                + probeMillis() + " ms");
        }
        // a restart: the peer went and came back, as when the old session timed out before the new one came (Plumtree,
        // the overlay and presence start over with the new node), only sooner
        for (Listener l : listeners) {
            l.peerDisconnected(peer, old);
        }
        for (Listener l : listeners) {
            l.peerConnected(peer, newer);
        }
    }

    /** Whether {@code a} should stay rather than {@code b}: the session dialed by the smaller node id wins. */
    private boolean keepsFirst(SyncSession a, SyncSession b) {
        String dialerA = a.role() == SyncSession.Role.DIALER ? log.nodeId() : a.peerNode();
        String dialerB = b.role() == SyncSession.Role.DIALER ? log.nodeId() : b.peerNode();
        int c = dialerA.compareTo(dialerB);
        return c <= 0;
    }

    private void onDisconnected(SyncSession session, ProtocolError error, String reason) {
        sessions.remove(session);
        logTimeout(session);
        if (session.clientId() != null && clients.get(session.clientId()) == session) {
            clients.remove(session.clientId());
            refreshConnected();
        }
        String peer = session.peerNode();
        if (peer != null && pending.get(peer) == session) {
            pending.remove(peer);
        }
        if (peer != null && byPeer.get(peer) == session) {
            SyncSession waiting = pending.remove(peer);
            if (waiting != null && waiting.state() == SyncSession.State.CONNECTED) {
                // the old session of a restarted peer ended while it was asked: the new one goes on in its place
                promote(peer, waiting, session);
            } else {
                byPeer.remove(peer);
                refreshConnected();
                for (Listener l : listeners) {
                    l.peerDisconnected(peer, session);
                }
            }
        }
        for (Listener l : listeners) {
            l.sessionClosed(session, error, reason);
        }
    }

    /**
     * Says once per peer and outage why sessions with it end by a timeout (what was late, for how long), so a user
     * sees why a peer keeps reconnecting (a dead peer, or a link slower than the minimum rate); see {@link
     * #lateLogged}.
     */
    private void logTimeout(SyncSession session) {
        String key = session.peerNode() != null ? session.peerNode() : session.connection().remoteAddress();
        String late = session.lateAnswer();
        if (late == null) {
            if (session.peerNode() != null) {
                lateLogged.remove(key);
            }
            return;
        }
        if (session.receivedEntries() > 0 && session.peerNode() != null) {
            lateLogged.remove(key); // it worked for a while: this is a new outage
        }
        if (lateLogged.add(key)) {
            // a Logux client answers only when its JavaScript runs: a page or process that is busy or suspended (a
            // frozen tab, a debugger, a laptop's sleep) is silent as a gone one; its own `timeout` option is a wait on
            // its side, which protocol 5 does not tell the node (apps37: a client with timeout 300000, frozen 110 s,
            // was "gone or the link is slower than 16384 bytes/s")
            String why = session.clientId() != null
                ? "the Logux client is gone, or its JavaScript did not run that long (a busy or suspended page or "
                + "process; its own timeout option is not sent to the node, which waits as @logux/server does), or the "
                + "link is slower than " + SessionConfig.MIN_LINK_BYTES_PER_SECOND + " bytes/s"
                : "the peer is gone or the link is slower than " + SessionConfig.MIN_LINK_BYTES_PER_SECOND + " bytes/s";
            LOG.warn("session with {}@{} timed out: {}; {} (further timeouts with it are not logged until a session "
                + "with it works)", key, session.connection().remoteAddress(), late, why);
        }
    }

    /** The connected session with a peer, or null. */
    public SyncSession session(String peerNode) {
        return byPeer.get(peerNode);
    }

    /** Edge (issue 11): the connected Logux clients' node ids. */
    public Collection<String> connectedClients() {
        return clients.values().stream().map(SyncSession::peerNode).toList();
    }

    /** Connected peers' node ids. */
    public Collection<String> connectedPeers() {
        return List.copyOf(byPeer.keySet());
    }

    /** Every session, connected or still opening. */
    public Collection<SyncSession> sessions() {
        return List.copyOf(sessions);
    }

    /**
     * Closes every session. A session that waits while its peer's connected one is asked ({@link #pending}) is
     * closed with the rest, never put in that one's place: before (session 30's review), the old session's close
     * promoted it, and a closing node's listeners saw its peer go, come back and go again.
     */
    public void close() {
        pending.clear();
        for (SyncSession s : new ArrayList<>(sessions)) {
            s.close("node closing");
        }
    }
}
