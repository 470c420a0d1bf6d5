package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MemoryStore} against the store contract, and its created-order map that is kept up lazily. */
class MemoryStoreTest extends StoreContract {
    @Override
    protected Store newStore() {
        return new MemoryStore();
    }

    private static Entry entry(String id) {
        return new Entry(Action.ofType("t"), Meta.of(ActionId.parse(id), 1, List.of("r")));
    }

    private static List<String> createdOrder(Store s, boolean ascending) {
        List<String> ids = new ArrayList<>();
        for (Entry e : s.page(Order.CREATED, ascending, null, 100)) {
            ids.add(e.id().toString());
        }
        return ids;
    }

    /**
     * Ids added since the last created-order read wait outside the map: removing, changing, quarantining and adding
     * again before that read must leave the same order, entries and counts as if each had gone in at once.
     */
    /**
     * A catch-up announced in advance ({@code Store.expectAdds}, from the peer's handshake) is added without growing
     * the seen ids' map, the added index and the waiting ids by doubling: the bytes this thread allocates to add 20,000
     * entries (made beforehand, so only the store's own allocations count) fall by what the doublings copied
     * (~0.8 MB here). Before, the hint did not exist and every catch-up paid them.
     */
    @Test
    void aCatchUpExpectedInAdvanceIsAddedWithoutDoublingTheIndexes() {
        int n = 20_000;
        List<List<Entry>> batches = new ArrayList<>();
        for (int i = 0; i < n; i += 1000) {
            List<Entry> batch = new ArrayList<>();
            for (int j = i; j < i + 1000; j++) {
                batch.add(entry((1000 + j) + " a 0"));
            }
            batches.add(batch);
        }
        allocatedAdding(batches, 0); // the JIT's first compiles, out of the two measured below
        long plain = allocatedAdding(batches, 0);
        long hinted = allocatedAdding(batches, n);
        assertTrue(hinted < plain - 400_000, "hinted " + hinted + " bytes, plain " + plain);
    }

    /** Bytes this thread allocates to add {@code batches} to a new memory store told of {@code expected} first. */
    private static long allocatedAdding(List<List<Entry>> batches, long expected) {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        MemoryStore s = new MemoryStore();
        s.expectAdds(expected);
        for (List<Entry> batch : batches) {
            s.add(batch);
        }
        long bytes = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals((long) batches.size() * batches.get(0).size(), s.size());
        return bytes;
    }

    /**
     * A subscription's delivery per entry ({@code Store.whenDurable(Consumer, value, executor)}): a memory store is
     * durable at once, so it runs at once on the calling thread with its value, and never goes through the executor
     * (one that refuses every task here).
     */
    @Test
    void whenDurableWithAValueRunsAtOnceOnTheCallingThread() {
        MemoryStore s = new MemoryStore();
        s.add(List.of(entry("1 a 0")));
        List<String> got = new java.util.ArrayList<>();
        Thread caller = Thread.currentThread();
        s.whenDurable(v -> got.add(v + (Thread.currentThread() == caller ? " here" : " elsewhere")), "first", r -> {
            throw new java.util.concurrent.RejectedExecutionException("no task expected");
        });
        assertEquals(List.of("first here"), got);
    }

    @Test
    void createdOrderHoldsWhatChangedBeforeItWasRead() {
        MemoryStore s = new MemoryStore();
        s.add(List.of(entry("1 a 0"), entry("2 a 0"), entry("3 a 0"), entry("4 a 0"), entry("5 a 0")));
        assertTrue(s.remove(ActionId.parse("2 a 0")).isPresent());
        assertTrue(s.changeMeta(ActionId.parse("3 a 0"), Meta.of(ActionId.parse("3 a 0"), 1, List.of("r", "x"))));
        assertTrue(s.quarantine(ActionId.parse("4 a 0")));
        assertEquals(3, s.size());
        assertEquals(List.of("1 a 0", "3 a 0", "5 a 0"), createdOrder(s, true));
        // added again after its quarantine (a repaired copy), now out of created order with the rest
        s.add(List.of(entry("4 a 0"), entry("0 b 0")));
        assertTrue(s.remove(ActionId.parse("5 a 0")).isPresent());
        assertEquals(List.of("4 a 0", "3 a 0", "1 a 0", "0 b 0"), createdOrder(s, false));
        assertEquals(List.of("r", "x"), s.byId(ActionId.parse("3 a 0")).orElseThrow().meta().reasons());
        assertTrue(s.seen(ActionId.parse("2 a 0")));
        assertFalse(s.has(ActionId.parse("2 a 0")));
        assertEquals(4, s.size());
        // a page after a position reads the same map
        assertEquals(List.of("3 a 0", "4 a 0"), s.page(Order.CREATED, true, ActionId.parse("1 a 0"), 2).stream()
            .map(e -> e.id().toString()).toList());
    }

    /**
     * A node whose entries are cleaned as they come and that never reads the created order (a CLI relay) kept every
     * id it ever added in the list that waits for that order, past forgetSeen too: memory without bound.
     */
    @Test
    void idsWaitingForTheCreatedOrderStayBoundedByTheLog() {
        MemoryStore s = new MemoryStore();
        for (int i = 1; i <= 50_000; i++) {
            ActionId id = ActionId.of(i, "a", 0);
            s.add(List.of(entry(id.toString())));
            assertTrue(s.remove(id).isPresent());
        }
        assertEquals(0, s.size());
        assertTrue(s.unsortedIds() <= 4096 + 1, "ids waiting: " + s.unsortedIds());
        assertEquals(50_000, s.forgetSeen(Long.MAX_VALUE));
        assertEquals(0, s.unsortedIds());
        // and a catch-up into an empty store still waits whole (its order is built once, when read)
        for (int i = 1; i <= 10_000; i++) {
            s.add(List.of(entry(ActionId.of(100_000 + i, "b", 0).toString())));
        }
        assertEquals(10_000, s.unsortedIds());
        assertEquals(List.of("100001 b 0", "100002 b 0"), s.page(Order.CREATED, true, null, 2).stream()
            .map(e -> e.id().toString()).toList());
    }
}
