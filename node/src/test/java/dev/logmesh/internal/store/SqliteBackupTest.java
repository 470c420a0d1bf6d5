package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.StoreException;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SqliteBackup} ({@code logmesh backup}): a copy of a store as of one moment, also while it is written. A copy
 * of the files of a running node ({@code cp -a}) restored so was corrupt in break42's trial ({@code database disk
 * image is malformed}: its {@code -wal} was read before a WAL restart, its {@code log.db} after).
 */
class SqliteBackupTest {
    @TempDir
    Path dir;

    private Path data() throws java.io.IOException {
        return Files.createDirectories(dir.resolve("data"));
    }

    private static List<Entry> batch(int from, int n) {
        List<Entry> batch = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            batch.add(entry("t/x", (1_000_000 + i) + " n:abc " + i, i, "keep"));
        }
        return batch;
    }

    private static List<String> ids(Path file) {
        List<String> ids = new ArrayList<>();
        try (SqliteStore store = SqliteStore.openReader(file)) {
            Object after = null;
            while (true) {
                List<Entry> page = store.page(Order.ADDED, true, after, 1000);
                page.forEach(e -> ids.add(e.id().toString()));
                if (page.size() < 1000) {
                    return ids;
                }
                after = page.get(page.size() - 1).meta().added();
            }
        }
    }

    @Test
    void backupsTakenWhileTheStoreIsWrittenHoldEachACommittedPrefixAndOpenClean() throws Exception {
        Path file = data().resolve("log.db");
        AtomicBoolean stop = new AtomicBoolean();
        String sourceEpoch;
        List<SqliteBackup.Result> copies = new ArrayList<>();
        try (SqliteStore store = SqliteStore.open(file)) {
            store.add(batch(0, 100));
            sourceEpoch = store.epoch();
            // a writer of its own, as a node's loop: batches go on while the backups read (checkpoints, WAL restarts)
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                int n = 100;
                while (!stop.get() && n < 200_000) {
                    store.add(batch(n, 50));
                    n += 50;
                }
                return n;
            });
            for (int i = 0; i < 5; i++) {
                copies.add(SqliteBackup.backup(data(), dir.resolve("copy" + i)));
            }
            stop.set(true);
            int written = writer.get();
            assertTrue(written > copies.get(0).entries(), "the writer went on meanwhile: " + written);
        }
        List<String> source = ids(file);
        long before = 0;
        for (SqliteBackup.Result r : copies) {
            Path copy = r.copy().resolve("log.db");
            List<String> held = ids(copy);
            assertEquals(r.entries(), held.size());
            assertTrue(held.size() >= before, "later backups hold more");
            before = held.size();
            // one moment: every entry committed before it, none after
            assertEquals(source.subList(0, held.size()), held);
            try (SqliteStore restored = SqliteStore.open(copy)) {
                assertFalse(restored.lossAtOpen().isPresent(), () -> restored.lossAtOpen().get());
                assertNotEquals(sourceEpoch, restored.epoch(), "a restored copy's peers drop their cursors for it");
                assertEquals(held.size(), restored.size());
            }
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(".partial-")).toList());
        }
    }

    @Test
    void theCopysClockReservationCoversTheSourcesAndItsSideFileIsItsOwn() throws Exception {
        Path file = data().resolve("log.db");
        long reserved;
        try (SqliteStore store = SqliteStore.open(file)) {
            store.add(batch(0, 10));
            reserved = store.clockReservation();
        }
        SqliteBackup.Result r = SqliteBackup.backup(data(), dir.resolve("copy"));
        assertEquals(10, r.entries());
        try (SqliteStore restored = SqliteStore.open(r.copy().resolve("log.db"))) {
            assertTrue(restored.clockReservation() >= reserved, restored.clockReservation() + " >= " + reserved);
            assertFalse(restored.lossAtOpen().isPresent());
            assertEquals(10, restored.lastAdded());
        }
    }

    /**
     * The copy holds no Logux client epochs, and keeps the client ids' records: a client's position in an epoch
     * confirmed on the log copied may name numbers the restored copy gives to other entries (break52b: a copy
     * restored and restarted once before its client came back trusted that position, and the client never got the
     * entries numbered there after the restore; {@code ClientEpochTest}).
     */
    /** A client tab's epoch record ({@code Log.clientEpochKey}). */
    private static final String TAB_EPOCH = Store.CLIENT_EPOCH_PREFIX + "alice:r4nd0m:tab1";

    @Test
    void theCopyHoldsNoClientEpochsAndKeepsTheClientsRecords() throws Exception {
        Path file = data().resolve("log.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            store.add(batch(0, 10));
            store.setClientCursors(Map.of("alice:r4nd0m", 8L, TAB_EPOCH, 3L), Store.CLIENT_CURSORS);
            assertEquals(OptionalLong.of(3), store.clientCursor(TAB_EPOCH));
        }
        SqliteBackup.Result r = SqliteBackup.backup(data(), dir.resolve("copy"));
        try (SqliteStore restored = SqliteStore.open(r.copy().resolve("log.db"))) {
            assertEquals(OptionalLong.empty(), restored.clientCursor(TAB_EPOCH));
            assertEquals(OptionalLong.of(8), restored.clientCursor("alice:r4nd0m"));
        }
        try (SqliteStore source = SqliteStore.open(file)) {
            assertEquals(OptionalLong.of(3), source.clientCursor(TAB_EPOCH), "the source keeps its own");
        }
    }

    @Test
    void aCopyDirectoryThatExistsOrNoLogIsRefusedAndNothingIsMade() throws Exception {
        try (SqliteStore store = SqliteStore.open(data().resolve("log.db"))) {
            store.add(batch(0, 3));
        }
        Path taken = Files.createDirectories(dir.resolve("taken"));
        StoreException exists = assertThrows(StoreException.class, () -> SqliteBackup.backup(data(), taken));
        assertTrue(exists.getMessage().contains("exists: a backup goes into a new directory"), exists.getMessage());
        StoreException none = assertThrows(StoreException.class,
            () -> SqliteBackup.backup(dir.resolve("nothing"), dir.resolve("copy")));
        assertTrue(none.getMessage().startsWith("no log in "), none.getMessage());
        assertFalse(Files.exists(dir.resolve("copy")));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(".partial-")).toList());
        }
    }

    /**
     * A copy inside the data directory it copies is refused: it goes with that directory, and the restore the command
     * prints ("move DIR aside, move COPY to DIR") cannot be followed, since moving DIR aside moves COPY too. Before
     * (break48: {@code logmesh backup --data DIR --to DIR/inside}) it was made, exit code 0, with that advice.
     */
    @Test
    void aCopyInsideTheDataDirectoryIsRefusedAndNothingIsMade() throws Exception {
        try (SqliteStore store = SqliteStore.open(data().resolve("log.db"))) {
            store.add(batch(0, 3));
        }
        for (Path inside : List.of(data().resolve("inside"), dir.resolve("data").resolve(".").resolve("copy"))) {
            StoreException e = assertThrows(StoreException.class, () -> SqliteBackup.backup(data(), inside));
            assertTrue(e.getMessage().contains("is inside the data directory"), e.getMessage());
            assertFalse(Files.exists(inside));
        }
        try (Stream<Path> left = Files.list(data())) {
            assertEquals(List.of(), left.filter(p -> Files.isDirectory(p)).toList());
        }
    }

    /**
     * A copy is a data directory: only its user may read it, as {@code DataDir} makes a node's (README, Security).
     * Before (newuser42) it was made with the umask's permissions, {@code rwxr-xr-x} under the usual 022, and a
     * restore that moved it into place left the node's directory readable by every local user.
     */
    @Test
    void theCopyIsReadableByItsUserOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
            java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        try (SqliteStore store = SqliteStore.open(data().resolve("log.db"))) {
            store.add(batch(0, 3));
        }
        Path copy = dir.resolve("copy");
        SqliteBackup.backup(data(), copy);
        assertEquals("rwx------",
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
    }
}
