package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.testkit.Tmpfs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An operator pipes lines into {@code logmesh node --data DIR} on a disk that fills up (a 2 MiB tmpfs of the test's
 * own, root only): one error event says how many lines are held, stdin is paused, and once space is freed every line
 * is in the log, each once. Before session 34 each line read while the disk was full was dropped with an error event
 * of its own ("stdin line 501: [SQLITE_FULL] ...": a flood, and lost lines).
 */
@Tag("slow")
class StdinFullDiskTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(2, "the full-disk stdin test");

    private static final int LINES = 1500;

    @Test
    void linesReadWhileTheDiskIsFullAreHeldWithOneEventAndAddedOnceWhenSpaceReturns() throws Exception {
        Path filler = tmpfs.path().resolve("filler");
        Files.write(filler, new byte[1536 * 1024]);
        Path data = tmpfs.path().resolve("d");
        List<String> lines = new CopyOnWriteArrayList<>();
        try (CliProcess.Running node = new CliProcess.Running("node", "--name", "full", "--data", data.toString(),
            "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--json")) {
            Thread reader = new Thread(() -> {
                try {
                    for (String l; (l = node.out.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the node ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            Thread writer = new Thread(() -> {
                try (OutputStream in = node.process.getOutputStream()) {
                    for (int i = 1; i <= LINES; i++) {
                        in.write(("{\"type\":\"t\",\"i\":" + i + ",\"pad\":\"" + "x".repeat(400) + "\"}\n")
                            .getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // the node ended
                }
            });
            writer.setDaemon(true);
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> count(lines, "not added yet") > 0
                || count(lines, "\"stdin line ") >= 20);
            assertEquals(0, count(lines, "\"stdin line "), "an error event per line: " + firstErrors(lines));
            assertEquals(1, count(lines, "not added yet"), firstErrors(lines));
            Files.delete(filler);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> count(lines, "\"event\":\"add\"") >= LINES);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // what the node said: the add events so far, its error events and its stderr's last lines
                String err = node.err();
                throw new AssertionError(count(lines, "\"event\":\"add\"") + " of " + LINES + " add events 60 s after "
                    + "the space came back; " + firstErrors(lines) + "; last error events: " + lines.stream()
                    .filter(l -> l.contains("\"error\"")).skip(Math.max(0, count(lines, "\"error\"") - 3)).toList()
                    + "; stderr ends: " + err.substring(Math.max(0, err.length() - 3000)), e);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> node.err().contains("the log can be written again"));
            assertEquals(0, count(lines, "\"stdin line "), firstErrors(lines));
            node.stop();
        }
        CliProcess.Result log = CliProcess.run("log", "--data", data.toString());
        assertEquals(0, log.code(), log.err());
        Map<Integer, Integer> seen = new HashMap<>();
        for (String l : log.out().lines().toList()) {
            JsonNode entry = MetaJson.reader().readTree(l);
            seen.merge(entry.get(0).get("i").asInt(), 1, Integer::sum);
        }
        assertEquals(LINES, seen.size(), "every line is in the log");
        assertTrue(seen.values().stream().allMatch(n -> n == 1), "each once");
    }

    private static long count(List<String> lines, String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    private static String firstErrors(List<String> lines) {
        return lines.stream().filter(l -> l.contains("\"error\"")).limit(3).toList() + " ("
            + count(lines, "\"error\"") + " error events)";
    }
}
