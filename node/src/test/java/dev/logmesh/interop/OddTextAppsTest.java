package dev.logmesh.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.edge.EdgeScenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stock {@code @logux/client} and odd text in the node's Logux server role ({@code interop/edge/odd-text.mjs}):
 * channel names of {@code logux/subscribe}/{@code logux/unsubscribe} that differ only in NFC/NFD or case, or hold a
 * NUL, U+2028, an unpaired surrogate, an emoji, a BOM; a refused action with such text comes back in
 * {@code logux/undo} as it was sent; a processed one reaches another client as it was sent, and is stored so.
 */
@Tag("slow")
class OddTextAppsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void oddChannelNamesAndActionsWorkWithAStockClient(boolean sqlite) throws Exception {
        EdgeScenarios.require(false);
        NodeConfig.Builder b = NodeConfig.builder().name("edge").host("127.0.0.1").port(0).mdns(false);
        try (MeshNode node = MeshNode.start((sqlite ? b.dataDir(dir.resolve("edge")) : b.memory()).build())) {
            EdgeContract.apply(node);
            EdgeScenarios.Result r = EdgeScenarios.run(Duration.ofMinutes(2), "odd-text.mjs", "--url",
                node.url().toString());
            r.assertPassed();
            assertEquals(13, r.done().path("passed").asInt(), r.done().toString()); // as against a stock @logux/server
            List<Entry> odd = node.entries().join().stream()
                .filter(e -> e.action().get("text") != null && e.action().get("text").asText().endsWith(":odd"))
                .toList();
            assertEquals(1, odd.size(), node.entries().join().toString());
            JsonNode s = odd.get(0).action().get("s");
            assertEquals("nul\u0000 ls\u2028 ps\u2029 cut\ud83d nfd cafe\u0301 bom\ufeff", s.asText());
        }
    }
}
