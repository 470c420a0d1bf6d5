package dev.logmesh.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.Recipients;
import dev.logmesh.TypeHooks;
import dev.logmesh.internal.edge.EdgeScenarios;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * logux43: a stock {@code @logux/client} subscribed to a channel that has no {@code load} hook (every channel of a CLI
 * node) goes offline while another client adds to the channel, comes back and resubscribes with {@code since}: it gets
 * what it missed, once, and nothing it made or had; a first subscriber gets the channel's history
 * ({@code interop/edge/channel-replay.mjs}). Before, the missed actions never came: the node had no default load.
 */
@Tag("slow")
class ChannelReplayAppsTest {
    static final Duration RUN = Duration.ofMinutes(2);

    /** What the scenario needs of the node: {@code replay/say {room}} addressed to the channel {@code room}. */
    static void replayContract(MeshNode node) {
        node.type("replay/say", TypeHooks.accept().resend((ctx, action, meta) ->
            Recipients.channels(action.get("room").asText())));
    }

    static NodeConfig.Builder local(String name) {
        return NodeConfig.builder().name(name).host("127.0.0.1").port(0).mdns(false);
    }

    @Test
    void aClientBackFromAwayGetsTheChannelsMissedActionsOnceFromAMemoryNode() throws Exception {
        EdgeScenarios.require(false);
        try (MeshNode node = MeshNode.start(local("edge").memory().build())) {
            replayContract(node);
            passes(EdgeScenarios.run(RUN, "channel-replay.mjs", "--url", node.url().toString()));
        }
    }

    @Test
    void aClientBackFromAwayGetsTheChannelsMissedActionsOnceFromASqliteNode(@TempDir Path dir) throws Exception {
        EdgeScenarios.require(false);
        try (MeshNode node = MeshNode.start(local("edge").dataDir(dir).build())) {
            replayContract(node);
            passes(EdgeScenarios.run(RUN, "channel-replay.mjs", "--url", node.url().toString()));
        }
    }

    /** An embedding app may turn the default load off: then a subscriber gets only what is added from then on. */
    @Test
    void withTheReplayOffTheMissedActionsDoNotCome() throws Exception {
        EdgeScenarios.require(false);
        try (MeshNode node = MeshNode.start(local("edge").memory().channelReplay(0).build())) {
            replayContract(node);
            EdgeScenarios.Result r = EdgeScenarios.run(RUN, "channel-replay.mjs", "--url", node.url().toString(),
                "--timeout", "5000"); // the default: 3000 ms for the first step timed out once with a CI build beside it
            assertEquals(1, r.exitCode(), "the scenario fails without a replay");
            JsonNode first = r.failures().get(0);
            assertEquals("back", first.path("step").asText(), first.toString());
            assertTrue(first.path("error").asText().contains("missed1 and missed2 never came"), first.toString());
        }
    }

    private static void passes(EdgeScenarios.Result r) {
        r.assertPassed();
        JsonNode counts = r.step("counts");
        assertEquals(1, counts.path("reader").path("missed1").asInt(), counts.toString());
        assertEquals(1, counts.path("reader").path("missed2").asInt(), counts.toString());
        assertTrue(counts.path("reader").path("own1").isMissingNode(), counts.toString());
        assertEquals(6, counts.path("late").size(), counts.toString());
    }
}
