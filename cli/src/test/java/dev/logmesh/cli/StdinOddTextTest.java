package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Odd text on the CLI's stdin: CRLF ends, NUL and U+2028/U+2029 in strings, a byte order mark at the start and in
 * the middle of the input, a line of bytes that are not UTF-8, a line split across reads. Every good line is added
 * with its text as typed, each bad one is reported with its number, nothing else.
 */
class StdinOddTextTest {
    @TempDir
    Path dir;

    /** The actions of {@code logmesh log}, in order. */
    private List<JsonNode> logged(String data) throws Exception {
        CliTest.Run log = CliTest.run("", "log", "--data", data);
        assertEquals(0, log.code(), log.err());
        List<JsonNode> actions = new ArrayList<>();
        for (JsonNode line : CliTest.lines(log.out())) {
            actions.add(line.get(0));
        }
        return actions;
    }

    @Test
    void oddTextInGoodLinesIsAddedAsTypedAndABadLineIsReportedAlone() throws Exception {
        String data = dir.resolve("n").toString();
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes("\uFEFF{\"type\":\"a\",\"s\":\"nul\\u0000 ls\u2028 ps\u2029 nel\u0085\"}\r\n"
            .getBytes(StandardCharsets.UTF_8));
        in.writeBytes("\uFEFF{\"type\":\"b\",\"s\":\"mid-stream bom\"}\r\n".getBytes(StandardCharsets.UTF_8));
        in.writeBytes("{\"type\":\"c\",\"s\":\"".getBytes(StandardCharsets.UTF_8));
        in.write(0xC3); // a cut é
        in.writeBytes("\"}\n".getBytes(StandardCharsets.UTF_8));
        in.writeBytes("{\"type\":\"d\",\"s\":\"\uFEFF in text, caf\u00e9 cafe\u0301\"}\n"
            .getBytes(StandardCharsets.UTF_8));
        CliTest.Run add = run(in.toByteArray(), "add", "--data", data);
        assertEquals(1, add.code(), add.err());
        assertTrue(add.err().contains("line 3: not UTF-8 text (byte 0xc3"), add.err());
        assertTrue(add.err().contains("added 3 action(s), 1 bad line(s)"), add.err());
        List<JsonNode> got = logged(data);
        assertEquals(3, got.size(), got.toString());
        assertEquals("nul\u0000 ls\u2028 ps\u2029 nel\u0085", got.get(0).get("s").asText());
        assertEquals("mid-stream bom", got.get(1).get("s").asText());
        assertEquals("\uFEFF in text, caf\u00e9 cafe\u0301", got.get(2).get("s").asText());
    }

    /**
     * A line that holds only a byte order mark (a file saved by a Windows editor whose first line is empty, or a BOM
     * alone on a line of a concatenation) is a blank line: README, "The command line": "blank lines and a byte
     * order mark at the start of a line are skipped".
     */
    @Test
    void aLineOfOnlyAByteOrderMarkIsABlankLine() throws Exception {
        String data = dir.resolve("bom").toString();
        byte[] in = "\uFEFF\r\n{\"type\":\"a\"}\r\n\uFEFF  \n{\"type\":\"b\"}\n".getBytes(StandardCharsets.UTF_8);
        CliTest.Run add = run(in, "add", "--data", data);
        assertEquals(0, add.code(), add.err());
        assertTrue(add.err().contains("added 2 action(s)"), add.err());
        assertEquals(2, logged(data).size());
    }

    @Test
    void aLineSplitAcrossReadsInsideACharacterIsReadWhole() throws Exception {
        byte[] bytes = "{\"type\":\"a\",\"s\":\"\uD83D\uDE00\u00e9\u65E5\"}\r\n{\"type\":\"b\"}"
            .getBytes(StandardCharsets.UTF_8);
        InputStream oneByteAtATime = new InputStream() {
            private int at;

            @Override
            public int read() {
                return at < bytes.length ? bytes[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at == bytes.length) {
                    return -1;
                }
                b[off] = bytes[at++];
                return 1;
            }
        };
        List<String> got = new ArrayList<>();
        Ndjson.readLines(oneByteAtATime, new Ndjson.LineHandler() {
            @Override
            public void line(int number, dev.logmesh.Action action, JsonNode meta) {
                got.add(number + " " + action.toJson());
            }

            @Override
            public void bad(int number, String reason) {
                got.add(number + " bad " + reason);
            }
        });
        assertEquals(List.of("1 {\"type\":\"a\",\"s\":\"\uD83D\uDE00\u00e9\u65E5\"}", "2 {\"type\":\"b\"}"), got);
    }

    /** {@link CliTest#run} with stdin as bytes (that one encodes a string as UTF-8). */
    @SuppressWarnings("LockOnNonEnclosingClassLiteral") // CliTest.run's lock (static synchronized), on purpose
    static CliTest.Run run(byte[] stdin, String... args) {
        synchronized (CliTest.class) { // CliTest.run's lock: System.in/out/err are swapped under it
            InputStream in = System.in;
            java.io.PrintStream out = System.out;
            java.io.PrintStream err = System.err;
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            try {
                System.setIn(new java.io.ByteArrayInputStream(stdin));
                System.setOut(new java.io.PrintStream(o, true, StandardCharsets.UTF_8));
                System.setErr(new java.io.PrintStream(e, true, StandardCharsets.UTF_8));
                int code = Main.run(args);
                return new CliTest.Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
            } finally {
                System.setIn(in);
                System.setOut(out);
                System.setErr(err);
            }
        }
    }
}
