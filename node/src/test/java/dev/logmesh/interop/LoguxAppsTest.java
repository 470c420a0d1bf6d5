package dev.logmesh.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.edge.EdgeScenarios;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: the packages Logux users build with work against logmesh nodes. Each test starts real nodes on
 * 127.0.0.1 and runs a scenario of {@code interop/edge/} ({@code @logux/client} 0.23 in Node.js and in headless
 * Chromium, {@code @logux/server} 0.14); the node side is the public API ({@link EdgeContract}).
 */
@Tag("slow")
class LoguxAppsTest {
    static final Duration RUN = Duration.ofMinutes(2);

    static NodeConfig.Builder local(String name) {
        return NodeConfig.builder().name(name).host("127.0.0.1").port(0).mdns(false).memory();
    }

    @Test
    void aLoguxClientInNodeWorksWithDefaultOptionsOnPlainWs() throws Exception {
        EdgeScenarios.require(false);
        try (MeshNode node = MeshNode.start(local("edge").build())) {
            EdgeContract.apply(node);
            EdgeScenarios.Result r = EdgeScenarios.run(RUN, "client-node.mjs", "--url", node.url().toString());
            r.assertPassed();
            assertEquals("development", r.step("headers").path("headers").path("env").asText());
            assertEquals(17, r.done().path("passed").asInt(), r.done().toString());
            assertEquals(List.of(), node.clients().join(), "both clients left");
        }
    }

    /**
     * A stock {@code @logux/client} with 6,000 actions of 260 bytes added offline, and one of 2 MB: its catch-up is
     * one {@code sync} frame of about 3.7 MB, over the node's {@code --max-frame} of 1 MiB. Before session 26 the node
     * answered {@code wrong-format} and closed, the client sent the same frame at every reconnect, and none of its
     * actions was ever processed. Now a client's session takes frames up to 100 MiB: the 6,000 are processed, the
     * 2 MB one (larger than a mesh frame can carry) is undone with reason {@code error}, and the client goes on.
     */
    @Test
    void aLoguxClientsOfflineCatchUpOverTheFrameLimitIsProcessed() throws Exception {
        EdgeScenarios.require(false);
        try (MeshNode node = MeshNode.start(local("edge").build())) {
            EdgeScenarios.Result r = EdgeScenarios.run(RUN, "offline.mjs", "--url", node.url().toString(),
                "--count", "6000", "--size", "260", "--big", "2000000");
            r.assertPassed();
            JsonNode processed = r.step("processed");
            assertEquals(6000, processed.path("processed").asInt(), processed.toString());
            assertEquals("undo error", processed.path("big").asText(), processed.toString());
            assertEquals(1, processed.path("connects").asInt(), "one connection: " + processed);
            List<Entry> entries = node.entries().join();
            assertEquals(6000, entries.stream().filter(e -> e.action().type().equals("offline/add")).count());
            assertEquals(1, entries.stream().filter(e -> e.action().type().equals("offline/after")).count());
            assertTrue(entries.stream().noneMatch(e -> e.action().type().equals("offline/big")), "never added");
        }
    }

