package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/**
 * {@link MeshNode#close} with a large backlog: 100,000 adds posted without waiting, a SQLite store, a peer that
 * stopped reading. Before, the close's task waited behind every queued add, close logged "the node loop did not
 * run a task within 5 s" and went on closing the transport and the loop while the loop still ran adds (6.2 s in
 * the run that found it). Now every queued call runs before the close's task, as long as the loop gets on with
 * them: close is quiet and nothing is lost or doubled (every add completed, each in the log once). A loop stuck in
 * a subscriber is not waited for forever: the calls still queued fail unrun, and are not in the log.
 */
@Tag("slow")
class CloseBacklogTest {

    @Test
    void closeWithAHundredThousandQueuedAddsIsQuietAndLosesNothing(@TempDir Path dir) throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        int n = 100_000;
        Path data = dir.resolve("a");
        List<CompletableFuture<Meta>> adds = new ArrayList<>(n);
        long closeMillis;
        try (CapturedLogs.Tally stuck = CapturedLogs.tally(Level.WARN, "did not run a task");
             MeshNode peer = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).build())) {
            MeshNode node = MeshNode.start(NodeConfig.builder().name("a").dataDir(data).mdns(false)
                .peer(peer.url()).build());
            await().atMost(Duration.ofSeconds(20))
                .until(() -> node.peers().join().stream().anyMatch(MeshNode.PeerStatus::connected));
            peer.pauseReceiving(); // a slow peer: what the node sends it waits
            for (int i = 0; i < n; i++) {
                adds.add(node.add(Action.ofType("bulk/" + i)));
            }
            long t0 = System.nanoTime();
            node.close();
            closeMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, stuck.count(), "close waited for the loop: " + CapturedLogs.events());
        }
        // every future is done after close: completed (in the log) or failed "node is closed" (not in it)
        Set<ActionId> completed = new HashSet<>();
        int failed = 0;
        for (CompletableFuture<Meta> f : adds) {
            assertTrue(f.isDone(), "a future left pending");
            try {
                completed.add(f.join().id());
            } catch (CompletionException e) {
                assertTrue(e.getCause() instanceof IllegalStateException
                    && e.getCause().getMessage().contains("node is closed"), e.toString());
                failed++;
            }
        }
        assertEquals(n, completed.size() + failed);
        assertEquals(0, failed, "adds queued before the close and not run");
        try (MeshNode again = MeshNode.start(NodeConfig.builder().name("a").dataDir(data).mdns(false).build())) {
            List<Entry> log = again.entries().join();
            Set<ActionId> ids = new HashSet<>();
            log.forEach(e -> ids.add(e.id()));
            assertEquals(log.size(), ids.size(), "an entry twice");
            assertEquals(completed, ids, "the log holds exactly the adds that completed");
        }
        System.err.println("close took " + closeMillis + " ms; " + completed.size() + " adds completed, " + failed
            + " failed as not run");
    }

    @Test
    void aLoopStuckInASubscriberIsNotWaitedForAndTheCallsQueuedBehindItFail(@TempDir Path dir) throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        Path data = dir.resolve("a");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch blocking = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Meta> first;
        List<CompletableFuture<Meta>> behind = new ArrayList<>();
        try (CapturedLogs.Tally stuck = CapturedLogs.tally(Level.WARN, "took none of the")) {
            MeshNode node = MeshNode.start(NodeConfig.builder().name("a").dataDir(data).mdns(false).build());
            node.subscribe("block", e -> {
                blocking.countDown();
                try {
                    release.await(); // an application's subscriber that blocks the loop
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
            first = node.add(Action.ofType("block"));
            blocking.await();
            for (int i = 0; i < 10; i++) {
                behind.add(node.add(Action.ofType("behind/" + i)));
            }
            Thread closer = new Thread(node::close, "closer");
            closer.start();
            // the close takes the loop as stuck after CLOSE_STUCK_MILLIS without progress; then the subscriber ends
            await().atMost(Duration.ofSeconds(30)).until(() -> stuck.count() > 0);
            release.countDown();
            closer.join(30_000);
            assertTrue(!closer.isAlive(), "close returned");
        }
        for (CompletableFuture<Meta> f : behind) {
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, f::join);
            assertTrue(e.getCause().getMessage().contains("node is closed"), e.toString());
        }
        ActionId kept = first.join().id();
        try (MeshNode again = MeshNode.start(NodeConfig.builder().name("a").dataDir(data).mdns(false).build())) {
            assertEquals(List.of(kept), again.entries().join().stream().map(Entry::id).toList(),
                "the add that ran is kept, those not run are not in the log");
        }
    }

    @Test
    void anAddQueuedJustBeforeCloseIsRunAndKept(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("a");
        CompletableFuture<Meta> add;
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").dataDir(data).mdns(false).build())) {
            add = node.add(Action.ofType("last")); // not waited for
        }
        ActionId id = add.join().id();
        try (MeshNode again = MeshNode.start(NodeConfig.builder().name("a").dataDir(data).mdns(false).build())) {
            assertEquals(List.of(id), again.entries().join().stream().map(Entry::id).toList());
        }
    }
}
