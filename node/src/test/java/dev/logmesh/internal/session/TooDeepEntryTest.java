package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.ActionId;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Receive side of the depth limit: an entry nested deeper than {@link EntrySize#MAX_DEPTH} (a stock Logux peer or
 * client can send one; a logmesh node refuses it at {@code add}) is refused alone. Before, the whole frame was
 * wrong-format, the session closed and the peer sent it again at once, ~250 times a second, holding back everything
 * after it.
 */
class TooDeepEntryTest extends RefusedEntryFixture {
    /** An action nested {@code depth} levels: {"type":"deep","n":[[...]]}. */
    static String nested(int depth) {
        return "{\"type\":\"deep\",\"n\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    static final ObjectMapper DEEP = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(2000).build()).build());

    @Test
    void aMeshPeersTooDeepEntryIsAcknowledgedCountedAndNotStoredAndTheSessionGoesOn() {
        SessionNode node = node(SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop);
        SyncSession session = node.accept(pair);
        send(pair, BadInputTest.CONNECT);
        String deep = nested(EntrySize.MAX_DEPTH + 1);
        List<String> got = send(pair, "[\"sync\",7,{\"type\":\"first\"},{\"id\":[1,\"peer\",0],\"time\":1},"
            + deep + ",{\"id\":[2,\"peer\",0],\"time\":2},{\"type\":\"third\"},{\"id\":[3,\"peer\",0],\"time\":3}]");
        assertEquals(List.of("[\"synced\",7]"), got, "the frame is acknowledged: the peer moves on");
        assertEquals(SyncSession.State.CONNECTED, session.state());
        assertEquals(List.of("before", "first", "third"), node.types(), "the deep one is not stored");
        assertEquals(List.of("too-deep 1000002 peer 0"), refused);
        assertFalse(node.log.seen(ActionId.parse("1000002 peer 0")), "nor marked seen: it was never applied");

        // the next frame arrives on the same session
        assertEquals(List.of("[\"synced\",8]"),
            send(pair, "[\"sync\",8,{\"type\":\"next\"},{\"id\":[4,\"peer\",0],\"time\":4}]"));
        assertEquals(List.of("before", "first", "third", "next"), node.types());
        assertTrue(node.errors.isEmpty(), "no protocol error: " + node.errors);
        pair.assertExhausted();
    }

    @Test
    void aFrameOfOnlyTooDeepEntriesIsAcknowledged() {
        SessionNode node = node(SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop);
        SyncSession session = node.accept(pair);
        send(pair, BadInputTest.CONNECT);
        String custom = "{\"type\":\"m\"},{\"id\":[2,\"peer\",0],\"time\":2,\"c\":" + "[".repeat(EntrySize.MAX_DEPTH)
            + "]".repeat(EntrySize.MAX_DEPTH) + "}";
        assertEquals(List.of("[\"synced\",3]"), send(pair, "[\"sync\",3," + custom + "]"));
        assertEquals(SyncSession.State.CONNECTED, session.state());
        assertEquals(List.of("before"), node.types());
        assertEquals(List.of("too-deep 1000002 peer 0"), refused, "a meta's custom value counts too");
    }

    @Test
    void aClientsTooDeepActionGetsAnUndoWithReasonErrorAndItsNextActionIsProcessed() throws Exception {
        ObjectNode headers = JsonNodeFactory.instance.objectNode().put("env", "development");
        SessionNode node = node(SessionConfig.defaults("test").withHeaders(headers).withEdge(new EdgeConfig(
            EdgeRules::acceptAll, new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP), null,
            false)));
        TestPair pair = new TestPair(loop);
        SyncSession session = node.accept(pair);
        send(pair, ClientRoleTest.CONNECT);
        // the deepest action a frame of 1000 levels (the parser's bound) can hold: its undo carries it back
        String deep = nested(999);
        List<String> got = send(pair, "[\"sync\",1," + deep + ",{\"id\":[5,0],\"time\":5},"
            + "{\"type\":\"after\"},{\"id\":[6,0],\"time\":6}]");
        assertEquals("[\"synced\",1]", got.get(0));
        assertEquals(2, got.size(), "synced, then the answers: " + got);
        // the undo is two levels deeper than the action came in: a stock client's JSON.parse reads it
        JsonNode answers = DEEP.readTree(got.get(1));
        assertEquals("sync", answers.get(0).asText());
        JsonNode undo = answers.get(2);
        assertEquals("logux/undo", undo.get("type").asText());
        assertEquals("error", undo.get("reason").asText(), "as @logux/server for an action it cannot take");
        assertEquals("1000005 " + ClientRoleTest.ALICE + " 0", undo.get("id").asText());
        assertEquals(deep, undo.get("action").toString(), "the refused action, as the client sent it");
        assertEquals("{\"type\":\"logux/processed\",\"id\":\"1000006 " + ClientRoleTest.ALICE + " 0\"}",
            answers.get(4).toString());
        assertEquals(SyncSession.State.CONNECTED, session.state());
        assertEquals(List.of("before", "after"), node.types());
        assertEquals(List.of("too-deep 1000005 " + ClientRoleTest.ALICE + " 0"), refused);
    }
}
