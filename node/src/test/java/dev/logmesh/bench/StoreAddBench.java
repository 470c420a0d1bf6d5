package dev.logmesh.bench;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.PeerCursor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The store's part of a durable catch-up, alone (a benchmark, not a test): {@code SqliteStore.add} of N entries
 * shaped like {@code scripts/bench-sync}'s in batches of 1000 with a peer cursor each (as a session adds a
 * received {@code sync}), FULL durability, into a fresh store per round; prints the CPU time per entry of the calling
 * thread (the node's loop in a real run) and of the store's write-behind thread (its statements and commits), each
 * round, then the calling thread's best and median. Each id is 1 ms after the one before, so every batch but the
 * first is above its origin's mark and takes the write-behind, as a catch-up's do.
 *
 * <pre>
 *   java -cp node/target/classes:node/target/test-classes:node/target/lib/* dev.logmesh.bench.StoreAddBench DIR
 *       [N=100000] [ROUNDS=8]
 * </pre>
 */
public final class StoreAddBench {
    private StoreAddBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        List<List<Entry>> batches = new ArrayList<>();
        for (int i = 0; i < n; i += 1000) {
            List<Entry> batch = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + 1000); j++) {
                ActionId id = new ActionId(1_700_000_000_000L + j, "bench-a", 0); // each batch above the mark: write-behind
                batch.add(new Entry(Action.parse("{\"type\":\"bench/bulk\",\"i\":" + j + "}"),
                    Meta.of(id, id.ms(), List.of("bench"))));
            }
            batches.add(batch);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] cpu = new double[rounds];
        Files.createDirectories(dir);
        java.util.Set<Long> counted = new java.util.HashSet<>(); // store threads of earlier rounds
        for (int r = 0; r < rounds; r++) {
            Path d = Files.createTempDirectory(dir, "round");
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            try (SqliteStore store = SqliteStore.open(d.resolve("log.db"))) {
                long received = 0;
                for (List<Entry> b : batches) {
                    received += b.size();
                    store.add(b, Map.of("bench-a", new PeerCursor(received, 0)));
                }
                store.byId(batches.get(0).get(0).id()); // waits for the last write-behind batch
                cpu[r] = (mx.getCurrentThreadCpuTime() - c0) / 1000.0 / n;
                double storeCpu = storeThreadCpu(mx, counted) / 1000.0 / n;
                System.out.printf("round %d: %.2f us/entry CPU of the calling thread, %.2f of the store's "
                    + "write-behind thread, wall %.0f ms%n", r, cpu[r], storeCpu, (System.nanoTime() - t0) / 1e6);
            }
        }
        double[] warm = Arrays.copyOfRange(cpu, 1, rounds);
        Arrays.sort(warm);
        System.out.printf("best %.2f median %.2f us/entry%n", warm[0], warm[warm.length / 2]);
    }

    /** CPU time (ns) of the live write-behind threads ("logmesh-store-") not in {@code counted}, then added to it. */
    private static long storeThreadCpu(ThreadMXBean mx, java.util.Set<Long> counted) {
        long ns = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("logmesh-store-") && counted.add(t.getId())) {
                ns += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return ns;
    }
}
