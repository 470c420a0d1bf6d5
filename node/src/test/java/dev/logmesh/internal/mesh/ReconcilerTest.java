package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import dev.logmesh.Entry;
import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.reconcile.Initiator;
import dev.logmesh.internal.reconcile.Item;
import dev.logmesh.internal.reconcile.ItemIndex;
import dev.logmesh.internal.reconcile.Need;
import dev.logmesh.internal.reconcile.ReconcileOptions;
import dev.logmesh.internal.reconcile.Responder;
import dev.logmesh.internal.reconcile.Round;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconciler's index follows the log, though the log's adds only queue their ids (issue 12, cold path). */
class ReconcilerTest {
    final ManualLoop loop = new ManualLoop(1_000_000);
    final Log log = Log.open(new MemoryStore(), "a", loop::now, HybridClock.DEFAULT_MAX_DRIFT_MS);
    final Reconciler reconciler = new Reconciler(log, loop, 30L * 24 * 3_600_000);

    private Entry add(int i) {
        Entry e = log.create(Action.ofType("t" + i), List.of("r"));
        log.add(e);
        return e;
    }

    @Test
    void idsAddedToTheLogAreInTheIndexWhenItIsRead() {
        for (int i = 0; i < 5; i++) {
            add(i);
        }
        assertEquals(5, reconciler.size());
    }

    @Test
    void aRoundsLaterMessagesSeeIdsAddedBetweenThem() {
        // the peer holds x0..x3; this node x0..x2 when its responder is made, x3 arrives before the round's messages
        ItemIndex peer = new ItemIndex();
        for (int i = 0; i < 3; i++) {
            peer.add(add(i).id());
        }
        Responder responder = reconciler.responder(0, ReconcileOptions.DEFAULT.frameSizeLimit());
        peer.add(add(3).id());
        // the peer initiates over its own index; every message of the round reads this node's index
        Initiator initiator = Initiator.create(peer, ReconcileOptions.DEFAULT);
        List<Item> have = new ArrayList<>();
        List<Need> need = new ArrayList<>();
        byte[] message = initiator.initiate();
        while (message != null) {
            Round round = initiator.reconcile(responder.reconcile(message));
            have.addAll(round.have());
            need.addAll(round.need());
            message = round.reply();
        }
        assertTrue(have.isEmpty(), "the peer saw x3 as missing here: " + have);
        assertTrue(need.isEmpty(), "needs: " + need);
    }

    /**
     * Ids a peer answered gone for are given to every other peer once, never to the one that answered, and no more
     * once they arrived; at most {@link Reconciler#MAX_GONE} are remembered (the oldest are dropped).
     */
    @Test
    void goneIdsAreAskedOfEveryOtherPeerOnce() {
        ActionId x = new ActionId(loop.now(), "z", 0);
        ActionId y = new ActionId(loop.now(), "z", 1);
        reconciler.known("b", List.of(x, y));
        assertEquals(2, reconciler.size(), "counted as known: rounds with b stop finding them");
        assertEquals(List.of(), reconciler.toAsk("b"), "not asked of the peer that cleaned them");
        assertEquals(List.of(x, y), reconciler.toAsk("a"));
        assertEquals(List.of(), reconciler.toAsk("a"), "once per peer");
        reconciler.known("a", List.of(x)); // a cleaned x too
        log.add(new Entry(Action.ofType("y"), new Meta(y, y.ms(), 0, List.of("r"), 0, java.util.Map.of())));
        assertEquals(List.of(x), reconciler.toAsk("c"), "y arrived: asked of no one any more");

        for (int i = 0; i < Reconciler.MAX_GONE; i++) {
            reconciler.known("b", List.of(new ActionId(loop.now(), "w", i)));
        }
        List<ActionId> asked = reconciler.toAsk("d");
        assertTrue(asked.size() <= Reconciler.MAX_GONE, "bounded: " + asked.size());
        assertEquals(new ActionId(loop.now(), "w", Reconciler.MAX_GONE - 1), asked.get(asked.size() - 1),
            "the newest kept");
    }
}
