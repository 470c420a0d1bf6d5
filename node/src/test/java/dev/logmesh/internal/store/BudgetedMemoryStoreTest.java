package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@link MemoryStore} with a budget against the store contract (its "Failures" part included: a full budget is its
 * full disk), and its accounting. Before session 42 a memory store had no bound but the heap: a {@code --memory} node
 * flooded with large actions died of an {@code OutOfMemoryError} and lost its whole log.
 */
class BudgetedMemoryStoreTest extends StoreContract {
    /** Room for the contract's tests (a few hundred small entries), not for {@link #fill}'s thousands. */
    static final long BUDGET = 1 << 20;

    @Override
    protected Store newStore() {
        return new MemoryStore(BUDGET);
    }

    @Override
    protected boolean fill(Store s, Entry probe, String filler) {
        int i = 1;
        // large fillers, then the smallest one: what is left is less than the smallest entry, so the probe is refused
        for (String action : List.of("{\"type\":\"fill\",\"text\":\"" + "x".repeat(1000) + "\"}", "{\"type\":\"f\"}")) {
            while (true) {
                try {
                    s.add(List.of(new Entry(Action.parse(action), Meta.of(ActionId.parse(i + " f 0"), i,
                        List.of(filler)))));
                    i++;
                } catch (StoreException full) {
                    break;
                }
            }
        }
        return true;
    }

    static Entry entry(String id, int chars, String... reasons) {
        return new Entry(Action.parse("{\"type\":\"t\",\"text\":\"" + "y".repeat(chars) + "\"}"),
            Meta.of(ActionId.parse(id), 1, List.of(reasons)));
    }

    /**
     * A budget the ids of cleaned actions take is said so, with both parts. Before (session 44) it read "... budget held
     * (1 entries)", as if one entry took it all.
     */
    @Test
    void aBudgetTakenByTheIdsOfCleanedActionsSaysSo() {
        MemoryStore s = new MemoryStore(2_000);
        s.add(List.of(entry("1 n 0", 10, "keep")));
        int i = 2;
        try {
            for (; i < 100; i++) {
                s.add(List.of(entry(i + " n 0", 10, "r")));
                s.removeReason("r", dev.logmesh.Criteria.ALL);
            }
        } catch (StoreException e) {
            long ids = i - 2L;
            assertTrue(e.getMessage().contains("budget taken by 1 entry (") && e.getMessage().contains(
                "and the ids of " + ids + " cleaned actions (" + MemoryStore.mib(ids * MemoryStore.SEEN_ID_BYTES)
                + ", 96 bytes each, remembered for the seen horizon") && e.getMessage().contains(
                "the ids older than the seen horizon are forgotten"), e.getMessage());
            return;
        }
        throw new AssertionError("never full");
    }

    @Test
    void refusesAnAddOverItsBudgetSayingHowFullItIsAndWhatToDo() {
        MemoryStore s = new MemoryStore(100_000);
        long one = MemoryStore.SEEN_ID_BYTES + MemoryStore.entryBytes(entry("1 n 0", 10_000, "r"));
        int fits = (int) (100_000 / one);
        for (int i = 1; i <= fits; i++) {
            s.add(List.of(entry(i + " n 0", 10_000, "r")));
        }
        assertEquals(fits * one, s.used());
        StoreException e = assertThrows(StoreException.class, () -> s.add(List.of(entry("99 n 0", 10_000, "r"))));
        assertEquals("the memory store is full: " + MemoryStore.mib(fits * one) + " of its 97.7 KiB budget taken by "
            + fits + " entries, no room for an entry of " + MemoryStore.mib(one) + "; adds are refused until entries "
            + "are cleaned (their reasons removed) or the node restarts with a larger budget (logmesh node "
            + "--memory-limit SIZE, NodeConfig memoryLimit)", e.getMessage());
        assertEquals(fits, s.lastAdded());
        assertEquals(100_000 - fits * one, s.writeBudget(), "a node cuts batches to the room left");
    }

    @Test
    void anEntryLargerThanTheWholeBudgetIsSaidToBe() {
        MemoryStore s = new MemoryStore(10_000);
        StoreException e = assertThrows(StoreException.class, () -> s.add(List.of(entry("1 n 0", 20_000, "r"))));
        assertTrue(e.getMessage().startsWith("the memory store cannot take an entry of 19."), e.getMessage());
        assertTrue(e.getMessage().contains("more than its whole budget of 9.8 KiB"), e.getMessage());
        assertEquals(0, s.used());
        assertFalse(s.seen(ActionId.parse("1 n 0")));
    }

