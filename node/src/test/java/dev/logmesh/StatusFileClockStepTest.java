package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.ManualLoop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refresh of {@link MeshNode#STATUS_FILE} is timed on the loop's monotonic clock, its {@code written} field is
 * the node's wall clock. Before (ops42) both were {@code System.currentTimeMillis()}: after the clock was set back
 * an idle node rewrote the file only when its content changed, so {@code logmesh status} called a live node stale
 * and a full disk went unseen for as long as the step.
 */
class StatusFileClockStepTest {

    @Test
    void aQuietNodeKeepsRefreshingItsStatusFileAfterItsClockIsSetBack(@TempDir Path dir) throws Exception {
        ManualLoop loop = new ManualLoop(1_700_000_000_000L);
        AtomicLong offset = new AtomicLong();
        Path data = dir.resolve("n");
        Path file = data.resolve(MeshNode.STATUS_FILE);
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("quiet").mdns(false).noListen().dataDir(data)
            .loop(loop.withClockOffset(offset::get)).build())) {
            // the first file says the node's clock
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                loop.advance(1_000);
                return written(file) > 0;
            });
            long first = written(file);
            assertTrue(first >= 1_700_000_000_000L && first <= loop.now(),
                "written " + first + " is a time of the node's clock (up to " + loop.now() + ")");
            // the clock is set back by an hour; nothing is added, so only the refresh writes the file again
            offset.set(-3_600_000L);
            long steppedAt = loop.now();
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> {
                if (loop.now() - steppedAt < 3 * MeshNode.STATUS_REFRESH_MILLIS) {
                    loop.advance(1_000);
                }
                return written(file) < first;
            });
            long after = written(file);
            // within a refresh of the step, and on the node's (set back) clock
            assertTrue(after >= steppedAt - 3_600_000L && after <= loop.now() - 3_600_000L,
                "written " + after + " is on the clock set back, between " + (steppedAt - 3_600_000L) + " and "
                    + (loop.now() - 3_600_000L));
            assertTrue(after - (steppedAt - 3_600_000L) <= MeshNode.STATUS_REFRESH_MILLIS + 1_000,
                "rewritten " + (after - (steppedAt - 3_600_000L)) + " ms after the step");
            java.util.concurrent.CompletableFuture<java.util.List<Entry>> entries = node.entries();
            loop.runAll();
            assertTrue(entries.join().isEmpty(), "nothing was added: only the refresh wrote the file");
        }
    }

    /** The file's {@code written} (epoch ms), or -1 while it is not there (or mid-rename). */
    private static long written(Path file) {
        return StatusFileRefreshTest.written(file);
    }
}
