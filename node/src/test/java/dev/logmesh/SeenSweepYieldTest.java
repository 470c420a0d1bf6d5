package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.StoreSpy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hourly sweep of old seen ids runs in batches of {@link MeshNode#FORGET_BATCH}, "one batch per loop turn"
 * (issue 12: maintenance in small batches, off the loop's way). Session 24: each next batch was posted with
 * {@code execute()}, and a Netty loop runs posted tasks back to back (for up to 1 s) before it reads sockets or runs
 * timers again, so the whole sweep ran before any of them. Now each next batch is scheduled. On a manual loop in
 * Netty's order ({@link ManualLoop#nettyOrder()}) over a real SQLite store; before the fix: "a timer set at the
 * sweep's first batch ran after 4 batches".
 */
class SeenSweepYieldTest {
    @TempDir
    Path dir;

    @Test
    void theSeenSweepLetsTheLoopsTimersRunBetweenItsBatches() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000L).nettyOrder();
        AtomicInteger batches = new AtomicInteger();
        int[] atTimer = {-1};
        SqliteStore sqlite = SqliteStore.open(dir.resolve("log.db"),
            new SqliteStore.Options(SqliteStore.Durability.NORMAL, true));
        Store store = StoreSpy.around(sqlite, (method, args) -> {
            if (method.equals("forgetSeenBatch") && batches.incrementAndGet() == 1) {
                // the sweep's first batch: a timer set now stands for a socket read or a ping due meanwhile
                loop.schedule(0, () -> atTimer[0] = batches.get());
            }
        });
        int ids = 3 * MeshNode.FORGET_BATCH + 100;
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("n").noListen().mdns(false).loop(loop)
            .store(store).keepReason(null).seenHorizon(Duration.ofMinutes(1)).build())) {
            for (int i = 0; i < ids; i++) {
                node.add(Action.ofType("gone"), List.of("brief"));
            }
            loop.runAll();
            // cleaned: their ids are only in the seen index now
            var cleaned = node.removeReason("brief", Criteria.ALL);
            loop.runAll();
            assertEquals(ids, cleaned.getNow(-1));
            loop.advance(Duration.ofHours(1).toMillis() + 1_000);
            assertTrue(batches.get() >= 4, "the sweep ran its batches: " + batches.get());
            assertTrue(atTimer[0] >= 1, "the timer ran");
            assertEquals(1, atTimer[0], "a timer set at the sweep's first batch ran after " + atTimer[0]
                + " batches");
        }
    }
}
