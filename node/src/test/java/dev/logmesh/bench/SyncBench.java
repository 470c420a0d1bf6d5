package dev.logmesh.bench;

import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import dev.logmesh.NodeConfig;
import dev.logmesh.NodeInternals;
import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.internal.store.SqliteStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java half of {@code scripts/bench-sync} (a benchmark, not a test). One JSON line per run on stdout.
 *
 * <pre>
 *   serve --n N [--data DIR]       node A (memory, or SQLite in DIR) preloaded with N actions, listening on
 *                                  127.0.0.1; prints {"event":"ready","url":...}; runs until stdin EOF
 *   pull --url URL --n N [--rounds R] [--data DIR]  node B dials A; time from B's start to B's log holding N
 *   rtt --count C [--warmup W] [--warmup-seconds S] [--data DIR] [--shared-loop true] [--samples FILE]
 *       [--trace FILE] [--disk-trace FILE] [--warmup-jit-quiet-ms Q]
 *                                  two nodes in THIS JVM over real loopback WebSocket: add on A → B commits →
 *                                  A gets synced (and A's add future completed: durable on both sides);
 *                                  sequential, driven from A's loop; C counted round trips after a warm-up of
 *                                  at least W round trips and S seconds (with --data and the scrub on, at least
 *                                  until 5 s after the nodes' first scrub: a start-up event; with
 *                                  --warmup-jit-quiet-ms, at least until the JIT compiled nothing for Q ms,
 *                                  at most 120 s: jitQuietAtMs, jitQuietReached); with --shared-loop both nodes run on
 *                                  one loop thread; --samples writes each counted round trip (ms, one a line,
 *                                  in the order run) to FILE; prints jitMsInWindow, the JIT's compile time
 *                                  while the counted round trips ran, and coresInWindow, the process's CPU time
 *                                  over their wall time (how busy the two nodes kept the machine), and
 *                                  allocBytesPerRoundTrip, what A's loop thread allocated per counted round trip
 *                                  (with --shared-loop: both nodes'), and windowFromNanos / windowToNanos, the
 *                                  counted window's bounds in System.nanoTime (the clock of -Xlog's tn
 *                                  decorator: which compiles and deoptimizations fell in it); --trace writes
 *                                  one CSV line per counted round trip to FILE (its segments, the loop
 *                                  thread's CPU and allocation, the collections and JIT time during it:
 *                                  {@link RttTrace}) and adds a "trace"
 *                                  summary of the slowest 2% against the rest to the JSON line, with when
 *                                  they came (the median gap between them, how tightly they keep to a 1 ms grid); with
 *                                  --data, --disk-trace FILE writes each counted round trip's timeline with both
 *                                  nodes' commits, fsyncs and checkpoints (see {@link DiskTrace#write};
 *                                  scripts/dev/rtt-trace runs it with the JVM's and the kernel's events and
 *                                  classifies the slow round trips)
 *   fsync --data DIR [--count C] [--writers W] [--bytes B]  the disk's own floor for the SQLite rtt: W threads
 *                                  (default 2, as the rtt's two nodes) each overwrite B bytes (default 4096) of
 *                                  its own file in DIR, the next B after the last as a WAL's frames, and
 *                                  fdatasync it (FileChannel.force(false), as the WAL writer does), C times
 *   stall [--seconds S] [--threshold-us T] [--op-us D,...]  the machine's own stalls, the floor under any
 *                                  latency's tail: one thread reads the clock in a busy loop for S s (default
 *                                  3, in windows of 0.75 s); a gap over T us (default 5) is time it did not run
 *                                  (the host or the kernel took the core; other processes too, unless it runs
 *                                  under SCHED_FIFO: chrt -f 1). Prints stalls a second, their p50 / p90 (ms), the
 *                                  share of the thread's time lost, the median period between stalls, and for
 *                                  each D (us of work, default 0,25,50) floorP99Ms: the p99 an operation of D us
 *                                  would take here, started at random times through the recorded stalls
 * </pre>
 */
