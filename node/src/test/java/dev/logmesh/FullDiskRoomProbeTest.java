package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node whose disk was full finds out by itself that it has room again once its operator frees space: no add of
 * its own, no clean, no peer's batch needed ({@code MeshNode.roomProbe}; a 2 MiB tmpfs of the test's own, root only).
 * Before (session 46's full46 held the sessions of a full node until it could write again), such a node learned of
 * room only from its own next add, a clean, or a mesh peer's held batch tried again: a stock Logux client alone on
 * it waited without end. Failed before: "the node did not find the room made (health: ...)" after 30 s of its clock.
 */
class FullDiskRoomProbeTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(2, "the room probe test");

    @Test
    void aNodeOnAFullDiskFindsTheRoomItsOperatorFreesWithoutAnAddOfItsOwn() throws Exception {
        ManualLoop loop = new ManualLoop();
        Path data = tmpfs.path().resolve("a");
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").mdns(false).noListen().dataDir(data)
            .loop(loop).build())) {
            CompletableFuture<Meta> first = a.add(Action.ofType("before"));
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                loop.runAll();
                return first.isDone();
            });
            loop.advance(MeshNode.SWEEP_FIRST_MILLIS); // the first seen sweep's write, while there is room
            loop.runAll();
            Tmpfs.fill(tmpfs.path().resolve("filler"));
            String pad = "x".repeat(2_000);
            for (int i = 0; i < 10_000 && a.health().writable(); i++) {
                CompletableFuture<Meta> f = a.add(Action.parse("{\"type\":\"t\",\"pad\":\"" + pad + "\"}"));
                await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                    loop.runAll();
                    return f.isDone();
                });
            }
            assertFalse(a.health().writable(), a.health().toString());
            Tmpfs.fill(tmpfs.path().resolve("filler2")); // what the failed adds gave back: the disk stays full
            for (int i = 0; i < 10; i++) { // probes find no room meanwhile
                loop.advance(1_000);
            }
            assertFalse(a.health().writable(), "writable on a full disk: " + a.health());
            Files.delete(tmpfs.path().resolve("filler"));
            Files.delete(tmpfs.path().resolve("filler2"));
            long[] waited = {0};
            await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
                loop.advance(1_000);
                waited[0] += 1_000;
                return a.health().writable() || waited[0] > 30_000;
            });
            assertTrue(a.health().writable(), "the node did not find the room made (health: " + a.health() + ")");
            assertTrue(waited[0] <= dev.logmesh.internal.session.SyncSession.ROOM_RETRY_MAX_MILLIS + 1_000, "found after " + waited[0] + " ms");
            CompletableFuture<Meta> after = a.add(Action.ofType("after"));
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                loop.runAll();
                return after.isDone();
            });
            assertFalse(after.isCompletedExceptionally(), after.toString());
        }
    }
}
