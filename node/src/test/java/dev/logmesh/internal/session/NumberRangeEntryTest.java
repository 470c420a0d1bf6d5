package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.ActionId;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Receive side of the number range (apps35): a {@code sync} whose action or custom meta value holds a number beyond a
 * double's range ({@code 1e999999}) from a stock Logux client or an older logmesh peer. {@code MeshNode.add} and
 * {@code Action.parse} refuse such a number (embed34), since a JavaScript node reads it as {@code Infinity} and writes
 * it as {@code null}; the session took it and stored the huge decimal, so the logmesh nodes and the JavaScript nodes of
 * one mesh held different actions under one id for good. Now the entry is refused alone, as one nested too deep is: a
 * mesh peer's is acknowledged and counted, not stored or forwarded; a client's gets {@code logux/undo} with the reason
 * {@code error} (what {@code @logux/server} answers for an action it fails on) and a {@code debug} message saying why.
 * Not {@code wrong-format}: {@code @logux/core}'s validator takes {@code Infinity} as a number, and a stock client
 * whose action is refused with a closed session sends it again at every reconnect.
 */
class NumberRangeEntryTest extends RefusedEntryFixture {
    @ParameterizedTest
    @ValueSource(strings = {"1e999999", "-1E+400", "1" + "0000000000" + "0000000000"})
    void aMeshPeersEntryWithANumberBeyondADoublesRangeIsAcknowledgedCountedAndNotStored(String number) {
        // the last value is in range (21 digits): a control that the entry holding it is stored
        boolean beyond = !number.startsWith("1000");
        SessionNode node = node(SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop);
        SyncSession session = node.accept(pair);
        send(pair, BadInputTest.CONNECT);
        List<String> got = send(pair, "[\"sync\",7,{\"type\":\"first\"},{\"id\":[1,\"peer\",0],\"time\":1},"
            + "{\"type\":\"big\",\"list\":[1,{\"v\":" + number + "}]},{\"id\":[2,\"peer\",0],\"time\":2},"
            + "{\"type\":\"third\"},{\"id\":[3,\"peer\",0],\"time\":3,\"k\":{\"w\":" + number + "}}]");
        assertEquals(List.of("[\"synced\",7]"), got, "the frame is acknowledged: the peer moves on");
        assertEquals(SyncSession.State.CONNECTED, session.state());
        if (!beyond) {
            assertEquals(List.of("before", "first", "big", "third"), node.types());
            assertEquals(List.of(), refused);
            return;
        }
        // before: [before, first, big, third], the huge decimal kept in the action and in meta "k"
        assertEquals(List.of("before", "first"), node.types(), "neither the action's number nor the meta's is stored");
        assertEquals(List.of("number-range 1000002 peer 0", "number-range 1000003 peer 0"), refused);
        assertFalse(node.log.seen(ActionId.parse("1000002 peer 0")), "nor marked seen: it was never applied");
        assertTrue(node.errors.isEmpty(), "no protocol error: " + node.errors);
        pair.assertExhausted();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClientsActionWithANumberBeyondADoublesRangeGetsAnUndoWithReasonErrorAndADebugMessage(boolean scanned)
        throws Exception {
        ObjectNode headers = JsonNodeFactory.instance.objectNode().put("env", "development");
        SessionNode node = node(SessionConfig.defaults("test").withHeaders(headers).withEdge(new EdgeConfig(
            EdgeRules::acceptAll, new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP), null,
            true)));
        TestPair pair = new TestPair(loop);
        SyncSession session = node.accept(pair);
        send(pair, ClientRoleTest.CONNECT);
        // scanned: the frame in the common shape that the codec's fast path reads; else one only the decoder reads
        String meta = scanned ? "{\"id\":[5,0],\"time\":5}" : "{\"time\":5,\"id\":[5,0],\"x\":null}";
        List<String> got = send(pair, "[\"sync\",1,{\"type\":\"big\",\"v\":1e999999}," + meta + ","
            + "{\"type\":\"after\"},{\"id\":[6,0],\"time\":6}]");
        // before: ["synced",1] and two logux/processed, the first action stored as {"type":"big","v":1e999999}
        assertEquals("[\"synced\",1]", got.get(0), got.toString());
        assertEquals("[\"debug\",\"error\",\"action 1000005 " + ClientRoleTest.ALICE + " 0 holds the number 1e999999 "
            + "at /v, beyond the range of a double (about ±1.8e308): a JavaScript peer (Logux) reads it as Infinity "
            + "and writes it as null, so nodes would hold different values under one id: refused, not added\"]",
            got.get(1));
        assertEquals(3, got.size(), "synced, debug, then the answers: " + got);
        JsonNode answers = new ObjectMapper().readTree(got.get(2));
        JsonNode undo = answers.get(2);
        assertEquals("logux/undo", undo.get("type").asText());
        assertEquals("error", undo.get("reason").asText(), "as @logux/server for an action it cannot take");
        assertEquals("1000005 " + ClientRoleTest.ALICE + " 0", undo.get("id").asText());
        assertEquals("{\"type\":\"big\",\"v\":null}", undo.get("action").toString(),
            "the action as a JavaScript node writes it, as @logux/server's undo carries it");
        assertEquals("{\"type\":\"logux/processed\",\"id\":\"1000006 " + ClientRoleTest.ALICE + " 0\"}",
            answers.get(4).toString());
        assertEquals(SyncSession.State.CONNECTED, session.state());
        assertEquals(List.of("before", "after"), node.types());
        assertEquals(List.of("number-range 1000005 " + ClientRoleTest.ALICE + " 0"), refused);
    }

