package dev.logmesh.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ChannelHooks;
import dev.logmesh.ClientContext;
import dev.logmesh.MeshNode;
import dev.logmesh.Recipients;
import dev.logmesh.TypeHooks;
import java.util.List;

/**
 * The hooks the edge scenarios of {@code interop/edge/} expect of the node under test (its README, "The
 * contract"), written with the public API as an application would.
 */
final class EdgeContract {
    private EdgeContract() {
    }

    /** Registers the contract's type and channel hooks on a node. */
    static void apply(MeshNode node) {
        node.type("edge/refused", TypeHooks.deny());
        node.type("edge/fail", TypeHooks.accept().process((ctx, action, meta) -> {
            throw new IllegalStateException("edge/fail always fails");
        }));
        node.type("edge/say", TypeHooks.accept().resend((ctx, action, meta) -> {
            Recipients to = Recipients.NONE;
            JsonNode user = action.get("to");
            if (user != null && user.isTextual()) {
                to = to.andUsers(user.asText());
            }
            JsonNode room = action.get("room");
            if (room != null && room.isTextual()) {
                to = to.andChannels("edge/room/" + room.asText());
            }
            return to;
        }));
        node.channel("edge/room/:id", ChannelHooks.accept().load((ctx, request) -> {
            ObjectNode loaded = Action.ofType("edge/loaded").json();
            loaded.put("channel", request.channel());
            return List.of(Action.of(loaded));
        }));
        node.channel("edge/secret/:user", ChannelHooks.access((ClientContext ctx, ChannelHooks.Request r) ->
            ctx.userId() != null && ctx.userId().equals(ctx.params().get("user"))));
    }

    /**
     * The browser scenario's far side: for every {@code edge/ping {n}} this node sees (from anywhere in the mesh),
     * it adds {@code edge/pong {n}} addressed to the user of the ping's id.
     */
    static MeshNode.Subscription answerPings(MeshNode node) {
        return node.subscribe("edge/ping", e -> {
            ObjectNode pong = Action.ofType("edge/pong").json();
            pong.set("n", e.action().get("n"));
            String user = e.id().node().split(":", -1)[0];
            ObjectNode meta = pong.objectNode();
            meta.putArray("users").add(user);
            node.add(Action.of(pong), meta);
        });
    }
}
