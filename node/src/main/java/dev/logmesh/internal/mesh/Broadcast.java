package dev.logmesh.internal.mesh;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.spi.Loop;
import java.util.List;

/**
 * Gossip of one node: offers every entry added to the log (made here or received) to every connected session,
 * which sends it as payload or as an id according to {@link Plumtree}, and never back to the peer it came
 * from. Owns the node's {@link Plumtree} and its {@link PeerTable}.
 *
 * <p>Owned by the node's loop: every method must be called there.
 */
public final class Broadcast implements Plumtree.Sender {
    private final PeerTable peers;
    private final Plumtree plumtree;
    private final Reconciler reconciler;
    private final Runnable unsubscribe;

    public Broadcast(Log log, Loop loop, SessionConfig config) {
        this(log, loop, config, null);
    }

    /**
     * @param reconciler the node's anti-entropy index, or null for none
     */
    public Broadcast(Log log, Loop loop, SessionConfig config, Reconciler reconciler) {
        this.plumtree = config.plumtree() ? new Plumtree(loop, config.graftMillis(), log::has, this) : null;
        this.reconciler = reconciler;
        this.peers = new PeerTable(log, loop, config, plumtree, reconciler);
        if (plumtree != null) {
            peers.addListener(new PeerTable.Listener() {
                @Override
                public void peerConnected(String peerNode, SyncSession session) {
                    plumtree.peerUp(peerNode);
                }

                @Override
                public void peerDisconnected(String peerNode) {
                    plumtree.peerDown(peerNode);
                }
            });
        }
        this.unsubscribe = log.onAdd(this::offer);
    }

    private void offer(Entry entry) {
        if (plumtree != null) {
            plumtree.arrived(entry.id());
        }
        for (SyncSession s : peers.connectedSessions()) {
            s.onLogAdd(entry);
        }
    }

    /** The node's peer table. */
    public PeerTable peers() {
        return peers;
    }

    /** The node's Plumtree, or null when gossip floods. */
    public Plumtree plumtree() {
        return plumtree;
    }

    @Override
    public boolean graft(String peer, List<ActionId> ids) {
        SyncSession s = peers.session(peer);
        return s != null && s.sendGraft(ids);
    }

    @Override
    public boolean prune(String peer) {
        SyncSession s = peers.session(peer);
        return s != null && s.sendPrune();
    }

    /** Stops gossiping, closes every session and cancels Plumtree's timers. */
    public void close() {
        unsubscribe.run();
        peers.close();
        if (plumtree != null) {
            plumtree.close();
        }
        if (reconciler != null) {
            reconciler.close();
        }
    }

    /** The node's anti-entropy index, or null. */
    public Reconciler reconciler() {
        return reconciler;
    }
}
