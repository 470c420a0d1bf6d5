package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.testkit.StoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, fault 9: a full disk. A failed write must leave the store as it was (an entry and its seen id commit
 * together or not at all), the connection inside a transaction, and the store usable again as soon as there is
 * space, without a restart.
 *
 * <p>Deterministic: {@code PRAGMA max_page_count} on the store's own connection makes SQLite answer
 * {@code SQLITE_FULL} exactly as a full disk does, at a size the test chooses. The same story on a real full file
 * system (a small tmpfs) is {@link SqliteTmpfsFullTest}.
 */
class SqliteDiskFullTest {
    @TempDir
    Path dir;

    private SqliteStore store;

    private Path file() {
        return dir.resolve("log.db");
    }

    @AfterEach
    void close() {
        if (store != null) {
            limit(store, 1_000_000);
            store.close();
        }
    }

    static Entry entry(long ms, int textBytes, String... reasons) {
        return new Entry(Action.parse("{\"type\":\"t\",\"text\":\"" + "x".repeat(textBytes) + "\"}"),
            Meta.of(new ActionId(ms, "n", 0), ms, List.of(reasons)));
    }

    /** Sets the store's size limit to its current size plus {@code extraPages} (SQLITE_FULL beyond it). */
    static void limit(SqliteStore s, long extraPages) {
        try (Statement st = connection(s).createStatement()) {
            long pages;
            try (ResultSet rs = st.executeQuery("PRAGMA page_count")) {
                rs.next();
                pages = rs.getLong(1);
            }
            try (ResultSet rs = st.executeQuery("PRAGMA max_page_count = " + (pages + extraPages))) {
                rs.next();
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** The store's own JDBC connection: {@code max_page_count} holds per connection. */
    static Connection connection(SqliteStore s) {
        try {
            java.lang.reflect.Field f = SqliteStore.class.getDeclaredField("conn");
            f.setAccessible(true);
            return (Connection) f.get(s);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError("no conn field in SqliteStore", e);
        }
    }

    /** What another process sees in the file: seen ids, and the ids of stored entries. */
    static Set<ActionId> committed(Path file, String table) throws Exception {
        Set<ActionId> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ms, node, seq FROM " + table)) {
            while (rs.next()) {
                ids.add(new ActionId(rs.getLong(1), NodeKey.decode(rs.getBytes(2)), rs.getLong(3)));
            }
        }
        return ids;
    }

    @Test
    void aWriteOnAFullDiskWritesNothingAndTheStoreGoesOnWhenSpaceReturns() throws Exception {
        store = SqliteStore.open(file());
        List<Entry> first = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add(entry(1000 + i, 100, "r"));
        }
        store.add(first);
        limit(store, 0);

        // 1. A big entry needs new pages: SQLITE_FULL. Nothing of it is written.
        StoreException full = assertThrows(StoreException.class, () -> store.add(List.of(entry(5000, 20_000, "r"))));
        assertTrue(full.getMessage().contains("full") && full.getMessage().contains(file().toString()),
            full.getMessage());
        assertFalse(store.seen(new ActionId(5000, "n", 0)));

        // 2. Still full: a small entry whose seen row fits but whose entry row does not. Before the fix the first
        //    failure left the connection outside a transaction, so the seen row committed on its own.
        for (long ms = 6000; ms < 6010; ms++) {
            long id = ms;
            try {
                store.add(List.of(entry(id, 3000, "r"), entry(id + 100, 10)));
            } catch (StoreException expected) {
                assertFalse(store.seen(new ActionId(id, "n", 0)), "a failed add marks nothing seen");
                assertFalse(store.seen(new ActionId(id + 100, "n", 0)));
            }
        }
        // seen keeps only the ids that are not in the log (schema 3): none here, all entries have reasons
        assertEquals(Set.of(), committed(file(), "seen"), "no id committed without its entry");
        Set<ActionId> entries = committed(file(), "entries");
        assertEquals(store.size(), entries.size());

        // 3. Space returns: the next write works, without a restart.
        limit(store, 1_000_000);
        List<Meta> later = store.add(List.of(entry(5000, 20_000, "r"), entry(7000, 10, "r")));
        assertNotNull(later.get(0), "the id of the failed add was not marked seen, so its resend is accepted");
        assertNotNull(later.get(1));
        assertEquals(entries.size() + 2, store.size());

        // 4. After a restart, the same: exactly the committed entries, and their ids seen.
        store.close();
        store = SqliteStore.open(file());
        assertEquals(Set.of(), committed(file(), "seen"), "seen keeps only ids that left the log: none here");
        assertEquals(entries.size() + 2, StoreContract.all(store, Order.ADDED, true, 100).size());
        assertTrue(store.seen(new ActionId(5000, "n", 0)));
    }

    @Test
    void addWithCursorsOnAFullDiskSavesNeitherEntriesNorCursors() throws Exception {
        store = SqliteStore.open(file());
        store.add(List.of(entry(1000, 100, "r")), Map.of("peer", new PeerCursor(1, 1)));
        limit(store, 0);
        assertThrows(StoreException.class,
            () -> store.add(List.of(entry(2000, 20_000, "r")), Map.of("peer", new PeerCursor(9, 9))));
        assertEquals(new PeerCursor(1, 1), store.cursor("peer"));
        // still full; the cursor row fits, the entry does not
        assertThrows(StoreException.class,
            () -> store.add(List.of(entry(3000, 20_000, "r")), Map.of("peer", new PeerCursor(8, 8))));
        assertEquals(new PeerCursor(1, 1), store.cursor("peer"));
        limit(store, 1_000_000);
        store.close();
        store = SqliteStore.open(file());
        assertEquals(new PeerCursor(1, 1), store.cursor("peer"), "no cursor of a failed add reached the file");
        assertFalse(store.seen(new ActionId(2000, "n", 0)));
        assertFalse(store.seen(new ActionId(3000, "n", 0)));
        store.add(List.of(entry(2000, 20_000, "r")), Map.of("peer", new PeerCursor(9, 9)));
        assertEquals(new PeerCursor(9, 9), store.cursor("peer"));
    }

    @Test
    void everyKindOfWriteFailsCleanlyAndRecovers() throws Exception {
        store = SqliteStore.open(file());
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(entry(1000 + i, 200, "a", "b"));
        }
        store.add(batch);
        limit(store, 0);
        // Each mutating call either works (it fit in pages the file already has) or throws and changes nothing.
        List<Runnable> writes = List.of(
            () -> store.setState("key", "v".repeat(50_000)),
            () -> store.setCursor("peer-" + "p".repeat(40_000), new PeerCursor(1, 2)),
            () -> store.changeMeta(new ActionId(1000, "n", 0), store.byId(new ActionId(1000, "n", 0)).orElseThrow()
                .meta().withExtra("big", StoreContract.json("\"" + "y".repeat(30_000) + "\""))),
            () -> store.add(List.of(entry(9000, 30_000, "r"))));
        for (Runnable w : writes) {
            StoreException e = assertThrows(StoreException.class, w::run);
            assertTrue(e.getMessage().contains("full"), e.getMessage());
        }
        assertEquals(200, store.size());
        limit(store, 1_000_000);
        for (Runnable w : writes) {
            w.run();
        }
        assertEquals(201, store.size());
        assertEquals(1, store.removeReason("r", dev.logmesh.Criteria.ALL).size());
        store.close();
        store = SqliteStore.open(file());
        assertEquals(200, store.size());
        assertEquals(Set.of(new ActionId(9000, "n", 0)), committed(file(), "seen"),
            "seen keeps the id that left the log, and only it");
        assertEquals(200, committed(file(), "entries").size());
        assertTrue(Files.size(file()) > 0);
    }
}
