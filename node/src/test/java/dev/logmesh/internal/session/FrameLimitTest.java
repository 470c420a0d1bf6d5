package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.Meta;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Size limits end to end (issue 10, faults 1 and 2): peers tell each other their frame limits, frames are cut
 * by encoded UTF-8 bytes below the smaller limit, and an entry too large for a peer never blocks the ones
 * after it.
 */
class FrameLimitTest {
    static final int SMALL = 64 * 1024;
    ManualLoop loop;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
    }

    static SessionConfig limit(int bytes) {
        return SessionConfig.builder("test").maxFrameBytes(bytes).build();
    }

    static Action text(String type, String body) {
        return Action.parse("{\"type\":\"" + type + "\",\"text\":\"" + body + "\"}");
    }

    static void assertFramesWithin(List<String> frames, int limit) {
        for (String f : frames) {
            int bytes = f.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes <= limit, "a frame of " + bytes + " bytes exceeds the limit of " + limit);
        }
    }

    @Test
    void nonAsciiCatchUpIsCutByBytesBelowThePeersLimit() {
        // 3000 actions of 300 CJK characters: ~900 bytes each in UTF-8, ~300 in UTF-16 units
        SessionNode a = new SessionNode("a", loop, limit(1 << 20));
        SessionNode b = new SessionNode("b", loop, limit(SMALL));
        String cjk = "漢".repeat(300);
        for (int i = 0; i < 3000; i++) {
            a.log.add(text("cjk", cjk), List.of("test"));
        }
        TestPair pair = SessionNode.connect(loop, b, a);
        loop.runAll();
        assertEquals(3000, b.log.size());
        assertFramesWithin(pair.rightSent(), SMALL);
        assertTrue(pair.rightSent().size() > 40, "3000 × ~900 bytes need more than 40 frames of 64 KiB");
    }

    @Test
    void anEntryTooLargeForThePeerIsSkippedAndTheOnesAfterItArrive() {
        SessionNode a = new SessionNode("a", loop, limit(1 << 20));
        SessionNode b = new SessionNode("b", loop, limit(SMALL));
        a.log.add(text("before", "x"), List.of("test"));
        Meta big = a.log.add(text("big", "y".repeat(SMALL)), List.of("test"));
        a.log.add(text("after", "z"), List.of("test"));
        TestPair pair = SessionNode.connect(loop, b, a);
        loop.runAll();
        assertEquals(List.of("before", "after"), b.types());
        assertFalse(b.log.has(big.id()));
        assertFramesWithin(pair.rightSent(), SMALL);
        // live entries after it flow too, and the session stays up
        a.add("live");
        loop.runAll();
        assertEquals(List.of("before", "after", "live"), b.types());
        assertTrue(a.hub.connectedPeers().contains("b"));
        assertTrue(b.errors.isEmpty(), b.errors.toString());
    }

    /** A breaker's run: the sender warned about the same entry every 30 s for as long as it ran (39 times in 19 min). */
    @Test
    void anEntryTooLargeForThePeerIsSaidOnceNotAtEverySession() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs -Dslf4j.provider=dev.logmesh.testkit.CapturedLogs");
        // node ids of this test only: what is said once is remembered for the whole JVM
        SessionNode a = new SessionNode("once-sender", loop, limit(1 << 20));
        SessionNode b = new SessionNode("once-peer", loop, limit(SMALL));
        Meta big = a.log.add(text("big", "y".repeat(SMALL)), List.of("test"));
        dev.logmesh.testkit.CapturedLogs.clear();
        for (int i = 0; i < 3; i++) { // three sessions, each catching up from the start
            TestPair pair = SessionNode.connect(loop, b, a);
            loop.runAll();
            pair.cut("network down");
            loop.runAll();
            b.log.store().setCursor("once-sender", dev.logmesh.spi.PeerCursor.NONE);
        }
        assertEquals(1, dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN,
            big.id() + " takes up to").size(), dev.logmesh.testkit.CapturedLogs.events().toString());
    }

    @Test
    void theSmallerLimitTravelsInTheMeshOptionsBothWays() {
        SessionNode a = new SessionNode("a", loop, limit(1 << 20));
        SessionNode b = new SessionNode("b", loop, limit(SMALL));
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        assertTrue(pair.leftSent().get(0).contains("\"maxFrame\":1048576"), pair.leftSent().get(0));
        assertTrue(pair.rightSent().get(0).contains("\"maxFrame\":65536"), pair.rightSent().get(0));
        for (int i = 0; i < 200; i++) {
            a.add("bulk/" + "w".repeat(1000));
        }
        loop.runAll();
        assertEquals(200, b.log.size());
        assertFramesWithin(pair.leftSent(), SMALL);
    }
}
