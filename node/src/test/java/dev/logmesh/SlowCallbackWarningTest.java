package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.testkit.CapturedLogs;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * Session 29, an embedding trial: a subscriber that blocked for 12 s made the node's peers end their sessions with
 * it ("timed out: no synced for 8950 ms ... the peer is gone or the link is slower than 16384 bytes/s", said by the
 * peer), while the node whose application blocked it said nothing. Now a task that holds a node's loop for {@link
 * SystemLoop#SLOW_TASK_MILLIS} or longer is warned about by that node, saying what it does to the sessions and what
 * to do; at most once a minute.
 */
class SlowCallbackWarningTest {

    @Test
    void aSubscriberThatBlocksTheLoopIsWarnedAboutOnce() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        CountDownLatch never = new CountDownLatch(1);
        // either form: said when it returns ("held the node loop"), or by the loop's watch while it ran ("has not
        // returned yet") when the watch's half-second look came in its last 100 ms (session 36: the tally counted the
        // first form only, and the test failed when the watch said it, under load)
        try (CapturedLogs.Tally warned = CapturedLogs.tally(Level.WARN, "must not block");
             MeshNode node = MeshNode.start(NodeConfig.builder().name("slow").memory().noListen().mdns(false).build())) {
            node.subscribe("slow", e -> {
                try {
                    // the application's mistake under test: a subscriber that blocks the loop (I/O, a lock, ...)
                    assertTrue(!never.await(SystemLoop.SLOW_TASK_MILLIS + 100, TimeUnit.MILLISECONDS));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
            node.add(Action.ofType("fast")).get(10, TimeUnit.SECONDS);
            node.add(Action.ofType("slow")).get(30, TimeUnit.SECONDS);
            // before: 0, and nothing else said why the node's sessions ended
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> warned.count() == 1);
            node.add(Action.ofType("slow")).get(30, TimeUnit.SECONDS);
            node.add(Action.ofType("fast")).get(10, TimeUnit.SECONDS);
            assertEquals(1, warned.count(), "a second slow task within a minute is counted, not said again");
        }
    }

    /**
     * A task the loop's watch said while it ran, then another slow one within the minute: one warning, not two.
     * Before (session 36), the second, said when it returned, was a second WARN within the minute ("expected: <1>
     * but was: <2>"), since the two ways of saying it kept their minutes apart.
     */
    @Test
    void aSlowTaskAfterOneTheWatchSaidWithinTheMinuteIsCountedNotSaidAgain() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        CountDownLatch never = new CountDownLatch(1);
        try (CapturedLogs.Tally warned = CapturedLogs.tally(Level.WARN, "must not block");
             CapturedLogs.Tally whileRunning = CapturedLogs.tally(Level.WARN, "has not returned yet");
             MeshNode node = MeshNode.start(NodeConfig.builder().name("slow2").memory().noListen().mdns(false).build())) {
            node.subscribe("slow", e -> {
                try {
                    // long enough that the watch (every 500 ms) sees it run past SLOW_TASK_MILLIS, whatever its phase
                    assertTrue(!never.await(SystemLoop.SLOW_TASK_MILLIS + 1_000, TimeUnit.MILLISECONDS));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
            node.add(Action.ofType("slow")).get(30, TimeUnit.SECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> whileRunning.count() == 1);
            node.add(Action.ofType("slow")).get(30, TimeUnit.SECONDS);
            node.add(Action.ofType("fast")).get(10, TimeUnit.SECONDS);
            assertEquals(1, warned.count(), "a second slow task within a minute is counted, not said again");
        }
    }

    /**
     * embed33: a subscriber that never returns (it waits for a latch that another thread, itself waiting for one of
     * the node's futures, never counts down) hung every call on the node without a line of its own: the warning
     * above comes only once a task returns, and {@code close} then took 18 s (5 s to find the loop stuck, then 5 s
     * more for its task, then 6 s for the loop's shutdown). Now the node says it while it blocks, with where the
     * loop thread is (the subscriber's frame), and closes within the stuck wait and the transport's 2 s.
     */
    @Test
    void aSubscriberThatNeverReturnsIsSaidWhileItBlocksWithWhereAndCloseDoesNotWaitForIt() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        CountDownLatch never = new CountDownLatch(1);
        try (CapturedLogs.Tally stuck = CapturedLogs.tally(Level.WARN, "has not returned yet", "must not block",
            "CountDownLatch.await", SlowCallbackWarningTest.class.getName() + ".lambda$")) {
            MeshNode node = MeshNode.start(NodeConfig.builder().name("stuck").memory().noListen().mdns(false).build());
            try {
                node.subscribe("stuck", e -> {
                    try {
                        never.await(); // the application's mistake under test: it never returns
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
                node.add(Action.ofType("stuck"));
                // before: nothing said while it blocked ("Condition ... was not fulfilled within 10 seconds")
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stuck.count() == 1);
                node.add(Action.ofType("queued")); // a call the stuck loop never takes
                long started = System.nanoTime();
                node.close();
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                // before: 18 s
                assertTrue(tookMs < MeshNode.CLOSE_STUCK_MILLIS + 4_000, "close took " + tookMs + " ms");
                assertEquals(1, stuck.count(), "said once per task");
            } finally {
                never.countDown();
            }
        }
    }

    /**
     * embed34: a subscriber that blocked the loop for 2-5 s was said twice, at WARN both times: by the watch while it
     * ran ("has run one task for 2191 ms and it has not returned yet") and again when it returned ("one task held the
     * node loop ... for 3000 ms"). Now one WARN per task; its return after the watch's warning is an INFO line.
     */
    @Test
    void aSubscriberThatBlocksSomeSecondsIsOneWarning() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        CountDownLatch never = new CountDownLatch(1);
        try (CapturedLogs.Tally warned = CapturedLogs.tally(Level.WARN, "node loop", "must not block");
             CapturedLogs.Tally returned = CapturedLogs.tally(Level.INFO, "had not returned from returned after");
             MeshNode node = MeshNode.start(NodeConfig.builder().name("slow").memory().noListen().mdns(false).build())) {
            node.subscribe("slow", e -> {
                try {
                    // the application's mistake under test: long enough for the watch to see it (every 500 ms)
                    assertTrue(!never.await(SystemLoop.SLOW_TASK_MILLIS + 1_500, TimeUnit.MILLISECONDS));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
            node.add(Action.ofType("slow")).get(30, TimeUnit.SECONDS);
            node.add(Action.ofType("fast")).get(10, TimeUnit.SECONDS); // the slow task has returned and been said
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> returned.count() == 1);
            // before: 2 ("has not returned yet", then "held the node loop ... for 3500 ms")
            assertEquals(1, warned.count());
        }
    }

    /**
     * embed34: another process holding the write lock of a node's SQLite database (sqlite3, a backup tool) made the
     * node's write wait and retry on the loop for 2 s ({@code SQLITE_BUSY}), and the warning blamed the application:
     * "one task held the node loop ... for 2015 ms ... A subscriber, listener, answerer, state reducer or hook must
     * not block". Now it names the store and the lock.
     */
    @Test
    void aStoreWriteWaitingForAnotherProcesssLockIsNotBlamedOnTheApplication(@org.junit.jupiter.api.io.TempDir
                                                                              java.nio.file.Path dir) throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        try (CapturedLogs.Tally blamed = CapturedLogs.tally(Level.WARN, "node loop", "must not block");
             CapturedLogs.Tally store = CapturedLogs.tally(Level.WARN, "node loop", "node's own store", "lock");
             MeshNode node = MeshNode.start(NodeConfig.builder().name("busy").dataDir(dir).noListen().mdns(false)
                 .build())) {
            node.add(Action.ofType("first")).get(10, TimeUnit.SECONDS);
            // another process's connection takes the database's write lock and holds it
            try (java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("log.db"));
                 java.sql.Statement st = other.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> node.add(Action.ofType("second")).get(30, TimeUnit.SECONDS));
                assertTrue(failed.getCause().getMessage().contains("SQLITE_BUSY"), failed.getCause().toString());
                // before: "add failed on DIR/log.db: [SQLITE_BUSY] The database file is locked (database is locked);
                // nothing of this add was written", which did not say by whom
                assertTrue(failed.getCause().getMessage().contains("another process holds a lock on the database"),
                    failed.getCause().toString());
                st.execute("ROLLBACK");
            }
            node.add(Action.ofType("third")).get(10, TimeUnit.SECONDS);
            // before: 0, and 1 blaming the application's callbacks
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> store.count() == 1);
            assertEquals(0, blamed.count(), "no callback of the application ran");
        }
    }
}
