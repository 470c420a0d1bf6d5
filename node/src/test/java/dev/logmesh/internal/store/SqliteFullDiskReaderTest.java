package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Order;
import dev.logmesh.StoreException;
import dev.logmesh.testkit.Tmpfs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code logmesh log} (a reader) on the log of a stopped node whose disk is full (a 2 MiB tmpfs of the test's own,
 * root only). A WAL-mode reader makes the {@code -shm} index, which a full disk has no room for. Before (break39) the
 * reader failed with {@code cannot open .../log.db: the disk is full ([SQLITE_IOERR_SHMSIZE] I/O error within xShmMap
 * ...)}, so the log could not even be read to back it up; now a store whose WAL is empty is read as immutable under
 * its lock, shared by such readers, which keeps a node from opening it meanwhile.
 */
class SqliteFullDiskReaderTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(2, "the full-disk reader test");

    private static final int ENTRIES = 1000;

    @Test
    void aStoppedNodesLogIsReadOnAFullDisk() throws Exception {
        Path file = tmpfs.path().resolve("log.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < ENTRIES; i++) {
                long ms = 1_000_000L + i;
                batch.add(new Entry(Action.parse("{\"type\":\"t\",\"i\":" + i + ",\"pad\":\"" + "x".repeat(300)
                    + "\"}"), Meta.of(new ActionId(ms, "full", 0), ms, List.of("r"))));
            }
            store.add(batch);
        }
        Path filler = tmpfs.path().resolve("filler");
        fill(filler);

        try (SqliteStore reader = SqliteStore.openReader(file)) {
            assertEquals(ENTRIES, reader.size());
            assertEquals(ENTRIES, count(reader));
            // a node started meanwhile in another process is told a reader holds it, not the pid the lock file still
            // names (the node that ran before: before, disk40, "... (pid N holds the lock ...): stop that process");
            // first: a failed open in this JVM closes a descriptor of the lock file, which drops this JVM's locks
            String other = probe(file);
            assertTrue(other.startsWith("FAILED ") && other.contains("is in use by a reader: logmesh log or logmesh "
                + "peers reads it on a full disk") && !other.contains("pid "), other);
            StoreException writer = assertThrows(StoreException.class, () -> SqliteStore.open(file).close());
            assertTrue(writer.getMessage().contains("in use"), writer.getMessage());
        }
        Files.delete(filler);
        try (SqliteStore store = SqliteStore.open(file)) {
            assertEquals(ENTRIES, store.size(), "each entry once, after the readers");
        }
    }

    private static long count(SqliteStore store) {
        long n = 0;
        Object after = null;
        while (true) {
            List<Entry> page = store.page(Order.CREATED, true, after, 300);
            if (page.isEmpty()) {
                return n;
            }
            n += page.size();
            if (page.size() < 300) {
                return n;
            }
            after = page.get(page.size() - 1).id();
        }
    }

    /** Writes {@code filler} until the disk has no room left. */
    private static void fill(Path filler) throws IOException {
        try (OutputStream out = Files.newOutputStream(filler)) {
            byte[] chunk = new byte[4096];
            while (true) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("No space left"), e.toString());
        }
    }

    /** {@link LockProbe} in another process: its last line, "OPENED size" or "FAILED message". */
    private static String probe(Path file) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
            LockProbe.class.getName(), file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "probe process hung");
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        String[] lines = out.split("\n", -1);
        return lines[lines.length - 1];
    }
}
