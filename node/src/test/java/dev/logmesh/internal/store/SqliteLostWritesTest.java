package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.log.Log;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, fault 11, the store's side: a node killed with -9 whose {@code -wal} file is then lost. SQLite opens the
 * older state without complaint; the side file {@code log.db.clock} tells the store what it lost, as far as it
 * can, and keeps the clock from going back.
 */
class SqliteLostWritesTest {
    private static final long DRIFT = 60_000;

    @TempDir
    Path dir;

    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
    private final List<SqliteStore> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (SqliteStore s : open) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }

    private SqliteStore open(Path at) throws Exception {
        Files.createDirectories(at);
        // checkpoints only every 10 000 pages (not the writer thread's every 250 ms), so what the test writes stays in
        // the WAL it then loses
        SqliteStore s = SqliteStore.open(at.resolve("log.db"),
            new SqliteStore.Options(SqliteStore.Durability.FULL_INLINE, true));
        open.add(s);
        return s;
    }

    /**
     * What is left of a running store's directory after kill -9 and a lost WAL, or at worst after a power loss: every
     * file but the WAL.
     */
    static void crashAndLoseTheWal(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith("-wal") && !name.endsWith("-shm") && !name.endsWith(".lock")) {
                    Files.copy(f, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void aStoreThatLostCommittedTransactionsSaysSoTakesANewEpochAndNeverReusesAddedNumbers() throws Exception {
        Path live = dir.resolve("live");
        SqliteStore s = open(live);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        log.add(Action.ofType("kept"), List.of("r"));
        s.close();
        s = open(live);
        String epoch = s.epoch();
        log = Log.open(s, "me", wall::get, DRIFT);
        ActionId last = null;
        for (int i = 0; i < 100; i++) {
            last = log.add(Action.ofType("lost"), List.of("r")).id();
        }
        // the clock moves past its reservation (a restarted clock starts after the old one, up to
        // RESERVE_AHEAD_MS ahead of the wall): it reserves again, and the side file records lastAdded = 101
        wall.addAndGet(3 * HybridClock.RESERVE_AHEAD_MS);
        log.add(Action.ofType("lost too"), List.of("r"));
        assertEquals(102, s.lastAdded());

        Path after = dir.resolve("after");
        crashAndLoseTheWal(live, after);
        SqliteStore lost = open(after);
        assertEquals(1, lost.size());
        assertTrue(lost.lossAtOpen().isPresent(), "the loss is noticed");
        String message = lost.lossAtOpen().get();
        assertTrue(message.contains("lost transactions") && message.contains(after.resolve("log.db").toString())
            && message.contains("101"), message);
        assertTrue(lost.lastAdded() >= 101, "added numbers continue after what peers may have been told");
        assertNotEquals(epoch, lost.epoch(), "a new epoch: peers drop their cursors for the old log");
        Log again = Log.open(lost, "me", wall::get, DRIFT);
        assertTrue(last.isBefore(again.generateId()));
        assertEquals(102, again.add(Action.ofType("new"), List.of("r")).added(),
            "never an added number a peer may already hold for another entry");

        // the new state is the truth from now on: no second alarm at the next open
        String newEpoch = lost.epoch();
        lost.close();
        SqliteStore reopened = open(after);
        assertFalse(reopened.lossAtOpen().isPresent());
        assertEquals(newEpoch, reopened.epoch());
    }

    @Test
    void aCleanRestartIsNotALoss() throws Exception {
        Path at = dir.resolve("clean");
        SqliteStore s = open(at);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        for (int i = 0; i < 10; i++) {
            log.add(Action.ofType("a"), List.of("r"));
            wall.addAndGet(2 * HybridClock.RESERVE_AHEAD_MS);
        }
        String epoch = s.epoch();
        s.close();
        SqliteStore again = open(at);
        assertFalse(again.lossAtOpen().isPresent());
        assertEquals(epoch, again.epoch());
        assertEquals(10, again.lastAdded());
    }

    @Test
    void aDamagedOrForeignSideFileIsIgnoredAndTheDatabaseStillRules() throws Exception {
        Path at = dir.resolve("damaged");
        SqliteStore s = open(at);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        ActionId last = log.add(Action.ofType("a"), List.of("r")).id();
        s.close();
        Path side = at.resolve("log.db" + SqliteStore.CLOCK_FILE_SUFFIX);
        String text = Files.readString(side);
        Files.writeString(side, text.replace("reserved=", "reserved=9"));
        boolean capturing = dev.logmesh.testkit.CapturedLogs.active();
        dev.logmesh.testkit.CapturedLogs.clear();
        s = open(at);
        assertEquals(0, s.clockReservation(), "a record that fails its checksum is not believed");
        if (capturing) { // a breaker's run: a damaged, emptied or deleted side file was ignored without a word
            assertEquals(1, dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN,
                "is damaged (its checksum does not match): ignored and rewritten").size(),
                dev.logmesh.testkit.CapturedLogs.events().toString());
        }
        assertFalse(s.lossAtOpen().isPresent());
        ActionId next = Log.open(s, "me", wall::get, DRIFT).generateId();
        assertTrue(last.isBefore(next), "the database's own marks still keep the clock from going back");
        assertTrue(next.ms() <= wall.get() + DRIFT);
        s.close();

        // a side file of another log (another epoch) says nothing about this one
        Path other = dir.resolve("other");
        SqliteStore o = open(other);
        Log.open(o, "other", wall::get, DRIFT).add(Action.ofType("x"), List.of("r"));
        o.close();
        Files.copy(other.resolve("log.db" + SqliteStore.CLOCK_FILE_SUFFIX), side,
            StandardCopyOption.REPLACE_EXISTING);
        s = open(at);
        assertFalse(s.lossAtOpen().isPresent());
        assertEquals(0, s.clockReservation());
        s.close();

        Files.delete(side); // deleted: said too
        dev.logmesh.testkit.CapturedLogs.clear();
        s = open(at);
        if (capturing) {
            assertEquals(1, dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN,
                "is missing: ignored and rewritten").size(), dev.logmesh.testkit.CapturedLogs.events().toString());
        }
        s.close();
    }

    @Test
    void theReservationIsWrittenOnAFullDiskToo() throws Exception {
        SqliteStore s = open(dir.resolve("full"));
        SqliteDiskFullTest.limit(s, 0);
        s.reserveClock(123_456);
        s.close();
        assertEquals(123_456, open(dir.resolve("full")).clockReservation());
    }
}
