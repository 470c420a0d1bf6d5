package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short commands whose stdout cannot be written (a full disk: here {@code /dev/full}) exit 1 and say so. Before,
 * {@code System.out} kept the error to itself: {@code user-token > token} on a full disk left an empty token file
 * with exit code 0 (a new-user trial, session 14), and so did {@code peers --json} and {@code --help}.
 */
class CommandStdoutErrorTest {
    @TempDir
    Path dir;

    private static CliProcess.Result toFullDisk(String... args) throws Exception {
        Process p = new ProcessBuilder(CliProcess.command(args)).redirectOutput(new File("/dev/full")).start();
        CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new CliProcess.Result(p.exitValue(), "", err.join());
    }

    @Test
    void aUserTokenThatCannotBeWrittenIsAnError() throws Exception {
        Path key = dir.resolve("mesh.key");
        Files.writeString(key, "c2VjcmV0LWtleS1vZi10aGUtbWVzaC0wMTIzNDU2Nzg5\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        CliProcess.Result r = toFullDisk("user-token", "--key-file", key.toString(), "--user", "alice");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("cannot write stdout"), r.err());
    }

    @Test
    void helpThatCannotBeWrittenIsAnError() throws Exception {
        CliProcess.Result r = toFullDisk("--help");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("cannot write stdout"), r.err());
    }
}
