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
        ChannelReplay.Bounds replay = most == 0 ? null : config.commandLine()
            ? new ChannelReplay.Bounds(most, most * REPLAY_READS, "raise the bound (--channel-replay N, now " + most
                + ", at most " + NodeConfig.MAX_CHANNEL_REPLAY + ")")
            : new ChannelReplay.Bounds(most, most * REPLAY_READS);
        return new EdgeConfig(rules, new EdgeOptions(unaddressed, EdgeMeta.ForeignMeta.DROP, replay), tokens,
            development);
    }
}
