package dev.logmesh.internal.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's two threads: a group commit never waits behind a checkpoint (issue 12, SQLite rtt p99). */
class WalWriterTest {
    @TempDir
    Path dir;

    /** A WAL-mode database with a table, its connection left open so the {@code -wal} file stays. */
    private Connection walDatabase(Path db) throws Exception {
        Connection conn = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement st = conn.createStatement()) {
            st.execute("PRAGMA journal_mode = WAL");
            st.execute("PRAGMA wal_autocheckpoint = 0");
            st.execute("CREATE TABLE t (x INTEGER)");
        }
        return conn;
    }

    private static void insert(Connection conn, int x) throws Exception {
        try (Statement st = conn.createStatement()) {
            st.execute("INSERT INTO t VALUES (" + x + ")");
        }
    }

    @Test
    void commitsBecomeDurableWhileACheckpointIsStuck() throws Exception {
        Path db = dir.resolve("wal.db");
        CountDownLatch checkpointing = new CountDownLatch(1);
        CountDownLatch releaseCheckpoint = new CountDownLatch(1);
        AtomicInteger checkpoints = new AtomicInteger();
        WalWriter.Checkpoint stuck = conn -> {
            checkpoints.incrementAndGet();
            checkpointing.countDown();
            try {
                // a checkpoint on a slow disk (copying pages, two fsyncs): the test lets it finish
                releaseCheckpoint.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return WalWriter.PASSIVE.run(conn);
        };
        try (Connection conn = walDatabase(db)) {
            DurabilityQueue queue = new DurabilityQueue(0);
            WalWriter writer = new WalWriter(db, true, WalWriter.FDATASYNC, queue, stuck);
            try {
                insert(conn, 1);
                queue.committed(1);
                writer.wake();
                // the first group commit makes the checkpoint due at once; it then hangs
                assertTrue(checkpointing.await(20, TimeUnit.SECONDS), "a checkpoint started");
                insert(conn, 2);
                long second = queue.committed(2);
                writer.wake();
                // with the checkpoint on the thread that forces the WAL, this waited for the checkpoint
                await().atMost(Duration.ofSeconds(10)).until(() -> queue.durableAdded() == 2);
                assertTrue(queue.allDurable());
                assertEquals(2, second);
                assertEquals(1, checkpoints.get(), "the checkpoint is still the first one");
            } finally {
                releaseCheckpoint.countDown();
                writer.close();
            }
        }
    }

    /**
     * The disk observer hears each commit handed to the writer, each group commit's fsync and each checkpoint; one
     * that throws (an application's meter registry) is not the writer's end: commits still become durable.
     */
    @Test
    void aThrowingDiskObserverDoesNotStopDurability() throws Exception {
        Path db = dir.resolve("observed.db");
        AtomicInteger flushes = new AtomicInteger();
        AtomicInteger checkpoints = new AtomicInteger();
        AtomicInteger commits = new AtomicInteger();
        try (Connection conn = walDatabase(db)) {
            DurabilityQueue queue = new DurabilityQueue(0);
            WalWriter writer = new WalWriter(db, true, WalWriter.FDATASYNC, queue);
            writer.observe(new SqliteStore.DiskObserver() {
                @Override
                public void committed() {
                    commits.incrementAndGet();
                }

                @Override
                public void flushed(long nanos) {
                    flushes.incrementAndGet();
                    assertTrue(nanos >= 0);
                    throw new IllegalStateException("a registry that fails");
                }

                @Override
                public void checkpointed(long nanos) {
                    checkpoints.incrementAndGet();
                    throw new IllegalStateException("a registry that fails");
                }
            });
            try {
                for (int i = 1; i <= 3; i++) {
                    insert(conn, i);
                    queue.committed(i);
                    writer.wake();
                    int n = i;
                    await().atMost(Duration.ofSeconds(10)).until(() -> queue.durableAdded() == n);
                }
                assertTrue(flushes.get() >= 1 && flushes.get() <= 3, "one per group commit: " + flushes.get());
                assertEquals(3, commits.get(), "one per commit handed to the writer (SyncBench rtt --trace)");
                await().atMost(Duration.ofSeconds(10)).until(() -> checkpoints.get() >= 1);
                assertNull(queue.failure(), "the store takes writes still");
            } finally {
                writer.close();
            }
        }
    }

    @Test
    void closeStopsBothThreadsAndForcesTheLastCommits() throws Exception {
        Path db = dir.resolve("close.db");
        AtomicInteger forces = new AtomicInteger();
        try (Connection conn = walDatabase(db)) {
            DurabilityQueue queue = new DurabilityQueue(0);
            WalWriter writer = new WalWriter(db, true, wal -> {
                forces.incrementAndGet();
                WalWriter.FDATASYNC.force(wal);
            }, queue);
            for (int i = 1; i <= 50; i++) {
                insert(conn, i);
                queue.committed(i);
                writer.wake();
            }
            writer.close();
            assertTrue(queue.allDurable(), "close forces what was committed");
            assertEquals(50, queue.durableAdded());
            assertTrue(forces.get() <= 51, "group commit: at most one force per commit plus the one at open");
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().endsWith(db.getFileName().toString()) && t.isAlive()),
                "no writer or checkpoint thread of this database left");
        }
    }
    /**
     * "WAL restart": a checkpoint that copied the whole WAL while a commit was made runs again right after the next
     * group commit, not after {@link WalWriter#CHECKPOINT_NANOS}, at most {@link WalWriter#MAX_RESTART_TRIES} times
     * in a row; then the interval holds again, and the store is never told the WAL was checkpointed whole.
     */
    @Test
    void aCheckpointRacedByACommitIsRetriedAfterTheNextGroupCommitAtMostMaxRestartTriesInARow() throws Exception {
        Path db = dir.resolve("retry.db");
        int runs = WalWriter.MAX_RESTART_TRIES + 2; // the first, its retries, and the one after the interval
        long[] startedAt = new long[runs];
        AtomicInteger run = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<WalWriter> ref = new java.util.concurrent.atomic.AtomicReference<>();
        DurabilityQueue queue = new DurabilityQueue(0);
        java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong(1);
        WalWriter.Checkpoint raced = conn -> {
            int n = run.getAndIncrement();
            if (n >= runs) {
                return new int[] {0, 0, 0}; // nothing more to do
            }
            startedAt[n] = System.nanoTime();
            queue.committed(commits.incrementAndGet()); // a commit made while the checkpoint runs
            ref.get().wake();
            return new int[] {0, WalWriter.RESTART_FRAMES, WalWriter.RESTART_FRAMES}; // every frame of a full WAL
        };
        try (Connection conn = walDatabase(db)) {
            WalWriter writer = new WalWriter(db, true, wal -> { }, queue, raced);
            ref.set(writer);
            try {
                insert(conn, 1); // the checkpoint is played; the WAL must only exist
                queue.committed(1);
                writer.wake();
                await().atMost(Duration.ofSeconds(20)).until(() -> run.get() >= runs);
                long interval = WalWriter.CHECKPOINT_NANOS;
                for (int k = 1; k <= WalWriter.MAX_RESTART_TRIES; k++) {
                    long gap = startedAt[k] - startedAt[k - 1];
                    assertTrue(gap < interval, "retry " + k + " ran after the group commit, not the interval: "
                        + gap / 1000 + " us");
                }
                long rest = startedAt[runs - 1] - startedAt[runs - 2];
                assertTrue(rest >= interval, "after " + WalWriter.MAX_RESTART_TRIES + " retries the interval holds: "
                    + rest / 1000 + " us");
                assertFalse(writer.wholeWalCheckpointed(queue.committedSeq()), "a commit came during every one");
            } finally {
                writer.close();
            }
        }
    }

    /**
     * A full disk fails every background checkpoint while commits go on (every {@link WalWriter#CHECKPOINT_NANOS}):
     * one WARN says so, in plain words, and the first checkpoint that works again says how many failed. Before
     * (session 39) each failure was a WARN with the bare exception: four in a row in StdinFullDiskTest's stderr.
     */
    @Test
    void failedCheckpointsAreOneWarningAndTheFirstThatWorksSaysHowManyFailed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(), "captured logs");
        Path db = dir.resolve("full.db");
        int failing = 5;
        AtomicInteger run = new AtomicInteger();
        DurabilityQueue queue = new DurabilityQueue(0);
        java.util.concurrent.atomic.AtomicReference<WalWriter> ref = new java.util.concurrent.atomic.AtomicReference<>();
        WalWriter.Checkpoint full = conn -> {
            int n = run.incrementAndGet();
            if (n <= failing + 1) {
                queue.committed(n + 1); // commits go on: the next checkpoint is due
                ref.get().wake();
            }
            if (n <= failing) {
                throw new org.sqlite.SQLiteException("[SQLITE_FULL] Insertion failed because database is full "
                    + "(database or disk is full)", org.sqlite.SQLiteErrorCode.SQLITE_FULL);
            }
            return WalWriter.PASSIVE.run(conn);
        };
        try (Connection conn = walDatabase(db);
             var warnings = dev.logmesh.testkit.CapturedLogs.tally(org.slf4j.event.Level.WARN, "checkpoint of",
                 db.getFileName().toString(), "failed");
             var again = dev.logmesh.testkit.CapturedLogs.tally(org.slf4j.event.Level.INFO, "checkpoints of",
                 db.getFileName().toString(), "work again (" + failing + " failed meanwhile)")) {
            WalWriter writer = new WalWriter(db, true, wal -> { }, queue, full);
            ref.set(writer);
            try {
                insert(conn, 1);
                queue.committed(1);
                writer.wake();
                await().atMost(Duration.ofSeconds(20)).until(() -> run.get() > failing);
                assertEquals(1, warnings.count(), "one warning for " + failing + " failed checkpoints");
                await().atMost(Duration.ofSeconds(10)).until(() -> again.count() == 1);
                assertTrue(dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN, "checkpoint of")
                    .stream().anyMatch(e -> e.message().contains("the disk is full")), "said in plain words");
            } finally {
                writer.close();
            }
        }
    }
}
