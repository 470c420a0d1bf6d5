package dev.logmesh.internal.store;

import static dev.logmesh.testkit.Tmpfs.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.testkit.Tmpfs;
import dev.logmesh.spi.Order;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new user's trial (session 20): {@code logmesh log --data DIR} on a copy of a stopped node's directory on a
 * read-only file system (a mounted backup, a snapshot) failed with "cannot open .../log.db: the file cannot be
 * written ([SQLITE_CANTOPEN] ...)": a WAL reader makes the {@code -shm} index and could not. The test mounts a
 * tmpfs (as root), writes a store there, closes it, remounts it read-only and reads it. Without root (or without
 * {@code mount}) it is skipped with the reason; with {@code LOGMESH_REQUIRE_ALL=1} it fails instead.
 */
class SqliteReadOnlyMountTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(4, "the read-only mount test");

    @Test
    void aClosedStoreOnAReadOnlyFileSystemIsRead() throws Exception {
        Path mount = tmpfs.path();
        Path data = mount.resolve("backup 100% of alice"); // a path a URI must escape
        Files.createDirectories(data);
        Path file = data.resolve("log.db");
        List<ActionId> written = new ArrayList<>();
        try (SqliteStore store = SqliteStore.open(file)) {
            for (Meta m : store.add(entries(1_500))) {
                written.add(m.id());
            }
        }
        assertFalse(Files.exists(Path.of(file + "-wal")), "a closed store leaves no WAL");
        String remount = run("mount", "-o", "remount,ro", mount.toString());
        assertTrue(remount.endsWith("(exit 0)"), remount);
        assertFalse(Files.isWritable(data), "the mount is read-only");

        try (SqliteStore reader = SqliteStore.openReader(file)) {
            List<ActionId> read = new ArrayList<>();
            Object after = null;
            while (true) {
                List<Entry> page = reader.page(Order.CREATED, true, after, 1000);
                page.forEach(e -> read.add(e.id()));
                if (page.size() < 1000) {
                    break;
                }
                after = page.get(page.size() - 1).id();
            }
            assertEquals(written, read);
            assertEquals(1_500, reader.size());
            StoreException write = assertThrows(StoreException.class, () -> reader.add(entries(1)));
            assertTrue(write.getMessage().contains("read-only"), write.getMessage());
        }
        assertEquals(List.of("backup 100% of alice"), List.of(mount.toFile().list()), "nothing made on the mount");
        try (var files = Files.list(data)) {
            assertEquals(List.of("log.db", "log.db.clock", "log.db.lock"), files.map(p -> p.getFileName().toString())
                .sorted().toList(), "no -shm or -wal made beside the file");
        }
    }


    private static List<Entry> entries(int n) {
        List<Entry> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long ms = 1_000_000L + i;
            b.add(new Entry(Action.parse("{\"type\":\"t\",\"i\":" + i + "}"),
                Meta.of(new ActionId(ms, "peer", 0), ms, List.of("r"))));
        }
        return b;
    }
}
