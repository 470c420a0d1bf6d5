package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A breaker's run (session 18): an application that closes its node while adds are in flight (the window closed
 * while an executor still adds, or {@code close()} from inside a subscriber) had adds fail with "node is closed"
 * though their actions were in the log, durable, and delivered to subscribers: of 120,000 adds from 6 threads and a
 * close, 27,567 to 98,990 failed but were stored (5 rounds), so an application that adds a failed action again
 * duplicates it. The acknowledgements were waiting for the store's group commit on the loop that close() ends. Now
 * an add whose action reached the log completes once the store's close made it durable; only adds whose action is
 * not in the log fail.
 */
class CloseWithAddsInFlightTest {
    @TempDir
    Path dir;

    MeshNode start() throws Exception {
        return MeshNode.start(NodeConfig.builder().name("app").dataDir(dir).mdns(false).noListen().build());
    }

    List<String> typesInLog() throws Exception {
        try (MeshNode again = start()) {
            return again.entries().get(10, TimeUnit.SECONDS).stream().map(e -> e.action().type()).toList();
        }
    }

    @Test
    void closeInsideASubscriberDoesNotFailTheAddItWasGiven() throws Exception {
        closeInsideASubscriber(start()); // the subscriber runs after the group commit, or during the add when
        // the commit was durable at once (1 run in 3 of a breaker's program)
        assertEquals(List.of("stop"), typesInLog());
    }

    @Test
    void closeInsideASubscriberOfAMemoryNodeDoesNotFailTheAddItWasGiven() throws Exception {
        // a memory store is durable at once: the subscriber runs during the add, inside its loop task
        closeInsideASubscriber(MeshNode.start(NodeConfig.builder().name("app").memory().mdns(false).noListen()
            .build()));
    }

    static void closeInsideASubscriber(MeshNode node) throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        node.subscribe("stop", e -> {
            node.close();
            closed.complete(null);
        });
        CompletableFuture<Meta> stop = node.add(Action.ofType("stop"));
        closed.get(10, TimeUnit.SECONDS);
        Meta meta = stop.get(10, TimeUnit.SECONDS); // failed with "node is closed" before
        assertTrue(meta.added() > 0);
    }

    @Test
    void anAddFailsAtCloseExactlyWhenItsActionIsNotInTheLog() throws Exception {
        MeshNode node = start();
        node.add(Action.ofType("first")).get(10, TimeUnit.SECONDS);
        List<CompletableFuture<Meta>> adds = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            adds.add(node.add(Action.ofType("a" + i))); // queued faster than the loop commits them
        }
        node.close();
        Set<String> acknowledged = new HashSet<>();
        int failed = 0;
        for (int i = 0; i < adds.size(); i++) {
            CompletableFuture<Meta> f = adds.get(i);
            assertTrue(f.isDone(), "every future is done when close() returns");
            try {
                f.join();
                acknowledged.add("a" + i);
            } catch (CompletionException e) {
                assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
                failed++;
            }
        }
        Set<String> inLog = new HashSet<>(typesInLog());
        inLog.remove("first");
        Set<String> failedButStored = new HashSet<>(inLog);
        failedButStored.removeAll(acknowledged);
        Set<String> acknowledgedButLost = new HashSet<>(acknowledged);
        acknowledgedButLost.removeAll(inLog);
        assertEquals(0, failedButStored.size() + acknowledgedButLost.size(), failed + " adds failed, " + inLog.size()
            + " stored, " + failedButStored.size() + " failed though stored, " + acknowledgedButLost.size()
            + " acknowledged but not stored");
    }
}
