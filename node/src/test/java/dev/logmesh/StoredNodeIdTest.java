package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.store.SqliteStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A node id kept in a data directory that was edited by hand (break28: {@code sqlite3 DIR/log.db "UPDATE state SET
 * value = ... WHERE key = 'nodeId'"}) to one a node could not have made: the node refuses to start with a
 * {@link StoreException} that names the file, shows the id and says what to do. Before, a space gave "node id must
 * not contain spaces: ..." (no word of where it came from), a tab or another control character "IllegalStateException:
 * java.lang.IllegalArgumentException: node id holds a control character at index 1" out of the overlay.
 */
class StoredNodeIdTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"has space", "a\tb", "a\u0001b", ""})
    void aNodeIdEditedToAnInvalidOneIsRefusedNamingTheFileAndWhatToDo(String id) throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.setState(Log.NODE_ID_KEY, id);
        }
        StoreException e = assertThrows(StoreException.class, () -> MeshNode.start(NodeConfig.builder().noListen()
            .mdns(false).dataDir(dir).build()).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(dir.resolve("log.db") + ": the node id kept in this log, \"")
            && m.contains("is not valid") && m.contains("restore its data directory from a backup"), m);
        assertTrue(m.chars().noneMatch(Character::isISOControl), "the id's control characters escaped: " + m);
        // the directory is left as it was, and usable once the id is put back
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            assertEquals(id, store.state(Log.NODE_ID_KEY).orElseThrow());
            store.setState(Log.NODE_ID_KEY, "alice:fixed");
        }
        try (MeshNode node = MeshNode.start(NodeConfig.builder().noListen().mdns(false).dataDir(dir).build())) {
            assertEquals("alice:fixed", node.nodeId());
        }
    }
}
