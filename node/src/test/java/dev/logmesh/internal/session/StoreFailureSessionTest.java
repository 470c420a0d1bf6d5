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

    static final String ROOM = "[\"debug\",\"error\",\"logmesh: this node can write its log again: send again what it "
        + "did not acknowledge\"]";

    /**
     * Spec "debug" and "synced": the listener that cannot store a batch says so once and holds the session, answering
     * nothing of the peer's; the sender sends it nothing more there. Before (session 45) it ended the session with
     * {@code error timeout}, and a stock client reconnected every second. When the held batch can be stored (tried
     * again after {@link SyncSession#ROOM_RETRY_FIRST_MILLIS}) the listener says so and closes; the next session
     * delivers everything, once.
     */
    @Test
    void aBatchThatCannotBeStoredHoldsTheSessionAcknowledgesNothingAndEndsItWhenThereIsRoom() {
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        SyncSession listener = b.hub.sessions().iterator().next();
        SyncSession dialer = a.hub.sessions().iterator().next();
        pair.clear();
        disk.diskFull(true);
        a.add("a/1");
        a.add("a/2");
        loop.runAll();

        assertTrue(disk.failures() > 0, "b tried to store the batch");
        assertEquals(List.of(), b.types(), "nothing stored");
        assertEquals(List.of(DEBUG), pair.rightSent(), "no synced: nothing acknowledged; no error: the session is held");
        assertEquals(SyncSession.State.CONNECTED, listener.state());
        assertTrue(listener.waitedForRoom());
        assertNotNull(listener.storeFailure(), "the node can tell why");
        assertNotNull(dialer.peerFull());
        pair.clear();
        a.add("a/3");
        loop.runAll();
        assertTrue(pair.leftSent().stream().noneMatch(m -> m.startsWith("[\"sync\"")),
            "nothing more sent to a full peer: " + pair.leftSent());
        assertEquals(0, a.log.cursor("b").sent(), "a still owes b everything");
        assertEquals(0, b.log.cursor("a").received());

        // the disk has room again: b finds it at its next try, says so and closes; the next session delivers all, once
        disk.diskFull(false);
        loop.advance(SyncSession.ROOM_RETRY_FIRST_MILLIS);
        assertTrue(pair.rightSent().contains(ROOM), pair.rightSent().toString());
        assertEquals(SyncSession.State.CLOSED, listener.state());
        assertTrue(dialer.peerHasRoom());
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1", "a/2", "a/3"), b.types());
        assertEquals(3, a.log.cursor("b").sent());
    }

    /**
     * Spec "ping"/"pong": their {@code synced} is the sender's last {@code added}, and a node whose inbound batches are
     * all answered takes it as its received cursor (Logux's {@code setLastReceived}). A held session answers nothing
     * and drops the peer's batches, so that rule moved the cursor past entries never stored: the next session's
     * {@code connect} said they were synced, the peer never sent them again, and no {@code add} event or gossip ever
     * came for them (keep47: a {@code --memory-limit 40k} node acknowledged 118 of 400 actions it never had).
     */
    @Test
    void aPingWhileHeldDoesNotMoveTheReceivedCursorPastTheDroppedBatches() {
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        SyncSession listener = b.hub.sessions().iterator().next();
        disk.diskFull(true);
        a.add("a/1");
        loop.runAll();
        assertTrue(listener.waitedForRoom());
        a.add("a/2");
        loop.runAll();

        // silence on the link: pings both ways carry each side's last added (a's is 2)
        pair.clear();
        loop.advance(SessionConfig.DEFAULT_PING_MILLIS + 1);
        loop.runAll();
        assertTrue(pair.leftSent().stream().anyMatch(m -> m.startsWith("[\"ping\"") || m.startsWith("[\"pong\"")),
            pair.leftSent().toString());
        assertEquals(SyncSession.State.CONNECTED, listener.state());
        assertEquals(0, b.log.cursor("a").received(), "b stored nothing of a's: its cursor stays");

        disk.diskFull(false);
        loop.advance(SyncSession.ROOM_RETRY_MAX_MILLIS);
        assertEquals(SyncSession.State.CLOSED, listener.state());
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1", "a/2"), b.types(), "every action b acknowledged is in its log");
        assertEquals(2, a.log.cursor("b").sent());
    }

    /**
     * A first session on a log that cannot be written: the peer's epoch cannot be recorded, which ended the session at
     * its handshake before session 46 (and a full node's first session with each peer never got past it). Now it goes
     * on, holds at the first batch, and nothing escapes to the loop.
     */
    @Test
    void aStoreThatFailsAtAFirstConnectHoldsAtTheFirstBatchAndNothingEscapesToTheLoop() {
        a.add("a/1");
        disk.diskFull(true);
        TestPair pair = SessionNode.connect(loop, a, b);
        SyncSession listener = b.hub.sessions().iterator().next();
        loop.runAll(); // before session 34: the StoreException of the epoch's setState was thrown out of the session

        assertEquals(SyncSession.State.CONNECTED, listener.state());
        assertTrue(listener.waitedForRoom());
        assertTrue(pair.rightSent().contains(DEBUG), pair.rightSent().toString());
        assertEquals(List.of(), b.types());
        assertEquals(0, a.log.cursor("b").sent());

        disk.diskFull(false);
        loop.advance(SyncSession.ROOM_RETRY_FIRST_MILLIS);
        assertEquals(SyncSession.State.CLOSED, listener.state());
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(List.of("a/1"), b.types());
        assertEquals(1, a.log.cursor("b").sent());
    }
}
