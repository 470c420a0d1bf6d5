package dev.logmesh.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.auth.MeshAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stock @logux/core 0.10.0 ClientNode (interop/peer.mjs) connected to a {@link MeshNode}. */
@Tag("slow")
class StockClientInteropTest {
    static final Set<String> STOCK_05_MESSAGES = Set.of("connect", "connected", "sync", "synced", "ping", "pong",
        "error", "headers", "debug");

    @BeforeEach
    void needNode() {
        JsPeer.requireNode();
    }

    static NodeConfig.Builder local() {
        return NodeConfig.builder().name("java").host("127.0.0.1").port(0).mdns(false);
    }

    static ObjectNode action(String type, int n) {
        ObjectNode a = JsPeer.JSON.createObjectNode();
        a.put("type", type);
        a.put("n", n);
        return a;
    }

    static Action javaAction(String type, int n) {
        return Action.of(action(type, n));
    }

    /**
     * Waits until both logs hold {@code expected} entries and stay so; then checks same ids, each once. The node's
     * answers to a client's actions ({@code logux/processed}) are not entries of the node's log: not counted.
     */
    static void assertSameIdsOnce(NodeLog ours, JsPeer js, int expected) {
        try {
            await().atMost(JsPeer.WAIT).until(() -> ours.size() >= expected && appIds(js).size() >= expected);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("both logs should hold " + expected + " entries: ours " + ours.ids()
                + ", js " + appIds(js) + "; js: " + js.events(), e);
        }
        // nothing late (a resent action counted twice) within half a second
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
            .until(() -> ours.size() == expected && appIds(js).size() == expected);
        List<String> jsIds = appIds(js);
        assertEquals(expected, new HashSet<>(jsIds).size(), "js applied some id twice: " + jsIds);
        ours.counts.forEach((id, c) -> assertEquals(1, c, "our node applied " + id + " " + c + " times"));
        assertEquals(new HashSet<>(ours.ids()), new HashSet<>(jsIds), "both logs hold the same ids");
    }

    // ---------------------------------------------------------------- a) both directions + drop/reconnect

    @Test
    void stockClientSyncsBothWaysAndSurvivesADroppedSocket(@TempDir Path dir) throws Exception {
        try (MeshNode node = MeshNode.start(local().dataDir(dir).build());
             JsPeer js = JsPeer.client("js-client", node.url().toString(), "--keep")) {
            NodeLog ours = new NodeLog(node);
            js.awaitEvent("connect", e -> node.nodeId().equals(e.path("node").asText()));

            for (int i = 0; i < 5; i++) {
                js.add(action("js/a", i));
                node.add(javaAction("java/a", i)).join();
            }
            assertSameIdsOnce(ours, js, 10);
            long fromJs = ours.entries.stream().filter(e -> e.action().type().equals("js/a"))
                .filter(e -> e.id().node().equals("js-client")).count();
            assertEquals(5, fromJs, "5 js actions with the js node id in our log");
            assertEquals(5, js.count("add", e -> e.path("action").path("type").asText().equals("java/a")
                && e.path("meta").path("id").asText().endsWith(" " + node.nodeId() + " " + idSeq(e))));

            // Kill the socket: the stock Reconnect dials again by itself. Add on both sides meanwhile.
            js.command("drop");
            for (int i = 0; i < 3; i++) {
                js.add(action("js/offline", i));
                node.add(javaAction("java/offline", i)).join();
            }
            js.awaitCount("connect", e -> true, 2);
            for (int i = 0; i < 2; i++) {
                js.add(action("js/after", i));
                node.add(javaAction("java/after", i)).join();
            }
            assertSameIdsOnce(ours, js, 20);
            // "WS was closed": the stock client's own send into the socket we killed (a race of the drop)
            assertEquals(List.of(), js.events("error", e -> !"WS was closed".equals(e.path("message").asText())),
                "no protocol errors on the JS side");
        }
    }

