package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A breaker's run (session 18): a node's data directory was made with the process's umask (0755 under the usual
 * 022), so every user of the machine could read the log ({@code log.db} is 0644), a keyed mesh's actions too. A
 * directory the node creates is now 0700, as the XDG Base Directory Specification asks; one that exists is left as
 * the user made it.
 */
class DataDirPermissionsTest {
    @TempDir
    Path tmp;

    static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aDataDirectoryTheNodeCreatesIsTheOwnersOnly() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path parent = tmp.resolve("with space ü");
        Path dir = parent.resolve("node");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("n").dataDir(dir).mdns(false).noListen()
            .build())) {
            node.add(Action.ofType("x")).get();
        }
        assertEquals("rwx------", perms(dir));
        assertEquals("rwx------", perms(parent), "a missing parent too");
        assertEquals("rwxr-xr-x", perms(tmp), "a directory that existed keeps its permissions");
    }
}
