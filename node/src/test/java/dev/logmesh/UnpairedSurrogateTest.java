package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Text with an unpaired surrogate: a Java string that has no UTF-8 form ({@code "cut \uD83D"}, an emoji cut in
 * half by {@code substring}, the common way to make one). JSON can carry it as an escape ({@code "\ud83d"}, which
 * JSON.parse and Jackson read back into the same string), so an action or a meta holding one must reach every node
 * as it was added and stay so in every store.
 *
 * <p>Before: the action text kept the raw surrogate; Jackson's UTF-8 generator refuses it in a raw value, so every
 * {@code sync} frame carrying it failed, the session closed and started again, forever, and nothing added after it
 * reached the peer (a memory store); SQLite stored {@code ?} for it (sqlite-jdbc's UTF-8 encoder), so the action
 * changed under its own node, and two reasons that differ only in such a character were one reason there.
 */
class UnpairedSurrogateTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A value cut inside an emoji, a key that starts with a low surrogate, and a lone low surrogate at the end. */
    private static final String TEXT = "{\"type\":\"t\",\"s\":\"cut \uD83D\",\"\uDE00k\":\"\uDFFF\"}";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anActionAndAMetaWithUnpairedSurrogatesReachThePeerAsTheyWereAdded(boolean sqliteOrigin) throws Exception {
        NodeConfig.Builder ac = NodeConfig.builder().name("a").mdns(false).host("127.0.0.1").port(0);
        ac = sqliteOrigin ? ac.dataDir(dir.resolve("a")) : ac.memory();
        NodeConfig.Builder bc = NodeConfig.builder().name("b").mdns(false).noListen().dataDir(dir.resolve("b"));
        ObjectNode meta = (ObjectNode) MAPPER.readTree("{\"reasons\":[\"r\\udc00\"],\"k\\ud800\":\"v\\udbff\"}");
        List<Entry> atA;
        try (MeshNode a = MeshNode.start(ac.build()); MeshNode b = MeshNode.start(bc.peer(a.url()).build())) {
            a.add(Action.parse(TEXT), meta).join();
            a.add(Action.of(MAPPER.createObjectNode().put("type", "tree").put("s", "x\uDBFF"))).join();
            a.add(Action.parse("{\"type\":\"after\"}")).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.entries().join().size() == 3);
            atA = a.entries().join();
            assertSame(atA, b.entries().join());
        }
        assertEquals("cut \uD83D", atA.get(0).action().get("s").asText());
        assertEquals("\uDFFF", atA.get(0).action().get("\uDE00k").asText());
        assertEquals("x\uDBFF", atA.get(1).action().get("s").asText());
        assertTrue(atA.get(0).meta().reasons().contains("r\uDC00"), atA.get(0).meta().toString());
        assertEquals("v\uDBFF", atA.get(0).meta().extra().get("k\uD800").asText());
        try (MeshNode b = MeshNode.start(NodeConfig.builder().name("b").mdns(false).noListen()
            .dataDir(dir.resolve("b")).build())) {
            assertSame(atA, b.entries().join()); // as read back from B's file
        }
    }

    @Test
    void reasonsThatDifferOnlyInAnUnpairedSurrogateAreTwoReasonsInSqlite() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a").mdns(false).noListen().dataDir(dir.resolve("a")).build();
        try (MeshNode a = MeshNode.start(config)) {
            a.add(Action.ofType("first"), List.of("r\uDC00")).join();
            a.add(Action.ofType("second"), List.of("r\uDC01")).join();
            a.removeReason("r\uDC00", Criteria.ALL).join();
            List<Entry> all = a.entries().join();
            assertFalse(all.get(0).meta().reasons().contains("r\uDC00"), all.get(0).meta().toString());
            assertTrue(all.get(1).meta().reasons().contains("r\uDC01"), all.get(1).meta().toString());
            a.removeReason("r\uDC01", Criteria.ALL).join();
            assertFalse(a.entries().join().get(1).meta().reasons().contains("r\uDC01"));
            a.add(Action.ofType("third"), List.of("r\uDC00")).join();
        }
        try (MeshNode a = MeshNode.start(config)) {
            List<Entry> all = a.entries().join();
            assertEquals(List.of("first", "second", "third"), all.stream().map(e -> e.action().type()).toList());
            assertTrue(all.get(2).meta().reasons().contains("r\uDC00"), all.get(2).meta().toString());
            a.removeReason("r\uDC00", Criteria.ALL).join();
            assertFalse(a.entries().join().get(2).meta().reasons().contains("r\uDC00"));
        }
    }

    /**
     * The wire writes each surrogate of a meta string as an escape, 12 bytes for an emoji, and the size bound of an
     * entry counted 6: an entry of emoji reasons that fits by the bound made a frame over the peer's limit, refused
     * at every try, and nothing after it reached the peer. Now its bound is over the limit and the add is refused.
     */
    @Test
    void anEntryOfEmojiReasonsIsSizedAsTheWireWritesIt() throws Exception {
        int limit = 64 * 1024;
        NodeConfig.Builder ac = NodeConfig.builder().name("a").mdns(false).memory().host("127.0.0.1").port(0)
            .maxFrameBytes(limit);
        try (MeshNode a = MeshNode.start(ac.build());
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").mdns(false).noListen().memory()
                 .maxFrameBytes(limit).peer(a.url()).build())) {
            String emoji = "\uD83D\uDE00".repeat(6000); // 72,000 bytes as escapes; the old bound: 36,000
            try {
                a.add(Action.ofType("big"), List.of(emoji)).join();
            } catch (java.util.concurrent.CompletionException e) {
                assertTrue(e.getCause().getMessage().contains("over the limit of"), e.getCause().getMessage());
            }
            a.add(Action.ofType("after")).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.entries().join().stream()
                .anyMatch(e -> e.action().type().equals("after")));
            assertEquals(a.entries().join().size(), b.entries().join().size());
        }
    }

    /** Same actions (as JSON values: a string with an unpaired surrogate equals only itself), ids, reasons, keys. */
    private static void assertSame(List<Entry> expected, List<Entry> actual) throws Exception {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Entry e = expected.get(i);
            Entry g = actual.get(i);
            JsonNode ea = MAPPER.readTree(e.action().toJson());
            JsonNode ga = MAPPER.readTree(g.action().toJson());
            assertEquals(ea, ga, "action " + i);
            assertEquals(e.meta().id(), g.meta().id());
            assertEquals(e.meta().extra(), g.meta().extra(), "custom meta " + i);
            assertEquals(e.meta().reasons().stream().filter(r -> r.startsWith("r")).toList(),
                g.meta().reasons().stream().filter(r -> r.startsWith("r")).toList(), "reasons " + i);
        }
    }
}
