package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh node} without {@code --name} on a data directory made under another name (session 22): it ran as
 * the id kept there (a log keeps its node id), but was configured with the default name {@code node} and warned
 * "the name node is not used", a name the user never gave. It now runs as that id without a warning and says so
 * once on stderr; a {@code --name} that differs from the kept id is still warned about.
 */
class NodeNameTest {
    @TempDir
    Path dir;

    /** A log made by {@code add --name alice}: its node id. */
    private String aliceLog(Path data) throws Exception {
        CliProcess.Result add = CliProcess.run("{\"type\":\"a\"}\n".getBytes(StandardCharsets.UTF_8),
            "add", "--data", data.toString(), "--name", "alice");
        assertEquals(0, add.code(), add.err());
        CliProcess.Result log = CliProcess.run("log", "--data", data.toString());
        JsonNode entry = MetaJson.reader().readTree(log.out().lines().findFirst().orElseThrow());
        String id = entry.get(1).get("id").asText().split(" ", -1)[1];
        assertTrue(id.startsWith("alice:"), id);
        return id;
    }

    private static JsonNode ready(CliProcess.Running node) throws Exception {
        String line = node.lineWith("\"event\":\"ready\"");
        assertNotNull(line, "no ready line");
        return MetaJson.reader().readTree(line);
    }

    @Test
    void withoutNameANodeRunsAsTheIdKeptInItsDataDirectoryAndSaysSo() throws Exception {
        Path data = dir.resolve("d");
        String id = aliceLog(data);
        String err;
        try (CliProcess.Running node = new CliProcess.Running("node", "--data", data.toString(), "--no-mdns",
            "--host", "127.0.0.1", "--port", "0", "--json")) {
            assertEquals(id, ready(node).path("node").asText());
            // the notice 3 s after ready comes after the "running as" line
            await().atMost(Duration.ofSeconds(15)).until(() -> node.err().contains("no peer yet after 3 s"));
            err = node.stop();
        }
        assertFalse(err.contains("is not used"), "no warning about a name not given: " + err);
        assertTrue(err.contains("logmesh: running as " + id + ", the node id kept in " + data + " (no --name given)"),
            err);
    }

    /**
     * Session 35 (ops35): the empty-name error suggested "letters, digits, '-', '_', '.'", but other characters
     * (`é`, `@`, `/`) are accepted: it now says what is accepted, and each name it allows is taken.
     */
    @Test
    void theEmptyNameErrorSaysWhatIsAccepted() {
        UsageError e = org.junit.jupiter.api.Assertions.assertThrows(UsageError.class, () -> Checks.nodeName("", true));
        assertEquals("--name is empty: give a name such as alice (any characters but spaces, other blanks and control "
            + "characters; ':' only between other characters; at most 247 characters, and 54 UTF-8 bytes)",
            e.getMessage());
        UsageError off = org.junit.jupiter.api.Assertions.assertThrows(UsageError.class,
            () -> Checks.nodeName("", false));
        assertTrue(off.getMessage().endsWith("at most 247 characters, and 54 UTF-8 bytes when mDNS is on)"),
            off.getMessage());
        for (String accepted : new String[] {"caf\u00e9", "a@b/c", "shop:eu", "x".repeat(54)}) {
            Checks.nodeName(accepted, true);
        }
        Checks.nodeName("x".repeat(247), false);
    }

    /**
     * A {@code --name} whose node id would be longer than the overlay takes (break28: 300 characters): refused at
     * once with the limit, by {@code node} and {@code add}. Before, {@code node} opened its store and then failed with
     * "logmesh: IllegalStateException: java.lang.IllegalArgumentException: node id is longer than 256 characters"
     * (exit 1), and {@code add} made a log with that id.
     */
    @Test
    void aNameTooLongForANodeIdIsRefusedWithTheLimit() throws Exception {
        String name = "x".repeat(Checks.MAX_NAME + 1);
        CliProcess.Result node = CliProcess.run("node", "--name", name, "--memory", "--no-mdns", "--host",
            "127.0.0.1", "--port", "0");
        assertEquals(2, node.code(), node.err());
        String said = "logmesh: --name is 248 characters long: at most 247 (the node id NAME:xxxxxxxx is at most 256"
            + " characters); give a shorter name";
        assertTrue(node.err().contains(said), node.err());
        Path data = dir.resolve("long");
        CliProcess.Result add = CliProcess.run("{\"type\":\"a\"}\n".getBytes(StandardCharsets.UTF_8), "add",
            "--data", data.toString(), "--name", name);
        assertEquals(2, add.code(), add.err());
        assertTrue(add.err().contains(said), add.err());
        assertFalse(data.resolve("log.db").toFile().exists(), "no log made");
        String longest = "y".repeat(Checks.MAX_NAME);
        assertEquals(0, CliProcess.run("{\"type\":\"a\"}\n".getBytes(StandardCharsets.UTF_8), "add", "--data",
            data.toString(), "--name", longest).code(), "247 characters are taken");
    }

