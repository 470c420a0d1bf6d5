package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One byte of the created-order index {@code entries_created} flipped on disk (break37): SQLite's {@code quick_check}
 * sees nothing, nor does any row's checksum, since the rows are sound. The store finds it at open and rebuilds the
 * index from its table. Before, a real node on such a file quarantined a sound row under the damaged id, applied the
 * row's action a second time when a peer sent it back, and every later read of its created order failed with
 * {@code SQLITE_CORRUPT}.
 */
class SqliteDamagedIndexTest {
    static final int ROWS = 300;
    static final int BAD = 123;

    @TempDir
    Path dir;

    SqliteStore store;
    final List<Store.Corruption> reports = new ArrayList<>();

    Path file() {
        return dir.resolve("log.db");
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    /** Ids two ms apart, so that the damaged one (one ms later) still sorts in its place and is no other row's. */
    static ActionId idOf(int i) {
        return new ActionId(1_796_000_000_000L + 2L * i, "origin:abc", 0);
    }

    static Entry row(int i) {
        return new Entry(Action.parse("{\"type\":\"chat\",\"n\":" + i + "}"),
            Meta.of(idOf(i), 1_796_000_000_000L + 2L * i, List.of("keep")));
    }

    void fill() {
        store = SqliteStore.open(file());
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            batch.add(row(i));
        }
        store.add(batch);
        store.close();
        store = null;
    }

    /**
     * Adds one to the last byte of the {@code ms} of row {@code i}'s key in the index (not in its table row): the
     * bytes {@code ms} (6, big-endian) then the node key, found on a page whose type is an index leaf (10).
     */
    static void damageIndexKey(Path file, int i) throws Exception {
        byte[] data = Files.readAllBytes(file);
        int pageSize = Short.toUnsignedInt(ByteBuffer.wrap(data, 16, 2).getShort());
        byte[] ms = ByteBuffer.allocate(8).putLong(idOf(i).ms()).array();
        byte[] node = NodeKey.encode(idOf(i).node());
        byte[] pattern = new byte[6 + node.length];
        System.arraycopy(ms, 2, pattern, 0, 6);
        System.arraycopy(node, 0, pattern, 6, node.length);
        int found = -1;
        for (int at = 0; at + pattern.length <= data.length && found < 0; at++) {
            if (java.util.Arrays.equals(data, at, at + pattern.length, pattern, 0, pattern.length)) {
                int page = at / pageSize;
                int header = page == 0 ? 100 : page * pageSize;
                if (data[header] == 10) {
                    found = at;
                }
            }
        }
        assertTrue(found >= 0, "row " + i + "'s key on an index leaf page");
        data[found + 5]++;
        Files.write(file, data);
    }

    static String pragma(Path file, String pragma) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA " + pragma)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aDamagedKeyInTheCreatedIndexIsRebuiltAtOpenAndNoRowIsLostOrStoredTwice() throws Exception {
        fill();
        damageIndexKey(file(), BAD);
        assertEquals("ok", pragma(file(), "quick_check"), "quick_check sees nothing wrong");
        assertTrue(pragma(file(), "integrity_check").contains("missing from index entries_created"));

        store = SqliteStore.open(file());
        store.onCorrupt(reports::add);
        // the id is seen and reads back as its own row; the damaged id is no id of the log
        assertTrue(store.seen(idOf(BAD)), "the row's id is seen");
        assertEquals(row(BAD).action(), store.byId(idOf(BAD)).orElseThrow().action());
        assertFalse(store.seen(new ActionId(idOf(BAD).ms() + 1, idOf(BAD).node(), 0)), "the damaged id is none");
        // every order reads every row once, none reported corrupt
        for (Order order : Order.values()) {
            List<Entry> all = StoreContract.all(store, order, true, 50);
            assertEquals(ROWS, all.size(), order.toString());
            assertEquals(ROWS, all.stream().map(e -> e.meta().id()).distinct().count(), order.toString());
        }
        assertEquals(List.of(), reports);
        // a peer's copy of the row is a duplicate, not a second row
        assertEquals(java.util.Arrays.asList((Meta) null), store.add(List.of(row(BAD))), "a peer's copy is a duplicate");
        assertEquals(ROWS, store.size());
        store.close();
        store = null;
        assertEquals("ok", pragma(file(), "integrity_check"));
    }
}
