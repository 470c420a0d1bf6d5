package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.NodeConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code logmesh node --channel-replay N}: the bound of the default channel replay a Logux client gets when it
 * subscribes (docs/logux-apps.md, "What a subscriber gets"), 0 to turn it off. Before (session 43) only an embedding
 * app could set it ({@code NodeConfig.Builder.channelReplay}); a CLI node always sent up to 1,000.
 */
class ChannelReplayOptionTest {
    @Test
    void theOptionReachesTheNodesConfig() {
        assertEquals(50, NodeArgsTest.picocli("node", "--memory", "--channel-replay", "50").config(null, null)
            .channelReplay());
        assertEquals(0, NodeArgsTest.picocli("node", "--memory", "--channel-replay", "0").config(null, null)
            .channelReplay(), "0 turns the replay off");
        assertEquals(NodeConfig.DEFAULT_CHANNEL_REPLAY, NodeArgsTest.picocli("node", "--memory").config(null, null)
            .channelReplay());
        assertEquals(50, NodeArgs.parse("node", "--memory", "--channel-replay", "50").config(null, null)
            .channelReplay(), "the start-up parser reads it as picocli does");
    }

    @Test
    void aBoundOutOfRangeIsRefusedWithTheOptionNamed() {
        for (int n : new int[] {-1, NodeConfig.MAX_CHANNEL_REPLAY + 1}) {
            UsageError e = assertThrows(UsageError.class, () -> Checks.channelReplay(n));
            assertTrue(e.getMessage().startsWith("--channel-replay " + n + ": ") && e.getMessage().contains(
                "0 (none) to 100000 (default 1000)"), e.getMessage());
        }
        Checks.channelReplay(0);
        Checks.channelReplay(NodeConfig.MAX_CHANNEL_REPLAY);
    }
}
