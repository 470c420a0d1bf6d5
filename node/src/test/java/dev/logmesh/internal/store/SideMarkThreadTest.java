package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, durable writes off the network thread: the side file's {@code added} mark (written about once a second
 * while commits go on, an fsync each) is written by the store's writer thread, never by the thread that adds (the
 * node's loop). Before, every add that found the mark a second old wrote and fsynced it itself.
 */
class SideMarkThreadTest {
    @TempDir
    Path dir;

    @AfterEach
    void unhook() {
        ClockFile.beforeWrite = null;
    }

    @Test
    void theAddedMarkIsWrittenByTheWriterThreadNotByTheCaller() throws Exception {
        Set<String> writers = ConcurrentHashMap.newKeySet();
        try (SqliteStore s = SqliteStore.open(dir.resolve("log.db"))) {
            ClockFile.beforeWrite = () -> writers.add(Thread.currentThread().getName());
            AtomicInteger i = new AtomicInteger();
            Set<String> callers = ConcurrentHashMap.newKeySet();
            // an add at each poll (every 100 ms): after a second of commits one of them finds the mark due
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                callers.add(Thread.currentThread().getName());
                int n = i.incrementAndGet();
                s.add(List.of(entry("t", (1000 + n) + " n 0", 1000 + n, "r")));
                return !writers.isEmpty();
            });
            String caller = callers.iterator().next();
            assertEquals(Set.of("logmesh-writer log.db"), writers, "the side file was written by " + writers
                + "; the adds ran on " + caller);
        }
    }
}
