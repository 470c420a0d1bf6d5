package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.LocalMesh;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * embed22's trial (an application embedding a node): a subscriber that reacted to an action by adding another and
 * waiting for it ({@code node.add(a).join()}) hung the node for good: the loop that completes the future was the
 * thread waiting for it, so the add that reached the subscriber never completed, nor did any later add of any
 * thread, and {@code close()} took 18 s (5 s to find the loop stuck, then its own waits). Now waiting for a node's
 * future on its loop thread, before it is done, throws {@link IllegalStateException} at once, saying why: the
 * subscriber is logged and skipped as for any exception, and the node goes on.
 */
class LoopBlockingTest {
    static MeshNode start() throws Exception {
        return MeshNode.start(NodeConfig.builder().name("app").memory().mdns(false).noListen().build());
    }

    /** Runs {@code wait} in a subscriber of "go" and returns what it threw (or null). */
    static Throwable inSubscriber(MeshNode node, Consumer<MeshNode> wait) throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        node.subscribe("go", e -> {
            try {
                wait.accept(node);
                thrown.complete(null);
            } catch (RuntimeException ex) {
                thrown.complete(ex);
            }
        });
        long t0 = System.nanoTime();
        Meta go = node.add(Action.ofType("go")).get(10, TimeUnit.SECONDS); // timed out before: the loop hung
        assertTrue(go.added() > 0);
        Throwable t = thrown.get(10, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "the wait was refused at once");
        // the node goes on: a later add from this thread completes, and the one the subscriber added is in the log
        node.add(Action.ofType("later")).get(10, TimeUnit.SECONDS);
        return t;
    }

    static void assertRefused(Throwable t) {
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, t);
        assertTrue(e.getMessage().contains("on the node's loop thread"), e.getMessage());
    }

    @Test
    void joiningAnAddInASubscriberThrowsAndTheNodeGoesOn() throws Exception {
        try (MeshNode node = start()) {
            assertRefused(inSubscriber(node, n -> n.add(Action.ofType("follow-up")).join()));
            assertEquals(java.util.List.of("go", "follow-up", "later"), node.entries().get(10, TimeUnit.SECONDS)
                .stream().map(e -> e.action().type()).toList());
        }
    }

    @Test
    void getWithATimeoutAndDependentStagesAreRefusedToo() throws Exception {
        try (MeshNode node = start()) {
            assertRefused(inSubscriber(node, n -> {
                try {
                    n.entries().get(3, TimeUnit.SECONDS); // blocked the loop for 3 s, then timed out, before
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
                    throw new java.util.concurrent.CompletionException(ex); // not an Error: that ends the node
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new java.util.concurrent.CompletionException(ex);
                }
            }));
        }
        try (MeshNode node = start()) {
            assertRefused(inSubscriber(node, n -> n.peers().thenApply(java.util.List::size).join()));
        }
        try (MeshNode node = start()) {
            assertRefused(inSubscriber(node, n -> n.ask(Action.ofType("x/ask"), "x/done", Duration.ofSeconds(1))
                .join()));
        }
    }

    /**
     * The test kit's manual loop runs on the test's thread: an app's test that joined an add before running the
     * loop hung for good (the task was queued, and only the test runs the queue).
     */
    @Test
    void waitingOnAManualLoopBeforeRunningItThrows() {
        try (LocalMesh mesh = new LocalMesh(1)) {
            MeshNode alice = mesh.start("alice");
            CompletableFuture<Meta> add = alice.add(Action.ofType("x"));
            IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IllegalStateException.class, add::join));
            assertTrue(e.getMessage().contains("run the loop first"), e.getMessage());
            mesh.runAll();
            assertTrue(add.join().added() > 0); // done: read as before
        }
    }

    @Test
    void aDoneFutureMayBeReadOnTheLoopAndOtherThreadsStillWait() throws Exception {
        try (MeshNode node = start()) {
            CompletableFuture<Meta> first = node.add(Action.ofType("first"));
            first.get(10, TimeUnit.SECONDS); // another thread waits as before
            assertEquals(null, inSubscriber(node, n -> first.join())); // done: nothing to wait for
        }
    }
}
