package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.ManualLoop;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeConfig.Builder#clientCursors}: the bound of the per-client cursor table (before session 21 settable
 * only on the internal {@link Log}, so a node serving more Logux clients than 100,000 forgot the least recently
 * seen and sent them everything again at each connect).
 */
class ClientCursorsSettingTest {

    @Test
    void theDefaultIsTheStoresAndABadValueIsRefusedWithItsMeaning() {
        assertEquals(Store.CLIENT_CURSORS, NodeConfig.builder().build().clientCursors());
        assertEquals(1_000_000, NodeConfig.builder().clientCursors(1_000_000).build().clientCursors());
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.builder().clientCursors(bad).build());
            assertTrue(e.getMessage().contains("client cursors") && e.getMessage().contains("at least 1, got " + bad),
                e.getMessage());
        }
    }

    @Test
    void theNodesLogKeepsThatManyClientCursors() throws Exception {
        ManualLoop loop = new ManualLoop();
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen()
            .loop(loop).clientCursors(2).build())) {
            Log log = node.log(); // the manual loop runs on this thread
            log.advanceClientCursor("alice:1", 1);
            log.advanceClientCursor("bob:1", 1);
            log.advanceClientCursor("carol:1", 1);
            log.flushCursors();
            assertEquals(OptionalLong.empty(), log.clientCursor("alice:1"), "the least recently seen is forgotten");
            assertEquals(OptionalLong.of(1), log.clientCursor("bob:1"));
            assertEquals(OptionalLong.of(1), log.clientCursor("carol:1"));
        }
    }
}
