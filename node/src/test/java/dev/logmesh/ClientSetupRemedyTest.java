package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.edge.EdgeRules;
import org.junit.jupiter.api.Test;

/**
 * A replay cut at its bound is said with the remedy its reader has ({@code ChannelReplay.Bounds#remedy}): a CLI node's
 * operator the command line's {@code --channel-replay N}, an application the load hook or {@code NodeConfig}
 * channelReplay. Before (session 44) both were told to give the channel a load hook, which a CLI user cannot.
 */
class ClientSetupRemedyTest {

    @Test
    void aCommandLineNodeNamesItsOptionAndALibraryNodeItsHookAndSetter() {
        NodeConfig cli = NodeConfig.builder().name("c").mdns(false).commandLine(true).channelReplay(500).build();
        assertEquals("raise the bound (--channel-replay N, now 500, at most 100000)",
            ClientSetup.edge(cli, EdgeRules::acceptAll, null).options().replay().remedy());
        NodeConfig app = NodeConfig.builder().name("a").mdns(false).channelReplay(500).build();
        assertEquals("give the channel a load hook (ChannelHooks load) that reads your own index of it, or raise the "
            + "bound (NodeConfig channelReplay, now 500, at most 100000)",
            ClientSetup.edge(app, EdgeRules::acceptAll, null).options().replay().remedy());
    }

    /**
     * At the most, 100000, raising the bound cannot be followed: only a load hook is named (before, break45, a CLI node
     * at --channel-replay 100000 was told to "raise the bound (--channel-replay N, now 100000, at most 100000)").
     */
    @Test
    void atTheMostTheRemedyDoesNotSayRaiseTheBound() {
        int most = NodeConfig.MAX_CHANNEL_REPLAY;
        NodeConfig cli = NodeConfig.builder().name("c").mdns(false).commandLine(true).channelReplay(most).build();
        String c = ClientSetup.edge(cli, EdgeRules::acceptAll, null).options().replay().remedy();
        assertFalse(c.contains("raise the bound"), c);
        assertTrue(c.contains("at its most (--channel-replay 100000)") && c.contains("load hook"), c);
        NodeConfig app = NodeConfig.builder().name("a").mdns(false).channelReplay(most).build();
        String a = ClientSetup.edge(app, EdgeRules::acceptAll, null).options().replay().remedy();
        assertFalse(a.contains("raise the bound"), a);
        assertTrue(a.contains("load hook (ChannelHooks load)") && a.contains("at its most, 100000"), a);
    }
}
