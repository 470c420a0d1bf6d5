package dev.logmesh.internal.store;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SqliteStore#downgrade} ({@code logmesh downgrade}) on a disk without room for the keep reason's index rows (an
 * 8 MiB tmpfs of the test's own, root only): the file stays in schema 6 as it was, and the error says what to do. Before
 * (break49) it said the store's account of a running store's failed write, {@code downgrade failed on DIR/log.db: the
 * disk is full ([SQLITE_FULL] ...); the store goes on as soon as space is freed; nothing of this downgrade was
 * written}: no store goes on after a command has ended; the user has to run it again.
 */
class SqliteDowngradeFullDiskTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(8, "the full-disk downgrade test");

    private static final int ENTRIES = 40_000;

    @Test
    void aDowngradeWithoutRoomLeavesTheFileAndSaysToRunItAgain() throws Exception {
        Path file = tmpfs.path().resolve("log.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            for (int b = 0; b < ENTRIES / 1000; b++) {
                List<Entry> batch = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    long ms = 1_000_000L + b * 1000L + i;
                    batch.add(new Entry(Action.parse("{\"type\":\"t\"}"),
                        Meta.of(new ActionId(ms, "full", 0), ms, List.of(SqliteStore.IMPLICIT_REASON))));
                }
                store.add(batch);
            }
        }
        Path filler = tmpfs.path().resolve("filler");
        long usable = Files.getFileStore(tmpfs.path()).getUsableSpace();
        Files.write(filler, new byte[(int) Math.max(0, usable - 200 * 1024L)]);

        StoreException e = assertThrows(StoreException.class, () -> SqliteStore.downgrade(file));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot downgrade " + file.toAbsolutePath() + ": the disk is full ("), m);
        assertTrue(m.endsWith("; nothing of the downgrade was written (the file is in schema 6 as it was): run it "
            + "again once that is fixed"), m);
        assertFalse(m.contains("goes on"), m);
        assertEquals(6, userVersion(file));
        assertEquals(0, reasonRows(file), "no row of the failed downgrade");

        Files.delete(filler);
        SqliteStore.Downgrade d = SqliteStore.downgrade(file);
        assertEquals(ENTRIES, d.rows());
        assertEquals(5, userVersion(file));
        assertEquals(ENTRIES, reasonRows(file));
    }

    private static int userVersion(Path file) throws Exception {
        return query(file, "PRAGMA user_version");
    }

    private static int reasonRows(Path file) throws Exception {
        return query(file, "SELECT count(*) FROM reasons");
    }

    private static int query(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
