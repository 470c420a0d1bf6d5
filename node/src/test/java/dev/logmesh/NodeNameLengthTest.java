package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.overlay.PeerInfo;
import org.junit.jupiter.api.Test;

/**
 * The longest name of a node is one limit, the node's ({@link Log#MAX_NAME_CHARS}), derived from the overlay's node
 * id limit and the random part of a fresh id; the command line's {@code --name} takes it from there. Before (session
 * 29) the CLI kept its own 256 - 9, and {@code NodeConfig} took any length: the node failed at start with "node id is
 * longer than 256 characters" out of the overlay.
 */
class NodeNameLengthTest {

    @Test
    void theLongestNameMakesAnIdTheOverlayTakes() {
        String id = Log.newNodeId("y".repeat(Log.MAX_NAME_CHARS));
        assertEquals(PeerInfo.MAX_ID_LENGTH, id.length());
        assertEquals(id, PeerInfo.requireId(id));
        assertThrows(IllegalArgumentException.class,
            () -> PeerInfo.requireId(Log.newNodeId("y".repeat(Log.MAX_NAME_CHARS + 1))));
    }

    @Test
    void nodeConfigRefusesALongerNameWithTheLimit() {
        assertEquals("y".repeat(Log.MAX_NAME_CHARS),
            NodeConfig.builder().name("y".repeat(Log.MAX_NAME_CHARS)).build().name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().name("x".repeat(Log.MAX_NAME_CHARS + 1)).build());
        assertTrue(e.getMessage().contains("name is 248 characters long: at most 247 (the node id name:xxxxxxxx is "
            + "at most 256 characters)"), e.getMessage());
    }
}