    @Test
    void aBatchLargerThanTheWholeBudgetIsSaidToBeNotAFullStore() {
        MemoryStore s = new MemoryStore(10_000);
        StoreException e = assertThrows(StoreException.class, () -> s.add(List.of(entry("1 n 0", 4_000, "r"),
            entry("2 n 0", 4_000, "r"), entry("3 n 0", 4_000, "r"))));
        // before (break47): "the memory store is full: 0.0 KiB of its 9.8 KiB budget taken by 0 entries, no room for a
        // batch of 3 entries (...); adds are refused until entries are cleaned ..." of a store with nothing to clean
        assertTrue(e.getMessage().startsWith("the memory store cannot take a batch of 3 entries ("), e.getMessage());
        assertTrue(e.getMessage().contains(") at once: more than its whole budget of 9.8 KiB (0.0 KiB taken now)"),
            e.getMessage());
        assertFalse(e.getMessage().contains("is full"), e.getMessage());
        assertEquals(0, s.used());
    }

    @Test
    void aBatchIsTakenWholeOrNotAtAll() {
        MemoryStore s = new MemoryStore(50_000);
        List<Entry> batch = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            batch.add(entry(i + " n 0", 10_000, "r"));
        }
        assertThrows(StoreException.class, () -> s.add(batch));
        assertEquals(0, s.size());
        assertEquals(0, s.lastAdded());
        assertEquals(0, s.used());
        assertEquals(List.of(), List.copyOf(s.cursors().keySet()));
        s.add(batch.subList(0, 4));
        assertEquals(4, s.size());
    }

    @Test
    void idsSeenBeforeTakeNoRoomSoAFullStoreStillSkipsDuplicates() {
        MemoryStore s = new MemoryStore(30_000);
        s.add(List.of(entry("1 n 0", 10_000, "r"), entry("2 n 0", 10_000, "r")));
        assertThrows(StoreException.class, () -> s.add(List.of(entry("3 n 0", 10_000, "r"))));
        List<Meta> again = s.add(List.of(entry("1 n 0", 10_000, "r"), entry("2 n 0", 10_000, "r")));
        assertNull(again.get(0));
        assertNull(again.get(1));
    }

    @Test
    void cleaningGivesTheEntrysBytesBackAndForgettingTheIdsItsSeenShare() {
        MemoryStore s = new MemoryStore(1 << 20);
        s.add(List.of(entry("1 n 0", 1_000, "a", "b"), entry("2 n 0", 5, "a"), entry("3 n 0", 5)));
        long three = 3 * MemoryStore.SEEN_ID_BYTES + MemoryStore.entryBytes(entry("1 n 0", 1_000, "a", "b"))
            + MemoryStore.entryBytes(entry("2 n 0", 5, "a"));
        assertEquals(three, s.used());
        s.removeReason("b", Criteria.ALL); // a reason less: changeMeta
        assertEquals(three - MemoryStore.REASON_BYTES, s.used());
        s.removeReason("a", Criteria.ALL);
        assertEquals(3 * MemoryStore.SEEN_ID_BYTES, s.used(), "the ids stay seen");
        s.forgetSeen(3);
        assertEquals(MemoryStore.SEEN_ID_BYTES, s.used());
        assertTrue(s.quarantine(ActionId.parse("3 n 0")));
        assertEquals(0, s.used());
    }

    @Test
    void aBackupKeepsTheBudgetAndWhatIsUsed() {
        MemoryStore s = new MemoryStore(30_000);
        s.add(List.of(entry("1 n 0", 10_000, "r")));
        MemoryStore b = s.backup();
        assertEquals(30_000, b.budget());
        assertEquals(s.used(), b.used());
        assertThrows(StoreException.class, () -> b.add(List.of(entry("2 n 0", 10_000, "r"),
            entry("3 n 0", 10_000, "r"))));
    }

    @Test
    void refusesABudgetOfNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MemoryStore(0));
        assertEquals("a memory store's budget must be > 0 bytes, got 0", e.getMessage());
        assertEquals(Long.MAX_VALUE, new MemoryStore().writeBudget(), "no budget: any batch");
    }
}
