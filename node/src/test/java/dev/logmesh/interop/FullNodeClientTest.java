package dev.logmesh.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.Criteria;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.edge.EdgeScenarios;
import dev.logmesh.internal.session.SyncSession;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Session 45's finding: a stock {@code @logux/client} 0.23 against a node whose log is full reconnected about once a
 * second (36 sessions in 40 s, each sending its batch again), as the node ended each session with {@code error
 * timeout}. The node now holds the session (answering pings, acknowledging nothing) and tells the client once in a
 * {@code debug} line; the client waits on that one connection (its ping keeps the link alive), and when room is made
 * the node closes it: the client reconnects about a second later and its actions are processed, each once.
 * The client is the real package ({@code interop/edge/full-node.mjs}).
 */
@Tag("slow")
class FullNodeClientTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    static Action big(String type) {
        return Action.parse("{\"type\":\"" + type + "\",\"text\":\"" + "z".repeat(2_000) + "\"}");
    }

    static long count(EdgeScenarios.Script client, String event) {
        return client.lines().stream().filter(l -> event.equals(l.path("event").asText())).count();
    }

    @Test
    void aLoguxClientOfAFullNodeWaitsOnOneConnectionAndIsProcessedOnceRoomIsMade() throws Exception {
        EdgeScenarios.require(false);
        NodeConfig.Builder b = NodeConfig.builder().name("full").host("127.0.0.1").port(0).mdns(false).memory()
            .memoryLimit(40_000).keepReason(null);
        try (MeshNode node = MeshNode.start(b.build())) {
            // the node fills its budget with its own actions
            int filled = 0;
            try {
                for (; filled < 100; filled++) {
                    node.add(big("b/" + filled), List.of("temp")).join();
                }
            } catch (CompletionException full) {
                // the budget is used
            }
            assertTrue(filled < 100, "the budget is used");
            int small = 0; // then with small ones, so that a client's small action does not fit either
            try {
                for (; small < 1_000; small++) {
                    node.add(Action.ofType("s/" + small), List.of("temp")).join();
                }
            } catch (CompletionException full) {
                // the budget is used
            }
            assertTrue(small < 1_000, "the budget is used");
            // and with actions the node does not keep (96 bytes each, an id it remembers), so that not even one of the
            // client's (which the node does not keep either) fits: before, 96-287 bytes could be left, so the client's
            // first action went in when it came in a frame of its own (a loaded CI machine, session 47) and was
            // processed while the node was full
            int kept = 0;
            try {
                for (; kept < 1_000; kept++) {
                    node.add(Action.ofType("n/" + kept)).join();
                }
            } catch (CompletionException full) {
                // not even an id fits
            }
            assertTrue(kept < 1_000, "the budget is used");
            assertFalse(node.health().writable(), node.health().toString());

            try (EdgeScenarios.Script client = EdgeScenarios.start("full-node.mjs", "--url", node.url().toString())) {
                client.await(l -> "connect".equals(l.path("event").asText()), WAIT);
                // the first action in a frame of its own (as the client sends it when its lines come apart)
                client.send("{\"cmd\":\"sync\",\"type\":\"full/0\"}");
                JsonNode said = client.await(l -> "debug".equals(l.path("event").asText())
                    || "processed".equals(l.path("event").asText()), WAIT);
                assertEquals("debug", said.path("event").asText(), "the full node takes nothing: " + client.lines());
                assertTrue(said.path("text").asText().startsWith(SyncSession.CLIENT_FULL_NOTICE), said.toString());
                for (int i = 1; i < 3; i++) { // sent while the node holds the session: answered once room is made
                    client.send("{\"cmd\":\"sync\",\"type\":\"full/" + i + "\"}");
                }

                // while the node is full the client stays on its one connection (before: a new one every 1-1.5 s)
                try {
                    await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(15))
                        .until(() -> count(client, "connect") == 1 && count(client, "error") == 0);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("the client left its connection while the node was full: "
                        + count(client, "connect") + " connections; lines " + client.lines(), e);
                }
                assertEquals(0, count(client, "processed"), "nothing processed that the node did not store");

                // room is made: the client is processed within a few seconds, on its second connection
                node.removeReason("temp", Criteria.ALL).join();
                await().atMost(Duration.ofSeconds(5)).until(() -> count(client, "processed") == 3);
                assertEquals(2, count(client, "connect"), "one reconnect, when the node had room: " + client.lines());
                assertEquals(0, count(client, "error"), client.lines().toString());
                // (keepReason(null): the node keeps no client action, so the answers are what shows each went in once)
                List<String> types = client.lines().stream().filter(l -> "processed".equals(l.path("event").asText()))
                    .map(l -> l.path("type").asText()).sorted().toList();
                assertEquals(List.of("full/0", "full/1", "full/2"), types, "each once");
            }
            assertTrue(node.health().writable(), node.health().toString());
        }
    }

    /** Cleans one of the node's own actions: its reason and the node's keep reason, which its own actions get too. */
    static void clean(MeshNode node, dev.logmesh.Meta own) {
        node.removeReason("temp", Criteria.id(own.id())).join();
        node.removeReason(NodeConfig.DEFAULT_KEEP_REASON, Criteria.id(own.id())).join();
    }

    /** How many of the node's entries have a type that starts with {@code prefix}. */
    static long held(MeshNode node, String prefix) {
        return node.entries().join().stream().filter(e -> e.action().type().startsWith(prefix)).count();
    }

    /**
     * Session 48: a stock client's frame that a memory node had room for part of never went in. The node cut the
     * frame by its room as the wire measures it (about 60 bytes an action) and could not store it as its budget counts
     * (about 400 an action); the failed add left it not writable, and nothing tried the frame again until an
     * application cleaned: the client's actions stopped there, although the node had room for several. Now the held
     * frame goes in part by part, each part ending the held session, and the client sends the rest again.
     */
    @Test
    void aLoguxClientsFrameLargerThanTheRoomLeftGoesInPartByPart() throws Exception {
        EdgeScenarios.require(false);
        NodeConfig.Builder b = NodeConfig.builder().name("full").host("127.0.0.1").port(0).mdns(false).memory()
            .memoryLimit(40_000);
        try (MeshNode node = MeshNode.start(b.build())) {
            List<dev.logmesh.Meta> own = new java.util.ArrayList<>();
            try {
                while (own.size() < 1_000) {
                    own.add(node.add(Action.ofType("own"), List.of("temp")).join());
                }
            } catch (CompletionException full) {
                // the budget is used
            }
            assertTrue(own.size() < 1_000, "the budget is used");
            int sent = 20;
            try (EdgeScenarios.Script client = EdgeScenarios.start("full-node.mjs", "--url", node.url().toString())) {
                client.await(l -> "connect".equals(l.path("event").asText()), WAIT);
                // the first is held; the others the node drops while it holds, and the client keeps them
                for (int i = 0; i < sent; i++) {
                    client.send("{\"cmd\":\"sync\",\"type\":\"part/" + i + "\"}");
                }
                client.await(l -> "debug".equals(l.path("event").asText()), WAIT);
                // an application cleans five of its actions: room for a few of the client's; the node ends the
                // held session, and the client sends its twenty in one frame on its next
                for (int i = 0; i < 5; i++) {
                    clean(node, own.get(i));
                }
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> held(node, "part/") > 0);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("none of the client's actions went in, with room for several: "
                        + held(node, "part/") + " of " + sent + " in the log, " + held(node, "own") + " of the node's "
                        + own.size() + " left; " + node.health() + "; lines " + client.lines(), e);
                }
                assertTrue(held(node, "part/") < sent, "room for some only");
                assertEquals(0, count(client, "processed"), "answered only once the whole frame is in");

                own.forEach(m -> clean(node, m));
                await().atMost(Duration.ofSeconds(20)).until(() -> count(client, "processed") == sent);
                assertEquals(0, count(client, "error"), client.lines().toString());
                List<String> types = client.lines().stream().filter(l -> "processed".equals(l.path("event").asText()))
                    .map(l -> l.path("type").asText()).distinct().toList();
                assertEquals(sent, types.size(), "each once: " + client.lines());
                assertEquals(sent, held(node, "part/"), "each in the log once");
            }
        }
    }
}
