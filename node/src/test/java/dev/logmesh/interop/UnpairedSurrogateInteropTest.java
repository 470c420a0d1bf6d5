package dev.logmesh.interop;

import static dev.logmesh.interop.StockClientInteropTest.action;
import static dev.logmesh.interop.StockClientInteropTest.local;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock Logux client and a node exchange actions that hold an unpaired surrogate (a string cut inside an emoji,
 * which JSON.stringify writes as an escape), in a value and in a key. Before, the node refused the client's frame
 * (Jackson's byte parser refuses such a key: wrong-format at every try, and nothing after it arrived), and a node's
 * own such action never reached the client (the raw text failed every frame). Now both arrive as they were added.
 */
@Tag("slow")
class UnpairedSurrogateInteropTest {
    @BeforeEach
    void needNode() {
        JsPeer.requireNode();
    }

    @Test
    void actionsWithUnpairedSurrogatesTravelBothWaysWithAStockClient(@TempDir Path dir) throws Exception {
        try (MeshNode node = MeshNode.start(local().dataDir(dir.resolve("java")).build());
             JsPeer js = JsPeer.client("js-cut", node.url().toString(), "--keep")) {
            js.awaitEvent("connect", e -> true);
            ObjectNode cut = JsPeer.JSON.createObjectNode().put("type", "cut").put("s", "cut \uD83D")
                .put("\uDE00k", "\uDFFF");
            js.add(cut);
            js.add(action("after", 1));
            await().atMost(JsPeer.WAIT).until(() -> node.entries().join().size() == 2);
            List<Entry> ours = node.entries().join();
            assertEquals(cut, JsPeer.JSON.readTree(ours.get(0).action().toJson()), ours.toString());
            assertEquals("after", ours.get(1).action().type());

            node.add(Action.parse("{\"type\":\"mine\",\"s\":\"x\uDBFF\"}")).join();
            node.add(Action.ofType("mine-after")).join();
            JsonNode got = js.awaitEvent("add", e -> e.path("action").path("type").asText().equals("mine"))
                .get("action");
            assertEquals("x\uDBFF", got.path("s").asText());
            js.awaitEvent("add", e -> e.path("action").path("type").asText().equals("mine-after"));
        }
    }
}
