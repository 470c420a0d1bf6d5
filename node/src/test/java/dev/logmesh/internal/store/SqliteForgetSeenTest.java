package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.spi.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12: forgetting old seen ids in small batches, a sweep the node spreads over loop turns. */
class SqliteForgetSeenTest {
    @TempDir
    Path dir;

    @Test
    void aSweepInBatchesForgetsWhatForgetSeenForgetsAndKeepsWhatIsInTheLog() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("a.db"));
             MemoryStore reference = new MemoryStore()) {
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                // every third id stays in the log (it has a reason); the others were cleaned (seen only)
                String node = "n" + (i % 7);
                batch.add(i % 3 == 0 ? entry("t", (100 + i / 5) + " " + node + " " + i, 100 + i / 5, "keep")
                    : entry("t", (100 + i / 5) + " " + node + " " + i, 100 + i / 5));
            }
            s.add(batch);
            reference.add(batch);
            long beforeMs = 250; // ids with ms 100..249 are old: 750 of them
            long expected = reference.forgetSeen(beforeMs);

            long forgotten = 0;
            int batches = 0;
            ActionId after = null;
            do {
                Store.ForgetBatch b = s.forgetSeenBatch(beforeMs, after, 64);
                assertTrue(b.forgotten() <= 64, "a batch looks at no more than its limit");
                if (b.last() != null && after != null) {
                    assertTrue(after.compareTo(b.last()) < 0, "the sweep moves forward");
                }
                forgotten += b.forgotten();
                after = b.last();
                batches++;
            } while (after != null);

            assertEquals(expected, forgotten);
            assertEquals(500, expected, "two thirds of the 750 old ids were cleaned");
            // seen keeps only the ids that left the log (schema 3): the sweep walks the 500 of them
            assertTrue(batches >= 500 / 64, "in batches: " + batches);
            for (Entry e : batch) {
                assertEquals(reference.seen(e.id()), s.seen(e.id()), e.id().toString());
            }
            assertEquals(0, s.forgetSeenBatch(beforeMs, null, 64).forgotten() + s.forgetSeen(beforeMs),
                "nothing left to forget");
        }
    }

    @Test
    void anEmptySweepIsDoneAtOnceAndTheDefaultSweepsInOneStep() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("b.db"));
             MemoryStore m = new MemoryStore()) {
            Store.ForgetBatch b = s.forgetSeenBatch(1_000, null, 10);
            assertEquals(new Store.ForgetBatch(0, null), b);
            m.add(List.of(entry("t", "5 n 0", 5)));
            assertNotNull(m.forgetSeenBatch(10, null, 1));
            assertFalse(m.seen(ActionId.parse("5 n 0")));
        }
    }
}
