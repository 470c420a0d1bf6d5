package dev.logmesh.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code SyncBench rtt --trace FILE}: what each round trip was made of, to find what the slow ones (the top 2%)
 * have that the others do not. Per round trip, in rings as long as the counted window (allocated once, nothing
 * allocated on the round trip's path): the time from its start to A's add completing ({@link #ADDED}) and to B
 * giving the entry ({@link #AT_B}: B's add is done and its {@code synced} not yet written), its end (A has B's
 * {@code synced}), the loop thread's CPU time and allocated bytes over it, and whether a collection ran or the JIT
 * compiled during it. All calls on the driver's loop thread (A's; with {@code --shared-loop} also B's).
 *
 * <p>Reading it: a slow round trip whose loop-thread CPU is near its wall time did the work itself (or the host
 * took the core without the guest knowing: a VM's stall counts as the guest thread's CPU); one whose CPU is well
 * under its wall time waited: another thread had the core, a safepoint held it, or the network's wake-up was late.
 */
final class RttTrace {
    /** Mark: A's {@code add} completed (the entry is in A's log). */
    static final int ADDED = 0;
    /** Mark: B gave the entry to its subscribers (B's add done, before B writes {@code synced}). */
    static final int AT_B = 1;

    private final com.sun.management.ThreadMXBean threads;
    private final CompilationMXBean jit;
    private final List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
    private final long[] start;
    private final long[][] marks;
    private final long[] cpu;
    private final long[] alloc;
    private final long[] gc;
    private final long[] jitMs;

    RttTrace(int count, ThreadMXBean threads, CompilationMXBean jit) {
        if (!(threads instanceof com.sun.management.ThreadMXBean t) || !t.isThreadAllocatedMemorySupported()
            || !t.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("--trace needs a JVM that reports a thread's CPU time and allocation"
                + " (com.sun.management.ThreadMXBean)");
        }
        this.threads = t;
        this.jit = jit;
        start = new long[count];
        marks = new long[][] {new long[count], new long[count]};
        cpu = new long[count];
        alloc = new long[count];
        gc = new long[count];
        jitMs = new long[count];
    }

    /** Round trip in {@code slot} starts at {@code t0} (System.nanoTime). */
    void start(int slot, long t0) {
        start[slot] = t0;
        marks[ADDED][slot] = 0;
        marks[AT_B][slot] = 0;
        cpu[slot] = threads.getCurrentThreadCpuTime();
        alloc[slot] = threads.getCurrentThreadAllocatedBytes();
        gc[slot] = collections();
        jitMs[slot] = jit.getTotalCompilationTime();
    }

    /** The round trip in {@code slot} reached {@code mark} now. */
    void mark(int mark, int slot) {
        marks[mark][slot] = System.nanoTime();
    }

    /** The round trip in {@code slot} ended at {@code now}: the start's readings become its deltas. */
    void end(int slot) {
        cpu[slot] = threads.getCurrentThreadCpuTime() - cpu[slot];
        alloc[slot] = threads.getCurrentThreadAllocatedBytes() - alloc[slot];
        gc[slot] = collections() - gc[slot];
        jitMs[slot] = jit.getTotalCompilationTime() - jitMs[slot];
    }

    private long collections() {
        long n = 0;
        for (int k = 0; k < gcs.size(); k++) {
            n += gcs.get(k).getCollectionCount();
        }
        return n;
    }

    /**
     * Writes the window (the rings from their oldest, {@code done} round trips run) to {@code file} as CSV, one
     * line per round trip in the order run, times in µs from the window's first start, and returns a JSON object
     * comparing the slowest 2% with the rest: medians of each segment (µs), of the loop thread's CPU (µs) and
     * allocation (bytes), and the shares that met a collection or a JIT compile.
     */
    String write(Path file, int done, double[] samplesMs) throws IOException {
        int n = start.length;
        StringBuilder sb = new StringBuilder("startUs,totalUs,addUs,toBUs,backUs,cpuUs,allocBytes,gcs,jitMs\n");
        long from = start[done % n];
        double[][] rows = new double[n][];
        for (int k = 0; k < n; k++) {
            int s = (done + k) % n;
            double total = samplesMs[s] * 1e3;
            double add = marks[ADDED][s] == 0 ? Double.NaN : (marks[ADDED][s] - start[s]) / 1e3;
            double toB = marks[AT_B][s] == 0 ? Double.NaN : (marks[AT_B][s] - start[s]) / 1e3 - add;
            double back = marks[AT_B][s] == 0 ? Double.NaN : total - (marks[AT_B][s] - start[s]) / 1e3;
            rows[k] = new double[] {total, add, toB, back, cpu[s] / 1e3, alloc[s], gc[s], jitMs[s],
                (start[s] - from) / 1e3};
            sb.append(String.format(Locale.ROOT, "%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%d,%d%n", (start[s] - from) / 1e3,
                total, add, toB, back, cpu[s] / 1e3, alloc[s], gc[s], jitMs[s]));
        }
        Files.writeString(file, sb);
        double[][] sorted = rows.clone();
        Arrays.sort(sorted, (x, y) -> Double.compare(x[0], y[0]));
        int top = Math.max(1, n / 50);
        double[][] slow = Arrays.copyOfRange(sorted, n - top, n);
        return "{\"slowest2pct\":" + summary(slow) + ",\"rest\":" + summary(Arrays.copyOfRange(sorted, 0, n - top))
            + rhythm(slow) + "}";
    }

    /**
     * When the slow round trips came: the median gap between consecutive ones (µs), and how tightly their ends
     * keep to a grid of 1 ms (the mean resultant length of their phases on it: 0 spread evenly, 1 all at the same
     * phase). A steady source of stalls, such as a timer of the host's, shows as a gap of its period and a
     * concentration near 1; collections, compiles and preemptions do not keep to a grid.
     */
    private static String rhythm(double[][] slow) {
        double[] ends = new double[slow.length];
        double cos = 0;
        double sin = 0;
        for (int k = 0; k < slow.length; k++) {
            ends[k] = slow[k][8] + slow[k][0];
            cos += Math.cos(2 * Math.PI * ends[k] / 1000);
            sin += Math.sin(2 * Math.PI * ends[k] / 1000);
        }
        Arrays.sort(ends);
        double[] gaps = new double[Math.max(1, ends.length - 1)];
        for (int k = 1; k < ends.length; k++) {
            gaps[k - 1] = ends[k] - ends[k - 1];
        }
        Arrays.sort(gaps);
        return String.format(Locale.ROOT, ",\"slowMedianGapUs\":%.1f,\"slowOn1msGrid\":%.2f", gaps[gaps.length / 2],
            Math.hypot(cos, sin) / Math.max(1, slow.length));
    }

    private static String summary(double[][] rows) {
        String[] names = {"totalUs", "addUs", "toBUs", "backUs", "cpuUs", "allocBytes"};
        StringBuilder sb = new StringBuilder("{\"n\":").append(rows.length);
        for (int c = 0; c < names.length; c++) {
            double[] v = new double[rows.length];
            for (int k = 0; k < rows.length; k++) {
                v[k] = rows[k][c];
            }
            Arrays.sort(v);
            sb.append(String.format(Locale.ROOT, ",\"%s\":%.1f", names[c], v[v.length / 2]));
        }
        long withGc = Arrays.stream(rows).filter(r -> r[6] > 0).count();
        long withJit = Arrays.stream(rows).filter(r -> r[7] > 0).count();
        long waited = Arrays.stream(rows).filter(r -> r[4] < 0.7 * r[0]).count();
        return sb.append(String.format(Locale.ROOT, ",\"withGc\":%d,\"withJit\":%d,\"cpuUnder70pctOfWall\":%d}",
            withGc, withJit, waited)).toString();
    }
}
