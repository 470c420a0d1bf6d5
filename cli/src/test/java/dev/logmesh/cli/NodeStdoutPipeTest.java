package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.log.MetaJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, fault 8, as it was found: {@code logmesh node} in its own JVM with a 64 MB heap and its stdout piped
 * into a reader that does not read. A peer sends it 40,000 actions of 1 KB (more than its heap). The node stops
 * taking in while the pipe is full instead of queueing everything (which ran out of memory at ~25k entries and
 * then went on half alive); when the reader reads, every action is printed exactly once.
 */
@Tag("slow")
class NodeStdoutPipeTest {
    static final int ENTRIES = 40_000;

    @TempDir
    Path dir;

    @Test
    void aNodeWhoseStdoutIsNotReadStaysWithinItsHeapAndLosesNothing() throws Exception {
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").memory().host("127.0.0.1").mdns(false)
            .build())) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process b = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                "dev.logmesh.cli.Main", "node", "--name", "b", "--data", dir.resolve("b").toString(), "--no-mdns",
                "--host", "127.0.0.1", "--port", "0", "--json", "--peer", a.url().toString()).start();
            @SuppressWarnings("JdkObsolete") // appended by the reader thread, read by the test thread
            StringBuffer stderr = new StringBuffer();
            Thread errors = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(b.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        stderr.append(line).append('\n');
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            errors.setDaemon(true);
            errors.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> a.peers().get().stream()
                    .anyMatch(MeshNode.PeerStatus::connected));
                String text = "y".repeat(1_000);
                CompletableFuture<?> last = null;
                for (int i = 0; i < ENTRIES; i++) {
                    ObjectNode action = Action.ofType("item").json();
                    action.put("i", i);
                    action.put("text", text);
                    last = a.add(Action.of(action));
                }
                last.get(60, TimeUnit.SECONDS);

                // nobody reads b's stdout: b's acknowledgements stop well before the end
                AtomicLong acked = new AtomicLong(-1);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3)).until(() -> {
                    long now = a.peers().get().stream().mapToLong(MeshNode.PeerStatus::oursAcknowledged).max()
                        .orElse(0);
                    return acked.getAndSet(now) == now;
                });
                assertTrue(acked.get() < ENTRIES, "b stopped taking in: acknowledged " + acked.get());
                assertTrue(b.isAlive(), "b is alive\n" + stderr);
                assertFalse(stderr.toString().contains("OutOfMemoryError"), stderr.toString());

                // the reader reads: every action comes out once, and b is still alive and well
                Set<Integer> printed = new HashSet<>();
                try (BufferedReader out = new BufferedReader(new InputStreamReader(b.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    String line;
                    while (printed.size() < ENTRIES && System.nanoTime() < deadline
                        && (line = out.readLine()) != null) {
                        JsonNode n = MetaJson.reader().readTree(line);
                        if ("add".equals(n.path("event").asText())) {
                            assertTrue(printed.add(n.get("action").get("i").asInt()), "printed twice: " + line);
                        }
                    }
                }
                assertEquals(ENTRIES, printed.size(), "every action printed\n" + stderr);
                assertTrue(b.isAlive());
                assertFalse(stderr.toString().contains("OutOfMemoryError"), stderr.toString());
                await().atMost(Duration.ofSeconds(30)).until(() -> a.peers().get().stream()
                    .anyMatch(p -> p.oursAcknowledged() == ENTRIES));
            } finally {
                b.destroy();
                if (!b.waitFor(15, TimeUnit.SECONDS)) {
                    b.destroyForcibly();
                }
            }
        }
    }
}
