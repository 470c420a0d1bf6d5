package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.StoreException;
import dev.logmesh.spi.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: the {@code added} reservation of {@link SqliteStore} with group commit. Entries may go to a peer that
 * reconciles before their commit is durable ({@link SqliteStore#sendableAdded}) because the store never numbers an
 * entry at or below its durable reservation after a restart that was not a clean close.
 */
class SqliteAddedReservationTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    final SlowDisk disk = new SlowDisk();
    final List<SqliteStore> open = new ArrayList<>();

    @AfterEach
    void tearDown() {
        disk.release();
        for (SqliteStore s : open) {
            try {
                s.close();
            } catch (StoreException | IllegalStateException e) {
                // closed by the test, or its disk failed
            }
        }
    }

    SqliteStore store(Path at) throws Exception {
        Files.createDirectories(at);
        SqliteStore s = disk.open(at.resolve("log.db"));
        open.add(s);
        return s;
    }

    static Entry e(int i) {
        return entry("chat/add", (1000 + i) + " n 0", 1000 + i, "r");
    }

    @Test
    void committedEntriesWithinTheReservationMayBeSentBeforeTheyAreDurable() throws Exception {
        SqliteStore s = store(dir.resolve("a"));
        assertEquals(SqliteStore.ADDED_RESERVE_AHEAD, s.addedReservation(), "reserved ahead, durably, at open");
        disk.hold(); // no flush finishes
        for (int i = 0; i < 3; i++) {
            s.add(List.of(e(i)));
        }
        assertEquals(0, s.durableAdded());
        assertEquals(3, s.sendableAdded(), "committed and within the reservation: a peer that reconciles may have them");
    }

    @Test
    void afterAPowerLossNumberingContinuesAfterTheReservation() throws Exception {
        Path live = dir.resolve("live");
        store(live).close(); // the store's file as a checkpoint left it (the WAL alone would be lost below)
        SqliteStore s = store(live);
        disk.hold();
        for (int i = 0; i < 3; i++) {
            s.add(List.of(e(i)));
        }
        long sent = s.sendableAdded(); // a peer may hold these numbers in its cursor for this node
        long reserved = s.addedReservation();
        Path after = dir.resolve("after");
        // a power loss at worst: the three entries were never flushed, so they are gone
        SqliteLostWritesTest.crashAndLoseTheWal(live, after);

        SqliteStore lost = SqliteStore.open(after.resolve("log.db"));
        open.add(lost);
        assertEquals(0, lost.size());
        assertTrue(lost.lastAdded() >= reserved, "numbering continues after the reservation " + reserved + ", not "
            + lost.lastAdded());
        // the skip is not written to the database (an open must work on a full disk); the side file keeps it
        lost.close();
        lost = SqliteStore.open(after.resolve("log.db"));
        open.add(lost);
        assertTrue(lost.lastAdded() >= reserved, "still after a clean close: " + lost.lastAdded());
        assertTrue(lost.lossAtOpen().isEmpty(), "a skipped range is not a loss");
        long next = lost.add(List.of(e(10))).get(0).added();
        assertTrue(next > sent, "the next entry (" + next + ") is above every number a peer may hold (" + sent + ")");
    }

    @Test
    void aCleanCloseLeavesNoGap() throws Exception {
        Path at = dir.resolve("clean");
        SqliteStore s = store(at);
        for (int i = 0; i < 3; i++) {
            s.add(List.of(e(i)));
        }
        s.close();
        SqliteStore again = store(at);
        assertEquals(3, again.lastAdded());
        assertEquals(4, again.add(List.of(e(3))).get(0).added());
        assertTrue(again.lossAtOpen().isEmpty());
    }

    @Test
    void theWriterRaisesTheReservationBeforeItIsUsedUp() throws Exception {
        SqliteStore s = store(dir.resolve("raise"));
        long first = s.addedReservation();
        int n = 0;
        while (s.lastAdded() <= first - SqliteStore.ADDED_RESERVE_AHEAD / 2) {
            List<Entry> batch = new ArrayList<>();
            for (int k = 0; k < 1000; k++) {
                batch.add(e(n++));
            }
            s.add(batch);
        }
        long last = s.lastAdded();
        await().atMost(WAIT).until(() -> s.addedReservation() >= last + SqliteStore.ADDED_RESERVE_AHEAD / 2);
        assertEquals(last, s.sendableAdded());
    }

    /**
     * Session 33: after {@code kill -9} the store numbers on after its reservation (a dense sequence cannot be had: a
     * number sent before its entry was written may be in a peer's cursor). It records the numbers it skipped, also
     * across a clean close and for a reader, so that progress and status count entries ({@code Store.countSkipped}).
     */
    @Test
    void aRestartAfterKillRecordsTheNumbersItSkipped() throws Exception {
        Path live = dir.resolve("killed");
        SqliteStore s = store(live);
        for (int i = 0; i < 3; i++) {
            s.add(List.of(e(i)));
        }
        await().atMost(WAIT).until(() -> s.durableAdded() == 3);
        long reserved = s.addedReservation();
        Path after = dir.resolve("after-kill");
        crashKeepingTheWal(live, after);

        SqliteStore again = SqliteStore.open(after.resolve("log.db"));
        open.add(again);
        assertEquals(3, again.size());
        assertEquals(reserved, again.lastAdded(), "numbering goes on after the reservation");
        assertEquals(reserved + 1, again.add(List.of(e(3))).get(0).added());
        assertArrayEquals(new long[] {3, reserved}, again.skippedAdded());
        long last = again.lastAdded();
        assertEquals(4, last - Store.countSkipped(again.skippedAdded(), 0, last), "entries, not numbers");
        assertEquals(1, last - 3 - Store.countSkipped(again.skippedAdded(), 3, last));
        again.close();

        try (SqliteStore reader = SqliteStore.openReader(after.resolve("log.db"))) {
            assertArrayEquals(new long[] {3, reserved}, reader.skippedAdded(), "kept in the file");
        }
        SqliteStore third = SqliteStore.open(after.resolve("log.db"));
        open.add(third);
        assertArrayEquals(new long[] {3, reserved}, third.skippedAdded(), "a clean close skips nothing more");
        assertThrows(IllegalArgumentException.class, () -> third.setState(Store.SKIPPED_ADDED_KEY, "x"));
    }

    /** What {@code kill -9} leaves of a running store's directory: every file, the WAL included (not its lock). */
    static void crashKeepingTheWal(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith("-shm") && !name.endsWith(".lock")) {
                    Files.copy(f, to.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