    @Test
    void aNameOtherThanTheKeptIdIsStillWarnedAbout() throws Exception {
        Path data = dir.resolve("d");
        String id = aliceLog(data);
        String err;
        try (CliProcess.Running node = new CliProcess.Running("node", "--data", data.toString(), "--name", "bob",
            "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--json")) {
            assertEquals(id, ready(node).path("node").asText());
            // its presence record's name is the one its id was made with, not the --name that was not used
            CliProcess.Result status = CliProcess.run("status", "--data", data.toString(), "--json");
            JsonNode self = MetaJson.reader().readTree(status.out().lines().findFirst().orElseThrow());
            assertEquals(id, self.path("node").asText(), status.out());
            assertEquals("alice", self.path("name").asText(), status.out());
            // the notice 3 s after ready comes after where the "running as" line would be
            await().atMost(Duration.ofSeconds(15)).until(() -> node.err().contains("no peer yet after 3 s"));
            err = node.stop();
        }
        assertTrue(err.contains("this log's node id is " + id + ": the name bob is not used"), err);
        assertFalse(err.contains("running as"), err);
    }

    @Test
    void aNewDataDirectoryWithoutNameGetsTheDefaultName() throws Exception {
        Path data = dir.resolve("new");
        String err;
        try (CliProcess.Running node = new CliProcess.Running("node", "--data", data.toString(), "--no-mdns",
            "--host", "127.0.0.1", "--port", "0", "--json")) {
            assertTrue(ready(node).path("node").asText().matches("node:[0-9A-Za-z_-]{8}"));
            await().atMost(Duration.ofSeconds(15)).until(() -> node.err().contains("no peer yet after 3 s"));
            err = node.stop();
        }
        assertFalse(err.contains("is not used") || err.contains("running as"), err);
    }

    /**
     * A {@code --name} that makes no valid node id (session 34): {@code add --name ":"} made a log with the id
     * {@code ::xxxxxxxx} and {@code node --name ":"} ran with it; with mDNS on, {@code a\u00a0b} failed after the
     * start had begun with mDNS's words ("logmesh: nodeId must be 1..63 UTF-8 bytes without whitespace or control
     * characters: 'a b:Beqk_nW9'", exit 1). Now each is refused at once, exit 2, nothing made.
     */
    @Test
    void aNameThatMakesNoValidNodeIdIsRefusedAtOnce() throws Exception {
        Path data = dir.resolve("colon");
        CliProcess.Result add = CliProcess.run("{\"type\":\"a\"}\n".getBytes(StandardCharsets.UTF_8), "add",
            "--data", data.toString(), "--name", ":");
        assertEquals(2, add.code(), add.err());
        assertTrue(add.err().contains("logmesh: --name ':' has an empty part between colons"), add.err());
        assertFalse(data.resolve("log.db").toFile().exists(), "no log made");
        Path nbsp = dir.resolve("nbsp");
        CliProcess.Result node = CliProcess.run("node", "--name", "a\u00a0b", "--data", nbsp.toString(),
            "--interface", "127.0.0.1", "--host", "127.0.0.1", "--port", "0");
        assertEquals(2, node.code(), node.err());
        assertTrue(node.err().contains("logmesh: --name 'a\u00a0b' holds the blank character U+00A0 at index 1"),
            node.err());
        assertFalse(nbsp.resolve("log.db").toFile().exists(), "no log made");
    }
}
