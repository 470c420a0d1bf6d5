package dev.logmesh.internal.store;

import static dev.logmesh.testkit.Tmpfs.mountOrSkip;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.testkit.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of writes right after space comes back to a full disk must not fill it again with WAL for good. Each seeded
 * trial mounts a 2 MiB tmpfs of its own (root only; skipped otherwise), fills most of it, writes entries of ~450
 * bytes in random batches until the store says the disk is full (and a few more tries on the full disk), frees the
 * filler, and writes on to 1,500 entries in batches of 1–32, as {@code logmesh node}'s held stdin lines come. Found
 * by CI on ffc3a50 ({@code StdinFullDiskTest}: 689 of 1,500 lines, then nothing for 60 s): after a reclaim that found
 * no room, the store did not look at the WAL for a second, the writes of that second grew it from 0.1 to 1.6 MiB with
 * 0.45 MiB in the main file, and its checkpoint never again found room (trial 0 here, every time).
 */
@Tag("slow")
class SqliteFullDiskRefillTest {
    private static final int TRIALS = 8;
    private static final int ENTRIES = 1500;

    @TempDir
    Path dir;

    private static Entry entry(int i) {
        long ms = 1_000_000L + i;
        return new Entry(Action.parse("{\"type\":\"t\",\"i\":" + i + ",\"pad\":\"" + "x".repeat(400) + "\"}"),
            Meta.of(new ActionId(ms, "full", 0), ms, List.of("r")));
    }

    private static List<Entry> entries(int from, int n) {
        List<Entry> b = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            b.add(entry(from + i));
        }
        return b;
    }

    @Test
    void writesAfterSpaceReturnsNeverFillTheDiskWithWalForGood() throws Exception {
        List<String> stuck = new ArrayList<>();
        for (int t = 0; t < TRIALS; t++) {
            String outcome = trial(t);
            if (outcome != null) {
                stuck.add(outcome);
            }
        }
        assertEquals(List.of(), stuck, "trials whose store could not go on after space came back");
    }

    /**
     * The store's write budget ({@link SqliteStore#writeBudget}): an eighth of the free space on a small disk, so that
     * a node stores a large received batch in several transactions; unbounded on a roomy one.
     */
    @Test
    void theWriteBudgetIsAnEighthOfTheFreeSpaceOnASmallDiskAndUnboundedOnARoomyOne() throws Exception {
        Path m = dir.resolve("budget");
        Files.createDirectories(m);
        mountOrSkip(m, 2, "the write budget test");
        try (SqliteStore small = SqliteStore.open(m.resolve("log.db"))) {
            small.add(entries(0, 10));
            long free = m.toFile().getUsableSpace();
            long budget = small.writeBudget();
            assertTrue(budget >= SqliteStore.WRITE_BUDGET_MIN_BYTES && budget <= 2 * 1024 * 1024 / 8,
                "an eighth of the free space (" + free + " bytes free): " + budget);
        } finally {
            Tmpfs.unmount(m);
        }
        long roomy = dir.toFile().getUsableSpace();
        org.junit.jupiter.api.Assumptions.assumeTrue(roomy >= SqliteStore.WAL_ROOMY_FREE_BYTES, "a roomy disk here");
        try (SqliteStore big = SqliteStore.open(dir.resolve("big.db"))) {
            big.add(entries(0, 10));
            assertEquals(Long.MAX_VALUE, big.writeBudget());
        }
    }

    /** One trial: null when all {@link #ENTRIES} are in the store, else what was found. */
    private String trial(int seed) throws Exception {
        Random rnd = new Random(seed);
        Path m = dir.resolve("m" + seed);
        Files.createDirectories(m);
        mountOrSkip(m, 2, "the full-disk refill test");
        SqliteStore store = null;
        try {
            Path filler = m.resolve("filler");
            Files.write(filler, new byte[(1400 + rnd.nextInt(300)) * 1024]);
            store = SqliteStore.open(m.resolve("log.db"));
            AtomicInteger next = new AtomicInteger();
            int fails = 0;
            while (fails < 3) {
                int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 1 : 40);
                try {
                    store.add(entries(next.get(), n));
                    next.addAndGet(n);
                } catch (StoreException e) {
                    assertTrue(e.getMessage().contains("full"), e.getMessage());
                    fails++;
                    for (int p = rnd.nextInt(4); p > 0; p--) { // single adds on the full disk, as a retry would
                        try {
                            store.add(entries(next.get(), 1));
                            next.incrementAndGet();
                        } catch (StoreException again) {
                            fails++;
                        }
                    }
                }
                assertTrue(next.get() < ENTRIES, "the tmpfs never got full");
            }
            int full = next.get();
            Files.delete(filler);
            SqliteStore s = store;
            try {
                await().atMost(10, TimeUnit.SECONDS).pollInterval(1, TimeUnit.MILLISECONDS).until(() -> {
                    int n = Math.min(ENTRIES - next.get(), 1 + rnd.nextInt(32));
                    try {
                        s.add(entries(next.get(), n));
                        next.addAndGet(n);
                    } catch (StoreException e) {
                        assertTrue(e.getMessage().contains("full"), e.getMessage());
                    }
                    return next.get() == ENTRIES;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                return "trial " + seed + ": full at " + full + ", then " + next.get() + " of " + ENTRIES + " (main file "
                    + Files.size(m.resolve("log.db")) + " bytes, WAL " + Files.size(m.resolve("log.db-wal")) + ")";
            }
            assertEquals(ENTRIES, store.size(), "each entry once");
            return null;
        } finally {
            if (store != null) {
                try {
                    store.close();
                } catch (StoreException e) {
                    // a close on a full disk leaves the WAL's commits for the next open; the trial said what it found
                }
            }
            Tmpfs.unmount(m);
        }
    }
}
