package dev.logmesh.interop;

import static dev.logmesh.interop.StockClientInteropTest.action;
import static dev.logmesh.interop.StockClientInteropTest.local;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.protocol.EntrySize;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock Logux peer sends an action nested deeper than a logmesh frame may carry ({@link EntrySize#MAX_DEPTH}):
 * JavaScript has no such limit. Before, the node refused the whole frame (wrong-format), the stock peer reconnected
 * and sent it again, ~250 times a second, and nothing after it ever arrived. Now only that action is refused.
 */
@Tag("slow")
class TooDeepInteropTest {
    @BeforeEach
    void needNode() {
        JsPeer.requireNode();
    }

    /** {"type":"deep","n":{"n":...}} nested {@code depth} levels. */
    static ObjectNode deep(int depth) {
        ObjectNode root = JsPeer.JSON.createObjectNode().put("type", "deep");
        ObjectNode at = root;
        for (int i = 1; i < depth; i++) {
            at = at.putObject("n");
        }
        return root;
    }

    static double tooDeepCount(SimpleMeterRegistry registry) {
        var c = registry.find("logmesh.errors").tag("kind", "too-deep").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aStockClientsTooDeepActionIsUndoneAndItsNextActionArrivesOnTheSameSession() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MeshNode node = MeshNode.start(local().memory().meterRegistry(registry).build());
             JsPeer js = JsPeer.client("js-deep", node.url().toString(), "--keep")) {
            js.awaitEvent("connect", e -> true);
            js.add(deep(EntrySize.MAX_DEPTH + 40));
            js.add(action("after", 1));
            await().atMost(JsPeer.WAIT).until(() -> node.entries().join().size() == 1);
            List<Entry> ours = node.entries().join();
            assertEquals("after", ours.get(0).action().type(), "only the action after it: " + ours);

            JsonNode undo = js.awaitEvent("add", e -> e.path("action").path("type").asText().equals("logux/undo"))
                .get("action");
            assertEquals("error", undo.path("reason").asText(), "undo: " + undo);
            assertEquals("deep", undo.path("action").path("type").asText(), "the undo carries the action");
            String deepId = js.events("add", e -> e.path("action").path("type").asText().equals("deep")).get(0)
                .path("meta").path("id").asText();
            assertEquals(deepId, undo.path("id").asText());
            js.awaitEvent("add", e -> e.path("action").path("type").asText().equals("logux/processed"));

            assertEquals(1.0, tooDeepCount(registry), "counted once, kind too-deep");
            assertEquals(0, js.count("disconnect", e -> true), "the session stayed up: " + js.events());
            assertEquals(0, js.count("error", e -> true), "no error: " + js.events("error", e -> true));
        }
    }

    @Test
    void aStockServersTooDeepActionIsAcknowledgedAndSkipped(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JsPeer server = JsPeer.server("js-server", 0, "--keep")) {
            server.add(deep(EntrySize.MAX_DEPTH + 1));
            server.add(action("after", 1));
            int port = StockServerInteropTest.port(server);
            try (MeshNode node = MeshNode.start(NodeConfig.builder().name("java").noListen().mdns(false).dataDir(dir)
                .peer(URI.create("ws://127.0.0.1:" + port)).meterRegistry(registry).build())) {
                await().atMost(JsPeer.WAIT).until(() -> node.entries().join().size() == 1);
                assertEquals("after", node.entries().join().get(0).action().type());
                server.add(action("live", 2));
                await().atMost(JsPeer.WAIT).until(() -> node.entries().join().size() == 2);
                assertEquals(1.0, tooDeepCount(registry));
                assertEquals(1, server.count("connect", e -> true), "one session: " + server.events());
                assertTrue(server.count("synced", e -> true) >= 2, "acknowledged: " + server.events());
            }
        }
    }
}