    @Test
    void twoUsersOnAKeyedNodeEachReceiveOnlyWhatIsAddressedToThem() throws Exception {
        EdgeScenarios.require(false);
        byte[] key = "edge-test-key-0123456789".getBytes(StandardCharsets.UTF_8);
        for (NodeConfig.Unaddressed policy : NodeConfig.Unaddressed.values()) {
            try (MeshNode node = MeshNode.start(local("edge").key(key).unaddressed(policy).build())) {
                EdgeContract.apply(node);
                String tokens = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Map.of("alice", node.userToken("alice", null),
                    "bob", node.userToken("bob", null), "mallory", node.userToken("mallory", null)));
                String option = policy == NodeConfig.Unaddressed.EVERY_CLIENT ? "all" : "none";
                EdgeScenarios.Result r = EdgeScenarios.run(RUN, "two-users.mjs", "--url", node.url().toString(),
                    "--tokens", tokens, "--unaddressed", option);
                r.assertPassed();
                JsonNode received = r.step("only-addressed").path("received");
                assertEquals(2, received.path("bob").size(), received.toString());
                assertEquals(0, received.path("mallory").size(), received.toString());
                // a client may not address its own actions (only the node's resend hooks do)
                assertEquals("undo denied", r.step("foreign-meta").path("answer").asText());

                // without tokens: refused at the handshake
                EdgeScenarios.Result refused = EdgeScenarios.run(RUN, "two-users.mjs", "--url",
                    node.url().toString(), "--timeout", "2000");
                assertEquals(1, refused.exitCode());
                JsonNode first = refused.failures().get(0);
                assertEquals("start", first.path("step").asText());
                assertTrue(first.path("error").asText().contains("wrong-credentials"), first.toString());
            }
        }
    }

    @Test
    @SuppressWarnings("try") // a resource held open for the test, not used in the body
    void aPageWithCrossTabClientSyncsThroughTwoNodes() throws Exception {
        EdgeScenarios.require(true);
        try (MeshNode b = MeshNode.start(local("far").build())) {
            try (MeshNode a = MeshNode.start(local("near").peer(b.url()).build());
                 MeshNode.Subscription answering = EdgeContract.answerPings(b)) {
                EdgeContract.apply(a);
                await().atMost(Duration.ofSeconds(20)).until(() -> !b.peers().join().isEmpty()
                    && b.peers().join().get(0).connected());
                EdgeScenarios.Result page = EdgeScenarios.run(RUN, "browser.mjs", "--url", a.url().toString());
                page.assertPassed();
                JsonNode pong = page.step("pong").path("pong");
                assertEquals("edge/pong", pong.path("type").asText());
                // the ping crossed to b, the pong came back from b through a
                List<Entry> atB = b.entries().join();
                assertTrue(atB.stream().anyMatch(e -> e.action().type().equals("edge/ping")
                    && e.id().node().startsWith("alice:")), "the page's ping reached the far node");
                assertTrue(atB.stream().anyMatch(e -> e.action().type().equals("edge/pong")
                    && e.id().node().equals(b.nodeId())), "the far node answered");
            }
        }
    }

    @Test
    void aNodeDialingALoguxServerSendsOnlyItsOwnActionsAndTheyAreProcessed() throws Exception {
        EdgeScenarios.require(false);
        try (EdgeScenarios.Script server = EdgeScenarios.start("logux-server.mjs", "--token", "t0k3n")) {
            JsonNode listening = server.await(l -> "listening".equals(l.path("event").asText()), Duration.ofSeconds(30));
            URI url = URI.create(listening.path("url").asText());
            try (MeshNode relay = MeshNode.start(local("relay").build());
                 MeshNode node = MeshNode.start(local("gateway").subprotocol(1).token("t0k3n").peer(url)
                     .peer(relay.url()).build())) {
                JsonNode auth = server.await(l -> "authenticated".equals(l.path("event").asText()),
                    Duration.ofSeconds(20));
                assertEquals(node.nodeId(), auth.path("nodeId").asText());
                assertEquals(1, auth.path("subprotocol").asInt());
                // the server's hello, addressed to this node, arrives (and goes on into the mesh)
                await().atMost(Duration.ofSeconds(20)).until(() -> relay.entries().join().stream()
                    .anyMatch(e -> e.action().type().equals("server/hello")));

                List<String> own = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Meta m = node.add(Action.parse("{\"type\":\"gateway/say\",\"n\":" + i + "}")).join();
                    own.add(m.id().toString());
                }
                relay.add(Action.parse("{\"type\":\"relay/say\"}")).join(); // reaches the gateway, not the server
                for (String id : own) {
                    server.await(l -> "processed".equals(l.path("event").asText()) && id.equals(l.path("id").asText()),
                        Duration.ofSeconds(20));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> node.entries().join().stream()
                    .anyMatch(e -> e.action().type().equals("relay/say")));
                // for half a second after the gateway has the relayed action: nothing denied, nothing relayed
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> server.lines().stream()
                    .noneMatch(l -> "denied".equals(l.path("event").asText()) || ("action".equals(l.path("event").asText())
                        && "relay/say".equals(l.path("action").path("type").asText()))));
                List<JsonNode> lines = server.lines();
                for (JsonNode l : lines) {
                    if ("action".equals(l.path("event").asText())) {
                        List<String> keys = new ArrayList<>();
                        l.path("meta").fieldNames().forEachRemaining(keys::add);
                        assertTrue(List.of("id", "time", "subprotocol", "added", "reasons", "server", "status")
                            .containsAll(keys), "meta the server got: " + keys);
                    }
                }
                // the server's answers are not entries of the mesh
                assertTrue(relay.entries().join().stream().noneMatch(e -> e.action().type().startsWith("logux/")),
                    "no logux/processed in the mesh");
            }
        }
    }

    /**
     * A stock {@code @logux/server} holds 20 actions of about 1 KB addressed to a node that is offline; when the node
     * dials it, the server sends them all in its catch-up after {@code connected}, in one {@code sync} frame of about
     * 21 KB, over the node's {@code --max-frame} of 4 KB. Before session 26 the node answered {@code wrong-format}
     * "frame over the limit of 4096 bytes", closed, redialed, got the same frame, and none of the 20 ever arrived. Now
     * a dialed link takes frames up to the client frame limit: the 20 arrive, on the first connection.
     */
    @Test
    void aNodeDialingALoguxServerTakesItsCatchUpOverTheFrameLimit(@TempDir Path dir) throws Exception {
        EdgeScenarios.require(false);
        String nodeId;
        try (MeshNode first = MeshNode.start(local("gateway").dataDir(dir).build())) {
            nodeId = first.nodeId(); // kept in the data directory: the id the server addresses
        }
        try (EdgeScenarios.Script server = EdgeScenarios.start("logux-server.mjs", "--token", "t0k3n")) {
            URI url = URI.create(server.await(l -> "listening".equals(l.path("event").asText()),
                Duration.ofSeconds(30)).path("url").asText());
            String pad = "x".repeat(1000);
            for (int i = 0; i < 20; i++) {
                server.send("{\"cmd\":\"add\",\"action\":{\"type\":\"server/big\",\"n\":" + i + ",\"pad\":\""
                    + pad + "\"},\"meta\":{\"nodes\":[\"" + nodeId + "\"]}}");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> server.lines().stream()
                .filter(l -> "sent".equals(l.path("event").asText())).count() == 20);
            List<String> errors = new CopyOnWriteArrayList<>();
            try (MeshNode node = MeshNode.start(local("gateway").dataDir(dir).maxFrameBytes(4096).subprotocol(1)
                .token("t0k3n").peer(url).build(), List.of(new MeshNode.Listener() {
                    @Override
                    public void error(String message) {
                        errors.add(message);
                    }
                }))) {
                assertEquals(nodeId, node.nodeId());
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    if (errors.stream().anyMatch(m -> m.contains("over the limit"))) {
                        throw new AssertionError("the node refused the server's catch-up: " + errors);
                    }
                    return node.entries().join().stream().filter(e -> e.action().type().equals("server/big"))
                        .count() == 20;
                });
                assertEquals(List.of(), errors);
                assertEquals(1, server.lines().stream().filter(l -> "authenticated".equals(l.path("event").asText()))
                    .count(), "one connection");
            }
        }
    }

    @Test
    @SuppressWarnings("try") // a resource held open for the test, not used in the body
    void aLoguxServerThatRefusesTheSubprotocolIsDialedAgainOnlyEveryTenMinutes() throws Exception {
        EdgeScenarios.require(false);
        try (EdgeScenarios.Script server = EdgeScenarios.start("logux-server.mjs", "--min-subprotocol", "2")) {
            URI url = URI.create(server.await(l -> "listening".equals(l.path("event").asText()),
                Duration.ofSeconds(30)).path("url").asText());
            List<String> errors = new CopyOnWriteArrayList<>();
            try (MeshNode node = MeshNode.start(local("old").subprotocol(1).peer(url).build(),
                List.of(new MeshNode.Listener() {
                    @Override
                    public void error(String message) {
                        errors.add(message);
                    }
                }))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> errors.stream()
                    .anyMatch(m -> m.contains("dialing it again " + dev.logmesh.internal.mesh.Redialer.REFUSED_STEPS)));
                String gaveUp = errors.stream().filter(m -> m.contains("dialing it again " + dev.logmesh.internal.mesh.Redialer.REFUSED_STEPS)).findFirst().orElseThrow();
                assertTrue(gaveUp.contains("wrong-subprotocol") && gaveUp.contains("needs subprotocol 2")
                    && gaveUp.contains("--subprotocol"), gaveUp);
                // longer than the first redial delays (1-1.5 s, then 2-3 s): still one attempt
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> server.lines().stream()
                    .filter(l -> "clientError".equals(l.path("event").asText())).count() == 1);
            }
        }
    }
}
