package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start refused after its store was made (its port in use) leaves nothing behind in a data directory that held no
 * log: before session 34 the new directory kept a fresh log, so every later start ran as that node id (a later name
 * was "not used"). A directory that held a log is left as it was.
 */
class RefusedStartDataDirTest {
    @TempDir
    Path tmp;

    private static NodeConfig on(Path dir, int port, String name) {
        return NodeConfig.builder().name(name).dataDir(dir).host("127.0.0.1").port(port).mdns(false).build();
    }

    @Test
    void aRefusedStartRemovesTheLogAndTheDirectoriesItMade() throws Exception {
        Path dir = tmp.resolve("new").resolve("d");
        Path existing = Files.createDirectory(tmp.resolve("empty"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThrows(IOException.class, () -> MeshNode.start(on(dir, taken.getLocalPort(), "x")));
            assertFalse(Files.exists(tmp.resolve("new")), "the directories it made are gone");
            assertThrows(IOException.class, () -> MeshNode.start(on(existing, taken.getLocalPort(), "x")));
            assertTrue(Files.isDirectory(existing), "a directory the user made stays");
            try (var files = Files.list(existing)) {
                assertEquals(java.util.List.of(), files.toList(), "and holds nothing");
            }
        }
        // the next start makes its log with the name it is given
        try (MeshNode node = MeshNode.start(on(dir, 0, "alice"))) {
            assertTrue(node.nodeId().startsWith("alice:"), node.nodeId());
        }
    }

    @Test
    void aRefusedStartOnALogLeavesItAsItWas() throws Exception {
        Path dir = tmp.resolve("kept");
        String id;
        try (MeshNode node = MeshNode.start(on(dir, 0, "bob"))) {
            id = node.nodeId();
            node.add(Action.ofType("kept")).join();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThrows(IOException.class, () -> MeshNode.start(on(dir, taken.getLocalPort(), "bob")));
        }
        try (MeshNode node = MeshNode.start(on(dir, 0, "bob"))) {
            assertEquals(id, node.nodeId());
            assertEquals(1, node.entries().join().size());
        }
    }
}
