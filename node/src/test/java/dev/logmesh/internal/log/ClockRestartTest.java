package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hybrid clock across restarts (issue 10, faults 4 and 11): the bound on a peer's wild clock holds after a
 * restart, own ids never go backwards, causality with well-behaved peers survives a restart, and a store that lost
 * its last transactions (a deleted WAL) never makes the node issue an id it issued before.
 */
class ClockRestartTest {
    private static final long DRIFT = 60_000;
    private static final long YEAR = 365L * 24 * 3600 * 1000;

    @TempDir
    Path dir;

    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
    private final List<Store> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (Store s : open) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // closed already
            }
        }
    }

    private Store store(String kind, Path at) {
        Store s = kind.equals("memory") ? new MemoryStore() : SqliteStore.open(at.resolve("log.db"),
            // checkpoints only every 10 000 pages, so what the test writes stays in the WAL it then loses
            new SqliteStore.Options(SqliteStore.Durability.FULL_INLINE, true));
        open.add(s);
        return s;
    }

    /** Closes a log and opens its store again (a MemoryStore stays the same object: its "restart"). */
    private Store restart(String kind, Store s, Path at) {
        if (kind.equals("memory")) {
            return s;
        }
        s.close();
        return store(kind, at);
    }

    private static Entry remote(long ms, String node) {
        return new Entry(Action.ofType("remote"), Meta.of(new ActionId(ms, node, 0), ms, List.of("r")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aWildIdPullsTheClockOnlyToTheBoundAlsoAfterARestart(String kind) {
        Store s = store(kind, dir);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        log.add(remote(wall.get() + 10 * YEAR, "wild"));
        assertEquals(wall.get() + DRIFT, log.generateId().ms(), "bounded before the restart");

        wall.addAndGet(5_000);
        s = restart(kind, s, dir);
        Log again = Log.open(s, "me", wall::get, DRIFT);
        ActionId next = again.generateId();
        assertTrue(next.ms() <= wall.get() + DRIFT, "after a restart the node's ids are not 10 years ahead: " + next);
        assertTrue(next.ms() >= wall.get());

        // and for good: another restart later, and a day later
        for (long later : new long[] {10_000, 24 * 3600 * 1000L}) {
            wall.addAndGet(later);
            s = restart(kind, s, dir);
            ActionId id = Log.open(s, "me", wall::get, DRIFT).generateId();
            assertTrue(id.ms() <= wall.get() + DRIFT, id.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void ownIdsNeverGoBackwardsAcrossARestartEvenIfTheWallClockDoes(String kind) {
        Store s = store(kind, dir);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        // pulled ahead by a peer within the bound, then the wall clock steps back by far more than the bound
        log.add(remote(wall.get() + DRIFT / 2, "peer"));
        ActionId last = null;
        for (int i = 0; i < 5; i++) {
            last = log.add(Action.ofType("mine"), List.of("r")).id();
        }
        wall.addAndGet(-10 * DRIFT);
        s = restart(kind, s, dir);
        Log again = Log.open(s, "me", wall::get, DRIFT);
        ActionId next = again.generateId();
        assertTrue(last.isBefore(next), last + " then " + next);
        assertNotNull(again.add(new Entry(Action.ofType("x"), Meta.of(next, next.ms(), List.of("r")))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void anIdReceivedWithinTheBoundStillSortsBeforeLaterOnesAfterARestart(String kind) {
        Store s = store(kind, dir);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        ActionId received = new ActionId(wall.get() + 30_000, "zz", 7);
        log.add(new Entry(Action.ofType("r"), Meta.of(received, received.ms(), List.of("r"))));
        wall.addAndGet(1_000);
        s = restart(kind, s, dir);
        ActionId next = Log.open(s, "me", wall::get, DRIFT).generateId();
        assertTrue(received.isBefore(next), received + " then " + next);
        assertTrue(next.ms() <= received.ms() + 2 + HybridClock.RESERVE_AHEAD_MS, "not much further: " + next);
    }

    /**
     * Fault 11: a node killed with -9 whose WAL is then lost comes back with the store as of the last checkpoint.
     * It must not issue again the ids it issued since, which peers may hold.
     */
    @Test
    void aLostWalNeverMakesTheNodeIssueAnOldIdAgain() throws Exception {
        Path live = dir.resolve("live");
        Files.createDirectories(live);
        Store s = store("sqlite", live);
        Log log = Log.open(s, "me", wall::get, DRIFT);
        log.add(Action.ofType("checkpointed"), List.of("r"));
        s = restart("sqlite", s, live); // the close checkpoints: the main file holds the first entry
        log = Log.open(s, "me", wall::get, DRIFT);
        List<ActionId> issued = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            issued.add(log.add(Action.ofType("lost"), List.of("r")).id()); // in the WAL only
        }
        // kill -9, then the WAL is lost: what is left is the main file and whatever else is in the directory
        Path after = dir.resolve("after");
        Files.createDirectories(after);
        try (var files = Files.list(live)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith("-wal") && !name.endsWith("-shm") && !name.endsWith(".lock")) {
                    Files.copy(f, after.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Store lost = store("sqlite", after);
        assertEquals(1, lost.size(), "the 100 entries were only in the WAL");
        Log again = Log.open(lost, "me", wall::get, DRIFT);
        assertEquals(log.nodeId(), again.nodeId());
        ActionId next = again.generateId();
        for (ActionId old : issued) {
            assertTrue(old.isBefore(next), "never again " + old + ": next is " + next);
        }
    }

    /**
     * A breaker's run: a node restored from a backup (its data directory copied while stopped) issued again exactly
     * the ids of the life the backup lost (50 of 50, from the reservation both lives started at), each for another
     * action; every node kept the one it got first. Ids ahead of the wall clock now start their seq at the life's
     * own random base.
     */
    @Test
    void aNodeRestoredFromABackupIssuesNoIdOfTheLifeTheBackupLost() throws Exception {
        Path live = dir.resolve("live");
        Path backup = dir.resolve("backup");
        Files.createDirectories(live);
        Store s = store("sqlite", live);
        Log first = Log.open(s, "me", wall::get, DRIFT);
        first.add(Action.ofType("before"), List.of("r"));
        s.close(); // a clean stop, then the backup
        Files.createDirectories(backup);
        try (var files = Files.list(live)) {
            for (Path f : files.toList()) {
                Files.copy(f, backup.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        wall.addAndGet(1_000); // a second later, inside the reservation the backup holds
        List<ActionId> lost = new ArrayList<>();
        Store lostLife = store("sqlite", live);
        Log second = Log.open(lostLife, "me", wall::get, DRIFT);
        for (int i = 0; i < 50; i++) {
            lost.add(second.add(Action.ofType("lost/" + i), List.of("r")).id());
        }
        lostLife.close();
        try (var files = Files.list(backup)) { // the backup restored over the lost life
            for (Path f : files.toList()) {
                Files.copy(f, live.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.deleteIfExists(live.resolve("log.db-wal"));
        Files.deleteIfExists(live.resolve("log.db-shm"));
        wall.addAndGet(1_000);
        Log restored = Log.open(store("sqlite", live), "me", wall::get, DRIFT);
        assertEquals(second.nodeId(), restored.nodeId());
        for (int i = 0; i < 50; i++) {
            ActionId id = restored.add(Action.ofType("new/" + i), List.of("r")).id();
            assertTrue(!lost.contains(id), id + " was issued in the lost life too, for another action");
        }
    }
}
