package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.testkit.LocalMesh;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted with its wall clock set back is heard at once: its presence records' {@code seq} comes from the
 * log's clock, whose reservation on disk a restarted clock starts after ({@code Log#reservedNow}). Before (session
 * 43) seq was the wall clock's, so a node restarted with its clock 10 s back sent seqs its peers had already seen,
 * and they kept its last record from before the restart, ignoring the new ones for those 10 s: "b's record of a is
 * from before a's restart".
 */
class PresenceClockBackTest {
    static final long PERIOD = NodeConfig.DEFAULT_PRESENCE_PERIOD.toMillis();

    /** The record {@code viewer} holds of {@code node}'s origin, as its status shows it; null for none. */
    static JsonNode record(LocalMesh mesh, String viewer, String node) {
        CompletableFuture<ObjectNode> f = mesh.get(viewer).node().status();
        mesh.runAll();
        for (JsonNode n : f.join().path("mesh").path("nodes")) {
            if (n.get("node").asText().equals(mesh.get(node).nodeId())) {
                return n;
            }
        }
        return null;
    }

    @Test
    void aNodeRestartedWithItsClockSetBackIsHeardAtOnce(@TempDir Path dir) {
        try (LocalMesh mesh = new LocalMesh(43).sqlite(dir)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(4 * PERIOD); // a adds nothing: its clock's reservation is only what its start made
            JsonNode before = record(mesh, "b", "a");
            assertNotNull(before, "b knows a");
            assertTrue(before.get("age").asLong() < PERIOD, before.toString());
            mesh.stop("a");
            mesh.get("a").step(-10_000); // the wall clock set back 10 s while a was down
            mesh.restart("a");
            long since = PERIOD;
            mesh.run(since);
            JsonNode after = record(mesh, "b", "a");
            assertNotNull(after, "b still knows a");
            assertTrue(after.get("age").asLong() < since, "b's record of a is from before a's restart: " + after);
        }
    }
}
