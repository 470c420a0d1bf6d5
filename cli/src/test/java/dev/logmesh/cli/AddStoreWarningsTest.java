package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh add} shows what the store warns of as it opens the log (a repair an operator must know of) on stderr,
 * above its own account, as a process run by a user shows it. Before (ops42) the store's lines were off for add, and
 * only {@code -Dlogmesh.log=warn} showed them: "expected a warning of the store ==> expected: <true> but was: <false>".
 * Its INFO commentary stays out, and on a full disk add's one account stands alone (AddFullDiskTest).
 */
class AddStoreWarningsTest {

    @Test
    void anOpenThatRepairsTheLogIsSaidAboveTheAccount(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d");
        CliProcess.Result first = CliProcess.run("{\"type\":\"t/a\"}\n{\"type\":\"t/b\"}\n"
            .getBytes(StandardCharsets.UTF_8), "add", "--data", data.toString(), "--name", "w");
        assertEquals(0, first.code(), first.err());
        assertEquals(List.of("added 2 action(s)"), first.err().lines().toList(), "a plain add says its account alone");
        // the side file of a log with entries, emptied (a breaker's run): the open warns and rewrites it
        Files.write(data.resolve(AddCommand.LOG_FILE + SqliteStore.CLOCK_FILE_SUFFIX), new byte[0]);

        CliProcess.Result add = CliProcess.run("{\"type\":\"t/c\"}\n".getBytes(StandardCharsets.UTF_8), "add",
            "--data", data.toString());
        assertEquals(0, add.code(), add.err());
        List<String> said = add.err().lines().toList();
        assertTrue(said.size() >= 2 && said.get(0).contains("WARN") && said.get(0).contains("ignored and rewritten"),
            "expected a warning of the store: " + add.err());
        assertEquals("added 1 action(s)", said.get(said.size() - 1), add.err());
        assertTrue(said.stream().noneMatch(l -> l.contains("INFO")), "no INFO commentary: " + add.err());
    }
}
