package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that read a node's data directory agree on a DIR without a log (one that does not exist, a mistyped
 * path most often, or an empty one): one line, {@code logmesh: no log in DIR (expected DIR/log.db)}, nothing on
 * stdout, exit code 2. Before (session 48's note) {@code status} said {@code no node runs on DIR (no fresh
 * status.json)} with exit code 3, the code of a node's log that no node runs on, where {@code log} and {@code peers}
 * said "no log in" with 2.
 */
class NoLogInDirTest {

    @Test
    void logPeersAndStatusSayNoLogWithExitCode2OfADirThatDoesNotExistOrIsEmpty(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-dir");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        for (Path data : List.of(missing, empty)) {
            for (String command : List.of("log", "peers", "status")) {
                CliTest.Run r = CliTest.run("", command, "--data", data.toString());
                String what = "logmesh " + command + " --data " + data;
                assertEquals("logmesh: no log in " + data + " (expected " + data.resolve("log.db") + ")\n", r.err(),
                    what);
                assertEquals("", r.out(), what);
                assertEquals(2, r.code(), what);
            }
        }
        assertEquals(false, Files.exists(missing), "nothing made");
        try (java.util.stream.Stream<Path> in = Files.list(empty)) {
            assertEquals(0, in.count(), "nothing made");
        }
    }

    /**
     * A DIR whose {@code log.db} is not a log (0 bytes, or garbage): {@code peers} says only why, one line, before
     * any other (as docs/mesh.md says: the error comes first), exit code 2. Before (break49) it first said {@code no
     * node runs on DIR: the peers it kept cursors for, as of its last run (none connected)}, then the error.
     */
    @Test
    void peersOfALogThatIsNotALogSaysOnlyWhy(@TempDir Path dir) throws Exception {
        for (byte[] content : List.of(new byte[0], "this is not a database, only text\n".repeat(200).getBytes(
            java.nio.charset.StandardCharsets.US_ASCII))) {
            Path data = Files.createTempDirectory(dir, "bad");
            Files.write(data.resolve("log.db"), content);
            CliTest.Run r = CliTest.run("", "peers", "--data", data.toString());
            String what = "logmesh peers of a log.db of " + content.length + " bytes: " + r.err();
            assertEquals(1, r.err().lines().count(), what);
            assertEquals(true, r.err().startsWith("logmesh: "), what);
            assertEquals(false, r.err().contains("no node runs"), what);
            assertEquals("", r.out(), what);
            assertEquals(2, r.code(), what);
        }
    }
}
