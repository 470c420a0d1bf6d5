package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.FailingStore;
import dev.logmesh.testkit.LocalPair;
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
    final TestNode a = new TestNode("a", loop, SessionConfig.defaults("test"));
    final FailingStore disk = new FailingStore(new MemoryStore());
    final TestNode b = new TestNode("b", loop, SessionConfig.defaults("test"), disk.store());

    @Test
    void aBatchThatCannotBeStoredClosesTheSessionWithAnErrorAndIsNotAcknowledged() {
        a.add("a/1");
        a.add("a/2");
        disk.failing(true);
        LocalPair pair = TestNode.connect(loop, a, b);
        SyncSession listener = b.hub.sessions().iterator().next();
        loop.runAll();

        assertTrue(disk.failures() > 0, "b tried to store the batch");
        assertEquals(List.of(), b.types(), "nothing stored");
        List<String> fromB = pair.rightSent();
        assertTrue(fromB.get(0).startsWith("[\"connected\",5,\"b\""), fromB.toString());
        // spec "error": timeout is the one error a stock Logux peer neither throws on nor stops reconnecting after
        assertEquals(List.of("[\"debug\",\"error\",\"logmesh: cannot store received entries, try again later: "
                + "[SQLITE_FULL] database or disk is full (test)\"]", "[\"error\",\"timeout\",8000]"),
            fromB.subList(1, fromB.size()), "no synced: nothing acknowledged");
        assertEquals(SyncSession.State.CLOSED, listener.state());
        assertNotNull(listener.storeFailure(), "the node can tell why the session ended");
        assertEquals(0, a.log.cursor("b").sent(), "a still owes b everything");
        assertEquals(0, b.log.cursor("a").received());
        assertFalse(a.hub.connectedPeers().contains("b"));

        // the disk has room again: the next session delivers everything, once
        disk.failing(false);
        TestNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1", "a/2"), b.types());
        assertEquals(2, a.log.cursor("b").sent());
    }
}
