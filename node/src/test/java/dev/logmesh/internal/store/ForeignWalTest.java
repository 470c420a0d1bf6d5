package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code -wal} file of another log beside a store's file (break28: another directory's {@code log.db-wal} copied
 * into DIR): SQLite checks a WAL's own checksums only, so before, the node ran as the other log's node id over this
 * log's entries (one line said "log.db.clock belongs to another log: ignored and rewritten") and its close failed with
 * "database disk image is malformed". The open now refuses it, names it and says what to do, and changes nothing.
 */
class ForeignWalTest {
    @TempDir
    Path dir;

    private static List<Entry> entries(String node, int n) {
        List<Entry> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long ms = 1_000_000L + i;
            b.add(new Entry(Action.parse("{\"type\":\"t\",\"i\":" + i + "}"),
                Meta.of(new ActionId(ms, node, 0), ms, List.of("r"))));
        }
        return b;
    }

    @Test
    void aWalOfAnotherLogIsRefusedAndTheLogIsLeftAsItWas() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a")).resolve("log.db");
        try (SqliteStore store = SqliteStore.open(a)) {
            store.setState("nodeId", "alice:1");
            store.add(entries("alice:1", 5));
        }
        Path b = Files.createDirectories(dir.resolve("b")).resolve("log.db");
        try (SqliteStore store = SqliteStore.open(b)) {
            store.setState("nodeId", "bob:2");
            store.add(entries("bob:2", 300));
        }
        // bob's log with commits still in its WAL (a running node's, or one killed): copied beside alice's file
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + b);
             Statement st = c.createStatement()) {
            st.execute("PRAGMA wal_autocheckpoint = 0");
            st.execute("INSERT INTO state (key, value) VALUES ('app', 'x')"); // a write to the state table's page
            Files.copy(Path.of(b + "-wal"), Path.of(a + "-wal"));
        }
        byte[] before = Files.readAllBytes(a);
        StoreException e = assertThrows(StoreException.class, () -> SqliteStore.open(a));
        assertEquals(a + "-wal belongs to another log: with it, this log's node id alice:1 would become bob:2 (a -wal"
            + " file copied from another directory?); move it aside (this log loses only what its own last run had not"
            + " yet written into log.db, which peers send again) and start again", e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(a)), "the file is unchanged");
        Files.move(Path.of(a + "-wal"), dir.resolve("aside-wal"));
        Files.deleteIfExists(Path.of(a + "-shm"));
        try (SqliteStore store = SqliteStore.open(a)) {
            assertEquals("alice:1", store.state("nodeId").orElseThrow());
            assertEquals(5, store.size());
        }
    }
}
