package dev.logmesh.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.Criteria;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Add throughput of the stores with 10k, 100k and 1M entries already in them, in batches of 1 and 100, and
 * SQLite's bytes on disk per entry. Run by {@code scripts/bench-store}; not a test (surefire ignores it).
 *
 * <p>A plain main rather than JMH: JMH is not in the offline Maven repository of this build, and what is
 * measured here is milliseconds-long store work (SQLite transactions, fsync), not nanosecond code paths
 * where JMH's dead-code and inlining guards matter. Against the usual pitfalls: a warm-up on a scratch store
 * runs every code path first (JIT); entries are built before the clock starts; each figure is the median of
 * several rounds; and the entries a round added are removed afterwards (untimed), so the store holds the
 * stated number of entries at the start of every round.
 *
 * <p>Entries look like chat traffic in a mesh of four nodes: {@code {"type":"chat/add","text":"<40 chars>"}},
 * reasons {@code ["mesh"]}, ids from an increasing clock, as a node receives them in normal operation.
 */
public final class StoreBench {
    private static final String[] NODES = {"alice:Xk3v9QaB", "bob:7hQ2mPzL", "carol:Lw0pR4sT", "dave:9aBcD3eF"};
    private static final List<String> REASONS = List.of("mesh");
    private static final long BASE_MS = 1_700_000_000_000L;

    private final Random random = new Random(1);
    private long next;

    private Entry nextEntry() {
        long i = next++;
        ActionId id = new ActionId(BASE_MS + i / 4, NODES[(int) (i % 4)], 0);
        ObjectNode action = JsonNodeFactory.instance.objectNode();
        action.put("type", "chat/add");
        action.put("text", text());
        return new Entry(Action.of(action), Meta.of(id, id.ms(), REASONS));
    }

    private String text() {
        char[] c = new char[40];
        for (int i = 0; i < c.length; i++) {
            c[i] = (char) ('a' + random.nextInt(26));
        }
        c[7] = ' ';
        c[19] = ' ';
        return new String(c);
    }

