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

    /**
     * Names that make no valid node id (session 34): {@code ":"} ran as {@code ::dc-VotG9} (an empty Logux user and
     * client id), and a blank other than a space or, with mDNS, a name over one DNS label failed only at start, out
     * of mDNS, after the store had kept the id.
     */
    @Test
    void nodeConfigRefusesNamesThatMakeNoValidNodeId() {
        String[][] cases = {
            {":", "has an empty part between colons"}, {"a:", "has an empty part between colons"},
            {":a", "has an empty part between colons"}, {"shop::eu", "has an empty part between colons"},
            {"a\u00a0b", "holds the blank character U+00A0 at index 1"},
            {"a\u2003", "holds the blank character U+2003 at index 1"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.builder().name(c[0]).build(), c[0]);
            assertTrue(e.getMessage().contains("name '" + c[0] + "' " + c[1]), e.getMessage());
        }
        String longName = "y".repeat(54 + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().name(longName).mdns(true).build());
        assertTrue(e.getMessage().contains("is 55 bytes long: with mDNS on"), e.getMessage());
        assertEquals(longName, NodeConfig.builder().name(longName).build().name(), "without mDNS it is taken");
        String longest = "y".repeat(54);
        assertEquals(longest, NodeConfig.builder().name(longest).mdns(true).build().name());
        // the id a taken name makes is one mDNS announces
        dev.logmesh.discovery.Announcement.of(Log.newNodeId(longest), "m", 5, 1);
        assertEquals("shop:eu", NodeConfig.builder().name("shop:eu").mdns(true).build().name());
    }
}
