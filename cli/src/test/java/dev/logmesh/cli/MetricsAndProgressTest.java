package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two {@code logmesh node} processes on 127.0.0.1 (issue 14): alice takes 5,000 actions on stdin, bob joins and
 * catches up. Bob's stdout has {@code progress} events (the last with done = total), alice's has none; both serve
 * {@code --metrics} over HTTP in Prometheus' text format, and the scraped values are what the traffic was.
 */
@Tag("slow")
class MetricsAndProgressTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int N = 5_000;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Scrapes an endpoint: {@code name{labels}} to value, for the logmesh_ samples. */
    static Map<String, Double> scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().lines().toList()) {
            if (line.startsWith("logmesh_")) {
                int space = line.lastIndexOf(' ');
                String key = line.substring(0, space);
                samples.put(key.contains("{") ? key.substring(0, key.indexOf('{')) : key,
                    samples.getOrDefault(key, 0.0) + Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    static double value(String url, String name) throws IOException, InterruptedException {
        return scrape(url).getOrDefault(name, -1.0);
    }

    @Test
    void theReceiverReportsProgressAndBothServeTheirMetrics() throws Exception {
        String[] base = {"node", "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--memory", "--json",
            "--metrics", "127.0.0.1:0"};
        try (CliProcess.Running alice = new CliProcess.Running(concat(base, "--name", "alice"))) {
            JsonNode ready = JSON.readTree(alice.lineWith("\"ready\""));
            String aliceMetrics = ready.get("metrics").asText();
            assertTrue(aliceMetrics.startsWith("http://127.0.0.1:") && aliceMetrics.endsWith("/metrics"), aliceMetrics);
            // alice prints an add line per action: read them all as they come, so her stdout never fills up
            List<String> aliceLines = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try {
                    String l;
                    while ((l = alice.out.readLine()) != null) {
                        aliceLines.add(l);
                    }
                } catch (IOException e) {
                    aliceLines.add("read failed: " + e);
                }
            }, "alice-stdout");
            reader.setDaemon(true);
            reader.start();
            OutputStream in = alice.process.getOutputStream();
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < N; i++) {
                lines.append("{\"type\":\"item/add\",\"n\":").append(i).append("}\n");
            }
            in.write(lines.toString().getBytes(StandardCharsets.UTF_8));
            in.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> value(aliceMetrics, "logmesh_actions_added_total") == N);
            assertEquals(0, value(aliceMetrics, "logmesh_sessions"));

            try (CliProcess.Running bob = new CliProcess.Running(concat(base, "--name", "bob", "--peer",
                    ready.get("url").asText()))) {
                String bobMetrics = JSON.readTree(bob.lineWith("\"ready\"")).get("metrics").asText();
                List<JsonNode> progress = new ArrayList<>();
                while (true) {
                    String line = bob.lineWith("\"progress\"");
                    assertNotNull(line, "bob's output ended before the catch-up did");
                    JsonNode p = JSON.readTree(line);
                    progress.add(p);
                    if (p.get("done").asLong() == p.get("total").asLong()) {
                        break;
                    }
                }
                JsonNode first = progress.get(0);
                JsonNode last = progress.get(progress.size() - 1);
                assertTrue(progress.size() >= 2, progress.toString());
                assertTrue(first.get("peer").asText().startsWith("alice:"), first.toString());
                assertTrue(first.get("done").asLong() < N, "the first comes at the first batch: " + first);
                assertEquals(N, last.get("total").asLong(), last.toString());
                assertTrue(last.get("rate").asLong() > 0, last.toString());

                await().atMost(Duration.ofSeconds(30)).until(() -> value(bobMetrics, "logmesh_actions_received_total") == N);
                Map<String, Double> b = scrape(bobMetrics);
                assertEquals(1, b.get("logmesh_sessions"));
                assertEquals(0, b.get("logmesh_catchup_lag"));
                assertEquals(0, b.get("logmesh_actions_added_total"));
                assertTrue(b.get("logmesh_received_bytes_total") > N * 20, b.toString());
                Map<String, Double> a = scrape(aliceMetrics);
                assertEquals(N, a.get("logmesh_actions_sent_total"));
                assertEquals(1, a.get("logmesh_sessions"));
                assertTrue(a.get("logmesh_sent_bytes_total") > N * 20, a.toString());
            }
            in.close();
            alice.stop();
            reader.join(20_000);
            assertTrue(aliceLines.size() >= N, "alice printed her adds");
            assertFalse(aliceLines.stream().anyMatch(l -> l.contains("\"progress\"")),
                "the sending node prints no progress");
        }
    }

    @Test
    void aBadMetricsAddressIsAUsageError() throws Exception {
        CliProcess.Result r = CliProcess.run("node", "--no-mdns", "--memory", "--metrics", "localhost:99999");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--metrics localhost:99999"), r.err());
    }

    static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
