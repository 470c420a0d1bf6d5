package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
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
     * Where row {@code i}'s key starts in the index (not in its table row): the bytes {@code ms} (6, big-endian) then
     * the node key, found on a page whose type is an index leaf (10). The record's header is the 5 bytes before it:
     * its size, then the serial types of ms, node, seq and the {@code added} it points to.
     */
    static int indexKeyAt(byte[] data, int i) {
        int pageSize = Short.toUnsignedInt(ByteBuffer.wrap(data, 16, 2).getShort());
        byte[] ms = ByteBuffer.allocate(8).putLong(idOf(i).ms()).array();
        byte[] node = NodeKey.encode(idOf(i).node());
        byte[] pattern = new byte[6 + node.length];
        System.arraycopy(ms, 2, pattern, 0, 6);
        System.arraycopy(node, 0, pattern, 6, node.length);
        for (int at = 0; at + pattern.length <= data.length; at++) {
            if (java.util.Arrays.equals(data, at, at + pattern.length, pattern, 0, pattern.length)) {
                int page = at / pageSize;
                int header = page == 0 ? 100 : page * pageSize;
                if (data[header] == 10) {
                    return at;
                }
            }
        }
        throw new AssertionError("row " + i + "'s key on an index leaf page");
    }

    /** Adds one to the last byte of the {@code ms} of row {@code i}'s key in the index: another id, in its place. */
    static void damageIndexKey(Path file, int i) throws Exception {
        byte[] data = Files.readAllBytes(file);
        data[indexKeyAt(data, i) + 5]++;
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

        opensWithEveryRowOnce();
    }

    /**
     * The high bit of the header size of row {@link #BAD}'s record in the index flipped (5 becomes a varint of two
     * bytes): the record no longer parses, {@code quick_check} still passes and {@code integrity_check} fails with
     * {@code SQLITE_CORRUPT}, while every table is sound. Before, the node refused such a file as a corrupt store (in the
     * first version of this fix), or ({@code quick_check}) started on it and read until the page failed.
     */
    @Test
    void anIndexRecordThatNoLongerParsesIsRebuiltAtOpen() throws Exception {
        fill();
        byte[] data = Files.readAllBytes(file());
        int key = indexKeyAt(data, BAD);
        assertEquals(5, data[key - 5], "the record's header size");
        data[key - 5] |= (byte) 0x80;
        Files.write(file(), data);
        assertEquals("ok", pragma(file(), "quick_check"), "quick_check sees nothing wrong");
        opensWithEveryRowOnce();
    }

    /**
     * A reader ({@code logmesh log}) on the damaged index, before any node opened the file: it reads every row once,
     * reports none corrupt, and leaves the file as it is (it may not write). Before (session 38) it did no check, read
     * the damaged id from the index and the rest from the row, and reported the sound row {@link #BAD} as corrupt.
     */
    @Test
    void aReaderOfADamagedIndexReadsEveryRowOnceAndWritesNothing() throws Exception {
        fill();
        damageIndexKey(file(), BAD);
        byte[] before = Files.readAllBytes(file());
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            reader.onCorrupt(reports::add);
            for (Order order : Order.values()) {
                for (boolean ascending : new boolean[] {true, false}) {
                    List<Entry> all = StoreContract.all(reader, order, ascending, 50);
                    assertEquals(ROWS, all.size(), order + " " + ascending);
                    assertEquals(ROWS, all.stream().map(e -> e.meta().id()).distinct().count(), order.toString());
                    assertTrue(all.stream().anyMatch(e -> e.meta().id().equals(idOf(BAD))), "row BAD is read");
                }
            }
            List<Entry> created = StoreContract.all(reader, Order.CREATED, true, 50);
            for (int i = 0; i < ROWS; i++) {
                assertEquals(idOf(i), created.get(i).meta().id(), "the created order, " + i);
            }
        }
        assertEquals(List.of(), reports, "no sound row is reported corrupt");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file())), "the reader wrote nothing");

        opensWithEveryRowOnce(); // and the owner still repairs it
    }

    /**
     * A reader ({@code logmesh log}) on an index record that no longer parses (the header size's high bit flipped, as in
     * {@link #anIndexRecordThatNoLongerParsesIsRebuiltAtOpen}): the owner's open rebuilds it, so the reader reads the
     * file by its tables. Before (verify38) its check passed the file as an index's problem, and then counted the rows
     * through that index at open: {@code SQLITE_CORRUPT}, and {@code logmesh log} refused the file as a corrupt store
     * and said to move the log away, losing what only this node held.
     */
    @Test
    void aReaderOfAnIndexRecordThatNoLongerParsesReadsEveryRowOnceAndWritesNothing() throws Exception {
        fill();
        byte[] data = Files.readAllBytes(file());
        data[indexKeyAt(data, BAD) - 5] |= (byte) 0x80;
        Files.write(file(), data);
        try (SqliteStore reader = SqliteStore.openReader(file())) {
            reader.onCorrupt(reports::add);
            assertEquals(ROWS, reader.size(), "the reader's size");
            for (boolean ascending : new boolean[] {true, false}) {
                List<Entry> created = StoreContract.all(reader, Order.CREATED, ascending, 50);
                assertEquals(ROWS, created.size(), "created " + ascending);
                assertEquals(ROWS, created.stream().map(e -> e.meta().id()).distinct().count(), "created");
            }
        }
        assertEquals(List.of(), reports, "no sound row is reported corrupt");
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(file())), "the reader wrote nothing");

        opensWithEveryRowOnce(); // and the owner still repairs it
    }

    /** A reader refuses a file whose table (not an index) is damaged, as the owner's open does, and writes nothing. */
    @Test
    void aReaderRefusesAFileWhoseTableIsDamaged() throws Exception {
        fill();
        byte[] data = Files.readAllBytes(file());
        int pageSize = Short.toUnsignedInt(ByteBuffer.wrap(data, 16, 2).getShort());
        // the first leaf page of entries (a table leaf: type 13) gets a cell count it does not have
        for (int page = 1; page < data.length / pageSize; page++) {
            if (data[page * pageSize] == 13) {
                data[page * pageSize + 3] = (byte) 0x7F;
                break;
            }
        }
        Files.write(file(), data);
        StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
            () -> SqliteStore.openReader(file()).close());
        assertTrue(e.getMessage().contains("is a corrupt logmesh store"), e.getMessage());
        assertTrue(e.getMessage().contains("restore log.db from a backup"), e.getMessage());
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(file())), "the reader wrote nothing");
    }

    /** Opens the store and checks that every row reads back once under its id, in every order, and is seen. */
    void opensWithEveryRowOnce() throws Exception {
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
