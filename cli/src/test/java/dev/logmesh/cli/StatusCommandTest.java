package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh status} as a user runs it: three node processes in a chain A–B–C on 127.0.0.1 (no mDNS); the
 * status of A, which has a session with B only, lists all three nodes, their links and log sizes.
 */
@Tag("slow")
class StatusCommandTest {

    static CliProcess.Running node(Path dir, String name, String peer) throws IOException {
        List<String> args = new ArrayList<>(List.of("node", "--name", name, "--data", dir.resolve(name).toString(),
            "--no-mdns", "--json", "--host", "127.0.0.1", "--port", "0", "--presence-period", "500ms",
            "--no-overlay")); // the overlay may add a link A–C (B's forward join): then it is not a chain
        if (peer != null) {
            args.add("--peer");
            args.add(peer);
        }
        return new CliProcess.Running(args.toArray(new String[0]));
    }

    static String url(CliProcess.Running n) throws IOException {
        String ready = n.lineWith("\"ready\"");
        assertNotNull(ready, "the node did not start");
        return MetaJson.reader().readTree(ready).get("url").asText();
    }

    /** The mesh as {@code logmesh status --data DIR} prints it: node id → its line. */
    static Map<String, JsonNode> status(Path dir) throws Exception {
        CliProcess.Result r = CliProcess.run("status", "--data", dir.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, JsonNode> out = new TreeMap<>();
        for (String line : r.out().split("\n", -1)) {
            if (!line.isBlank()) {
                JsonNode n = MetaJson.reader().readTree(line);
                out.put(n.get("name").asText(), n);
            }
        }
        return out;
    }

    @Test
    void statusOfTheFirstNodeOfAChainShowsTheWholeMesh(@TempDir Path dir) throws Exception {
        CliProcess.Result none = CliProcess.run("status", "--data", dir.resolve("a").toString());
        assertEquals(StatusCommand.NO_LOG, none.code(), "no log there yet: " + none.err());
        try (CliProcess.Running a = node(dir, "a", null);
             CliProcess.Running b = node(dir, "b", url(a));
             CliProcess.Running c = node(dir, "c", url(b))) {
            url(c);
            c.process.getOutputStream().write("{\"type\":\"test/one\"}\n{\"type\":\"test/two\"}\n"
                .getBytes(StandardCharsets.UTF_8));
            c.process.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                Map<String, JsonNode> mesh = status(dir.resolve("a"));
                assertEquals(List.of("a", "b", "c"), List.copyOf(mesh.keySet()), mesh.toString());
                JsonNode nc = mesh.get("c");
                assertEquals(2, nc.get("hops").asInt(), nc.toString());
                assertEquals(2, nc.get("size").asLong(), nc.toString());
                assertEquals(2, mesh.get("a").get("size").asLong(), "the actions reached a");
                assertEquals(List.of(mesh.get("b").get("node").asText()), peers(nc));
                assertEquals(List.of(mesh.get("a").get("node").asText(), nc.get("node").asText()),
                    peers(mesh.get("b")));
                assertEquals(0, mesh.get("a").get("hops").asInt());
            });
        }
    }

    /**
     * Session 49's note: a peer that stopped and is 500 entries behind was in {@code logmesh peers} (disconnected,
     * behind 500) while {@code logmesh status} listed the present nodes only, and on a terminal said "nobody is
     * behind". Now status lists it too, away, with how far behind and when its session ended, as peers counts it.
     * Before: status printed a's line alone ("b is not in status: [a:...]").
     */
    @Test
    void aPeerThatStoppedBehindIsInStatusAsInPeers(@TempDir Path dir) throws Exception {
        try (CliProcess.Running a = node(dir, "a", null)) {
            String url = url(a);
            String bId;
            long stoppedAt;
            try (CliProcess.Running b = node(dir, "b", url)) {
                bId = MetaJson.reader().readTree(b.lineWith("\"ready\"")).get("node").asText();
                // one action b acknowledges: a keeps a cursor of b (a peer that never acknowledged one has none)
                a.process.getOutputStream().write("{\"type\":\"test/first\"}\n".getBytes(StandardCharsets.UTF_8));
                a.process.getOutputStream().flush();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    CliProcess.Result p = CliProcess.run("peers", "--data", dir.resolve("a").toString(), "--json");
                    assertTrue(p.out().contains("\"sent\":1,"), p.out());
                });
                stoppedAt = System.currentTimeMillis();
            }
            StringBuilder adds = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                adds.append("{\"type\":\"test/").append(i).append("\"}\n");
            }
            a.process.getOutputStream().write(adds.toString().getBytes(StandardCharsets.UTF_8));
            a.process.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                CliProcess.Result r = CliProcess.run("status", "--data", dir.resolve("a").toString());
                assertEquals(0, r.code(), r.err());
                List<JsonNode> lines = new ArrayList<>();
                for (String line : r.out().split("\n", -1)) {
                    if (!line.isBlank()) {
                        lines.add(MetaJson.reader().readTree(line));
                    }
                }
                JsonNode away = lines.stream().filter(n -> n.path("node").asText().equals(bId)).findFirst()
                    .orElseThrow(() -> new AssertionError("b is not in status: " + lines));
                assertTrue(away.path("away").asBoolean(), away.toString());
                assertEquals(500, away.path("behind").asLong(), away.toString());
                long seen = away.path("lastSeen").asLong(-1);
                assertTrue(seen >= stoppedAt - 60_000 && seen <= System.currentTimeMillis(), away.toString());
                // peers says the same number, and the same time
                CliProcess.Result p = CliProcess.run("peers", "--data", dir.resolve("a").toString(), "--json");
                JsonNode peer = MetaJson.reader().readTree(p.out().lines().filter(l -> l.contains(bId)).findFirst()
                    .orElseThrow(() -> new AssertionError(p.out())));
                assertEquals(500, peer.path("behind").asLong(), peer.toString());
                assertEquals(seen, peer.path("lastSeen").asLong(), peer.toString());
            });
        }
    }

    static List<String> peers(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("links").forEach(l -> out.add(l.get("peer").asText()));
        out.sort(null);
        assertTrue(out.size() <= 2);
        return out;
    }
}
