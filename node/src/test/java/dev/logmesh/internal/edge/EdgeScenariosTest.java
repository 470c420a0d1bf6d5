package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The edge scenarios run from Java against {@code fake-node.mjs}, a stock {@code @logux/server} with the
 * scenario contract: the harness works end to end, and the per-user tokens of {@link UserTokens} are what a
 * Logux server's {@code auth} receives. The same calls with a logmesh node's URL are the tests.
 */
@Tag("slow")
class EdgeScenariosTest {
    static final Duration RUN = Duration.ofMinutes(2);

    @Test
    void clientAndUsersScenariosPassAgainstALoguxServer() throws Exception {
        EdgeScenarios.require(false);
        UserTokens tokens = UserTokens.forMesh("k".getBytes(java.nio.charset.StandardCharsets.UTF_8), "m",
            System::currentTimeMillis);
        String map = EdgeScenarios.JSON.writeValueAsString(java.util.Map.of(
            "alice", tokens.tokenFor("alice"), "bob", tokens.tokenFor("bob"), "carol", tokens.tokenFor("carol"),
            "mallory", tokens.tokenFor("mallory")));
        try (EdgeScenarios.Script node = EdgeScenarios.start("fake-node.mjs", "--unaddressed", "none", "--tokens", map)) {
            String url = node.await(l -> "listening".equals(l.path("event").asText()), Duration.ofSeconds(30))
                .get("url").asText();
            EdgeScenarios.Result client = EdgeScenarios.run(RUN, "client-node.mjs", "--url", url, "--tokens", map);
            client.assertPassed();
            assertEquals("development", client.step("headers").path("headers").path("env").asText());
            assertTrue(client.done().path("passed").asInt() >= 17, client.done().toString());

            EdgeScenarios.Result users = EdgeScenarios.run(RUN, "two-users.mjs", "--url", url, "--tokens", map);
            users.assertPassed();
            JsonNode received = users.step("only-addressed").path("received");
            assertEquals(2, received.path("bob").size());
            assertEquals(0, received.path("mallory").size());

            // without tokens the node refuses: the scenario fails at start, with the reason
            EdgeScenarios.Result refused = EdgeScenarios.run(RUN, "two-users.mjs", "--url", url, "--timeout", "2000");
            assertEquals(1, refused.exitCode());
            List<JsonNode> failures = refused.failures();
            assertEquals("start", failures.get(0).path("step").asText());
            assertTrue(failures.get(0).path("error").asText().contains("wrong-credentials"), failures.toString());
        }
    }

    @Test
    void browserScenarioPasses() throws Exception {
        EdgeScenarios.require(true);
        try (EdgeScenarios.Script node = EdgeScenarios.start("fake-node.mjs")) {
            String url = node.await(l -> "listening".equals(l.path("event").asText()), Duration.ofSeconds(30))
                .get("url").asText();
            EdgeScenarios.Result page = EdgeScenarios.run(RUN, "browser.mjs", "--url", url);
            page.assertPassed();
            assertTrue(page.step("pong").path("ok").asBoolean());
        }
    }

    @Test
    void aRealLoguxServerStartsAndSaysWhereItListens() throws Exception {
        EdgeScenarios.require(false);
        try (EdgeScenarios.Script server = EdgeScenarios.start("logux-server.mjs", "--token", "t")) {
            JsonNode listening = server.await(l -> "listening".equals(l.path("event").asText()), Duration.ofSeconds(30));
            assertEquals("0.14.0", listening.path("loguxServer").asText());
            assertTrue(listening.path("url").asText().startsWith("ws://127.0.0.1:"));
            assertTrue(listening.path("nodeId").asText().startsWith("server:"));
        }
    }
}
