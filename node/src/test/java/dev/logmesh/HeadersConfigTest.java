package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.logmesh.internal.protocol.MessageCodec;
import org.junit.jupiter.api.Test;

/**
 * A node's own Logux headers ({@code --header}, {@link NodeConfig.Builder#header}) fit in the {@code headers} frame its
 * peers take ({@link MessageCodec#MAX_HEADERS_BYTES}, break41). Before (break41's finding) a node with longer ones
 * was built and every peer refused its {@code headers} frame with {@code wrong-format}, ending each session.
 */
class HeadersConfigTest {
    @Test
    void headersOverWhatPeersTakeAreRefusedAtBuild() {
        String longValue = "x".repeat(MessageCodec.MAX_HEADERS_BYTES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().mdns(false).header("big", longValue).build());
        assertEquals("the headers take " + (MessageCodec.MAX_HEADERS_BYTES + 42) + " bytes in their frame, over the "
            + MessageCodec.MAX_HEADERS_BYTES + " bytes that peers take: send shorter ones", e.getMessage());
        // what fits is built: the frame with the env header at its longest stays within the limit
        String fits = "x".repeat(MessageCodec.MAX_HEADERS_BYTES - 60);
        assertEquals(fits, NodeConfig.builder().mdns(false).header("big", fits).build().headers().get("big"));
    }
}
