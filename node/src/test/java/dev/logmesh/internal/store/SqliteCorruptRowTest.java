package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.CapturedLogs;
import dev.logmesh.testkit.FileDamage;
import dev.logmesh.testkit.StoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, fault 10: one unreadable row must not stop reading. Rows are damaged the way a disk or a careless hand
 * does it: bytes of one row's text overwritten in the file (SQLite's {@code quick_check} still passes), and JSON
 * that is still valid but says something else.
 */
class SqliteCorruptRowTest {
    static final int ROWS = 2000;
    static final int BAD = 986;

    @TempDir
    Path dir;

    SqliteStore store;
    final List<Store.Corruption> reports = new ArrayList<>();

    /** Opens the store and records what it reports as corrupt. */
    void open() {
        store = SqliteStore.open(file());
        store.onCorrupt(reports::add);
    }

    Path file() {
        return dir.resolve("log.db");
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    static ActionId idOf(int i) {
        return new ActionId(1_000_000L + i, "origin", 0);
    }

    static Entry row(int i) {
        return new Entry(Action.parse("{\"type\":\"chat\",\"text\":\"" + marker(i) + "hello world\"}"),
            Meta.of(idOf(i), 1_000_000L + i, List.of("keep")));
    }

    static String marker(int i) {
        return String.format("row-%05d-", i);
    }

    /** A closed store file with {@link #ROWS} entries, the WAL checkpointed into it. */
    void fill() {
        store = SqliteStore.open(file());
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            batch.add(row(i));
        }
        store.add(batch);
        store.close();
        store = null;
    }

    /** Overwrites {@code bytes} at {@code offset} from the start of row {@code i}'s marker in the file. */
    static void overwrite(Path file, int i, int offset, String bytes) throws Exception {
        FileDamage.overwrite(file, marker(i), offset, bytes);
    }

    static String quickCheck(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Reads everything in every order; every row but the bad one comes back, in order. */
    void readsAllButTheBadOne() {
        for (Order order : Order.values()) {
            for (boolean asc : new boolean[] {true, false}) {
                for (int pageSize : new int[] {3, 500, 5000}) {
                    List<Entry> all = StoreContract.all(store, order, asc, pageSize);
                    assertEquals(ROWS - 1, all.size(), order + " " + asc + " " + pageSize);
                    List<Entry> expected = new ArrayList<>();
                    for (int i = 0; i < ROWS; i++) {
                        if (i != BAD) {
                            expected.add(row(i).withMeta(row(i).meta().withAdded(i + 1)));
                        }
                    }
                    if (!asc) {
                        java.util.Collections.reverse(expected);
                    }
                    assertEquals(expected, all);
                }
            }
        }
        assertEquals(Optional.empty(), store.byId(idOf(BAD)));
        assertEquals(row(BAD + 1).action(), store.byId(idOf(BAD + 1)).orElseThrow().action());
        assertEquals(ROWS - 1, store.withReason("keep", 0, 10_000).size());
        assertEquals(1, reports.size(), "reported once, whatever reads met it: " + reports);
        assertEquals(idOf(BAD), reports.get(0).id());
        assertEquals(BAD + 1, reports.get(0).added());
        assertFalse(store.seen(idOf(BAD)), "quarantined");
        assertEquals(ROWS - 1, store.size());
    }

    @Test
    void eightBytesOverwrittenInsideTheTextAreFoundByTheChecksum() throws Exception {
        fill();
        overwrite(file(), BAD, 4, "XXXXXXXX"); // "row-XXXXXXXXello world": still valid JSON, other content
        assertEquals("ok", quickCheck(file()), "SQLite sees nothing wrong");
        open();
        readsAllButTheBadOne();
    }

    @Test
    void eightBytesOverwrittenOverTheJsonStructureAreSkipped() throws Exception {
        fill();
        overwrite(file(), BAD, -"{\"type\":\"chat\",\"text\":\"".length(), "########");
        assertEquals("ok", quickCheck(file()));
        open();
        readsAllButTheBadOne();
    }

    @Test
    void validButAlteredJsonOrMetaIsFound() throws Exception {
        fill();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("UPDATE entries SET action = '{\"type\":\"chat\",\"text\":\"something else\"}' WHERE added = "
                + (BAD + 1));
        }
        open();
        readsAllButTheBadOne();
    }

