package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * embed25's trial: an application whose data directory setting named a file (or a path under a file) got
 * {@code java.nio.file.FileAlreadyExistsException: /tmp/.../afile}, a message that names the path and says nothing
 * of what is wrong with it. Now the error says that a file stands where the data directory should be.
 */
class DataDirIsAFileTest {
    @TempDir
    Path dir;

    @Test
    void aDataDirectoryThatIsAFileIsSaidSo() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        for (Path data : new Path[] {file, file.resolve("log")}) {
            IOException e = assertThrows(IOException.class,
                () -> MeshNode.start(NodeConfig.builder().name("app").dataDir(data).noListen().mdns(false).build()));
            assertTrue(e.getMessage().contains("cannot create the data directory " + data), e.getMessage());
            assertTrue(e.getMessage().contains(file + " is a file"), e.getMessage());
            assertTrue(Files.readString(file).equals("mine"), "the file is left as it was");
        }
    }
}