    /**
     * apps37: the undo of such an action carries its text as the client sent it, only the numbers beyond a double's
     * range as {@code null}. Before, it was built from a tree, whose other numbers Jackson wrote anew: {@code 1.5e3} as
     * {@code 1.5E+3}, {@code 0.10} kept but {@code -0} as {@code 0}, keys' order kept.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theUndoOfAnActionWithANumberBeyondADoublesRangeKeepsItsOtherTextAsSent(boolean scanned) {
        SessionNode node = node(SessionConfig.defaults("test").withEdge(new EdgeConfig(EdgeRules::acceptAll,
            new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP), null, true)));
        TestPair pair = new TestPair(loop);
        node.accept(pair);
        send(pair, ClientRoleTest.CONNECT);
        String meta = scanned ? "{\"id\":[5,0],\"time\":5}" : "{\"time\":5,\"id\":[5,0],\"x\":null}";
        String sent = "{\"type\":\"big\",\"w\":1.5e3,\"v\":1e999999,\"n\":[-1E+400,0.10,-0,{\"k\":2E400}],"
            + "\"s\":\"1e999\"}";
        List<String> got = send(pair, "[\"sync\",1," + sent + "," + meta + "]");
        String undo = got.stream().filter(f -> f.contains("logux/undo")).findFirst().orElseThrow();
        // before: {"type":"big","w":1.5E+3,"v":null,"n":[null,0.10,0,{"k":null}],"s":"1e999"}
        String expected = "{\"type\":\"big\",\"w\":1.5e3,\"v\":null,\"n\":[null,0.10,-0,{\"k\":null}],\"s\":\"1e999\"}";
        assertTrue(undo.contains("{\"action\":" + expected + ",\"id\":\"1000005 "), undo);
    }

    /**
     * Read side (embed36's brief): an entry a logmesh of session 34 or before stored with a number beyond a double's
     * range (it took {@code 1e400} from {@code Action.parse}, {@code logmesh add}, a peer or a client) was sent as
     * stored: a stock Logux client read {@code Infinity} and would write {@code null} under the same id, a logmesh peer
     * refused it; and its {@code type()} threw "a stored action's checked text does not parse", so every subscriber
     * and state skipped it. Now it stays in the log as it is, readable, and goes to no peer and no client.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anEntryAnOlderLogmeshStoredWithANumberBeyondADoublesRangeIsReadableAndSentToNoPeerOrClient(boolean client) {
        dev.logmesh.internal.store.MemoryStore store = new dev.logmesh.internal.store.MemoryStore("epoch-n");
        SessionConfig config = SessionConfig.defaults("test");
        if (client) {
            config = config.withEdge(new EdgeConfig(EdgeRules::acceptAll, new EdgeOptions(
                Delivery.Unaddressed.EVERY_CLIENT, EdgeMeta.ForeignMeta.DROP), null, true));
        }
        SessionNode node = new SessionNode("n", loop, config, store);
        TestPair pair = new TestPair(loop);
        node.accept(pair);
        send(pair, client ? "[\"connect\",5,\"" + ClientRoleTest.ALICE + "\",0]"
            : "[\"connect\",5,\"peer\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\"}}]");
        // in the log as an older logmesh stored it, then an entry of this one
        store.add(List.of(new dev.logmesh.Entry(dev.logmesh.internal.store.OlderEntries.stored(
            "{\"type\":\"old\",\"v\":[1,1e400]}"), dev.logmesh.Meta.of(ActionId.parse("10 older 0"), 10,
            List.of("test")))));
        node.add("after");
        loop.runAll();
        String all = String.join("\n", pair.rightSent());
        assertTrue(all.contains("{\"type\":\"after\"}"), all);
        // before: ["sync",2,{"type":"old","v":[1,1e400]},...] went out
        assertFalse(all.contains("1e400"), all);
        // before: IllegalStateException: a stored action's checked text does not parse
        assertEquals("old", store.byId(ActionId.parse("10 older 0")).orElseThrow().action().type());
    }
}
