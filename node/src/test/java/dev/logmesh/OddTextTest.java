package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text that is not plain ASCII in the strings a node keeps besides actions: node names and ids, state, hashes.
 * Each case kept text that changed, was lost or merged with other text because of how it was encoded.
 */
class OddTextTest {
    @TempDir
    Path dir;

    /**
     * A name cut inside an emoji ({@code NodeConfig.name} takes any text without spaces): the node id saved in
     * SQLite's state table came back with {@code ?} for the surrogate after a restart, so the node took another id
     * than the one in its own entries.
     */
    @Test
    void aNodeIdWithAnUnpairedSurrogateIsKeptAcrossARestart() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a\uD83D").mdns(false).noListen().dataDir(dir.resolve("a"))
            .build();
        String id;
        try (MeshNode a = MeshNode.start(config)) {
            id = a.nodeId();
            a.add(Action.ofType("first")).join();
        }
        try (MeshNode a = MeshNode.start(config)) {
            assertEquals(escaped(id), escaped(a.nodeId()));
            assertEquals(escaped(id), escaped(a.entries().join().get(0).meta().id().node()));
        }
    }

    /**
     * The status page's JSON names this node, and shows its recent actions cut at 200 chars: an action cut inside an
     * emoji and a node id with an unpaired surrogate were encoded by {@code getBytes(UTF_8)}, which writes {@code ?}
     * for such a char, so the page named another node.
     */
    @Test
    void theStatusJsonNamesANodeWithAnUnpairedSurrogateAsItIs() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a\uD83D").mdns(false).noListen().memory()
            .statusPage(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)).build();
        try (MeshNode a = MeshNode.start(config)) {
            // {"type":"t","s":"xxx...": the emoji's first half is char 199, the last kept
            String pad = "x".repeat(200 - 18);
            a.add(Action.parse("{\"type\":\"t\",\"s\":\"" + pad + "\uD83D\uDE00\"}")).join();
            java.net.http.HttpResponse<String> json = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(a.statusPage().resolve("/status.json")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.UTF_8));
            com.fasterxml.jackson.databind.JsonNode st = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.body());
            assertEquals(escaped(a.nodeId()), escaped(st.get("node").asText()));
            String shown = st.path("recent").get(0).get("action").asText();
            assertEquals("\\ud83d\\u2026", escaped(shown.substring(shown.length() - 2)), escaped(shown));
        }
    }

    /** {@code s} with every char outside printable ASCII as a Java escape: readable in a failure message. */
    static String escaped(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }
}
