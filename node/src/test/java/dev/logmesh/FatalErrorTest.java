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
            // break41: the line says what to do about a full heap (before: only the error)
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("fatal error, the node stops: " + injected + "; the JVM's heap (at most "),
                errors.get(0));
            assertTrue(errors.get(0).contains("LOGMESH_JAVA_OPTS=-Xmx2g") && errors.get(0).contains("--data DIR"),
                errors.get(0));
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

    /**
     * embed35: an {@link AssertionError} from an application's {@link dev.logmesh.spi.Store} ended the node (right: the
     * node cannot know what its log holds after it), but nothing said the store threw it: the loop's "fatal error on the
     * node loop: the node stops" and the event "fatal error, the node stops: java.lang.AssertionError: ...". And while
     * the close ran, {@code health()} said writable and {@code subscribe} took a subscription that was never called.
     */
    @Test
    void anErrorFromTheStoreSaysWhichStoreCallAndTheNodeIsClosedToCallersAtOnce() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs the test kit's SLF4J provider (node's surefire configuration)");
        AuditStore store = new AuditStore(() -> new AssertionError("audit: 1 entry too many"));
        List<String> errors = new CopyOnWriteArrayList<>();
        List<Object> inTheWindow = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<MeshNode> self = new java.util.concurrent.atomic.AtomicReference<>();
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").store(store).noListen().build(),
            List.of(new MeshNode.Listener() {
                @Override
                public void error(String message) {
                    errors.add(message);
                    // the application's listener looks at the node: the close has not run yet
                    inTheWindow.add(self.get().health());
                    try {
                        self.get().subscribe("later", e -> { });
                        inTheWindow.add("subscribed");
                    } catch (IllegalStateException e) {
                        inTheWindow.add(e.getMessage());
                    }
                }
            }));
        self.set(node);
        try (dev.logmesh.testkit.CapturedLogs.Tally said = dev.logmesh.testkit.CapturedLogs.tally(
            org.slf4j.event.Level.ERROR, "the node's store dev.logmesh.AuditStore threw "
                + "java.lang.AssertionError: audit: 1 entry too many in its add call (at dev.logmesh.FatalErrorTest.", "so it stops; whenClosed() fails with the Error (a store reports",
            "as StoreException")) {
            node.add(Action.ofType("fine")).get(5, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> node.add(Action.ofType("boom")).get(5, TimeUnit.SECONDS));
            assertInstanceOf(AssertionError.class, e.getCause());
            ExecutionException closed = assertThrows(ExecutionException.class,
                () -> node.whenClosed().get(5, TimeUnit.SECONDS));
            assertSame(e.getCause(), closed.getCause());
            // before: 0 (only SystemLoop's generic line with a stack trace)
            assertEquals(1, said.count(), String.valueOf(dev.logmesh.testkit.CapturedLogs.matching(
                org.slf4j.event.Level.ERROR, "AssertionError")));
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("fatal error, the node stops: the node's store "
                + "dev.logmesh.AuditStore threw java.lang.AssertionError"), errors.get(0));
            // before: [NodeHealth[writable=true, problem=null, ...], "subscribed"]
            assertEquals(2, inTheWindow.size(), inTheWindow.toString());
            NodeHealth h = (NodeHealth) inTheWindow.get(0);
            assertEquals(false, h.writable(), h.toString());
            assertEquals("node is closed after a fatal error: " + e.getCause(), h.problem());
            assertEquals("node is closed after a fatal error: " + e.getCause(), inTheWindow.get(1));
        } finally {
            node.close();
        }
    }

    /**
     * embed35 (embed36's brief): after an application's store threw an {@link Error} in a peer's batch, the node's close
     * asked that store to save the sync cursors (the peer's cursor move, pending since a save of its own failed), and
     * whether the store's durability was reached: a store in a state the node cannot know was written to again (and
     * one that threw its Error again made {@code close()} throw it). Now the close writes nothing to a store after its
     * Error: a cursor kept only in memory makes the peer send again what is then a duplicate.
     */
    @Test
    void afterAnErrorFromTheStoreTheCloseWritesNothingToIt() throws Exception {
        AuditStore store = new AuditStore(() -> new AssertionError("audit: 1 entry too many")).refuseCursorSaves();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").build())) {
            MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").store(store).noListen().peer(alice.url())
                .build());
            try {
                alice.add(Action.ofType("fine")).get(5, TimeUnit.SECONDS);
                // bob holds it, and its cursor of alice is pending (the store refuses a cursor save on its own)
                await().atMost(Duration.ofSeconds(20)).until(() -> bob.entries().join().size() == 1);
                alice.add(Action.ofType("boom")).get(5, TimeUnit.SECONDS);
                ExecutionException closed = assertThrows(ExecutionException.class,
                    () -> bob.whenClosed().get(20, TimeUnit.SECONDS));
                assertInstanceOf(AssertionError.class, closed.getCause());
                // before: [whenDurable, setCursor]
                assertEquals(List.of(), store.callsAfterFailure());
            } finally {
                bob.close();
            }
        }
    }
}
