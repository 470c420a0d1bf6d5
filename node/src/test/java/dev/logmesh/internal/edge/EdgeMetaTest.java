package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.entry;
import static dev.logmesh.internal.edge.Entries.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EdgeMetaTest {
    static final ClientId ALICE = ClientId.parse("alice:r4nd0m:tab1");

    @Test
    void towardsClientsOnlyIdTimeSubprotocol() {
        Meta full = new Meta(ActionId.of(5, "bob:x:y", 2), 7, 42, List.of("mesh", "keep"), 3,
            Map.of("users", json("['alice']"), "custom", json("1")));
        Meta out = EdgeMeta.toClient(full);
        assertEquals(new Meta(ActionId.of(5, "bob:x:y", 2), 7, 0, List.of(), 3, Map.of()), out);
        Meta bare = Meta.of(ActionId.of(1, "n", 0), 1, List.of());
        assertSame(bare, EdgeMeta.toClient(bare));
    }

    @Test
    void foreignKeys() {
        Meta m = new Meta(ActionId.of(5, "a", 0), 7, 3, List.of("r"), 0, Map.of("users", json("[]"), "x", json("1")));
        assertEquals(Set.of("added", "reasons", "users", "x"), EdgeMeta.foreignKeys(m));
        assertEquals(Set.of(), EdgeMeta.foreignKeys(Meta.of(ActionId.of(5, "a", 0), 7, List.of())));
    }

    @Test
    void anActionOfTheConnectionsClientIsAcceptedWithTheConnectionsSubprotocol() {
        Entry e = entry("{'type':'a'}", "alice:r4nd0m:tab1");
        EdgeMeta.Accepted ok = assertInstanceOf(EdgeMeta.Accepted.class,
            EdgeMeta.fromClient(e, ALICE, 4, EdgeMeta.ForeignMeta.DROP));
        assertEquals(4, ok.entry().meta().subprotocol());
        assertEquals(e.id(), ok.entry().id());
        assertEquals(e.meta().time(), ok.entry().meta().time());
        assertEquals(Set.of(), ok.dropped());
    }

    @Test
    void anotherTabOfTheSameClientIsTheSameClient() {
        // CrossTabClient: a follower tab's action is sent by the leader tab's connection
        Entry e = entry("{'type':'a'}", "alice:r4nd0m:tab2");
        assertInstanceOf(EdgeMeta.Accepted.class, EdgeMeta.fromClient(e, ALICE, 1, EdgeMeta.ForeignMeta.DROP));
    }

    @Test
    void theClientsOwnSubprotocolWins() {
        Entry e = entry("{'type':'a'}", "alice:r4nd0m:tab1");
        e = e.withMeta(e.meta().withSubprotocol(2));
        EdgeMeta.Accepted ok = (EdgeMeta.Accepted) EdgeMeta.fromClient(e, ALICE, 4, EdgeMeta.ForeignMeta.DROP);
        assertEquals(2, ok.entry().meta().subprotocol());
    }

    @Test
    void anIdOfAnotherClientIsDenied() {
        for (String node : List.of("alice:other:tab1", "bob:r4nd0m:tab1", "alice", "alice:r4nd0m0:tab1")) {
            EdgeMeta.Refused r = assertInstanceOf(EdgeMeta.Refused.class,
                EdgeMeta.fromClient(entry("{'type':'a'}", node), ALICE, 1, EdgeMeta.ForeignMeta.DROP), node);
            assertEquals("denied", r.reason());
            assertTrue(r.why().contains(ClientId.parse(node).clientId()), r.why());
        }
    }

    /**
     * The client's id without a tab ({@code alice:r4nd0m}) is a mesh node's form: a client of user alice may not add
     * actions as the node alice:r4nd0m (a breaker's run, session 17: a user token for "c" added one under the id of
     * the node c:aPPCx-o6, 5 s ahead of its clock).
     */
    @Test
    void anIdOfTheClientWithoutATabIsDeniedUnlessItIsTheConnectionsOwn() {
        EdgeMeta.Refused r = assertInstanceOf(EdgeMeta.Refused.class,
            EdgeMeta.fromClient(entry("{'type':'a'}", "alice:r4nd0m"), ALICE, 1, EdgeMeta.ForeignMeta.DROP));
        assertEquals("denied", r.reason());
        assertTrue(r.why().contains("alice:r4nd0m:TAB"), r.why());
        // a bare @logux/core client with a fixed two-part node id adds under its own id, and under its tabs
        ClientId bare = ClientId.parse("gw:fixed");
        assertInstanceOf(EdgeMeta.Accepted.class,
            EdgeMeta.fromClient(entry("{'type':'a'}", "gw:fixed"), bare, 1, EdgeMeta.ForeignMeta.DROP));
        assertInstanceOf(EdgeMeta.Accepted.class,
            EdgeMeta.fromClient(entry("{'type':'a'}", "gw:fixed:t2"), bare, 1, EdgeMeta.ForeignMeta.DROP));
    }

    @Test
    void foreignMetaIsDroppedByDefault() {
        Entry e = entry("{'type':'a'}", "alice:r4nd0m:tab1", "{'custom':1,'keepLast':'x'}");
        e = e.withMeta(e.meta().withReasons(List.of("syncing")));
        EdgeMeta.Accepted ok = (EdgeMeta.Accepted) EdgeMeta.fromClient(e, ALICE, 1, EdgeMeta.ForeignMeta.DROP);
        assertEquals(Map.of(), ok.entry().meta().extra());
        assertEquals(List.of(), ok.entry().meta().reasons());
        assertEquals(Set.of("custom", "keepLast", "reasons"), ok.dropped());
        assertEquals(Address.NONE, Address.of(ok.entry().meta()));
    }

    @Test
    void addressKeysAreDeniedEvenUnderDrop() {
        // dropped, they would leave the action unaddressed: sent to every client under EVERY_CLIENT
        for (String meta : List.of("{'users':['bob']}", "{'channels':['x'],'custom':1}", "{'user':'bob'}",
            "{'excludeClients':['bob:b']}")) {
            Entry e = entry("{'type':'a'}", "alice:r4nd0m:tab1", meta);
            EdgeMeta.Refused r = assertInstanceOf(EdgeMeta.Refused.class,
                EdgeMeta.fromClient(e, ALICE, 1, EdgeMeta.ForeignMeta.DROP), meta);
            assertEquals("denied", r.reason());
            assertTrue(r.why().contains("addresses itself"), r.why());
        }
    }

    @Test
    void foreignMetaIsDeniedUnderDeny() {
        Entry e = entry("{'type':'a'}", "alice:r4nd0m:tab1", "{'users':['bob']}");
        EdgeMeta.Refused r = assertInstanceOf(EdgeMeta.Refused.class,
            EdgeMeta.fromClient(e, ALICE, 1, EdgeMeta.ForeignMeta.DENY));
        assertEquals("denied", r.reason());
        assertTrue(r.why().contains("users"));
        Entry clean = entry("{'type':'a'}", "alice:r4nd0m:tab1");
        assertInstanceOf(EdgeMeta.Accepted.class, EdgeMeta.fromClient(clean, ALICE, 1, EdgeMeta.ForeignMeta.DENY));
    }

    @Test
    void oneClientIdWithoutUser() {
        ClientId bare = ClientId.parse("client");
        assertInstanceOf(EdgeMeta.Accepted.class,
            EdgeMeta.fromClient(entry("{'type':'a'}", "client"), bare, 0, EdgeMeta.ForeignMeta.DROP));
        assertInstanceOf(EdgeMeta.Refused.class,
            EdgeMeta.fromClient(entry("{'type':'a'}", "client:x"), bare, 0, EdgeMeta.ForeignMeta.DROP));
    }
}
