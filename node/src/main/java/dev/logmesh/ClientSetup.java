package dev.logmesh;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.edge.ChannelReplay;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.edge.UserTokens;
import dev.logmesh.internal.session.EdgeConfig;
import java.util.function.Supplier;

/** How a {@link NodeConfig} becomes the session settings of a node's Logux clients (issue 11). */
final class ClientSetup {
    private ClientSetup() {
    }

    /** How many entries a subscription's default replay may read per entry it may send. */
    static final int REPLAY_READS = 10;

    /** The {@code headers} message of the node. */
    static ObjectNode headers(NodeConfig config) {
        ObjectNode h = JsonNodeFactory.instance.objectNode();
        config.headers().forEach(h::put);
        return h;
    }

    /** The edge settings of the node's sessions. */
    static EdgeConfig edge(NodeConfig config, Supplier<EdgeRules> rules, UserTokens tokens) {
        Delivery.Unaddressed unaddressed = config.unaddressed() == NodeConfig.Unaddressed.NO_CLIENT
            ? Delivery.Unaddressed.NO_CLIENT : Delivery.Unaddressed.EVERY_CLIENT;
        boolean development = NodeConfig.DEFAULT_ENV.equals(config.headers().get("env"));
        int most = config.channelReplay();
        ChannelReplay.Bounds replay = most == 0 ? null
            : new ChannelReplay.Bounds(most, most * REPLAY_READS, replayRemedy(config.commandLine(), most));
        return new EdgeConfig(rules, new EdgeOptions(unaddressed, EdgeMeta.ForeignMeta.DROP, replay), tokens,
            development);
    }

    /**
     * What the reader of the node's log can do about a replay cut at {@code most} entries: a CLI node's operator raises
     * {@code --channel-replay}, an application gives a load hook or raises {@code NodeConfig} channelReplay; at the
     * most ({@link NodeConfig#MAX_CHANNEL_REPLAY}) only a load hook is left (before, break45, a CLI node at 100000 was
     * told to "raise the bound (--channel-replay N, now 100000, at most 100000)").
     */
    static String replayRemedy(boolean commandLine, int most) {
        boolean atMost = most >= NodeConfig.MAX_CHANNEL_REPLAY;
        if (commandLine) {
            return atMost ? "the bound is at its most (--channel-replay " + most + "): a longer replay needs a load "
                + "hook that reads an index of the channel (ChannelHooks load), which an application embedding the node "
                + "gives; a client reloads the channel's state from elsewhere"
                : "raise the bound (--channel-replay N, now " + most + ", at most " + NodeConfig.MAX_CHANNEL_REPLAY + ")";
        }
        return atMost ? "give the channel a load hook (ChannelHooks load) that reads your own index of it (NodeConfig "
            + "channelReplay is at its most, " + most + ")"
            : "give the channel a load hook (ChannelHooks load) that reads your own index of it, or raise the bound "
                + "(NodeConfig channelReplay, now " + most + ", at most " + NodeConfig.MAX_CHANNEL_REPLAY + ")";
    }
}
