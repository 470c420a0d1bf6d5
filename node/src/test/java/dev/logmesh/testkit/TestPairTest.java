package dev.logmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.spi.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TestPair}: delivery on the loop, recording, taking, and the "every frame taken" check. */
class TestPairTest {
    final ManualLoop loop = new ManualLoop();

    /** Records a connection's events as text. */
    static final class Events implements Connection.Handler {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onOpen() {
            seen.add("open");
        }

        @Override
        public void onFrame(String frame) {
            seen.add(frame);
        }

        @Override
        public void onClose(String reason) {
            seen.add("close: " + reason);
        }
    }

    @Test
    void framesArriveInOrderThroughTheLoopAfterTheLatency() {
        TestPair pair = new TestPair(loop, 10);
        Events left = new Events();
        Events right = new Events();
        pair.left().start(left);
        pair.right().start(right);
        assertTrue(pair.left().send("[\"ping\",1]"));
        assertTrue(pair.left().send("[\"ping\",2]"));
        assertEquals(List.of(), right.seen, "nothing before the loop runs");
        loop.runAll();
        assertEquals(List.of("open"), right.seen);
        loop.advance(9);
        assertEquals(List.of("open"), right.seen, "not before the latency");
        loop.advance(1);
        assertEquals(List.of("open", "[\"ping\",1]", "[\"ping\",2]"), right.seen);
        assertEquals(List.of("[\"ping\",1]", "[\"ping\",2]"), pair.leftSent());
        assertEquals("local-left", pair.right().remoteAddress());
    }

    @Test
    void assertExhaustedFailsOnAFrameTheTestDidNotTake() {
        TestPair pair = new TestPair(loop);
        pair.left().start(new Events());
        pair.right().start(new Events());
        pair.left().send("[\"ping\",1]");
        pair.right().send("[\"pong\",1]");
        pair.right().send("[\"ping\",2]");
        AssertionError e = assertThrows(AssertionError.class, pair::assertExhausted);
        assertTrue(e.getMessage().contains("[\"pong\",1]"), e.getMessage());
        assertEquals("[\"ping\",1]", pair.takeLeft());
        assertEquals("[\"pong\",1]", pair.takeRight());
        assertThrows(AssertionError.class, pair::assertExhausted, "ping 2 is still not taken");
        assertEquals(List.of("[\"ping\",2]"), pair.takeAllRight());
        pair.assertExhausted();
        assertThrows(AssertionError.class, pair::takeLeft, "nothing more to take");
        // peeking shows everything, taken or not
        assertEquals(List.of("[\"pong\",1]", "[\"ping\",2]"), pair.rightSent());
        pair.right().send("[\"ping\",3]");
        pair.clear();
        pair.assertExhausted();
        assertEquals(List.of(), pair.rightSent());
    }

    @Test
    void parseReadsAFrameForAssertionsOnItsParts() {
        String frame = "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":0}]";
        assertEquals("a", TestPair.parse(frame).get(2).get("type").asText());
        assertEquals("sync", TestPair.type(frame));
        assertThrows(AssertionError.class, () -> TestPair.parse("{oops"));
    }

    @Test
    void injectedTextReachesTheEndAsIfTheOtherSideSentItAndIsNotRecorded() {
        TestPair pair = new TestPair(loop);
        Events right = new Events();
        pair.right().start(right);
        pair.right().inject("not json at all");
        loop.runAll();
        assertEquals(List.of("open", "not json at all"), right.seen);
        pair.assertExhausted();
    }

    @Test
    void framesSentBeforeTheOtherEndStartsWaitForItsOpen() {
        TestPair pair = new TestPair(loop);
        pair.left().start(new Events());
        pair.left().send("[\"ping\",1]");
        loop.runAll();
        Events right = new Events();
        pair.right().start(right);
        loop.runAll();
        assertEquals(List.of("open", "[\"ping\",1]"), right.seen);
    }

    @Test
    void closeReachesTheOtherEndAfterWhatWasSentBefore() {
        TestPair pair = new TestPair(loop, 5);
        Events left = new Events();
        Events right = new Events();
        pair.left().start(left);
        pair.right().start(right);
        loop.runAll();
        pair.left().send("[\"ping\",1]");
        pair.left().close("bye");
        assertFalse(pair.left().send("[\"ping\",2]"), "a closed end accepts nothing");
        loop.advance(5);
        assertEquals(List.of("open", "[\"ping\",1]", "close: peer closed: bye"), right.seen);
        assertEquals(List.of("open", "close: bye"), left.seen);
        assertTrue(pair.right().isClosed());
    }

    @Test
    void aCutLosesWhatIsInFlightAndClosesBothEndsAtOnce() {
        TestPair pair = new TestPair(loop, 50);
        Events left = new Events();
        Events right = new Events();
        pair.left().start(left);
        pair.right().start(right);
        loop.runAll();
        pair.left().send("[\"ping\",1]");
        pair.cut("network down");
        loop.advance(100);
        assertEquals(List.of("open", "close: network down"), right.seen);
        assertEquals(List.of("open", "close: network down"), left.seen);
    }

    @Test
    void aSilencedEndIsRecordedButNotHeard() {
        TestPair pair = new TestPair(loop);
        Events right = new Events();
        pair.left().start(new Events());
        pair.right().start(right);
        pair.left().silence();
        pair.left().send("[\"ping\",1]");
        loop.runAll();
        assertEquals(List.of("open"), right.seen);
        assertEquals(List.of("[\"ping\",1]"), pair.takeAllLeft());
    }

    @Test
    void aRefusedDialClosesRightAfterStartAndNeverOpens() {
        Connection c = TestPair.refused(loop, "connection refused");
        Events e = new Events();
        c.start(e);
        loop.runAll();
        assertEquals(List.of("close: connection refused"), e.seen);
        assertFalse(c.send("[\"ping\",1]"));
    }
}
