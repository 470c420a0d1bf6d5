package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            node.add(Action.parse("{\"type\":\"small\"}")).join();
            List<Entry> all = node.entries().join();
            assertEquals(List.of("small"), all.stream().map(x -> x.action().type()).toList());
        }
    }
}
