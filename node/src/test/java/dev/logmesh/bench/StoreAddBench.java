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
 * received {@code sync}), FULL durability, into a fresh store per round; prints the CPU time of the calling
 * thread (the node's loop in a real run) per entry, each round, then the best and the median.
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
                ActionId id = new ActionId(1_700_000_000_000L + j / 3, "bench-a", j % 3);
                batch.add(new Entry(Action.parse("{\"type\":\"bench/bulk\",\"i\":" + j + "}"),
                    Meta.of(id, id.ms(), List.of("bench"))));
            }
            batches.add(batch);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] cpu = new double[rounds];
        Files.createDirectories(dir);
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
                cpu[r] = (mx.getCurrentThreadCpuTime() - c0) / 1000.0 / n;
                System.out.printf("round %d: %.2f us/entry CPU of the calling thread, wall %.0f ms%n", r, cpu[r],
                    (System.nanoTime() - t0) / 1e6);
            }
        }
        double[] warm = Arrays.copyOfRange(cpu, 1, rounds);
        Arrays.sort(warm);
        System.out.printf("best %.2f median %.2f us/entry%n", warm[0], warm[warm.length / 2]);
    }
}
