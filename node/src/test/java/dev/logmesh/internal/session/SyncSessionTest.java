package dev.logmesh.internal.session;

import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Protocol 5 sessions between two nodes on the in-memory pair and a manual loop. */
class SyncSessionTest {
    ManualLoop loop;
    SessionNode a;
    SessionNode b;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        a = new SessionNode("a", loop, SessionConfig.defaults("test"));
        b = new SessionNode("b", loop, SessionConfig.defaults("test"));
    }

    @Test
    void handshakeOnTheWire() {
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        // spec "connect": [connect, protocol, nodeId, synced, options]
        assertEquals(List.of("[\"connect\",5,\"a\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\",\"time\"],\"maxFrame\":1048576,\"epoch\":\"epoch-a\",\"instance\":\"" + a.log.instance() + "\"}}]"), pair.takeAllLeft());
        // spec "connected": [connected, protocol, nodeId, [start, end], options]
        assertEquals(List.of("[\"connected\",5,\"b\",[1000000,1000000],"
            + "{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\",\"time\"],\"maxFrame\":1048576,\"epoch\":\"epoch-b\",\"instance\":\"" + b.log.instance() + "\",\"synced\":0}}]"), pair.takeAllRight());
        assertEquals(List.of("+b"), a.peerEvents);
        assertEquals(List.of("+a"), b.peerEvents);
        pair.assertExhausted();
    }

    @Test
    void catchUpAndLiveSyncBothWays() {
        a.add("a/1");
        b.add("b/1");
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1", "b/1"), a.types());
        assertEquals(List.of("a/1", "b/1"), b.types());
        // spec "sync": own ids are compressed to the shift from baseTime (seq 0 → a number)
        assertTrue(pair.leftSent().contains(
            "[\"sync\",1,{\"type\":\"a/1\"},{\"id\":0,\"time\":0,\"reasons\":[\"test\"]}]"), pair.leftSent().toString());
        assertTrue(pair.rightSent().contains("[\"synced\",1]"));

        pair.clear();
        loop.advance(5);
        a.add("a/2");
        loop.runAll();
        assertEquals(List.of("a/1", "b/1", "a/2"), b.types());
        assertEquals(List.of("[\"sync\",3,{\"type\":\"a/2\"},{\"id\":5,\"time\":5,\"reasons\":[\"test\"]}]"),
            pair.takeAllLeft());
        assertEquals(List.of("[\"synced\",3]"), pair.takeAllRight());
        // nothing echoed back
        assertEquals(3, a.log.size());
        assertEquals(1, a.added.stream().filter(e -> e.action().type().equals("a/2")).count());
        pair.assertExhausted();
    }

    @Test
    void reconnectSendsOnlyWhatIsMissing() {
        for (int i = 0; i < 5; i++) {
            a.add("a/" + i);
        }
        TestPair first = SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(5, b.log.size());
        first.left().close("test");
        loop.runAll();
        assertEquals(List.of("+b", "-b"), a.peerEvents);

        a.add("a/5");
        b.add("b/0");
        TestPair second = new TestPair(loop);
        SyncSession dialer = a.dial(second, "b");
        SyncSession listener = b.accept(second);
        loop.runAll();
        assertEquals(7, a.log.size());
        assertEquals(7, b.log.size());
        assertEquals(1, dialer.sentEntries(), "only a/5 goes again");
        assertEquals(1, listener.sentEntries(), "only b/0 comes back");
        assertTrue(second.leftSent().get(0).startsWith("[\"connect\",5,\"a\",0,"), second.leftSent().get(0));
    }

    @Test
    void deadPeerTimesOut() {
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        SyncSession s = a.hub.session("b");
        // b goes silent: nothing it sends arrives, and no close either
        pair.right().silence();
        loop.advance(SessionConfig.DEFAULT_PING_MILLIS + SessionConfig.DEFAULT_TIMEOUT_MILLIS + 2_000);
        assertFalse(a.hub.connectedPeers().contains("b"));
        assertEquals(SyncSession.State.CLOSED, s.state());
    }
}
