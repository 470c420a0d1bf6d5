package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code logmesh add} gives an action whose line has no reasons: the node's keep reason, as an action typed into
 * a running node's stdin gets, so retention cleans it on its origin and on every peer. Before (session 51) it gave
 * {@code ["cli"]}: reasons travel with an action (as in Logux), no node ever removes that one, and a peer with
 * {@code --keep-last 5} kept all 20 of 20 such actions for good (and so did their origin with retention).
 */
class AddKeepReasonTest {
    @Test
    void addedActionsAreCleanedByAPeersRetention(@TempDir Path dir) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            lines.append("{\"type\":\"t\",\"n\":").append(i).append("}\n");
        }
        CliTest.Run add = CliTest.run(lines.toString(), "add", "--data", dir.toString());
        assertEquals(0, add.code(), add.err());

        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").mdns(false).host("127.0.0.1").port(0)
                .dataDir(dir).build());
            MeshNode b = MeshNode.start(NodeConfig.builder().name("b").mdns(false).host("127.0.0.1").port(0)
                .memory().keepLast(5).peer(a.url()).build())) {
            AtomicInteger received = new AtomicInteger();
            b.subscribe(e -> true, e -> received.incrementAndGet());
            await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == 20);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(5, b.entries().get().size(),
                "the peer with keep last 5 holds"));
            List<Entry> kept = b.entries().get();
            for (int i = 0; i < 5; i++) {
                assertEquals(16 + i, kept.get(i).action().json().get("n").asInt(), kept.toString());
                assertEquals(List.of(NodeConfig.DEFAULT_KEEP_REASON), kept.get(i).meta().reasons(),
                    "the peer's copy holds its keep reason only");
            }
            assertEquals(20, a.entries().get().size(), "the origin without retention keeps them all");
        }
    }

    /** The node started on the directory with retention cleans them from its SQLite log too (same before: 20). */
    @Test
    void addedActionsAreCleanedByTheirOwnNodesRetention(@TempDir Path dir) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            lines.append("{\"type\":\"t\",\"n\":").append(i).append("}\n");
        }
        assertEquals(0, CliTest.run(lines.toString(), "add", "--data", dir.toString()).code());
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").mdns(false).host("127.0.0.1").port(0)
                .dataDir(dir).keepLast(5).build())) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(5, a.entries().get().size(),
                "the node with keep last 5 holds"));
            assertEquals(16, a.entries().get().get(0).action().json().get("n").asInt());
        }
    }
}
