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
import dev.logmesh.internal.session.Reconciliation;
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
        Responder responder = reconciler.responder("b", 0, ReconcileOptions.DEFAULT.frameSizeLimit());
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
     * A sweep ({@code trim}) hashes no queued id: those below the cutoff leave the queue, the others stay queued, and
     * the next read of the index holds exactly them, as when the sweep put them in. Before (session 52) the sweep
     * flushed the queue: the first one, a second after a node's start, hashed every id of a catch-up under way on
     * the loop ("expected: <1000> but was: <0>").
     */
    @Test
    void aSweepHashesNoQueuedIdAndDropsThoseBelowTheCutoff() {
        for (int i = 0; i < 10; i++) {
            add(i); // at the start: below the cutoff 31 days later
        }
        loop.advance(31L * 24 * 3_600_000);
        ItemIndex peer = new ItemIndex();
        for (int i = 0; i < 1_000; i++) {
            peer.add(add(10 + i).id());
        }
        reconciler.trim(loop.now());
        assertEquals(1_000, reconciler.queued(), "the ids above the cutoff still queued");
        assertEquals(1_000, reconciler.size(), "the old ones dropped, the new ones in at the next read");
        assertEquals(0, reconciler.queued());
        assertEquals(0, differences("b", peer), "the same ids as the peer's");
    }

    /**
     * Ids a peer answered gone for count as known in rounds with that peer only: a round with another peer still
     * finds them (it may hold them), and one that arrived is no mark any more. Before (session 23) they were counted
     * as known in rounds with every peer, and the bounded list of them to ask other peers for dropped the oldest.
     */
    @Test
    void goneIdsCountAsKnownOnlyWithThePeerThatAnsweredGone() {
        ItemIndex peer = new ItemIndex();
        for (int i = 0; i < 50; i++) {
            peer.add(add(i).id());
        }
        List<ActionId> gone = new ArrayList<>();
        for (int i = 0; i < 3 * 16_384; i++) {
            ActionId id = new ActionId(loop.now() + i / 100, "z", i % 100);
            gone.add(id);
            peer.add(id);
        }
        reconciler.known("b", gone);
        assertEquals(50, reconciler.size(), "not in this node's own index");
        assertEquals(gone.size(), reconciler.goneMarks("b"), "every one kept: no bound in ids");
        assertEquals(0, differences("b", peer), "no difference with the peer that answered gone");
        assertEquals(gone.size(), differences("a", peer), "a difference with any other peer");
        reconciler.known("a", gone.subList(0, 10)); // a cleaned the first ten too
        assertEquals(gone.size() - 10, differences("a", peer));

        // one arrives from a holder: it leaves the marks, and is no difference with anyone
        ActionId x = gone.get(20);
        log.add(new Entry(Action.ofType("x"), new Meta(x, x.ms(), 0, List.of("r"), 0, java.util.Map.of())));
        assertEquals(gone.size() - 1, reconciler.goneMarks("b"));
        assertEquals(0, differences("b", peer));
        assertEquals(gone.size() - 11, differences("a", peer));
        assertEquals(gone.size() - 1, differences("c", peer));

        // marks leave with the cutoff
        loop.advance(30L * 24 * 3_600_000);
        reconciler.trim(loop.now());
        assertEquals(0, reconciler.goneMarks("b"));
    }

    /**
     * A peer that lacks ids it had answered gone for (its store wiped or restored from a backup) loses their marks at
     * the first round that finds so, whichever side asks: else every round with it would find them again, and this
     * node, which lacks them too, could never send them.
     */
    @Test
    void marksOfIdsThePeerNoLongerHasGoAtTheFirstRoundThatFindsIt() {
        ItemIndex peer = new ItemIndex();
        List<ActionId> gone = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            gone.add(new ActionId(loop.now() + i, "z", 0));
        }
        reconciler.known("b", gone);
        reconciler.known("c", gone);
        // b lost them all: its round (b initiates) needs what this node's view for b holds, and asks for it
        List<Need> needs = needs(reconciler, "b", peer);
        assertEquals(gone.size(), needs.size(), "a round with b finds them");
        Reconciliation.Resolved found = reconciler.resolveNeeds("b", needs);
        assertTrue(found.entries().isEmpty() && found.gone().isEmpty(), "nothing here to send: " + found);
        assertEquals(0, reconciler.goneMarks("b"));
        assertEquals(0, differencesWith(reconciler, "b", peer), "the next round finds nothing");
        // c too, found by this node's round with c: the have of its round
        Initiator initiator = reconciler.initiator("c", 0, ReconcileOptions.DEFAULT.frameSizeLimit());
        Responder responder = Responder.create(peer, ReconcileOptions.DEFAULT);
        List<Item> have = new ArrayList<>();
        byte[] message = initiator.initiate();
        while (message != null) {
            Round round = initiator.reconcile(responder.reconcile(message));
            have.addAll(round.have());
            message = round.reply();
        }
        assertEquals(gone.size(), have.size(), "this node's round with c finds them");
        found = reconciler.resolve("c", have);
        assertTrue(found.entries().isEmpty() && found.gone().isEmpty(), "nothing here to send: " + found);
        assertEquals(0, reconciler.goneMarks("c"));
        assertEquals(0, differencesWith(reconciler, "c", peer), "the next round finds nothing");
        assertEquals(0, storedMarks("b") + storedMarks("c"), "they leave the store too");
    }

    /**
     * The marks are written to the store as they are made, and a reconciler started over the same log (a restart)
     * loads them, except ids the log has seen since (whose rows leave the store).
     */
    @Test
    void goneMarksAreKeptInTheStoreAndLoadedAtStart() {
        ItemIndex peer = new ItemIndex();
        List<ActionId> gone = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            gone.add(new ActionId(loop.now() + i, "z", 0));
            peer.add(gone.get(i));
        }
        reconciler.known("b", gone);
        reconciler.known("c", gone.subList(0, 100));
        assertEquals(1_000, storedMarks("b"));
        assertEquals(100, storedMarks("c"));
        ActionId x = gone.get(5);
        log.add(new Entry(Action.ofType("x"), new Meta(x, x.ms(), 0, List.of("r"), 0, java.util.Map.of())));
        reconciler.close();

        Reconciler again = new Reconciler(log, loop, 30L * 24 * 3_600_000);
        assertEquals(999, again.goneMarks("b"));
        assertEquals(99, again.goneMarks("c"));
        assertEquals(999, storedMarks("b"), "the id that arrived left the store at the start");
        assertEquals(0, differencesWith(again, "b", peer), "no difference with b after the restart");
        assertEquals(900, differencesWith(again, "c", peer));
        assertEquals(1, differencesWith(again, "d", new ItemIndex()), "x only: marks count with their peer only");
        again.close();
    }

    /** How many gone marks of {@code peer} the log's store keeps. */
    private int storedMarks(String peer) {
        int[] n = new int[1];
        log.store().forEachGone(0, Long.MAX_VALUE, (p, id) -> {
            if (p.equals(peer)) {
                n[0]++;
            }
        });
        return n[0];
    }

    /**
     * The gone marks stay within their bytes: past the bound, the marks of the peer least recently used go first, then
     * the oldest half of the newest peer's; what is dropped is found again by rounds (traffic, no action lost).
     */
    @Test
    void goneMarksAreBoundedInBytes() {
        long bound = 1L << 20;
        Reconciler small = new Reconciler(log, loop, 30L * 24 * 3_600_000, bound);
        ItemIndex peer = new ItemIndex();
        List<ActionId> first = new ArrayList<>();
        List<ActionId> second = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            first.add(new ActionId(loop.now() + i, "p", 0));
            second.add(new ActionId(loop.now() + i, "q", 0));
            peer.add(first.get(i));
        }
        small.known("b", first);
        assertEquals(first.size(), small.goneMarks("b"), "about 0.9 MB: within the bound");
        small.known("c", second);
        assertEquals(0, small.goneMarks("b"), "b's went: least recently used");
        assertEquals(second.size(), small.goneMarks("c"));

        List<ActionId> many = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            many.add(new ActionId(loop.now() + i, "r", 0));
        }
        small.known("d", many);
        assertEquals(0, small.goneMarks("c"));
        int kept = small.goneMarks("d");
        assertTrue(kept > 10_000 && kept < 30_000, "the newest part of d's kept: " + kept);
        small.known("e", List.of(many.get(0)));
        assertTrue(small.goneMarks("d") + small.goneMarks("e") <= 30_000);
        assertEquals(first.size(), differencesWith(small, "b", peer), "b's dropped: rounds with b find them again");
        assertEquals(0, storedMarks("b") + storedMarks("c"), "dropped from the store too");
        assertEquals(small.goneMarks("d"), storedMarks("d"));
        assertEquals(small.goneMarks("e"), storedMarks("e"));
        small.close();
    }

    /**
     * A peer left without marks (the bound dropped them all, they arrived, or the peer lost them) takes no bytes of the
     * bound: its empty index is dropped. Before (session 24, {@code GoneMarksSimulationTest} with a 1-byte bound, seed
     * 4: "n1's gone marks take 724 bytes, past the bound of 1: { }"), the empty index stayed and counted against the
     * bytes and the peers, so the bound could not be kept and pushed other peers' marks out for nothing.
     */
    @Test
    void aPeerWithoutMarksTakesNoneOfTheBound() {
        ActionId x = new ActionId(loop.now(), "z", 0);
        Reconciler tiny = new Reconciler(log, loop, 30L * 24 * 3_600_000, 1);
        tiny.known("b", List.of(x));
        assertEquals(0, tiny.goneMarks("b"), "past the bound: dropped");
        assertEquals(0, tiny.goneBytes(), "and nothing kept for b");
        tiny.close();

        reconciler.known("b", List.of(x));
        reconciler.known("c", List.of(x));
        assertTrue(reconciler.goneBytes() > 0);
        // c lost it (a round finds it lacks x): its marks go
        reconciler.resolve("c", List.of(Item.of(x)));
        assertEquals(0, reconciler.goneMarks("c"));
        long onlyB = reconciler.goneBytes();
        // x arrives from a holder: b's marks go too
        log.add(new Entry(Action.ofType("x"), new Meta(x, x.ms(), 0, List.of("r"), 0, java.util.Map.of())));
        assertEquals(0, reconciler.goneMarks("b"));
        assertEquals(0, reconciler.goneBytes(), "no bytes for peers without marks (b's alone took " + onlyB + ")");
    }

    /** How many items a round between {@code peer}'s set (initiating) and this node's view for it finds differ. */
    private int differences(String peerNode, ItemIndex peer) {
        return differencesWith(reconciler, peerNode, peer);
    }

    /** What {@code peer} (initiating) would ask this node's view for with {@code logmesh:want}. */
    private static List<Need> needs(Reconciler reconciler, String peerNode, ItemIndex peer) {
        Responder responder = reconciler.responder(peerNode, 0, ReconcileOptions.DEFAULT.frameSizeLimit());
        Initiator initiator = Initiator.create(peer, ReconcileOptions.DEFAULT);
        List<Need> out = new ArrayList<>();
        byte[] message = initiator.initiate();
        while (message != null) {
            Round round = initiator.reconcile(responder.reconcile(message));
            out.addAll(round.need());
            message = round.reply();
        }
        return out;
    }

    private static int differencesWith(Reconciler reconciler, String peerNode, ItemIndex peer) {
        Responder responder = reconciler.responder(peerNode, 0, ReconcileOptions.DEFAULT.frameSizeLimit());
        Initiator initiator = Initiator.create(peer, ReconcileOptions.DEFAULT);
        int out = 0;
        byte[] message = initiator.initiate();
        while (message != null) {
            Round round = initiator.reconcile(responder.reconcile(message));
            out += round.have().size() + round.need().size();
            message = round.reply();
        }
        return out;
    }
}
