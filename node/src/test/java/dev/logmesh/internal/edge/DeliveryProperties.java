package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The delivery rule against a plain model of it, over small worlds of users, clients, tabs and channels. */
class DeliveryProperties {
    static final List<String> USERS = List.of("alice", "bob", "carol");
    static final List<String> RANDOMS = List.of("r1", "r2");
    static final List<String> TABS = List.of("t1", "t2");
    static final List<String> CHANNELS = List.of("c1", "c2", "c3");

    record World(Entry entry, ClientId client, Set<String> subscribed) {
    }

    @Provide
    Arbitrary<String> nodeIds() {
        return Combinators.combine(Arbitraries.of(USERS), Arbitraries.of(RANDOMS), Arbitraries.of(TABS))
            .as((u, r, t) -> u + ":" + r + ":" + t);
    }

    private static Arbitrary<List<String>> some(List<String> from) {
        return Arbitraries.of(from).list().ofMaxSize(2).uniqueElements();
    }

    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<List<String>> clientIds = Combinators.combine(Arbitraries.of(USERS), Arbitraries.of(RANDOMS))
            .as((u, r) -> u + ":" + r).list().ofMaxSize(2).uniqueElements();
        Arbitrary<Map<String, List<String>>> metas = Combinators.combine(
            some(List.of("alice:r1:t1", "bob:r2:t2", "carol:r1:t2")), clientIds, some(USERS), some(CHANNELS),
            clientIds).as((n, c, u, ch, ex) -> {
                Map<String, List<String>> m = new LinkedHashMap<>();
                m.put("nodes", n);
                m.put("clients", c);
                m.put("users", u);
                m.put("channels", ch);
                m.put("excludeClients", ex);
                return m;
            });
        Arbitrary<String> types = Arbitraries.of("chat/say", "item/add", "logux/undo", "logux/subscribe");
        return Combinators.combine(nodeIds(), metas, types, nodeIds(), some(CHANNELS)).as((from, m, type, to, subs) -> {
            Map<String, com.fasterxml.jackson.databind.JsonNode> extra = new LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (!v.isEmpty()) {
                    ArrayNode a = JsonNodeFactory.instance.arrayNode();
                    v.forEach(a::add);
                    extra.put(k, a);
                }
            });
            Entry e = new Entry(Action.parse("{\"type\":\"" + type + "\"}"),
                new Meta(ActionId.of(10, from, 0), 10, 0, List.of(), 0, extra));
            return new World(e, ClientId.parse(to), Set.copyOf(subs));
        });
    }

    /** The rule written as one boolean expression. */
    static boolean model(World w, Delivery.Unaddressed policy) {
        Map<String, com.fasterxml.jackson.databind.JsonNode> x = w.entry.meta().extra();
        java.util.function.Function<String, Set<String>> set = k -> {
            Set<String> s = new java.util.HashSet<>();
            if (x.containsKey(k)) {
                x.get(k).forEach(n -> s.add(n.asText()));
            }
            return s;
        };
        String from = ClientId.of(w.entry.id()).clientId();
        boolean own = from.equals(w.client.clientId());
        boolean excluded = set.apply("excludeClients").contains(w.client.clientId());
        boolean match = set.apply("nodes").contains(w.client.nodeId())
            || set.apply("clients").contains(w.client.clientId())
            || set.apply("users").contains(w.client.userId())
            || set.apply("channels").stream().anyMatch(w.subscribed::contains);
        boolean addressed = !(set.apply("nodes").isEmpty() && set.apply("clients").isEmpty()
            && set.apply("users").isEmpty() && set.apply("channels").isEmpty());
        boolean control = w.entry.action().type().startsWith("logux/");
        return !own && !excluded
            && (match || (!addressed && !control && policy == Delivery.Unaddressed.EVERY_CLIENT));
    }

    private static Subscriptions subscriptions(World w) {
        Subscriptions s = new Subscriptions();
        w.subscribed.forEach(c -> s.add(c, "{}", ChannelFilter.ALL));
        return s;
    }

    @Property(tries = 2000)
    void agreesWithTheModel(@ForAll("worlds") World w, @ForAll Delivery.Unaddressed policy) {
        assertEquals(model(w, policy), new Delivery(policy).delivers(w.entry, w.client, subscriptions(w)), w.toString());
    }

    @Property(tries = 1000)
    void noClientEverGetsItsOwnActionBack(@ForAll("worlds") World w, @ForAll Delivery.Unaddressed policy) {
        ClientId sender = ClientId.of(w.entry.id());
        ClientId restarted = ClientId.parse(sender.clientId() + ":newtab");
        Subscriptions all = new Subscriptions();
        CHANNELS.forEach(c -> all.add(c, "{}", ChannelFilter.ALL));
        assertFalse(new Delivery(policy).delivers(w.entry, sender, all));
        assertFalse(new Delivery(policy).delivers(w.entry, restarted, all));
    }

    @Property(tries = 1000)
    void noClientPolicyDeliversOnlyWhatIsAddressedToTheClient(@ForAll("worlds") World w) {
        Delivery.Decision d = new Delivery(Delivery.Unaddressed.NO_CLIENT).decide(w.entry, w.client, subscriptions(w));
        if (d.delivered()) {
            assertFalse(Set.of(Delivery.Decision.UNADDRESSED, Delivery.Decision.UNADDRESSED_HELD).contains(d));
        }
    }
}
