package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.action;
import static dev.logmesh.internal.edge.Entries.entry;
import static dev.logmesh.internal.edge.Entries.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Logux server role for one connection, message by message, as {@code @logux/client} sees it. */
class ClientEdgeTest {
    static final ClientId ALICE = ClientId.parse("alice:r4nd0m:tab1");
    static final String ME = "alice:r4nd0m:tab1";

    final List<String> calls = new ArrayList<>();

    ClientEdge edge(EdgeRules rules) {
        return new ClientEdge(ALICE, 3, json("{'env':'development','lang':'en'}"), rules, EdgeOptions.DEFAULT);
    }

    static Action only(List<Reply> replies) {
        assertEquals(1, replies.size(), replies.toString());
        assertTrue(replies.get(0).isNew());
        return replies.get(0).action();
    }

    static void assertProcessed(Entry e, Action answer) {
        assertEquals(action("{'type':'logux/processed','id':'" + e.id() + "'}"), answer);
    }

    static void assertUndo(Entry e, String reason, Action answer) {
        assertEquals("logux/undo", answer.type());
        assertEquals(e.id().toString(), answer.get("id").asText());
        assertEquals(reason, answer.get("reason").asText());
        assertEquals(e.action().json(), answer.get("action"));
    }

    @Test
    void acceptedActionIsAddedThenProcessedOnceDurable() {
        EdgeRules rules = EdgeRules.builder().type("users/rename", new EdgeHooks.Type(
            (ctx, a, m) -> {
                calls.add("access " + ctx.userId() + " " + ctx.subprotocol() + " " + ctx.headers().get("lang").asText());
                return true;
            }, null, (ctx, a, m) -> calls.add("process " + m.reasons()))).build();
        ClientEdge edge = edge(rules);
        Entry e = entry("{'type':'users/rename','name':'A'}", ME, "{'custom':1}");
        ClientEdge.Add add = assertInstanceOf(ClientEdge.Add.class, edge.receive(e));
        assertEquals(Map.of(), add.entry().meta().extra());
        assertEquals(3, add.entry().meta().subprotocol());
        assertEquals(List.of("access alice 3 en"), calls);

        // the node adds it with its reasons; once durable:
        Entry stored = add.entry().withMeta(add.entry().meta().withReasons(List.of("mesh")).withAdded(7));
        ClientEdge.Committed c = edge.committed(stored, true);
        assertProcessed(e, only(c.replies()));
        assertEquals(List.of(), c.log());
        assertNull(c.why());
        assertEquals(List.of("access alice 3 en", "process [mesh]"), calls);

        // a resend after a reconnect (the log had it): processed again, process hook not run again
        ClientEdge.Committed again = edge.committed(stored, false);
        assertProcessed(e, only(again.replies()));
        assertEquals(2, calls.size());
    }

    @Test
    void withoutHooksEverythingIsAccepted() {
        ClientEdge edge = edge(EdgeRules.acceptAll());
        Entry e = entry("{'type':'item/add'}", ME);
        ClientEdge.Add add = assertInstanceOf(ClientEdge.Add.class, edge.receive(e));
        assertProcessed(e, only(edge.committed(add.entry(), true).replies()));
    }

    @Test
    void refusedByAccessIsUndoneAndNotAdded() {
        ClientEdge edge = edge(EdgeRules.builder().type("edge/refused", EdgeHooks.Type.of(EdgeHooks.Access.DENY)).build());
        Entry e = entry("{'type':'edge/refused'}", ME);
        ClientEdge.Refuse r = assertInstanceOf(ClientEdge.Refuse.class, edge.receive(e));
        assertUndo(e, "denied", r.undo().action());
        assertTrue(r.undo().isNew());
    }

