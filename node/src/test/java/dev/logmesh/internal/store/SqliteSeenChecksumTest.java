package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte of a {@code seen} row (the id of a cleaned action) changed on disk (break37's reproduction, here on the
 * store): no page structure breaks and the row's key still sorts in its place, so neither {@code integrity_check} nor
 * any entry's checksum sees it. Before, the id was no longer seen and a peer's copy of the cleaned action was stored
 * and given to the application again.
 */
class SqliteSeenChecksumTest {
    static final int ROWS = 40;
    static final int CLEANED = 17;
    /** The rows cleaned, {@link #CLEANED} among them: a few ids in {@code seen}, so that one can be out of order. */
    static final int FIRST_CLEANED = 12;
    static final int LAST_CLEANED = 22;
    static final int LEFT = ROWS - (LAST_CLEANED - FIRST_CLEANED + 1);

    @TempDir
    Path dir;

    SqliteStore store;

    Path file() {
        return dir.resolve("log.db");
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    /** {@link SqliteDamagedIndexTest#idOf}: ids two ms apart, so one ms more is no other row's and sorts in place. */
    static ActionId idOf(int i) {
        return SqliteDamagedIndexTest.idOf(i);
    }

    static Entry row(int i) {
        return SqliteDamagedIndexTest.row(i);
    }

    /**
     * A log of {@link #ROWS} entries of which a few, {@link #CLEANED} among them, were cleaned (their ids now in
     * {@code seen} alone).
     */
    void fillAndClean() {
        store = SqliteStore.open(file());
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            batch.add(row(i));
        }
        store.add(batch);
        for (int i = FIRST_CLEANED; i <= LAST_CLEANED; i++) {
            assertEquals(1, store.removeReason("keep", Criteria.id(idOf(i))).size());
        }
        assertTrue(store.seen(idOf(CLEANED)));
        store.close();
        store = null;
    }

    /** Where the cleaned id's key ({@code ms}: 6 bytes big-endian, then the node key) is on {@code seen}'s root. */
    static int seenKeyAt(Path file, byte[] data) throws Exception {
        int pageSize = Short.toUnsignedInt(ByteBuffer.wrap(data, 16, 2).getShort());
        int root = (int) query(file, "SELECT rootpage FROM sqlite_master WHERE name = 'seen'");
        byte[] ms = ByteBuffer.allocate(8).putLong(idOf(CLEANED).ms()).array();
        byte[] node = NodeKey.encode(idOf(CLEANED).node());
        byte[] pattern = new byte[6 + node.length];
        System.arraycopy(ms, 2, pattern, 0, 6);
        System.arraycopy(node, 0, pattern, 6, node.length);
        int from = (root - 1) * pageSize;
        assertEquals(10, data[from], "seen's root is an index leaf (a WITHOUT ROWID table's one page)");
        for (int at = from; at + pattern.length <= from + pageSize; at++) {
            if (Arrays.equals(data, at, at + pattern.length, pattern, 0, pattern.length)) {
                return at;
            }
        }
        throw new AssertionError("the cleaned id's key on seen's page");
    }

