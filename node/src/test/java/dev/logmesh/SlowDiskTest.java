package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.SlowDisk;
import dev.logmesh.internal.store.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: a node whose disk takes 2 s per flush keeps serving. Two real nodes over WebSocket on 127.0.0.1; B keeps
 * its log in SQLite whose writer thread flushes through a {@link SlowDisk} of 2 s, and A sends it actions all along.
 * B's loop stays responsive (pings answered on time), no session drops, every {@code synced} comes only after the
 * flush that holds its entries, and nothing is lost.
 */
@Tag("slow")
class SlowDiskTest {
    static final long FLUSH_MILLIS = 2_000;
    static final int ACTIONS = 60;
    static final long EVERY_MILLIS = 50;

    @TempDir
    Path dir;

    @Test
    void aTwoSecondFlushStallsNoPingAndDropsNoSession() throws Exception {
        SlowDisk disk = new SlowDisk();
        SqliteStore store = disk.open(dir.resolve("b.db"));
        disk.delay(FLUSH_MILLIS);
        List<String> drops = new CopyOnWriteArrayList<>();
        MeshNode.Listener watch = new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (!connected) {
                    drops.add(nodeId);
                }
            }
        };
        AtomicLong firstAddAt = new AtomicLong();
        AtomicLong firstAckAt = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        MeshNode.Listener acks = new MeshNode.Listener() {
            @Override
            public void acknowledged(String nodeId, long added) {
                firstAckAt.compareAndSet(0, System.nanoTime());
                acked.accumulateAndGet(added, Math::max);
            }
        };
        // the session timeout is Logux's default scale (8 s); a ping goes out after 500 ms without traffic
        try (MeshNode b = MeshNode.start(NodeConfig.builder().name("b").store(store).host("127.0.0.1").mdns(false)
                .ping(500, 8_000).build(), List.of(watch));
             MeshNode a = MeshNode.start(NodeConfig.builder().name("a").memory().host("127.0.0.1").mdns(false)
                 .ping(500, 8_000).peer(b.url()).build(), List.of(watch, acks))) {
            await().atMost(Duration.ofSeconds(15)).until(() -> a.peers().get().stream()
                .anyMatch(MeshNode.PeerStatus::connected));

            // A adds an action every 50 ms (on its loop) and probes B's loop each time: how long until it runs
            AtomicInteger added = new AtomicInteger();
            AtomicLong slowestProbeNanos = new AtomicLong();
            Runnable[] step = new Runnable[1];
            step[0] = () -> {
                if (added.get() == ACTIONS) {
                    return;
                }
                firstAddAt.compareAndSet(0, System.nanoTime());
                a.add(Action.ofType("t" + added.incrementAndGet()));
                long sent = System.nanoTime();
                b.loop().execute(() -> slowestProbeNanos.accumulateAndGet(System.nanoTime() - sent, Math::max));
                a.loop().schedule(EVERY_MILLIS, step[0]);
            };
            a.loop().execute(step[0]);

            // nothing lost: B holds every action, and A hears B acknowledge them all
            await().atMost(Duration.ofSeconds(40)).until(() -> b.entries().get().size() == ACTIONS);
            await().atMost(Duration.ofSeconds(40)).until(() -> acked.get() == ACTIONS);

            long ackDelayMillis = TimeUnit.NANOSECONDS.toMillis(firstAckAt.get() - firstAddAt.get());
            assertTrue(ackDelayMillis >= FLUSH_MILLIS, "the first synced came only after the 2 s flush that holds "
                + "its entry: " + ackDelayMillis + " ms");
            long probeMillis = TimeUnit.NANOSECONDS.toMillis(slowestProbeNanos.get());
            assertTrue(probeMillis < 1_000, "B's loop never waited for its disk (slowest task start "
                + probeMillis + " ms, flushes take " + FLUSH_MILLIS + " ms)");
            assertEquals(List.of(), drops, "no session dropped");
            assertTrue(disk.flushes() < ACTIONS / 2, "group commit: " + disk.flushes() + " flushes for "
                + ACTIONS + " commits");
            MeshNode.PeerStatus atA = a.peers().get().get(0);
            assertTrue(atA.connected() && atA.oursAcknowledged() == ACTIONS, atA.toString());
        } finally {
            store.close();
        }
    }
}
