package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Order;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 on a really slow disk: a node process whose every {@code fsync}/{@code fdatasync} in its data directory
 * takes {@value #FSYNC_MILLIS} ms (an {@code LD_PRELOAD} shim, {@code src/test/native/slowfsync.c}, compiled into
 * {@code target/} by this test) keeps serving its peers at once while its commits take seconds. Unlike
 * {@link SlowDiskTest}, which slows only the store's own group commit, this slows every flush of the process,
 * SQLite's own (the WAL header after a restart, checkpoints) and the side file's (clock and {@code added}
 * reservations) included, and the shim names the thread that asked for each one.
 *
 * <p>Peer A streams small actions to the node; peer C sends a probe every 100 ms, which the node relays to A: the
 * probe's trip C → node → A is the node's loop at work, and needs no flush (A and C do not listen, so they meet only
 * through the node). Expected: every probe arrives far
 * below the flush time, A's actions are acknowledged only after a flush (seconds), no session drops, the node's
 * log holds every action once, and no flush while it served came from the node's loop thread.
 *
 * <p>Needs Linux and gcc (skipped with a stated reason where gcc is missing).
 */
@Tag("slow")
class SlowFsyncProcessTest {
    static final long FSYNC_MILLIS = 1_500;
    static final int ACTIONS = 240;
    static final long EVERY_MILLIS = 25;
    static final long PROBE_EVERY_MILLIS = 100;

    @TempDir
    Path dir;

