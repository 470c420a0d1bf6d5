package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.spi.PeerCursor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit in {@link SqliteStore} (issue 12): a call commits without waiting for the disk, the writer thread
 * flushes groups of commits, and {@code whenDurable} callbacks run only after the flush that covers them.
 */
class SqliteGroupCommitTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    final SlowDisk disk = new SlowDisk();
    /** Stands in for the node's loop: one thread, tasks in order. */
    final ExecutorService loop = Executors.newSingleThreadExecutor();
    final List<SqliteStore> open = new ArrayList<>();

    @AfterEach
    void tearDown() {
        disk.release();
        for (SqliteStore s : open) {
            try {
                s.close();
            } catch (StoreException e) {
                // a store whose disk failed may not close cleanly
            }
        }
        loop.shutdownNow();
    }

    SqliteStore store() {
        SqliteStore s = disk.open(dir.resolve("log.db"));
        open.add(s);
        return s;
    }

    static Entry e(int i) {
        return entry("chat/add", (1000 + i) + " n 0", 1000 + i, "r");
    }

    @Test
    void aCommitDoesNotWaitForTheDiskAndIsAcknowledgedOnlyAfterIt() {
        SqliteStore s = store();
        disk.hold(); // the disk never finishes a flush until released
        Meta m = s.add(List.of(e(1))).get(0); // returns: the caller never waits for the flush
        assertEquals(1, m.added());
        assertEquals(1, s.lastAdded());
        assertEquals(0, s.durableAdded(), "committed, not durable yet");
        assertTrue(s.seen(e(1).id()) && s.byId(e(1).id()).isPresent(), "later calls see a commit at once");
        assertNull(s.add(List.of(e(1))).get(0), "an id committed but not durable yet is a duplicate");

        ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
        s.whenDurable(() -> ran.add(Thread.currentThread().getName()), loop);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(ran::isEmpty);

        disk.release();
        await().atMost(WAIT).until(() -> ran.size() == 1);
        assertEquals(2, s.durableAdded() + 1, "durable up to the entry (the duplicate added nothing)");
        assertTrue(ran.peek().startsWith("pool"), "ran on the executor given, not the writer thread: " + ran);

        List<String> now = new ArrayList<>();
        s.whenDurable(() -> now.add("inline"), loop);
        assertEquals(List.of("inline"), now, "everything durable: runs at once on the calling thread");
    }

    @Test
    void commitsMadeDuringAFlushShareTheNextOne() {
        SqliteStore s = store();
        disk.hold();
        int before = disk.flushes();
        AtomicInteger acknowledged = new AtomicInteger();
        s.add(List.of(e(0)));
        await().atMost(WAIT).until(() -> disk.flushes() == before + 1); // the writer is inside a flush
        for (int i = 1; i <= 50; i++) {
            s.add(List.of(e(i)), Map.of("peer", new PeerCursor(i, 0)));
            s.whenDurable(acknowledged::incrementAndGet, loop);
        }
        disk.release();
        await().atMost(WAIT).until(() -> acknowledged.get() == 50);
        assertEquals(51, s.durableAdded());
        assertEquals(before + 2, disk.flushes(), "51 commits, two flushes: the one under way and one for the rest");
    }

    @Test
    void callbacksRunInTheOrderTheyWereRegistered() {
        SqliteStore s = store();
        disk.delay(5);
        ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            s.add(List.of(e(i)));
            int n = i;
            s.whenDurable(() -> order.add(n), loop);
            expected.add(i);
        }
        await().atMost(WAIT).until(() -> order.size() == 200);
        assertEquals(expected, new ArrayList<>(order));
    }

    @Test
    void aFailedFlushAcknowledgesNothingAndTheStoreRefusesWrites() {
        SqliteStore s = store();
        disk.fail(new IOException("Input/output error"));
        s.add(List.of(e(1)));
        AtomicInteger acknowledged = new AtomicInteger();
        s.whenDurable(acknowledged::incrementAndGet, loop);
        StoreException refused = await().atMost(WAIT).until(() -> {
            try {
                s.add(List.of(e(2)));
                return null;
            } catch (StoreException ex) {
                return ex;
            }
        }, x -> x != null);
        assertNotNull(refused);
        assertTrue(refused.getMessage().contains("flushing it to disk failed"), refused.getMessage());
        s.whenDurable(acknowledged::incrementAndGet, loop);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> acknowledged.get() == 0);
        assertEquals(0, s.durableAdded());
        assertThrows(StoreException.class, () -> s.setCursor("p", new PeerCursor(1, 1)));
    }

    @Test
    void closeFlushesWhatWasCommittedAndTheWalStaysBoundedUnderWrites() throws Exception {
        SqliteStore s = store();
        Path wal = dir.resolve("log.db-wal");
        long largest = 0;
        int n = 0;
        for (int round = 0; round < 400; round++) {
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(e(n++));
            }
            s.add(batch);
            largest = Math.max(largest, Files.size(wal));
        }
        assertTrue(largest < 64L * 1024 * 1024, "checkpoints on the writer thread keep the WAL bounded: " + largest);
        s.close();
        open.remove(s);
        SqliteStore again = store();
        assertEquals(n, again.size());
        assertEquals(n, again.durableAdded());
    }
}
