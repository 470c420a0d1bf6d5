package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log}, {@code add} and {@code node} on a data directory whose {@code log.db} is damaged or not a log: each
 * says so in one {@code logmesh:} line with what to do, exits 2, and leaves the file as it is. Before (session 29)
 * {@code add} on a log cut to one byte made a new log over it (exit 0, the entries gone), and a text file in its place
 * was "not an SQLite database" with nothing to do.
 */
@Tag("slow")
class DamagedLogTest {
    @TempDir
    Path dir;

    private static void refused(CliProcess.Result r, Path file, String what) {
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().strip().split("\n", -1);
        assertEquals(1, lines.length, "one line: " + r.err());
        assertTrue(lines[0].startsWith("logmesh: " + file.toAbsolutePath()), r.err());
        assertTrue(lines[0].contains(what), "'" + what + "' in: " + r.err());
        assertTrue(lines[0].contains("restore log.db from a backup, or move it"), "what to do: " + r.err());
    }

    private void eachCommandRefuses(Path data, String what) throws Exception {
        Path file = data.resolve("log.db");
        byte[] before = Files.readAllBytes(file);
        refused(CliProcess.run("log", "--data", data.toString()), file, what);
        refused(CliProcess.run("{\"type\":\"a\"}\n".getBytes(StandardCharsets.UTF_8), "add", "--data",
            data.toString()), file, what);
        refused(CliProcess.run("node", "--data", data.toString(), "--no-mdns", "--host", "127.0.0.1", "--port", "0"),
            file, what);
        assertArrayEquals(before, Files.readAllBytes(file), "the file is left as it was");
    }

    @Test
    void aLogCutShortIsSaidByEveryCommand() throws Exception {
        Path data = dir.resolve("cut");
        CliProcess.Result added = CliProcess.run("{\"type\":\"a\"}\n{\"type\":\"b\"}\n".getBytes(StandardCharsets.UTF_8),
            "add", "--data", data.toString());
        assertEquals(0, added.code(), added.err());
        Path file = data.resolve("log.db");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(Files.size(file) / 2);
        }
        eachCommandRefuses(data, "is a corrupt logmesh store");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(1);
        }
        eachCommandRefuses(data, "is a damaged logmesh store: cut short to 1 byte (");
    }

    @Test
    void aTextFileInPlaceOfTheLogIsSaidByEveryCommand() throws Exception {
        Path data = dir.resolve("text");
        Files.createDirectories(data);
        Files.writeString(data.resolve("log.db"), "these are my notes\n".repeat(100));
        eachCommandRefuses(data, "is not a logmesh store: not an SQLite database");
    }
}
