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
    /** Up to this many corrupt ids found at once are asked of every connected peer; more are spread over them. */
    static final int REPAIR_ASK_EACH = 64;
    /** The window over which {@link #REPAIR_ASK_EACH} counts, in milliseconds (a scrub pass of a large log fits). */
    static final long REPAIR_WINDOW_MILLIS = 60_000;
    private final PeerTable peers;
    private final Plumtree plumtree;
    private final Reconciler reconciler;
    private final Runnable unsubscribe;
    private final Loop loop;
    /** Ids found corrupt since the last {@link #wantRepairs}, asked of the connected peers at the loop's next turn. */
    private final List<ActionId> corrupt = new java.util.ArrayList<>();
    /** Ids asked of every peer since {@link #askedEachSince} ({@link Loop#monotonicMillis}). */
    private int askedEach;
    private long askedEachSince = Long.MIN_VALUE / 2;
    /** Where the next spread starts among the peers, so that small batches do not all go to the first. */
    private int nextShare;
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
     * Asks the connected logmesh peers for their copies of the entries found corrupt since the last call ({@link
     * SyncSession#wantRepair}): each of them for all of the first {@link #REPAIR_ASK_EACH} ids of a minute ({@link
     * #REPAIR_WINDOW_MILLIS}; a peer that cleaned one or never held it does not hold up the repair), the rest of a
     * larger damage (a scrub finds it a step at a time) spread over them, each id asked of one peer, so
     * that what comes back is about one copy of each (before, session 51, break50: 8,000 damaged rows and 3 peers
     * brought 24,000 entries). An id its peer cannot give is found missing by the next reconciliation round with any
     * peer, as with no peer connected (the quarantine took the ids out of the index). Loop only.
     */
    private void wantRepairs() {
        if (closed || corrupt.isEmpty()) {
            return;
        }
        List<ActionId> ids = List.copyOf(corrupt);
        corrupt.clear();
        List<SyncSession> able = new java.util.ArrayList<>();
        for (SyncSession s : peers.connectedSessions()) {
            if (s.canRepair()) {
                able.add(s);
            }
        }
        if (able.isEmpty()) {
            LOG.info("{} entries found corrupt (first {}): no connected peer to ask; the next session's reconciliation "
                + "round finds them", ids.size(), ids.get(0));
            return;
        }
        // a scrub or a catch-up finds a large damage a step at a time: the ids asked of every peer are counted over
        // a window, so the steps after the first REPAIR_ASK_EACH ids are spread too
        long now = loop.monotonicMillis();
        if (now - askedEachSince > REPAIR_WINDOW_MILLIS) {
            askedEachSince = now;
            askedEach = 0;
        }
        boolean each = able.size() == 1 || askedEach + ids.size() <= REPAIR_ASK_EACH;
        if (each) {
            askedEach += ids.size();
        }
        for (int i = 0; i < able.size(); i++) {
            able.get(i).wantRepair(each ? ids : share(ids, (nextShare + i) % able.size(), able.size()));
        }
        nextShare = (nextShare + ids.size()) % able.size();
        LOG.info("{} entries found corrupt (first {}): asked {} connected peers for their copies ({})", ids.size(),
            ids.get(0), able.size(), each ? "each for all" : "each for a share");
    }

    /** Every {@code peers}-th of {@code ids} from index {@code first} on: one peer's share of a large damage. */
    static List<ActionId> share(List<ActionId> ids, int first, int peers) {
        List<ActionId> share = new java.util.ArrayList<>(ids.size() / peers + 1);
        for (int j = first; j < ids.size(); j += peers) {
            share.add(ids.get(j));
        }
        return share;
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
