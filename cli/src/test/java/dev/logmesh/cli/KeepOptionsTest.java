package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.NodeConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code logmesh node --keep-last N --keep-for DURATION}: retention an operator sets (session 43), passed to the
 * node's {@link NodeConfig}. Before, nothing an operator could give removed the node's keep reason: a full {@code
 * --memory} node refused every add until restarted, a SQLite node grew without bound.
 */
class KeepOptionsTest {
    @Test
    void theOptionsReachTheNodesConfig() {
        NodeCommand c = NodeArgsTest.picocli("node", "--memory", "--keep-last", "1000", "--keep-for", "7d");
        NodeConfig config = c.config(null, null);
        assertEquals(1000, config.keepLast());
        assertEquals(Duration.ofDays(7), config.keepFor());
        NodeConfig none = NodeArgsTest.picocli("node", "--memory").config(null, null);
        assertEquals(0, none.keepLast(), "keeps everything by default");
        assertEquals(Duration.ZERO, none.keepFor());
    }

    @Test
    void aKeepForAsLongAsTheSeenHorizonIsRefusedSayingWhy() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
            () -> NodeArgsTest.picocli("node", "--keep-for", "30d"));
        assertTrue(e.getMessage().contains("'30d' is out of range: at most just under 30d (the ids of cleaned actions "
            + "are remembered 30 days"), e.getMessage());
    }
}
