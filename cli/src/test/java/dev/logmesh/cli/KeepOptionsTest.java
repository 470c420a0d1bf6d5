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
        assertTrue(e.getMessage().endsWith("'-5m' is negative: give how long to keep actions, from 1s to less than "
            + "--seen-horizon (30d by default), or 0 to keep them for ever"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> NodeArgsTest.picocli("node", "--keep-for",
            "-PT5M"));
        assertTrue(e.getMessage().contains("'-PT5M' is negative"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> NodeArgsTest.picocli("node", "--max-drift",
            "-1h"));
        assertTrue(e.getMessage().endsWith("'-1h' is negative: give 0 or more, up to 36500d (100 years, as good as no "
            + "bound)"), e.getMessage());

        NodeCommand oneMs = NodeArgsTest.picocli("node", "--memory", "--keep-for", "1ms");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> oneMs.config(null, null));
        assertTrue(refused.getMessage().startsWith("keep for (keepFor, --keep-for) 1ms is shorter than 1s, "
            + "retention's period: every entry would be cleaned at the next run"), refused.getMessage());
        assertEquals(Duration.ofSeconds(1), NodeArgsTest.picocli("node", "--memory", "--keep-for", "1s")
            .config(null, null).keepFor());
    }

    /**
     * {@code --seen-horizon}: how long the ids of cleaned actions are remembered, the bound of {@code --keep-for}.
     * Before (session 44) the CLI had no such option: a {@code --memory} node with retention filled its budget with
     * the ids of 30 days of cleaned actions and then refused every add, and {@code --keep-for} stopped at 30d.
     */
    @Test
    void theSeenHorizonReachesTheConfigAndBoundsKeepFor() {
        assertEquals(NodeConfig.DEFAULT_SEEN_HORIZON, NodeArgsTest.picocli("node", "--memory").config(null, null)
            .seenHorizon());
        NodeConfig hour = NodeArgsTest.picocli("node", "--memory", "--seen-horizon", "1h", "--keep-for", "10m")
            .config(null, null);
        assertEquals(Duration.ofHours(1), hour.seenHorizon());
        assertEquals(Duration.ofMinutes(10), hour.keepFor());
        assertEquals(Duration.ofDays(40), NodeArgsTest.picocli("node", "--memory", "--seen-horizon", "60d",
            "--keep-for", "40d").config(null, null).keepFor(), "a longer horizon allows a longer keep for");

        NodeCommand longer = NodeArgsTest.picocli("node", "--memory", "--seen-horizon", "1h", "--keep-for", "2h");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> longer.config(null, null));
        assertTrue(e.getMessage().startsWith("keep for (keepFor, --keep-for) 2h must be shorter than the seen horizon "
            + "(seenHorizon, --seen-horizon) 1h") && e.getMessage().contains("; give a longer seen horizon (--seen-horizon 4h, "
            + "seenHorizon), or keep entries for less than 1h"), e.getMessage());
        NodeCommand asLong = NodeArgsTest.picocli("node", "--memory", "--keep-for", "30d");
        e = assertThrows(IllegalArgumentException.class, () -> asLong.config(null, null));
        assertTrue(e.getMessage().contains("must be shorter than the seen horizon (seenHorizon, --seen-horizon) 30d"),
            e.getMessage());

        CommandLine.ParameterException p = assertThrows(CommandLine.ParameterException.class,
            () -> NodeArgsTest.picocli("node", "--seen-horizon", "-1h"));
        assertTrue(p.getMessage().endsWith("'-1h' is negative: give how long the ids of cleaned actions are remembered, "
            + "from 1m to 36500d"), p.getMessage());
        NodeCommand tooShort = NodeArgsTest.picocli("node", "--memory", "--seen-horizon", "30s");
        UsageError u = assertThrows(UsageError.class, tooShort::call);
        assertEquals("--seen-horizon 30s is shorter than 1m: give how long the ids of cleaned actions are remembered, "
            + "from 1m to 36500d", u.getMessage());
    }
}