public final class SyncBench {
    private SyncBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        switch (args.length == 0 ? "" : args[0]) {
            case "serve" -> serve(o);
            case "pull" -> pull(o);
            case "rtt" -> rtt(o);
            case "fsync" -> fsync(o);
            case "stall" -> stall(o);
            default -> {
                System.err.println("usage: SyncBench serve|pull|rtt|fsync|stall [options]");
                System.exit(2);
            }
        }
    }

    static NodeConfig.Builder base(String name, Map<String, String> o) {
        NodeConfig.Builder b = NodeConfig.builder().name(name).mdns(false).host("127.0.0.1").port(0)
            .maxFrameBytes(16 << 20);
        if (o.containsKey("scrub-period-ms")) {
            b.scrubPeriod(java.time.Duration.ofMillis(Long.parseLong(o.get("scrub-period-ms"))));
        }
        String data = o.get("data");
        return data == null ? b.memory() : b.dataDir(Path.of(data));
    }

    static void serve(Map<String, String> o) throws Exception {
        int n = Integer.parseInt(o.getOrDefault("n", "100000"));
        long t0 = System.nanoTime();
        String data = o.get("data");
        if (data != null) {
            // preload straight into the store, 1000 per transaction, then start the node on it
            Files.createDirectories(Path.of(data));
            try (SqliteStore store = SqliteStore.open(Path.of(data).resolve("log.db"))) {
                Log log = Log.open(store, "bench-a", System::currentTimeMillis, HybridClock.DEFAULT_MAX_DRIFT_MS);
                for (int i = 0; i < n; i += 1000) {
                    List<Entry> batch = new ArrayList<>();
                    for (int j = i; j < Math.min(n, i + 1000); j++) {
                        batch.add(log.create(action(j), List.of("bench")));
                    }
                    log.add(batch);
                }
            }
        }
        MeshNode a = MeshNode.start(base("bench-a", o).build());
        if (data == null) {
            CompletableFuture<Meta> last = null;
            for (int i = 0; i < n; i++) {
                last = a.add(action(i), List.of("bench"));
            }
            if (last != null) {
                last.join();
            }
        }
        long preloadMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("{\"event\":\"ready\",\"url\":\"" + a.url() + "\",\"preloadMs\":" + preloadMs + "}");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // until EOF
        }
        a.close();
    }

    /**
     * Pulls N actions from node A into a fresh node B, {@code rounds} times in this JVM (default 3): the first
     * round is cold (JIT), the others warm. Each round times from B's start until B holds N. Prints one JSON
     * line with the cold and the best warm figure.
     */
    static void pull(Map<String, String> o) throws Exception {
        int n = Integer.parseInt(o.getOrDefault("n", "100000"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "3"));
        String data = o.get("data");
        List<Double> times = new ArrayList<>();
        // per round, the CPU time (ms) of this node's threads by role: its loop, the store's write-behind thread
        // ("logmesh-store-"), the store's writer (fsyncs) and checkpoint threads
        Map<String, List<Long>> cpu = new java.util.LinkedHashMap<>();
        // and the bytes (KiB) each role allocated on the heap
        Map<String, List<Long>> alloc = new java.util.LinkedHashMap<>();
        boolean ok = true;
        long received = 0;
        double heldPerEntry = 0;
        for (int r = 0; r < rounds && ok; r++) {
            Map<String, String> ob = new HashMap<>(o);
            if (data != null) {
                ob.put("data", data + "/round" + r);
            }
            long before = r == rounds - 1 ? usedAfterGc() : 0;
            CountDownLatch done = new CountDownLatch(1);
            AtomicLong count = new AtomicLong();
            long t0 = System.nanoTime();
            MeshNode b = MeshNode.start(base("bench-b", ob).noListen().peer(URI.create(o.get("url"))).build());
            b.subscribe(e -> true, e -> {
                if (count.incrementAndGet() == n) {
                    done.countDown();
                }
            });
            ok = done.await(300, TimeUnit.SECONDS);
            times.add((System.nanoTime() - t0) / 1e6);
            threadCpu(cpu, alloc);
            received = count.get();
            if (r == rounds - 1 && ok) {
                // the heap the last round's node holds, per entry: used heap after GC with the node open, minus
                // the same before it started
                heldPerEntry = (usedAfterGc() - before) / (double) n;
            }
            b.close();
        }
        double cold = times.get(0);
        double warm = times.size() > 1 ? times.subList(1, times.size()).stream().min(Double::compare).get() : cold;
        System.out.printf("{\"bench\":\"bulk\",\"impl\":\"logmesh\",\"store\":\"%s\",\"n\":%d,\"received\":%d,"
                + "\"ok\":%s,\"coldMs\":%.0f,\"ms\":%.0f,\"actionsPerSec\":%.0f,\"coldActionsPerSec\":%.0f,"
                + "\"roundsMs\":%s,\"heapBytesPerEntry\":%.0f,\"threadCpuMs\":%s,\"threadAllocKiB\":%s}%n",
            data == null ? "memory" : "sqlite", n, received, ok, cold, warm, ok ? n / warm * 1000 : 0,
            ok ? n / cold * 1000 : 0, times.stream().map(t -> String.valueOf(Math.round(t))).toList(), heldPerEntry,
            cpu.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(java.util.stream.Collectors.joining(",", "{", "}")),
            alloc.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(java.util.stream.Collectors.joining(",", "{", "}")));
    }

    /**
     * Adds this round's CPU time (ms) of the live logmesh threads, by role, to {@code cpu}, and the heap bytes (KiB)
     * they allocated to {@code alloc}. Read while the round's node is open: its threads end with its close.
     */
    private static void threadCpu(Map<String, List<Long>> cpu, Map<String, List<Long>> alloc) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> round = new java.util.TreeMap<>();
        Map<String, Long> bytes = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            String role = name.startsWith("logmesh-store-") ? "store" : name.startsWith("logmesh-writer") ? "writer"
                : name.startsWith("logmesh-checkpoint") ? "checkpoint" : name.startsWith("logmesh-bench-b") ? "loop"
                : null;
            long ns = role == null ? -1 : mx.getThreadCpuTime(t.getId());
            if (ns > 0) {
                round.merge(role, ns / 1_000_000, Long::sum);
            }
            long allocated = role == null || !(mx instanceof com.sun.management.ThreadMXBean sun) ? -1
                : sun.getThreadAllocatedBytes(t.getId());
            if (allocated > 0) {
                bytes.merge(role, allocated / 1024, Long::sum);
            }
        }
        for (String role : List.of("loop", "store", "writer", "checkpoint")) {
            cpu.computeIfAbsent(role, k -> new ArrayList<>()).add(round.getOrDefault(role, 0L));
            alloc.computeIfAbsent(role, k -> new ArrayList<>()).add(bytes.getOrDefault(role, 0L));
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * The disk's fdatasync latency, measured the way the SQLite rtt pays it: each writer thread overwrites 4 KiB
     * pages of its own file in turn (a WAL is overwritten from its start after each checkpoint) and forces it. Prints
     * p50/p99 (ms) over all writers' samples, so the SQLite rtt of the same run can be read against it.
     */
    static void fsync(Map<String, String> o) throws Exception {
        int count = Integer.parseInt(o.getOrDefault("count", "2000"));
        int writers = Integer.parseInt(o.getOrDefault("writers", "2"));
        int bytes = Integer.parseInt(o.getOrDefault("bytes", "4096"));
        long region = 64L * 4096 * Math.max(1, (bytes + 4095) / 4096); // pre-written: overwrites, as a WAL's
        Path dir = Path.of(o.get("data"));
        double[] samples = new double[count * writers];
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < writers; w++) {
            int at = w * count;
            Path file = dir.resolve("fsync-probe-" + w);
            Thread t = new Thread(() -> {
                ByteBuffer page = ByteBuffer.allocateDirect(bytes);
                try (FileChannel ch = FileChannel.open(file,
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    ByteBuffer fill = ByteBuffer.allocateDirect(4096);
                    for (long off = 0; off < region; off += 4096) { // the file's pages exist before timing
                        fill.clear();
                        ch.write(fill, off);
                    }
                    ch.force(true);
                    long pos = 0;
                    for (int i = 0; i < count; i++) {
                        page.clear();
                        page.put(0, (byte) i);
                        if (pos + bytes > region) {
                            pos = 0; // the WAL starts from its beginning again
                        }
                        while (page.hasRemaining()) {
                            ch.write(page, pos + page.position());
                        }
                        pos += bytes;
                        long t0 = System.nanoTime();
                        ch.force(false);
                        samples[at + i] = (System.nanoTime() - t0) / 1e6;
                    }
                } catch (IOException e) {
                    failures.add(e);
                } finally {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        failures.add(e);
                    }
                }
            }, "fsync-probe-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("fsync probe failed", failures.get(0));
        }
        Arrays.sort(samples);
        System.out.printf("{\"bench\":\"fsync\",\"writers\":%d,\"bytes\":%d,\"count\":%d,\"p50Ms\":%.3f,"
            + "\"p99Ms\":%.3f,\"maxMs\":%.3f}%n", writers, bytes, count, samples[samples.length / 2],
            samples[(int) (samples.length * 0.99)], samples[samples.length - 1]);
    }

    /**
     * The stalls the machine itself puts under every latency: a thread that only reads {@code System.nanoTime()}
     * sees each time it was not running (a timer or the host's scheduler on a VM) as a gap between two reads. On
     * this Firecracker VM (2026-12-02) a core loses ~55 us about every 1.0 ms, ~7% of its time, which the guest's
     * own counters do not show (no steal time, local timer at 250 Hz). From the recorded stalls it works out the
     * p99 an operation of D us of work would have when started at random times (a Monte Carlo pass over the
     * recording): as long as the stalls take more than 1% of the time, no round trip's p99 here is under about
     * one stall, whatever the code does.
     */
    static void stall(Map<String, String> o) throws InterruptedException {
        long runNanos = (long) (Double.parseDouble(o.getOrDefault("seconds", "3")) * 1e9);
        long threshold = (long) (Double.parseDouble(o.getOrDefault("threshold-us", "5")) * 1e3);
        long[] at = new long[1 << 20];
        long[] gap = new long[at.length];
        int n = 0;
        long span = 0; // the windows' time, end to end
        // windows of 0.75 s with 0.3 s between: run under SCHED_FIFO (bench-sync: chrt, as root) so that no other
        // process takes the core, a real-time task is held off ~50 ms after 0.95 s of every second (the kernel's
        // sched_rt_runtime_us), which a window that short never meets; the pause is pacing, not waiting
        while (span < runNanos) {
            long start = System.nanoTime();
            long prev = start;
            long end = start + Math.min(750_000_000L, runNanos - span);
            while (prev < end) {
                long now = System.nanoTime();
                if (now - prev > threshold && n < at.length) {
                    at[n] = span + prev - start; // the stall began after the last read that ran
                    gap[n] = now - prev;
                    n++;
                }
                prev = now;
            }
            span += prev - start;
            if (span < runNanos) {
                Thread.sleep(300);
            }
        }
        long lost = 0;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            lost += gap[i];
            g[i] = gap[i] / 1e6;
        }
        Arrays.sort(g);
        long[] period = new long[Math.max(0, n - 1)];
        for (int i = 1; i < n; i++) {
            period[i - 1] = at[i] - at[i - 1];
        }
        Arrays.sort(period);
        StringBuilder floors = new StringBuilder();
        java.util.Random random = new java.util.Random(12);
        for (String d : List.of(o.getOrDefault("op-us", "0,25,50").split(",", -1))) {
            long work = (long) (Double.parseDouble(d) * 1e3);
            int trials = 200_000;
            double[] took = new double[trials];
            for (int t = 0; t < trials; t++) {
                long t0 = (long) (random.nextDouble() * (span - work - 2_000_000)); // room for stalls after it
                took[t] = (elapsed(at, gap, n, t0, work) - t0) / 1e6;
            }
            Arrays.sort(took);
            floors.append(floors.length() == 0 ? "" : ",").append(String.format(
                "{\"opUs\":%s,\"p50Ms\":%.3f,\"p99Ms\":%.3f}", d, took[trials / 2], took[(int) (trials * 0.99)]));
        }
        System.out.printf("{\"bench\":\"stall\",\"seconds\":%.1f,\"thresholdUs\":%d,\"perSecond\":%.0f,"
                + "\"p50Ms\":%.3f,\"p90Ms\":%.3f,\"lostPercent\":%.1f,\"periodMs\":%.3f,\"floorP99\":[%s]}%n",
            span / 1e9, threshold / 1000, n / (span / 1e9), n == 0 ? 0 : g[n / 2], n == 0 ? 0 : g[(int) (n * 0.9)],
            100.0 * lost / span, period.length == 0 ? 0 : period[period.length / 2] / 1e6, floors);
    }

    /** When an operation started at {@code t0} with {@code work} ns of running to do ends, given the stalls. */
    private static long elapsed(long[] at, long[] gap, int n, long t0, long work) {
        int i = Arrays.binarySearch(at, 0, n, t0);
        i = i >= 0 ? i : -i - 1;
        long now = t0;
        if (i > 0 && at[i - 1] + gap[i - 1] > t0) {
            now = at[i - 1] + gap[i - 1]; // started inside a stall: waits for its end
        }
        long left = work;
        while (true) {
            if (i >= n || at[i] >= now + left) {
                return now + left;
            }
            left -= Math.max(0, at[i] - now); // ran until the stall began
            now = Math.max(now, at[i] + gap[i]);
            i++;
        }
    }

    /**
     * The WAL fsyncs of the rtt's two stores (their writer threads record each one's end and length in a ring; the
     * round trip's driver says at the end which span was its window): the disk's latency in the same run as the
     * round trips. Nothing here branches on the window: a flag first seen true when the window began made C2
     * deoptimize the writer threads' code right there.
     */
    static final class FsyncLog implements SqliteStore.DiskObserver {
        private final long[] ends;
        private final long[] nanos;
        private final int mask;
        private final java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();

        /** A ring of at least {@code capacity} fsyncs (rounded up to a power of 2). */
        FsyncLog(int capacity) {
            int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
            ends = new long[size];
            nanos = new long[size];
            mask = size - 1;
        }

        @Override
        public void flushed(long took) {
            int k = n.getAndIncrement() & mask;
            nanos[k] = took;
            ends[k] = System.nanoTime();
        }

        @Override
        public void checkpointed(long took) {
            // not on the round trip's path (a thread of its own); its effect shows in the fsyncs' tail
        }

        /**
         * {@code ,"fsyncs":N,"fsyncP50Ms":..,"fsyncP99Ms":..,"fsyncP995Ms":..} of the fsyncs that began at or after
         * {@code from} and ended by {@code to} (System.nanoTime; those still in the ring). A round trip holds two of
         * these fsyncs (A's and B's, each may be the slow one), so its p99 is to be read against the fsyncs' p99.5,
         * the level one round trip in a hundred meets in one of its two.
         */
        String json(long from, long to) {
            long[] v = new long[ends.length];
            int k = 0;
            for (int i = 0; i < ends.length; i++) {
                if (ends[i] != 0 && ends[i] - nanos[i] >= from && ends[i] <= to) {
                    v[k++] = nanos[i];
                }
            }
            if (k == 0) {
                return ",\"fsyncs\":0";
            }
            v = Arrays.copyOf(v, k);
            Arrays.sort(v);
            return String.format(",\"fsyncs\":%d,\"fsyncP50Ms\":%.3f,\"fsyncP99Ms\":%.3f,\"fsyncP995Ms\":%.3f", k,
                v[k / 2] / 1e6, v[Math.min(k - 1, (int) (k * 0.99))] / 1e6, v[Math.min(k - 1, (int) (k * 0.995))] / 1e6);
        }
    }

    /**
     * One node's disk events for {@code SyncBench rtt --disk-trace}: when each commit was handed to the writer, each WAL
     * fdatasync's start and end, each background checkpoint's start and end (System.nanoTime, in rings written by one
     * thread each, no allocation); the fsyncs also go to the run's {@link FsyncLog}.
     */
    static final class DiskTrace implements SqliteStore.DiskObserver {
        private final FsyncLog all;
        private final long[] commits;
        private final long[] fsyncEnds;
        private final long[] fsyncNanos;
        private final long[] checkpointEnds;
        private final long[] checkpointNanos;
        private final int mask;
        private int commitN;
        private int fsyncN;
        private int checkpointN;

        DiskTrace(FsyncLog all, int capacity) {
            this.all = all;
            int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
            mask = size - 1;
            commits = new long[size];
            fsyncEnds = new long[size];
            fsyncNanos = new long[size];
            checkpointEnds = new long[size];
            checkpointNanos = new long[size];
        }

        @Override
        public void committed() {
            commits[commitN++ & mask] = System.nanoTime();
        }

        @Override
        public void flushed(long took) {
            long now = System.nanoTime();
            int k = fsyncN & mask;
            fsyncNanos[k] = took;
            fsyncEnds[k] = now;
            fsyncN++;
            all.flushed(took);
        }

        @Override
        public void checkpointed(long took) {
            long now = System.nanoTime();
            int k = checkpointN & mask;
            checkpointNanos[k] = took;
            checkpointEnds[k] = now;
            checkpointN++;
        }

        /** The ring's times in order (starts and ends for spans), oldest first: {starts, ends}. */
        private static long[][] spans(long[] ends, long[] nanos, int n, int mask) {
            int k = Math.min(n, mask + 1);
            long[][] out = {new long[k], new long[k]};
            for (int i = 0; i < k; i++) {
                int at = (n - k + i) & mask;
                out[0][i] = ends[at] - nanos[at];
                out[1][i] = ends[at];
            }
            return out;
        }

        /** The first index of sorted {@code times} at or after {@code t}, or -1. */
        private static int firstAtOrAfter(long[] times, long t) {
            int i = Arrays.binarySearch(times, t);
            i = i < 0 ? -i - 1 : i;
            return i < times.length ? i : -1;
        }

        /** µs that the spans overlap [from, to]. */
        private static long overlapUs(long[][] spans, long from, long to) {
            long ns = 0;
            for (int i = 0; i < spans[0].length; i++) {
                long a = Math.max(from, spans[0][i]);
                long b = Math.min(to, spans[1][i]);
                ns += Math.max(0, b - a);
            }
            return ns / 1000;
        }

        /**
         * Writes one CSV line per round trip, in the order run: its start (System.nanoTime, ns, the clock of the JVM's
         * {@code -Xlog:...:tn} and of {@code perf record -k mono}), its length, and from its start (µs; -1 when not
         * found): A's commit, B's commit (the first after A's), B's fdatasync's start and end (the first to start
         * after B's commit), A's fdatasync's start and end (the first to start after A's commit), and the µs of A's
         * and of B's background checkpoints within the round trip. Then a {@code # tid name} line per thread of the
         * process.
         */
        static void write(Path file, long[] starts, double[] lengthsMs, int from, DiskTrace a, DiskTrace b)
            throws IOException {
            long[] ac = committedTimes(a);
            long[] bc = committedTimes(b);
            long[][] af = spans(a.fsyncEnds, a.fsyncNanos, a.fsyncN, a.mask);
            long[][] bf = spans(b.fsyncEnds, b.fsyncNanos, b.fsyncN, b.mask);
            long[][] ak = spans(a.checkpointEnds, a.checkpointNanos, a.checkpointN, a.mask);
            long[][] bk = spans(b.checkpointEnds, b.checkpointNanos, b.checkpointN, b.mask);
            StringBuilder sb = new StringBuilder("start_ns,total_us,a_commit_us,b_commit_us,b_fsync_start_us,"
                + "b_fsync_end_us,a_fsync_start_us,a_fsync_end_us,a_checkpoint_us,b_checkpoint_us\n");
            int n = starts.length;
            for (int k = 0; k < n; k++) {
                int at = (from + k) % n;
                long t0 = starts[at];
                long t1 = t0 + (long) (lengthsMs[at] * 1e6);
                long ca = at(ac, firstAtOrAfter(ac, t0));
                long cb = at(bc, ca < 0 ? -1 : firstAtOrAfter(bc, ca));
                int bi = cb < 0 ? -1 : firstAtOrAfter(bf[0], cb);
                int ai = ca < 0 ? -1 : firstAtOrAfter(af[0], ca);
                sb.append(t0).append(',').append((t1 - t0) / 1000).append(',').append(rel(ca, t0)).append(',')
                    .append(rel(cb, t0)).append(',').append(rel(at(bf[0], bi), t0)).append(',')
                    .append(rel(at(bf[1], bi), t0)).append(',').append(rel(at(af[0], ai), t0)).append(',')
                    .append(rel(at(af[1], ai), t0)).append(',').append(overlapUs(ak, t0, t1)).append(',')
                    .append(overlapUs(bk, t0, t1)).append('\n');
            }
            try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    try {
                        sb.append("# ").append(task.getFileName()).append(' ')
                            .append(Files.readString(task.resolve("comm")).strip()).append('\n');
                    } catch (IOException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                sb.append("# no /proc/self/task: ").append(e).append('\n');
            }
            Files.writeString(file, sb);
        }

        private static long[] committedTimes(DiskTrace t) {
            int k = Math.min(t.commitN, t.mask + 1);
            long[] out = new long[k];
            for (int i = 0; i < k; i++) {
                out[i] = t.commits[(t.commitN - k + i) & t.mask];
            }
            return out;
        }

        private static long at(long[] times, int i) {
            return i < 0 ? -1 : times[i];
        }

        private static long rel(long t, long t0) {
            return t < 0 ? -1 : (t - t0) / 1000;
        }
    }

    /**
     * Round trips add -> peer committed -> {@code synced} back, one at a time, driven from node A's loop thread
     * (each acknowledgement adds the next action there), as the JavaScript bench is driven from its event loop.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // callbacks chained on the loop; the bench waits on its own latch
    static void rtt(Map<String, String> o) throws Exception {
        int count = Integer.parseInt(o.getOrDefault("count", "2000"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "100"));
        // --warmup-seconds S: the warm-up also lasts until S seconds after the first round trip (both sides of
        // scripts/bench-sync get the same S): C2 reaches the round trip's methods only seconds into the run
        long warmupAsked = (long) (Double.parseDouble(o.getOrDefault("warmup-seconds", "0")) * 1e9);
        // a SQLite node's first scrub starts at most SCRUB_FIRST_MILLIS after the node (MeshNode), and the JIT
        // compiles its methods then: a start-up event, not a warm node's round trip, so the counted window
        // begins 5 s after it. Session 45 (rtt45's trace, then four alternating pairs, /tmp/s45w/ab.sh): a
        // warm-up ending at 10 s put 34-177 ms of compiles in the window (p99 2.1-3.9 ms), one ending at 15 s
        // 2-5 ms in three of four runs (p99 1.1-2.0 ms)
        long warmupNanos = o.get("data") != null && !"0".equals(o.get("scrub-period-ms"))
            ? Math.max(warmupAsked, (dev.logmesh.NodeInternals.scrubFirstMillis() + 5_000) * 1_000_000L)
            : warmupAsked;
        // --warmup-jit-quiet-ms Q (default 0: off): the warm-up also lasts until the JIT has compiled nothing for Q
        // ms (polled every 50 ms by a thread of its own, at most JIT_QUIET_CAP_NANOS after the driver starts): the
        // round trip's path compiled by C2, which on a busy machine takes longer than the warm-up's seconds (session
        // 49, load 9: 44-158 first C2 compiles of the path, 1.1-4.5 s of JIT, in windows that began 10-15 s in)
        long jitQuietNanos = (long) (Double.parseDouble(o.getOrDefault("warmup-jit-quiet-ms", "0")) * 1e6);
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        var cpu = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, String> ob = new HashMap<>(o);
        if (o.get("data") != null) {
            o = new HashMap<>(o);
            o.put("data", o.get("data") + "/a");
            ob.put("data", ob.get("data") + "/b");
        }
        FsyncLog fsyncs = new FsyncLog(count * 8);
        CompletableFuture<Void> done = new CompletableFuture<>();
        // touched on A's loop only. The counted window is the last `count` round trips, known only at the end: the
        // driver keeps every round trip's start and length in rings and stops once the oldest in them began after
        // the warm-up. So nothing on the round trip's path branches on the window's start, as a flag did before: its
        // branch, first taken there, made C2 deoptimize the driver and the node's code it is inlined into at the
        // window's first round trips (-XX:+PrintCompilation, issue 12).
        var driver = new Object() {
            final double[] samples = new double[count];
            final long[] starts = new long[count];
            // the JIT's total compile time (ms) every 256 round trips, a ring long enough for the window
            final long[] jitAt = new long[count / 256 + 2];
            // the process's CPU time (ns, all threads) at the same round trips: how busy the nodes keep the cores,
            // which on a VM slows even a bare program's round trips (scripts/floor/floor.c, BUSY=)
            final long[] cpuAt = new long[count / 256 + 2];
            // the bytes A's loop thread allocated (com.sun.management.ThreadMXBean) at the same round trips
            final long[] allocAt = new long[count / 256 + 2];
            // --trace: each round trip's segments and what ran during it; null without the flag
            RttTrace trace;
            // each thread's CPU time (ns, by thread id) at the same round trips: where the round trip's CPU goes
            final List<Map<Long, Long>> threadsAt =
                new java.util.ArrayList<>(java.util.Collections.nCopies(count / 256 + 2, Map.<Long, Long>of()));
            MeshNode node;
            int i; // round trips done
            long first;
            long t0;
            long target = Long.MAX_VALUE;
            long acked;
            long ended; // the last round trip's end (System.nanoTime): the counted window's end
            // --warmup-jit-quiet-ms: when the JIT was first quiet long enough (System.nanoTime), set by the watch
            // thread; far in the future until then, far in the past without the option: a third difference in the
            // stop test, so that the driver gains no branch that turns (see next)
            volatile long jitQuietAt =
                jitQuietNanos > 0 ? System.nanoTime() + 3_600_000_000_000L : Long.MIN_VALUE / 4;
            volatile boolean jitQuietReached;

            void next() {
                int slot = i % count;
                // the oldest round trip in the rings (i - count) began after the warm-up: they hold the window.
                // One test whose outcome turns once, at the end: both differences are >= 0 exactly when their OR
                // is. Two tests (&&) turned the first to true at round trip count + warmup, inside the warm-up's
                // seconds or inside the window (scripts/dev/rtt-trace's 20,000 round trips): C2 had compiled it as
                // never true, so that round trip deoptimized the node's code the driver is inlined into
                // (DurabilityQueue.runAll and its task, -XX:+LogCompilation: unstable_if at SyncBench$1.next
                // bci 23), which C2 then compiled again beside the counted round trips (session 47, issue 12)
                if ((((long) i - count - warmup) | (starts[slot] - first - warmupNanos) | (starts[slot] - jitQuietAt))
                    >= 0) {
                    done.complete(null);
                    return;
                }
                // the action is made before the round trip's clock starts: @logux/core's side (interop/bench.mjs)
                // adds an object literal, which costs it nothing, while Action.parse runs a streaming check of the
                // text with a Jackson parser (~8% of the round trip's allocation in session 45's JFR). Before
                // session 46 it was made inside the window, a cost of the driver's that the other side did not pay
                Action action = action(i);
                t0 = System.nanoTime();
                if (i == 0) {
                    first = t0;
                }
                if ((i & 255) == 0) { // taken from the first round trip on: compiled both ways
                    jitAt[(i >>> 8) % jitAt.length] = jit.getTotalCompilationTime();
                    cpuAt[(i >>> 8) % cpuAt.length] = cpu.getProcessCpuTime();
                    allocAt[(i >>> 8) % allocAt.length] = threads instanceof com.sun.management.ThreadMXBean t
                        ? t.getCurrentThreadAllocatedBytes() : 0;
                    // the first round trip may run on the thread that started the driver (A's peers() was done
                    // already); every later one runs on A's loop
                    loopThread = Thread.currentThread().getId();
                    threadsAt.set((i >>> 8) % threadsAt.size(), threadCpu(threads));
                }
                starts[slot] = t0;
                target = Long.MAX_VALUE;
                if (trace != null) {
                    trace.start(slot, t0);
                }
                // completes on A's loop once the entry is durable on A; with SQLite (group commit) the entry may
                // be at B, and B's synced back, before that (issue 12): a round trip ends when both happened
                node.add(action, List.of("bench")).thenAccept(m -> {
                    if (trace != null) {
                        trace.mark(RttTrace.ADDED, i % count);
                    }
                    target = m.added();
                    settle();
                });
            }

            void acknowledged(long added) {
                acked = Math.max(acked, added);
                settle();
            }

            void settle() {
                if (acked >= target) {
                    long now = System.nanoTime();
                    samples[i % count] = (now - t0) / 1e6;
                    ended = now;
                    if (trace != null) {
                        trace.end(i % count);
                    }
                    i++;
                    next();
                }
            }

            /** The first counted round trip (after {@code done}). */
            int warm() {
                return i - count;
            }

            /**
             * The process's CPU time over the wall time since the same sample as {@link #jitInWindow}: cores. That
             * sample's round trip is in the window (count > 255), so its start is still in {@link #starts}.
             */
            double coresInWindow(long now) {
                int sample = (warm() + 255) >>> 8;
                long from = starts[(sample << 8) % count];
                return (cpu.getProcessCpuTime() - cpuAt[sample % cpuAt.length]) / (double) Math.max(1, now - from);
            }

            /**
             * Each thread's CPU time per round trip (µs) since the same sample as {@link #jitInWindow}, by thread
             * name, the busiest first, those of at least 1 µs: a JSON object.
             */
            String threadsInWindow() {
                int sample = (warm() + 255) >>> 8;
                Map<Long, Long> from = threadsAt.get(sample % threadsAt.size());
                Map<Long, Long> now = threadCpu(threads);
                long trips = Math.max(1, i - ((long) sample << 8));
                List<Map.Entry<String, Double>> per = new java.util.ArrayList<>();
                java.util.Set<String> named = new java.util.HashSet<>();
                for (Map.Entry<Long, Long> e : now.entrySet()) {
                    java.lang.management.ThreadInfo info = threads.getThreadInfo(e.getKey());
                    double us = (e.getValue() - from.getOrDefault(e.getKey(), 0L)) / 1e3 / trips;
                    if (info != null && us >= 1) {
                        // both nodes' writer threads are named after their file, log.db: the thread id tells them apart
                        String name = named.add(info.getThreadName()) ? info.getThreadName()
                            : info.getThreadName() + " #" + e.getKey();
                        per.add(Map.entry(name, us));
                    }
                }
                per.sort((x, y) -> Double.compare(y.getValue(), x.getValue()));
                StringBuilder sb = new StringBuilder("{");
                for (Map.Entry<String, Double> e : per) {
                    sb.append(sb.length() > 1 ? "," : "").append('"').append(e.getKey().replace("\\", "/")
                        .replace("\"", "'")).append("\":").append(String.format(java.util.Locale.ROOT, "%.1f",
                        e.getValue()));
                }
                return sb.append('}').toString();
            }

            /**
             * Bytes A's loop thread allocated per round trip since the same sample as {@link #jitInWindow}, or -1
             * when no sample was taken inside the counted window (samples come every 256 round trips).
             */
            long allocInWindow() {
                int sample = (warm() + 255) >>> 8;
                if (((long) sample << 8) >= i) {
                    return -1;
                }
                long trips = Math.max(1, i - ((long) sample << 8));
                long now = threads instanceof com.sun.management.ThreadMXBean t
                    ? t.getThreadAllocatedBytes(loopThread) : 0;
                return (now - allocAt[sample % allocAt.length]) / trips;
            }

            long loopThread; // the id of the thread that took the last sample: A's loop

            /** The JIT's compile time (ms) since the first sample at or after the window's start. */
            long jitInWindow() {
                int k = (warm() + 255) >>> 8;
                return jit.getTotalCompilationTime() - jitAt[k % jitAt.length];
            }
        };
        double[] samples = driver.samples;
        CountDownLatch up = new CountDownLatch(1);
        MeshNode.Listener watch = new MeshNode.Listener() {
            @Override
            public void acknowledged(String nodeId, long added) {
                driver.acknowledged(added);
            }

            @Override
            public void peer(String nodeId, boolean connected) {
                if (connected) {
                    up.countDown();
                }
            }
        };
        // --shared-loop true: both nodes on one loop thread, as the JavaScript bench runs both nodes in one event loop
        boolean shared = Boolean.parseBoolean(o.getOrDefault("shared-loop", "false"));
        // shared: the loop thread also carries both nodes' WebSocket channels (NodeInternals.startShared)
        try (SystemLoop loop = shared ? new SystemLoop("rtt-shared") : null;
             MeshNode b = start(base("rtt-b", ob).build(), List.of(), loop);
             MeshNode a = start(base("rtt-a", o).noListen().peer(b.url()).build(), List.of(watch), loop)) {
            // with SQLite: each fsync of both nodes' WALs while the counted round trips run, the disk's latency in
            // this very run beside the round trip's
            // --disk-trace FILE: each node's commits, fsyncs and checkpoints too, for the round trips' timelines
            Path diskTrace = o.get("disk-trace") == null ? null : Path.of(o.get("disk-trace"));
            List<DiskTrace> traces = new ArrayList<>();
            for (MeshNode n : List.of(a, b)) {
                if (dev.logmesh.NodeInternals.log(n).store() instanceof SqliteStore sqlite) {
                    if (diskTrace != null) {
                        DiskTrace t = new DiskTrace(fsyncs, count * 8);
                        traces.add(t);
                        sqlite.observeDisk(t);
                    } else {
                        sqlite.observeDisk(fsyncs);
                    }
                }
            }
            if (diskTrace != null && traces.size() != 2) {
                throw new IllegalArgumentException("--disk-trace needs --data DIR (the SQLite store on both nodes)");
            }
            if (!up.await(30, TimeUnit.SECONDS) && a.peers().join().stream().noneMatch(MeshNode.PeerStatus::connected)) {
                throw new IllegalStateException("no session");
            }
            driver.node = a;
            if (o.get("trace") != null) {
                driver.trace = new RttTrace(count, threads, jit);
                // B's subscriber runs when B gives the entry (durable there), before B's synced is written; the
                // round trip's slot is the driver's (one round trip at a time; exact with --shared-loop, where B's
                // loop is A's)
                b.subscribe(e -> true, e -> driver.trace.mark(RttTrace.AT_B, driver.i % count));
            }
            java.util.concurrent.ScheduledExecutorService jitWatch = jitQuietNanos <= 0 ? null
                : java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "rtt-jit-watch");
                    t.setDaemon(true);
                    return t;
                });
            if (jitWatch != null) {
                long started = System.nanoTime();
                // the JIT's total (ms), its threads' CPU (ticks), when either last moved. The total alone moves only
                // when a compile ends: at load 10 one C2 compile outlasted 1 s, and a window that began "quiet"
                // held 5.3 s of JIT (session 49)
                long[] last = {jit.getTotalCompilationTime(), compilerTicks(), started};
                jitWatch.scheduleWithFixedDelay(() -> {
                    long now = System.nanoTime();
                    long total = jit.getTotalCompilationTime();
                    long ticks = compilerTicks();
                    if (total != last[0] || ticks != last[1]) {
                        last[0] = total;
                        last[1] = ticks;
                        last[2] = now;
                    }
                    boolean quiet = now - last[2] >= jitQuietNanos;
                    if (quiet || now - started >= JIT_QUIET_CAP_NANOS) {
                        driver.jitQuietReached = quiet;
                        driver.jitQuietAt = now;
                        jitWatch.shutdown();
                    }
                }, 50, 50, TimeUnit.MILLISECONDS);
            }
            a.peers().thenRun(driver::next); // completes on A's loop: the driver runs there from now on
            try {
                done.get(300, TimeUnit.SECONDS);
            } finally {
                if (jitWatch != null) {
                    jitWatch.shutdownNow();
                }
            }
            if (o.get("samples") != null) { // --samples FILE: every counted round trip in ms, in the order run
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < count; k++) { // the ring from its oldest
                    sb.append(samples[(driver.i + k) % count]).append('\n');
                }
                java.nio.file.Files.writeString(java.nio.file.Path.of(o.get("samples")), sb);
            }
            if (diskTrace != null) { // before the samples are sorted below
                DiskTrace.write(diskTrace, driver.starts, samples, driver.i % count, traces.get(0), traces.get(1));
            }
            // the JIT's compile time (ms, all compiler threads) while the counted round trips ran: near 0 when the
            // warm-up was long enough for the JIT to be done with the round trip's path
            long jitInWindow = driver.jitInWindow();
            double cores = driver.coresInWindow(System.nanoTime());
            String perThread = driver.threadsInWindow();
            long alloc = driver.allocInWindow();
            String trace = "";
            if (driver.trace != null) {
                trace = ",\"trace\":" + driver.trace.write(java.nio.file.Path.of(o.get("trace")), driver.i, samples);
            }
            long windowFrom = driver.starts[driver.i % count];
            long windowTo = System.nanoTime();
            Arrays.sort(samples);
            double mean = Arrays.stream(samples).average().orElse(0);
            System.out.printf("{\"bench\":\"rtt\",\"impl\":\"logmesh\",\"store\":\"%s\",\"count\":%d,\"p50Ms\":%.3f,"
                    + "\"p90Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f,\"meanMs\":%.3f,\"sharedLoop\":%s,"
                    + "\"warmup\":%d,\"warmupMs\":%d,\"jitMsInWindow\":%d,\"coresInWindow\":%.2f,"
                    + "\"allocBytesPerRoundTrip\":%d,\"threadCpuUsPerRoundTrip\":%s,\"windowFromNanos\":%d,"
                    + "\"windowToNanos\":%d,\"jitQuietAtMs\":%d,\"jitQuietReached\":%s%s%s}%n",
                o.get("data") == null ? "memory" : "sqlite", count, samples[(int) (0.5 * count)],
                samples[(int) (0.9 * count)], samples[Math.min(count - 1, (int) (0.99 * count))], samples[count - 1],
                mean, shared, driver.warm(), Math.round((windowFrom - driver.first) / 1e6), jitInWindow, cores,
                alloc, perThread, windowFrom, driver.ended,
                jitQuietNanos > 0 ? Math.round((driver.jitQuietAt - driver.first) / 1e6) : -1, driver.jitQuietReached,
                o.get("data") == null ? "" : fsyncs.json(windowFrom, windowTo), trace);
        }
    }

    /** How long --warmup-jit-quiet-ms waits for a quiet JIT at most (ns) before the window may begin anyway. */
    static final long JIT_QUIET_CAP_NANOS = 120_000_000_000L;

    /**
     * The CPU time of the JIT's compiler threads (clock ticks, utime + stime of each {@code /proc/self/task} whose
     * name begins "C1 CompilerThre" or "C2 CompilerThre"; Linux), or -1 where there is no such file: a compile in
     * progress, which the JIT's total compile time shows only when it ends. Called by --warmup-jit-quiet-ms's watch.
     */
    static long compilerTicks() {
        long sum = 0;
        try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    if (!comm.startsWith("C1 CompilerThre") && !comm.startsWith("C2 CompilerThre")) {
                        continue;
                    }
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                // after the name's ")": field 3 (state) on; utime and stime are fields 14 and 15
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    /** A node on its own loop thread, or on {@code shared} (not closed by the node) when it is not null. */
    static MeshNode start(NodeConfig config, List<MeshNode.Listener> listeners, SystemLoop shared)
        throws IOException {
        return shared == null ? MeshNode.start(config, listeners) : NodeInternals.startShared(config, listeners, shared);
    }

    /** Every live thread's CPU time (ns), by thread id. */
    static Map<Long, Long> threadCpu(java.lang.management.ThreadMXBean threads) {
        Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long ns = threads.getThreadCpuTime(id);
            if (ns >= 0) {
                out.put(id, ns);
            }
        }
        return out;
    }

    static Action action(int i) {
        return Action.parse("{\"type\":\"bench/bulk\",\"i\":" + i + "}");
    }
}
