package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import org.junit.jupiter.api.Test;

/**
 * {@link ReceiveGate} between two sessions on the in-memory pair: while paused nothing received reaches the
 * session and nothing is acknowledged; on resume everything arrives, in order, once; links that end while paused
 * (or hold too much on a transport that cannot stop reading) lose nothing, since their peer resends.
 */
class ReceiveGateTest {
    final ManualLoop loop = new ManualLoop();
    final SessionNode a = new SessionNode("a", loop, SessionConfig.defaults("test"));
    final SessionNode b = new SessionNode("b", loop, SessionConfig.defaults("test"));

    TestPair connect(ReceiveGate gate) {
        TestPair pair = new TestPair(loop);
        a.hub.open(SessionNode.messages(pair.left()), SyncSession.Role.DIALER, null, null);
        b.hub.open(gate.wrap(SessionNode.messages(pair.right())), SyncSession.Role.LISTENER, null, null);
        loop.runAll();
        assertTrue(b.hub.connectedPeers().contains("a"));
        return pair;
    }

    @Test
    void whilePausedNothingIsTakenInOrAcknowledgedAndResumeDeliversEverythingInOrder() {
        ReceiveGate gate = new ReceiveGate(loop);
        connect(gate);
        gate.pause();
        for (int i = 0; i < 3; i++) {
            a.add("a/" + i);
            loop.runAll();
        }
        assertEquals(0, b.log.size(), "held, not added");
        assertTrue(gate.held() > 0);
        assertEquals(0, a.log.cursor("b").sent(), "nothing acknowledged while paused");

        gate.resume();
        loop.runAll();
        assertEquals(java.util.List.of("a/0", "a/1", "a/2"), b.types());
        assertEquals(3, a.log.cursor("b").sent());
        assertEquals(0, gate.held());
    }

    @Test
    void aPauseLongerThanTheSessionTimeoutEndsTheSessionAndTheNextOneCatchesUp() {
        ReceiveGate gate = new ReceiveGate(loop);
        connect(gate);
        gate.pause();
        a.add("a/0");
        loop.advance(SessionConfig.DEFAULT_PING_MILLIS + SessionConfig.DEFAULT_TIMEOUT_MILLIS * 2);
        assertFalse(b.hub.connectedPeers().contains("a"), "pings went unanswered: the session ended");
        assertEquals(0, gate.held(), "a closed link drops what it held: never acknowledged, the peer resends");
        assertEquals(0, b.log.size());

        gate.resume();
        connect(gate);
        loop.runAll();
        assertEquals(java.util.List.of("a/0"), b.types());
    }

    @Test
    void aLinkThatCannotStopReadingIsClosedWhenTooMuchWaitsAndNothingIsLost() {
        ReceiveGate gate = new ReceiveGate(loop, 2);
        TestPair pair = connect(gate);
        gate.pause();
        for (int i = 0; i < 10; i++) {
            a.add("a/" + i);
            loop.runAll();
        }
        assertTrue(pair.right().isClosed(), "over 2 held messages: the link is closed");
        assertEquals(0, b.log.size());

        gate.resume();
        connect(gate);
        loop.runAll();
        assertEquals(10, b.log.size());
        assertEquals(10, b.added.size(), "each once");
    }
}
