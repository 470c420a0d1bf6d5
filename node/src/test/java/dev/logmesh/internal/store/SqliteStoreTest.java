package dev.logmesh.internal.store;

import dev.logmesh.StoreException;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteStore} against the store contract, plus what only a file can get wrong. */
class SqliteStoreTest extends StoreContract {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("log.db");
    }

    @Override
    protected Store newStore() {
        return SqliteStore.open(file());
    }

    @Test
    void aReaderSeesWhatTheOwnerCommittedWhileItRunsAndCannotWrite() {
        try (SqliteStore owner = SqliteStore.open(other())) {
            Log log = new Log(owner, "owner", () -> 1_000, 60_000);
            log.add(dev.logmesh.Action.ofType("a"), java.util.List.of("r"));
            owner.setCursor("peer", new PeerCursor(3, 4));
            try (SqliteStore reader = SqliteStore.openReader(other())) {
                assertEquals(1, reader.size());
                assertEquals("a", reader.page(Order.CREATED, true, null, 10).get(0).action().type());
                assertEquals(new PeerCursor(3, 4), reader.cursor("peer"));
                StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
                    () -> reader.setState("k", "v"));
                assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            }
            // the owner goes on after the reader closed
            log.add(dev.logmesh.Action.ofType("b"), java.util.List.of("r"));
            assertEquals(2, owner.size());
        }
    }

    @Test
    void aReaderRefusesWhatIsNotALog() throws Exception {
        StoreException missing = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
            () -> SqliteStore.openReader(other()));
        assertTrue(missing.getMessage().contains(other().toString()), missing.getMessage());
        java.nio.file.Files.writeString(other(), "notes, not a database");
        StoreException foreign = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
            () -> SqliteStore.openReader(other()));
        assertTrue(foreign.getMessage().contains("not"), foreign.getMessage());
        assertEquals("notes, not a database", java.nio.file.Files.readString(other()));
    }

    /** A store file of its own (the contract's store already holds {@link #file()}). */
    private Path other() {
        return dir.resolve("other.db");
    }

    /**
     * A page by {@code added} just after the last adds (a session's pump) is served from the rows those adds committed
     * ({@code SqliteStore.recent}): it gives what the file gives, whether the rows are few and small, many, or large
     * enough that only some are kept, and after a change of one of them.
     */
    @Test
    void aPageJustAfterTheLastAddsIsWhatTheFileHolds() {
        String big = "x".repeat(100_000);
        try (SqliteStore owner = SqliteStore.open(other())) {
            List<Meta> metas = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String text = i % 10 == 9 ? big : "t" + i;
                Entry e = new Entry(dev.logmesh.Action.parse("{\"type\":\"a\",\"text\":\"" + text + "\"}"),
                    Meta.of(id((i + 1) + " n 0"), i, List.of("r")));
                metas.addAll(owner.add(List.of(e)));
                try (SqliteStore reader = SqliteStore.openReader(other(), false)) {
                    for (long after : new long[] {0, Math.max(0, i - 70), Math.max(0, i - 3), i, i + 1L}) {
                        assertEquals(reader.page(Order.ADDED, true, after, 5), owner.page(Order.ADDED, true, after, 5),
                            "after add " + i + ", from " + after);
                    }
                }
            }
            Meta last = metas.get(metas.size() - 1);
            owner.changeMeta(last.id(), last.withReasons(List.of("r", "s")));
            List<Entry> page = owner.page(Order.ADDED, true, last.added() - 1, 5);
            assertEquals(List.of("r", "s"), page.get(0).meta().reasons());
            try (SqliteStore reader = SqliteStore.openReader(other())) {
                assertEquals(reader.page(Order.ADDED, true, last.added() - 1, 5), page);
            }
        }
    }

    @Override
    protected Store newStoreBeside() {
        return SqliteStore.open(dir.resolve("beside.db"));
    }

    @Override
    protected Store reopen(Store s) {
        s.close();
        return SqliteStore.open(file());
    }

    private void fill(int n) {
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(entry("chat/add", (1000 + i) + " node:abc " + (i % 3), i, "mesh"));
        }
        store.add(batch);
    }

    private StoreException refused(Path path) throws Exception {
        byte[] before = Files.readAllBytes(path);
        StoreException e = assertThrows(StoreException.class, () -> SqliteStore.open(path));
        assertTrue(e.getMessage().contains(path.toAbsolutePath().toString()), "names the file: " + e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(path), "a refused file is left as it was");
        // the lock was released: a second try gets the same answer, not "in use"
        StoreException again = assertThrows(StoreException.class, () -> SqliteStore.open(path));
        assertEquals(e.getMessage(), again.getMessage());
        return e;
    }

    /** Ids of a catch-up go into {@code seen} many per statement; duplicates must still be found, wherever. */
    @Test
    void aLargeBatchFindsDuplicatesWithinItAndFromEarlierBatches() {
        List<Entry> first = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add(entry("chat/add", (1000 + i) + " x:1 0", i, "mesh"));
        }
        store.add(first);
        List<Entry> batch = new ArrayList<>();
        List<Boolean> expectNew = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String node = i % 2 == 0 ? "x:1" : "y:2";
            long seq = node.equals("x:1") ? 0 : i % 3;
            batch.add(entry("chat/add", (1010 + i) + " " + node + " " + seq, i, "mesh"));
            expectNew.add(node.equals("y:2") || 1010 + i >= 1020); // x:1 up to 1019 came in the first batch
            if (i % 50 == 7) {
                batch.add(entry("chat/add", (1010 + i) + " " + node + " " + seq, i, "mesh")); // at once again
                expectNew.add(false);
            }
            if (i % 70 == 3) {
                // an older id than the last of its origin, new; then the same again, later in the batch
                batch.add(entry("chat/add", (1009 + i) + " " + node + " 9", i, "mesh"));
                expectNew.add(true);
                batch.add(entry("chat/old", (1009 + i) + " " + node + " 9", i, "mesh"));
                expectNew.add(false);
            }
        }
        batch.add(entry("chat/add", "1005 x:1 0", 5, "mesh")); // from the first batch, at the end
        expectNew.add(false);
        List<Meta> metas = store.add(batch);
        long fresh = 0;
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(expectNew.get(i), metas.get(i) != null, "entry " + i + " " + batch.get(i).id());
            if (metas.get(i) != null) {
                fresh++;
                assertEquals(20 + fresh, metas.get(i).added(), "added in batch order");
            }
        }
        assertEquals(20 + fresh, store.size());
        for (Entry e : batch) {
            assertTrue(store.seen(e.id()));
        }
        store = reopen(store);
        assertEquals(20 + fresh, store.size());
        assertTrue(store.add(batch).stream().allMatch(m -> m == null), "all seen after a reopen");
    }

    /**
     * A batch whose rows all have the same reasons gets its reasons rows from one statement per reason (by the rows'
     * added range); ids without reasons between them take no added number, so the range holds only the batch's rows.
     */
    @Test
    void aBatchThatSharesItsReasonsIsFoundByEachReason() {
        List<Entry> shared = new ArrayList<>();
        List<Entry> mixed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            shared.add(i % 10 == 3 ? entry("t", (100 + i) + " s:1 0", 100 + i)
                : entry("t", (100 + i) + " s:1 0", 100 + i, "a", "b"));
            mixed.add(entry("t", (200 + i) + " s:1 0", 200 + i, i == 20 ? "c" : "a"));
        }
        store.add(shared);
        store.add(mixed);
        assertEquals(36 + 40, store.size());
        List<Long> a = store.withReason("a", 0, 1000).stream().map(e -> e.meta().added()).toList();
        assertEquals(LongStream.rangeClosed(1, 76).boxed().filter(n -> n != 57).toList(), a);
        assertEquals(36, store.withReason("b", 0, 1000).size());
        assertEquals(List.of(57L), store.withReason("c", 0, 1000).stream().map(e -> e.meta().added()).toList());
        assertEquals(0, store.removeReason("b", dev.logmesh.Criteria.ALL).size(), "a is left");
        assertEquals(75, store.removeReason("a", dev.logmesh.Criteria.ALL).size());
        assertEquals(1, store.size());
    }

    /**
     * Schema 3 keeps a peer's cursor in its {@code nodes} row, beside the mark of its ids: a node that is an origin
     * only has no cursor, one that is a peer only has mark 0, and each survives the other's writes and a reopen.
     */
    @Test
    void aNodesRowHoldsTheMarkOfAnOriginAndTheCursorOfAPeerApart() {
        String both = "x:\u00fc";
        store.setCursor(both, new PeerCursor(3, 4));
        store.add(List.of(entry("a", "500 " + both + " 0", 500, "r"), entry("b", "700 y:1 0", 700, "r")),
            Map.of("z:1", new PeerCursor(9, 0)));
        for (int round = 0; round < 2; round++) {
            assertEquals(Map.of(both, new PeerCursor(3, 4), "z:1", new PeerCursor(9, 0)), store.cursors());
            assertEquals(new PeerCursor(3, 4), store.cursor(both));
            assertEquals(PeerCursor.NONE, store.cursor("y:1"), "an origin only has no cursor");
            assertEquals(500, store.maxSeenMs(both));
            assertEquals(700, store.maxSeenMs("y:1"));
            assertEquals(0, store.maxSeenMs("z:1"), "a peer only has no mark");
            store.close();
            store = SqliteStore.open(file());
        }
        store.setCursor(both, PeerCursor.NONE);
        assertEquals(PeerCursor.NONE, store.cursor(both));
        assertEquals(500, store.maxSeenMs(both), "moving the cursor keeps the mark");
    }

    /** If the origin marks in {@code nodes} were ever behind {@code seen}, duplicates are still found (slow path). */
    @Test
    void aBatchStillFindsDuplicatesWhenTheOriginMarksAreBehind() throws Exception {
        List<Entry> first = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add(entry("chat/add", (1000 + i) + " x:1 0", i, "mesh"));
        }
        store.add(first);
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("DELETE FROM nodes");
        }
        store = SqliteStore.open(file());
        List<Entry> second = new ArrayList<>();
        for (int i = 10; i < 40; i++) {
            second.add(entry("chat/add", (1000 + i) + " x:1 0", i, "mesh"));
        }
        List<Meta> metas = store.add(second);
        for (int i = 0; i < second.size(); i++) {
            assertEquals(i >= 10, metas.get(i) != null, "entry " + second.get(i).id());
        }
        assertEquals(40, store.size());
    }

    /**
     * A file written before table {@code gone} (any version up to 4 by main at 2380f6a: the table is dropped here to
     * make one) opens, reads no marks (a reader too), gets the table at its first open for writing and keeps marks
     * from then on.
     */
    @Test
    void aFileWithoutTheGoneTableOpensAndGetsIt() throws Exception {
        fill(3);
        store.close();
        store = null;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE gone");
        }
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            assertEquals(Map.of(), goneMarks(reader, 0, Long.MAX_VALUE), "a reader of the old file: no marks");
            assertEquals(3, reader.size());
        }
        store = SqliteStore.open(file());
        assertEquals(3, store.size());
        assertEquals(Map.of(), goneMarks(store, 0, Long.MAX_VALUE));
        store.addGone("peer:a", List.of(id("7 n 0")));
        store = reopen(store);
        assertEquals(Map.of("peer:a", java.util.Set.of(id("7 n 0"))), goneMarks(store, 0, Long.MAX_VALUE));
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            assertEquals(Map.of("peer:a", java.util.Set.of(id("7 n 0"))), goneMarks(reader, 0, Long.MAX_VALUE));
        }
    }

    /**
     * Rows of table {@code gone} that are not marks as the store writes them (a file edited or damaged by hand) are
     * skipped with an error naming the file and the row, and deleted; the good rows are handed, the store goes on.
     */
    @Test
    void anOddGoneRowIsSkippedWithAClearErrorAndDeleted() throws Exception {
        store.addGone("peer:a", List.of(id("10 n 0"), id("11 n 0")));
        store.close();
        store = null;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO gone (peer, ms, node, seq) VALUES (X'70', 'soon', X'6E', 0)");
            st.execute("INSERT INTO gone (peer, ms, node, seq) VALUES ('text peer', 12, X'6E', 0)");
            st.execute("INSERT INTO gone (peer, ms, node, seq) VALUES (X'70', 13, X'6E', 1.5)");
            st.execute("INSERT INTO gone (peer, ms, node, seq) VALUES (X'70', 14, X'', 0)");
        }
        store = SqliteStore.open(file());
        assertEquals(Map.of("peer:a", java.util.Set.of(id("10 n 0"), id("11 n 0"))),
            goneMarks(store, 0, Long.MAX_VALUE), "the good rows are handed");
        String error = ((SqliteStore) store).goneProblem();
        assertTrue(error != null && error.contains(file().toString()) && error.contains("4 rows of table gone")
            && error.contains("skipped and deleted") && error.contains("not an integer"), error);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM gone")) {
            assertTrue(rs.next());
            assertEquals(2, rs.getInt(1), "the odd rows are deleted");
        }
        store.addGone("peer:a", List.of(id("15 n 0")));
        assertEquals(3, goneMarks(store, 0, Long.MAX_VALUE).get("peer:a").size(), "the store goes on");
    }

    /** Marks are written off the loop's fsync path: group commit, one transaction per call, durable later. */
    @Test
    void goneMarksSurviveAReopenAndTheirForgetting() throws Exception {
        List<dev.logmesh.ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            ids.add(id((100 + i) + " node:abc " + i));
        }
        store.addGone("peer:a", ids);
        store.addGone("peer:b", ids.subList(0, 10));
        store = reopen(store);
        assertEquals(2_000, goneMarks(store, 0, Long.MAX_VALUE).get("peer:a").size());
        assertEquals(10, goneMarks(store, 0, Long.MAX_VALUE).get("peer:b").size());
        store.forgetSeen(1_100);
        store = reopen(store);
        Map<String, java.util.Set<dev.logmesh.ActionId>> left = goneMarks(store, 0, Long.MAX_VALUE);
        assertEquals(java.util.Set.copyOf(ids.subList(1_000, 2_000)), left.get("peer:a"));
        assertFalse(left.containsKey("peer:b"), "all its marks were below the cutoff");
    }

    @Test
    void reopenGivesBackExactlyWhatWasCommitted() {
        store.add(List.of(entry("a", "5 n 0", 5, "r", "s"), entry("b", "3 m 1", 3, "r"), entry("c", "4 n 0", 4),
            entry("d", "9 n 0", 9, "r")));
        store.changeMeta(id("5 n 0"), store.byId(id("5 n 0")).orElseThrow().meta()
            .withExtra("keepLast", json("\"r\"")).withSubprotocol(2));
        store.remove(id("9 n 0"));
        store.setCursor("peer1", new PeerCursor(10, 20));
        store.setState("nodeId", "alice:xyz");
        List<Entry> created = all(store, Order.CREATED, true, 10);
        List<Entry> added = all(store, Order.ADDED, true, 10);
        store.close();

        store = SqliteStore.open(file());
        assertEquals(created, all(store, Order.CREATED, true, 10));
        assertEquals(added, all(store, Order.ADDED, true, 10));
        assertEquals(3, store.lastAdded(), "the cleaned newest entry still counts");
        assertEquals(2, store.size());
        assertEquals(9, store.maxSeenMs());
        assertTrue(store.seen(id("4 n 0")), "reason-less ids stay seen");
        assertTrue(store.seen(id("9 n 0")), "removed ids stay seen");
        assertEquals(Map.of("peer1", new PeerCursor(10, 20)), store.cursors());
        assertEquals(Optional.of("alice:xyz"), store.state("nodeId"));
        assertEquals(List.of("a", "b"), types(store.withReason("r", 0, 10)));
        assertEquals(List.of("a"), types(store.withReason("s", 0, 10)));
        assertEquals(4, add(store, entry("e", "10 n 0", 10, "r")).added());
    }

    @Test
    void usesWalMode() throws Exception {
        fill(10);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            assertTrue(rs.next());
            assertEquals("wal", rs.getString(1));
        }
    }

    /**
     * The page cache is 2 MiB, not 16: a larger one made a catch-up into a fresh store grow the store thread's heap
     * page by page (see {@code SqliteStore.CACHE_KIB}). Read on the store's own connection, where it holds.
     */
    @Test
    void pageCacheIsTwoMebibytes() throws Exception {
        fill(10);
        try (Statement st = SqliteDiskFullTest.connection((SqliteStore) store).createStatement();
             ResultSet rs = st.executeQuery("PRAGMA cache_size")) {
            assertTrue(rs.next());
            assertEquals(-2048, rs.getInt(1), "negative: KiB");
        }
    }

    @Test
    void secondOpenFailsClearlyUntilTheFirstIsClosed() {
        fill(3);
        StoreException e = assertThrows(dev.logmesh.StoreInUseException.class, () -> SqliteStore.open(file()));
        // before (session 29): "is in use by another logmesh process (this one: the store is already open in this JVM)"
        assertTrue(e.getMessage().contains("is in use in this JVM") && e.getMessage().contains("close it first")
            && e.getMessage().contains("a data directory of its own"), e.getMessage());
        assertTrue(e.getMessage().contains(file().toString()), e.getMessage());
        assertEquals(3, store.size(), "the first store is unharmed");
        store.close();
        store = SqliteStore.open(file());
        assertEquals(3, store.size());
    }

    @Test
    void anotherProcessGetsAClearErrorWhileTheStoreIsOpen() throws Exception {
        fill(4);
        // A failed second open in this JVM must not drop the OS lock: POSIX releases all of a process's locks
        // on a file when any descriptor of it is closed.
        assertThrows(StoreException.class, () -> SqliteStore.open(file()));
        String out = probe(file());
        assertTrue(out.startsWith("FAILED ") && out.contains("is in use by another logmesh process"), out);
        // which process to stop, and what else to do (break28: a second `logmesh node` on one DIR, or one racing an
        // `add`, said only "(lock DIR/log.db.lock is held)")
        assertTrue(out.contains("(pid " + ProcessHandle.current().pid() + " holds the lock ")
            && out.endsWith("): stop that process (the node of this directory, or a logmesh add), or give this one a"
                + " data directory of its own"), out);
        store.close();
        store = null;
        assertEquals("OPENED 4", probe(file()));
    }

    @Test
    void anOpenWaitsOutAnotherProcesssLockProbe() throws Exception {
        fill(2);
        store.close();
        store = null;
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
            LockProbe.class.getName(), file().toString(), "hold", "300").redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("LOCKED", out.readLine());
            // before (session 41): "... is in use by another logmesh process (lock .../log.db.lock is held): stop
            // that process ...", while the holder was a logmesh status probing the lock, and no node ran
            store = SqliteStore.open(file());
            assertEquals(2, store.size());
            assertTrue(holder.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "holder process hung");
        } finally {
            holder.destroyForcibly();
        }
    }

    private static String probe(Path file) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
            LockProbe.class.getName(), file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "probe process hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String[] lines = out.split("\n", -1);
        return lines[lines.length - 1];
    }

    @Test
    void closeIsIdempotentAndEndsUse() {
        fill(2);
        store.close();
        store.close();
        assertThrows(IllegalStateException.class, () -> store.size());
        assertThrows(IllegalStateException.class, () -> store.add(List.of(entry("x", "1 z 0", 1, "r"))));
        assertFalse(Files.exists(dir.resolve("log.db-wal")) && fileSize(dir.resolve("log.db-wal")) > 0,
            "close checkpoints the WAL into the file");
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void aFailedBatchWritesNothing() throws Exception {
        fill(2);
        // A trigger makes the second entry of the batch fail inside SQLite, after the first was inserted.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("CREATE TRIGGER boom BEFORE INSERT ON entries WHEN NEW.ms = 666 "
                + "BEGIN SELECT RAISE(ABORT, 'boom'); END");
        }
        StoreException e = assertThrows(StoreException.class,
            () -> store.add(List.of(entry("ok", "500 n 0", 1, "r"), entry("bad", "666 n 0", 1, "r"))));
        assertTrue(e.getMessage().contains(file().toString()), e.getMessage());
        assertFalse(store.seen(id("500 n 0")));
        assertEquals(2, store.lastAdded());
        assertEquals(2, store.size());
        assertEquals(1001, store.maxSeenMs());
        assertEquals(3, add(store, entry("ok", "500 n 0", 1, "r")).added(), "the store stays usable");
    }

    @Test
    void refusesAFileThatIsNotSqlite() throws Exception {
        store.close();
        store = null;
        Path path = dir.resolve("notes.txt");
        Files.writeString(path, "these are my notes, not a database. ".repeat(200));
        StoreException e = refused(path);
        assertTrue(e.getMessage().contains("is not a logmesh store"), e.getMessage());
    }

    @Test
    void refusesAnSqliteFileOfAnotherApplication() throws Exception {
        store.close();
        store = null;
        Path path = dir.resolve("other.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + path); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE users (name TEXT)");
            st.execute("INSERT INTO users VALUES ('bob')");
        }
        StoreException e = refused(path);
        assertTrue(e.getMessage().contains("another application"), e.getMessage());

        Path tagged = dir.resolve("tagged.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tagged); Statement st = c.createStatement()) {
            st.execute("PRAGMA application_id = 1234");
        }
        assertTrue(refused(tagged).getMessage().contains("application_id 0x4d2"));
    }

    @Test
    void refusesAStoreWrittenByANewerSchema() throws Exception {
        fill(5);
        store.close();
        store = null;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 7");
        }
        StoreException e = refused(file());
        assertTrue(e.getMessage().endsWith("was written by a newer logmesh (schema 7), this one reads up to "
            + SqliteStore.SCHEMA_VERSION), e.getMessage());
    }

    @Test
    void refusesAnEmptyFile() throws Exception {
        store.close();
        store = null;
        Path path = dir.resolve("empty.db");
        Files.createFile(path);
        assertTrue(refused(path).getMessage().contains("is empty (0 bytes)"));
    }

    @Test
    void refusesATruncatedStore() throws Exception {
        fill(3000);
        store.close();
        store = null;
        long size = Files.size(file());
        try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
            raf.setLength(size / 2);
        }
        assertTrue(refused(file()).getMessage().contains("corrupt"));
    }

    @Test
    void refusesAStoreWithGarbageInTheMiddle() throws Exception {
        fill(3000);
        store.close();
        store = null;
        long size = Files.size(file());
        byte[] garbage = new byte[8192];
        new Random(7).nextBytes(garbage);
        try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
            raf.seek(size / 2);
            raf.write(garbage);
        }
        assertTrue(refused(file()).getMessage().contains("corrupt"));
    }

    @Test
    void aGarbledRowIsSkippedReportedOnceAndQuarantined() throws Exception {
        fill(5);
        store.close();
        store = null;
        // valid SQLite, wrong content: quick_check cannot see it (SqliteCorruptRowTest damages the file itself)
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            st.execute("UPDATE entries SET action = '{not json' WHERE added = 3");
        }
        store = SqliteStore.open(file());
        List<Store.Corruption> found = new ArrayList<>();
        store.onCorrupt(found::add);
        assertEquals(4, all(store, Order.ADDED, true, 10).size());
        assertEquals(4, all(store, Order.ADDED, true, 2).size(), "a page is refilled past the bad row");
        assertEquals(1, found.size(), "reported once: " + found);
        assertEquals(3, found.get(0).added());
        assertEquals(id("1002 node:abc 2"), found.get(0).id());
        assertTrue(found.get(0).problem().contains("checksum"), found.get(0).problem());
        assertEquals(4, store.size());
        assertFalse(store.seen(id("1002 node:abc 2")), "quarantined: a peer's copy is accepted again");
        assertEquals(5, store.lastAdded(), "added numbers are never reused");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT added, action, problem FROM quarantine")) {
            assertTrue(rs.next(), "the row is kept aside as it was found");
            assertEquals(3, rs.getLong(1));
            assertEquals("{not json", rs.getString(2));
            assertFalse(rs.next());
        }
    }

    @Test
    void normalDurabilityIsAnOption() {
        store.close();
        store = SqliteStore.open(file(), new SqliteStore.Options(SqliteStore.Durability.NORMAL, false));
        fill(3);
        store = reopen(store);
        assertEquals(3, store.size());
        assertNull(add(store, entry("chat/add", "1000 node:abc 0", 0, "mesh")));
    }

    @Test
    void nodeKeysKeepJavaStringOrder() {
        Random random = new Random(3);
        String alphabet = "aZ\u0000\u007F\u0080\u07FF\u0800\uD7FF\uE000\uFFFF\uD83D\uDE00\u00E9";
        for (int i = 0; i < 2000; i++) {
            String a = randomString(random, alphabet);
            String b = randomString(random, alphabet);
            byte[] ka = NodeKey.encode(a);
            byte[] kb = NodeKey.encode(b);
            assertEquals(Integer.signum(a.compareTo(b)), Integer.signum(java.util.Arrays.compareUnsigned(ka, kb)),
                a + " vs " + b);
            assertEquals(a, NodeKey.decode(ka));
        }
        assertArrayEquals("node:abc".getBytes(StandardCharsets.US_ASCII), NodeKey.encode("node:abc"));
    }

    private static String randomString(Random random, String alphabet) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @Test
    void readsUseTheIndexes() throws Exception {
        fill(10);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement st = c.createStatement()) {
            assertTrue(plan(st, "SELECT * FROM entries e WHERE (e.ms, e.node, e.seq) > (1, x'00', 1) "
                + "ORDER BY e.ms, e.node, e.seq LIMIT 5").contains("USING INDEX entries_created ((ms,node,seq)>"));
            assertTrue(plan(st, "SELECT * FROM reasons r CROSS JOIN entries e ON e.added = r.added "
                + "WHERE r.reason = 'a' AND r.added >= 1 AND r.added <= 9 ORDER BY r.added")
                .contains("SEARCH r USING PRIMARY KEY (reason=? AND added>? AND added<?)"));
        }
    }

    private static String plan(Statement st, String sql) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
            while (rs.next()) {
                sb.append(rs.getString(4)).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void entriesWithoutReasonsAddNoRow() {
        Meta m = add(store, entry("x", "1 n 0", 1));
        assertEquals(0, m.added());
        assertEquals(0, store.size());
    }
}