    static long query(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String pragma(Path file, String pragma) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA " + pragma)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Adds {@code delta} to the byte {@code offset} after the start of the cleaned id's key in {@code seen}. */
    void damageSeenKey(int offset, int delta) throws Exception {
        byte[] data = Files.readAllBytes(file());
        data[seenKeyAt(file(), data) + offset] += (byte) delta;
        Files.write(file(), data);
    }

    /** A peer's copy of the cleaned action is not taken again: the store says it was seen and stores nothing. */
    void cleanedActionStaysCleaned() {
        assertTrue(store.seen(idOf(CLEANED)), "the cleaned id is seen");
        assertEquals(Arrays.asList((Meta) null), store.add(List.of(row(CLEANED))), "a peer's copy is not taken again");
        assertEquals(LEFT, store.size());
        assertFalse(store.has(idOf(CLEANED)));
        for (int i = FIRST_CLEANED; i <= LAST_CLEANED; i++) {
            assertTrue(store.seen(idOf(i)), "cleaned id " + i + " is seen");
        }
    }

    /**
     * The scrub of the seen index ({@code scrubSeen}) on an open store: steps of {@code limit} rows in key order to
     * {@code DONE}; a row changed under the open store (one byte: repaired; two: set aside) is handled as the open
     * handles it. Before (session 41) nothing looked at {@code seen} between opens.
     */
    @Test
    void theScrubOfTheSeenIndexRepairsOrSetsAsideRowsChangedWhileTheStoreIsOpen() throws Exception {
        fillAndClean();
        store = SqliteStore.open(file());
        int seen = LAST_CLEANED - FIRST_CLEANED + 1;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            assertEquals(1, st.executeUpdate("UPDATE seen SET ms = ms + 1 WHERE ms = " + idOf(CLEANED).ms()));
            assertEquals(1, st.executeUpdate("UPDATE seen SET ms = ms + 1, seq = seq + 7 WHERE ms = "
                + idOf(FIRST_CLEANED).ms()));
        }
        store.setState("test", "x"); // a commit: the store's next snapshot holds the changes
        assertFalse(store.seen(idOf(CLEANED)), "changed under the store");
        int calls = 1;
        assertEquals(dev.logmesh.spi.Store.ScrubStep.MORE, store.scrubSeen(true, 4));
        while (store.scrubSeen(false, 4) == dev.logmesh.spi.Store.ScrubStep.MORE) {
            calls++;
        }
        calls++;
        assertEquals(11, seen);
        assertEquals(3, calls, "11 rows in steps of 4: 4, 4, 3 (DONE)");
        assertTrue(store.seen(idOf(CLEANED)), "one byte changed: repaired");
        assertEquals(Arrays.asList((Meta) null), store.add(List.of(row(CLEANED))), "a peer's copy is not taken again");
        for (int i = FIRST_CLEANED + 1; i <= LAST_CLEANED; i++) {
            assertTrue(store.seen(idOf(i)), "cleaned id " + i + " is seen");
        }
        assertFalse(store.seen(idOf(FIRST_CLEANED)), "two bytes changed: no repair");
        assertEquals(1, query(file(), "SELECT count(*) FROM quarantine_seen"), "set aside as found");
        assertEquals(dev.logmesh.spi.Store.ScrubStep.MORE, store.scrubSeen(true, 4), "a new pass from the start");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> store.scrubSeen(true, 0)).getMessage()
            .contains("limit"));
    }

    @Test
    void aFlippedByteInACleanedIdIsRepairedAtOpenAndItsActionIsNotTakenAgain() throws Exception {
        fillAndClean();
        damageSeenKey(5, 1); // the last byte of ms: one ms later, still in its place
        assertEquals("ok", pragma(file(), "integrity_check"), "no check of SQLite's sees it");

        store = SqliteStore.open(file());
        cleanedActionStaysCleaned();
        assertFalse(store.seen(new ActionId(idOf(CLEANED).ms() + 1, idOf(CLEANED).node(), 0)),
            "the damaged id is none");
    }

    @Test
    void aFlippedByteInTheNodeOfACleanedIdIsRepairedAtOpen() throws Exception {
        fillAndClean();
        damageSeenKey(6 + 3, 1); // a byte of the node key: ms alone still orders the row among the others
        store = SqliteStore.open(file());
        cleanedActionStaysCleaned();
    }

    /**
     * A high byte of the cleaned id's {@code ms}: the key no longer sorts in its place, which {@code integrity_check}
     * says ("row not in PRIMARY KEY order for seen") and {@code REINDEX} cannot mend (the table is its own index).
     * Before, the store was refused as corrupt, and the way out it gave, a new log, forgets every cleaned id.
     */
    @Test
    void aCleanedIdChangedOutOfItsPlaceIsRepairedAtOpen() throws Exception {
        fillAndClean();
        damageSeenKey(2, 0x40);
        assertTrue(pragma(file(), "integrity_check").contains("seen"), pragma(file(), "integrity_check"));

        store = SqliteStore.open(file());
        cleanedActionStaysCleaned();
        store.close();
        store = null;
        assertEquals("ok", pragma(file(), "integrity_check"));
    }

    @Test
    void aFlippedByteInTheChecksumOfASeenRowIsRepairedAtOpen() throws Exception {
        fillAndClean();
        byte[] data = Files.readAllBytes(file());
        int key = seenKeyAt(file(), data);
        // the record: ms (6 bytes), node, seq (0: no byte), crc (6 bytes: a value up to 2^32)
        data[key + 6 + NodeKey.encode(idOf(CLEANED).node()).length + 3] ^= 0x10;
        Files.write(file(), data);
        // said as what it is: before (verify38), "a seen id ... was damaged ... and is repaired from its checksum"
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs the test kit's SLF4J provider (node's surefire configuration)");
        try (dev.logmesh.testkit.CapturedLogs.Tally said = dev.logmesh.testkit.CapturedLogs.tally(
                 org.slf4j.event.Level.WARN, "the checksum of a seen id", "the id is whole");
             dev.logmesh.testkit.CapturedLogs.Tally wrong = dev.logmesh.testkit.CapturedLogs.tally(
                 org.slf4j.event.Level.WARN, "and is repaired from its checksum")) {
            store = SqliteStore.open(file());
            assertEquals(1, said.count());
            assertEquals(0, wrong.count());
        }
        cleanedActionStaysCleaned();
        store.close();
        store = null;
        assertEquals(0, query(file(), "SELECT count(*) FROM quarantine_seen"));
        store = SqliteStore.open(file()); // whole again: nothing more to repair
        cleanedActionStaysCleaned();
    }

    /**
     * Two bytes changed: no change of one byte makes the row whole, so it is set aside, as found, and said; the store
     * opens (a node must not be kept from its mesh by one damaged id: the WARN says what may come back).
     */
    @Test
    void aSeenRowDamagedBeyondRepairIsSetAsideAndTheStoreOpens() throws Exception {
        fillAndClean();
        byte[] data = Files.readAllBytes(file());
        int key = seenKeyAt(file(), data);
        data[key + 5]++;
        data[key + 6 + 2]++;
        Files.write(file(), data);
        store = SqliteStore.open(file());
        assertFalse(store.seen(idOf(CLEANED)), "its id is lost");
        assertTrue(store.seen(idOf(CLEANED + 1)), "the others are seen");
        assertEquals(LEFT, store.size());
        store.close();
        store = null;
        assertEquals(1, query(file(), "SELECT count(*) FROM quarantine_seen"));
        assertEquals(idOf(CLEANED).ms() + 1, query(file(), "SELECT ms FROM quarantine_seen"), "kept as found");
        assertEquals(LAST_CLEANED - FIRST_CLEANED, query(file(), "SELECT count(*) FROM seen"));
    }

    /** A schema 4 file (no checksums on seen) gets them at open, and they guard its cleaned ids from then on. */
    @Test
    void aVersion4FileGetsChecksumsOnItsSeenRowsAndTheyGuardItsCleanedIds() throws Exception {
        fillAndClean();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE seen DROP COLUMN crc");
            st.execute("DROP TABLE quarantine_seen");
            st.execute("PRAGMA user_version = 4");
        }
        assertEquals(LAST_CLEANED - FIRST_CLEANED + 1, query(file(), "SELECT count(*) FROM seen"));
        store = SqliteStore.open(file());
        cleanedActionStaysCleaned();
        store.close();
        store = null;
        assertEquals(SqliteStore.SCHEMA_VERSION, query(file(), "PRAGMA user_version"));
        assertEquals(0, query(file(), "SELECT count(*) FROM seen WHERE crc IS NULL"));

        damageSeenKey(5, 1);
        store = SqliteStore.open(file());
        cleanedActionStaysCleaned();
    }

    /** The repair's search: one byte of ms, node or seq, or of the checksum; two changed bytes are not repaired. */
    @Test
    void theRepairFindsTheOneByteThatMakesARowWhole() {
        byte[] node = NodeKey.encode("alice:OzX_kmhM");
        byte[] key = SqliteStore.seenKey(1_796_000_000_123L, node, 7);
        long crc = SqliteStore.seenCrc(key);
        for (int at = 0; at < key.length; at++) {
            byte[] damaged = key.clone();
            damaged[at] ^= 0x20;
            assertArrayEquals(key, SqliteStore.repairedSeenKey(damaged, crc), "byte " + at);
        }
        for (int b = 0; b < 4; b++) {
            assertArrayEquals(key, SqliteStore.repairedSeenKey(key.clone(), crc ^ (0x5AL << (8 * b))), "crc byte " + b);
        }
        byte[] twice = key.clone();
        twice[7] ^= 1;
        twice[20] ^= 1;
        assertEquals(null, SqliteStore.repairedSeenKey(twice, crc));
    }
}
