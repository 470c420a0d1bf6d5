package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mesh extension messages on the wire, exactly: {@code ["logmesh:ihave", added, [id, ...]]},
 * {@code ["logmesh:graft", [id, ...]]} and {@code ["logmesh:prune"]}. The test plays the peer on the raw
 * frames of a listener session that offered Plumtree.
 */
class PlumtreeWireTest {
    static final String CONNECT = "[\"connect\",5,\"p\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\"],\"maxFrame\":1048576,\"epoch\":\"epoch-p\"}}]";
    ManualLoop loop;
    SessionNode n;
    TestPair pair;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        n = new SessionNode("n", loop, SessionConfig.defaults("test"));
        pair = new TestPair(loop);
        n.accept(pair);
        loop.runAll();
        pair.right().inject(CONNECT);
        loop.runAll();
        assertEquals(1, pair.rightSent().size(), pair.rightSent().toString());
        pair.clear();
    }

    @Test
    void anAnnouncedIdThatDoesNotArriveIsGraftedAndAcknowledgedOnlyOnceItIsInTheLog() {
        pair.right().inject("[\"logmesh:ihave\",7,[\"999000 p 0\"]]");
        loop.runAll();
        assertEquals(List.of(), pair.rightSent(), "no synced for an id the log does not hold");
        loop.advance(SessionConfig.DEFAULT_GRAFT_MILLIS);
        assertEquals(List.of("[\"logmesh:graft\",[\"999000 p 0\"]]"), pair.rightSent());
        pair.clear();
        // long past the old give-up (half the timeout): still nothing acknowledged, the graft is repeated
        loop.advance(SessionConfig.DEFAULT_TIMEOUT_MILLIS / 2 + 1);
        assertFalse(pair.rightSent().contains("[\"synced\",7]"), pair.rightSent().toString());
        assertFalse(n.log.has(ActionId.parse("999000 p 0")));
        pair.clear();
        // the graft answer: a sync numbered 0 (it says nothing of the peer's order)
        pair.right().inject("[\"sync\",0,{\"type\":\"x\"},{\"id\":-1000,\"time\":-1000}]");
        loop.runAll();
        assertTrue(n.log.has(ActionId.parse("999000 p 0")));
        // the ihave's batch completes as the entry is stored (before the graft answer's own synced)
        assertEquals(List.of("[\"synced\",7]", "[\"synced\",0]"), pair.rightSent());
    }

    @Test
    void aDuplicateOnAnEagerLinkIsAnsweredWithPrune() {
        pair.right().inject("[\"sync\",1,{\"type\":\"x\"},{\"id\":-1000,\"time\":-1000}]");
        loop.runAll();
        assertEquals(List.of("[\"synced\",1]"), pair.rightSent());
        pair.clear();
        pair.right().inject("[\"sync\",2,{\"type\":\"x\"},{\"id\":-1000,\"time\":-1000}]");
        loop.runAll();
        assertEquals(List.of("[\"logmesh:prune\"]", "[\"synced\",2]"), pair.rightSent());
    }

    @Test
    void afterAPruneTheNodeAnnouncesIdsOnlyAndAGraftBringsThePayloadBack() {
        pair.right().inject("[\"logmesh:prune\"]");
        loop.runAll();
        loop.advance(5);
        n.add("own/1");
        loop.runAll();
        assertEquals(List.of("[\"logmesh:ihave\",1,[\"1000005 n 0\"]]"), pair.rightSent());
        pair.clear();
        pair.right().inject("[\"logmesh:graft\",[\"1000005 n 0\"]]");
        loop.runAll();
        assertEquals(List.of("[\"sync\",0,{\"type\":\"own/1\"},{\"id\":5,\"time\":5,\"reasons\":[\"test\"]}]"),
            pair.rightSent());
        pair.clear();
        n.add("own/2");
        loop.runAll();
        assertEquals(1, pair.rightSent().size());
        assertTrue(pair.rightSent().get(0).startsWith("[\"sync\",2,"), pair.rightSent().toString());
    }

    /**
     * A node with a backlog of 300 entries and a peer that connects (a new link, or an overlay link made active):
     * the backlog's first sync is a probe of at most {@link SyncSession#BACKLOG_PROBE_ENTRIES}; a peer that had
     * them prunes, and the rest goes as ids only. Before (break40), all 300 went as payload in one sync: at 12
     * nodes each change of an active view re-sent the log to a peer that held it (3-5 duplicates per new entry).
     */
    @Test
    void aBacklogIsProbedWithOneSmallSyncAndAPeerThatHadItGetsTheRestAsIds() {
        SessionNode m = backlogNode(300);
        assertEquals(List.of(SyncSession.BACKLOG_PROBE_ENTRIES), syncSizes(pair.rightSent()),
            "one small sync first, then its answer awaited: " + summary(pair.rightSent()));
        pair.clear();
        long probe = SyncSession.BACKLOG_PROBE_ENTRIES;
        pair.right().inject("[\"logmesh:prune\"]");
        pair.right().inject("[\"synced\"," + probe + "]");
        loop.runAll();
        assertEquals(List.of(), syncSizes(pair.rightSent()), "no more payload after the prune");
        assertEquals(300 - probe, ihaveIds(pair.rightSent()), "the rest as ids: " + summary(pair.rightSent()));
        assertEquals(300, m.log.lastAdded());
    }

    @Test
    void aPeerThatLacksTheBacklogGetsTheRestAsPayloadOnceTheProbeIsAnswered() {
        backlogNode(300);
        pair.clear();
        pair.right().inject("[\"synced\"," + SyncSession.BACKLOG_PROBE_ENTRIES + "]");
        loop.runAll();
        assertEquals(List.of(300 - SyncSession.BACKLOG_PROBE_ENTRIES), syncSizes(pair.rightSent()),
            summary(pair.rightSent()));
        assertEquals(0, ihaveIds(pair.rightSent()));
    }

    /**
     * A backlog probe does not wait for the answers of batches sent before it: an ihave whose id never comes stays
     * unanswered while the session lasts, and a link made active again (held, then released) must still carry
     * entries. Here the peer pruned the link, never answers an ihave, grafts the link back, and the overlay holds
     * and releases it.
     */
    @Test
    void aProbeDoesNotWaitForAnUnansweredIhaveSentBeforeIt() {
        pair.right().inject("[\"logmesh:prune\"]");
        loop.runAll();
        loop.advance(5);
        n.add("own/1");
        loop.runAll();
        assertEquals(1, ihaveIds(pair.rightSent()), "the ihave the peer never answers: " + summary(pair.rightSent()));
        pair.right().inject("[\"logmesh:graft\",[]]");
        loop.runAll();
        SyncSession session = n.hub.session("p");
        session.hold(true);
        loop.advance(5);
        n.add("own/2");
        loop.runAll();
        pair.clear();
        session.hold(false);
        loop.runAll();
        assertEquals(List.of(1), syncSizes(pair.rightSent()), "own/2 as the probe: " + summary(pair.rightSent()));
    }

    /** A fresh node with {@code n} entries of its own, and {@link #pair} connected to it as a Plumtree peer. */
    private SessionNode backlogNode(int n) {
        SessionNode m = new SessionNode("m", loop, SessionConfig.defaults("test"));
        for (int i = 0; i < n; i++) {
            m.add("own/" + i);
        }
        loop.runAll();
        pair = new TestPair(loop);
        m.accept(pair);
        loop.runAll();
        pair.right().inject(CONNECT);
        loop.runAll();
        return m;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The number of entries of each sync frame among these frames. */
    private static List<Integer> syncSizes(List<String> frames) {
        List<Integer> sizes = new java.util.ArrayList<>();
        for (String f : frames) {
            if (f.startsWith("[\"sync\",")) {
                sizes.add((parse(f).size() - 2) / 2);
            }
        }
        return sizes;
    }

    /** The ids announced by the ihave frames among these frames. */
    private static long ihaveIds(List<String> frames) {
        return frames.stream().filter(f -> f.startsWith("[\"logmesh:ihave\",")).mapToLong(f -> parse(f).get(2).size())
            .sum();
    }

    private static String summary(List<String> frames) {
        return frames.stream().map(f -> f.substring(0, Math.min(30, f.length()))).toList().toString();
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String frame) {
        try {
            return JSON.readTree(frame);
        } catch (java.io.IOException e) {
            throw new AssertionError(frame, e);
        }
    }

    @Test
    void meshMessagesFromAPeerWithoutTheCapabilityAreRefused() {
        SessionNode m = new SessionNode("m", loop, SessionConfig.defaults("test"));
        TestPair plain = new TestPair(loop);
        m.accept(plain);
        loop.runAll();
        plain.right().inject("[\"connect\",5,\"q\",0]");
        loop.runAll();
        plain.clear();
        plain.right().inject("[\"logmesh:ihave\",1,[\"999000 q 0\"]]");
        loop.runAll();
        assertEquals(1, plain.rightSent().size(), plain.rightSent().toString());
        assertTrue(plain.rightSent().get(0).startsWith("[\"error\",\"wrong-format\""), plain.rightSent().toString());
    }
}
