package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh backup} of a running node, restored as the README says. Before (break42) there was no online backup:
 * the README said to stop the node, and a file copy of a running node's directory restored in a trial was corrupt
 * ({@code DIR/log.db is a corrupt logmesh store ([SQLITE_CORRUPT] The database disk image is malformed ...)}).
 */
class BackupCommandTest {
    @Test
    void aBackupOfARunningNodeWhileItAddsIsRestoredWholeAndItsNodeStarts(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path copy = dir.resolve("copy");
        String[] node = {"node", "--name", "b", "--data", data.toString(), "--no-mdns", "--host", "127.0.0.1",
            "--port", "0", "--json"};
        CliTest.Run backup;
        try (CliProcess.Running running = new CliProcess.Running(node)) {
            assertNotNull(running.lineWith("\"ready\""), running.err());
            OutputStream in = running.process.getOutputStream();
            for (int i = 0; i < 3000; i++) {
                in.write(("{\"type\":\"t/x\",\"k\":" + i + "}\n").getBytes(StandardCharsets.UTF_8));
            }
            in.flush();
            assertNotNull(running.lineWith("\"k\":500"), running.err());
            backup = CliTest.run("", "backup", "--data", data.toString(), "--to", copy.toString());
            assertNotNull(running.lineWith("\"k\":2999"), running.err());
        }
        assertEquals(0, backup.code(), backup.err());
        assertTrue(backup.out().startsWith("backed up " + data + " to " + copy + ": "), backup.out());
        CliTest.Run all = CliTest.run("", "log", "--data", data.toString());
        CliTest.Run held = CliTest.run("", "log", "--data", copy.toString());
        assertEquals(0, held.code(), held.err());
        java.util.List<String> heldLines = held.out().lines().toList();
        assertTrue(backup.out().contains(": " + heldLines.size() + " entries of node b:"), backup.out());
        // one moment: the copy holds the log's first entries, as the node committed them
        assertTrue(all.out().startsWith(held.out()), "the copy is a prefix of the log");
        assertTrue(heldLines.size() >= 501 && heldLines.size() <= 3000, "entries: " + heldLines.size());
        // restore as the README says, and start the node on it
        Files.move(data, dir.resolve("data.old"));
        Files.move(copy, data, StandardCopyOption.ATOMIC_MOVE);
        try (CliProcess.Running restored = new CliProcess.Running(node)) {
            assertNotNull(restored.lineWith("\"ready\""), restored.err());
            String err = restored.stop();
            assertFalse(err.contains("lost transactions"), err);
            assertFalse(err.contains("belongs to another log"), err);
        }
        CliTest.Run after = CliTest.run("", "log", "--data", data.toString());
        assertEquals(held.out(), after.out());
    }

    @Test
    void aCopyThatExistsIsRefusedWithWhatToDo(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        assertEquals(0, CliTest.run("{\"type\":\"a\"}\n", "add", "--data", data.toString()).code());
        Files.createDirectory(dir.resolve("copy"));
        CliTest.Run r = CliTest.run("", "backup", "--data", data.toString(), "--to", dir.resolve("copy").toString());
        assertEquals(2, r.code());
        assertEquals("logmesh: " + dir.resolve("copy") + " exists: a backup goes into a new directory; name one that "
            + "does not exist (or remove the old one first)\n", r.err());
        CliTest.Run none = CliTest.run("", "backup", "--data", dir.resolve("none").toString(), "--to",
            dir.resolve("copy2").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("logmesh: no log in "), none.err());
    }
}
