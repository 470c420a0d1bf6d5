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

    static List<String> peers(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("links").forEach(l -> out.add(l.get("peer").asText()));
        out.sort(null);
        assertTrue(out.size() <= 2);
        return out;
    }
}
