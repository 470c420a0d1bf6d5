package dev.logmesh.bench;

import dev.logmesh.ActionId;
import dev.logmesh.internal.reconcile.Initiator;
import dev.logmesh.internal.reconcile.Item;
import dev.logmesh.internal.reconcile.ItemId;
import dev.logmesh.internal.reconcile.ItemIndex;
import dev.logmesh.internal.reconcile.ReconcileOptions;
import dev.logmesh.internal.reconcile.Responder;
import dev.logmesh.internal.reconcile.Round;
import dev.logmesh.internal.reconcile.WireText;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Range-based reconciliation of two sets of about 1,000,000 action ids that differ by 0, 1, 100 and 10,000 ids,
 * spread at random or all at the newest end: rounds, messages and bytes each way, and wall time. Not a test
 * (surefire ignores {@code bench/}); run it from the repository root after {@code mvn -pl node -am test-compile}:
 *
 * <pre>
 * java -Xmx3g -cp node/target/classes:node/target/test-classes dev.logmesh.bench.ReconcileBench [items] [--shapes]
 *     [--build-only]
 * </pre>
 *
 * <p>Both sides run in this one thread, one after the other, as two nodes' loops would: the time is the sum
 * of the initiator's and the responder's work (split in the table), without the network. Messages are cut at
 * the frame limit that a 1 MiB WebSocket text frame leaves once the message is base64 text inside a small
 * JSON array; bytes are those of the binary messages, and the text on the wire is 4/3 of that.
 *
 * <p>Ids look like a mesh of four nodes adding about 4 actions a millisecond (as {@code StoreBench}):
 * {@code "<ms> <node> 0"}. Against the JIT, every scenario runs a few times and the table has the median.
 * {@code --shapes} also compares chunk shapes of {@link ItemIndex}: build time, memory, fingerprint time.
 */
public final class ReconcileBench {
    private static final String[] NODES = {"alice:Xk3v9QaB", "bob:7hQ2mPzL", "carol:Lw0pR4sT", "dave:9aBcD3eF"};
    private static final long BASE_MS = 1_700_000_000_000L;
    /** A 1 MiB text frame, less room for {@code ["reconcile",<session>,"..."]} around the base64 message. */
    private static final int FRAME_LIMIT = WireText.frameSizeLimitFor((1 << 20) - 256);
    private static final int RUNS = 3;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final int n;
    private final long[] ts;
    private final ItemId[] ids;

    private ReconcileBench(int n, int extra) {
        this.n = n;
        int total = n + extra;
        ts = new long[total];
        ids = new ItemId[total];
        for (int i = 0; i < total; i++) {
            ActionId id = new ActionId(BASE_MS + i / 4, NODES[i % 4], 0);
            ts[i] = id.ms();
            ids[i] = ItemId.of(id);
        }
    }

    /** Result of one session. */
    private record Result(int rounds, int messagesUp, int messagesDown, long bytesUp, long bytesDown,
            long initiatorNanos, long responderNanos, long cpuNanos, int have, int need) {
    }

    public static void main(String[] args) {
        int items = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 1_000_000;
        boolean shapes = Arrays.asList(args).contains("--shapes");
        ReconcileBench bench = new ReconcileBench(items, 5_000);
        System.out.printf(Locale.ROOT, "%,d ids a side, frame limit %,d bytes (1 MiB of base64 text), Java %s%n%n",
            items, FRAME_LIMIT, System.getProperty("java.version"));
        if (shapes) {
            bench.shapes();
        }
        bench.build();
        if (Arrays.asList(args).contains("--build-only")) {
            return;
        }
        System.out.println("| differences | where | rounds | messages up / down | bytes up | bytes down "
            + "| wall time (initiator + responder) | CPU time | have / need |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (boolean newest : new boolean[] {false, true}) {
            for (int d : new int[] {0, 1, 100, 10_000}) {
                if (d == 0 && newest) {
                    continue;
                }
                bench.scenario(d, newest);
            }
        }
    }

