package dev.logmesh.internal.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.testkit.Tmpfs;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A disk that another process fills while the store's WAL is small is seen at the store's next write, not only once
 * its WAL has grown by a step (an eighth of the free space last seen, up to 1 MiB): the write budget and the WAL's
 * checkpoint then go by the space that is left. On a 16 MiB tmpfs of its own (root only; skipped otherwise).
 */
class SqliteOtherFillerTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(16, "the other-filler test");

    private static Entry entry(int i) {
        long ms = 1_000_000L + i;
        return new Entry(Action.parse("{\"type\":\"t\",\"i\":" + i + ",\"pad\":\"" + "x".repeat(300) + "\"}"),
            Meta.of(new ActionId(ms, "fill", 0), ms, List.of("r")));
    }

    /**
     * 14 MiB free, then a filler leaves 50 KiB: after one write the budget is the least one (an eighth of 50 KiB is
     * less), and the entries added then are in the store. Before (disk40) the budget stayed an eighth of the 14 MiB
     * seen before: "the budget after a filler left 49152 bytes ==> expected: <16384> but was: <2082816>" (writes of up
     * to 2 MiB on a disk with 50 KiB left).
     */
    @Test
    void aDiskFilledByAnotherProcessIsSeenAtTheNextWrite() throws Exception {
        Path m = tmpfs.path();
        try (SqliteStore store = SqliteStore.open(m.resolve("log.db"))) {
            store.add(List.of(entry(0)));
            long before = store.writeBudget();
            assertTrue(before > 512 * 1024, "an eighth of the free space first: " + before);
            long t0 = System.nanoTime();
            long left = fill(m, 50 * 1024);
            // the look by time: the last one is older than its interval by the time of the next write
            await().atMost(5, TimeUnit.SECONDS)
                .until(() -> System.nanoTime() - t0 >= SqliteStore.FREE_LOOK_NANOS);

            store.add(List.of(entry(1)));

            assertEquals(SqliteStore.WRITE_BUDGET_MIN_BYTES, store.writeBudget(), "the budget after a filler left "
                + left + " bytes");
            assertTrue(store.has(entry(1).id()));
            Files.delete(m.resolve("filler")); // room for the close's checkpoint
        }
    }

    /** Fills the disk of {@code m} with a file of its own until about {@code leave} bytes are free; returns the free. */
    private static long fill(Path m, long leave) throws java.io.IOException {
        try (RandomAccessFile filler = new RandomAccessFile(m.resolve("filler").toFile(), "rw")) {
            byte[] block = new byte[4096];
            while (m.toFile().getUsableSpace() > leave) {
                try {
                    filler.write(block);
                } catch (java.io.IOException full) {
                    break; // the store's files grew meanwhile
                }
            }
        }
        return m.toFile().getUsableSpace();
    }
}
