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
    Plumtree p;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        log = new HashSet<>();
        sent = new ArrayList<>();
        p = new Plumtree(loop, GRAFT, log::contains, new Plumtree.Sender() {
            @Override
            public boolean graft(String peer, List<ActionId> ids) {
                sent.add("graft " + peer + " " + ids);
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
}
