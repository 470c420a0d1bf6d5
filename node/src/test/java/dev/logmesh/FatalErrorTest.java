package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 8: an {@code OutOfMemoryError} on the node's loop was caught and logged, and the node went on
 * half alive (it stopped syncing, its peer's "behind" rose, the session died). An {@link Error} on the loop now
 * ends the node loudly: an {@code error} event, the node closes, {@link MeshNode#whenClosed()} fails with it,
 * and no future is left hanging. The error is injected from a subscriber, on a node with its own loop thread.
 */
class FatalErrorTest {

    @Test
    void anErrorOnTheLoopEndsTheNodeLoudly() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").mdns(false).noListen().build(),
            List.of(new MeshNode.Listener() {
                @Override
                public void error(String message) {
                    errors.add(message);
                }
            }));
        try {
            OutOfMemoryError injected = new OutOfMemoryError("Java heap space (injected)");
            node.subscribe("boom", e -> {
                throw injected;
            });
            node.add(Action.ofType("fine")).get(5, TimeUnit.SECONDS);

            CompletableFuture<Meta> add = node.add(Action.ofType("boom"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> add.get(5, TimeUnit.SECONDS),
                "the call that hit the error completes");
            assertSame(injected, e.getCause());

            ExecutionException closed = assertThrows(ExecutionException.class,
                () -> node.whenClosed().get(5, TimeUnit.SECONDS), "the node closed itself");
            assertSame(injected, closed.getCause());
            assertEquals(List.of("fatal error, the node stops: " + injected), errors);
            ExecutionException after = assertThrows(ExecutionException.class,
                () -> node.entries().get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, after.getCause());
            assertTrue(after.getCause().getMessage().contains("fatal error"), after.getCause().getMessage());
            // before (embed34): NodeHealth[writable=true, problem=null, ...], as if it served on
            assertEquals(false, node.health().writable());
            assertEquals("node is closed after a fatal error: " + injected, node.health().problem());
            // the loop thread is gone too
            await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("logmesh-" + node.nodeId())));
        } finally {
            node.close();
        }
    }

    @Test
    void aRuntimeExceptionOnTheLoopDoesNotEndTheNode() throws Exception {
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("n").mdns(false).noListen().build())) {
            node.subscribe("bug", e -> {
                throw new IllegalStateException("an application bug");
            });
            node.add(Action.ofType("bug")).get(5, TimeUnit.SECONDS);
            node.add(Action.ofType("fine")).get(5, TimeUnit.SECONDS);
            assertEquals(2, node.entries().get(5, TimeUnit.SECONDS).size());
            assertTrue(!node.whenClosed().isDone());
        }
    }
}
