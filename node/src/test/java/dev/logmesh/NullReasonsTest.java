package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Meta {@code "reasons": null} through the API (session 22). @logux/core 0.10's {@code Log.add} refuses it ("Expected
 * "reasons" to be an array of strings"); logmesh took it as no reasons: an add with it was cleaned at once (a node
 * without a keep reason; {@code logmesh add} without the default reason), and a {@code changeMeta} with it removed
 * the entry. Now both fail with a clear error and leave the log as it was.
 */
class NullReasonsTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static MeshNode node(boolean keep) throws java.io.IOException {
        NodeConfig.Builder b = NodeConfig.builder().name("a").memory().mdns(false).noListen();
        return MeshNode.start((keep ? b : b.keepReason(null)).build());
    }

    private static IllegalArgumentException failure(java.util.concurrent.CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
        return (IllegalArgumentException) e.getCause();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anAddWithNullReasonsIsRefusedAndAddsNothing(boolean keep) throws Exception {
        try (MeshNode node = node(keep)) {
            ObjectNode meta = F.objectNode();
            meta.set("reasons", NullNode.getInstance());
            IllegalArgumentException e = failure(node.add(Action.ofType("a"), meta));
            assertEquals("meta reasons must be an array of strings, got null (leave the key out, or give [], for no "
                + "reasons)", e.getMessage());
            assertEquals(List.of(), node.entries().join());
            // an absent key is no reasons, as before
            ObjectNode none = F.objectNode();
            none.put("custom", 1);
            Meta added = node.add(Action.ofType("b"), none).join();
            assertEquals(keep ? 1 : 0, node.entries().join().size(), String.valueOf(added));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aChangeMetaWithNullReasonsIsRefusedAndKeepsTheEntry(boolean keep) throws Exception {
        try (MeshNode node = node(keep)) {
            Meta m = node.add(Action.ofType("a"), List.of("app")).join();
            Map<String, JsonNode> diff = new java.util.HashMap<>();
            diff.put("reasons", NullNode.getInstance());
            IllegalArgumentException e = failure(node.changeMeta(m.id(), diff));
            assertTrue(e.getMessage().startsWith("meta reasons must be an array of strings, got null"), e.getMessage());
            List<Entry> entries = node.entries().join();
            assertEquals(1, entries.size(), "the entry is kept");
            assertTrue(entries.get(0).meta().reasons().contains("app"), entries.toString());
        }
    }
}