    private List<Entry> entries(int n) {
        List<Entry> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(nextEntry());
        }
        return list;
    }

    private void fill(Store store, long target) {
        while (store.size() < target) {
            store.add(entries((int) Math.min(1000, target - store.size())));
        }
    }

    /** Adds per second for one round: {@code n} entries in batches, timed; then removed again, untimed. */
    private double round(Store store, int n, int batch, long maxNanos) {
        List<List<Entry>> batches = new ArrayList<>();
        for (int i = 0; i < n; i += batch) {
            batches.add(entries(Math.min(batch, n - i)));
        }
        long firstAdded = store.lastAdded() + 1;
        int added = 0;
        long start = System.nanoTime();
        long elapsed = 0;
        for (List<Entry> b : batches) {
            store.add(b);
            added += b.size();
            elapsed = System.nanoTime() - start;
            if (elapsed > maxNanos) {
                break;
            }
        }
        store.removeReason("mesh", Criteria.ALL.minAdded(firstAdded));
        return added / (elapsed / 1e9);
    }

    private double median(Store store, int n, int batch, long maxNanos, int rounds) {
        double[] r = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            r[i] = round(store, n, batch, maxNanos);
        }
        Arrays.sort(r);
        return r[rounds / 2];
    }

    private record Kind(String name, Supplier<Store> open, Path file) {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-store");
        long[] sizes = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToLong(Long::parseLong).toArray()
            : new long[] {10_000, 100_000, 1_000_000};
        Files.createDirectories(dir);
        String only = args.length > 2 ? args[2] : "";
        new StoreBench().run(dir, sizes, only);
    }

    private void run(Path dir, long[] sizes, String only) throws IOException {
        Path full = dir.resolve("full.db");
        Path normal = dir.resolve("normal.db");
        List<Kind> kinds = List.of(
            new Kind("MemoryStore", MemoryStore::new, null),
            new Kind("SqliteStore FULL", () -> SqliteStore.open(full), full),
            new Kind("SqliteStore NORMAL", () -> SqliteStore.open(normal,
                new SqliteStore.Options(SqliteStore.Durability.NORMAL, true)), normal));
        warmUp(dir);
        StringBuilder table = new StringBuilder();
        table.append("""
            | store | entries held | adds/s, batch 1 | adds/s, batch 100 | batch 100 vs first size |
            |---|---:|---:|---:|---:|
            """);
        for (Kind kind : kinds) {
            if (!kind.name().contains(only)) {
                continue;
            }
            deleteDb(kind.file());
            Store store = kind.open().get();
            double first = 0;
            for (long size : sizes) {
                fill(store, size);
                boolean memory = kind.file() == null;
                double single = median(store, memory ? 50_000 : 20_000, 1, 1_000_000_000L, 3);
                double hundred = median(store, memory ? 200_000 : 50_000, 100, 2_000_000_000L, 5);
                if (size == sizes[0]) {
                    first = hundred;
                }
                table.append(String.format("| %s | %,d | %,.0f | %,.0f | %.2f |%n", kind.name(), size, single,
                    hundred, hundred / first));
                System.err.printf("%s %,d: batch 1 %,.0f/s, batch 100 %,.0f/s%n", kind.name(), size, single, hundred);
            }
            store.close();
            deleteDb(kind.file());
        }
        if ("Sqlite".contains(only) || only.isEmpty()) {
            table.append(diskTable(dir.resolve("disk.db"), sizes));
        }
        System.out.println(table);
        double[] fsync = fsyncMicros(dir);
        System.out.printf("fsync of a 4 KiB append in %s: median %.0f µs, p90 %.0f µs (FULL waits for one per commit)%n",
            dir, fsync[fsync.length / 2], fsync[fsync.length * 9 / 10]);
    }

    /** Sorted latencies (µs) of appending 4 KiB and fsyncing, which bound what FULL durability can do. */
    private static double[] fsyncMicros(Path dir) throws IOException {
        Path probe = dir.resolve("fsync.probe");
        double[] t = new double[200];
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(probe,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
            for (int i = 0; i < t.length; i++) {
                buf.clear();
                long t0 = System.nanoTime();
                ch.write(buf);
                ch.force(false);
                t[i] = (System.nanoTime() - t0) / 1e3;
            }
        } finally {
            Files.deleteIfExists(probe);
        }
        Arrays.sort(t);
        return t;
    }

    /**
     * SQLite's file size per entry and open time, on a store that only ever grew (the throughput rounds add and
     * remove entries, which leaves free pages and extra seen ids, so their files would overstate the size).
     */
    private String diskTable(Path file, long[] sizes) throws IOException {
        StringBuilder t = new StringBuilder("\n| SQLite entries | file bytes | bytes/entry | open ms with quick_check "
            + "| open ms without |\n|---:|---:|---:|---:|---:|\n");
        deleteDb(file);
        SqliteStore.Options fast = new SqliteStore.Options(SqliteStore.Durability.NORMAL, false);
        Store store = SqliteStore.open(file, fast);
        for (long size : sizes) {
            fill(store, size);
            store.close(); // checkpoints the WAL into the file
            long bytes = Files.size(file);
            long t0 = System.nanoTime();
            SqliteStore.open(file).close();
            double checked = (System.nanoTime() - t0) / 1e6;
            t0 = System.nanoTime();
            store = SqliteStore.open(file, fast);
            double unchecked = (System.nanoTime() - t0) / 1e6;
            t.append(String.format("| %,d | %,d | %.0f | %.0f | %.0f |%n", size, bytes, bytes / (double) size,
                checked, unchecked));
        }
        store.close();
        deleteDb(file);
        return t.toString();
    }

    /** Runs every path once on scratch stores so that the measured rounds run compiled code. */
    private void warmUp(Path dir) throws IOException {
        Store memory = new MemoryStore();
        fill(memory, 100_000);
        median(memory, 100_000, 100, Long.MAX_VALUE, 3);
        median(memory, 20_000, 1, Long.MAX_VALUE, 3);
        Path scratch = dir.resolve("warmup.db");
        deleteDb(scratch);
        try (Store sqlite = SqliteStore.open(scratch,
            new SqliteStore.Options(SqliteStore.Durability.NORMAL, true))) {
            fill(sqlite, 50_000);
            median(sqlite, 50_000, 100, Long.MAX_VALUE, 3);
            median(sqlite, 5_000, 1, Long.MAX_VALUE, 3);
        }
        deleteDb(scratch);
    }

    private static void deleteDb(Path file) throws IOException {
        if (file == null) {
            return;
        }
        for (String suffix : new String[] {"", "-wal", "-shm", ".lock"}) {
            Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
        }
    }
}
