package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.RecordingConnection;
import dev.logmesh.testkit.SessionNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node dialing a Logux server ({@link UpstreamRole}: its {@code connected} has no mesh options), the test playing
 * {@code @logux/server} on a {@link TestPair}: only the node's own actions go out, meta {@code id}, {@code time},
 * {@code subprotocol}; the server's answers about them stay out of the log.
 */
class UpstreamRoleTest {
    ManualLoop loop;
    SessionNode node;
    TestPair pair;
    SyncSession session;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        node = new SessionNode("gw", loop, SessionConfig.defaults("test").withSubprotocol(1, 0));
        node.add("own/before");
        node.log.add(new Entry(Action.ofType("relayed"), Meta.of(ActionId.of(999_999, "other", 0), 999_999,
            List.of("test"))));
        loop.runAll();
        pair = new TestPair(loop);
        session = node.dial(pair, null);
        loop.runAll();
        pair.left().inject("[\"connected\",5,\"server:s1\",[1000000,1000000]]");
        loop.runAll();
    }

    @Test
    void onlyOwnActionsGoOutWithAllowedMetaOnly() {
        assertTrue(session.isUpstream());
        assertEquals("[\"connect\",5,\"gw\",0,{\"subprotocol\":1,\"logmesh\":{\"v\":1,\"mesh\":\"test\","
            + "\"caps\":[\"plumtree\",\"time\"],\"maxFrame\":1048576,\"epoch\":\"epoch-gw\",\"instance\":\"" + node.log.instance() + "\"}}]", pair.leftSent().get(0));
        assertEquals("[\"sync\",2,{\"type\":\"own/before\"},{\"id\":0,\"time\":0}]", pair.leftSent().get(1),
            "the relayed action is not sent (@logux/server denies foreign ids), no reasons");
        node.log.add(node.log.create(Action.ofType("own/live"), List.of("test"), Map.of("users",
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add("bob"))));
        loop.runAll();
        assertEquals("[\"sync\",3,{\"type\":\"own/live\"},{\"id\":[0,1],\"time\":0}]", pair.leftSent().get(2));
    }

    @Test
    void theServersAnswersAboutOwnActionsStayOutOfTheLogAndTheRestComesIn() {
        ActionId own = node.ids().stream().filter(id -> id.node().equals("gw")).findFirst().orElseThrow();
        pair.left().inject("[\"sync\",7,"
            + "{\"type\":\"logux/processed\",\"id\":\"" + own + "\"},{\"id\":5,\"time\":5},"
            + "{\"type\":\"logux/undo\",\"id\":\"" + own + "\",\"reason\":\"denied\",\"action\":{\"type\":\"x\"}},"
            + "{\"id\":[5,1],\"time\":5},"
            + "{\"type\":\"server/hello\"},{\"id\":[5,2],\"time\":5},"
            + "{\"type\":\"logux/processed\",\"id\":\"1 someone 0\"},{\"id\":[5,3],\"time\":5}]");
        loop.runAll();
        assertTrue(pair.leftSent().contains("[\"synced\",7]"), pair.leftSent().toString());
        List<String> types = node.types();
        assertTrue(types.contains("server/hello"), types.toString());
        assertEquals(1, types.stream().filter(t -> t.startsWith("logux/")).count(),
            "only the answer about another node's action comes in: " + types);
        assertEquals(7, node.log.cursor("server:s1").received(), "a server keeps its cursor, unlike a client");
    }

    /**
     * A dialed link takes frames up to the client frame limit from its start (the transport's: a Logux server's
     * catch-up, one {@code sync} of any size, follows {@code connected} in the same stream), and its session lowers
     * it to the frame limit ({@link dev.logmesh.internal.protocol.MessageConnection#takeMeshFrames}) once, when
     * {@code connected} has {@code logmesh} options; for a Logux server, never.
     */
    @Test
    void aDialedLinkGoesBackToTheFrameLimitForAMeshPeerOnly() {
        List<String> server = dialedCalls("[\"connected\",5,\"server:s2\",[1000000,1000000]]");
        assertEquals(0, java.util.Collections.frequency(server, "take mesh frames"), server.toString());
        List<String> mesh = dialedCalls("[\"connected\",5,\"peer:p1\",[1000000,1000000],{\"logmesh\":{\"mesh\":\"test\"}}]");
        assertEquals(1, java.util.Collections.frequency(mesh, "take mesh frames"), mesh.toString());
    }

    /**
     * Dials through a link that records {@code takeMeshFrames} and the types of the messages sent, and answers
     * {@code connected}; returns the calls.
     */
    private List<String> dialedCalls(String connected) {
        TestPair p = new TestPair(loop);
        RecordingConnection link = new RecordingConnection(SessionNode.messages(p.left()));
        SyncSession s = node.hub.open(link, SyncSession.Role.DIALER, null, null);
        loop.runAll();
        p.left().inject(connected);
        loop.runAll();
        assertEquals(SyncSession.State.CONNECTED, s.state(), p.leftSent().toString());
        return link.calls;
    }
}
