package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.MetaJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JSON lines of {@code logmesh node --json}: the streamed {@code add} event and the batching writer. */
class NdjsonTest {

    static Entry entry(String actionText, Meta meta) {
        return new Entry(Action.parse(actionText), meta);
    }

    /** The event as it was made before {@link AddLine}: a tree of the action and the meta. */
    static JsonNode treeEvent(Entry e, boolean withTs, long ts) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("event", "add");
        n.set("action", e.action().json());
        n.set("meta", MetaJson.toJson(e.meta()));
        if (withTs) {
            n.put("ts", ts);
        }
        return n;
    }

    @Test
    void anAddEventIsTheTreeFormOnOneLine() throws IOException {
        Meta plain = Meta.of(ActionId.of(7, "bob:1", 0), 7, List.of()).withAdded(3);
        Meta full = new Meta(ActionId.of(8, "bob:1", 2), -5, 4, List.of("b", "a"), 3,
            Map.of("a", MetaJson.reader().readTree("1"),
                "nested", MetaJson.reader().readTree("{\"x\":[1,\"y\",null],\"z\":1.5}")));
        List<Entry> entries = List.of(
            entry("{\"type\":\"chat/message\",\"text\":\"h\u00E9llo \\\"quoted\\\" \\n\"}", plain),
            entry("{\"type\":\"x\",\"n\":[1,2.5,true],\"o\":{}}", full),
            // a line break between the tokens of the text as received: still one line
            entry("{\"type\":\"multi\",\n \"a\":\r\n1}", full));
        AddLine lines = new AddLine();
        for (Entry e : entries) {
            for (boolean withTs : new boolean[] {false, true}) {
                String line = lines.format(e, withTs, 1_700_000_000_123_456L);
                assertFalse(line.contains("\n") || line.contains("\r"), line);
                // the same event, field for field, and the action's text as it came (a line break is a space)
                assertEquals(treeEvent(e, withTs, 1_700_000_000_123_456L).toString(),
                    MetaJson.reader().readTree(line).toString());
                assertTrue(line.startsWith("{\"event\":\"add\",\"action\":"
                    + e.action().toJson().replace('\n', ' ').replace('\r', ' ') + ",\"meta\":"), line);
            }
        }
    }

    @Test
    void theHandAssembledLineIsTheGeneratorsText() throws IOException {
        // the builder path of AddLine.format against the generator's, over the cases that choose between them
        List<String> nodes = List.of("bob:1", "h\u00E9:\u65E5\u672C", "a\"b", "back\\slash", "ctl\u0001", "del\u007F",
            "sep\u2028x", "emoji\uD83D\uDE00");
        List<List<String>> reasons = List.of(List.of(), List.of("syncing"), List.of("b", "a", "c"),
            List.of("q\"uote"), List.of("tab\t"), List.of("\u00FCml"));
        List<String> actions = List.of("{\"type\":\"a\"}", "{\"type\":\"chat\",\"text\":\"h\u00E9 \\\"q\\\" \\n\"}",
            "{\"type\":\"multi\",\n \"a\":1}", "{ \"type\" : \"spaced\" }");
        AddLine lines = new AddLine();
        int n = 0;
        for (String node : nodes) {
            for (List<String> rs : reasons) {
                for (String action : actions) {
                    n++;
                    Meta meta = new Meta(ActionId.of(1_700_000_000_000L + n, node, n % 3), n % 2 == 0 ? -n : n,
                        n % 5, rs, n % 4, n % 7 == 0 ? Map.of("k", MetaJson.reader().readTree("\"v\"")) : Map.of());
                    Entry e = entry(action, meta);
                    for (boolean withTs : new boolean[] {false, true}) {
                        assertEquals(lines.formatWithGenerator(e, withTs, 42L + n), lines.format(e, withTs, 42L + n),
                            e.toString());
                    }
                }
            }
        }
    }

    /**
     * Lines appended one after the other to one batch (the stdout writer's way) are the generator's, line for line,
     * whichever path each takes: the node id and the reasons kept from the line before (the same objects, equal
     * ones, other ones), and a line that starts on the shortest path and leaves it at its action's first char beyond
     * ASCII or line break, after a line that stayed on it.
     */
    @Test
    void linesAppendedToOneBatchAreTheGeneratorsTextLineAfterLine() throws IOException {
        String node = "bench-a:EqzAY9m_";
        List<String> pair = List.of("bench", "mesh");
        List<Object[]> lines = List.of(
            new Object[] {"{\"type\":\"a\",\"i\":1}", node, pair},
            new Object[] {"{\"type\":\"a\",\"i\":2}", node, pair},
            new Object[] {"{\"type\":\"caf\u00e9\"}", node, pair},
            new Object[] {"{\"type\":\"a\",\n\"i\":3}", node, pair},
            new Object[] {"{\"type\":\"a\",\"i\":4}", new String(node.toCharArray()), List.of("bench", "mesh")},
            new Object[] {"{\"type\":\"a\",\"i\":5}", "q\"node", pair},
            new Object[] {"{\"type\":\"a\",\"i\":6}", node, List.of("q\"uote")},
            new Object[] {"{\"type\":\"a\",\"i\":7}", node, List.of()},
            new Object[] {"{\"type\":\"\u65e5\"}", "h\u00E9:1", List.of("\u00FCml")},
            new Object[] {"{\"type\":\"a\",\"i\":8}", node, pair},
            new Object[] {"{\"type\":\"a\",\"i\":9}", "bob:1", List.of("r")});
        for (boolean withTs : new boolean[] {false, true}) {
            AddLine add = new AddLine();
            Utf8Batch batch = new Utf8Batch(16);
            StringBuilder expected = new StringBuilder();
            int n = 0;
            for (Object[] l : lines) {
                n++;
                @SuppressWarnings("unchecked")
                List<String> reasons = (List<String>) l[2];
                Meta meta = new Meta(ActionId.of(1_700_000_000_000L + n, (String) l[1], n % 2), 1_700_000_000_000L - n, n,
                    reasons, n % 3, n == 10 ? Map.of("k", MetaJson.reader().readTree("1")) : Map.of());
                Entry e = entry((String) l[0], meta);
                add.appendTo(batch, e, withTs, 42L + n);
                batch.bytes(new byte[] {'\n'});
                expected.append(add.formatWithGenerator(e, withTs, 42L + n)).append('\n');
            }
            assertEquals(expected.toString(), batch.toString());
        }
    }

    /**
     * The async writer formats add lines into its batch (no string per line): the lines it writes are the lines
     * {@link AddLine#format} makes, in order, between other events, for both of its paths.
     */
    @Test
    void theWriterThreadWritesTheAddLinesInOrder() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Ndjson out = new Ndjson(new PrintStream(bytes, false, StandardCharsets.UTF_8), false, true);
        AddLine lines = new AddLine();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            Meta meta = new Meta(ActionId.of(1_700_000_000_000L + i, i % 10 == 0 ? "q\"node" : "bob:1", i % 3), i, i + 1,
                List.of("r"), 0, i % 7 == 0 ? Map.of("k", MetaJson.reader().readTree("[1,2.50]")) : Map.of());
            Entry e = entry("{\"type\":\"t\",\"i\":" + i + "}", meta);
            out.add(e);
            expected.add(lines.format(e, false, 0));
            if (i % 1000 == 0) {
                out.line("between " + i);
                expected.add("between " + i);
            }
        }
        out.close();
        assertEquals(expected, List.of(bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator())));
    }

    /**
     * JSON lines are UTF-8 bytes whatever the stream's charset: on JDK 17 {@code System.out} encodes with the
     * locale's charset, US-ASCII in a {@code C} locale, which printed {@code ?} for every other character of an
     * action (an add line, another event, and the same in the synchronous mode of {@code logmesh status}).
     */
    @Test
    void jsonLinesAreUtf8WhateverTheStreamsCharset() throws IOException {
        String text = "{\"type\":\"chat\",\"text\":\"h\u00E9llo \u65E5\u672C \uD83D\uDE00\"}";
        Entry e = entry(text, Meta.of(ActionId.of(7, "bob:1", 0), 7, List.of("r")).withAdded(1));
        ObjectNode event = JsonNodeFactory.instance.objectNode().put("event", "error").put("message", "caf\u00E9");
        String expected = new AddLine().format(e, false, 0) + System.lineSeparator() + "{\"event\":\"error\","
            + "\"message\":\"caf\u00E9\"}" + System.lineSeparator();
        for (boolean async : new boolean[] {true, false}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Ndjson out = new Ndjson(new PrintStream(bytes, true, StandardCharsets.US_ASCII), false, async);
            out.add(e);
            out.print(event);
            out.close();
            assertEquals(expected, bytes.toString(StandardCharsets.UTF_8), "async " + async);
        }
    }

    /**
     * An event naming a peer whose node id has an unpaired surrogate (a Java node named by a cut string): its line
     * must read back as that id, as the add lines' meta does ({@code AddLineOddTextTest}). The event text came from
     * a string generator, which keeps the raw surrogate, and the line was then encoded with {@code getBytes}, which
     * writes {@code ?} for it: the {@code peer} line named another node.
     */
    @Test
    void anEventWithAnUnpairedSurrogateReadsBackAsIt() throws IOException {
        for (boolean async : new boolean[] {true, false}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Ndjson out = new Ndjson(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, async);
            ObjectNode n = out.event("peer");
            n.put("state", "connected");
            n.put("node", "c\uDC00:x \uD83D");
            out.print(n);
            out.close();
            JsonNode back = MetaJson.reader().readTree(bytes.toString(StandardCharsets.UTF_8));
            assertEquals("c\\udc00:x \\ud83d", escape(back.get("node").asText()), "async " + async);
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }

    /** A terminal's lines ({@link HumanOutput}) keep the stream's charset: the terminal's, not UTF-8. */
    @Test
    void terminalLinesKeepTheStreamsCharset() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Ndjson out = new Ndjson(new PrintStream(bytes, true, StandardCharsets.ISO_8859_1), false, false, true);
        out.line("caf\u00E9");
        out.close();
        assertEquals("caf\u00E9" + System.lineSeparator(), bytes.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void closeWritesTheLinesQueuedBeforeIt() throws Exception {
        StdoutBackpressureTest.StalledOutput held = new StdoutBackpressureTest.StalledOutput();
        Ndjson out = new Ndjson(new PrintStream(held, false, StandardCharsets.UTF_8), false, true);
        out.line("first");
        assertTrue(held.writing.await(10, TimeUnit.SECONDS), "the writer took the first line");
        List<String> expected = new ArrayList<>(List.of("first"));
        for (int i = 0; i < 5; i++) {
            out.line("line " + i);
            expected.add("line " + i);
        }
        // the rest waits in the queue, then the stop mark: the writer takes them in one batch with the mark behind
        Thread opener = new Thread(() -> {
            // the output opens once close() has begun (the stop mark follows the closed flag at once)
            await().atMost(Duration.ofSeconds(10)).until(out::closing);
            held.open.countDown();
        });
        opener.start();
        out.close();
        opener.join();
        assertEquals(expected, held.lines());
        assertEquals(0, out.queuedBytes());
    }

    @Test
    void manyLinesAreWrittenInOrderAndTheQueueEmpties() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        try (Ndjson out = new Ndjson(new PrintStream(bytes, false, StandardCharsets.UTF_8), false, true, 64 * 1024,
                100)) {
            for (int i = 0; i < 5_000; i++) {
                String text = "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(i % 300) + "\"}";
                out.line(text);
                expected.add(text);
                out.awaitRoom();
            }
        }
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(expected, List.of(s.split(System.lineSeparator())));
    }

    /** Events are written with Jackson's core generator (no mapper before ready): the same text as toString. */
    @Test
    void eventTextIsTheTreesToString() throws IOException {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("event", "ready");
        n.put("node", "a:\"q\"\\ \u0001 é 😀");
        n.put("int", 7);
        n.put("long", Long.MAX_VALUE);
        n.put("double", 0.1);
        n.put("float", 1.5f);
        n.put("big", new java.math.BigInteger("123456789012345678901234567890"));
        n.put("decimal", new java.math.BigDecimal("1.10"));
        n.put("yes", true);
        n.putNull("none");
        n.putArray("list").add(1).add("two").addObject().put("three", 3);
        n.putObject("empty");
        n.putArray("none2");
        assertEquals(n.toString(), Ndjson.text(n));
        JsonNode parsed = MetaJson.reader().readTree("{\"a\":[1,2.5,-3e400,\"x\\ty\",{\"b\":null}],\"c\":1e2}");
        assertEquals(parsed.toString(), Ndjson.text(parsed));
    }
}
