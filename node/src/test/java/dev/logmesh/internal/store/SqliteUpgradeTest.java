package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
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
}
