package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plumtree's state machine between fakes (a recording sender, a set standing for the log, a manual loop):
 * eager to lazy on a duplicate, graft when an announced id does not arrive, and what happens when the graft
 * gets no answer. Leitão et al., SRDS 2007, Algorithm 1.
 */
class PlumtreeTest {
    static final long GRAFT = 300;
    ManualLoop loop;
    Set<ActionId> log;
    List<String> sent;
    /** The ids of each graft sent, in order. */
    List<List<ActionId>> grafted;
    Plumtree p;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        log = new HashSet<>();
        sent = new ArrayList<>();
        grafted = new ArrayList<>();
        p = new Plumtree(loop, GRAFT, log::contains, new Plumtree.Sender() {
            @Override
            public boolean graft(String peer, List<ActionId> ids) {
                sent.add("graft " + peer + " " + ids);
                grafted.add(List.copyOf(ids));
                return true;
            }

            @Override
            public boolean prune(String peer) {
                sent.add("prune " + peer);
                return true;
            }
        });
        p.peerUp("b");
        p.peerUp("c");
    }

    static ActionId id(String text) {
        return ActionId.parse(text);
    }

    @Test
    void linksStartEagerAndADuplicatePrunesOnce() {
        assertTrue(p.eager("b"));
        p.duplicate("b");
        p.duplicate("b");
        assertFalse(p.eager("b"));
        assertTrue(p.eager("c"));
        assertEquals(List.of("prune b"), sent);
    }

    @Test
    void aPruneFromThePeerMakesTheLinkLazyAndAGraftEagerAgain() {
        p.pruned("c");
        assertFalse(p.eager("c"));
        p.grafted("c");
        assertTrue(p.eager("c"));
        assertEquals(List.of(), sent);
    }

    @Test
    void anIdThatArrivesBeforeTheTimerIsNeverGrafted() {
        p.announced("b", List.of(id("5 x 0")));
        loop.advance(GRAFT - 1);
        log.add(id("5 x 0"));
        p.arrived(id("5 x 0"));
        loop.advance(10 * GRAFT);
        assertEquals(List.of(), sent);
        assertEquals(0, p.missingCount());
    }

    @Test
    void aMissingIdIsGraftedFromItsAnnouncerAndThatLinkBecomesEager() {
        p.pruned("b");
        p.announced("b", List.of(id("5 x 0"), id("6 x 0")));
        loop.advance(GRAFT);
        assertEquals(List.of("graft b [5 x 0, 6 x 0]"), sent);
        assertTrue(p.eager("b"));
        assertEquals(2, p.missingCount(), "still missing until the entries arrive");
    }

    @Test
    void withoutAnAnswerTheNextAnnouncerIsAskedThenTheFirstAgainWithBackoffAndNothingIsGivenUp() {
        p.announced("b", List.of(id("5 x 0")));
        p.announced("c", List.of(id("5 x 0")));
        assertEquals(List.of("b", "c"), p.announcers(id("5 x 0")));
        loop.advance(GRAFT);
        assertEquals(List.of("graft b [5 x 0]"), sent);
        loop.advance(GRAFT);
        assertEquals(List.of("graft b [5 x 0]", "graft c [5 x 0]"), sent);
        // every announcer asked once: the delay doubles
        loop.advance(GRAFT);
        assertEquals(2, sent.size());
        loop.advance(GRAFT);
        assertEquals(List.of("graft b [5 x 0]", "graft c [5 x 0]", "graft b [5 x 0]"), sent);
        // hours later it is still missing: never dropped while an announcer is connected
        loop.advance(3_600_000);
        assertTrue(p.isMissing(id("5 x 0")));
        log.add(id("5 x 0"));
        p.arrived(id("5 x 0"));
        int before = sent.size();
        loop.advance(3_600_000);
        assertEquals(before, sent.size());
    }

    @Test
    void whenItsOnlyAnnouncerLeavesTheIdIsLeftToThatPeersNextSession() {
        p.announced("b", List.of(id("5 x 0")));
        p.peerDown("b");
        loop.advance(GRAFT);
        assertEquals(List.of(), sent);
        assertEquals(0, p.missingCount());
    }

    @Test
    void anAnnouncerThatLeftIsNotAskedButAnotherIs() {
        p.announced("b", List.of(id("5 x 0")));
        p.announced("c", List.of(id("5 x 0")));
        p.peerDown("b");
        loop.advance(GRAFT);
        assertEquals(List.of("graft c [5 x 0]"), sent);
    }

    @Test
    void anIdFoundInTheLogWhenTheTimerFiresIsDropped() {
        p.announced("b", List.of(id("5 x 0")));
        log.add(id("5 x 0")); // added without an arrived() call (e.g. the log was written directly)
        loop.advance(GRAFT);
        assertEquals(List.of(), sent);
        assertEquals(0, p.missingCount());
    }

    @Test
    void closeCancelsEveryTimer() {
        p.announced("b", List.of(id("5 x 0")));
        p.close();
        loop.advance(10 * GRAFT);
        assertEquals(List.of(), sent);
    }

    static List<ActionId> ids(int from, int count) {
        List<ActionId> ids = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            ids.add(id(i + " x 0"));
        }
        return ids;
    }

    /**
     * Session 43: on busy loops the ids of lazy links run seconds ahead of the tree's payload, and one graft asked for
     * thousands of ids whose tree copy was on its way. A peer is asked for at most its cap in one graft delay; the
     * ids past it wait for the next window, oldest announcement first, and leave the wait when the tree brings them.
     */
    @Test
    void aGraftAsksAPeerForAtMostItsCapAndTheRestWaitForTheNextWindow() {
        p.pruned("b");
        List<ActionId> announced = ids(1, 1_000);
        p.announced("b", announced);
        loop.advance(GRAFT);
        assertEquals(List.of(announced.subList(0, Plumtree.GRAFT_START_IDS)), grafted,
            "the first graft: the oldest " + Plumtree.GRAFT_START_IDS);
        // the tree brings all but the last 10 before the next window
        for (ActionId a : announced.subList(Plumtree.GRAFT_START_IDS, 990)) {
            log.add(a);
            p.arrived(a);
        }
        loop.advance(GRAFT);
        assertEquals(2, grafted.size(), "one more graft in the next window: " + sent);
        assertEquals(announced.subList(990, 1_000), grafted.get(1), "only what the tree did not bring");
    }

    @Test
    void anAnswerOfNewEntriesGrowsThePeersCapAndOneOfDuplicatesShrinksIt() {
        p.pruned("b");
        p.announced("b", ids(1, 5_000));
        loop.advance(GRAFT);
        assertEquals(Plumtree.GRAFT_START_IDS, grafted.get(0).size());
        p.graftAnswered("b", Plumtree.GRAFT_START_IDS, 0);
        long grown = (long) Plumtree.GRAFT_START_IDS * Plumtree.GRAFT_GROWTH;
        assertEquals(grown, p.graftCap("b"));
        loop.advance(GRAFT);
        assertEquals(grown, grafted.get(grafted.size() - 1).size(), "the next window asks for the grown cap");
        p.graftAnswered("b", 200, 56);
        assertEquals(Plumtree.GRAFT_START_IDS, p.graftCap("b"), "an answer holding duplicates sets it back");
        p.graftAnswered("c", 10, 0); // c was not grafted: a reconciliation answer says nothing of grafts
        assertEquals(Plumtree.GRAFT_START_IDS, p.graftCap("c"));
    }

    /**
     * On busy loops a graft's answer comes before the tree's copy (the ids ran ahead of it), so the answer alone
     * looks useful; the tree's copy that follows shows the graft was not needed and sets the cap back.
     */
    @Test
    void aGraftedEntryThatTheTreeBringsTooSetsThePeersCapBack() {
        p.pruned("b");
        p.announced("b", ids(1, 5_000));
        loop.advance(GRAFT);
        p.graftAnswered("b", Plumtree.GRAFT_START_IDS, 0);
        assertEquals((long) Plumtree.GRAFT_START_IDS * Plumtree.GRAFT_GROWTH, p.graftCap("b"));
        p.treeDuplicates("c", ids(9_000, 3)); // never grafted: says nothing
        assertEquals((long) Plumtree.GRAFT_START_IDS * Plumtree.GRAFT_GROWTH, p.graftCap("b"));
        p.treeDuplicates("c", List.of(grafted.get(0).get(5)));
        assertEquals(Plumtree.GRAFT_START_IDS, p.graftCap("b"));
        loop.advance(GRAFT);
        assertEquals(Plumtree.GRAFT_START_IDS, grafted.get(grafted.size() - 1).size());
    }

    @Test
    void idsPastTheCapAreGraftedFromAnotherAnnouncerWhenTheirsCloses() {
        List<ActionId> announced = ids(1, 200);
        p.announced("b", announced);
        p.announced("c", announced);
        loop.advance(GRAFT);
        assertEquals(List.of(announced.subList(0, Plumtree.GRAFT_START_IDS)), grafted);
        p.peerDown("b"); // its session closes: nothing it announced is lost
        for (int i = 0; i < 10 && p.missingCount() > 0; i++) {
            loop.advance(GRAFT);
            for (List<ActionId> g : grafted.subList(1, grafted.size())) {
                for (ActionId a : g) {
                    log.add(a);
                    p.arrived(a);
                }
            }
        }
        Set<ActionId> fromC = new HashSet<>();
        for (List<ActionId> g : grafted.subList(1, grafted.size())) {
            fromC.addAll(g);
        }
        assertTrue(fromC.containsAll(announced), "every id grafted from c: " + sent);
        assertTrue(sent.subList(1, sent.size()).stream().allMatch(x -> x.startsWith("graft c ")), sent.toString());
        assertEquals(0, p.missingCount());
    }
}
