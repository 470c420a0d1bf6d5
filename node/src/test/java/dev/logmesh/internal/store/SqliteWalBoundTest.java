package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL stays bounded under unbroken writing, whatever the path (issue 12; a new-user trial of session 14: 100,000
 * stdin adds in ~25 s left a 1.04–1.17 GB {@code log.db-wal}). SQLite starts its WAL again only from a write whose
 * snapshot was taken while the whole WAL was checkpointed; under unbroken writing the checkpoint thread never finds
 * such a moment. Each test writes without a pause and samples the file's size after every call.
 */
@Tag("slow")
class SqliteWalBoundTest {
    /** What a sample may show above the bound: one transaction (a catch-up's chunk of 2000 entries: ~2.5 MiB). */
    static final long SLACK = 4L << 20;

    @TempDir
    Path dir;

    static long size(Path wal) throws IOException {
        return Files.exists(wal) ? Files.size(wal) : 0;
    }

    static Entry own(int i) {
        return new Entry(Action.parse("{\"type\":\"n\",\"i\":" + i + "}"),
            Meta.of(new ActionId(1_000_000L + i, "wg", 0), 1_000_000L + i, List.of("mesh")));
    }

    /** Single adds on the caller's thread (a stdin add, a live action), each followed by a pump's read. */
    void singleAdds(SqliteStore.Durability durability, int n) throws IOException {
        Path db = dir.resolve(durability + ".db");
        Path wal = dir.resolve(durability + ".db-wal");
        long max = 0;
        try (SqliteStore s = SqliteStore.open(db, new SqliteStore.Options(durability, false))) {
            for (int i = 0; i < n; i++) {
                s.add(List.of(own(i)));
                s.page(Order.ADDED, true, (long) i, 10);
                max = Math.max(max, size(wal));
            }
            assertEquals(n, s.size());
        }
        System.out.println(durability + ": the WAL's largest size " + (max >> 10) + " KiB");
        assertTrue(max <= WalWriter.WAL_BOUND_BYTES + SLACK, "the WAL reached " + (max >> 20) + " MiB in " + n
            + " adds (bound " + (WalWriter.WAL_BOUND_BYTES >> 20) + " MiB)");
    }

    @Test
    void singleAddsKeepTheWalBounded() throws IOException {
        singleAdds(SqliteStore.Durability.FULL, 20_000);
    }

    @Test
    void singleAddsWithNormalDurabilityKeepTheWalBounded() throws IOException {
        singleAdds(SqliteStore.Durability.NORMAL, 20_000);
    }

    /**
     * A peer's catch-up: chunks of new ids, written by the store's write-behind thread, each relayed at once (a read
     * right after it, which waits for it).
     */
    @Test
    void aCatchUpOnTheWriteBehindThreadKeepsTheWalBounded() throws IOException {
        Path db = dir.resolve("behind.db");
        Path wal = dir.resolve("behind.db-wal");
        long max = 0;
        int chunks = 200;
        int per = 2000; // a catch-up's sync message
        try (SqliteStore s = SqliteStore.open(db)) {
            s.add(SqliteWriteBehindTest.chunk(1, 10, 10), Map.of("peer", new PeerCursor(10, 0)));
            for (int c = 0; c < chunks; c++) {
                long from = 100 + (long) c * per;
                s.add(SqliteWriteBehindTest.chunk(from, per, 100),
                    Map.of("peer", new PeerCursor(from + per, 0)));
                s.page(Order.ADDED, true, 10L + (long) c * per, 100); // relayed to another peer at once
                max = Math.max(max, size(wal));
            }
            assertEquals(10 + (long) chunks * per, s.size());
        }
        System.out.println("write-behind: the WAL's largest size " + (max >> 10) + " KiB");
        assertTrue(max <= WalWriter.WAL_BOUND_BYTES + SLACK, "the WAL reached " + (max >> 20) + " MiB in "
            + chunks + " chunks of " + per + " (bound " + (WalWriter.WAL_BOUND_BYTES >> 20) + " MiB)");
    }

    /** Both paths at once, as a node that takes a catch-up while it adds its own actions. */
    @Test
    void bothPathsInTurnKeepTheWalBounded() throws IOException {
        Path db = dir.resolve("both.db");
        Path wal = dir.resolve("both.db-wal");
        long max = 0;
        List<Entry> mine = new ArrayList<>();
        try (SqliteStore s = SqliteStore.open(db)) {
            s.add(SqliteWriteBehindTest.chunk(1, 10, 10), Map.of("peer", new PeerCursor(10, 0)));
            for (int c = 0; c < 300; c++) {
                long from = 100 + c * 200L;
                s.add(SqliteWriteBehindTest.chunk(from, 200, 100), Map.of("peer", new PeerCursor(from + 200, 0)));
                for (int k = 0; k < 20; k++) {
                    Entry e = own(c * 20 + k);
                    mine.add(e);
                    s.add(List.of(e));
                    max = Math.max(max, size(wal));
                }
            }
            assertEquals(10 + 300 * 200L + mine.size(), s.size());
        }
        System.out.println("both paths: the WAL's largest size " + (max >> 10) + " KiB");
        assertTrue(max <= WalWriter.WAL_BOUND_BYTES + SLACK, "the WAL reached " + (max >> 20) + " MiB (bound "
            + (WalWriter.WAL_BOUND_BYTES >> 20) + " MiB)");
    }

    /**
     * A reader of another connection ({@code logmesh log}) that holds its snapshot keeps the WAL from being emptied:
     * the store's checkpoint for the bound gives up after {@link SqliteStore#WAL_BOUND_WAIT_MS}, every add goes on,
     * and once the reader is gone the next try (a second later) starts the WAL again and cuts the file back.
     */
    @Test
    void aReaderHoldingTheWalDelaysTheBoundAndRefusesNoAdd() throws Exception {
        Path db = dir.resolve("reader.db");
        Path wal = dir.resolve("reader.db-wal");
        try (SqliteStore s = SqliteStore.open(db)) {
            int i = 0;
            s.add(List.of(own(i++)));
            try (java.sql.Connection reader = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db)) {
                reader.setAutoCommit(false);
                try (java.sql.Statement st = reader.createStatement();
                     java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM entries")) {
                    rs.next(); // the reader's snapshot: the WAL cannot be emptied under it
                }
                while (size(wal) <= WalWriter.WAL_BOUND_BYTES + SLACK) {
                    s.add(List.of(own(i++)));
                }
                reader.commit();
            }
            long held = size(wal);
            int limit = i + 40_000;
            while (size(wal) > WalWriter.WAL_BOUND_BYTES && i < limit) {
                s.add(List.of(own(i++)));
            }
            assertTrue(size(wal) <= WalWriter.WAL_BOUND_BYTES, "the WAL was not cut back after the reader left ("
                + (size(wal) >> 20) + " MiB, " + (held >> 20) + " MiB when it left)");
            assertEquals(i, s.size());
        }
    }
}
