package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.EntrySize;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The largest action a node accepts follows from its frame limit, and is refused at the door (issue 10, fault 1). */
class AddLimitTest {
    @Test
    void anActionLargerThanAFrameIsRefusedWithAClearErrorAndNothingIsAdded() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a").memory().mdns(false).noListen().maxFrameBytes(64 * 1024)
            .build();
        try (MeshNode node = MeshNode.start(config)) {
            String big = "{\"type\":\"big\",\"text\":\"" + "é".repeat(40_000) + "\"}"; // 80 kB in UTF-8
            CompletionException e = assertThrows(CompletionException.class,
                () -> node.add(Action.parse(big)).join());
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getCause().getMessage().contains("over the limit of"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("--max-frame"), e.getCause().getMessage());
            // an embedding application sets the limit in its NodeConfig, not on a command line (embed22)
            assertTrue(e.getCause().getMessage().contains("NodeConfig.Builder.maxFrameBytes"),
                e.getCause().getMessage());
            node.add(Action.parse("{\"type\":\"small\"}")).join();
            List<Entry> all = node.entries().join();
            assertEquals(List.of("small"), all.stream().map(x -> x.action().type()).toList());
        }
    }

    /** An action nested {@code depth} levels ({@code depth >= 2}): {"type":"deep","n":{"n":...{}}}. */
    private static Action nested(int depth) {
        return Action.parse("{\"type\":\"deep\",\"n\":" + "{\"n\":".repeat(depth - 2) + "{}" + "}".repeat(depth - 2) + "}");
    }

    @Test
    void anActionNestedDeeperThanAFrameCanCarryIsRefusedAndTheDeepestAllowedOneTravels() throws Exception {
        // a sync frame is refused by every codec beyond 64 levels; an action that deep used to be added, then every
        // session that carried it failed and started again forever, holding back what came after it (a trial)
        NodeConfig.Builder ac = NodeConfig.builder().name("a").memory().mdns(false).host("127.0.0.1").port(0);
        try (MeshNode a = MeshNode.start(ac.build());
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).noListen()
                 .peer(a.url()).build())) {
            CompletionException e = assertThrows(CompletionException.class,
                () -> a.add(nested(EntrySize.MAX_DEPTH + 1)).join());
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getCause().getMessage().contains("levels"), e.getCause().getMessage());
            a.add(nested(EntrySize.MAX_DEPTH)).join();
            a.add(Action.parse("{\"type\":\"after\"}")).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.entries().join().size() == 2);
            assertEquals(List.of("deep", "after"), b.entries().join().stream().map(x -> x.action().type()).toList());
            assertEquals(2, a.entries().join().size());
        }
    }

    @Test
    void depthCountsBracketsOutsideStrings() {
        assertEquals(0, EntrySize.depth("1"));
        assertEquals(1, EntrySize.depth("{\"a\":\"{[[\\\"]]\"}"));
        assertEquals(3, EntrySize.depth("[{\"a\":[]},{}]"));
    }

    @Test
    void aMetaWhoseCustomValueIsNestedTooDeepIsRefused() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a").memory().mdns(false).noListen().build();
        try (MeshNode node = MeshNode.start(config)) {
            // the meta is one level in the frame, so its custom value may be one level less deep than an action
            String deep = "{\"n\":".repeat(EntrySize.MAX_DEPTH - 1) + "{}" + "}".repeat(EntrySize.MAX_DEPTH - 1);
            com.fasterxml.jackson.databind.node.ObjectNode meta =
                (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree("{\"custom\":" + deep + "}");
            CompletionException e = assertThrows(CompletionException.class,
                () -> node.add(Action.ofType("m"), meta).join());
            assertTrue(e.getCause().getMessage().contains("levels"), e.getCause().getMessage());
            assertEquals(0, node.entries().join().size());
        }
    }
}
