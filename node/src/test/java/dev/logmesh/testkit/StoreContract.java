package dev.logmesh.testkit;

import dev.logmesh.Criteria;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every {@link Store} passes: the meaning of @logux/core's {@code eachStoreCheck}, adapted
 * to this project's contract (created order by id, a seen index that outlives cleaning, cursors per peer).
 *
 * <p>A subclass supplies {@link #newStore()}; a durable store also overrides {@link #reopen(Store)} so that
 * the tests that check "never reused" and "outlives cleaning" also check it across a restart. A store that can be
 * made full in a test (a memory store with a budget) overrides {@link #fill} and {@link #makeRoom}, so that the
 * "Failures" contract of {@link Store} is checked on it too.
 */
public abstract class StoreContract {

    /** The store under test; a fresh, empty one per test. */
    protected Store store;

    /** A new empty store. */
    protected abstract Store newStore() throws Exception;

    /**
     * Closes and reopens a store over the same storage; a store without storage returns itself.
     */
    protected Store reopen(Store s) throws Exception {
        return s;
    }

    /**
     * Fills the store until an add of {@code probe} fails with a {@link dev.logmesh.StoreException} as a full store's
     * does, with entries of the reason {@code filler} only; false (the default) for a store that cannot be made full
     * here (the "Failures" tests are then skipped).
     */
    protected boolean fill(Store s, Entry probe, String filler) throws Exception {
        return false;
    }

    /** Gives room back after {@link #fill}; the default removes the reason {@code filler} from every entry. */
    protected void makeRoom(Store s, String filler) throws Exception {
        s.removeReason(filler, Criteria.ALL);
    }

    @BeforeEach
    void setUpStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    public static ActionId id(String text) {
        return ActionId.parse(text);
    }

    public static Entry entry(String type, String id, long time, String... reasons) {
        return new Entry(Action.ofType(type), Meta.of(id(id), time, List.of(reasons)));
    }

    public static JsonNode json(String text) {
        try {
            return MetaJson.reader().readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static Meta add(Store s, Entry e) {
        return s.add(List.of(e)).get(0);
    }

    /** Every entry in an order, read page by page with {@code after} positions. */
    public static List<Entry> all(Store s, Order order, boolean ascending, int pageSize) {
        List<Entry> out = new ArrayList<>();
        Object after = null;
        while (true) {
            List<Entry> page = s.page(order, ascending, after, pageSize);
            assertTrue(page.size() <= pageSize, "page larger than its limit");
            out.addAll(page);
            if (page.size() < pageSize) {
                return out;
            }
            Entry last = page.get(page.size() - 1);
            after = order == Order.ADDED ? (Object) last.meta().added() : last.id();
        }
    }

    public static List<String> types(List<Entry> entries) {
        return entries.stream().map(e -> e.action().type()).collect(Collectors.toList());
    }

    /** Checks the created and the added order (both directions, several page sizes) and the size. */
    void checkOrders(List<String> created, List<String> added) {
        for (int pageSize : new int[] {1, 2, 3, 100}) {
            assertEquals(created, types(all(store, Order.CREATED, true, pageSize)), "created asc, page " + pageSize);
            assertEquals(reversed(created), types(all(store, Order.CREATED, false, pageSize)),
                "created desc, page " + pageSize);
            assertEquals(added, types(all(store, Order.ADDED, true, pageSize)), "added asc, page " + pageSize);
            assertEquals(reversed(added), types(all(store, Order.ADDED, false, pageSize)),
                "added desc, page " + pageSize);
        }
        assertEquals(created.size(), store.size());
    }

    void checkBoth(String... types) {
        checkOrders(List.of(types), List.of(types));
    }

    static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    // ---- the contract -------------------------------------------------------------------------------------

    @Test
    void isEmptyInTheBeginning() {
        assertEquals(0, store.lastAdded());
        assertEquals(0, store.size());
        assertEquals(0, store.maxSeenMs());
        assertEquals(PeerCursor.NONE, store.cursor("peer"));
        assertEquals(Map.of(), store.cursors());
        assertEquals(Optional.empty(), store.state("nodeId"));
        checkBoth();
        assertEquals(List.of(), store.withReason("a", 0, 10));
    }

    /** Issue 12: what may be sent before it is durable lies between what is durable and what was added. */
    @Test
    void sendableAddedIsBetweenDurableAndLastAdded() {
        for (int i = 0; i < 5; i++) {
            add(store, entry("a", (i + 1) + " n 0", i + 1, "r"));
            long sendable = store.sendableAdded();
            assertTrue(store.durableAdded() <= sendable && sendable <= store.lastAdded(),
                "durable " + store.durableAdded() + " <= sendable " + sendable + " <= last " + store.lastAdded());
        }
    }

    @Test
    void savesCursorsPerPeer() {
        store.setCursor("a", new PeerCursor(0, 1));
        assertEquals(new PeerCursor(0, 1), store.cursor("a"));
        store.setCursor("a", new PeerCursor(1, 1));
        store.setCursor("b", new PeerCursor(5, 7));
        assertEquals(new PeerCursor(1, 1), store.cursor("a"));
        assertEquals(new PeerCursor(5, 7), store.cursor("b"));
        assertEquals(PeerCursor.NONE, store.cursor("c"));
        assertEquals(Map.of("a", new PeerCursor(1, 1), "b", new PeerCursor(5, 7)), store.cursors());
    }

    /**
     * Client cursors (session 19): none until set, set as given, apart from the peer cursors (a client id has a node
     * id's form), kept across a restart, and only the {@code keep} most recently written: an evicted client has none.
     */
    @Test
    void keepsTheMostRecentlyWrittenClientCursorsApartFromPeerCursors() throws Exception {
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("alice:Xk3v9QaB"));
        store.setCursor("alice:Xk3v9QaB", new PeerCursor(4, 5));
        Map<String, Long> first = new java.util.LinkedHashMap<>();
        first.put("alice:Xk3v9QaB", 7L);
        first.put("bob:1", 3L);
        store.setClientCursors(first, 3);
        assertEquals(java.util.OptionalLong.of(7), store.clientCursor("alice:Xk3v9QaB"));
        assertEquals(new PeerCursor(4, 5), store.cursor("alice:Xk3v9QaB"), "a peer's cursor is not a client's");
        store.setClientCursors(Map.of("carol:\ud83d", 0L), 3);
        store.setClientCursors(Map.of("alice:Xk3v9QaB", 9L), 3); // alice written again: bob is now the oldest
        store = reopen(store);
        assertEquals(java.util.OptionalLong.of(9), store.clientCursor("alice:Xk3v9QaB"), "after reopening too");
        store.setClientCursors(Map.of("dave:2", 1L), 3);
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("bob:1"), "evicted: the least recently written");
        assertEquals(java.util.OptionalLong.of(0), store.clientCursor("carol:\ud83d"));
        assertEquals(java.util.OptionalLong.of(9), store.clientCursor("alice:Xk3v9QaB"));
        assertEquals(java.util.OptionalLong.of(1), store.clientCursor("dave:2"));
        store.setClientCursors(Map.of("erin:3", 2L, "frank:4", 2L), 1);
        assertEquals(1, java.util.stream.Stream.of("alice:Xk3v9QaB", "carol:\ud83d", "dave:2", "erin:3", "frank:4")
            .filter(c -> store.clientCursor(c).isPresent()).count(), "a smaller bound drops the rest at once");
        assertThrows(IllegalArgumentException.class, () -> store.setClientCursors(Map.of("x:1", -1L), 3));
        assertThrows(IllegalArgumentException.class, () -> store.setClientCursors(Map.of("x:1", 1L), 0));
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("x:1"), "nothing of a refused call");
    }

    /**
     * Client epochs (keys under {@link dev.logmesh.spi.Store#CLIENT_EPOCH_PREFIX}, one per {@code @logux/client} tab,
     * a new one at each page load) are dropped before any client id's record: a browser that comes back after many
     * page loads of others keeps its cursor. Before (session 38's client epochs, one eviction order for both), with
     * a bound of 3 a returning client's record was dropped for the epochs of three newer tabs ("the client id's
     * record outlives newer tabs' epochs ==> expected: <OptionalLong[7]> but was: <OptionalLong.empty>").
     */
    @Test
    void dropsClientEpochsBeforeClientIdRecords() throws Exception {
        store.setClientCursors(Map.of("alice:Xk3v9QaB", 7L), 3);
        store.setClientCursors(Map.of("e bob:1:t1", 2L), 3);
        store.setClientCursors(Map.of("e carol:2:t2", 3L), 3);
        store.setClientCursors(Map.of("e dave:3:t3", 4L), 3);
        store = reopen(store);
        assertEquals(java.util.OptionalLong.of(7), store.clientCursor("alice:Xk3v9QaB"),
            "the client id's record outlives newer tabs' epochs");
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("e bob:1:t1"), "the oldest epoch goes first");
        assertEquals(java.util.OptionalLong.of(4), store.clientCursor("e dave:3:t3"));
        store.setClientCursors(Map.of("erin:4", 1L, "frank:5", 1L, "grace:6", 1L), 3);
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("e carol:2:t2"), "epochs go before any client");
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("e dave:3:t3"));
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("alice:Xk3v9QaB"),
            "with no epoch left, the least recently written client goes");
        assertEquals(java.util.OptionalLong.of(1), store.clientCursor("grace:6"));
    }

    /**
     * A client id with an unpaired surrogate (a JSON escape such as {@code \ud800} in a {@code connect}'s node id
     * decodes to one) is its own record: never the record of another such id, nor of the id with {@code ?} in its
     * place (the client that comes with a foreign synced would start after the other client's cursor and miss
     * entries).
     */
    @Test
    void keepsClientIdsThatDifferOnlyInUnpairedSurrogatesApart() throws Exception {
        store.setClientCursors(Map.of("a:\ud800", 5L), 10);
        store = reopen(store);
        assertEquals(java.util.OptionalLong.of(5), store.clientCursor("a:\ud800"));
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("a:?"), "a:? never acknowledged anything");
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("a:\udbff"), "nor did a:\\udbff");
        store.setClientCursors(Map.of("a:?", 2L, "a:\udbff", 3L), 10);
        store = reopen(store);
        assertEquals(java.util.OptionalLong.of(5), store.clientCursor("a:\ud800"));
        assertEquals(java.util.OptionalLong.of(2), store.clientCursor("a:?"));
        assertEquals(java.util.OptionalLong.of(3), store.clientCursor("a:\udbff"));
        store.setClientCursors(Map.of("b:1", 1L), 3); // three kept: the first written (a:\ud800) goes
        assertEquals(java.util.OptionalLong.empty(), store.clientCursor("a:\ud800"), "evicted like any other");
        assertEquals(java.util.OptionalLong.of(2), store.clientCursor("a:?"));
    }

    @Test
    void savesState() {
        store.setState("nodeId", "alice:1");
        store.setState("peer", "ws://x");
        store.setState("nodeId", "alice:2");
        assertEquals(Optional.of("alice:2"), store.state("nodeId"));
        assertEquals(Optional.of("ws://x"), store.state("peer"));
        assertEquals(Optional.empty(), store.state("other"));
    }

    /**
     * State keys and values with an unpaired surrogate (a node id from a name cut inside an emoji, a peer's id in an
     * anchor's key) come back as they were set, also after reopening, and two keys that differ only in one are two.
     */
    @Test
    void savesStateWithUnpairedSurrogatesAsItWasSet() throws Exception {
        store.setState("nodeId", "a\uD83D:1");
        store.setState("anchor:b\uDC00", "1 x\uDC00 0");
        store.setState("anchor:b\uDC01", "2 x\uDC01 0");
        store = reopen(store);
        assertEquals(Optional.of("a\uD83D:1"), store.state("nodeId"));
        assertEquals(Optional.of("1 x\uDC00 0"), store.state("anchor:b\uDC00"));
        assertEquals(Optional.of("2 x\uDC01 0"), store.state("anchor:b\uDC01"));
        assertEquals(Optional.empty(), store.state("anchor:b?"));
    }

    @Test
    void storesEntriesSortedInBothOrders() {
        store.add(List.of(entry("1", "1 a 0", 1, "r"), entry("2", "1 c 0", 2, "r")));
        add(store, entry("3", "1 b 0", 2, "r"));
        add(store, entry("4", "3 b 0", 2, "r"));
        checkOrders(List.of("1", "3", "2", "4"), List.of("1", "2", "3", "4"));
        List<Entry> added = all(store, Order.ADDED, true, 10);
        assertEquals(List.of(1L, 2L, 3L, 4L), added.stream().map(e -> e.meta().added()).toList());
        assertEquals(4, store.lastAdded());
    }

    @Test
    void createdOrderIsMsThenNodeThenSeqNumerically() {
        // seq 10 after 9 (numeric, not text); ms before node; node by UTF-16 units: U+1F600 (a surrogate pair,
        // D83D..) sorts before U+FF21 although its code point is larger.
        add(store, entry("seq10", "5 n 10", 0, "r"));
        add(store, entry("seq9", "5 n 9", 0, "r"));
        add(store, entry("ms10", "10 a 0", 0, "r"));
        add(store, entry("ms9", "9 z 0", 0, "r"));
        add(store, entry("fullwidth", "5 \uFF21 0", 0, "r"));
        add(store, entry("emoji", "5 \uD83D\uDE00 0", 0, "r"));
        add(store, entry("accent", "5 \u00E9 0", 0, "r"));
        add(store, entry("nodeA", "5 a 0", 0, "r"));
        checkOrders(List.of("nodeA", "seq9", "seq10", "accent", "emoji", "fullwidth", "ms9", "ms10"),
            List.of("seq10", "seq9", "ms10", "ms9", "fullwidth", "emoji", "accent", "nodeA"));
        assertEquals("5 \uD83D\uDE00 0", store.byId(id("5 \uD83D\uDE00 0")).orElseThrow().id().toString());
    }

    @Test
    void pagesStartStrictlyAfterAPositionThatNeedNotBeInTheLog() {
        for (int i = 1; i <= 6; i++) {
            add(store, entry("t" + i, (i * 10) + " n 0", i, "r"));
        }
        store.remove(id("30 n 0"));
        assertEquals(List.of("t4", "t5"), types(store.page(Order.CREATED, true, id("30 n 0"), 2)));
        assertEquals(List.of("t2", "t1"), types(store.page(Order.CREATED, false, id("30 n 0"), 5)));
        assertEquals(List.of("t4"), types(store.page(Order.CREATED, true, id("35 a 0"), 1)));
        assertEquals(List.of("t2"), types(store.page(Order.CREATED, true, id("10 n 0"), 1)));
        assertEquals(List.of(), types(store.page(Order.CREATED, true, id("60 n 0"), 5)));
        assertEquals(List.of(), types(store.page(Order.CREATED, false, id("10 n 0"), 5)));
        assertEquals(List.of("t4", "t5", "t6"), types(store.page(Order.ADDED, true, 3L, 5)));
        assertEquals(List.of("t2", "t1"), types(store.page(Order.ADDED, false, 3L, 5)));
        assertEquals(List.of("t6"), types(store.page(Order.ADDED, false, 99L, 1)));
        assertEquals(List.of(), types(store.page(Order.ADDED, true, 6L, 5)));
    }

    @Test
    void rejectsBadPageArguments() {
        assertThrows(IllegalArgumentException.class, () -> store.page(Order.ADDED, true, null, 0));
        assertThrows(IllegalArgumentException.class, () -> store.page(Order.ADDED, true, id("1 a 0"), 1));
        assertThrows(IllegalArgumentException.class, () -> store.page(Order.CREATED, true, 5L, 1));
        assertThrows(IllegalArgumentException.class, () -> store.withReason("r", 0, 0));
    }

    @Test
    void storesAnyMeta() {
        Meta meta = new Meta(id("1 n 0"), -5, 0, List.of("b", "a"), 3,
            Map.of("a", json("1"), "nested", json("{\"x\":[1,\"y\",null],\"z\":1.5}")));
        Action action = Action.parse("{\"type\":\"x\",\"text\":\"h\u00E9llo \\\"quoted\\\"\",\"n\":[1,2.5,true]}");
        Meta added = add(store, new Entry(action, meta));
        assertEquals(meta.withAdded(1), added);
        Entry read = store.byId(id("1 n 0")).orElseThrow();
        assertEquals(new Entry(action, meta.withAdded(1)), read);
        assertEquals(List.of(read), store.page(Order.CREATED, true, null, 5));
        assertEquals(List.of(read), store.page(Order.ADDED, true, null, 5));
    }

    @Test
    void ignoresEntriesWithTheSameIdAndKeepsLastAdded() {
        assertEquals(1, add(store, entry("A", "1 n 0", 1, "r")).added());
        assertNull(add(store, entry("B", "1 n 0", 2, "r")));
        assertEquals(1, store.lastAdded());
        assertEquals("A", store.byId(id("1 n 0")).orElseThrow().action().type());
        checkBoth("A");
    }

    @Test
    void aBatchAddsExactlyAsOneEntryAtATime() throws Exception {
        // random batches (duplicates within and across them, entries without reasons, several reasons, ids out of
        // order) into this store at once and into a memory store (the reference) entry by entry: the same results,
        // log and seen ids
        Random random = new Random(12);
        Store single = new dev.logmesh.internal.store.MemoryStore();
        try {
            List<Entry> all = new ArrayList<>();
            for (int batch = 0; batch < 40; batch++) {
                List<Entry> entries = new ArrayList<>();
                int size = 1 + random.nextInt(60);
                for (int i = 0; i < size; i++) {
                    String id = (1 + random.nextInt(300)) + " n" + random.nextInt(3) + " " + random.nextInt(2);
                    String[] reasons = switch (random.nextInt(4)) {
                        case 0 -> new String[0];
                        case 1 -> new String[] {"a"};
                        case 2 -> new String[] {"a", "b"};
                        default -> new String[] {"b"};
                    };
                    entries.add(entry("t" + i, id, random.nextInt(1000), reasons));
                }
                List<Meta> batched = store.add(entries);
                List<Meta> oneByOne = new ArrayList<>();
                for (Entry e : entries) {
                    oneByOne.add(single.add(List.of(e)).get(0));
                }
                assertEquals(oneByOne, batched, "batch " + batch);
                all.addAll(entries);
            }
            assertEquals(single.lastAdded(), store.lastAdded());
            assertEquals(single.size(), store.size());
            assertEquals(single.page(Order.ADDED, true, null, 100_000), store.page(Order.ADDED, true, null, 100_000));
            assertEquals(single.page(Order.CREATED, true, null, 100_000),
                store.page(Order.CREATED, true, null, 100_000));
            for (Entry e : all) {
                assertEquals(single.seen(e.id()), store.seen(e.id()));
            }
            assertEquals(single.maxSeenMs(), store.maxSeenMs());
            assertEquals(single.maxSeenMs("n1"), store.maxSeenMs("n1"));
        } finally {
            single.close();
        }
    }

    @Test
    void ignoresDuplicatesWithinOneBatch() {
        List<Meta> result = store.add(List.of(entry("A", "1 n 0", 1, "r"), entry("B", "2 n 0", 1, "r"),
            entry("C", "1 n 0", 1, "r"), entry("D", "3 n 0", 1), entry("E", "3 n 0", 1, "r")));
        assertEquals(1, result.get(0).added());
        assertEquals(2, result.get(1).added());
        assertNull(result.get(2));
        assertEquals(0, result.get(3).added());
        assertNull(result.get(4), "an id marked seen without reasons earlier in the batch is a duplicate");
        assertEquals(2, store.lastAdded());
        checkBoth("A", "B");
    }

    @Test
    void entriesWithoutReasonsAreOnlyMarkedSeen() {
        Meta m = add(store, entry("A", "7 n 0", 7));
        assertEquals(Meta.of(id("7 n 0"), 7, List.of()), m);
        assertFalse(store.has(id("7 n 0")));
        assertTrue(store.seen(id("7 n 0")));
        assertEquals(0, store.lastAdded());
        assertEquals(7, store.maxSeenMs());
        checkBoth();
        assertNull(add(store, entry("A", "7 n 0", 7, "r")), "it was seen, so it is a duplicate now");
    }

    @Test
    void returnsEntriesById() {
        add(store, entry("A", "1 n 0", 1, "r"));
        add(store, entry("B", "2 n 0", 2, "r"));
        assertEquals(entry("B", "2 n 0", 2, "r").withMeta(Meta.of(id("2 n 0"), 2, List.of("r")).withAdded(2)),
            store.byId(id("2 n 0")).orElseThrow());
        assertTrue(store.has(id("1 n 0")));
        assertFalse(store.has(id("3 n 0")));
        assertEquals(Optional.empty(), store.byId(id("3 n 0")));
        assertFalse(store.seen(id("3 n 0")));
    }

    @Test
    void changesMeta() {
        add(store, entry("A", "1 n 0", 1, "a"));
        add(store, entry("B", "2 n 0", 2, "a"));
        Meta old = store.byId(id("1 n 0")).orElseThrow().meta();
        Meta changed = old.withReasons(List.of("b", "c")).withExtra("x", json("{\"y\":2}")).withSubprotocol(4);
        assertTrue(store.changeMeta(id("1 n 0"), changed));
        assertEquals(changed, store.byId(id("1 n 0")).orElseThrow().meta());
        assertEquals(changed, store.page(Order.ADDED, true, null, 1).get(0).meta());
        assertEquals(changed, store.page(Order.CREATED, true, null, 1).get(0).meta());
        assertEquals(List.of("B"), types(store.withReason("a", 0, 10)));
        assertEquals(List.of("A"), types(store.withReason("b", 0, 10)));
        assertEquals(List.of("A"), types(store.withReason("c", 0, 10)));
        assertEquals(2, store.lastAdded(), "changeMeta assigns no added number");
        assertFalse(store.changeMeta(id("9 n 0"), Meta.of(id("9 n 0"), 9, List.of("a"))));
        assertThrows(IllegalArgumentException.class, () -> store.changeMeta(id("1 n 0"), old.withReasons(List.of())));
        assertTrue(store.has(id("1 n 0")));
    }

    @Test
    void removesEntries() {
        store.add(List.of(entry("1", "1 node1 0", 1, "r"), entry("1", "1 node1 0", 1, "r"),
            entry("2", "2 node1 0", 2, "r"), entry("3", "3 node1 0", 3, "r"), entry("4", "4 node1 0", 4, "r"),
            entry("5", "4 node2 0", 4, "r"), entry("6", "5 node1 0", 0, "r")));
        Entry removed = store.remove(id("2 node1 0")).orElseThrow();
        assertEquals(entry("2", "2 node1 0", 2, "r").withMeta(Meta.of(id("2 node1 0"), 2, List.of("r")).withAdded(2)),
            removed);
        checkBoth("1", "3", "4", "5", "6");
        assertTrue(store.seen(id("2 node1 0")), "a removed id stays seen");
        assertEquals(Optional.empty(), store.remove(id("2 node1 0")));
        assertEquals(Optional.empty(), store.remove(id("9 node1 0")));
        assertEquals(List.of("1", "3", "4", "5", "6"), types(store.withReason("r", 0, 10)));
    }

    @Test
    void removesReasonsAndEntriesLeftWithout() {
        store.add(List.of(entry("1", "1 n 0", 1, "a"), entry("2", "2 n 0", 2, "a"), entry("3", "3 n 0", 3, "a", "b"),
            entry("4", "4 n 0", 4, "b")));
        List<Entry> removed = store.removeReason("a", Criteria.ALL);
        assertEquals(List.of("1", "2"), types(removed));
        assertEquals(List.of("a"), removed.get(0).meta().reasons(), "removed entries carry their last stored meta");
        checkBoth("3", "4");
        assertEquals(List.of("b"), store.byId(id("3 n 0")).orElseThrow().meta().reasons());
        assertEquals(List.of(), store.withReason("a", 0, 10));
        assertEquals(List.of("3", "4"), types(store.withReason("b", 0, 10)));
        assertEquals(List.of(), store.removeReason("nothing", Criteria.ALL));
    }

    @Test
    void returnsEntriesWithReasonInAddedOrderAndPages() {
        store.add(List.of(entry("1", "1 n 0", 1, "b"), entry("2", "2 n 0", 2), entry("3", "3 n 0", 3, "a"),
            entry("4", "4 n 0", 4, "b"), entry("5", "0 n 0", 5, "a", "b")));
        assertEquals(List.of("3", "5"), types(store.withReason("a", 0, 10)));
        assertEquals(List.of("1", "4", "5"), types(store.withReason("b", 0, 10)));
        assertEquals(List.of("1", "4"), types(store.withReason("b", 0, 2)));
        assertEquals(List.of("4", "5"), types(store.withReason("b", 1, 10)));
        assertEquals(List.of("5"), types(store.withReason("b", 3, 10)));
        assertEquals(List.of(), store.withReason("c", 0, 10));
    }

    void addThree() {
        store.add(List.of(entry("1", "1 n 0", 1, "a"), entry("2", "2 n 0", 2, "a"), entry("3", "3 n 0", 3, "a")));
    }

    @Test
    void removesReasonByCreatedRange() {
        addThree();
        assertEquals(List.of("2"), types(store.removeReason("a", Criteria.ALL.olderThan(id("3 n 0"))
            .youngerThan(id("1 n 0")))));
        checkBoth("1", "3");
    }

    @Test
    void removesReasonForOlderEntries() {
        addThree();
        store.removeReason("a", Criteria.ALL.olderThan(id("2 n 0")));
        checkBoth("2", "3");
    }

    @Test
    void olderAndYoungerCompareIdsNotTime() {
        // time says "3" is oldest; the created order (ids) says it is newest, and every node agrees on ids.
        store.add(List.of(entry("1", "1 n 0", 30, "a"), entry("2", "2 n 0", 20, "a"), entry("3", "3 n 0", 10, "a")));
        store.removeReason("a", Criteria.ALL.youngerThan(id("2 n 0")));
        checkBoth("1", "2");
        store.removeReason("a", Criteria.ALL.olderThan(id("1 n 1")));
        checkBoth("2");
    }

    @Test
    void removesReasonForYoungerEntries() {
        addThree();
        store.removeReason("a", Criteria.ALL.youngerThan(id("2 n 0")));
        checkBoth("1", "2");
    }

    @Test
    void removesReasonWithMinimumAdded() {
        addThree();
        store.removeReason("a", Criteria.ALL.minAdded(2));
        checkBoth("1");
    }

    @Test
    void removesReasonWithMaximumAdded() {
        addThree();
        store.removeReason("a", Criteria.ALL.maxAdded(2));
        checkBoth("3");
    }

    @Test
    void removesReasonWithMinimumAndMaximumAdded() {
        addThree();
        store.removeReason("a", Criteria.ALL.minAdded(2).maxAdded(2));
        checkBoth("1", "3");
    }

    @Test
    void removesNothingWithZeroMaximumOrAnEmptyRange() {
        addThree();
        assertEquals(List.of(), store.removeReason("a", Criteria.ALL.maxAdded(0)));
        assertEquals(List.of(), store.removeReason("a", Criteria.ALL.minAdded(3).maxAdded(2)));
        assertEquals(List.of(), store.removeReason("a", Criteria.ALL.olderThan(id("2 n 0")).youngerThan(id("2 n 0"))));
        checkBoth("1", "2", "3");
    }

    @Test
    void combinesEveryCriterion() {
        for (int i = 1; i <= 8; i++) {
            add(store, entry("t" + i, (100 - i) + " n 0", i, "a"));
        }
        // added 2..7 and created strictly between the ids of added 7 ("93 n 0") and added 3 ("97 n 0")
        Criteria c = Criteria.ALL.minAdded(2).maxAdded(7).youngerThan(id("93 n 0")).olderThan(id("97 n 0"));
        assertEquals(List.of("t4", "t5", "t6"), types(store.removeReason("a", c)));
        assertEquals(List.of(), store.removeReason("a", c.withId(id("98 n 0"))), "id outside the other criteria");
        assertEquals(List.of("t2"), types(store.removeReason("a", Criteria.id(id("98 n 0")).minAdded(2))));
        checkOrders(List.of("t8", "t7", "t3", "t1"), List.of("t1", "t3", "t7", "t8"));
    }

    @Test
    void removesReasonsById() {
        store.add(List.of(entry("1", "1 n 0", 1, "a"), entry("2", "2 n 0", 2, "a", "b"), entry("3", "3 n 0", 3, "a")));
        assertEquals(List.of("1"), types(store.removeReason("a", Criteria.id(id("1 n 0")))));
        assertEquals(List.of(), store.removeReason("b", Criteria.id(id("2 n 0"))));
        assertEquals(List.of(), store.removeReason("c", Criteria.id(id("3 n 0"))));
        assertEquals(List.of(), store.removeReason("a", Criteria.id(id("4 n 0"))));
        checkBoth("2", "3");
        assertEquals(List.of("a"), store.byId(id("2 n 0")).orElseThrow().meta().reasons());
        assertEquals(List.of("a"), store.byId(id("3 n 0")).orElseThrow().meta().reasons());
    }

    @Test
    void removedEntriesComeBackInAddedOrder() {
        store.add(List.of(entry("x", "5 n 0", 1, "a"), entry("y", "1 n 0", 1, "a"), entry("z", "3 n 0", 1, "a")));
        assertEquals(List.of("x", "y", "z"), types(store.removeReason("a", Criteria.ALL)));
    }

    @Test
    void lastAddedIsMonotonicAndNeverReused() throws Exception {
        store.add(List.of(entry("1", "1 n 0", 1, "a"), entry("2", "2 n 0", 2, "a"), entry("3", "3 n 0", 3, "a")));
        store.remove(id("3 n 0"));
        store.removeReason("a", Criteria.id(id("2 n 0")));
        assertEquals(3, store.lastAdded());
        store = reopen(store);
        assertEquals(3, store.lastAdded(), "after reopening too");
        assertEquals(4, add(store, entry("4", "4 n 0", 4, "a")).added());
        store.remove(id("4 n 0"));
        store.remove(id("1 n 0"));
        store = reopen(store);
        assertEquals(0, store.size());
        assertEquals(5, add(store, entry("5", "5 n 0", 5, "a")).added(), "an emptied log continues the numbering");
    }

    @Test
    void seenIdsOutliveCleaning() throws Exception {
        add(store, entry("1", "1 n 0", 1, "a"));
        store.removeReason("a", Criteria.ALL);
        assertFalse(store.has(id("1 n 0")));
        store = reopen(store);
        assertTrue(store.seen(id("1 n 0")));
        assertNull(add(store, entry("1", "1 n 0", 1, "a")), "a cleaned action that comes back is a duplicate");
        assertEquals(0, store.size());
    }

    @Test
    void enumeratesTheSeenIndexFromATimeOnIncludingCleanedAndReasonlessIdsAlsoAfterReopening() throws Exception {
        store.add(List.of(entry("kept", "10 n 0", 1, "a"), entry("cleaned", "20 n 0", 1, "a"),
            entry("reasonless", "30 n 0", 1), entry("late", "40 m 1", 1, "a")));
        store.remove(id("20 n 0"));
        java.util.Set<ActionId> all = new java.util.HashSet<>();
        store.forEachSeen(0, Long.MAX_VALUE, all::add);
        assertEquals(java.util.Set.of(id("10 n 0"), id("20 n 0"), id("30 n 0"), id("40 m 1")), all);
        store = reopen(store);
        java.util.Set<ActionId> recent = new java.util.HashSet<>();
        store.forEachSeen(20, 30, recent::add);
        assertEquals(java.util.Set.of(id("20 n 0"), id("30 n 0")), recent);
    }

    /** The gone marks of {@code s} with time parts in {@code [from, to]}, per peer; each mark is handed once. */
    protected static Map<String, java.util.Set<ActionId>> goneMarks(Store s, long from, long to) {
        Map<String, java.util.Set<ActionId>> marks = new java.util.HashMap<>();
        List<String> twice = new ArrayList<>();
        s.forEachGone(from, to, (peer, id) -> {
            if (!marks.computeIfAbsent(peer, p -> new java.util.HashSet<>()).add(id)) {
                twice.add(String.join(" ", peer, id.toString()));
            }
        });
        assertEquals(List.of(), twice, "marks handed twice");
        return marks;
    }

    @Test
    void goneMarksAreKeptPerPeerUntilDroppedOrForgotten() throws Exception {
        store.addGone("peer:a", List.of(id("10 n 0"), id("20 n 1"), id("30 n 2")));
        store.addGone("peer:a", List.of(id("10 n 0")));
        store.addGone("peer:b", List.of(id("20 n 1")));
        store.addGone("peer:c", List.of());
        store = reopen(store);
        assertEquals(Map.of("peer:a", java.util.Set.of(id("10 n 0"), id("20 n 1"), id("30 n 2")),
            "peer:b", java.util.Set.of(id("20 n 1"))), goneMarks(store, 0, Long.MAX_VALUE), "kept once each, per peer");
        assertEquals(Map.of("peer:a", java.util.Set.of(id("20 n 1")), "peer:b", java.util.Set.of(id("20 n 1"))),
            goneMarks(store, 15, 25), "by time part");
        assertFalse(store.seen(id("20 n 1")), "a mark is not a seen id");

        store.removeGone("peer:a", List.of(id("20 n 1"), id("99 n 9")));
        store.removeGone("peer:z", List.of(id("10 n 0")));
        assertEquals(1, store.removeGoneBefore("peer:a", 15));
        assertEquals(0, store.removeGoneBefore("peer:z", 15));
        assertEquals(Map.of("peer:a", java.util.Set.of(id("30 n 2")), "peer:b", java.util.Set.of(id("20 n 1"))),
            goneMarks(store, 0, Long.MAX_VALUE));
        store.forgetSeen(25);
        store = reopen(store);
        assertEquals(Map.of("peer:a", java.util.Set.of(id("30 n 2"))), goneMarks(store, 0, Long.MAX_VALUE),
            "forgotten with the seen ids below the cutoff");
        assertEquals(1, store.removeGoneBefore("peer:a", Long.MAX_VALUE));
        assertEquals(Map.of(), goneMarks(store, 0, Long.MAX_VALUE));
    }

    @Test
    void aForgetSweepForgetsGoneMarksBelowItsCutoff() throws Exception {
        store.add(List.of(entry("a", "5 n 0", 1)));
        store.addGone("peer:a", List.of(id("1 n 0"), id("2 n 0"), id("60 n 0")));
        store.addGone("peer:b", List.of(id("3 n 0")));
        ActionId after = null;
        do {
            after = store.forgetSeenBatch(50, after, 10).last();
        } while (after != null);
        store = reopen(store);
        assertEquals(Map.of("peer:a", java.util.Set.of(id("60 n 0"))), goneMarks(store, 0, Long.MAX_VALUE));
        assertFalse(store.seen(id("5 n 0")));
    }

    @Test
    void forgetsOnlyOldIdsThatAreNotInTheLog() throws Exception {
        store.add(List.of(entry("old-kept", "10 n 0", 1, "a"), entry("old-cleaned", "11 n 0", 1, "a"),
            entry("old-reasonless", "12 n 0", 1), entry("edge", "20 n 0", 1), entry("new", "30 n 0", 1)));
        store.remove(id("11 n 0"));
        assertEquals(2, store.forgetSeen(20));
        assertTrue(store.seen(id("10 n 0")), "still in the log");
        assertFalse(store.seen(id("11 n 0")));
        assertFalse(store.seen(id("12 n 0")));
        assertTrue(store.seen(id("20 n 0")), "not strictly below the horizon");
        assertTrue(store.seen(id("30 n 0")));
        assertEquals(0, store.forgetSeen(20));
        assertEquals(30, store.maxSeenMs());
        assertEquals(2, store.forgetSeen(Long.MAX_VALUE));
        store = reopen(store);
        assertEquals(30, store.maxSeenMs(), "forgetting never lowers the high-water mark");
        assertTrue(store.seen(id("10 n 0")));
        Meta back = add(store, entry("again", "11 n 0", 1, "a"));
        assertNotNull(back, "a forgotten id is accepted again");
        assertEquals(3, back.added(), "with a new added number");
    }

    @Test
    void tracksTheLargestSeenTimePart() {
        add(store, entry("1", "50 n 0", 1, "a"));
        add(store, entry("2", "70 m 3", 1));
        add(store, entry("3", "60 n 0", 1, "a"));
        assertEquals(70, store.maxSeenMs());
        store.removeReason("a", Criteria.ALL);
        assertEquals(70, store.maxSeenMs());
    }

    @Test
    void pagesThroughManyEntriesInBothOrders() {
        Random random = new Random(42);
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            String node = "n" + random.nextInt(5);
            batch.add(entry("t" + i, random.nextInt(200) + " " + node + " " + random.nextInt(15), i, "a"));
        }
        List<Meta> result = store.add(batch);
        List<Entry> accepted = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (result.get(i) != null) {
                accepted.add(batch.get(i).withMeta(result.get(i)));
            }
        }
        assertTrue(accepted.size() < batch.size(), "the random ids include duplicates");
        List<Entry> byId = new ArrayList<>(accepted);
        byId.sort((a, b) -> a.id().compareTo(b.id()));
        for (int pageSize : new int[] {7, 512}) {
            assertEquals(accepted, all(store, Order.ADDED, true, pageSize));
            assertEquals(reversed(accepted), all(store, Order.ADDED, false, pageSize));
            assertEquals(byId, all(store, Order.CREATED, true, pageSize));
            assertEquals(reversed(byId), all(store, Order.CREATED, false, pageSize));
        }
        assertEquals(accepted, store.withReason("a", 0, 10_000));
        assertEquals(accepted.size(), store.size());
    }

    // ---- identity, clock marks, quarantine (issue 10) ------------------------------------------------------

    @Test
    void hasAnEpochKeptAcrossReopeningAndNewForANewStore() throws Exception {
        String epoch = store.epoch();
        assertTrue(epoch.length() >= 16, epoch);
        assertEquals(Optional.of(epoch), store.state(Store.EPOCH_KEY));
        add(store, entry("a", "1 n 0", 1, "r"));
        store = reopen(store);
        assertEquals(epoch, store.epoch(), "the same log, the same epoch");
        Store other = newStoreBeside();
        try {
            assertFalse(epoch.equals(other.epoch()), "another store, another epoch");
        } finally {
            other.close();
        }
        assertThrows(IllegalArgumentException.class, () -> store.setState(Store.EPOCH_KEY, "mine"),
            "the epoch key is the store's");
        assertEquals(epoch, store.epoch());
    }

    /** A second, new store next to {@link #store} (not over the same storage). */
    protected Store newStoreBeside() throws Exception {
        return newStore();
    }

    @Test
    void tracksTheLargestTimePartPerNodeAcrossCleaningAndForgetting() throws Exception {
        store.add(List.of(entry("1", "50 me 0", 1, "a"), entry("2", "90 peer 0", 1), entry("3", "70 me 4", 1, "a"),
            entry("4", "60 me 9", 1, "a")));
        assertEquals(70, store.maxSeenMs("me"));
        assertEquals(90, store.maxSeenMs("peer"));
        assertEquals(0, store.maxSeenMs("nobody"));
        assertNull(add(store, entry("dup", "70 me 4", 1, "a")));
        store.removeReason("a", Criteria.ALL);
        store.forgetSeen(Long.MAX_VALUE);
        assertFalse(store.seen(id("70 me 4")));
        store = reopen(store);
        assertEquals(70, store.maxSeenMs("me"), "forgetting never lowers it");
        assertEquals(90, store.maxSeenMs("peer"));
        assertEquals(90, store.maxSeenMs());
    }

    @Test
    void keepsTheClockReservationAndNeverLowersIt() throws Exception {
        assertEquals(0, store.clockReservation());
        store.reserveClock(1_000);
        store.reserveClock(500);
        assertEquals(1_000, store.clockReservation());
        Store again = reopen(store);
        store = again;
        if (again.clockReservation() != 0) { // a store that keeps nothing across restarts need not keep it
            assertEquals(1_000, again.clockReservation());
        }
    }

    @Test
    void quarantineTakesAnEntryOutOfTheLogAndOutOfTheSeenIndex() throws Exception {
        store.add(List.of(entry("a", "1 n 0", 1, "r", "s"), entry("b", "2 n 0", 2, "r"), entry("c", "3 n 0", 3)));
        assertTrue(store.quarantine(id("2 n 0")));
        assertFalse(store.has(id("2 n 0")));
        assertFalse(store.seen(id("2 n 0")));
        checkBoth("a");
        assertEquals(List.of("a"), types(store.withReason("r", 0, 10)));
        assertEquals(2, store.lastAdded(), "added numbers are not reused");
        assertEquals(3, store.maxSeenMs(), "marks are not lowered");
        assertEquals(3, store.maxSeenMs("n"));

        assertTrue(store.quarantine(id("3 n 0")), "a seen id without an entry is forgotten");
        assertFalse(store.seen(id("3 n 0")));
        assertFalse(store.quarantine(id("9 n 0")), "nothing to take");

        store = reopen(store);
        assertFalse(store.seen(id("2 n 0")));
        Meta back = add(store, entry("b", "2 n 0", 2, "r"));
        assertNotNull(back, "a peer's copy is accepted again");
        assertEquals(3, back.added());
        checkOrders(List.of("a", "b"), List.of("a", "b"));
    }

    /**
     * {@link Store}, "Failures": a full store refuses a whole add (nothing of it written: no entry, no seen id, the
     * counters as before), refuses it again while full, answers reads and takes cursors and state meanwhile, and takes
     * the same add, exactly once, as soon as there is room, without reopening.
     */
    @Test
    void aFullStoreRefusesAWholeAddWritesNothingOfItAndTakesItOnceThereIsRoom() throws Exception {
        Entry probe = entry("probe", "1000000 p 0", 1_000_000, "keep");
        org.junit.jupiter.api.Assumptions.assumeTrue(fill(store, probe, "filler"),
            "this store cannot be made full in a test");
        long lastAdded = store.lastAdded();
        long size = store.size();
        long maxSeen = store.maxSeenMs();
        List<Entry> batch = List.of(entry("fresh", "999999 p 0", 999_999, "keep"), probe,
            entry("reasonless", "999998 p 0", 999_998));
        for (int attempt = 0; attempt < 2; attempt++) {
            assertThrows(dev.logmesh.StoreException.class, () -> store.add(batch));
            assertEquals(lastAdded, store.lastAdded(), "no added number taken");
            assertEquals(size, store.size());
            assertEquals(maxSeen, store.maxSeenMs(), "no time part seen");
            assertEquals(0, store.maxSeenMs("p"));
            for (Entry e : batch) {
                assertFalse(store.seen(e.id()), "not seen: " + e.id());
            }
        }
        store.setCursor("peer", new PeerCursor(1, 2)); // cursors and state are still taken
        store.setState("k", "v");
        assertEquals(size, all(store, Order.ADDED, true, 1000).size(), "reads go on");

        makeRoom(store, "filler");
        List<Meta> metas = store.add(batch);
        assertEquals(lastAdded + 1, metas.get(0).added());
        assertEquals(lastAdded + 2, metas.get(1).added());
        assertEquals(0, metas.get(2).added(), "reasonless: only seen");
        assertNull(add(store, probe), "once");
        assertEquals(List.of("fresh", "probe"), types(store.withReason("keep", 0, 10)));
        assertEquals(new PeerCursor(1, 2), store.cursor("peer"));
    }
}
