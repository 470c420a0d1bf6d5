package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh log} whose stdout cannot be written: a full disk ({@code logmesh log > backup.ndjson}, here
 * {@code /dev/full}) or a reader that went away ({@code logmesh log | head -1}). Before, {@code System.out} swallowed
 * the error: the backup was empty or cut and the exit code 0; {@code | head -1} read the whole log on (more time than
 * printing all of it) and exited 0. Now it stops at the first failed page, says so, and exits 1.
 */
class LogOutputErrorTest {
    private static final int ENTRIES = 20_000;

    @TempDir
    Path dir;
    private String data;

    @BeforeEach
    void aLog() {
        data = dir.resolve("n").toString();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < ENTRIES; i++) {
            in.append("{\"type\":\"t\",\"i\":").append(i).append("}\n");
        }
        CliTest.Run add = CliTest.run(in.toString(), "add", "--data", data);
        assertEquals(0, add.code(), add.err());
    }


    @Test
    void aFullDiskIsAnErrorNotACutBackup() throws Exception {
        Process p = new ProcessBuilder(CliProcess.command("log", "--data", data))
            .redirectOutput(new File("/dev/full")).start();
        CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err.join());
        assertTrue(err.join().contains("cannot write"), err.join());
    }

    @Test
    void aReaderThatGoesAwayStopsTheLog() throws Exception {
        Process p = new ProcessBuilder(CliProcess.command("log", "--data", data)).start();
        CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8))) {
            assertTrue(out.readLine().startsWith("[{\"type\":\"t\",\"i\":0}"));
        } // as head -1: the pipe's read end closes
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err.join());
        assertTrue(err.join().contains("cannot write"), err.join());
        // a line was read: never "at most 0" (before session 28, a breaker's run with `| head`)
        assertFalse(err.join().contains("at most 0"), err.join());
        assertTrue(err.join().matches("(?s).*stopped (within the log's first|after the log's first) \\d+.*"), err.join());
    }
}