    @Test
    void aSlowDiskStallsNeitherTheLoopNorAnyPeer() throws Exception {
        Path shim = compileShim();
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path fsyncLog = dir.resolve("fsync.log");
        Process node = startNode(shim, data, fsyncLog);
        List<Long> trips;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(),
                StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("ready "), "the node process started: " + ready);
            URI url = URI.create(ready.substring("ready ".length()));
            trips = runPeers(url);
            node.getOutputStream().close(); // the node closes cleanly
            assertTrue(node.waitFor(60, TimeUnit.SECONDS), "the node process ended");
            assertEquals(0, node.exitValue(), "the node process's exit status");
        } finally {
            node.destroyForcibly();
        }

        // nothing lost or duplicated in the node's own log
        try (SqliteStore store = SqliteStore.openReader(data.resolve("log.db"))) {
            List<Entry> all = store.page(Order.ADDED, true, null, 100_000);
            Set<ActionId> ids = new HashSet<>();
            int actions = 0;
            int probes = 0;
            for (Entry e : all) {
                assertTrue(ids.add(e.meta().id()), "no duplicate: " + e.meta().id());
                if (e.action().type().startsWith("probe-")) {
                    probes++;
                } else {
                    actions++;
                }
            }
            assertEquals(ACTIONS, actions, "every action of A is in the node's log");
            assertEquals(probeCount.get(), probes, "every probe of C is in the node's log");
        }

        // no flush while it served came from the node's loop thread ("logmesh-slow:…", at most 15 bytes)
        List<String> lines = Files.readAllLines(fsyncLog, StandardCharsets.US_ASCII);
        int from = lines.indexOf("--- serving");
        int to = lines.indexOf("--- closing");
        assertTrue(from >= 0 && to > from, "the node marked its serving time in " + lines);
        List<String> serving = lines.subList(from + 1, to);
        List<String> fromLoop = new ArrayList<>();
        for (String line : serving) {
            if (line.startsWith("logmesh-slow")) {
                fromLoop.add(line);
            }
        }
        assertTrue(serving.size() > 0, "the shim saw the node's flushes");
        assertTrue(trips.get(trips.size() - 1) < FSYNC_MILLIS / 3, "every probe C → node → A arrived far below the "
            + "flush time (" + FSYNC_MILLIS + " ms): trips in ms " + trips + "; flushes from the node's loop: " + fromLoop);
        assertEquals(List.of(), drops, "no session dropped");
        assertEquals(List.of(), fromLoop, "flushes made by the node's loop thread while it served (of "
            + serving.size() + ": " + serving + ")");
    }

    private final AtomicInteger probeCount = new AtomicInteger();
    /** Sessions of A or C that dropped. */
    private final List<String> drops = new CopyOnWriteArrayList<>();

    /** Runs peers A and C against the node; returns the probes' trips C → node → A, ms, in ascending order. */
    private List<Long> runPeers(URI url) throws Exception {
        MeshNode.Listener watch = new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (!connected) {
                    drops.add(nodeId);
                }
            }
        };
        AtomicLong acked = new AtomicLong();
        AtomicLong firstAckAt = new AtomicLong();
        MeshNode.Listener acks = new MeshNode.Listener() {
            @Override
            public void acknowledged(String nodeId, long added) {
                if (!nodeId.startsWith("slow:")) {
                    return;
                }
                firstAckAt.compareAndSet(0, System.nanoTime());
                acked.accumulateAndGet(added, Math::max);
            }
        };
        Map<String, Long> probeSent = new ConcurrentHashMap<>();
        Map<String, Long> probeTrip = new ConcurrentHashMap<>();
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").memory().noListen()
                 .mdns(false).ping(500, 8_000).peer(url).build(), List.of(watch, acks));
             MeshNode c = MeshNode.start(NodeConfig.builder().name("c").memory().noListen()
                 .mdns(false).ping(500, 8_000).peer(url).build(), List.of(watch))) {
            a.subscribe(e -> e.action().type().startsWith("probe-"), e -> {
                Long sent = probeSent.get(e.action().type());
                if (sent != null) {
                    probeTrip.put(e.action().type(), System.nanoTime() - sent);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> a.peers().get().stream()
                .anyMatch(MeshNode.PeerStatus::connected) && c.peers().get().stream()
                .anyMatch(MeshNode.PeerStatus::connected));

            AtomicInteger added = new AtomicInteger();
            AtomicLong firstAddAt = new AtomicLong();
            AtomicLong lastOwnAdded = new AtomicLong();
            Runnable[] step = new Runnable[1];
            step[0] = () -> {
                if (added.get() == ACTIONS) {
                    return;
                }
                firstAddAt.compareAndSet(0, System.nanoTime());
                int n = added.incrementAndGet();
                a.add(Action.ofType("t" + n)).thenAccept(meta -> {
                    if (n == ACTIONS) {
                        lastOwnAdded.set(meta.added());
                    }
                });
                a.loop().schedule(EVERY_MILLIS, step[0]);
            };
            a.loop().execute(step[0]);
            Runnable[] probe = new Runnable[1];
            probe[0] = () -> {
                if (added.get() == ACTIONS) {
                    return;
                }
                String type = "probe-" + probeCount.incrementAndGet();
                probeSent.put(type, System.nanoTime());
                c.add(Action.ofType(type));
                c.loop().schedule(PROBE_EVERY_MILLIS, probe[0]);
            };
            c.loop().execute(probe[0]);

            // the node acknowledges every action of A, each only after a flush: commits take seconds
            await().atMost(Duration.ofSeconds(90)).until(() -> lastOwnAdded.get() > 0
                && acked.get() >= lastOwnAdded.get());
            await().atMost(Duration.ofSeconds(30)).until(() -> probeTrip.size() == probeCount.get());
            long ackDelayMillis = TimeUnit.NANOSECONDS.toMillis(firstAckAt.get() - firstAddAt.get());
            assertTrue(ackDelayMillis >= FSYNC_MILLIS, "the first synced came only after a flush: " + ackDelayMillis
                + " ms");

            return probeTrip.values().stream().map(TimeUnit.NANOSECONDS::toMillis).sorted().toList();
        }
    }

    /** Compiles the shim into {@code target/}; skips the test where gcc is missing. */
    private static Path compileShim() throws IOException, InterruptedException {
        Path source = Path.of("src/test/native/slowfsync.c").toAbsolutePath();
        Path shim = Path.of("target/slowfsync.so").toAbsolutePath();
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-o", shim.toString(), source.toString(), "-ldl")
                .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.assumeTrue(false, "gcc is needed to build the slow-disk shim: " + e.getMessage());
            throw e;
        }
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc built the shim: " + output);
        return shim;
    }

    private static Process startNode(Path shim, Path data, Path fsyncLog) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            SlowFsyncNodeMain.class.getName(), data.toString());
        pb.environment().put("LD_PRELOAD", shim.toString());
        pb.environment().put("SLOWFSYNC_DIR", data.toRealPath().toString());
        pb.environment().put("SLOWFSYNC_MS", Long.toString(FSYNC_MILLIS));
        pb.environment().put("SLOWFSYNC_LOG", fsyncLog.toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return pb.start();
    }
}