    private void build() {
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        ItemIndex index = new ItemIndex();
        for (int i = 0; i < n; i++) {
            index.add(new Item(ts[i], ids[i]));
        }
        report("increasing", index, t0, c0);
        int[] late = lateOrder(n, 4000, new Random(6));
        c0 = THREADS.getCurrentThreadCpuTime();
        t0 = System.nanoTime();
        ItemIndex nearly = new ItemIndex();
        for (int i : late) {
            nearly.add(new Item(ts[i], ids[i]));
        }
        report("increasing, 1 in 50 late by up to 1 s,", nearly, t0, c0);
        int[] order = shuffledOrder(n, new Random(3));
        c0 = THREADS.getCurrentThreadCpuTime();
        t0 = System.nanoTime();
        ItemIndex shuffled = new ItemIndex();
        for (int i : order) {
            shuffled.add(new Item(ts[i], ids[i]));
        }
        report("random", shuffled, t0, c0);
        Random random = new Random(9);
        int q = 200_000;
        c0 = THREADS.getCurrentThreadCpuTime();
        int sink = 0;
        for (int k = 0; k < q; k++) {
            int x = random.nextInt(n + 1);
            int y = random.nextInt(n + 1);
            sink += index.fingerprint(Math.min(x, y), Math.max(x, y)).hashCode();
        }
        System.out.printf(Locale.ROOT, "fingerprint of a random range: %.2f µs CPU%s%n%n",
            (THREADS.getCurrentThreadCpuTime() - c0) / 1e3 / q, sink == 42 ? " " : "");
    }

    private void report(String order, ItemIndex index, long t0, long c0) {
        long wall = System.nanoTime() - t0;
        long cpu = THREADS.getCurrentThreadCpuTime() - c0;
        System.out.printf(Locale.ROOT, "build, ids in %s order: %.0f ms wall, %.0f ms CPU (%.0f ns an id); "
            + "%.1f bytes an id%n", order, wall / 1e6, cpu / 1e6, cpu / (double) n, index.memoryBytes() / (double) n);
    }

