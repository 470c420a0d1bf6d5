package dev.logmesh.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.edge.EdgeScenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session 19: a stock {@code @logux/client} 0.23 that changes node misses nothing (per-client cursors). The breaker's
 * run of session 17 with the real package ({@code interop/edge/failover.mjs}): the client syncs with node A; offline;
 * A and E, apart, each add 5; they heal; the same client (same client id, log and cursor) comes back on E's URL, as
 * behind a load balancer. Before the fix it got A's entries again and never E's 5 (E numbered them below the client's
 * {@code synced}).
 */
@Tag("slow")
class ClientFailoverTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    static NodeConfig.Builder local(String name) {
        return NodeConfig.builder().name(name).host("127.0.0.1").port(0).mdns(false);
    }

    static void add(MeshNode node, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            node.add(Action.parse("{\"type\":\"" + prefix + "/" + i + "\"}")).join();
        }
    }

    static Set<String> types(MeshNode node) {
        Set<String> out = new TreeSet<>();
        node.entries().join().forEach(e -> out.add(e.action().type()));
        return out;
    }

    @Test
    void aLoguxClientThatComesBackOnAnotherNodeGetsEveryEntry() throws Exception {
        EdgeScenarios.require(false);
        Path eData = dir.resolve("e");
        try (MeshNode a = MeshNode.start(local("a").memory().build())) {
            add(a, "before", 10);
            try (EdgeScenarios.Script client = EdgeScenarios.start("failover.mjs", "--url", a.url().toString())) {
                // the client syncs with a: its cursor now counts in a's numbers (10)
                client.await(l -> "action".equals(l.path("event").asText())
                    && "before/9".equals(l.path("type").asText()), WAIT);
                client.send("{\"cmd\":\"offline\"}");
                client.await(l -> "offline".equals(l.path("event").asText()), WAIT);

                // apart: a adds 5; e, a node of its own, adds 5 (numbered 1..5 there)
                add(a, "a-apart", 5);
                try (MeshNode e = MeshNode.start(local("e").dataDir(eData).build())) {
                    add(e, "e-apart", 5);
                }
                // heal: e comes back with a as its peer and they sync
                try (MeshNode e = MeshNode.start(local("e").dataDir(eData).peer(a.url()).build())) {
                    await().atMost(WAIT).until(() -> types(e).equals(types(a)) && types(e).size() == 20);

                    // the client comes back on e
                    client.send("{\"cmd\":\"connect\",\"url\":\"" + e.url() + "\"}");
                    client.await(l -> "state".equals(l.path("event").asText())
                        && e.nodeId().equals(l.path("server").asText())
                        && "synchronized".equals(l.path("state").asText()), WAIT);
                    Set<String> expected = types(e);
                    // every entry of e reaches the client (the first 10 it had from a)
                    try {
                        await().atMost(Duration.ofSeconds(10)).until(() -> received(client).containsAll(expected));
                    } catch (org.awaitility.core.ConditionTimeoutException timeout) {
                        // the assertion below says what is missing
                    }
                    client.send("{\"cmd\":\"summary\"}");
                    JsonNode summary = client.await(l -> "summary".equals(l.path("event").asText()), WAIT);
                    Set<String> got = new LinkedHashSet<>();
                    summary.path("types").forEach(t -> got.add(t.asText()));
                    Set<String> missing = new TreeSet<>(expected);
                    missing.removeAll(got);
                    assertEquals(Set.of(), missing, "entries of e the client never got; summary " + summary);
                    assertEquals(List.of(), client.lines().stream()
                        .filter(l -> "error".equals(l.path("event").asText())).toList());
                }
            }
        }
    }

    /** The action types the client reported so far. */
    static Set<String> received(EdgeScenarios.Script client) {
        Set<String> out = new TreeSet<>();
        for (JsonNode l : client.lines()) {
            if ("action".equals(l.path("event").asText())) {
                out.add(l.path("type").asText());
            }
        }
        return out;
    }
}
