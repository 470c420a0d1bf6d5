package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link NodeConfig.Builder#maxClientFrameBytes}: a Logux client's session's own frame limit (session 26), 100 MiB
 * by default as {@code @logux/server}'s (a sixteenth of the heap if less), never below the frame limit. {@code
 * WsSyncTest} has what it does on the wire.
 */
class MaxClientFrameSettingTest {

    @Test
    void theDefaultIsLoguxServersOrASixteenthOfTheHeapAndNeverBelowTheFrameLimit() {
        assertEquals(100 << 20, NodeConfig.DEFAULT_MAX_CLIENT_FRAME_BYTES);
        assertEquals(100 << 20, NodeConfig.defaultMaxClientFrameBytes(4L << 30), "a heap of 4 GiB");
        assertEquals(100 << 20, NodeConfig.defaultMaxClientFrameBytes(1600L << 20), "a heap of 1,600 MiB");
        assertEquals(64 << 20, NodeConfig.defaultMaxClientFrameBytes(1L << 30), "a heap of 1 GiB");
        assertEquals(16 << 20, NodeConfig.defaultMaxClientFrameBytes(256L << 20), "-Xmx256m");
        assertEquals(Math.max(1 << 20, NodeConfig.defaultMaxClientFrameBytes(Runtime.getRuntime().maxMemory())),
            NodeConfig.builder().build().maxClientFrameBytes(), "this JVM's");
        assertEquals(200 << 20, NodeConfig.builder().maxFrameBytes(200 << 20).build().maxClientFrameBytes(),
            "a frame limit above the default client limit is the client limit too");
        assertEquals(8192, NodeConfig.builder().maxFrameBytes(4096).maxClientFrameBytes(8192).build()
            .maxClientFrameBytes());
        assertEquals(4096, NodeConfig.builder().maxFrameBytes(4096).maxClientFrameBytes(4096).build()
            .maxClientFrameBytes());
    }

    @Test
    void belowTheFrameLimitIsRefusedNamingBoth() {
        for (int bad : new int[] {4095, 0, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.builder().maxFrameBytes(4096).maxClientFrameBytes(bad).build());
            assertTrue(e.getMessage().contains("--max-client-frame") && e.getMessage().contains("--max-frame")
                && e.getMessage().contains("4096 bytes, got " + bad), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().maxFrameBytes(200 << 20).maxClientFrameBytes(100 << 20).build());
        assertTrue(e.getMessage().contains("at least the max frame size"), e.getMessage());
    }

    /**
     * The node-wide budget for client frames over the frame limit: an eighth of the heap, never below the client
     * frame limit; a budget set below the client limit (also the limit's default from the heap) is refused at build,
     * not when the node starts listening.
     */
    @Test
    void theClientFrameBudgetIsAnEighthOfTheHeapAndNeverBelowTheClientLimit() {
        assertEquals(32L << 20, NodeConfig.defaultClientFrameBudgetBytes(256L << 20, 16 << 20), "-Xmx256m");
        assertEquals(100L << 20, NodeConfig.defaultClientFrameBudgetBytes(256L << 20, 100 << 20),
            "a client limit set above an eighth of the heap");
        assertEquals(20_000, NodeConfig.builder().maxFrameBytes(4096).maxClientFrameBytes(16384)
            .clientFrameBudgetBytes(20_000).build().clientFrameBudgetBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().maxFrameBytes(4096).clientFrameBudgetBytes(20_000).build());
        assertTrue(e.getMessage().contains("clientFrameBudgetBytes") && e.getMessage().contains("got 20000"),
            e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.builder().clientFrameBudgetBytes(0));
    }
}