    /**
     * A scrub ({@link SqliteStore#scrub}) reads every row in steps, only to check them: the damaged one is found,
     * reported once and quarantined, though nothing asked for it; each step says where it ended, the last says -1.
     */
    @Test
    void aScrubFindsTheRowNoReadAskedFor() throws Exception {
        fill();
        overwrite(file(), BAD, "row-00000-".length(), "jello");
        open();
        List<Long> steps = new ArrayList<>();
        for (long at = 0; at >= 0; ) {
            at = store.scrub(at, 500);
            steps.add(at);
        }
        assertEquals(List.of(500L, 1000L, 1500L, 2000L, -1L), steps);
        assertEquals(1, reports.size(), reports.toString());
        assertEquals(idOf(BAD), reports.get(0).id());
        assertFalse(store.seen(idOf(BAD)), "quarantined");
        assertEquals(ROWS - 1, store.size());
        assertEquals(ROWS, store.scrub(0, 5_000), "a second pass, in one step, ends at the last row");
        assertEquals(1, reports.size(), "reported once");
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> store.scrub(0, 0)).getMessage().contains("limit"));
    }

    /**
     * A large damage is logged as the first {@link SqliteStore#CORRUPT_LOGGED_EACH} rows, then one line for the rest,
     * while every row is still quarantined and reported to the listeners. Before (session 51, break50: 8,000 damaged
     * rows, 8,000 error lines) each row was an error line.
     */
    @Test
    void manyDamagedRowsAreTenErrorLinesAndOneForTheRest() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        fill();
        for (int i = 100; i < 130; i++) {
            overwrite(file(), i, "row-00000-".length(), "jello");
        }
        open();
        try (CapturedLogs.Tally each = CapturedLogs.tally(org.slf4j.event.Level.ERROR, "is corrupt:", file().toString());
             CapturedLogs.Tally rest = CapturedLogs.tally(org.slf4j.event.Level.ERROR, "20 more entries in "
                 + file() + " are corrupt (ids " + idOf(110) + " to " + idOf(129) + ", added 111 to 130); 20 of them "
                 + "moved to the quarantine table")) {
            assertEquals(ROWS, store.scrub(0, 5_000));
            assertEquals(SqliteStore.CORRUPT_LOGGED_EACH, each.count(), "error lines of one row each");
            assertEquals(1, rest.count(), "the line for the rest: " + CapturedLogs.matching(
                org.slf4j.event.Level.ERROR, "more entries"));
        }
        assertEquals(30, reports.size(), "each row still reported");
        assertEquals(ROWS - 30, store.size(), "each row quarantined");
    }

    @Test
    void anAlteredTimeIsFound() throws Exception {
        readsAllButTheBadOneWith("time = 7");
    }

    /** Sets {@code assignment} on the row after the bad one's position, then {@link #readsAllButTheBadOne}. */
    void readsAllButTheBadOneWith(String assignment) throws Exception {
        fill();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("UPDATE entries SET " + assignment + " WHERE added = " + (BAD + 1));
        }
        open();
        readsAllButTheBadOne();
    }

    /**
     * A row whose checksum column was emptied by hand is corrupt ("it has no checksum"), and every page read past it
     * goes on from the right row (the page loops take their next position from the columns the row's read took).
     */
    @Test
    void aChecksumSetToNullIsFound() throws Exception {
        readsAllButTheBadOneWith("crc = NULL");
        assertTrue(reports.get(0).problem().contains("it has no checksum"), reports.get(0).problem());
    }

    /**
     * A checksum of 0 is a value, not a missing checksum: the read asks the driver whether the column was NULL only
     * when it read 0, and here it was not, so the row is one whose checksum does not match.
     */
    @Test
    void aChecksumSetToZeroIsFound() throws Exception {
        readsAllButTheBadOneWith("crc = 0");
        assertTrue(reports.get(0).problem().contains("its checksum does not match"), reports.get(0).problem());
    }

    @Test
    void aPeersCopyOfTheBadEntryIsAcceptedAgain() throws Exception {
        fill();
        overwrite(file(), BAD, 4, "XXXXXXXX");
        open();
        assertEquals(ROWS - 1, StoreContract.all(store, Order.ADDED, true, 100).size());
        assertFalse(store.seen(idOf(BAD)), "the bad row's id is not seen any more");
        Meta again = StoreContract.add(store, row(BAD));
        assertNotNull(again, "a peer's copy is accepted");
        assertEquals(row(BAD).action(), store.byId(idOf(BAD)).orElseThrow().action());
        store.close();
        open();
        assertEquals(ROWS, StoreContract.all(store, Order.CREATED, true, 100).size());
        assertEquals(1, reports.size(), "nothing more to report after the repair: " + reports);
    }

    @Test
    void aReaderSkipsAndReportsButChangesNothing() throws Exception {
        fill();
        overwrite(file(), BAD, 4, "XXXXXXXX");
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            reader.onCorrupt(reports::add);
            assertEquals(ROWS - 1, StoreContract.all(reader, Order.CREATED, true, 300).size());
            assertEquals(ROWS - 1, StoreContract.all(reader, Order.ADDED, false, 300).size());
            assertEquals(1, reports.size());
        }
        open();
        assertEquals(ROWS, store.size(), "the reader quarantined nothing");
        assertTrue(store.seen(idOf(BAD)));
    }

    /** What the node and a session see: a log iterated in created order, and a catch-up read in added order. */
    @Test
    void theLogsIterationAndACatchUpGoPastTheBadRow() throws Exception {
        fill();
        overwrite(file(), BAD, 4, "XXXXXXXX");
        open();
        dev.logmesh.internal.log.Log log = new dev.logmesh.internal.log.Log(store, "me", () -> 2_000_000L, 60_000);
        List<Store.Corruption> seenByLog = new ArrayList<>();
        log.onCorrupt(seenByLog::add);
        int n = 0;
        for (Entry unused : log.entries()) {
            n++;
        }
        assertEquals(ROWS - 1, n);
        assertEquals(1, seenByLog.size());
        assertEquals(idOf(BAD), seenByLog.get(0).id());
    }
}
