package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of a refused session, two {@code logmesh node} processes on 127.0.0.1 whose mesh keys differ:
 * alice listens, eve dials her ({@code --peer}). Session 36 (ops36): the library told its listeners ({@code
 * refused}), but the command line printed no {@code refused} event, and each node's "no peer yet" line said the
 * refusal twice (its refusal or dialing part, then "an error: " with the same refusal in other words).
 */
class RefusalOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The stdout lines of a node, read as they come by a thread of their own. */
    private static List<JsonNode> lines(CliProcess.Running node) {
        List<JsonNode> lines = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            try {
                String line;
                while ((line = node.out.readLine()) != null) {
                    lines.add(JSON.readTree(line));
                }
            } catch (IOException e) {
                // the node was stopped
            }
        }, "refusal-test-stdout");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    private static JsonNode event(List<JsonNode> lines, String event) {
        return lines.stream().filter(l -> event.equals(l.path("event").asText())).findFirst().orElse(null);
    }

    /** The first "no peer yet" line on the node's stderr that contains {@code text}, or null. */
    private static String notice(CliProcess.Running node, String text) {
        return node.err().lines().filter(l -> l.startsWith("logmesh: no peer yet") && l.contains(text)).findFirst()
            .orElse(null);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void bothEndsPrintARefusedEventAndTheirNoPeerYetLineSaysTheRefusalOnce() throws Exception {
        String mesh = "refusal-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (CliProcess.Running alice = new CliProcess.Running("node", "--name", "alice", "--no-mdns", "--host",
            "127.0.0.1", "--port", "0", "--memory", "--mesh", mesh, "--key", "alice-key", "--json")) {
            List<JsonNode> atAlice = lines(alice);
            await().atMost(Duration.ofSeconds(60)).until(() -> event(atAlice, "ready") != null);
            String url = event(atAlice, "ready").get("url").asText();
            try (CliProcess.Running eve = new CliProcess.Running("node", "--name", "eve", "--no-mdns", "--host",
                "127.0.0.1", "--port", "0", "--memory", "--mesh", mesh, "--key", "another-key", "--peer", url,
                "--json")) {
                List<JsonNode> atEve = lines(eve);
                // each end prints who and why; before: no such event (ConditionTimeoutException)
                await().atMost(Duration.ofSeconds(30)).until(() -> event(atAlice, "refused") != null
                    && event(atEve, "refused") != null);
                JsonNode byAlice = event(atAlice, "refused");
                assertTrue(byAlice.get("node").asText().startsWith("eve:"), byAlice.toString());
                assertTrue(byAlice.get("reason").asText().startsWith("refused by this node: "), byAlice.toString());
                // alice refused eve's dial before saying her id: eve names her by the URL it dialed
                JsonNode ofEve = event(atEve, "refused");
                assertEquals(url, ofEve.get("node").asText(), ofEve.toString());
                assertTrue(ofEve.get("reason").asText().startsWith("refused this node: wrong-credentials"),
                    ofEve.toString());
                // the words of the refusal are still an error event (scripts that watch errors see it)
                await().atMost(Duration.ofSeconds(10)).until(() -> event(atEve, "error") != null
                    && event(atAlice, "error") != null);
                // whose key is which: each ready event says its key's id, and alice's words name both (session 37:
                // "wrong key" alone, and no node said its key's id)
                String aliceKey = event(atAlice, "ready").path("keyId").asText();
                String eveKey = event(atEve, "ready").path("keyId").asText();
                assertTrue(aliceKey.matches("[0-9a-f]{8}") && eveKey.matches("[0-9a-f]{8}") && !aliceKey.equals(eveKey),
                    aliceKey + " " + eveKey);
                String aliceSays = event(atAlice, "error").get("message").asText();
                assertTrue(aliceSays.contains("the dialer's key id is " + eveKey)
                    && aliceSays.contains("this node's key id is " + aliceKey), aliceSays);

                // the "no peer yet" line says each refusal once: eve names alice's URL once (her "dialing" part);
                // before, "...; an error: ws://127.0.0.1:P refused this node (wrong-credentials: ...)" named it again
                await().atMost(Duration.ofSeconds(40)).until(() -> notice(eve, url) != null);
                String eveLine = notice(eve, url);
                assertEquals(1, count(eveLine, url), eveLine);
                // alice names eve once ("this node refused eve:...: ..."); before, "...; an error: session with
                // eve:... ended: wrong-credentials: ..." named her again
                String eveId = byAlice.get("node").asText();
                await().atMost(Duration.ofSeconds(40)).until(() -> notice(alice, eveId) != null);
                String aliceLine = notice(alice, eveId);
                assertEquals(1, count(aliceLine, eveId), aliceLine);
                assertTrue(aliceLine.contains("this node refused " + eveId), aliceLine);
            }
        }
    }
}
