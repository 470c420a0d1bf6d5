package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.log.MetaJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 8: the command line's stdout queue had no bound, so a reader that stops reading grew the node's
 * heap until it ran out. Two real nodes on 127.0.0.1; the receiving one prints through the node command's
 * writer into an output that blocks. Its queue stays within its bound (the node stops taking in from its peer,
 * which keeps the entries unacknowledged); once the output reads again, every entry is printed exactly once.
 */
@Tag("slow")
class StdoutBackpressureTest {
    static final int ENTRIES = 20_000;
    static final long MAX_BYTES = 256 * 1024;

    /** An output that blocks every write until it is opened, like a pipe whose reader stopped. */
    static final class StalledOutput extends OutputStream {
        /** Counted down by the first write (the writer has taken a line and waits). */
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writing.countDown();
            try {
                open.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (written) {
                written.write(b, off, len);
            }
        }

        String text() {
            synchronized (written) {
                return written.toString(StandardCharsets.UTF_8);
            }
        }

        List<String> lines() {
            String s = text();
            return s.isEmpty() ? List.of() : List.of(s.split(System.lineSeparator(), -1)).stream()
                .filter(l -> !l.isEmpty()).toList();
        }
    }

    static ObjectNode item(int i) {
        ObjectNode a = Action.ofType("item").json();
        a.put("i", i);
        a.put("text", "x".repeat(200));
        return a;
    }

    @Test
    void aStalledStdoutPausesReceivingAndNothingIsLostWhenItReadsAgain() throws Exception {
        StalledOutput stdout = new StalledOutput();
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").memory().host("127.0.0.1").mdns(false)
                .build());
             Ndjson out = new Ndjson(new PrintStream(stdout, false, StandardCharsets.UTF_8), false, true, MAX_BYTES,
                 10_000);
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().noListen().mdns(false)
                 .peer(a.url()).build())) {
            // the node command's wiring
            out.backpressure(b::pauseReceiving, b::resumeReceiving);
            b.subscribe(e -> true, out::add);

            CompletableFuture<?> last = null;
            for (int i = 0; i < ENTRIES; i++) {
                last = a.add(Action.of(item(i)));
            }
            last.get(30, TimeUnit.SECONDS);

            // b stops taking in: its output is full and stays within its bound
            await().atMost(Duration.ofSeconds(20)).until(out::full);
            long stalledAt = b.entries().get(5, TimeUnit.SECONDS).size();
            // and takes nothing more in for a while (a condition that must hold for 1.5 s, not a sleep)
            await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(10))
                .until(() -> b.entries().get(5, TimeUnit.SECONDS).size() == stalledAt);
            long later = b.entries().get(5, TimeUnit.SECONDS).size();
            System.out.println("stalled at " + later + " entries, queue max " + out.maxQueuedBytesSeen() + " bytes");
            assertEquals(stalledAt, later, "b took nothing more in while its output was full");
            assertTrue(later < ENTRIES, "b stopped before the end: " + later);
            // over the bound by at most what b had taken in already: the sync chunk in hand (512 KiB) and
            // the frames read before its links stopped reading
            assertTrue(out.maxQueuedBytesSeen() < MAX_BYTES + (2 << 20), "queue bound: " + out.maxQueuedBytesSeen());
            List<MeshNode.PeerStatus> peers = a.peers().get(5, TimeUnit.SECONDS);
            assertTrue(peers.isEmpty() || peers.get(0).behind() > 0, "a holds what b did not acknowledge");

            // the reader comes back: everything is printed, each entry once, and b has it all
            stdout.open.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> adds(stdout.text()).size() >= ENTRIES);
            Set<Integer> seen = new HashSet<>();
            for (JsonNode add : adds(stdout.text())) {
                assertTrue(seen.add(add.get("action").get("i").asInt()), "printed twice: " + add);
            }
            assertEquals(ENTRIES, seen.size());
            assertEquals(ENTRIES, b.entries().get(5, TimeUnit.SECONDS).size());
        }
    }

    /** The add events among the complete lines (the writer may be in the middle of a batch: a last line cut). */
    static List<JsonNode> adds(String text) throws IOException {
        List<JsonNode> out = new java.util.ArrayList<>();
        String complete = text.substring(0, text.lastIndexOf('\n') + 1);
        for (String line : complete.split("\n", -1)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = MetaJson.reader().readTree(line);
            if ("add".equals(n.path("event").asText())) {
                out.add(n);
            }
        }
        return out;
    }
}
