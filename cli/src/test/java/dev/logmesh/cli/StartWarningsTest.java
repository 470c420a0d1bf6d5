package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warnings of {@code logmesh node} (no mesh key, a status page other hosts reach) are said by a node that starts,
 * not by one whose start is refused. Before (session 28) a start refused for its data directory printed "WARNING: no
 * mesh key ...", then the error that ended it.
 */
@Tag("slow")
class StartWarningsTest {
    @TempDir
    Path dir;

    /** Exit 2 and one line on stderr: the {@code logmesh:} error, no warning before it. */
    private static String refusedAlone(CliProcess.Result r) {
        assertEquals(2, r.code(), r.err());
        assertFalse(r.err().contains("WARNING"), "no warning for a node that did not start: " + r.err());
        String[] lines = r.err().strip().split("\n", -1);
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("logmesh: "), r.err());
        return lines[0];
    }

    @Test
    void aStartRefusedForItsDataDirectoryWarnsOfNothing() throws Exception {
        Path damaged = dir.resolve("damaged");
        Files.createDirectories(damaged);
        Files.writeString(damaged.resolve("log.db"), "not a log\n".repeat(100));
        refusedAlone(CliProcess.run("node", "--data", damaged.toString(), "--no-mdns", "--host", "127.0.0.1",
            "--port", "0", "--http", "0.0.0.0:0"));

        Path locked = dir.resolve("locked");
        Files.createDirectories(locked);
        SqliteStore holder = SqliteStore.open(locked.resolve("log.db")); // this JVM holds the data directory's lock
        try {
            assertTrue(refusedAlone(CliProcess.run("node", "--data", locked.toString(), "--no-mdns", "--host",
                "127.0.0.1", "--port", "0")).contains("is in use by another logmesh process"));
        } finally {
            holder.close();
        }
    }

    @Test
    void aNodeThatStartsWithoutAKeyWarns() throws Exception {
        try (CliProcess.Running node = new CliProcess.Running("node", "--memory", "--no-mdns", "--host", "127.0.0.1",
            "--port", "0", "--json")) {
            assertNotNull(node.lineWith("\"ready\""));
            String err = node.stop();
            assertTrue(err.contains("WARNING: no mesh key"), err);
        }
    }
}
