package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store file of schema 1 (before checksums) is upgraded at open, or read as it is by a reader. */
class SqliteUpgradeTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("log.db");
    }

    /** A schema 1 file as logmesh wrote it before issue 10: 30 entries of node "old:1", one far ahead. */
    private void writeVersion1() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode = WAL");
            c.setAutoCommit(false);
            st.execute("CREATE TABLE entries (added INTEGER PRIMARY KEY, ms INTEGER NOT NULL, node BLOB NOT NULL, "
                + "seq INTEGER NOT NULL, time INTEGER NOT NULL, subprotocol INTEGER NOT NULL, reasons TEXT NOT NULL, "
                + "extra TEXT, action TEXT NOT NULL)");
            st.execute("CREATE UNIQUE INDEX entries_created ON entries (ms, node, seq)");
            st.execute("CREATE TABLE seen (ms INTEGER NOT NULL, node BLOB NOT NULL, seq INTEGER NOT NULL, "
                + "PRIMARY KEY (ms, node, seq)) WITHOUT ROWID");
            st.execute("CREATE TABLE reasons (reason TEXT NOT NULL, added INTEGER NOT NULL, "
                + "PRIMARY KEY (reason, added)) WITHOUT ROWID");
            st.execute("CREATE TABLE cursors (peer TEXT PRIMARY KEY, received INTEGER NOT NULL, "
                + "sent INTEGER NOT NULL) WITHOUT ROWID");
            st.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
            st.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
            st.execute("PRAGMA application_id = " + SqliteStore.APPLICATION_ID);
            st.execute("PRAGMA user_version = 1");
            st.execute("INSERT INTO state VALUES ('nodeId', 'old:1')");
            try (PreparedStatement e = c.prepareStatement("INSERT INTO entries VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)");
                 PreparedStatement s = c.prepareStatement("INSERT INTO seen VALUES (?, ?, ?)");
                 PreparedStatement r = c.prepareStatement("INSERT INTO reasons VALUES ('keep', ?)")) {
                for (int i = 1; i <= 30; i++) {
                    long ms = i == 30 ? 9_000_000 : 1000 + i;
                    String node = i % 2 == 0 ? "old:1" : "peer:\u00fc";
                    e.setLong(1, i);
                    e.setLong(2, ms);
                    e.setBytes(3, node.getBytes(StandardCharsets.UTF_8));
                    e.setLong(4, 0);
                    e.setLong(5, ms);
                    e.setString(6, "[\"keep\"]");
                    e.setString(7, i == 5 ? "{\"x\":1}" : null);
                    e.setString(8, "{\"type\":\"t\",\"i\":" + i + "}");
                    e.executeUpdate();
                    s.setLong(1, ms);
                    s.setBytes(2, node.getBytes(StandardCharsets.UTF_8));
                    s.setLong(3, 0);
                    s.executeUpdate();
                    r.setLong(1, i);
                    r.executeUpdate();
                }
            }
            c.commit();
        }
    }

    @Test
    void aVersion1FileIsUpgradedAtOpenAndItsRowsAreCheckedFromThenOn() throws Exception {
        writeVersion1();
        List<Store.Corruption> reports = new ArrayList<>();
        try (SqliteStore store = SqliteStore.open(file())) {
            store.onCorrupt(reports::add);
            assertEquals(30, StoreContract.all(store, Order.CREATED, true, 7).size());
            assertEquals(30, store.lastAdded());
            assertEquals(9_000_000, store.maxSeenMs("old:1"), "nodes filled from seen");
            assertEquals(1029, store.maxSeenMs("peer:\u00fc"));
            assertTrue(store.epoch().length() >= 16, "an upgraded log gets an epoch");
            assertEquals(List.of(), reports);
            Log log = Log.open(store, "ignored", () -> 2_000, 60_000);
            assertEquals("old:1", log.nodeId());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                assertEquals(SqliteStore.SCHEMA_VERSION, rs.getInt(1));
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM entries WHERE crc IS NULL")) {
                assertEquals(0, rs.getInt(1), "every row has its checksum");
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM seen")) {
                assertEquals(0, rs.getInt(1), "seen keeps only ids that are not in the log: all 30 are");
            }
            st.execute("UPDATE entries SET action = '{\"type\":\"t\",\"i\":999}' WHERE added = 7");
        }
        try (SqliteStore store = SqliteStore.open(file())) {
            store.onCorrupt(reports::add);
            assertEquals(29, StoreContract.all(store, Order.ADDED, true, 100).size());
            assertEquals(1, reports.size(), "a row changed after the upgrade is caught");
            assertEquals(7, reports.get(0).added());
        }
    }

    /**
     * A version 1 row whose action does not parse gets no checksum at the upgrade (reads trust the text of a row
     * whose checksum matches, and do not parse it again): it is skipped, reported and quarantined at its first read,
     * and every other row reads as it was.
     */
    @Test
    void aVersion1RowWhoseActionDoesNotParseIsQuarantinedAfterTheUpgrade() throws Exception {
        writeVersion1();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("UPDATE entries SET action = '{\"type\":\"t\",\"i\":' WHERE added = 11");
        }
        List<Store.Corruption> reports = new ArrayList<>();
        try (SqliteStore store = SqliteStore.open(file())) {
            store.onCorrupt(reports::add);
            List<dev.logmesh.Entry> all = StoreContract.all(store, Order.ADDED, true, 100);
            assertEquals(29, all.size());
            for (dev.logmesh.Entry e : all) {
                assertEquals("t", e.action().type());
                assertEquals(e.meta().added(), e.action().get("i").asLong());
            }
            assertEquals(1, reports.size(), reports.toString());
            assertEquals(11, reports.get(0).added());
            assertFalse(store.seen(reports.get(0).id()), "quarantined: a peer's copy is taken again");
        }
    }

    /**
     * A schema 2 file written by main's code before schema 3 (a5347e4; the generator is next to it,
     * {@code Schema2Fixture.java.txt}): 102 ids added (one batch of 100 with a cursor, two single adds; 10 without
     * reasons), 31 entries removed since, so 61 in the log and 41 ids seen that are not in it.
     */
    private Path copyVersion2() throws Exception {
        try (var in = SqliteUpgradeTest.class.getResourceAsStream("schema2.db")) {
            java.nio.file.Files.copy(java.util.Objects.requireNonNull(in, "schema2.db"), file());
        }
        return file();
    }

    /** The 102 ids the schema 2 fixture's generator added. */
    private static List<ActionId> version2Ids() {
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(new ActionId(1000 + i, i % 2 == 0 ? "old:1" : "peer:\u00fc", 0));
        }
        ids.add(new ActionId(2000, "old:1", 3));
        ids.add(new ActionId(9_000_000, "peer:\u00fc", 1));
        return ids;
    }

    private static long count(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    @Test
    void aVersion2FileKeepsEveryEntryAndEverySeenIdAndSeenKeepsOnlyTheIdsThatLeftTheLog() throws Exception {
        copyVersion2();
        assertEquals(2, count(file(), "PRAGMA user_version"));
        assertEquals(102, count(file(), "SELECT count(*) FROM seen"));
        List<Store.Corruption> reports = new ArrayList<>();
        try (SqliteStore store = SqliteStore.open(file())) {
            store.onCorrupt(reports::add);
            assertEquals(61, store.size());
            assertEquals(61, StoreContract.all(store, Order.CREATED, true, 7).size());
            assertEquals(92, store.lastAdded());
            assertEquals(9_000_000, store.maxSeenMs());
            assertEquals(2000, store.maxSeenMs("old:1"));
            assertEquals(new dev.logmesh.spi.PeerCursor(50, 7), store.cursor("peer:\u00fc"));
            assertEquals(java.util.Map.of("peer:\u00fc", new dev.logmesh.spi.PeerCursor(50, 7)), store.cursors(),
                "the cursor moved into its node's row");
            Set<ActionId> forEach = new HashSet<>();
            store.forEachSeen(0, Long.MAX_VALUE, id -> assertTrue(forEach.add(id), "each id once: " + id));
            assertEquals(Set.copyOf(version2Ids()), forEach);
            for (ActionId id : version2Ids()) {
                assertTrue(store.seen(id), id.toString());
            }
            // none of them is taken again, whether in the log or not; a new id is
            List<Entry> again = new ArrayList<>();
            for (ActionId id : version2Ids()) {
                again.add(new Entry(Action.parse("{\"type\":\"t\"}"), Meta.of(id, id.ms(), List.of("a"))));
            }
            again.add(new Entry(Action.parse("{\"type\":\"t\"}"), Meta.of(new ActionId(9_000_001, "peer:\u00fc", 0),
                9_000_001, List.of("a"))));
            List<Meta> added = store.add(again);
            assertEquals(102, added.stream().filter(java.util.Objects::isNull).count(), "seen ids are not taken");
            assertEquals(93, added.get(102).added());
            assertEquals(List.of(), reports);
        }
        assertEquals(SqliteStore.SCHEMA_VERSION, count(file(), "PRAGMA user_version"));
        assertEquals(6, SqliteStore.SCHEMA_VERSION);
        assertEquals(0, count(file(), "SELECT count(*) FROM clients"), "a version 2 file gets client cursors too");
        assertEquals(41, count(file(), "SELECT count(*) FROM seen"), "seen keeps only the ids that left the log");
        assertEquals(0, count(file(), "SELECT count(*) FROM seen s JOIN entries e USING (ms, node, seq)"));
        assertEquals(0, count(file(), "SELECT count(*) FROM sqlite_master WHERE name = 'cursors'"),
            "cursors live in nodes");
        try (SqliteStore store = SqliteStore.open(file())) {
            assertEquals(41, store.forgetSeen(Long.MAX_VALUE), "what forgetSeen forgets: the ids not in the log");
            assertEquals(62, store.size());
            for (ActionId id : version2Ids()) {
                assertEquals(store.has(id), store.seen(id), id.toString());
            }
        }
    }

    /**
     * A schema 3 file written by main's code before client cursors (8e39a98; the generator is next to it,
     * {@code Schema3Fixture.java.txt}): 20 entries in one batch with a peer cursor. It is upgraded at open (the empty
     * table {@code clients}: no client has a record, so each starts from 0), keeps its entries and cursor, and keeps
     * client cursors from then on; a reader opens it as it is.
     */
    @Test
    void aVersion3FileGetsClientCursorsAndKeepsItsLog() throws Exception {
        try (var in = SqliteUpgradeTest.class.getResourceAsStream("schema3.db")) {
            java.nio.file.Files.copy(java.util.Objects.requireNonNull(in, "schema3.db"), file());
        }
        assertEquals(3, count(file(), "PRAGMA user_version"));
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            assertEquals(20, reader.size());
            assertEquals(java.util.OptionalLong.empty(), reader.clientCursor("alice:1"), "a reader of schema 3: none");
        }
        assertEquals(3, count(file(), "PRAGMA user_version"), "the reader wrote nothing");
        try (SqliteStore store = SqliteStore.open(file())) {
            assertEquals(20, store.size());
            assertEquals(20, store.lastAdded());
            assertEquals(new dev.logmesh.spi.PeerCursor(10, 12), store.cursor("peer:2"));
            assertEquals(java.util.OptionalLong.empty(), store.clientCursor("alice:1"));
            store.setClientCursors(java.util.Map.of("alice:1", 20L), 10);
        }
        assertEquals(SqliteStore.SCHEMA_VERSION, count(file(), "PRAGMA user_version"));
        try (SqliteStore store = SqliteStore.open(file())) {
            assertEquals(java.util.OptionalLong.of(20), store.clientCursor("alice:1"));
            assertEquals(StoreContract.all(store, Order.ADDED, true, 7).size(), 20);
        }
        // a backup of the file (copied while closed) holds the client cursors with the log it was taken with
        Path copy = dir.resolve("backup.db");
        java.nio.file.Files.copy(file(), copy);
        try (SqliteStore store = SqliteStore.open(file())) {
            store.setClientCursors(java.util.Map.of("alice:1", 25L), 10);
        }
        try (SqliteStore restored = SqliteStore.open(copy)) {
            assertEquals(java.util.OptionalLong.of(20), restored.clientCursor("alice:1"));
        }
    }

    /** The upgrade is one transaction: one that fails before its commit (a crash) leaves the version 2 file as it was. */
    @Test
    void aFailedUpgradeLeavesTheVersion2FileAsItWas() throws Exception {
        copyVersion2();
        openCrashingHalfwayThroughItsUpgrade(file());
        assertEquals(2, count(file(), "PRAGMA user_version"));
        assertEquals(102, count(file(), "SELECT count(*) FROM seen"));
        assertEquals(61, count(file(), "SELECT count(*) FROM entries"));
        try (SqliteStore store = SqliteStore.open(file())) {
            assertEquals(61, store.size());
            for (ActionId id : version2Ids()) {
                assertTrue(store.seen(id), id.toString());
            }
        }
        assertEquals(41, count(file(), "SELECT count(*) FROM seen"));
    }

    /** From version 1 too, both steps are one transaction: a crash before the commit leaves a version 1 file. */
    @Test
    void aFailedUpgradeLeavesTheVersion1FileAsItWas() throws Exception {
        writeVersion1();
        openCrashingHalfwayThroughItsUpgrade(file());
        assertEquals(1, count(file(), "PRAGMA user_version"));
        assertEquals(30, count(file(), "SELECT count(*) FROM seen"));
        assertEquals(0, count(file(), "SELECT count(*) FROM sqlite_master WHERE name IN ('nodes', 'quarantine')"));
        try (SqliteStore store = SqliteStore.open(file())) {
            assertEquals(30, store.size());
            assertEquals(9_000_000, store.maxSeenMs("old:1"));
        }
    }

    @Test
    void aReaderReadsAVersion2FileAsItIs() throws Exception {
        copyVersion2();
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            assertEquals(61, StoreContract.all(reader, Order.ADDED, true, 100).size());
            Set<ActionId> forEach = new HashSet<>();
            reader.forEachSeen(0, Long.MAX_VALUE, id -> assertTrue(forEach.add(id), "each id once: " + id));
            assertEquals(Set.copyOf(version2Ids()), forEach);
            for (ActionId id : version2Ids()) {
                assertTrue(reader.seen(id), id.toString());
            }
            assertEquals(java.util.Map.of("peer:\u00fc", new dev.logmesh.spi.PeerCursor(50, 7)), reader.cursors());
            assertEquals(2000, reader.maxSeenMs("old:1"));
        }
        assertEquals(2, count(file(), "PRAGMA user_version"), "a reader changes nothing");
    }

    @Test
    void aReaderReadsAVersion1FileAsItIs() throws Exception {
        writeVersion1();
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            assertEquals(30, StoreContract.all(reader, Order.ADDED, true, 100).size());
            assertEquals(9_000_000, reader.maxSeenMs("old:1"));
            assertEquals(1029, reader.maxSeenMs("peer:\u00fc"));
            assertEquals("", reader.epoch());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            assertEquals(1, rs.getInt(1), "a reader changes nothing");
        }
        assertFalse(java.nio.file.Files.exists(Path.of(file() + SqliteStore.CLOCK_FILE_SUFFIX)));
    }

    /**
     * Opens {@code file} with a fault that throws inside the upgrade's transaction, before its commit (a crash halfway),
     * and checks that the open failed with it. Shared by the upgrade tests of every schema step.
     */
    static void openCrashingHalfwayThroughItsUpgrade(Path file) {
        SqliteStore.upgradeFault = () -> {
            throw new IllegalStateException("crash halfway");
        };
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SqliteStore.open(file));
            assertEquals("crash halfway", e.getMessage());
        } finally {
            SqliteStore.upgradeFault = null;
        }
    }
}
