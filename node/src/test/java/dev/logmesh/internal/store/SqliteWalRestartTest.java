package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.spi.Order;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL starts from its beginning again under unbroken writing (issue 12, SQLite rtt): a WAL that only grows makes
 * every group commit's fdatasync also commit the file's new size to the file system's journal, which on the
 * reference disk took the round trip's fsync from ~0.3 to ~0.9 ms.
 */
class SqliteWalRestartTest {
    @TempDir
    Path dir;

    /** The WAL header's salts (bytes 16–23): SQLite draws new ones each time it starts the WAL from its beginning. */
    private static long salts(Path wal) throws IOException {
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, 16);
            return b.flip().getLong();
        }
    }

    static Entry e(int i) {
        return entry("chat/add", (1000 + i) + " n 0", 1000 + i, "r");
    }

    /**
     * As a node in a round trip: one add, a read (a session's pump sends it at once), its durability awaited, again
     * and again.
     * Before, the read left the loop's connection in a read transaction that the next write upgraded, so SQLite never
     * started the WAL again however complete the checkpoints were: it grew by every commit (70 MB in 6 s of rtt).
     */
    @Test
    void theWalStartsAgainFromItsBeginningWhileAddsAndReadsGoOn() throws Exception {
        Path db = dir.resolve("log.db");
        try (SqliteStore s = SqliteStore.open(db)) {
            Path wal = dir.resolve("log.db-wal");
            s.add(List.of(e(0)));
            long first = salts(wal);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int i = 1;
            boolean restarted = false;
            while (!restarted && System.nanoTime() < deadline) {
                s.add(List.of(e(i++)));
                s.page(Order.ADDED, true, (long) (i - 2), 10); // the session's pump sends the entry at once
                CountDownLatch durable = new CountDownLatch(1);
                s.whenDurable(durable::countDown, Runnable::run);
                assertTrue(durable.await(20, TimeUnit.SECONDS), "durable");
                restarted = salts(wal) != first;
            }
            assertTrue(restarted, "the WAL never started again in " + i + " commits (it has "
                + java.nio.file.Files.size(wal) / 1024 + " KiB)");
        }
    }
    /**
     * A FULL store's WAL file has {@link WalWriter#WAL_PREFILL_BYTES} from its open (zeros past its frames), so the
     * commits within them never change the file's size and their fdatasyncs write no metadata; the zeros are no
     * frame, so the store opened again holds each committed entry, once. Before (session 45) the file grew as frames
     * were written past its end: under the SQLite rtt the WAL ran on from 5 to 15 MiB in a run, and each commit of those
     * stretches was an fdatasync that committed the file system's journal too (perf: writes past the file's end, all
     * on the growing WAL).
     */
    @Test
    void aFullStoresWalHasRoomAheadSoItsCommitsDoNotGrowTheFile() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.getFileStore(dir).getUsableSpace()
            > SqliteStore.WAL_ROOMY_FREE_BYTES + WalWriter.WAL_PREFILL_BYTES, "a file system with room to spare");
        Path db = dir.resolve("log.db");
        Path wal = dir.resolve("log.db-wal");
        int n = 300;
        try (SqliteStore s = SqliteStore.open(db)) {
            long size = java.nio.file.Files.size(wal);
            org.junit.jupiter.api.Assertions.assertEquals(WalWriter.WAL_PREFILL_BYTES, size, "room ahead at open");
            for (int i = 0; i < n; i++) {
                s.add(List.of(e(i)));
                CountDownLatch durable = new CountDownLatch(1);
                s.whenDurable(durable::countDown, Runnable::run);
                assertTrue(durable.await(20, TimeUnit.SECONDS), "durable");
            }
            org.junit.jupiter.api.Assertions.assertEquals(size, java.nio.file.Files.size(wal),
                "the WAL's file grew under " + n + " commits");
            // as a kill -9 leaves them: the database, its WAL (frames, then zeros) and its index, copied while open
            Path crashed = dir.resolve("crashed");
            java.nio.file.Files.createDirectories(crashed);
            for (String suffix : List.of("", "-wal", "-shm")) {
                java.nio.file.Files.copy(dir.resolve("log.db" + suffix), crashed.resolve("log.db" + suffix));
            }
            try (SqliteStore again = SqliteStore.open(crashed.resolve("log.db"))) {
                List<Entry> held = again.page(Order.ADDED, true, 0L, 2 * n);
                org.junit.jupiter.api.Assertions.assertEquals(n, held.size(), "each committed entry once");
                org.junit.jupiter.api.Assertions.assertEquals(n, held.stream().map(Entry::id).distinct().count());
            }
        }
    }

    /**
     * The open's {@code fdatasync} carries what the open wrote (schema, upgrade), not the room ahead: its 32 MiB of
     * zeros are written after it and flushed by the writer thread. Carried by the open's (session 45), their flush took
     * 25-55 ms of every SQLite node's start here (the WAL is deleted at a clean close, so each open writes them again).
     * Commits after the open stay durable and within the file.
     */
    @Test
    void theOpensFdatasyncDoesNotCarryTheWalsRoomAhead() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.getFileStore(dir).getUsableSpace()
            > SqliteStore.WAL_ROOMY_FREE_BYTES + WalWriter.WAL_PREFILL_BYTES, "a file system with room to spare");
        Path db = dir.resolve("log.db");
        Path wal = dir.resolve("log.db-wal");
        Thread opener = Thread.currentThread();
        List<Long> atOpen = new java.util.concurrent.CopyOnWriteArrayList<>();
        WalWriter.WalSync sync = channel -> {
            if (Thread.currentThread() == opener) {
                atOpen.add(channel.size());
            }
            channel.force(false);
        };
        try (SqliteStore s = SqliteStore.open(db, SqliteStore.Options.DEFAULT, sync)) {
            org.junit.jupiter.api.Assertions.assertFalse(atOpen.isEmpty(), "the open fdatasynced its WAL");
            assertTrue(atOpen.stream().allMatch(size -> size < WalWriter.WAL_PREFILL_BYTES),
                "the open's fdatasync carried the room ahead (the WAL's size at each: " + atOpen + ")");
            org.junit.jupiter.api.Assertions.assertEquals(WalWriter.WAL_PREFILL_BYTES, java.nio.file.Files.size(wal),
                "room ahead");
            for (int i = 0; i < 20; i++) {
                s.add(List.of(e(i)));
                CountDownLatch durable = new CountDownLatch(1);
                s.whenDurable(durable::countDown, Runnable::run);
                assertTrue(durable.await(20, TimeUnit.SECONDS), "durable");
            }
            org.junit.jupiter.api.Assertions.assertEquals(WalWriter.WAL_PREFILL_BYTES, java.nio.file.Files.size(wal),
                "the WAL's file grew");
        }
    }

    /**
     * With {@link SqliteStore.Durability#NORMAL} the writer thread forces nothing, but it still runs the checkpoints.
     * Before, only a {@code FULL} commit woke it: in {@code NORMAL} it slept from the open to the close, no checkpoint
     * ran and the WAL grew by every commit (the loop's connection has {@code wal_autocheckpoint} off). Here a burst of
     * commits fills the WAL, then adds come one per poll (50 ms, under the checkpoint interval of 250 ms): a checkpoint
     * with no commit while it runs copies the whole WAL, and the next add starts it from its beginning. A burst alone
     * does not show it: on an idle machine NORMAL commits (no fsync) come faster than a checkpoint can finish without
     * one meanwhile (CI saw 64 MiB in 3,926 commits and 0.5 s).
     */
    @Test
    void normalDurabilityCheckpointsAndStartsTheWalAgainToo() throws Exception {
        Path db = dir.resolve("normal.db");
        try (SqliteStore s = SqliteStore.open(db, new SqliteStore.Options(SqliteStore.Durability.NORMAL, false))) {
            Path wal = dir.resolve("normal.db-wal");
            s.add(List.of(e(0)));
            long first = salts(wal);
            int[] i = {1};
            while (i[0] < 2000) {
                s.add(List.of(e(i[0]++)));
                s.page(Order.ADDED, true, (long) (i[0] - 2), 10);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(50))
                .failFast("the WAL only grew (" + i[0] + " commits)", () -> java.nio.file.Files.size(wal) > (64L << 20))
                .until(() -> {
                    s.add(List.of(e(i[0]++)));
                    s.page(Order.ADDED, true, (long) (i[0] - 2), 10);
                    return salts(wal) != first;
                });
        }
    }
}
