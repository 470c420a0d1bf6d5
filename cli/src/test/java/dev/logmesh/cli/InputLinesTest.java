package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Input lines of {@code logmesh node} (stdin) and {@code logmesh add}: one JSON value per line (NDJSON), and an
 * action's text exactly as typed, to every peer and every printed line (a hostile tester's findings, issue 12
 * follow-up).
 */
class InputLinesTest {
    /**
     * Numbers a double cannot hold: more digits than 17, beyond 2^63, beyond 2^53, below the double range (1e-400;
     * one above it, 1e400, is refused since session 34: JavaScript reads it as Infinity, ActionNumberRangeTest).
     */
    static final String EXACT = "{\"type\":\"n\",\"d\":0.1000000000000000055511151231257827,"
        + "\"big\":9223372036854775809,\"safe\":9007199254740993,\"huge\":1e-400,\"neg\":-1.50E-7}";

    @Test
    void anActionKeepsTheTextOfItsLineExactly() {
        Object[] parsed = Ndjson.parseLine(EXACT);
        assertEquals(EXACT, ((Action) parsed[0]).toJson());
        assertNull(parsed[1]);
        // the pair form: the action's slice of the line, spaces and all
        parsed = Ndjson.parseLine("[ {\"type\":\"a\", \"x\": 1.50} , {\"reasons\":[\"r\"]} ]");
        assertEquals("{\"type\":\"a\", \"x\": 1.50}", ((Action) parsed[0]).toJson());
        assertEquals("{\"reasons\":[\"r\"]}", parsed[1].toString());
    }

    @Test
    void theTreeOfAnActionHoldsItsNumbersExactly() {
        // the embedding API's view (Action.get / json): no double in between
        Action a = Action.parse(EXACT);
        assertEquals(new BigDecimal("0.1000000000000000055511151231257827"), a.get("d").decimalValue());
        assertEquals(new BigDecimal("1e-400"), a.get("huge").decimalValue());
        assertEquals("9223372036854775809", a.get("big").bigIntegerValue().toString());
        assertEquals(9007199254740993L, a.get("safe").longValue());
        assertEquals(0, new BigDecimal("-1.50E-7").compareTo(Action.of(a.json()).get("neg").decimalValue()));
    }

    @Test
    void aByteOrderMarkAtTheStartOfALineIsSkipped() {
        assertEquals("{\"type\":\"a\"}", ((Action) Ndjson.parseLine("\uFEFF{\"type\":\"a\"}")[0]).toJson());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"a\"} {\"type\":\"b\"}|more than one JSON value on the line (from column 14)",
        "{\"type\":\"a\"}{\"type\":\"b\"}|more than one JSON value on the line (from column 13)",
        "{\"type\":\"a\"} 5|more than one JSON value on the line",
        "[{\"type\":\"a\"},{}] [{\"type\":\"b\"},{}]|more than one JSON value on the line",
        "{\"type\":\"a\"} x|not JSON",
        "{\"type\":\"a\"|not JSON",
        "5|a line must be an action object or an [action, meta] pair, got a number",
        "\"text\"|a line must be an action object or an [action, meta] pair, got a string",
        "null|a line must be an action object or an [action, meta] pair, got null",
        "[]|an [action, meta] pair must have 2 elements, got 0",
        "[{\"type\":\"a\"}]|an [action, meta] pair must have 2 elements, got 1",
        "[{\"type\":\"a\"},{},{}]|an [action, meta] pair must have 2 elements, got more",
        "[1,{}]|the action of an [action, meta] pair must be a JSON object, got a number",
        "[{\"type\":\"a\"},5]|meta must be a JSON object",
        "{\"t\":1}|action has no \"type\"",
        "\uFEFF\uFEFF{\"type\":\"a\"}|not JSON",
        "[\"bad|not JSON",
        "\"text|not JSON",
    })
    void aBadLineIsRefusedWithWhatIsWrong(String line, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ndjson.parseLine(line));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    /** Jackson's location ("[Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 1]") is a column. */
    @Test
    void aBadLinesMessageSaysWhereWithoutTheParsersInternals() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Ndjson.parseLine("{\"type\":\"a\""));
        assertTrue(e.getMessage().startsWith("not JSON: "), e.getMessage());
        assertTrue(!e.getMessage().contains("Source") && e.getMessage().contains("column 1"), e.getMessage());
    }

    @Test
    void addRefusesALineOfTwoObjectsWholeAndKeepsEveryNumberAsTyped(@TempDir Path dir) throws Exception {
        String data = dir.resolve("n").toString();
        CliTest.Run add = CliTest.run(EXACT + "\n{\"type\":\"a\"} {\"type\":\"b\"}\n   \n\uFEFF{\"type\":\"c\"}\n",
            "add", "--data", data);
        assertEquals(1, add.code(), add.err());
        assertTrue(add.err().contains("line 2: more than one JSON value on the line"), add.err());
        assertTrue(add.err().contains("added 2 action(s), 1 bad line(s)"), add.err());
        CliTest.Run log = CliTest.run("", "log", "--data", data);
        assertEquals(0, log.code(), log.err());
        String[] lines = log.out().strip().split("\n", -1);
        assertEquals(2, lines.length, log.out());
        assertTrue(lines[0].startsWith("[" + EXACT + ",{\"id\":"), lines[0]);
        assertTrue(lines[1].startsWith("[{\"type\":\"c\"},"), lines[1]);
    }

    @Test
    void numbersTravelToAPeerAndToItsPrintedLineAsTyped() throws Exception {
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).host("127.0.0.1")
                .port(0).build());
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).noListen()
                 .peer(a.url()).build())) {
            Object[] parsed = Ndjson.parseLine(EXACT);
            a.add((Action) parsed[0]).join();
            // an action from the API whose text has line breaks (JSON whitespace): printed on one line, as typed
            String pretty = "{\n  \"type\": \"p\",\r\n  \"d\": 1e-400\n}";
            a.add(Action.parse(pretty)).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.entries().join().size() == 2);
            List<Entry> got = b.entries().join();
            assertEquals(EXACT, got.get(0).action().toJson());
            String line = new AddLine().format(got.get(0), false, 0);
            assertTrue(line.startsWith("{\"event\":\"add\",\"action\":" + EXACT + ",\"meta\""), line);
            String prettyLine = new AddLine().format(got.get(1), false, 0);
            assertTrue(prettyLine.startsWith("{\"event\":\"add\",\"action\":{   \"type\": \"p\",    \"d\": 1e-400 },"),
                prettyLine);
        }
    }
}