    /**
     * apps37: an entry of a channel the connection is subscribed to, sent back unchanged, is an echo (the client may
     * have received it before it subscribed again); one of a channel the client may not read (its {@code access}
     * hook says no) is denied as before (no missing undo tells it what the log holds there), as is another client's
     * entry excluded from it, and a changed one.
     */
    @Test
    void aHeldChannelEntrySentBackIsAnEchoOnlyInAChannelTheClientMayRead() {
        ClientEdge edge = new ClientEdge(ALICE, 3, null, rooms(),
            new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP));
        assertInstanceOf(ClientEdge.Handled.class, edge.receive(entry("{'type':'logux/subscribe','channel':'room'}", ME)));
        java.util.function.Function<dev.logmesh.ActionId, java.util.Optional<Entry>> held = held();
        // as the client sends it back: a meta key of its own, no address, 2 written as 2.0
        Entry back = entry("{'n':[1,2.0],'type':'say'}", 5, "bob:b0b:t", "{'custom':1}");
        assertEquals(new ClientEdge.Echo(back.id()), edge.receive(back, 0, held));
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(entry("{'type':'say','n':[1,3]}", 5, "bob:b0b:t", null),
            0, held), "changed");
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(entry("{'type':'say'}", 6, "bob:b0b:t", null), 0, held),
            "a channel it may not read");
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(entry("{'type':'say'}", 7, "bob:b0b:t", null), 0, held),
            "excluded");
    }

    /**
     * once38: a bare {@code ClientNode} sends back what it received at a reconnect, before it subscribes again: an
     * entry of a channel it may read (its {@code access} hook allows the client) is an echo then too, as a plain
     * entry addressed to it is. Before: {@code logux/undo} {@code denied}, so the app reverted an action it had
     * received rightly. The access hook alone runs (no filter, no load); one that throws counts as no.
     */
    @Test
    void aChannelEntrySentBackBeforeTheClientSubscribesAgainIsAnEchoWhereItMayRead() {
        List<String> asked = new ArrayList<>();
        EdgeRules rules = EdgeRules.builder()
            .channel("room", EdgeHooks.Channel.of((ctx, sub) -> asked.add(ctx.userId() + " " + sub.channel())))
            .channel("other", EdgeHooks.Channel.of((ctx, sub) -> false))
            .channel("broken", EdgeHooks.Channel.of((ctx, sub) -> {
                throw new IllegalStateException("boom");
            }))
            .build();
        ClientEdge edge = new ClientEdge(ALICE, 3, null, rules,
            new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP));
        java.util.function.Function<dev.logmesh.ActionId, java.util.Optional<Entry>> held = held();
        Entry back = entry("{'type':'say','n':[1,2]}", 5, "bob:b0b:t", null);
        assertEquals(new ClientEdge.Echo(back.id()), edge.receive(back, 0, held), "not subscribed (yet), may read");
        assertEquals(List.of("alice room"), asked);
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(entry("{'type':'say'}", 6, "bob:b0b:t", null), 0, held),
            "other: access says no");
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(entry("{'type':'say'}", 8, "bob:b0b:t", null), 0, held),
            "broken: access throws");
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(entry("{'type':'say'}", 7, "bob:b0b:t", null), 0, held),
            "excluded");
    }

    /** Channels room (anyone), other (no one) and broken (its access hook throws). */
    static EdgeRules rooms() {
        return EdgeRules.builder().channel("room", EdgeHooks.Channel.of((ctx, sub) -> true))
            .channel("other", EdgeHooks.Channel.of((ctx, sub) -> false)).build();
    }

    /** The log of those tests: bob's entries in room (5), other (6), room but not alice (7), broken (8). */
    static java.util.function.Function<dev.logmesh.ActionId, java.util.Optional<Entry>> held() {
        Entry room = entry("{'type':'say','n':[1,2]}", 5, "bob:b0b:t", "{'channels':['room']}");
        Entry other = entry("{'type':'say'}", 6, "bob:b0b:t", "{'channels':['other']}");
        Entry excluded = entry("{'type':'say'}", 7, "bob:b0b:t", "{'channels':['room'],'excludeClients':['alice:r4nd0m']}");
        Entry broken = entry("{'type':'say'}", 8, "bob:b0b:t", "{'channels':['broken']}");
        java.util.Map<dev.logmesh.ActionId, Entry> log = java.util.Map.of(room.id(), room, other.id(), other,
            excluded.id(), excluded, broken.id(), broken);
        return id -> java.util.Optional.ofNullable(log.get(id));
    }

    @Test
    void foreignIdIsDenied() {
        ClientEdge edge = edge(EdgeRules.acceptAll());
        Entry forged = entry("{'type':'item/add'}", "bob:b0b:tab");
        ClientEdge.Refuse r = assertInstanceOf(ClientEdge.Refuse.class, edge.receive(forged));
        assertUndo(forged, "denied", r.undo().action());
        assertTrue(r.why().contains("bob:b0b"));
    }

    @Test
    void foreignMetaUnderDenyIsDenied() {
        ClientEdge edge = new ClientEdge(ALICE, 0, null, EdgeRules.acceptAll(),
            new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DENY));
        ClientEdge.Refuse r = assertInstanceOf(ClientEdge.Refuse.class,
            edge.receive(entry("{'type':'a'}", ME, "{'users':['bob']}")));
        assertEquals("denied", r.undo().action().get("reason").asText());
    }

    @Test
    void strictRulesRefuseUnknownTypes() {
        ClientEdge edge = edge(EdgeRules.builder().strict().build());
        Entry e = entry("{'type':'nobody/knows'}", ME);
        assertUndo(e, "unknownType", assertInstanceOf(ClientEdge.Refuse.class, edge.receive(e)).undo().action());
    }

    @Test
    void clientsCannotAddAnswers() {
        ClientEdge edge = edge(EdgeRules.acceptAll());
        Entry fakeUndo = entry("{'type':'logux/undo','id':'1 bob:b:t 0','reason':'denied'}", ME);
        assertUndo(fakeUndo, "unknownType", assertInstanceOf(ClientEdge.Refuse.class, edge.receive(fakeUndo)).undo().action());
        Entry fakeProcessed = entry("{'type':'logux/processed','id':'1 bob:b:t 0'}", ME);
        assertInstanceOf(ClientEdge.Refuse.class, edge.receive(fakeProcessed));
        // unless the application wants them
        ClientEdge open = edge(EdgeRules.builder().type("logux/undo", EdgeHooks.Type.accept()).build());
        assertInstanceOf(ClientEdge.Add.class, open.receive(fakeUndo));
        assertTrue(EdgeRules.builder().otherType(EdgeHooks.Type.accept()).build().hasHooks("logux/x"));
        assertFalse(EdgeRules.acceptAll().hasHooks("item/add"));
        assertTrue(EdgeRules.builder().type(java.util.regex.Pattern.compile("^item/"), EdgeHooks.Type.accept()).build()
            .hasHooks("item/add"));
    }

    @Test
    void hooksThatThrow() {
        EdgeRules rules = EdgeRules.builder()
            .type("a", EdgeHooks.Type.of((ctx, x, m) -> {
                throw new IllegalStateException("boom");
            }))
            .type("b", EdgeHooks.Type.of((ctx, x, m) -> {
                throw new EdgeHooks.NotFound("no such user");
            }))
            .type("c", EdgeHooks.Type.accept().withResend((ctx, x, m) -> {
                throw new IllegalStateException("resend boom");
            }))
            .build();
        ClientEdge edge = edge(rules);
        Entry a = entry("{'type':'a'}", ME);
        ClientEdge.Refuse ra = assertInstanceOf(ClientEdge.Refuse.class, edge.receive(a));
        assertUndo(a, "error", ra.undo().action());
        assertTrue(ra.why().contains("boom"));
        Entry b = entry("{'type':'b'}", ME);
        assertUndo(b, "notFound", assertInstanceOf(ClientEdge.Refuse.class, edge.receive(b)).undo().action());
        Entry c = entry("{'type':'c'}", ME);
        assertUndo(c, "error", assertInstanceOf(ClientEdge.Refuse.class, edge.receive(c)).undo().action());
    }

    @Test
    void resendAddressesTheEntryBeforeItEntersTheLog() {
        EdgeRules rules = EdgeRules.builder().type("edge/say", EdgeHooks.Type.accept().withResend((ctx, x, m) -> {
            Address to = Address.NONE;
            if (x.get("to") != null) {
                to = to.plus(Address.users(x.get("to").asText()));
            }
            if (x.get("room") != null) {
                to = to.plus(Address.channels("edge/room/" + x.get("room").asText()));
            }
            return to;
        })).build();
        ClientEdge edge = edge(rules);
        ClientEdge.Add add = assertInstanceOf(ClientEdge.Add.class,
            edge.receive(entry("{'type':'edge/say','to':'bob','room':'r1'}", ME, "{'custom':'mallory'}")));
        Address a = Address.of(add.entry().meta());
        assertEquals(Set.of("bob"), a.users());
        assertEquals(Set.of("edge/room/r1"), a.channels());
        ClientEdge.Add none = assertInstanceOf(ClientEdge.Add.class, edge.receive(entry("{'type':'edge/say'}", ME)));
        assertFalse(Address.of(none.entry().meta()).isAddressed());
    }

    @Test
    void processFailureIsUndoneToEveryoneTheActionWentTo() {
        EdgeRules rules = EdgeRules.builder().type("edge/fail", EdgeHooks.Type.accept()
            .withResend((ctx, x, m) -> Address.users("bob"))
            .withProcess((ctx, x, m) -> {
                throw new IllegalStateException("edge/fail always fails");
            })).build();
        ClientEdge edge = edge(rules);
        Entry e = entry("{'type':'edge/fail'}", ME);
        ClientEdge.Add add = assertInstanceOf(ClientEdge.Add.class, edge.receive(e));
        ClientEdge.Committed c = edge.committed(add.entry(), true);
        assertEquals(List.of(), c.replies());
        assertEquals(1, c.log().size());
        ClientEdge.Logged undo = c.log().get(0);
        assertUndo(e, "error", undo.action());
        assertEquals(Set.of("bob"), undo.address().users());
        assertEquals(Set.of("alice:r4nd0m"), undo.address().clients());
        assertTrue(c.why().contains("always fails"));
    }

    @Test
    void subscribeAnswersProcessedAndDeliversTheChannel() {
        ClientEdge edge = edge(EdgeRules.acceptAll());
        Entry sub = entry("{'type':'logux/subscribe','channel':'edge/room/r1'}", ME);
        ClientEdge.Handled h = assertInstanceOf(ClientEdge.Handled.class, edge.receive(sub));
        assertProcessed(sub, only(h.replies()));
        assertTrue(edge.subscriptions().has("edge/room/r1"));
        Entry say = entry("{'type':'edge/say'}", "carol:c:t", "{'channels':['edge/room/r1']}");
        assertEquals(Delivery.Decision.CHANNEL, edge.decide(say));

        Entry unsub = entry("{'type':'logux/unsubscribe','channel':'edge/room/r1'}", ME);
        ClientEdge.Handled u = assertInstanceOf(ClientEdge.Handled.class, edge.receive(unsub));
        assertProcessed(unsub, only(u.replies()));
        assertFalse(edge.subscriptions().has("edge/room/r1"));
        assertEquals(Delivery.Decision.NOT_ADDRESSED, edge.decide(say));
    }

    @Test
    void aConnectionHoldsAtMostMaxSubscriptions() {
        ClientEdge edge = edge(EdgeRules.acceptAll());
        for (int i = 0; i < ClientEdge.MAX_SUBSCRIPTIONS; i++) {
            Entry sub = entry("{'type':'logux/subscribe','channel':'room/" + i + "'}", ME);
            assertProcessed(sub, only(assertInstanceOf(ClientEdge.Handled.class, edge.receive(sub)).replies()));
        }
        Entry over = entry("{'type':'logux/subscribe','channel':'room/x'}", ME);
        ClientEdge.Handled refused = assertInstanceOf(ClientEdge.Handled.class, edge.receive(over));
        assertUndo(over, "error", only(refused.replies()));
        assertTrue(refused.why().contains("1000 subscriptions"), refused.why());
        assertFalse(edge.subscriptions().has("room/x"));
        // another filter on a held channel is another subscription: refused too
        Entry filtered = entry("{'type':'logux/subscribe','channel':'room/1','filter':{'a':1}}", ME);
        assertUndo(filtered, "error", only(((ClientEdge.Handled) edge.receive(filtered)).replies()));
        // subscribing again to one it holds (a client resends after a reconnect) still works
        Entry again = entry("{'type':'logux/subscribe','channel':'room/7'}", ME);
        assertProcessed(again, only(((ClientEdge.Handled) edge.receive(again)).replies()));
        assertEquals(ClientEdge.MAX_SUBSCRIPTIONS, edge.subscriptions().size());
        // room again after an unsubscribe
        edge.receive(entry("{'type':'logux/unsubscribe','channel':'room/0'}", ME));
        Entry now = entry("{'type':'logux/subscribe','channel':'room/x'}", ME);
        assertProcessed(now, only(((ClientEdge.Handled) edge.receive(now)).replies()));
    }

    @Test
    void aConnectionsSubscriptionsHoldAtMostMaxSubscriptionCharsOfText() {
        // break41: 1,000 subscriptions to channels of 100,000 chars each a connection could hold; four such
        // clients stopped a node with -Xmx256m (OutOfMemoryError)
        ClientEdge edge = edge(EdgeRules.acceptAll());
        String pad = "c".repeat(100_000);
        int taken = 0;
        ClientEdge.Handled refused = null;
        Entry over = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            Entry sub = entry("{'type':'logux/subscribe','channel':'room/" + i + "/" + pad + "'}", ME);
            ClientEdge.Handled h = assertInstanceOf(ClientEdge.Handled.class, edge.receive(sub));
            if (only(h.replies()).type().equals("logux/processed")) {
                taken++;
            } else {
                refused = h;
                over = sub;
            }
        }
        assertEquals(10, taken, "10 subscriptions of 100,009 chars fit in 1,048,576");
        assertUndo(over, "error", only(refused.replies()));
        assertTrue(refused.why().contains("1048576"), refused.why());
        assertTrue(refused.why().length() < 1_000, "the line shows the channel cut: " + refused.why().length());
        assertTrue(edge.subscriptions().chars() <= ClientEdge.MAX_SUBSCRIPTION_CHARS);
        // subscribing again to one it holds (a client resends after a reconnect) still works
        Entry again = entry("{'type':'logux/subscribe','channel':'room/3/" + pad + "'}", ME);
        assertProcessed(again, only(((ClientEdge.Handled) edge.receive(again)).replies()));
        // short channels still fit, and room comes back after an unsubscribe
        Entry small = entry("{'type':'logux/subscribe','channel':'room/small'}", ME);
        assertProcessed(small, only(((ClientEdge.Handled) edge.receive(small)).replies()));
        edge.receive(entry("{'type':'logux/unsubscribe','channel':'room/0/" + pad + "'}", ME));
        Entry now = entry("{'type':'logux/subscribe','channel':'room/x/" + pad + "'}", ME);
        assertProcessed(now, only(((ClientEdge.Handled) edge.receive(now)).replies()));
        edge.closed();
        assertEquals(0, edge.subscriptions().chars());
    }

    @Test
    void loadRepliesComeBeforeProcessed() {
        EdgeRules rules = EdgeRules.builder().channel("edge/room/:id", EdgeHooks.Channel.accept().withLoad((ctx, s) ->
            List.of(Reply.of(action("{'type':'edge/loaded','room':'" + ctx.params().get("id") + "'}"))))).build();
        ClientEdge edge = edge(rules);
        Entry sub = entry("{'type':'logux/subscribe','channel':'edge/room/r9'}", ME);
        List<Reply> replies = assertInstanceOf(ClientEdge.Handled.class, edge.receive(sub)).replies();
        assertEquals(2, replies.size());
        assertEquals(action("{'type':'edge/loaded','room':'r9'}"), replies.get(0).action());
        assertProcessed(sub, replies.get(1).action());
    }

    @Test
    void channelAccessAndFilters() {
        EdgeRules rules = EdgeRules.builder()
            .channel("edge/secret/:user", EdgeHooks.Channel.of((ctx, s) -> ctx.userId().equals(ctx.params().get("user"))))
            .channel("items", EdgeHooks.Channel.accept().withFilter((ctx, s) -> {
                String kind = s.filter() == null ? null : s.filter().get("kind").asText();
                return kind == null ? null : e -> kind.equals(e.action().get("kind").asText());
            }))
            .build();
        ClientEdge edge = edge(rules);
        Entry mine = entry("{'type':'logux/subscribe','channel':'edge/secret/alice'}", ME);
        assertProcessed(mine, only(assertInstanceOf(ClientEdge.Handled.class, edge.receive(mine)).replies()));
        Entry theirs = entry("{'type':'logux/subscribe','channel':'edge/secret/bob'}", ME);
        ClientEdge.Handled denied = assertInstanceOf(ClientEdge.Handled.class, edge.receive(theirs));
        assertUndo(theirs, "denied", only(denied.replies()));
        assertFalse(edge.subscriptions().has("edge/secret/bob"));

        Entry fruit = entry("{'type':'logux/subscribe','channel':'items','filter':{'kind':'fruit'}}", ME);
        edge.receive(fruit);
        Entry apple = entry("{'type':'item/add','kind':'fruit'}", "bob:b:t", "{'channels':['items']}");
        Entry nail = entry("{'type':'item/add','kind':'tool'}", "bob:b:t", "{'channels':['items']}");
        assertTrue(edge.sends(apple));
        assertFalse(edge.sends(nail));
        // unsubscribing with the same filter removes exactly that subscription
        edge.receive(entry("{'type':'logux/unsubscribe','channel':'items','filter':{'kind':'fruit'}}", ME));
        assertFalse(edge.sends(apple));
    }

    @Test
    void wrongAndUnknownChannels() {
        ClientEdge strict = edge(EdgeRules.builder().strict().build());
        Entry noChannel = entry("{'type':'logux/subscribe','channel':5}", ME);
        assertUndo(noChannel, "wrongChannel",
            only(assertInstanceOf(ClientEdge.Handled.class, strict.receive(noChannel)).replies()));
        Entry unknown = entry("{'type':'logux/subscribe','channel':'nobody'}", ME);
        assertUndo(unknown, "wrongChannel",
            only(assertInstanceOf(ClientEdge.Handled.class, strict.receive(unknown)).replies()));
        Entry unsub = entry("{'type':'logux/unsubscribe'}", ME);
        assertUndo(unsub, "wrongChannel", only(((ClientEdge.Handled) strict.receive(unsub)).replies()));
    }

    @Test
    void failingLoadUndoesAndUnsubscribes() {
        EdgeRules rules = EdgeRules.builder()
            .channel("gone/:id", EdgeHooks.Channel.accept().withLoad((ctx, s) -> {
                throw new EdgeHooks.NotFound("no " + ctx.params().get("id"));
            }))
            .channel("broken", EdgeHooks.Channel.accept().withLoad((ctx, s) -> {
                throw new IllegalStateException("db down");
            }))
            .build();
        ClientEdge edge = edge(rules);
        Entry gone = entry("{'type':'logux/subscribe','channel':'gone/1'}", ME);
        assertUndo(gone, "notFound", only(((ClientEdge.Handled) edge.receive(gone)).replies()));
        Entry broken = entry("{'type':'logux/subscribe','channel':'broken'}", ME);
        ClientEdge.Handled h = (ClientEdge.Handled) edge.receive(broken);
        assertUndo(broken, "error", only(h.replies()));
        assertTrue(h.why().contains("db down"));
        assertTrue(edge.subscriptions().isEmpty());
    }

    @Test
    void resubscribeAfterReconnectWithSinceReplaysTheMissedPart() {
        List<Entry> log = List.of(
            entry("{'type':'say','n':1}", 100, "bob:b:t", "{'channels':['room']}"),
            entry("{'type':'say','n':2}", 200, "bob:b:t", "{'channels':['room']}"),
            entry("{'type':'say','n':3}", 300, "alice:r4nd0m:tab0", "{'channels':['room']}"),
            entry("{'type':'say','n':4}", 400, "bob:b:t", "{'channels':['hall']}"),
            entry("{'type':'say','n':5}", 500, "bob:b:t", "{'channels':['room']}"));
        EdgeRules rules = EdgeRules.builder().channel("room", EdgeHooks.Channel.accept()
            .withLoad((ctx, s) -> ChannelReplay.since(log, ctx.client(), s, ChannelFilter.ALL))).build();

        ClientEdge first = edge(rules);
        List<Reply> all = ((ClientEdge.Handled) first.receive(entry("{'type':'logux/subscribe','channel':'room'}", ME)))
            .replies();
        assertEquals(List.of(1, 2, 5), all.subList(0, all.size() - 1).stream()
            .map(r -> r.action().get("n").asInt()).toList());
        assertFalse(all.get(0).isNew());
        first.closed();
        assertTrue(first.subscriptions().isEmpty());

        // the client reconnects (new connection) and resubscribes with since = the last it saw (n=2)
        ClientEdge second = edge(rules);
        Entry resub = entry("{'type':'logux/subscribe','channel':'room','since':{'id':'200 bob:b:t 0','time':200}}",
            900, ME, null);
        List<Reply> missed = ((ClientEdge.Handled) second.receive(resub)).replies();
        assertEquals(List.of(5), missed.subList(0, missed.size() - 1).stream()
            .map(r -> r.action().get("n").asInt()).toList());
        assertProcessed(resub, missed.get(missed.size() - 1).action());
    }

    @Test
    void outgoingMetaIsStripped() {
        Entry e = entry("{'type':'a'}", "bob:b:t", "{'users':['alice']}");
        Entry kept = e.withMeta(e.meta().withReasons(List.of("mesh")).withAdded(9));
        Entry out = ClientEdge.toClient(kept);
        assertEquals(Meta.of(e.id(), e.meta().time(), List.of()), out.meta());
        Entry bare = entry("{'type':'a'}", "bob:b:t");
        assertSame(bare, ClientEdge.toClient(bare));
    }
}
