package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

/**
 * A node whose status file cannot be written for a full disk leaves no {@code status.json.tmp} behind (a 2 MiB tmpfs
 * of the test's own, root only). Before (disk40) each failed write left the temporary file, empty, in the data
 * directory, also after the node's close: "a 0-byte status.json.tmp is left after the failed write ==> expected:
 * <false> but was: <true>".
 */
class StatusFileFullDiskTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(2, "the status file full-disk test");

    @Test
    void aStatusWriteThatFindsNoRoomLeavesNoTemporaryFile() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        ManualLoop loop = new ManualLoop();
        Path data = tmpfs.path().resolve("a");
        Path tmp = data.resolve(MeshNode.STATUS_FILE + ".tmp");
        try (CapturedLogs.Tally warnings = CapturedLogs.tally(Level.WARN, "cannot write " + MeshNode.STATUS_FILE,
                 "no space left on device");
             MeshNode a = MeshNode.start(NodeConfig.builder().name("a").mdns(false).noListen().dataDir(data)
                 .loop(loop).build())) {
            java.util.concurrent.CompletableFuture<Meta> added = a.add(Action.ofType("before")); // while there is room
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                loop.runAll();
                return added.isDone();
            });
            // the first seen sweep (its horizon record a write) runs before the disk fills: a write failing on the
            // full disk has the store give back its WAL's room, and the status file then finds room (43ef3b6e moved
            // that sweep from the loop's first turn to a second after the start, and this test waited in vain)
            loop.advance(MeshNode.SWEEP_FIRST_MILLIS);
            loop.runAll();
            Tmpfs.fill(tmpfs.path().resolve("filler"));
            // no add (a failed one would have the store give back its WAL's room): the status is written again at
            // its refresh (STATUS_REFRESH_MILLIS of real time), and that write finds no room
            await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
                loop.advance(1_000);
                return warnings.count() >= 1;
            });
            assertFalse(Files.exists(tmp), "a 0-byte " + MeshNode.STATUS_FILE + ".tmp is left after the failed write");
            Files.delete(tmpfs.path().resolve("filler"));
        }
        assertFalse(Files.exists(tmp), "left after the close");
    }

    /**
     * A node on a full disk still says in its status file that it cannot write its log: the file keeps its room
     * ({@link MeshNode#STATUS_RESERVE_BYTES}) and is rewritten in place. Before (session 43) it kept its last state,
     * "writable": true, and {@code logmesh status} showed that with a staleness warning.
     */
    @Test
    void aNodeOnAFullDiskSaysInItsStatusFileThatItCannotWrite() throws Exception {
        ManualLoop loop = new ManualLoop();
        Path data = tmpfs.path().resolve("b");
        Path status = data.resolve(MeshNode.STATUS_FILE);
        try (MeshNode b = MeshNode.start(NodeConfig.builder().name("b").mdns(false).noListen().dataDir(data)
            .loop(loop).build())) {
            java.util.concurrent.CompletableFuture<Meta> added = b.add(Action.ofType("before"));
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                loop.runAll();
                return added.isDone() && Boolean.TRUE.equals(writable(status));
            });
            Tmpfs.fill(tmpfs.path().resolve("filler"));
            String pad = "x".repeat(2_000);
            for (int i = 0; i < 10_000 && b.health().writable(); i++) {
                java.util.concurrent.CompletableFuture<Meta> f = b.add(Action.parse("{\"type\":\"t\",\"pad\":\"" + pad
                    + "\"}"));
                await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                    loop.runAll();
                    return f.isDone();
                });
            }
            assertFalse(b.health().writable(), b.health().toString());
            Tmpfs.fill(tmpfs.path().resolve("filler2")); // what the failed adds gave back: the disk stays full
            await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
                loop.advance(1_000);
                return Boolean.FALSE.equals(writable(status));
            });
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readString(status));
            assertTrue(n.path("problem").asText().contains("full"), n.toString());
            Files.delete(tmpfs.path().resolve("filler"));
            Files.delete(tmpfs.path().resolve("filler2"));
        }
    }

    /** What {@code status.json} says of {@code writable}, or null while it is missing or does not parse. */
    private static Boolean writable(Path status) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readString(status));
            return n.has("writable") ? n.path("writable").asBoolean() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
