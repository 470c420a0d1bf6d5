package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's meters in the application's Micrometer registry (issue 14): two real nodes on 127.0.0.1, traffic, and the
 * values move as they should; a node with a wrong key counts as an error; the meters go when the node closes.
 */
@Tag("slow")
class NodeMetricsTest {
    static final byte[] KEY = "metrics-test-key".getBytes(StandardCharsets.UTF_8);

    static double counter(MeterRegistry r, String name, String node) {
        var c = r.find(name).tag("node", node).functionCounter();
        return c == null ? -1 : c.count();
    }

    static double gauge(MeterRegistry r, String name, String node) {
        var g = r.find(name).tag("node", node).gauge();
        return g == null ? -1 : g.value();
    }

    @Test
    void sessionsActionsBytesLagAndErrorsMoveWithTraffic() throws Exception {
        MeterRegistry ra = new SimpleMeterRegistry();
        MeterRegistry rb = new SimpleMeterRegistry();
        String mesh = "metrics-" + System.nanoTime();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mesh(mesh).key(KEY)
                .meterRegistry(ra).build())) {
            String a = alice.nodeId();
            for (int i = 0; i < 300; i++) {
                alice.add(Action.ofType("item/add")).join();
            }
            assertEquals(300, counter(ra, "logmesh.actions.added", a));
            assertEquals(0, counter(ra, "logmesh.actions.sent", a));
            assertEquals(0, gauge(ra, "logmesh.sessions", a));
            try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mesh(mesh).key(KEY).meterRegistry(rb)
                    .peer(alice.url()).build())) {
                String b = bob.nodeId();
                await().atMost(Duration.ofSeconds(20)).until(() -> counter(rb, "logmesh.actions.received", b) == 300);
                await().atMost(Duration.ofSeconds(20)).until(() -> gauge(rb, "logmesh.catchup.lag", b) == 0);
                bob.add(Action.ofType("item/add")).join();
                await().atMost(Duration.ofSeconds(20)).until(() -> counter(ra, "logmesh.actions.received", a) == 1);
                assertEquals(300, counter(ra, "logmesh.actions.sent", a));
                assertEquals(1, counter(rb, "logmesh.actions.added", b));
                assertEquals(1, counter(rb, "logmesh.actions.sent", b));
                assertEquals(1, gauge(ra, "logmesh.sessions", a));
                assertEquals(1, gauge(rb, "logmesh.sessions", b));
                assertTrue(counter(ra, "logmesh.sent.bytes", a) > 300 * 20, "300 entries went out");
                assertTrue(counter(rb, "logmesh.received.bytes", b) >= counter(ra, "logmesh.sent.bytes", a) - 1_000);
                await().atMost(Duration.ofSeconds(5)).until(() -> gauge(ra, "logmesh.log.entries", a) == 301);

                // a node with another key is refused: alice counts a wrong-credentials error
                try (MeshNode eve = MeshNode.start(NodeConfig.builder().name("eve").mesh(mesh)
                        .key("wrong".getBytes(StandardCharsets.UTF_8)).peer(URI.create(alice.url().toString()))
                        .build())) {
                    assertTrue(eve.nodeId().startsWith("eve:"));
                    await().atMost(Duration.ofSeconds(20)).until(() -> {
                        var c = ra.find("logmesh.errors").tag("node", a).tag("kind", "wrong-credentials").counter();
                        return c != null && c.count() >= 1;
                    });
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> gauge(ra, "logmesh.sessions", a) == 0);
        }
        assertNull(ra.find("logmesh.actions.added").functionCounter(), "a closed node's meters are removed");
    }

    /**
     * A node on SQLite times its store's disk: each group commit's fsync of the WAL and each background checkpoint
     * ({@code logmesh.store.flush}, {@code logmesh.store.checkpoint}); the timers go when the node closes, and a
     * node on the memory store has none.
     */
    @Test
    void sqliteNodeTimesItsFsyncsAndCheckpoints(@TempDir Path dir) throws Exception {
        MeterRegistry r = new SimpleMeterRegistry();
        String id;
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("disk").dataDir(dir).meterRegistry(r).build())) {
            id = node.nodeId();
            for (int i = 0; i < 20; i++) {
                node.add(Action.ofType("item/add")).join(); // completes once durable: after an fsync
            }
            var flush = r.find("logmesh.store.flush").tag("node", id).timer();
            assertTrue(flush != null && flush.count() >= 1, "a durable add waited for at least one fsync");
            assertTrue(flush.totalTime(TimeUnit.NANOSECONDS) > 0);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                var c = r.find("logmesh.store.checkpoint").tag("node", id).timer();
                return c != null && c.count() >= 1;
            });
        }
        assertNull(r.find("logmesh.store.flush").timer(), "a closed node's timers are removed");
        assertNull(r.find("logmesh.store.checkpoint").timer());
        try (MeshNode memory = MeshNode.start(NodeConfig.builder().name("mem").meterRegistry(r).build())) {
            memory.add(Action.ofType("item/add")).join();
            assertNull(r.find("logmesh.store.flush").timer(), "the memory store has no disk to time");
        }
    }
}
