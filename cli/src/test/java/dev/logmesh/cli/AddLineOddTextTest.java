package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.MetaJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code add} lines of odd text through the async writer into a stream whose charset is US-ASCII (a {@code C}
 * locale): each line is JSON that parses back to the entry (action tree, id, time, reasons), in order.
 */
class AddLineOddTextTest {
    private static final String[] ACTIONS = {
        "{\"type\":\"a\",\"s\":\"\u2028\u2029\u0085\"}", "{\"type\":\"a\",\"s\":\"\uD83D\uDE00 \u65E5\u672C \u00E9\"}",
        "{\"type\":\"a\",\"s\":\"\\u0000\\u001f\\ud800\\\"\\\\\"}", "{\"type\":\"a\",\"s\":\"\u007f\"}",
        "{\t\"type\"\t:\t\"a\"\t,\"n\":[1.0,1e2,-0,12345678901234567890123]}", "{\"z\":1,\"type\":\"a\",\"a\":2}",
        "{\"type\":\"a\",\"big\":\"" + "\u00E9".repeat(300_000) + "\"}", "{\"type\":\"\u2028\"}",
    };
    private static final String[] NODES = {"bob:1", "h\u00E9:\u65E5\u672C", "sep\u2028x", "emoji\uD83D\uDE00", "tab\tx"};
    private static final List<List<String>> REASONS = List.of(List.of(), List.of("\u2028"), List.of("a", "\u00FC"),
        List.of("q\"\\"), List.of("\u0001"));

    @Test
    void oddTextParsesBackToTheEntry() throws IOException {
        assertLinesParseBack(NODES, REASONS);
    }

    /**
     * A node id or a reason with an unpaired surrogate: a peer sends one as an escape ({@code "\\udc00"}, JSON that
     * JSON.parse and Jackson read), the decoder unescapes it into the string, and the line must carry it back as an
     * escape. Both of AddLine's paths (and Ndjson's synchronous print) encode with {@code String.getBytes(UTF_8)},
     * which wrote {@code ?} for it (Jackson's generator does not escape it either): the printed id and reason were
     * not the entry's (also so before the byte output, a5347e4). Now such a line takes the generator's path and
     * {@code Utf8Batch.json} writes the surrogate as an escape.
     */
    @Test
    void unpairedSurrogatesInTheMetaParseBack() throws IOException {
        assertLinesParseBack(new String[] {"lone\uDC00"}, List.of(List.of("lone\uD800")));
    }

    private static String escaped(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    private static void assertLinesParseBack(String[] nodes, List<List<String>> reasons) throws IOException {
        assertLinesParseBack(nodes, reasons, true);
        assertLinesParseBack(nodes, reasons, false);
    }

    private static void assertLinesParseBack(String[] nodes, List<List<String>> reasons, boolean async)
        throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Entry> entries = new ArrayList<>();
        try (Ndjson out = new Ndjson(new PrintStream(bytes, false, StandardCharsets.US_ASCII), false, async)) {
            int n = 0;
            for (String a : ACTIONS) {
                for (String node : nodes) {
                    List<String> rs = reasons.get(n % reasons.size());
                    Meta m = new Meta(ActionId.of(n + 1, node, n), -n, n, rs, n % 3,
                        n % 4 == 0 ? Map.of("k\u2028", MetaJson.reader().readTree("\"\u00E9\"")) : Map.of());
                    Entry e = NdjsonTest.entry(a, m);
                    entries.add(e);
                    out.add(e);
                    n++;
                }
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertEquals(entries.size() + 1, lines.length, "one line per entry, \\n-terminated");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            JsonNode line = MetaJson.reader().readTree(lines[i].stripTrailing());
            String what = "line " + i + (async ? " (async)" : " (synchronous)");
            assertEquals(MetaJson.reader().readTree(e.action().toJson()), line.get("action"), what);
            assertEquals(escaped(e.meta().id().toString()), escaped(line.get("meta").get("id").asText()), what);
            assertEquals(e.meta().time(), line.get("meta").get("time").asLong(), what);
            List<String> rs = new ArrayList<>();
            line.get("meta").get("reasons").forEach(r -> rs.add(r.asText()));
            assertEquals(escaped(e.meta().reasons().toString()), escaped(rs.toString()), what);
        }
    }
}
