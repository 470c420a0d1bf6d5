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

    /**
     * A negative keep for is called negative, with what to give; one that keeps nothing (under 1s, retention's period)
     * is refused by the node's own rule, the words the CLI prints. Before (session 43), {@code --keep-for -5m} was
     * "'-5m' is not a duration" and {@code --keep-for 1ms} was taken without a word (the node cleaned everything).
     */
    @Test
    void aNegativeKeepForOrOneThatKeepsNothingIsRefusedSayingTheRule() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
            () -> NodeArgsTest.picocli("node", "--keep-for", "-5m"));
        assertTrue(e.getMessage().endsWith("'-5m' is negative: give how long to keep actions, from 1s to just under "
            + "30d, or 0 to keep them for ever"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> NodeArgsTest.picocli("node", "--keep-for",
            "-PT5M"));
        assertTrue(e.getMessage().contains("'-PT5M' is negative"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> NodeArgsTest.picocli("node", "--max-drift",
            "-1h"));
        assertTrue(e.getMessage().endsWith("'-1h' is negative: give 0 or more, up to 36500d (100 years, as good as no "
            + "bound)"), e.getMessage());

        NodeCommand oneMs = NodeArgsTest.picocli("node", "--memory", "--keep-for", "1ms");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> oneMs.config(null, null));
        assertTrue(refused.getMessage().startsWith("keep for (keepFor, --keep-for) 1 ms is shorter than 1 s, "
            + "retention's period: every entry would be cleaned at the next run"), refused.getMessage());
        assertEquals(Duration.ofSeconds(1), NodeArgsTest.picocli("node", "--memory", "--keep-for", "1s")
            .config(null, null).keepFor());
    }

    @Test
    void aKeepForAsLongAsTheSeenHorizonIsRefusedSayingWhy() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
            () -> NodeArgsTest.picocli("node", "--keep-for", "30d"));
        assertTrue(e.getMessage().contains("'30d' is out of range: at most just under 30d (the ids of cleaned actions "
            + "are remembered 30 days"), e.getMessage());
    }
}
