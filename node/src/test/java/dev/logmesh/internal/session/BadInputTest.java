package dev.logmesh.internal.session;

import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A listener session fed bad input by a peer the test plays ({@link TestPair.End#inject}). Every case checks
 * the same four things (DESIGN "Sync sessions", §2 "Validation", §7): the exact error frame the node sent (and
 * nothing else: {@link TestPair#assertExhausted}), the session closed, the node's log untouched, and the node
 * still syncs with a fresh peer afterwards.
 */
class BadInputTest {
    /** A logmesh peer (mesh options) that already has the node's two entries, so the node sends no catch-up. */
    static final String CONNECT = "[\"connect\",5,\"peer\",2,{\"logmesh\":{\"v\":1,\"mesh\":\"test\"}}]";
    /** The node's answer to {@link #CONNECT} (with its log's random instance). */
    String connected;

    ManualLoop loop;
    SessionConfig config;
    SessionNode node;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        config = SessionConfig.defaults("test");
        node = new SessionNode("n", loop, config);
        connected = "[\"connected\",5,\"n\",[1000000,1000000],{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":"
            + "[\"plumtree\",\"time\"],\"maxFrame\":1048576,\"epoch\":\"epoch-n\",\"instance\":\"" + node.log.instance()
            + "\",\"synced\":0}}]";
        node.add("before/1");
        node.add("before/2");
        loop.runAll();
    }

    /** A peer played by the test against one listener session of {@link #node}. */
    final class Peer {
        final TestPair pair = new TestPair(loop);
        final SyncSession session = node.accept(pair);
        final long sizeBefore = node.log.size();
        final long lastAddedBefore = node.log.lastAdded();

        Peer send(String... frames) {
            for (String f : frames) {
                pair.right().inject(f);
            }
            loop.runAll();
            return this;
        }

        /** The node answered {@code expected} (after {@code before}), closed, kept its log, and still works. */
        void assertRefused(List<String> before, String errorFrame) {
            List<String> expected = new java.util.ArrayList<>(before);
            expected.add(errorFrame);
            assertEquals(expected, pair.takeAllRight(), "frames the node sent");
            assertClosedAndUntouched();
        }

        void assertClosedAndUntouched() {
            assertEquals(SyncSession.State.CLOSED, session.state());
            assertTrue(pair.right().isClosed(), "the node closed the link");
            assertFalse(node.hub.connectedPeers().contains("peer"));
            assertEquals(sizeBefore, node.log.size(), "log size");
            assertEquals(lastAddedBefore, node.log.lastAdded(), "nothing was added, not even briefly");
            assertEquals(List.of("before/1", "before/2"), node.types());
            node.assertSyncsWithFreshPeer(loop, config);
            pair.assertExhausted();
        }
    }

    static String wrongFormat(String text) {
        return "[\"error\",\"wrong-format\"," + quoted(text) + "]";
    }

    // ------------------------------------------------------------------ frames that are not messages

    @Test
    void notJson() {
        new Peer().send("{oops").assertRefused(List.of(), "[\"error\",\"wrong-format\",\"{oops\"]");
    }

    @Test
    void notAnArray() {
        new Peer().send("{\"type\":\"connect\"}")
            .assertRefused(List.of(), "[\"error\",\"wrong-format\",\"{\\\"type\\\":\\\"connect\\\"}\"]");
    }

    @Test
    void emptyArray() {
        new Peer().send("[]").assertRefused(List.of(), "[\"error\",\"wrong-format\",\"[]\"]");
    }

    @Test
    void firstElementNotAString() {
        new Peer().send(CONNECT, "[5,\"ping\"]").assertRefused(List.of(connected), wrongFormat("[5,\"ping\"]"));
    }

    @Test
    void unknownType() {
        // §2 Validation: ["error","unknown-message",type], then close (protocol 5 has no "ready")
        new Peer().send(CONNECT, "[\"ready\",2]")
            .assertRefused(List.of(connected), "[\"error\",\"unknown-message\",\"ready\"]");
    }

    @Test
    void trailingGarbageAfterAValidMessage() {
        new Peer().send(CONNECT, "[\"ping\",1] []").assertRefused(List.of(connected), wrongFormat("[\"ping\",1] []"));
    }

    @Test
    void deeplyNestedJson() {
        String deep = "[\"sync\",1,{\"type\":\"a\",\"x\":" + "[".repeat(3000) + "]".repeat(3000)
            + "},{\"id\":0,\"time\":0}]";
        // the offending text travels truncated to 1 KiB
        new Peer().send(CONNECT, deep).assertRefused(List.of(connected), wrongFormat(deep.substring(0, 1024)));
    }

    // ------------------------------------------------------------------ wrong argument types, each message

    @ParameterizedTest
    @ValueSource(strings = {
        "[\"connect\",\"5\",\"peer\",0]",
        "[\"connect\",5,[\"peer\"],0]",
        "[\"connect\",5,\"peer\",\"0\"]",
        "[\"connect\",5,\"peer\",0,[]]",
        "[\"connect\",5,\"peer\"]",
        "[\"connect\",5,\"peer with spaces\",0]",
        "[\"connect\",5.5,\"peer\",0]",
        "[\"connect\",5,\"peer\",null]",
    })
    void badConnect(String frame) {
        new Peer().send(frame).assertRefused(List.of(), wrongFormat(frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[\"connected\",5,\"x\",1]",
        "[\"headers\",1]",
        "[\"headers\",{},{}]",
        "[\"sync\",\"1\"]",
        "[\"sync\",1,{\"type\":\"a\"}]",
        "[\"synced\",\"1\"]",
        "[\"synced\"]",
        "[\"ping\",null]",
        "[\"ping\",true]",
        "[\"pong\",{}]",
        "[\"error\",1]",
        "[\"error\"]",
        "[\"debug\",\"error\",1]",
        "[\"debug\",\"warn\",\"text\"]",
    })
    void wrongArgumentTypes(String frame) {
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[\"sync\",-1]",
        "[\"sync\",9007199254740992]",
        "[\"sync\",1.5]",
        "[\"sync\",1e400]",
        "[\"synced\",-1]",
        "[\"synced\",1.5]",
        "[\"ping\",9007199254740993]",
        "[\"ping\",-5]",
        "[\"pong\",1e308]",
        "[\"pong\",123456789012345678901234567890]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":1.5}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":9007199254740992}]",
    })
    void numbersOutOfRange(String frame) {
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[\"sync\",1,{\"text\":\"no type\"},{\"id\":0,\"time\":0}]",
        "[\"sync\",1,{\"type\":1},{\"id\":0,\"time\":0}]",
        "[\"sync\",1,{\"type\":null},{\"id\":0,\"time\":0}]",
        "[\"sync\",1,{\"type\":[\"a\"]},{\"id\":0,\"time\":0}]",
        "[\"sync\",1,\"a\",{\"id\":0,\"time\":0}]",
    })
    void actionsWithoutAStringType(String frame) {
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"a b\",0],\"time\":0}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":\"x\",\"time\":0}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":{\"ms\":1},\"time\":0}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"\",0],\"time\":0}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1],\"time\":0}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,0.5],\"time\":0}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":null,\"time\":0}]",
    })
    void badIds(String frame) {
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    // ------------------------------------------------------------------ a bad entry spoils the whole sync

    @Test
    void syncWhoseSecondEntryHasABadShapeAddsNothing() {
        String frame = "[\"sync\",2,{\"type\":\"ok\"},{\"id\":0,\"time\":0},{\"type\":5},{\"id\":[0,1],\"time\":0}]";
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    @Test
    void syncWhoseSecondMetaHasBadReasonsAddsNothing() {
        // meta shapes are checked as the frame is read (reasons must be strings): the whole frame is refused
        String frame = "[\"sync\",2,{\"type\":\"ok\"},{\"id\":0,\"time\":0},{\"type\":\"bad\"},"
            + "{\"id\":[0,1],\"time\":0,\"reasons\":[1]}]";
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    /**
     * {@code "reasons": null}: @logux/core 0.10's {@code Log.add} refuses it; logmesh took it as no reasons (session
     * 22), so a peer's entry was cleaned at once on a node without a keep reason. Refused like any bad reasons,
     * by the one-pass scanner's frames (the first) as by the decoder's.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[7,1],\"time\":1,\"reasons\":null}]",
        "[\"sync\",2,{\"type\":\"ok\"},{\"id\":0,\"time\":0},{\"type\":\"bad\"},"
            + "{\"id\":[0,1],\"time\":0,\"reasons\":null,\"x\":{\"y\":1}}]",
    })
    void syncWithNullReasonsAddsNothing(String frame) {
        new Peer().send(CONNECT, frame).assertRefused(List.of(connected), wrongFormat(frame));
    }

    @Test
    void syncWhoseSecondIdIsOutOfRangeAfterUnshiftingAddsNothing() {
        Peer q = new Peer().send(CONNECT,
            "[\"sync\",2,{\"type\":\"ok\"},{\"id\":0,\"time\":0},{\"type\":\"bad\"},{\"id\":-2000000,\"time\":0}]");
        assertEquals(List.of(connected, "[\"error\",\"wrong-format\",\"{\\\"id\\\":-2000000,\\\"time\\\":0}\"]"),
            q.pair.takeAllRight());
        q.assertClosedAndUntouched();
    }

    @Test
    void goodSyncIsAddedSoTheBadCasesCouldFail() {
        // the control case: the same sync with a good second entry is added whole and acknowledged
        Peer p = new Peer().send(CONNECT,
            "[\"sync\",2,{\"type\":\"ok\"},{\"id\":0,\"time\":0},{\"type\":\"ok2\"},{\"id\":[0,1],\"time\":0}]");
        assertEquals(List.of(connected, "[\"synced\",2]"), p.pair.takeAllRight());
        assertEquals(p.sizeBefore + 2, node.log.size());
        assertEquals(SyncSession.State.CONNECTED, p.session.state());
        p.pair.assertExhausted();
    }

    // ------------------------------------------------------------------ order and rate

    @Test
    void syncBeforeConnect() {
        // spec "missed-auth": a message before authentication; options carry the message (JSON text)
        String frame = "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":0}]";
        new Peer().send(frame).assertRefused(List.of(), "[\"error\",\"missed-auth\"," + quoted(frame) + "]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"ping\",1]", "[\"synced\",1]", "[\"pong\",1]"})
    void otherMessagesBeforeConnect(String frame) {
        new Peer().send(frame).assertRefused(List.of(),
            "[\"error\",\"missed-auth\"," + quoted(frame) + "]");
    }

    static String quoted(String text) {
        try {
            return MessageCodec.mapper().writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pingFloodIsClosed() {
        int max = config.maxPingsPerSecond();
        Peer p = new Peer().send(CONNECT);
        // exactly the limit within one second is fine
        for (int i = 0; i < max; i++) {
            p.send("[\"ping\",0]");
            loop.advance(1);
        }
        assertEquals(SyncSession.State.CONNECTED, p.session.state());
        assertEquals(max + 1, p.pair.takeAllRight().size(), "connected and one pong per ping");
        // one more in the same second
        p.send("[\"ping\",0]");
        assertEquals(List.of("[\"error\",\"bruteforce\"]"), p.pair.takeAllRight());
        p.assertClosedAndUntouched();
    }

    @Test
    void pingsSpreadOverTimeAreFine() {
        Peer p = new Peer().send(CONNECT);
        for (int i = 0; i < config.maxPingsPerSecond() * 3; i++) {
            p.send("[\"ping\",0]");
            loop.advance(1000 / config.maxPingsPerSecond() + 1);
        }
        assertEquals(SyncSession.State.CONNECTED, p.session.state());
    }

    // ------------------------------------------------------------------ silence

    @Test
    void peerThatConnectsAndGoesSilentIsClosedByTimeout() {
        Peer p = new Peer().send(CONNECT);
        long ping = config.pingMillis();
        long timeout = config.timeoutMillis();
        loop.advance(ping);
        assertEquals(List.of(connected, "[\"ping\",2]"), p.pair.rightSent(), "§8: a ping after silence");
        loop.advance(timeout - 1);
        assertEquals(SyncSession.State.CONNECTED, p.session.state(), "not before the timeout");
        loop.advance(1);
        assertEquals(SyncSession.State.CLOSED, p.session.state());
        // §7: a timeout is local only, nothing is sent
        assertEquals(List.of(connected, "[\"ping\",2]"), p.pair.takeAllRight());
        assertEquals(ProtocolError.Type.TIMEOUT, node.errors.get(node.errors.size() - 1).type());
        p.assertClosedAndUntouched();
    }

    @Test
    void peerThatNeverSendsConnectIsClosedByTimeout() {
        Peer p = new Peer().send();
        loop.advance(config.timeoutMillis() - 1);
        assertEquals(SyncSession.State.OPENING, p.session.state());
        loop.advance(1);
        assertEquals(List.of(), p.pair.rightSent());
        assertEquals(ProtocolError.Type.TIMEOUT, node.errors.get(0).type());
        p.assertClosedAndUntouched();
    }

    @Test
    void peerThatAnswersPingsStaysConnected() {
        Peer p = new Peer().send(CONNECT);
        for (int i = 0; i < 5; i++) {
            loop.advance(config.pingMillis());
            p.send("[\"pong\",0]");
        }
        assertEquals(SyncSession.State.CONNECTED, p.session.state());
    }
}
