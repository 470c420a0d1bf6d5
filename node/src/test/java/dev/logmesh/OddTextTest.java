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
