package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh node --after ADDED}: the log's entries above a reader's own number first, then the new ones (a
 * reader that keeps its own state gets each entry once across restarts and crashes: a breaker's 12-node run, session
 * 18, found a node whose stdout lacked 2 add events of entries committed just before its kill -9).
 */
class NodeAfterTest {
    @TempDir
    Path dir;

    @Test
    void printsTheLogAboveTheNumberThenTheNewEntries() throws Exception {
        String data = dir.resolve("n").toString();
        CliProcess.Result add = CliProcess.run(
            "{\"type\":\"a\"}\n{\"type\":\"b\"}\n{\"type\":\"c\"}\n".getBytes(StandardCharsets.UTF_8),
            "add", "--data", data, "--name", "n");
        assertEquals(0, add.code(), add.err());
        try (CliProcess.Running node = new CliProcess.Running("node", "--data", data, "--name", "n", "--no-mdns",
            "--host", "127.0.0.1", "--port", "0", "--json", "--after", "1")) {
            assertTrue(node.lineWith("\"event\":\"ready\"") != null);
            JsonNode b = MetaJson.reader().readTree(node.lineWith("\"event\":\"add\""));
            JsonNode c = MetaJson.reader().readTree(node.lineWith("\"event\":\"add\""));
            assertEquals("b", b.path("action").path("type").asText());
            assertEquals(2, b.path("meta").path("added").asLong());
            assertEquals("c", c.path("action").path("type").asText());
            assertEquals(3, c.path("meta").path("added").asLong());
        }
    }

    @Test
    void aNegativeNumberIsAUsageError() throws Exception {
        CliProcess.Result r = CliProcess.run("node", "--memory", "--no-mdns", "--after", "-1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--after -1"), r.err());
    }
}