    /** Ids of the actions the JS peer added, but the node's answers ({@code logux/processed}, {@code logux/undo}). */
    static List<String> appIds(JsPeer js) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : js.events("add", x -> !x.path("action").path("type").asText().startsWith("logux/"))) {
            out.add(e.path("meta").path("id").asText());
        }
        return out;
    }

    private static String idSeq(JsonNode addEvent) {
        String[] parts = addEvent.path("meta").path("id").asText().split(" ", -1);
        return parts[parts.length - 1];
    }

    // ---------------------------------------------------------------- c) wire form of what we send

    @Test
    void whatWeSendIsStockProtocol5() throws Exception {
        NodeConfig config = local().memory().build();
        try (MeshNode node = MeshNode.start(config)) {
            String me = node.nodeId();
            long base = System.currentTimeMillis() - 1000;
            // own id seq 0, own id seq 1, another node's id: the three compressed forms
            node.add(javaAction("pre/own0", 0), meta(base + " " + me + " 0")).join();
            node.add(javaAction("pre/own1", 1), meta(base + " " + me + " 1")).join();
            node.add(javaAction("pre/other", 2), meta((base + 1) + " other 3")).join();
            NodeLog ours = new NodeLog(node);
            try (JsPeer js = JsPeer.client("js-wire", node.url().toString(), "--trace", "--ping", "300", "--keep")) {
                js.awaitEvent("connect", e -> true);
                node.add(javaAction("live/java", 3)).join();
                js.add(action("live/js", 4));
                await().atMost(JsPeer.WAIT).until(() -> appIds(js).size() == 5 && ours.size() == 2);
                // the client pings after 300 ms of silence: our pong answers with a number
                JsonNode pong = js.awaitEvent("wire", e -> in(e, "pong")).get("msg");
                assertEquals(2, pong.size(), "[\"pong\", synced]: " + pong);
                assertTrue(pong.get(1).isIntegralNumber(), "[\"pong\", synced]: " + pong);

                List<JsonNode> out = msgs(js, "out");
                List<JsonNode> in = msgs(js, "in");
                assertEquals("[\"connect\",5,\"js-wire\",0]", out.get(0).toString(), "stock client's connect");

                // our headers (env: a @logux/client on ws:// needs "development"), then connected
                assertEquals("[\"headers\",{\"env\":\"development\"}]", in.get(0).toString(), "first: " + in);
                JsonNode connected = in.get(1);
                assertEquals("connected", connected.get(0).asText(), "our second message: " + in);
                assertEquals(5, connected.get(1).asInt());
                assertTrue(connected.get(1).isInt(), "protocol is a number");
                assertEquals(me, connected.get(2).asText());
                JsonNode times = connected.get(3);
                assertTrue(times.isArray() && times.size() == 2 && times.get(0).isIntegralNumber()
                    && times.get(1).isIntegralNumber(), "[start, end]: " + times);
                long start = times.get(0).asLong();
                long end = times.get(1).asLong();
                assertTrue(start <= end && end - start < 1000, "start <= end, close: " + times);
                assertTrue(Math.abs(end - System.currentTimeMillis()) < 60_000, "wall-clock ms: " + times);
                assertTrue(connected.size() == 4 || (connected.size() == 5 && connected.get(4).isObject()),
                    "connected has only the stock fields (+ options object): " + connected);

                for (JsonNode m : in) {
                    assertTrue(STOCK_05_MESSAGES.contains(m.get(0).asText()),
                        "we sent a message a stock 0.10 peer does not know: " + m);
                }

                // every sync entry: compressed id form, rebuilt by the protocol 5 rules = an id in our log (but the
                // node's answer to the client's action, which is no entry of the log); meta id and time only
                Set<String> rebuilt = new HashSet<>();
                List<JsonNode> answers = new ArrayList<>();
                int syncs = 0;
                for (JsonNode m : in) {
                    if (!m.get(0).asText().equals("sync")) {
                        continue;
                    }
                    syncs++;
                    assertTrue(m.get(1).isIntegralNumber(), "added is a number: " + m);
                    assertEquals(0, (m.size() - 2) % 2, "action/meta pairs: " + m);
                    for (int i = 2; i < m.size(); i += 2) {
                        JsonNode meta = m.get(i + 1);
                        assertFalse(meta.has("added"), "added never travels: " + meta);
                        List<String> keys = new ArrayList<>();
                        meta.fieldNames().forEachRemaining(keys::add);
                        assertEquals(List.of("id", "time"), keys, "meta to a client: " + meta);
                        String id = rebuild(meta.get("id"), me, end);
                        if (m.get(i).path("type").asText().equals("logux/processed")) {
                            answers.add(m.get(i));
                        } else {
                            rebuilt.add(id);
                        }
                        assertTrue(meta.get("time").isIntegralNumber(), "time is a number: " + meta);
                    }
                }
                assertTrue(syncs >= 2, "a catch-up sync and a live sync: " + in);
                Set<String> expected = new HashSet<>();
                node.entries().join().stream().filter(e -> !e.id().node().equals("js-wire"))
                    .forEach(e -> expected.add(e.id().toString()));
                assertEquals(4, expected.size());
                assertEquals(expected, rebuilt);
                String liveJs = node.entries().join().stream().filter(e -> e.action().type().equals("live/js"))
                    .findFirst().orElseThrow().id().toString();
                assertEquals("[{\"type\":\"logux/processed\",\"id\":\"" + liveJs + "\"}]", answers.toString(),
                    "the client's action was answered");
                // the stock client rebuilt the same ids
                Set<String> jsIds = new HashSet<>(js.addedIds());
                assertTrue(jsIds.containsAll(expected), jsIds + " ⊇ " + expected);

                assertEquals(0, js.count("error", e -> true), "stock client saw no error (no unknown "
                    + "message, no uncaught exception): " + js.events("error", e -> true));
                assertEquals(0, js.count("disconnect", e -> true), "session stayed up: " + js.events());
            }
        }
    }

    /** Protocol 5 id decoding, also checking that the sender used the shortest form. */
    static String rebuild(JsonNode id, String sender, long baseTime) {
        if (id.isIntegralNumber()) {
            return (id.asLong() + baseTime) + " " + sender + " 0";
        }
        assertTrue(id.isArray(), "id is a number or an array: " + id);
        if (id.size() == 2) {
            assertTrue(id.get(0).isIntegralNumber() && id.get(1).isIntegralNumber(), "[ms, seq]: " + id);
            assertTrue(id.get(1).asLong() > 0, "own id with seq 0 must be a bare number: " + id);
            return (id.get(0).asLong() + baseTime) + " " + sender + " " + id.get(1).asLong();
        }
        assertEquals(3, id.size(), "[ms, node, seq]: " + id);
        assertTrue(id.get(1).isTextual(), "[ms, node, seq]: " + id);
        assertFalse(id.get(1).asText().equals(sender), "own id must use the short forms: " + id);
        return (id.get(0).asLong() + baseTime) + " " + id.get(1).asText() + " " + id.get(2).asLong();
    }

    static boolean in(JsonNode wire, String type) {
        return "in".equals(wire.path("dir").asText()) && type.equals(wire.path("msg").path(0).asText());
    }

    static List<JsonNode> msgs(JsPeer js, String dir) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : js.events("wire", e -> dir.equals(e.path("dir").asText()))) {
            assertTrue(e.has("msg"), "a frame the stock peer could not parse: " + e);
            out.add(e.get("msg"));
        }
        return out;
    }

    static JsonNode meta(String id) {
        ObjectNode m = JsPeer.JSON.createObjectNode();
        m.put("id", id);
        return m;
    }

    // ---------------------------------------------------------------- d) keyed node, stock token

    @Test
    void keyedNodeAcceptsTheDerivedTokenAndRefusesAWrongOne() throws Exception {
        byte[] key = "interop-test-key-0123456789".getBytes(StandardCharsets.UTF_8);
        MeshAuth auth = new MeshAuth(key, "it-mesh", MeshAuth.DEFAULT_WINDOW, System::currentTimeMillis);
        try (MeshNode node = MeshNode.start(local().memory().mesh("it-mesh").key(key).build())) {
            NodeLog ours = new NodeLog(node);
            try (JsPeer good = JsPeer.client("js-good", node.url().toString(), "--token", auth.tokenFor("js-good"), "--keep")) {
                good.awaitEvent("connect", e -> node.nodeId().equals(e.path("node").asText()));
                good.add(action("good/js", 1));
                node.add(javaAction("good/java", 2)).join();
                assertSameIdsOnce(ours, good, 2);
            }
            // a token made for another node id is wrong for this one
            try (JsPeer bad = JsPeer.client("js-bad", node.url().toString(), "--token", auth.tokenFor("js-good"))) {
                JsonNode err = bad.awaitEvent("error", e -> true);
                assertEquals("wrong-credentials", err.path("type").asText(), err.toString());
                assertTrue(err.path("received").asBoolean(), "the error came from our node: " + err);
                bad.add(action("bad/js", 3));
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> ours.size() == 2);
                assertEquals(0, bad.count("connect", e -> true), "never connected");
                assertEquals(1, bad.count("add", e -> true), "got nothing from us: " + bad.addedIds());
            }
            // no token at all
            try (JsPeer none = JsPeer.client("js-none", node.url().toString())) {
                JsonNode err = none.awaitEvent("error", e -> true);
                assertEquals("wrong-credentials", err.path("type").asText(), err.toString());
            }
            Map<String, Integer> types = new HashMap<>();
            for (Entry e : node.entries().join()) {
                types.merge(e.action().type(), 1, Integer::sum);
            }
            assertEquals(Map.of("good/js", 1, "good/java", 1), types);
            assertTrue(ActionId.parse(ours.ids().get(0)).node().equals("js-good")
                || ActionId.parse(ours.ids().get(1)).node().equals("js-good"));
        }
    }
}
