package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.StoreException;
import dev.logmesh.internal.log.Log;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code log.db} damaged (cut short) or replaced by another file is refused by the owner's open and by the reader
 * alike, with what is wrong and what to do, and left as it is. Before (session 29) a log cut to one byte was opened
 * as a new, empty store (its entries gone without a word), a reader called a log cut to 50 bytes "not a logmesh store
 * (application_id 0x0)", and a text file in its place was "not an SQLite database" with nothing to do.
 */
class DamagedStoreFileTest {
    @TempDir
    Path dir;

    /** A log of 300 entries, closed as a node closes it. */
    private Path log() {
        Path file = dir.resolve("log.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            Log log = new Log(store, "owner", () -> 1_000, 60_000);
            for (int i = 0; i < 300; i++) {
                log.add(Action.ofType("a" + i), List.of("r"));
            }
        }
        return file;
    }

    private static void cut(Path file, long size) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    /** Refused by open and by the reader, naming the file, with {@code what} and what to do; the file unchanged. */
    private static void refusedBoth(Path file, String what) throws Exception {
        for (Function<Path, SqliteStore> open : List.<Function<Path, SqliteStore>>of(SqliteStore::open,
            SqliteStore::openReader)) {
            byte[] before = Files.readAllBytes(file);
            StoreException e = assertThrows(StoreException.class, () -> open.apply(file).close());
            String m = e.getMessage();
            assertTrue(m.startsWith(file.toAbsolutePath().toString()), m);
            assertTrue(m.contains(what), "'" + what + "' in: " + m);
            assertTrue(m.contains("restore log.db from a backup, or move it (and any log.db-wal beside it) out of "
                + file.toAbsolutePath().getParent() + " and start again"), "what to do: " + m);
            assertArrayEquals(before, Files.readAllBytes(file), "a refused file is left as it was");
        }
    }

    @Test
    void aLogCutToHalfIsCorrupt() throws Exception {
        Path file = log();
        cut(file, Files.size(file) / 2);
        refusedBoth(file, "is a corrupt logmesh store");
    }

    @Test
    void aLogCutShorterThanAPageIsDamagedNotNew() throws Exception {
        for (long size : new long[] {1, 16, 50, 99, 511}) {
            Path file = log();
            cut(file, size);
            refusedBoth(file, "is a damaged logmesh store: cut short to " + size + (size == 1 ? " byte " : " bytes "));
            Files.delete(file);
            Files.deleteIfExists(dir.resolve("log.db.clock"));
        }
    }

    @Test
    void anEmptyLogIsRefused() throws Exception {
        Path file = log();
        cut(file, 0);
        refusedBoth(file, "is empty (0 bytes)");
    }

    @Test
    void aTextFileInPlaceOfTheLogIsNotAStore() throws Exception {
        Path file = dir.resolve("log.db");
        Files.writeString(file, "my notes\n".repeat(1000));
        refusedBoth(file, "is not a logmesh store: not an SQLite database");
        Files.writeString(file, "x");
        refusedBoth(file, "is not a logmesh store: not an SQLite database");
    }
}
