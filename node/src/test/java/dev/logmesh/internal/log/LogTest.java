package dev.logmesh.internal.log;

import dev.logmesh.Criteria;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Log} semantics on a {@link MemoryStore}, on a manual clock. */
class LogTest {
    private static final long DRIFT = 60_000;

    private final ManualLoop loop = new ManualLoop(1_000_000);
    private final CountingStore store = new CountingStore(new MemoryStore());
    private Log log;
    private final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        log = new Log(store, "me", loop::now, DRIFT);
        log.onAdd(e -> events.add("add " + e.action().type()));
        log.onClean(e -> events.add("clean " + e.action().type()));
    }

    private static Entry remote(String type, String id, String... reasons) {
        ActionId i = ActionId.parse(id);
        return new Entry(Action.ofType(type), Meta.of(i, i.ms(), List.of(reasons)));
    }

    private static JsonNode json(String text) {
        return StoreContract.json(text);
    }

    private List<String> types() {
        List<String> out = new ArrayList<>();
        log.entries().forEach(e -> out.add(e.action().type()));
        return out;
    }

    @Test
    void cursorMovesAreSavedWithTheNextAddOrAFlushNeverBackwards() {
        MemoryStore store = new MemoryStore();
        Log log = new Log(store, "me", () -> 1_000, 60_000);
        log.advanceCursor("peer", 5, 3);
        assertEquals(new PeerCursor(5, 3), log.cursor("peer"));
        assertEquals(PeerCursor.NONE, store.cursor("peer"), "not saved on its own");
        log.advanceCursor("peer", 4, 7);
        assertEquals(new PeerCursor(5, 7), log.cursor("peer"), "never backwards");
        log.add(Action.ofType("x"), List.of("r"));
        assertEquals(new PeerCursor(5, 7), store.cursor("peer"), "saved with the add");
        log.advanceCursor("other", 1, 0);
        assertEquals(Map.of("peer", new PeerCursor(5, 7), "other", new PeerCursor(1, 0)), log.cursors());
        log.flushCursors();
        assertEquals(new PeerCursor(1, 0), store.cursor("other"));
        log.advanceCursor("other", 2, 0);
        log.close();
        assertEquals(new PeerCursor(2, 0), store.cursor("other"), "saved when the log closes");
    }

    @Test
    void addFiresAddWithTheStoredMeta() {
        List<Entry> seen = new ArrayList<>();
        log.onAdd(seen::add);
        Meta m = log.add(Action.ofType("a"), List.of("r"));
        assertEquals(1, m.added());
        assertEquals(List.of("add a"), events);
        assertEquals(m, seen.get(0).meta());
        assertEquals(ActionId.of(1_000_000, "me", 0), m.id());
        assertEquals(1_000_000, m.time());
    }

    @Test
    void entriesWithoutReasonsAreAddedAndCleanedAtOnce() {
        Meta m = log.add(Action.ofType("a"), List.of());
        assertEquals(0, m.added());
        assertEquals(List.of("add a", "clean a"), events);
        assertFalse(log.has(m.id()));
        assertTrue(log.seen(m.id()));
        assertEquals(0, log.size());
    }

    @Test
    void duplicatesReturnNullAndFireNothing() {
        Entry e = remote("a", "5 other 0", "r");
        log.add(e);
        events.clear();
        assertNull(log.add(e));
        List<Meta> batch = log.add(List.of(remote("b", "6 other 0", "r"), remote("b2", "6 other 0", "r")));
        assertNull(batch.get(1));
        assertEquals(List.of("add b"), events);
        log.removeReason("r", Criteria.ALL);
        events.clear();
        assertNull(log.add(e), "a cleaned id is still a duplicate");
        assertEquals(List.of(), events);
    }

    @Test
    void keepLastMetaKeepsOnlyTheNewestWithThatReason() {
        Map<String, JsonNode> keep = Map.of(Log.KEEP_LAST, json("\"status\""));
        Meta first = log.add(log.create(Action.ofType("s1"), List.of(), keep));
        Meta second = log.add(log.create(Action.ofType("s2"), List.of("other"), keep));
        assertEquals(List.of("status"), first.reasons());
        assertEquals(List.of("add s1", "add s2", "clean s1"), events);
        Meta third = log.add(log.create(Action.ofType("s3"), List.of(), keep));
        assertEquals(List.of("other"), log.byId(second.id()).orElseThrow().meta().reasons());
        assertEquals(List.of("s2", "s3"), types());
        assertEquals(List.of("status"), third.reasons());
    }

    /**
     * {@code add} of a batch checks its keepLast reasons only when one of its entries had one (a count kept by
     * {@code prepare}, read before the events): an entry added by a listener during the batch's events must not
     * make it skip them.
     */
    @Test
    void aBatchWithKeepLastCleansOlderEntriesAlsoWhenAListenerAddsDuringItsEvents() {
        Map<String, JsonNode> keep = Map.of(Log.KEEP_LAST, json("\"status\""));
        log.onAdd(e -> {
            if (e.action().type().equals("s1")) {
                log.add(log.create(Action.ofType("x"), List.of("other")));
            }
        });
        List<Meta> metas = log.add(List.of(log.create(Action.ofType("s1"), List.of(), keep),
            log.create(Action.ofType("s2"), List.of(), keep)));
        assertEquals(2, metas.size());
        assertEquals(List.of("s2", "x"), types(), "s1 lost its only reason to s2's keepLast");
        assertEquals(List.of("add s1", "add x", "add s2", "clean s1"), events);
    }

    @Test
    void keepLastKeepsTheNewestNByCreatedOrder() {
        log.add(remote("r3", "30 x 0", "k"));
        log.add(remote("r1", "10 x 0", "k"));
        log.add(remote("r4", "40 x 0", "k", "other"));
        log.add(remote("r2", "20 x 0", "k"));
        log.add(remote("n", "25 x 0", "other"));
        assertEquals(2, log.keepLast("k", 2), "the newest two by id are r4 and r3; r1 and r2 are cleaned");
        assertEquals(List.of("n", "r3", "r4"), types());
        assertEquals(List.of("clean r1", "clean r2"), events.subList(events.size() - 2, events.size()));
        assertEquals(0, log.keepLast("k", 5));
        assertEquals(1, log.keepLast("k", 0), "r3 is cleaned, r4 only loses k");
        assertEquals(List.of("other"), log.byId(ActionId.parse("40 x 0")).orElseThrow().meta().reasons());
        assertEquals(List.of("n", "r4"), types());
        assertThrows(IllegalArgumentException.class, () -> log.keepLast("k", -1));
    }

    @Test
    void changeMetaRefusesReadOnlyKeys() {
        Meta m = log.add(Action.ofType("a"), List.of("r"));
        for (String key : List.of("id", "time", "added")) {
            assertThrows(IllegalArgumentException.class, () -> log.changeMeta(m.id(), Map.of(key, json("1"))), key);
        }
        assertThrows(IllegalArgumentException.class, () -> log.changeMeta(m.id(), meta -> meta.withTime(5)));
        assertThrows(IllegalArgumentException.class, () -> log.changeMeta(m.id(), meta -> meta.withAdded(7)));
        assertEquals(m, log.byId(m.id()).orElseThrow().meta(), "nothing changed");
    }

    @Test
    void changeMetaAppliesADiff() {
        Meta m = log.add(Action.ofType("a"), List.of("r"));
        log.changeMeta(m.id(), Map.of("x", json("{\"y\":1}")));
        Map<String, JsonNode> diff = new LinkedHashMap<>();
        diff.put("reasons", json("[\"s\",\"t\"]"));
        diff.put("subprotocol", json("3"));
        diff.put("x", NullNode.getInstance());
        diff.put("z", json("true"));
        assertTrue(log.changeMeta(m.id(), diff));
        Meta changed = log.byId(m.id()).orElseThrow().meta();
        assertEquals(List.of("s", "t"), changed.reasons());
        assertEquals(3, changed.subprotocol());
        assertEquals(Map.of("z", json("true")), changed.extra());
        assertEquals(m.added(), changed.added());
        assertEquals(List.of("add a"), events);
        assertFalse(log.changeMeta(ActionId.of(1, "nobody", 0), Map.of("z", json("1"))));
        assertThrows(IllegalArgumentException.class, () -> log.changeMeta(m.id(), Map.of("subprotocol", json("-1"))));
        assertThrows(IllegalArgumentException.class, () -> log.changeMeta(m.id(), Map.of("reasons", json("[1]"))));
    }

    @Test
    void emptyReasonsInChangeMetaCleanTheEntry() {
        Meta m = log.add(Action.ofType("a"), List.of("r"));
        assertTrue(log.changeMeta(m.id(), Map.of("reasons", json("[]"))));
        assertFalse(log.has(m.id()));
        assertEquals(List.of("add a", "clean a"), events);
    }

    @Test
    void removeReasonFiresCleanForRemovedEntriesOnly() {
        log.add(remote("a", "1 x 0", "r"));
        log.add(remote("b", "2 x 0", "r", "s"));
        log.add(remote("c", "3 x 0", "r"));
        events.clear();
        assertEquals(1, log.removeReason("r", Criteria.ALL.olderThan(ActionId.parse("3 x 0"))));
        assertEquals(List.of("clean a"), events);
        assertEquals(List.of("b", "c"), types());
    }

    @Test
    void iteratesLazilyPageByPageInEveryOrder() {
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 1300; i++) {
            // created order is the reverse of added order
            batch.add(remote("t" + i, (10_000 - i) + " x 0", "r"));
        }
        log.add(batch);
        store.pages = 0;
        Iterator<Entry> it = log.entries(Order.ADDED, true, null).iterator();
        for (int i = 0; i < 3; i++) {
            assertEquals("t" + i, it.next().action().type());
        }
        assertEquals(1, store.pages, "only the first page was read");
        List<String> added = new ArrayList<>();
        log.entries(Order.ADDED, true, null).forEach(e -> added.add(e.action().type()));
        List<String> createdDesc = new ArrayList<>();
        log.entries(Order.CREATED, false, null).forEach(e -> createdDesc.add(e.action().type()));
        assertEquals(added, createdDesc);
        assertEquals(1300, added.size());
        List<String> addedDesc = new ArrayList<>();
        log.entries(Order.ADDED, false, 1000L).forEach(e -> addedDesc.add(e.action().type()));
        assertEquals(999, addedDesc.size());
        assertEquals("t998", addedDesc.get(0));
        List<String> createdAsc = new ArrayList<>();
        log.entries().forEach(e -> createdAsc.add(e.action().type()));
        assertEquals("t1299", createdAsc.get(0));
        assertEquals("t0", createdAsc.get(1299));
        assertTrue(store.pages >= 1 + 3 + 3 + 2 + 3, "several pages per full pass: " + store.pages);
    }

    @Test
    void idsAreStrictlyIncreasingOnAStillOrMovingClock() {
        ActionId last = null;
        for (int i = 0; i < 50; i++) {
            ActionId id = log.generateId();
            if (last != null) {
                assertTrue(last.isBefore(id), last + " then " + id);
            }
            last = id;
            if (i % 10 == 0) {
                loop.advance(1);
            }
        }
        assertEquals(ActionId.of(1_000_005, "me", 8), last, "seq counts within a millisecond");
    }

    @Test
    void anIdCreatedAfterReceivingOneSortsAfterIt() {
        // a peer 5 s ahead with a node id that sorts after ours: same ms would not be enough
        log.add(remote("remote", "1005000 zz 3", "r"));
        ActionId local = log.generateId();
        assertTrue(ActionId.parse("1005000 zz 3").isBefore(local), local.toString());
        assertEquals(1_005_001, local.ms());
    }

    @Test
    void aWildRemoteClockPullsOursOnlyToTheBound() {
        log.add(remote("remote", (1_000_000 + 10 * DRIFT) + " wild 0", "r"));
        ActionId local = log.generateId();
        assertEquals(1_000_000 + DRIFT, local.ms(), "exactly the bound, not the remote time");
        assertTrue(log.generateId().ms() <= 1_000_000 + DRIFT, "still at the bound");
    }

    @Test
    void aRestartNeverIssuesAnOldIdEvenIfTheClockWentBack() {
        ActionId last = null;
        for (int i = 0; i < 3; i++) {
            last = log.add(Action.ofType("a" + i), List.of()).id();
        }
        loop.setNow(500_000); // the wall clock jumped back
        Log restarted = new Log(store, "me", loop::now, DRIFT);
        ActionId next = restarted.generateId();
        assertTrue(last.isBefore(next), last + " then " + next);
        assertTrue(restarted.add(Action.ofType("b"), List.of("r")) != null, "not dropped as a duplicate");
    }

    @Test
    void openKeepsTheNodeIdInTheStore() {
        MemoryStore s = new MemoryStore();
        Log first = Log.open(s, "alice", loop::now, DRIFT);
        assertTrue(first.nodeId().startsWith("alice:"));
        assertEquals(first.nodeId(), Log.open(s, "alice", loop::now, DRIFT).nodeId());
        assertEquals(Optional.of(first.nodeId()), s.state("nodeId"));
    }

    /**
     * A log opened with a name its saved node id was not made with keeps its id and says so: a node started with
     * {@code --name alice} on a data directory made by {@code logmesh add} without a name ran as that id, silently
     * (a new-user trial, session 14).
     */
    @Test
    void openWithAnotherNameKeepsTheIdAndWarns() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs -Dslf4j.provider=dev.logmesh.testkit.CapturedLogs");
        MemoryStore s = new MemoryStore();
        String id = Log.open(s, null, loop::now, DRIFT).nodeId();
        dev.logmesh.testkit.CapturedLogs.clear();
        assertEquals(id, Log.open(s, "alice", loop::now, DRIFT).nodeId());
        assertEquals(1, dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN,
            "node id is " + id + ": the name alice is not used").size(), dev.logmesh.testkit.CapturedLogs.events()
            .toString());
        dev.logmesh.testkit.CapturedLogs.clear();
        String own = Log.open(new MemoryStore(), "bob", loop::now, DRIFT).nodeId();
        assertTrue(own.startsWith("bob:"), own);
        assertEquals(id, Log.open(s, null, loop::now, DRIFT).nodeId());
        assertEquals(List.of(), dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN,
            "node id is " + id + ":"));
        assertEquals(List.of(), dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN, "name bob"));
    }

    /** A store that counts page reads, to check that iteration is lazy. */
    private static final class CountingStore implements Store {
        private final Store inner;
        int pages;

        CountingStore(Store inner) {
            this.inner = inner;
        }

        @Override
        public List<Meta> add(List<Entry> entries) {
            return inner.add(entries);
        }

        @Override
        public Optional<Entry> byId(ActionId id) {
            return inner.byId(id);
        }

        @Override
        public boolean seen(ActionId id) {
            return inner.seen(id);
        }

        @Override
        public void forEachSeen(long fromMs, long toMs, java.util.function.Consumer<ActionId> consumer) {
            inner.forEachSeen(fromMs, toMs, consumer);
        }

        @Override
        public boolean changeMeta(ActionId id, Meta meta) {
            return inner.changeMeta(id, meta);
        }

        @Override
        public Optional<Entry> remove(ActionId id) {
            return inner.remove(id);
        }

        @Override
        public List<Entry> removeReason(String reason, Criteria criteria) {
            return inner.removeReason(reason, criteria);
        }

        @Override
        public List<Entry> page(Order order, boolean ascending, Object after, int limit) {
            pages++;
            return inner.page(order, ascending, after, limit);
        }

        @Override
        public List<Entry> withReason(String reason, long afterAdded, int limit) {
            return inner.withReason(reason, afterAdded, limit);
        }

        @Override
        public long lastAdded() {
            return inner.lastAdded();
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public PeerCursor cursor(String peerNode) {
            return inner.cursor(peerNode);
        }

        @Override
        public void setCursor(String peerNode, PeerCursor cursor) {
            inner.setCursor(peerNode, cursor);
        }

        @Override
        public Map<String, PeerCursor> cursors() {
            return new HashMap<>(inner.cursors());
        }

        @Override
        public long forgetSeen(long beforeMs) {
            return inner.forgetSeen(beforeMs);
        }

        @Override
        public long maxSeenMs() {
            return inner.maxSeenMs();
        }

        @Override
        public long maxSeenMs(String node) {
            return inner.maxSeenMs(node);
        }

        @Override
        public long clockReservation() {
            return inner.clockReservation();
        }

        @Override
        public void reserveClock(long uptoMs) {
            inner.reserveClock(uptoMs);
        }

        @Override
        public String epoch() {
            return inner.epoch();
        }

        @Override
        public boolean quarantine(ActionId id) {
            return inner.quarantine(id);
        }

        @Override
        public Optional<String> state(String key) {
            return inner.state(key);
        }

        @Override
        public void setState(String key, String value) {
            inner.setState(key, value);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /**
     * A wall clock set back by more than the drift bound leaves the clock ahead of it (it never goes back): the ids
     * it issues then are this clock's own, not ids "ahead of this node's clock" that it declines to follow. Before
     * (clock40) every add after such a set-back logged {@code own id 10000000 me 1 is 3600000 ms ahead of this node's
     * clock (bound 60000 ms): not followed}, about the id the clock had just issued; an own id from outside past what
     * the clock issued and beyond the bound is still said.
     */
    @Test
    void idsTheClockIssuedAfterASetBackAreNotTakenForOwnIdsAheadOfIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs -Dslf4j.provider=dev.logmesh.testkit.CapturedLogs");
        java.util.concurrent.atomic.AtomicLong wall = new java.util.concurrent.atomic.AtomicLong(10_000_000);
        Log log = new Log(new MemoryStore(), "me", wall::get, DRIFT);
        log.add(Action.ofType("before"), List.of("keep"));
        wall.addAndGet(-3_600_000);
        dev.logmesh.testkit.CapturedLogs.clear();
        Meta after = log.add(Action.ofType("after"), List.of("keep"));
        assertTrue(after.id().ms() > wall.get() + DRIFT, "the clock stays ahead of a wall clock set back: " + after);
        assertEquals(List.of(), dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN, "own id"));

        ActionId outside = new ActionId(after.id().ms() + 10 * DRIFT, "me", 0);
        log.add(new Entry(Action.ofType("outside"), Meta.of(outside, outside.ms(), List.of("keep"))));
        assertEquals(1, dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN, "own id " + outside)
            .size(), dev.logmesh.testkit.CapturedLogs.events().toString());
    }
}
