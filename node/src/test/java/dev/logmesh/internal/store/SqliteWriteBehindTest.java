package dev.logmesh.internal.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.spi.PeerCursor;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-behind of {@link SqliteStore#add} (issue 12): a received batch of new ids is numbered on the caller's
 * thread and written by the store's own thread; later calls wait for it, acknowledgements wait for its commit and
 * flush, and a batch that cannot be written is written before anything else once it can.
 */
class SqliteWriteBehindTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    final SlowDisk disk = new SlowDisk();
    SqliteStore store;

    @AfterEach
    void tearDown() {
        disk.release();
        if (store != null) {
            try {
                store.close();
            } catch (StoreException e) {
                // a test may leave it unable to write
            }
        }
    }

    /** {@code count} entries of origin "peer" with ms from {@code fromMs}, as a catch-up chunk brings them. */
    static List<Entry> chunk(long fromMs, int count, int textBytes) {
        List<Entry> b = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long ms = fromMs + i;
            b.add(new Entry(Action.parse("{\"type\":\"t\",\"i\":" + i + ",\"text\":\"" + "x".repeat(textBytes) + "\"}"),
                Meta.of(new ActionId(ms, "peer", 0), ms, List.of("r"))));
        }
        return b;
    }

    /** The origin's mark is known after a first, ordinary add; the next chunk goes behind. */
    SqliteStore storeWithAFirstChunk() {
        store = disk.open(dir.resolve("log.db"));
        store.add(chunk(1, 10, 10), Map.of("peer", new PeerCursor(10, 0)));
        await().atMost(WAIT).until(() -> store.durableAdded() == 10);
        return store;
    }

    @Test
    void theCallerGoesOnWhileTheBatchIsWrittenAndNothingIsAcknowledgedBeforeItsCommitAndFlush() throws Exception {
        SqliteStore s = storeWithAFirstChunk();
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("log.db"));
             Statement st = other.createStatement()) {
            // another connection holds the write lock: the batch's statements wait for it on the store's thread
            st.execute("PRAGMA busy_timeout = 0");
            st.execute("BEGIN IMMEDIATE");
            List<Meta> metas = s.add(chunk(100, WriteBehind.SIZE, 10), Map.of("peer", new PeerCursor(20, 0)));
            // numbered at once, in order, and the caller was not held (the old add waited for the lock, then threw)
            assertEquals(11, metas.get(0).added());
            assertEquals(10 + WriteBehind.SIZE, metas.get(WriteBehind.SIZE - 1).added());
            assertEquals(10 + WriteBehind.SIZE, s.lastAdded());
            assertEquals(new PeerCursor(20, 0), s.cursor("peer"), "the cursor the batch saves, without waiting");
            AtomicBoolean acked = new AtomicBoolean();
            s.whenDurable(() -> acked.set(true), Runnable::run);
            assertFalse(acked.get(), "acknowledged before its commit");
            assertEquals(10, s.durableAdded());
            st.execute("ROLLBACK");
        }
        // the next call waits for the batch and sees it; then the flush acknowledges it
        assertTrue(s.has(new ActionId(100, "peer", 0)));
        assertEquals(10 + WriteBehind.SIZE, s.size());
        await().atMost(WAIT).until(() -> s.durableAdded() == 10 + WriteBehind.SIZE);
    }

    /**
     * A batch that meets another process's write lock is refused by SQLite at once (its statements read the origins'
     * marks before they write, and SQLite does not wait for a lock in a transaction that has read), and so is its
     * retry before the next call: the error says how long that call waited, not the "kept it for more than 2 s" of a
     * write that ran again for 2 s (rtt46 met the false claim); once the lock is let go the batch goes in whole.
     */
    @Test
    void aBatchRefusedAtOnceByAnotherProcesssLockSaysHowLongItWaited() throws Exception {
        SqliteStore s = storeWithAFirstChunk();
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("log.db"));
             Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            List<Meta> metas = s.add(chunk(100, WriteBehind.SIZE, 10)); // no cursor: the marks are read first
            assertEquals(10 + WriteBehind.SIZE, metas.get(WriteBehind.SIZE - 1).added(), "went behind");
            long started = System.nanoTime();
            StoreException busy = assertThrows(StoreException.class, () -> s.has(new ActionId(1, "peer", 0)));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            String m = busy.getMessage();
            assertTrue(m.contains("still to be written before it") && m.contains("lock on the database"), m);
            java.util.regex.Matcher after = java.util.regex.Pattern.compile("refused after (\\d+) ms").matcher(m);
            if (m.contains("more than 2 s")) {
                assertTrue(tookMs >= SqliteStore.BUSY_RETRY_MS, "said the lock was kept for more than 2 s after "
                    + tookMs + " ms: " + m);
            } else {
                assertTrue(after.find() && Long.parseLong(after.group(1)) <= tookMs, m);
            }
            st.execute("ROLLBACK");
        }
        assertTrue(s.has(new ActionId(100 + WriteBehind.SIZE - 1, "peer", 0)), "written once the lock was let go");
        assertEquals(10 + WriteBehind.SIZE, s.size());
        await().atMost(WAIT).until(() -> s.durableAdded() == 10 + WriteBehind.SIZE);
    }

    @Test
    void aBatchHeldByTheDiskIsNotAcknowledgedUntilFlushed() {
        SqliteStore s = storeWithAFirstChunk();
        disk.hold();
        s.add(chunk(100, WriteBehind.SIZE, 10), Map.of("peer", new PeerCursor(20, 0)));
        AtomicBoolean acked = new AtomicBoolean();
        s.whenDurable(() -> acked.set(true), Runnable::run);
        assertTrue(s.has(new ActionId(100 + WriteBehind.SIZE - 1, "peer", 0)), "committed");
        assertFalse(acked.get(), "acknowledged before the flush");
        disk.release();
        await().atMost(WAIT).untilTrue(acked);
    }

    @Test
    void aBatchThatCannotBeWrittenIsWrittenBeforeAnythingElseOnceItCan() {
        SqliteStore s = storeWithAFirstChunk();
        SqliteDiskFullTest.limit(s, 4); // 16 KiB more: the batch of 200 KiB does not fit
        List<Meta> metas = s.add(chunk(100, WriteBehind.SIZE, 3000), Map.of("peer", new PeerCursor(20, 0)));
        AtomicBoolean acked = new AtomicBoolean();
        s.whenDurable(() -> acked.set(true), Runnable::run);
        // every call now tries it first, and fails while the disk is full: nothing of the call is written
        StoreException full = assertThrows(StoreException.class, () -> s.has(new ActionId(1, "peer", 0)));
        assertTrue(full.getMessage().contains("still to be written") && full.getMessage().contains("full"),
            full.getMessage());
        assertThrows(StoreException.class, () -> s.add(chunk(1000, 1, 10)));
        assertFalse(acked.get());
        // space returns: the batch goes in first, with the numbers it was given and its cursor; then the call
        SqliteDiskFullTest.limit(s, 100_000);
        List<Meta> next = s.add(chunk(1000, 1, 10));
        assertEquals(10 + WriteBehind.SIZE + 1, next.get(0).added());
        for (Meta m : metas) {
            assertEquals(m.added(), s.byId(m.id()).orElseThrow().meta().added());
        }
        assertEquals(new PeerCursor(20, 0), s.cursor("peer"));
        assertEquals(10 + WriteBehind.SIZE + 1, s.size());
        await().atMost(WAIT).untilTrue(acked);
    }

    /**
     * cursor() answers from the batch that is out without waiting for it; once that batch has failed (a full disk)
     * the cursor it was to save is not in the store, and, as every other call, cursor() must say so rather than
     * report it saved.
     */
    @Test
    void aFailedBatchsCursorIsNotReportedSaved() {
        SqliteStore s = storeWithAFirstChunk();
        SqliteDiskFullTest.limit(s, 4); // the batch of 200 KiB does not fit
        s.add(chunk(100, WriteBehind.SIZE, 3000), Map.of("peer", new PeerCursor(20, 0)));
        await().atMost(WAIT).until(() -> behindRunDone(s)); // failed on the store's thread; the loop has not looked
        StoreException full = assertThrows(StoreException.class, () -> s.cursor("peer"),
            "the cursor of a batch that could not be written was reported saved");
        assertTrue(full.getMessage().contains("still to be written"), full.getMessage());
        SqliteDiskFullTest.limit(s, 100_000);
        assertEquals(new PeerCursor(20, 0), s.cursor("peer"), "saved once the batch goes in");
    }

    /**
     * SQLITE_FULL in a batch, then kill -9 (the files as they are, WAL included): the batch was never acknowledged
     * and is not there; what was acknowledged is; no loss is claimed; the peer's resent batch goes in whole, once.
     */
    @Test
    void aFailedBatchThenAKillLosesNothingAcknowledgedAndTheResentBatchGoesInOnce() throws Exception {
        SqliteStore s = storeWithAFirstChunk();
        SqliteDiskFullTest.limit(s, 4);
        List<Entry> batch = chunk(100, WriteBehind.SIZE, 3000);
        s.add(batch, Map.of("peer", new PeerCursor(20, 0)));
        AtomicBoolean acked = new AtomicBoolean();
        s.whenDurable(() -> acked.set(true), Runnable::run);
        await().atMost(WAIT).until(() -> behindRunDone(s));
        assertThrows(StoreException.class, () -> s.has(new ActionId(1, "peer", 0))); // tried again: still full
        Path after = dir.resolve("after");
        java.nio.file.Files.createDirectories(after);
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("log.db") && !name.endsWith(".lock") && java.nio.file.Files.isRegularFile(f)) {
                    java.nio.file.Files.copy(f, after.resolve(name));
                }
            }
        }
        assertFalse(acked.get());
        SqliteStore killed = SqliteStore.open(after.resolve("log.db"));
        try {
            assertEquals(10, killed.size());
            assertEquals(new PeerCursor(10, 0), killed.cursor("peer"));
            assertFalse(killed.seen(batch.get(0).id()));
            assertEquals(java.util.Optional.empty(), killed.lossAtOpen(), "nothing committed was lost");
            long before = killed.lastAdded();
            List<Meta> again = killed.add(batch, Map.of("peer", new PeerCursor(20, 0)));
            for (int i = 0; i < again.size(); i++) {
                assertEquals(before + 1 + i, again.get(i).added(), "entry " + i + " of the resent batch");
            }
            assertEquals(10 + WriteBehind.SIZE, killed.size());
            assertEquals(10 + WriteBehind.SIZE,
                killed.page(dev.logmesh.spi.Order.ADDED, true, null, 10_000).size());
            assertEquals(new PeerCursor(20, 0), killed.cursor("peer"));
        } finally {
            killed.close();
        }
    }

    /** close() while a batch is out: it waits for it; the reopened store holds it, its cursor, and claims no loss. */
    @Test
    void aCloseDuringABatchWritesItFirst() {
        SqliteStore s = storeWithAFirstChunk();
        List<Entry> batch = chunk(100, WriteBehind.SIZE, 3000);
        List<Meta> metas = s.add(batch, Map.of("peer", new PeerCursor(20, 0)));
        AtomicBoolean acked = new AtomicBoolean();
        s.whenDurable(() -> acked.set(true), Runnable::run);
        s.close();
        assertTrue(acked.get(), "flushed by the close");
        store = SqliteStore.open(dir.resolve("log.db"));
        assertEquals(java.util.Optional.empty(), store.lossAtOpen());
        assertEquals(10 + WriteBehind.SIZE, store.size());
        assertEquals(10 + WriteBehind.SIZE, store.lastAdded());
        for (Meta m : metas) {
            assertEquals(m.added(), store.byId(m.id()).orElseThrow().meta().added());
        }
        assertEquals(new PeerCursor(20, 0), store.cursor("peer"));
    }

    /**
     * close() while a batch that cannot be written is out: not a clean close, and it throws, saying the batch is not in
     * the log (before, disk40, "Expected StoreException to be thrown, but nothing was thrown."); the reopened store has
     * none of it, claims no loss, never gives its numbers again, and takes the resent batch whole.
     */
    @Test
    void aCloseDuringAFailedBatchLeavesItOutAndTheResentBatchGoesIn() {
        SqliteStore s = storeWithAFirstChunk();
        SqliteDiskFullTest.limit(s, 4);
        List<Entry> batch = chunk(100, WriteBehind.SIZE, 3000);
        List<Meta> metas = s.add(batch, Map.of("peer", new PeerCursor(20, 0)));
        AtomicBoolean acked = new AtomicBoolean();
        s.whenDurable(() -> acked.set(true), Runnable::run);
        // its entries were handed to the caller as added: the close says they are not in the log (before, disk40, it
        // only logged it, and logmesh add said "added 100 action(s)", exit 0, for lines not in the log)
        StoreException closing = assertThrows(StoreException.class, s::close, "the close says the batch is lost");
        assertTrue(closing.getMessage().contains("a batch of " + WriteBehind.SIZE + " entries received from other "
            + "nodes handed to the store could not be written, and is not in the log"), closing.getMessage());
        assertFalse(acked.get());
        store = SqliteStore.open(dir.resolve("log.db"));
        assertEquals(10, store.size());
        assertFalse(store.seen(batch.get(0).id()));
        assertEquals(new PeerCursor(10, 0), store.cursor("peer"));
        assertTrue(store.lastAdded() >= metas.get(metas.size() - 1).added(), "numbers handed out are not given again");
        List<Meta> again = store.add(batch, Map.of("peer", new PeerCursor(20, 0)));
        assertTrue(again.stream().allMatch(m -> m != null && m.added() > metas.get(metas.size() - 1).added()));
        assertEquals(10 + WriteBehind.SIZE, store.size());
        assertEquals(new PeerCursor(20, 0), store.cursor("peer"));
    }

    /**
     * A failed batch whose recovery could not begin a new transaction (recover's BEGIN failed: the state it leaves,
     * inTransaction false and no transaction open) is tried again inside a transaction, as every other call's work:
     * statements outside one commit one by one, so a retry that fails halfway (the disk still full) would leave the
     * batch's ids seen without their entries, and the store would refuse the batch for ever after (the marks
     * behind), losing what it had numbered.
     */
    @Test
    void aRetriedBatchRunsInsideATransactionAfterAFailedRecovery() throws Exception {
        SqliteStore s = storeWithAFirstChunk();
        SqliteDiskFullTest.limit(s, 4); // room for the batch's seen rows, not for its entries
        List<Entry> batch = chunk(100, WriteBehind.SIZE, 3000);
        List<Meta> metas = s.add(batch, Map.of("peer", new PeerCursor(20, 0)));
        await().atMost(WAIT).until(() -> behindRunDone(s));
        // what recover leaves when its BEGIN fails: no transaction, and inTransaction false
        try (Statement st = SqliteDiskFullTest.connection(s).createStatement()) {
            st.execute("ROLLBACK");
        }
        java.lang.reflect.Field inTransaction = SqliteStore.class.getDeclaredField("inTransaction");
        inTransaction.setAccessible(true);
        inTransaction.setBoolean(s, false);
        assertThrows(StoreException.class, () -> s.has(new ActionId(1, "peer", 0)), "the disk is still full");
        SqliteDiskFullTest.limit(s, 100_000);
        List<Meta> next = s.add(chunk(1000, 1, 10)); // threw "the marks in nodes are behind; restart the node"
        assertEquals(10 + WriteBehind.SIZE + 1, next.get(0).added());
        for (Meta m : metas) {
            assertEquals(m.added(), s.byId(m.id()).orElseThrow().meta().added());
        }
        assertEquals(new PeerCursor(20, 0), s.cursor("peer"));
    }

    /**
     * Entries {@code from} to {@code from + count - 1} of origin "peer" in a run where three ids share each ms (the
     * k-th has ms {@code 1 + k / 3} and seq {@code k % 3}), as a catch-up of a log written fast brings them: a chunk
     * usually starts in the ms the chunk before ended in.
     */
    static List<Entry> sharedMsChunk(int from, int count) {
        List<Entry> b = new ArrayList<>();
        for (int k = from; k < from + count; k++) {
            long ms = 1L + k / 3;
            b.add(new Entry(Action.parse("{\"type\":\"t\",\"k\":" + k + "}"),
                Meta.of(new ActionId(ms, "peer", k % 3), ms, List.of("r"))));
        }
        return b;
    }

    @Test
    void aChunkStartingInTheMsTheChunkBeforeEndedInGoesBehind() {
        store = disk.open(dir.resolve("log.db"));
        store.add(sharedMsChunk(0, 10), Map.of()); // ends at (4, peer, 0): the mark is 4
        int n = WriteBehind.SIZE;
        List<Meta> second = store.add(sharedMsChunk(10, n), Map.of()); // starts at (4, peer, 1)
        assertTrue(wentBehind(store), "a chunk of new ids starting in its origin's mark's ms was written on the "
            + "caller's thread");
        List<Meta> third = store.add(sharedMsChunk(10 + n, n), Map.of()); // from the largest id the one before took
        assertTrue(wentBehind(store), "the chunk after a chunk written behind was written on the caller's thread");
        assertEquals(11, second.get(0).added());
        assertEquals(10 + 2L * n, third.get(n - 1).added());
        assertEquals(10 + 2 * n, store.size());
        for (Entry e : sharedMsChunk(0, 10 + 2 * n)) {
            assertTrue(store.has(e.id()), e.id() + " missing");
        }
        await().atMost(WAIT).until(() -> store.durableAdded() == 10 + 2L * n);
    }

    @Test
    void aChunkRepeatingIdsOfTheMarksMsTakesEachIdOnce() {
        store = disk.open(dir.resolve("log.db"));
        store.add(sharedMsChunk(0, 10), Map.of()); // up to (4, peer, 0)
        int n = WriteBehind.SIZE;
        // starts at the last id held, then (4, peer, 1): not new, so looked up, and that one is not taken again
        List<Meta> again = store.add(sharedMsChunk(9, n), Map.of());
        assertFalse(wentBehind(store), "a chunk repeating a held id went behind");
        assertNull(again.get(0));
        assertEquals(11, again.get(1).added());
        assertEquals(9 + n, store.size());
        // one id added alone (the caller's path) above the largest: the next chunk starts above it, not at it
        store.add(sharedMsChunk(9 + n, 1), Map.of());
        List<Meta> repeat = store.add(sharedMsChunk(9 + n, n), Map.of());
        assertFalse(wentBehind(store), "a chunk repeating the id added alone went behind");
        assertNull(repeat.get(0));
        assertEquals(10 + 2L * n - 1, repeat.get(n - 1).added());
        store.add(sharedMsChunk(9 + 2 * n, n), Map.of());
        assertTrue(wentBehind(store), "a chunk above everything held was written on the caller's thread");
        assertEquals(9 + 3 * n, store.size());
        for (Entry e : sharedMsChunk(0, 9 + 3 * n)) {
            assertTrue(store.has(e.id()), e.id() + " missing");
        }
    }

    /** Whether the last add left a write-behind batch out (the next call settles it). */
    static boolean wentBehind(SqliteStore s) {
        try {
            java.lang.reflect.Field bf = SqliteStore.class.getDeclaredField("behind");
            bf.setAccessible(true);
            return bf.get(s) != null;
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.getMessage(), e);
        }
    }

    /** Whether the write-behind batch that is out has ended on the store's thread (the loop has not seen it). */
    static boolean behindRunDone(SqliteStore s) {
        try {
            java.lang.reflect.Field bf = SqliteStore.class.getDeclaredField("behind");
            bf.setAccessible(true);
            Object b = bf.get(s);
            if (b == null) {
                return false;
            }
            java.lang.reflect.Field rf = b.getClass().getDeclaredField("run");
            rf.setAccessible(true);
            java.util.concurrent.Future<?> run = (java.util.concurrent.Future<?>) rf.get(b);
            return run != null && run.isDone();
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.getMessage(), e);
        }
    }

    /** The size of the batches above: the smallest that goes behind. */
    static final class WriteBehind {
        static final int SIZE = SqliteStore.WRITE_BEHIND_MIN;

        private WriteBehind() {
        }
    }
}
