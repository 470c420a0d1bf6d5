package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 8: after an {@code OutOfMemoryError} on its loop the node went on half alive and the command
 * kept running. Now the node closes, its error event is printed, and {@code logmesh node} exits with status 1.
 */
class NodeFatalExitTest {

    @Test
    void anErrorOnTheLoopPrintsAnErrorEventAndExitsOne() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Ndjson out = new Ndjson(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, true);
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").mdns(false).noListen().build(),
            List.of(new MeshNode.Listener() {
                @Override
                public void error(String message) {
                    out.error(message); // as the node command does
                }
            }));
        try {
            node.subscribe("boom", e -> {
                throw new OutOfMemoryError("Java heap space (injected)");
            });
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> NodeCommand.awaitEnd(node.whenClosed(), out));
            node.add(Action.ofType("boom"));
            assertEquals(1, exit.get(10, TimeUnit.SECONDS));
            String printed = bytes.toString(StandardCharsets.UTF_8);
            // the message goes on with the heap's size and what to do (break41)
            assertTrue(printed.contains("{\"event\":\"error\",\"message\":\"fatal error, the node stops: "
                + "java.lang.OutOfMemoryError: Java heap space (injected); the JVM's heap (at most ")
                && printed.contains("--data DIR, keeps it on disk)\"}"), printed);
        } finally {
            node.close();
            out.close();
        }
    }

    @Test
    void aCloseExitsZero() throws Exception {
        Ndjson out = new Ndjson(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").mdns(false).noListen().build());
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
            () -> NodeCommand.awaitEnd(node.whenClosed(), out));
        node.close();
        assertEquals(0, exit.get(10, TimeUnit.SECONDS));
    }
}
