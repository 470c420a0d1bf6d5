package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.NodeConfig;
import dev.logmesh.StoreInUseException;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.testkit.StoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema 6: the node's own keep reason ({@link SqliteStore#IMPLICIT_REASON}, {@code mesh}) has no rows in table
 * {@code reasons}; each entry's {@code reasons} column says whether it has it. Before (schema 5) every entry with it
 * had a row there too: one WAL page more per one-entry commit and about a quarter of the write-behind thread's CPU in
 * the SQLite bulk (docs/performance.md, sessions 46 and 48); these tests failed then with "the keep reason has reasons
 * rows ==> expected: &lt;0&gt; but was: &lt;N&gt;".
 */
class SqliteImplicitReasonTest {
    private static final String MESH = SqliteStore.IMPLICIT_REASON;
    /** Reason lists, in turn: with the implicit reason, without, and reasons that hold its text but are not it. */
    private static final List<List<String>> MIXES = List.of(List.of(MESH), List.of("app"), List.of("a\"mesh"),
        List.of(MESH, "zz"), List.of("app", MESH), List.of("mesh\"", "meshy"), List.of("\"mesh\""));

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("log.db");
    }

    private static Entry e(long ms, String node, long seq, List<String> reasons) {
        return new Entry(Action.parse("{\"type\":\"t\",\"ms\":" + ms + ",\"seq\":" + seq + "}"),
            Meta.of(new ActionId(ms, node, seq), ms, reasons));
    }

    private static long query(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    private static long meshRows(Path file) throws Exception {
        return query(file, "SELECT count(*) FROM reasons WHERE reason = 'mesh'");
    }

    /** Table {@code reasons} as rows "reason added", sorted. */
    private static SortedSet<String> reasonRows(Path file) throws Exception {
        TreeSet<String> rows = new TreeSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT reason, added FROM reasons")) {
            while (rs.next()) {
                assertTrue(rows.add(rs.getString(1) + " " + rs.getLong(2)), "a row twice");
            }
        }
        return rows;
    }

    /** The rows schema 5 keeps for these entries: one per reason of each. */
    private static SortedSet<String> schema5Rows(List<Entry> entries) {
        TreeSet<String> rows = new TreeSet<>();
        for (Entry e : entries) {
            for (String r : e.meta().reasons()) {
                rows.add(r + " " + e.meta().added());
            }
        }
        return rows;
    }

    private static List<Entry> withReason(SqliteStore s, String reason, int pageSize) {
        List<Entry> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<Entry> page = s.withReason(reason, after, pageSize);
            assertTrue(page.size() <= pageSize, "page larger than its limit");
            out.addAll(page);
            if (page.size() < pageSize) {
                return out;
            }
            after = page.get(page.size() - 1).meta().added();
        }
    }

    private static List<Entry> having(List<Entry> all, String reason) {
        return all.stream().filter(e -> e.meta().reasons().contains(reason)).toList();
    }

    @Test
    void theImplicitReasonIsTheNodesDefaultKeepReason() {
        assertEquals(NodeConfig.DEFAULT_KEEP_REASON, MESH);
    }

    @Test
    void oneEntryCommitsWriteNoRowsOfTheImplicitReason() throws Exception {
        try (SqliteStore s = SqliteStore.open(file())) {
            for (int i = 0; i < 30; i++) {
                s.add(List.of(e(1000 + i, "n:1", 0, i % 2 == 0 ? List.of(MESH) : List.of("app", MESH))));
            }
            assertEquals(30, withReason(s, MESH, 7).size());
        }
        assertEquals(0, meshRows(file()), "the keep reason has reasons rows");
        assertEquals(15, query(file(), "SELECT count(*) FROM reasons WHERE reason = 'app'"));
    }

    @Test
    void batchesWriteNoRowsOfTheImplicitReasonSharedOrNot() throws Exception {
        List<Entry> all;
        try (SqliteStore s = SqliteStore.open(file())) {
            // one reason list for the whole batch (its reasons as one INSERT ... SELECT each), written behind
            List<Entry> shared = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                shared.add(e(1000 + i, "peer:2", 0, List.of("bench", MESH)));
            }
            s.add(shared, Map.of("peer:2", new PeerCursor(200, 0)));
            // a small one with shared reasons (on the caller's thread), and mixed reasons (a row per reason)
            List<Entry> small = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                small.add(e(2000 + i, "peer:2", 0, List.of(MESH)));
            }
            s.add(small);
            List<Entry> mixed = new ArrayList<>();
            for (int i = 0; i < 140; i++) {
                mixed.add(e(3000 + i, "peer:3", 0, MIXES.get(i % MIXES.size())));
            }
            s.add(mixed);
            all = StoreContract.all(s, Order.ADDED, true, 1000);
            assertEquals(360, all.size());
            assertEquals(having(all, MESH), withReason(s, MESH, 1000));
            assertEquals(having(all, "bench"), withReason(s, "bench", 1000));
        }
        assertEquals(0, meshRows(file()), "the keep reason has reasons rows");
        SortedSet<String> expected = schema5Rows(all);
        expected.removeIf(r -> r.startsWith(MESH + " "));
        assertEquals(expected, reasonRows(file()), "every other reason keeps its rows");
    }

    @Test
    void changeMetaGainingOrLosingTheImplicitReasonWritesNoRows() throws Exception {
        ActionId id = new ActionId(1000, "n:1", 0);
        long added;
        try (SqliteStore s = SqliteStore.open(file())) {
            s.add(List.of(e(1000, "n:1", 0, List.of("app"))));
            Meta meta = s.byId(id).orElseThrow().meta();
            added = meta.added();
            assertTrue(s.changeMeta(id, meta.withReasons(List.of("app", MESH))));
            assertEquals(0, meshRows(file()), "the keep reason has reasons rows");
            assertEquals(List.of(id), withReason(s, MESH, 5).stream().map(Entry::id).toList());
            assertTrue(s.changeMeta(id, meta.withReasons(List.of(MESH))));
            assertEquals(List.of(), s.withReason("app", 0, 5));
            assertEquals(List.of(id), withReason(s, MESH, 5).stream().map(Entry::id).toList());
            assertTrue(s.changeMeta(id, meta.withReasons(List.of("zz"))));
            assertEquals(List.of(), s.withReason(MESH, 0, 5));
            assertEquals(List.of(id), s.withReason("zz", 0, 5).stream().map(Entry::id).toList());
        }
        assertEquals(0, meshRows(file()));
        assertEquals(new TreeSet<>(List.of("zz " + added)), reasonRows(file()));
    }

    /** 2,100 entries of the mixes; every page size finds exactly those with the reason, in added order. */
    @Test
    void withReasonPagesThroughEveryEntryWithIt() {
        try (SqliteStore s = SqliteStore.open(file())) {
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < 2100; i++) {
                batch.add(e(1000 + i, "n:" + i % 3, i, MIXES.get(i / 50 % MIXES.size())));
                if (batch.size() == 300) {
                    s.add(batch);
                    batch = new ArrayList<>();
                }
            }
            List<Entry> all = StoreContract.all(s, Order.ADDED, true, 1000);
            List<Entry> expected = having(all, MESH);
            assertEquals(900, expected.size());
            for (int size : new int[] {1, 7, 49, 50, 51, 1000, 5000}) {
                assertEquals(expected, withReason(s, MESH, size), "pages of " + size);
            }
            // from the middle of a run of entries without it
            long after = all.get(75).meta().added();
            assertEquals(expected.stream().filter(x -> x.meta().added() > after).limit(3).toList(),
                s.withReason(MESH, after, 3));
            assertEquals(having(all, "a\"mesh"), withReason(s, "a\"mesh", 64));
            assertEquals(having(all, "\"mesh\""), withReason(s, "\"mesh\"", 64));
        }
    }

    /** removeReason of the implicit reason by added range (keepLast's), created order (retention's) and by id. */
    @Test
    void removeReasonOfTheImplicitReasonEachWay() throws Exception {
        List<Entry> all;
        List<Entry> removed = new ArrayList<>();
        try (SqliteStore s = SqliteStore.open(file())) {
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < 280; i++) {
                batch.add(e(1000 + i, "n:1", 0, MIXES.get(i % MIXES.size())));
            }
            s.add(batch);
            all = StoreContract.all(s, Order.ADDED, true, 1000);
            long first = all.get(0).meta().added();
            // by added range: the first 70
            Predicate<Entry> range = x -> x.meta().added() < first + 70;
            checkRemoval(s, all, range, new Criteria(null, null, null, first, first + 69), removed);
            // by created order: older than 1140 and younger than 1100
            Predicate<Entry> created = x -> x.id().ms() > 1100 && x.id().ms() < 1140;
            checkRemoval(s, all, range.or(created), Criteria.ALL.olderThan(new ActionId(1140, "n:1", 0))
                .youngerThan(new ActionId(1100, "n:1", 0)), removed);
            // retention's sweep: everything older than 1200
            Predicate<Entry> older = x -> x.id().ms() < 1200;
            checkRemoval(s, all, range.or(created).or(older), Criteria.ALL.olderThan(new ActionId(1200, "n:1", 0)),
                removed);
            // by id: one with it alone, one with another reason, one with a look-alike (left as it is)
            Entry only = all.get(210); // i % 7 == 0: [mesh]
            Entry two = all.get(213); // [mesh, zz]
            Entry alike = all.get(212); // [a"mesh]
            assertEquals(List.of(only), s.removeReason(MESH, Criteria.id(only.id())));
            removed.add(only);
            assertEquals(List.of(), s.removeReason(MESH, Criteria.id(two.id())));
            assertEquals(List.of("zz"), s.byId(two.id()).orElseThrow().meta().reasons());
            assertEquals(List.of(), s.removeReason(MESH, Criteria.id(alike.id())));
            assertEquals(alike, s.byId(alike.id()).orElseThrow());
            assertFalse(s.has(only.id()));
            for (Entry x : removed) {
                assertTrue(s.seen(x.id()), "a cleaned id stays seen: " + x.id());
                assertFalse(s.has(x.id()));
            }
            assertEquals(0, meshRows(file()));
            List<Entry> left = StoreContract.all(s, Order.ADDED, true, 1000);
            assertEquals(all.size() - removed.size(), left.size());
            assertEquals(having(left, MESH), withReason(s, MESH, 10));
            assertEquals(schema5Rows(left).stream().filter(r -> !r.startsWith(MESH + " ")).toList(),
                List.copyOf(reasonRows(file())));
        }
        try (SqliteStore s = SqliteStore.open(file())) {
            for (Entry x : removed) {
                assertTrue(s.seen(x.id()), "after a reopen too: " + x.id());
            }
        }
    }

    /**
     * Takes the implicit reason off the entries that have it and match {@code matches} (those matched before lost it
     * already): those with no other reason are removed (returned, and added to {@code removed}), the others keep the
     * rest, and no other entry changes.
     */
    private static void checkRemoval(SqliteStore s, List<Entry> all, Predicate<Entry> matches, Criteria criteria,
                                     List<Entry> removed) {
        List<Entry> before = StoreContract.all(s, Order.ADDED, true, 1000);
        List<Entry> gone = s.removeReason(MESH, criteria);
        List<Entry> expectGone = before.stream()
            .filter(x -> matches.test(x) && x.meta().reasons().equals(List.of(MESH))).toList();
        assertEquals(expectGone, gone);
        removed.addAll(gone);
        for (Entry x : before) {
            if (gone.contains(x)) {
                continue;
            }
            Entry now = s.byId(x.id()).orElseThrow();
            List<String> rest = new ArrayList<>(x.meta().reasons());
            if (matches.test(x)) {
                rest.remove(MESH);
            }
            assertEquals(rest, now.meta().reasons(), x.id().toString());
        }
        assertTrue(all.containsAll(gone));
    }

    /**
     * The implicit reason's queries read ranges: a created-order range by its index (the retention sweep's batches,
     * which ask for the oldest entries; without the hint SQLite read the whole table for each), an {@code added}
     * range by the table's key.
     */
    @Test
    void theImplicitReasonsQueriesReadRanges() throws Exception {
        try (SqliteStore s = SqliteStore.open(file())) {
            s.add(List.of(e(1000, "n:1", 0, List.of(MESH))));
        }
        String cols = "SELECT e.added FROM entries e";
        String where = " WHERE e.added >= 0 AND e.added <= 99 AND instr(e.reasons, '\"mesh\"') > 0";
        assertTrue(plan(cols + " INDEXED BY entries_created" + where + " AND (e.ms, e.node, e.seq) < (5, x'00', 0) "
            + "ORDER BY e.added").contains("USING INDEX entries_created ((ms,node,seq)<"));
        assertTrue(plan(cols + where + " ORDER BY e.added").contains("USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
        assertTrue(plan(cols + " WHERE e.added > 0 AND instr(e.reasons, '\"mesh\"') > 0 ORDER BY e.added LIMIT 5")
            .contains("USING INTEGER PRIMARY KEY (rowid>?)"));
    }

    private String plan(String sql) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
            while (rs.next()) {
                sb.append(rs.getString(4)).append('\n');
            }
        }
        return sb.toString();
    }

    // ---- a real schema 5 file --------------------------------------------------------------------------------

    /**
     * A schema 5 file written by main's code before schema 6 (28c37099; the generator is next to it,
     * {@code Schema5Fixture.java.txt}): 105 entries of 5 reason mixes added one by one and in batches (shared reasons
     * and mixed), one added without reasons, two changeMetas, 4 entries cleaned by id and by added range: 101 left.
     */
    private void copySchema5() throws Exception {
        try (var in = SqliteImplicitReasonTest.class.getResourceAsStream("schema5.db")) {
            Files.copy(Objects.requireNonNull(in, "schema5.db"), file());
        }
        assertEquals(5, query(file(), "PRAGMA user_version"));
    }

    /** The fixture's ids: in its log, and cleaned or added without reasons (seen only). */
    private static List<ActionId> fixtureSeenOnly() {
        List<ActionId> ids = new ArrayList<>();
        ids.add(new ActionId(2005, "old:1", 0));
        ids.add(new ActionId(2006, "old:1", 0));
        ids.add(new ActionId(3000, "peer:2", 0));
        ids.add(new ActionId(3005, "peer:2", 5));
        ids.add(new ActionId(4000, "peer:2", 0));
        return ids;
    }

    @Test
    void aRealSchema5FileIsReadAsItIsThenUpgradedWithEveryEntryReasonAndSeenId() throws Exception {
        copySchema5();
        SortedSet<String> rows5 = reasonRows(file());
        List<Entry> entries;
        Map<String, List<Entry>> byReason = new java.util.HashMap<>();
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            entries = StoreContract.all(reader, Order.ADDED, true, 1000);
            assertEquals(rows5, schema5Rows(entries), "the fixture's rows are its entries' reasons");
            assertEquals(101, entries.size());
            for (String r : List.of(MESH, "app", "a\"mesh", "zz")) {
                List<Entry> with = withReason(reader, r, 7);
                assertEquals(having(entries, r), with, r);
                byReason.put(r, with);
            }
            assertTrue(byReason.get(MESH).size() > 40, "with mesh: " + byReason.get(MESH).size());
            for (ActionId id : fixtureSeenOnly()) {
                assertTrue(reader.seen(id) && !reader.has(id), id.toString());
            }
        }
        assertEquals(5, query(file(), "PRAGMA user_version"), "a reader changes nothing");
        assertEquals(rows5, reasonRows(file()));
        try (SqliteStore s = SqliteStore.open(file())) {
            assertEquals(entries, StoreContract.all(s, Order.ADDED, true, 1000));
            assertEquals(101, StoreContract.all(s, Order.CREATED, true, 1000).size());
            for (Map.Entry<String, List<Entry>> r : byReason.entrySet()) {
                assertEquals(r.getValue(), withReason(s, r.getKey(), 3), r.getKey());
            }
            for (Entry x : entries) {
                assertTrue(s.seen(x.id()), x.id().toString());
            }
            for (ActionId id : fixtureSeenOnly()) {
                assertTrue(s.seen(id) && !s.has(id), id.toString());
            }
            assertEquals(new PeerCursor(80, 12), s.cursor("peer:2"));
            assertEquals(java.util.Optional.of("old:1"), s.state("nodeId"));
            assertFalse(s.epoch().isEmpty());
        }
        assertEquals(SqliteStore.SCHEMA_VERSION, query(file(), "PRAGMA user_version"));
        assertEquals(0, meshRows(file()), "the upgrade dropped the keep reason's rows");
        SortedSet<String> others = new TreeSet<>(rows5);
        others.removeIf(r -> r.startsWith(MESH + " "));
        assertEquals(others, reasonRows(file()), "and kept every other row");
    }

    /** The upgrade is one transaction: one that fails before its commit leaves the schema 5 file as it was. */
    @Test
    void aFailedUpgradeLeavesTheSchema5FileAsItWas() throws Exception {
        copySchema5();
        SortedSet<String> rows5 = reasonRows(file());
        SqliteUpgradeTest.openCrashingHalfwayThroughItsUpgrade(file());
        assertEquals(5, query(file(), "PRAGMA user_version"));
        assertEquals(rows5, reasonRows(file()));
    }

    // ---- the downgrade ---------------------------------------------------------------------------------------

    /**
     * A schema 6 file goes back to schema 5 with table {@code reasons} exactly as schema 5 keeps it: the fixture's
     * own rows, byte for byte as main's code wrote them, and for what schema 6 wrote since (adds, a changeMeta, a
     * removal), one row per reason of each entry; a schema 5 reader then finds every entry and reason as before.
     */
    @Test
    void aDowngradeWritesTheSchema5RowsBackExactly() throws Exception {
        copySchema5();
        SortedSet<String> rows5 = reasonRows(file());
        try (SqliteStore s = SqliteStore.open(file())) {
            assertEquals(101, s.size());
            assertEquals(0, meshRows(file()));
        }
        SqliteStore.Downgrade d = SqliteStore.downgrade(file());
        assertTrue(d.changed());
        assertEquals(6, d.from());
        assertEquals(rows5.stream().filter(r -> r.startsWith(MESH + " ")).count(), d.rows());
        assertEquals(5, query(file(), "PRAGMA user_version"));
        assertEquals(rows5, reasonRows(file()), "the fixture's rows, as main's code wrote them");
        assertEquals("ok", queryText(file(), "PRAGMA integrity_check"));

        // schema 6 again, and writes of its own
        List<Entry> all;
        try (SqliteStore s = SqliteStore.open(file())) {
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(e(5000 + i, "peer:3", 0, MIXES.get(i % MIXES.size())));
            }
            s.add(batch);
            s.add(List.of(e(6000, "old:1", 0, List.of(MESH))));
            ActionId changed = new ActionId(1001, "peer:2", 0);
            s.changeMeta(changed, s.byId(changed).orElseThrow().meta().withReasons(List.of(MESH, "x")));
            s.removeReason(MESH, Criteria.ALL.olderThan(new ActionId(2010, "old:1", 0)));
            all = StoreContract.all(s, Order.ADDED, true, 1000);
        }
        assertEquals(0, meshRows(file()));
        SqliteStore.Downgrade again = SqliteStore.downgrade(file());
        assertEquals(having(all, MESH).size(), again.rows());
        assertEquals(5, query(file(), "PRAGMA user_version"));
        assertEquals(schema5Rows(all), reasonRows(file()), "one row per reason of each entry, as schema 5 keeps them");
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            assertEquals(all, StoreContract.all(reader, Order.ADDED, true, 1000));
            assertEquals(having(all, MESH), withReason(reader, MESH, 9));
            assertEquals(having(all, "x"), withReason(reader, "x", 9));
        }
        // a file at schema 5 is left as it is
        byte[] bytes = Files.readAllBytes(file());
        SqliteStore.Downgrade none = SqliteStore.downgrade(file());
        assertFalse(none.changed());
        assertEquals(5, none.from());
        assertEquals(0, none.rows());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(file())), "not written");
    }

    @Test
    void aDowngradeIsRefusedWhileTheStoreIsOpenAndChangesNothing() throws Exception {
        try (SqliteStore s = SqliteStore.open(file())) {
            s.add(List.of(e(1000, "n:1", 0, List.of(MESH))));
            StoreInUseException e = assertThrows(StoreInUseException.class, () -> SqliteStore.downgrade(file()));
            assertTrue(e.getMessage().contains("is in use"), e.getMessage());
        }
        assertEquals(SqliteStore.SCHEMA_VERSION, query(file(), "PRAGMA user_version"));
        assertEquals(0, meshRows(file()));
    }

    @Test
    void aDowngradeOfANewerOrMissingFileIsRefused() throws Exception {
        assertTrue(assertThrows(dev.logmesh.StoreException.class, () -> SqliteStore.downgrade(file())).getMessage()
            .startsWith("no logmesh store at "));
        try (SqliteStore s = SqliteStore.open(file())) {
            s.add(List.of(e(1000, "n:1", 0, List.of(MESH))));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 7");
        }
        assertEquals(file() + " was written by a newer logmesh (schema 7), this one reads up to 6",
            assertThrows(dev.logmesh.StoreException.class, () -> SqliteStore.downgrade(file())).getMessage());
    }

    private static String queryText(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.getString(1);
        }
    }
}
