package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.internal.edge.Address;
import dev.logmesh.internal.edge.ClientEdge;
import dev.logmesh.internal.edge.ClientId;
import dev.logmesh.internal.edge.EdgeOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The public hooks of a node's Logux clients ({@link TypeHooks}, {@link ChannelHooks}) as the edge runs them:
 * each registration of {@link MeshNode#type} and {@link MeshNode#channel} goes through the node's
 * {@link ClientHookRegistry}; a client connection reads the rules at each action.
 */
class ClientHooksTest {
    static final ClientId ALICE = ClientId.parse("alice:r4nd0m:tab1");

    final ClientHookRegistry registry = new ClientHookRegistry(false);
    final ClientEdge edge = new ClientEdge(ALICE, 1, JsonNodeFactory.instance.objectNode().put("lang", "en"),
        registry::rules, EdgeOptions.DEFAULT);

    static Entry entry(String action, long ms) {
        return new Entry(Action.parse(action), Meta.of(ActionId.of(ms, ALICE.nodeId(), 0), ms, List.of()));
    }

    /** The reason of the undo a refused action or subscription gets. */
    static String reason(ClientEdge.Received r) {
        Action undo = r instanceof ClientEdge.Handled h ? h.replies().get(0).action()
            : assertInstanceOf(ClientEdge.Refuse.class, r).undo().action();
        assertEquals("logux/undo", undo.type());
        return undo.get("reason").asText();
    }

    @Test
    void typeHooksDecideAddressAndProcessWithTheClientsContext() {
        List<ClientContext> seen = new java.util.ArrayList<>();
        registry.register(b -> b.type("users/rename", ClientHookRegistry.type(TypeHooks
            .access((ctx, action, meta) -> {
                seen.add(ctx);
                return ctx.userId().equals(action.get("user").asText());
            })
            .resend((ctx, action, meta) -> Recipients.channels("users/" + ctx.userId()).andUsers("bob")
                .except("bob:phone"))
            .process((ctx, action, meta) -> {
                throw new NotFoundException("no such user");
            }))));
        assertEquals("denied", reason(edge.receive(entry("{\"type\":\"users/rename\",\"user\":\"bob\"}", 1))));
        ClientEdge.Add add = assertInstanceOf(ClientEdge.Add.class,
            edge.receive(entry("{\"type\":\"users/rename\",\"user\":\"alice\"}", 2)));
        Address to = Address.of(add.entry().meta());
        assertEquals(Set.of("users/alice"), to.channels());
        assertEquals(Set.of("bob"), to.users());
        assertEquals(Set.of("bob:phone"), to.excludeClients());
        ClientContext ctx = seen.get(0);
        assertEquals(new ClientContext("alice:r4nd0m:tab1", "alice:r4nd0m", "alice", 1,
            JsonNodeFactory.instance.objectNode().put("lang", "en"), Map.of()), ctx);
        ClientEdge.Committed c = edge.committed(add.entry().withMeta(add.entry().meta().withAdded(1)), true);
        assertEquals("notFound", c.log().get(0).action().get("reason").asText(), "NotFoundException: notFound");
        // types without hooks are accepted (not strict)
        assertInstanceOf(ClientEdge.Add.class, edge.receive(entry("{\"type\":\"other\"}", 3)));
    }

    @Test
    void channelHooksSeeTheParamsAndLoadActionsForTheSubscriberOnly() {
        registry.register(b -> b.channel("users/:id", ClientHookRegistry.channel(ChannelHooks
            .access((ctx, r) -> ctx.userId().equals(ctx.params().get("id")))
            .filter((ctx, r) -> e -> !e.action().type().equals("secret"))
            .load((ctx, r) -> List.of(Action.parse("{\"type\":\"user/state\",\"since\":\"" + r.sinceId() + "\"}"))))));
        assertEquals("denied", reason(edge.receive(entry("{\"type\":\"logux/subscribe\",\"channel\":\"users/bob\"}", 1))));
        ClientEdge.Handled h = assertInstanceOf(ClientEdge.Handled.class, edge.receive(entry(
            "{\"type\":\"logux/subscribe\",\"channel\":\"users/alice\",\"since\":{\"id\":\"5 x 0\",\"time\":5}}", 2)));
        assertEquals("{\"type\":\"user/state\",\"since\":\"5 x 0\"}", h.replies().get(0).action().toJson());
        assertEquals("logux/processed", h.replies().get(1).action().type());
        Entry secret = new Entry(Action.ofType("secret"), Meta.of(ActionId.of(9, "bob:b:t", 0), 9, List.of())
            .withExtra("channels", JsonNodeFactory.instance.arrayNode().add("users/alice")));
        Entry plain = new Entry(Action.ofType("plain"), secret.meta());
        assertTrue(edge.sends(plain));
        assertTrue(!edge.sends(secret), "the subscription's filter");
    }

    @Test
    void registrationsAreCheckedAndStrictRulesRefuseWhatHasNoHooks() {
        registry.register(b -> b.type("a", ClientHookRegistry.type(TypeHooks.deny())));
        assertThrows(IllegalArgumentException.class,
            () -> registry.register(b -> b.type("a", ClientHookRegistry.type(TypeHooks.accept()))));
        assertEquals("denied", reason(edge.receive(entry("{\"type\":\"a\"}", 1))), "the first hooks stay");

        ClientHookRegistry strict = new ClientHookRegistry(true);
        ClientEdge e = new ClientEdge(ALICE, 1, null, strict::rules, EdgeOptions.DEFAULT);
        assertEquals("unknownType", reason(e.receive(entry("{\"type\":\"b\"}", 1))));
        strict.register(b -> b.type("b", ClientHookRegistry.type(TypeHooks.accept())));
        assertInstanceOf(ClientEdge.Add.class, e.receive(entry("{\"type\":\"b\"}", 2)), "hooks added later apply");
    }
}
