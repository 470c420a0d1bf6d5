package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.FaultyStore;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 7: a {@code StoreException} from {@code log.add} of a received {@code sync} was thrown out of
 * the session to the loop, which logged and dropped it: the session stayed connected and never sent
 * {@code synced}. Now the session tells the peer ({@code debug}, then {@code error timeout}), closes, and
 * acknowledges nothing; the peer sends the entries again on its next session.
 */
class StoreFailureSessionTest {
    final ManualLoop loop = new ManualLoop(1_000_000);
    final SessionNode a = new SessionNode("a", loop, SessionConfig.defaults("test"));
    final FaultyStore disk = new FaultyStore(new MemoryStore("epoch-b"));
    final SessionNode b = new SessionNode("b", loop, SessionConfig.defaults("test"), disk);

    static final String DEBUG = "[\"debug\",\"error\",\"logmesh: this node cannot write its log, try again later: "
        + "add failed on faulty store: the disk is full (injected); nothing of this add was written\"]";

    @Test
    void aBatchThatCannotBeStoredClosesTheSessionWithAnErrorAndIsNotAcknowledged() {
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        SyncSession listener = b.hub.sessions().iterator().next();
        pair.clear();
        disk.diskFull(true);
        a.add("a/1");
        a.add("a/2");
        loop.runAll();

        assertTrue(disk.failures() > 0, "b tried to store the batch");
        assertEquals(List.of(), b.types(), "nothing stored");
        // spec "error": timeout is the one error a stock Logux peer neither throws on nor stops reconnecting after
        assertEquals(List.of(DEBUG, "[\"error\",\"timeout\",8000]"), pair.rightSent(),
            "no synced: nothing acknowledged");
        assertEquals(SyncSession.State.CLOSED, listener.state());
        assertNotNull(listener.storeFailure(), "the node can tell why the session ended");
        assertEquals(0, a.log.cursor("b").sent(), "a still owes b everything");
        assertEquals(0, b.log.cursor("a").received());
        assertFalse(a.hub.connectedPeers().contains("b"));

        // the disk has room again: the next session delivers everything, once
        disk.diskFull(false);
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1", "a/2"), b.types());
        assertEquals(2, a.log.cursor("b").sent());
    }

    @Test
    void aStoreThatFailsAtConnectEndsTheSessionTheSameWayAndNothingEscapesToTheLoop() {
        a.add("a/1");
        disk.diskFull(true);
        TestPair pair = SessionNode.connect(loop, a, b);
        SyncSession listener = b.hub.sessions().iterator().next();
        loop.runAll(); // before: the StoreException of the epoch's setState was thrown out of the session

        assertEquals(SyncSession.State.CLOSED, listener.state());
        assertNotNull(listener.storeFailure());
        List<String> fromB = pair.rightSent();
        assertEquals("[\"error\",\"timeout\",8000]", fromB.get(fromB.size() - 1), fromB.toString());
        assertEquals(List.of(), b.types());
        assertEquals(0, a.log.cursor("b").sent());

        disk.diskFull(false);
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1"), b.types());
    }
}
