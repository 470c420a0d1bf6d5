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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Broadcast.class);
    private final PeerTable peers;
    private final Plumtree plumtree;
    private final Reconciler reconciler;
    private final Runnable unsubscribe;
    private final Loop loop;
    /** Ids found corrupt since the last {@link #wantRepairs}, asked of the connected peers at the loop's next turn. */
    private final List<ActionId> corrupt = new java.util.ArrayList<>();
    private boolean closed;

    public Broadcast(Log log, Loop loop, SessionConfig config) {
        this(log, loop, config, null);
    }

    /**
     * @param reconciler the node's anti-entropy index, or null for none
     */
    public Broadcast(Log log, Loop loop, SessionConfig config, Reconciler reconciler) {
        this.plumtree = config.plumtree() ? new Plumtree(loop, config.graftMillis(), log::has, this) : null;
        this.reconciler = reconciler;
        this.loop = loop;
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
        Runnable offAdd = log.onAdd(this::offer);
        // a corrupt entry the store found (and quarantined) is asked of the connected peers at once, not at the next
        // reconciliation round (24-36 s later): before (session 50) a row the scrub found 10 s after a start came
        // back only with that round, and a listener never starts one (CI, chaos corrupt seed 63768959)
        Runnable offCorrupt = reconciler == null ? () -> { } : log.onCorrupt(c -> loop.execute(() -> corrupt(c.id())));
        this.unsubscribe = () -> {
            offAdd.run();
            offCorrupt.run();
        };
    }

    /** An entry was found corrupt: its id joins the ones asked of the peers at the loop's next turn. Loop only. */
    private void corrupt(ActionId id) {
        if (closed) {
            return;
        }
        if (corrupt.isEmpty()) {
            loop.execute(this::wantRepairs);
        }
        corrupt.add(id);
    }

    /**
     * Asks every connected logmesh peer for its copy of the entries found corrupt since the last call ({@link
     * SyncSession#wantRepair}); with no such peer the next session's reconciliation rounds find them (the quarantine
     * took them out of the index). Loop only.
     */
    private void wantRepairs() {
        if (closed || corrupt.isEmpty()) {
            return;
        }
        List<ActionId> ids = List.copyOf(corrupt);
        corrupt.clear();
        int asked = 0;
        for (SyncSession s : peers.connectedSessions()) {
            if (s.wantRepair(ids)) {
                asked++;
            }
        }
        LOG.info("{} entries found corrupt (first {}): asked {} connected peers for their copies{}", ids.size(),
            ids.get(0), asked, asked == 0 ? "; the next session's reconciliation round finds them" : "");
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
        closed = true;
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