    private void scenario(int d, boolean newest) {
        Random random = new Random(d * 31L + (newest ? 1 : 0));
        // a pool of n + ceil(d/2) ids; d of them go to one side only, alternately
        int pool = n + (d + 1) / 2;
        BitSet onlyA = new BitSet(pool);
        BitSet onlyB = new BitSet(pool);
        int[] picked = newest ? newestPositions(pool, d) : randomPositions(pool, d, random);
        for (int k = 0; k < picked.length; k++) {
            (k % 2 == 0 ? onlyB : onlyA).set(picked[k]);
        }
        ItemIndex a = new ItemIndex();
        ItemIndex b = new ItemIndex();
        for (int i = 0; i < pool; i++) {
            Item item = new Item(ts[i], ids[i]);
            if (!onlyB.get(i)) {
                a.add(item);
            }
            if (!onlyA.get(i)) {
                b.add(item);
            }
        }
        List<Result> results = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            results.add(session(a, b));
        }
        results.sort((x, y) -> Long.compare(x.cpuNanos, y.cpuNanos));
        Result r = results.get(RUNS / 2);
        if (r.have != onlyA.cardinality() || r.need != onlyB.cardinality()) {
            throw new AssertionError("wrong differences: " + r);
        }
        System.out.printf(Locale.ROOT, "| %,d | %s | %d | %d / %d | %,d | %,d | %.1f ms (%.1f + %.1f) | %.1f ms "
                + "| %,d / %,d |%n",
            d, newest ? "newest" : "random", r.rounds, r.messagesUp, r.messagesDown, r.bytesUp, r.bytesDown,
            (r.initiatorNanos + r.responderNanos) / 1e6, r.initiatorNanos / 1e6, r.responderNanos / 1e6,
            r.cpuNanos / 1e6, r.have, r.need);
    }

    private static Result session(ItemIndex a, ItemIndex b) {
        long ti = 0;
        long tr = 0;
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Initiator initiator = Initiator.create(a, ReconcileOptions.DEFAULT.withFrameSizeLimit(FRAME_LIMIT));
        Responder responder = Responder.create(b, ReconcileOptions.DEFAULT.withFrameSizeLimit(FRAME_LIMIT));
        byte[] msg = initiator.initiate();
        long t1 = System.nanoTime();
        ti += t1 - t0;
        int rounds = 0;
        int up = 0;
        int down = 0;
        long bytesUp = 0;
        long bytesDown = 0;
        int have = 0;
        int need = 0;
        while (msg != null) {
            rounds++;
            up++;
            bytesUp += msg.length;
            t0 = System.nanoTime();
            byte[] answer = responder.reconcile(msg);
            t1 = System.nanoTime();
            tr += t1 - t0;
            down++;
            bytesDown += answer.length;
            Round round = initiator.reconcile(answer);
            ti += System.nanoTime() - t1;
            have += round.have().size();
            need += round.need().size();
            msg = round.reply();
        }
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        return new Result(rounds, up, down, bytesUp, bytesDown, ti, tr, cpu, have, need);
    }

    /** Build time, memory and fingerprint time of a few chunk shapes (CPU time of this thread). */
    private void shapes() {
        System.out.println("| chunk / block | build, increasing | bytes an id | build, 1 in 50 late | bytes an id "
            + "| build, random order | bytes an id | fingerprint of a random range |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        int[][] shapes = {{256, 16}, {512, 16}, {1024, 16}, {1024, 32}, {1024, 64}, {2048, 32}, {4096, 64}};
        int[] late = lateOrder(n, 4000, new Random(6));
        int[] order = shuffledOrder(n, new Random(5));
        for (int round = 0; round < 2; round++) {
            for (int[] shape : shapes) {
                long c0 = THREADS.getCurrentThreadCpuTime();
                ItemIndex inOrder = new ItemIndex(shape[0], shape[1]);
                for (int i = 0; i < n; i++) {
                    inOrder.add(new Item(ts[i], ids[i]));
                }
                long c1 = THREADS.getCurrentThreadCpuTime();
                ItemIndex nearly = new ItemIndex(shape[0], shape[1]);
                for (int i : late) {
                    nearly.add(new Item(ts[i], ids[i]));
                }
                long c2 = THREADS.getCurrentThreadCpuTime();
                ItemIndex shuffled = new ItemIndex(shape[0], shape[1]);
                for (int i : order) {
                    shuffled.add(new Item(ts[i], ids[i]));
                }
                long c3 = THREADS.getCurrentThreadCpuTime();
                Random random = new Random(9);
                int q = 200_000;
                int sink = 0;
                for (int k = 0; k < q; k++) {
                    int x = random.nextInt(n + 1);
                    int y = random.nextInt(n + 1);
                    sink += inOrder.fingerprint(Math.min(x, y), Math.max(x, y)).hashCode();
                }
                long c4 = THREADS.getCurrentThreadCpuTime();
                if (round == 1) {
                    System.out.printf(Locale.ROOT, "| %d / %d | %.0f ms | %.1f | %.0f ms | %.1f | %.0f ms | %.1f "
                            + "| %.2f µs |%s%n", shape[0], shape[1],
                        (c1 - c0) / 1e6, inOrder.memoryBytes() / (double) n,
                        (c2 - c1) / 1e6, nearly.memoryBytes() / (double) n,
                        (c3 - c2) / 1e6, shuffled.memoryBytes() / (double) n,
                        (c4 - c3) / 1e3 / q, sink == 42 ? " " : "");
                }
            }
        }
        System.out.println();
    }

    private static int[] shuffledOrder(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Increasing order, but one id in 50 arrives late by up to {@code window} positions (about 1 s). */
    private static int[] lateOrder(int n, int window, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = 0; i < n; i++) {
            if (random.nextInt(50) == 0) {
                int j = Math.min(n - 1, i + random.nextInt(window));
                int t = order[i];
                System.arraycopy(order, i + 1, order, i, j - i);
                order[j] = t;
            }
        }
        return order;
    }

    private static int[] randomPositions(int pool, int d, Random random) {
        BitSet seen = new BitSet(pool);
        int[] out = new int[d];
        for (int k = 0; k < d; ) {
            int p = random.nextInt(pool);
            if (!seen.get(p)) {
                seen.set(p);
                out[k++] = p;
            }
        }
        return out;
    }

    private static int[] newestPositions(int pool, int d) {
        int[] out = new int[d];
        for (int k = 0; k < d; k++) {
            out[k] = pool - d + k;
        }
        return out;
    }
}
