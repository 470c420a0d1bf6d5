package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.FaultyStore;
import dev.logmesh.testkit.StoreContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link FaultyStore}: a store that keeps the contract while healthy, and fails as the contract says. */
class FaultyStoreTest extends StoreContract {
    @Override
    protected Store newStore() {
        return new FaultyStore(new MemoryStore());
    }

    private FaultyStore faulty() {
        return (FaultyStore) store;
    }

    @Test
    void aFullDiskFailsEveryWriteAndNothingIsWrittenUntilItIsFreed() {
        add(store, entry("a", "1 n 0", 1, "r"));
        faulty().diskFull(true);
        StoreException e = assertThrows(StoreException.class, () -> add(store, entry("b", "2 n 0", 2, "r")));
        assertTrue(e.getMessage().contains("disk is full"), e.getMessage());
        assertThrows(StoreException.class, () -> store.setCursor("p", new PeerCursor(1, 1)));
        assertThrows(StoreException.class, () -> store.setState("k", "v"));
        assertFalse(store.seen(id("2 n 0")));
        assertEquals(1, store.size(), "reads work while the disk is full");
        faulty().diskFull(false);
        assertNotNull(add(store, entry("b", "2 n 0", 2, "r")), "the failed add's id was not marked seen");
        assertEquals(3, faulty().failures());
    }

    @Test
    void theNthWriteFailsOnce() {
        faulty().failWrite(2);
        add(store, entry("a", "1 n 0", 1, "r"));
        assertThrows(StoreException.class, () -> add(store, entry("b", "2 n 0", 2, "r")));
        assertNotNull(add(store, entry("b", "2 n 0", 2, "r")));
        assertEquals(1, faulty().failures());
        assertEquals(3, faulty().writes());
    }

    @Test
    void readsOfAnUnreadableIdFail() {
        store.add(List.of(entry("a", "1 n 0", 1, "r"), entry("b", "2 n 0", 2, "r")));
        faulty().failReads(id("2 n 0"));
        assertThrows(StoreException.class, () -> store.byId(id("2 n 0")));
        assertThrows(StoreException.class, () -> store.page(Order.ADDED, true, null, 10));
        assertEquals(1, store.page(Order.ADDED, true, null, 1).size(), "pages without it still read");
        faulty().heal();
        assertEquals(2, store.page(Order.ADDED, true, null, 10).size());
    }

    /** What a node sees when a commit fails: no event, nothing seen, cursors still pending, the next add works. */
    @Test
    void aLogOverAFailingCommitFiresNothingAndLosesNothing() {
        Log log = new Log(store, "me", () -> 1_000, 60_000);
        List<String> events = new ArrayList<>();
        log.onAdd(e -> events.add(e.id().toString()));
        log.advanceCursor("peer", 4, 2);
        faulty().failWrite(1);
        Entry remote = new Entry(Action.ofType("x"), Meta.of(ActionId.parse("900 peer 0"), 900, List.of("r")));
        assertThrows(StoreException.class, () -> log.add(remote));
        assertEquals(List.of(), events);
        assertFalse(log.seen(remote.id()));
        assertEquals(PeerCursor.NONE, store.cursor("peer"), "the cursor move was not saved");
        assertEquals(new PeerCursor(4, 2), log.cursor("peer"), "and is still pending");
        assertNotNull(log.add(remote), "the resend is accepted");
        assertEquals(List.of("900 peer 0"), events);
        assertEquals(Map.of("peer", new PeerCursor(4, 2)), store.cursors(), "saved with the next add");
    }

    @Test
    void aCorruptEntryIsSkippedReportedOnceAndQuarantinedLikeSqliteDoes() {
        List<Entry> batch = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            batch.add(entry("t" + i, i + " n 0", i, "r"));
        }
        store.add(batch);
        List<Store.Corruption> reports = new ArrayList<>();
        store.onCorrupt(reports::add);
        faulty().corrupt(id("4 n 0"), id("5 n 0"));
        assertEquals(List.of("t1", "t2", "t3", "t6"), types(store.page(Order.CREATED, true, null, 4)),
            "the page is refilled past the corrupt entries");
        assertEquals(2, reports.size());
        assertEquals(id("4 n 0"), reports.get(0).id());
        assertFalse(store.seen(id("5 n 0")));
        assertEquals(8, all(store, Order.ADDED, true, 3).size());
        assertEquals(2, reports.size(), "reported once");
        assertNotNull(add(store, entry("t4", "4 n 0", 4, "r")), "a peer's copy is accepted again");
    }
}
