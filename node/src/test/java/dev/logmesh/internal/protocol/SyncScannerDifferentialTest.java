package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.logmesh.internal.log.Interner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SyncScanner} against the streaming decoder on frames written to hit its edges (the brief of a review of
 * the scanner): for each, the scanner declines it or returns what the decoder returns, and declines every frame
 * the decoder refuses.
 */
class SyncScannerDifferentialTest {
    private static final String META = "{\"id\":[1,\"n\",0],\"time\":1}";

    private static String frame(String action, String meta) {
        return "[\"sync\",1," + action + "," + meta + "]";
    }

    static Stream<String> frames() {
        List<String> f = new ArrayList<>();
        String[] actions = {
            "{\"type\":\"a\",\"type\":\"b\"}", "{\"type\":\"a\",\"x\":1,\"x\":2}", "{\"x\":{\"type\":1},\"type\":\"a\"}",
            "{\"type\":\"a\",\"n\":-0}", "{\"type\":\"a\",\"n\":1e2}", "{\"type\":\"a\",\"n\":1.0}",
            "{\"type\":\"a\",\"n\":9007199254740993}", "{\"type\":\"a\",\"n\":9223372036854775808}",
            "{\"type\":\"a\",\"n\":-9223372036854775809}", "{\"type\":\"a\",\"n\":1E+400}",
            "{\"type\":\"a\",\"s\":\"\\u0000\"}", "{\"type\":\"a\",\"s\":\"\\ud800\"}", "{\"type\":\"a\",\"s\":\"\\udc00x\"}",
            "{\"type\":\"a\",\"s\":\"\u2028\u2029\"}", "{\"type\":\"a\",\"\u00e9\":1}", "{\"type\":\"a\",\"s\":\"\uD83D\uDE00\"}",
            "{\"type\":\"a\",\"s\":\"\u007f\"}", "{\t\"type\"\t:\t\"a\"\t}", "{\"type\":\"a\",\"\":\"\"}",
            "{\"type\":\"a\",\"k\":{\"\":{\"\":[]}}}", "{\"type\":\"a b\"}", "{\"type\":\"\u007f\"}",
            "{\"type\":\"a\",\"t\":true,\"f\":false,\"n\":null}", "{\"type\":\"a\",\"n\":[-1.5E-3,0.0,-0.0]}",
            // names as long as Jackson's StreamReadConstraints allow (50,000) and one more
            "{\"type\":\"a\",\"" + "k".repeat(50_000) + "\":1}", "{\"type\":\"a\",\"" + "k".repeat(50_001) + "\":1}",
            "{\"type\":\"a\",\"o\":{\"" + "k".repeat(50_001) + "\":1}}",
            "{\"" + "k".repeat(50_001) + "\":1,\"type\":\"a\"}",
            "{\"type\":\"a\",\"s\":\"" + "v".repeat(200_000) + "\"}",
            // surrogate escapes in names (Jackson checks pairs in names, not in values)
            "{\"type\":\"a\",\"\\ud800\":1}", "{\"type\":\"a\",\"\\udc00\":1}", "{\"type\":\"a\",\"\\ud800x\":1}",
            "{\"type\":\"a\",\"\\ud800\\u0041\":1}", "{\"type\":\"a\",\"\\uD83D\\uDE00\":1}",
            "{\"type\":\"a\",\"o\":{\"x\\uDBFF\":1}}", "{\"type\":\"a\",\"\\ud800\uD83D\uDE00\":1}",
            "{\"type\":\"a\",\"\\ud800\\ud800\":1}", "{\"type\":\"a\",\"\\udc00\\ud800\":1}",
            "{\"type\":\"a\",\"o\":{\"\\ud800\":1}}", "{\"type\":\"a\",\"o\":{\"\\udc00\":1}}",
            "{\"type\":\"a\",\"o\":[{\"\\ud800x\":1}]}", "{\"type\":\"a\",\"o\":{\"\\ud800\\u0041\":1}}",
            "{\"type\":\"a\",\"o\":{\"\\uD83D\\uDE00\":1}}", "{\"type\":\"a\",\"o\":{\"\\ud800\\ud800\":1}}",
            "{\"type\":\"a\",\"o\":{\"\\ud800\uD83D\uDE00\":1}}", "{\"type\":\"a\",\"o\":{\"\\udc00\\ud800\":1}}",
            "{\"type\":\"a\",\"o\":{\"k\":\"\\ud800\"}}",
        };
        for (String a : actions) {
            f.add(frame(a, META));
        }
        String[] metas = {
            "{\"id\":[1,\"n\",0],\"time\":1,\"id\":5}", "{\"id\":5,\"time\":1,\"id\":[1,\"n\",0]}",
            "{\"id\":\"1 n 0\",\"time\":1}", "{\"id\":\"1  n 0\",\"time\":1}", "{\"id\":\" 1 n 0\",\"time\":1}",
            "{\"id\":\"1 n 0 \",\"time\":1}", "{\"id\":\"1 n\",\"time\":1}", "{\"id\":\"1 a b 0\",\"time\":1}",
            "{\"id\":\"-1 n 0\",\"time\":1}", "{\"id\":\"01 n 0\",\"time\":1}", "{\"id\":\"1 n 00\",\"time\":1}",
            "{\"id\":\"+1 n 0\",\"time\":1}", "{\"id\":\"1.0 n 0\",\"time\":1}", "{\"id\":\"1e2 n 0\",\"time\":1}",
            "{\"id\":\"9007199254740992 n 0\",\"time\":1}", "{\"id\":\"1 n 9007199254740992\",\"time\":1}",
            "{\"id\":\"1 n -0\",\"time\":1}", "{\"id\":\"-0 n 0\",\"time\":1}", "{\"id\":\"1\tn 0\",\"time\":1}",
            "{\"id\":\"1 n 0\",\"time\":1,\"id\":\"2 m 1\"}", "{\"id\":\"1 \u00e9 0\",\"time\":1}",
            "{\"id\":[1,\"n\",0],\"time\":-9007199254740991}", "{\"id\":[1,\"n\",0],\"time\":-9007199254740992}",
            "{\"id\":[1,\"n\",0],\"time\":9007199254740991}", "{\"id\":[1,\"n\",0],\"time\":-0}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"time\":2}", "{\"id\":[-9007199254740991,\"n\",0],\"time\":1}",
            "{\"id\":[1,\"n\",9007199254740991],\"time\":1}", "{\"id\":[1,2],\"time\":1}", "{\"id\":-7,\"time\":1}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":\"\"}", "{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":[\"a\",\"a\",\"a\"]}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":[\"a\",\"b\",\"a\",\"b\"]}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":[\"a\"],\"reasons\":null}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"subprotocol\":2147483647}", "{\"id\":[1,\"n\",0],\"time\":1,\"subprotocol\":0}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"subprotocol\":\"1.0.0\"}", "{\"id\":[1,\"n\",0],\"time\":1,\"added\":\"x\"}",
            "{\"id\":[1,\"n\",0],\"time\":1,\"added\":null,\"added\":[[[]]]}",
            "{\"added\":1,\"id\":[1,\"n\",0],\"time\":1,\"added\":{\"" + "k".repeat(50_001) + "\":1}}",
        };
        for (String m : metas) {
            f.add(frame("{\"type\":\"a\"}", m));
        }
        f.add("[\"sync\",9007199254740991]");
        f.add("[\"sync\",9007199254740992]");
        f.add("[\"sync\",0] ");
        f.add("[\"sync\",0]\n\n");
        f.add("[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1}]]");
        f.add("[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1}][]");
        f.add("[\"sync\",1,[\"synced\",1]]");
        f.add("[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1},{\"type\":\"a\"}]");
        return f.stream();
    }

    private static final String[] WS = {"", "", "", " ", "\t", "\n", "\r\n", "  "};
    private static final String[] STRINGS = {"", "a", "type", "id", "\\u0000", "\\ud800", "\\uD83D\\uDE00", "\u00e9",
        "\u65e5\u672c", "\uD83D\uDE00", "\u2028", "\u007f", "\\\"", "\\/", "\\n", " n ", "1 n 0", "time"};
    private static final String[] NUMBERS = {"0", "-0", "1", "-1", "1.0", "1e2", "1E-2", "-0.0", "9007199254740991",
        "9007199254740992", "-9007199254740991", "9223372036854775807", "9223372036854775808", "0.5e+3", "123456789"};

    private static String ws(Random r) {
        return WS[r.nextInt(WS.length)];
    }

    private static String value(Random r, int depth) {
        int k = r.nextInt(depth > 4 ? 4 : 6);
        return switch (k) {
            case 0 -> "\"" + STRINGS[r.nextInt(STRINGS.length)] + "\"";
            case 1 -> NUMBERS[r.nextInt(NUMBERS.length)];
            case 2 -> new String[] {"true", "false", "null"}[r.nextInt(3)];
            case 3 -> "\"" + STRINGS[r.nextInt(STRINGS.length)] + STRINGS[r.nextInt(STRINGS.length)] + "\"";
            case 4 -> object(r, depth + 1, false);
            default -> {
                StringBuilder a = new StringBuilder("[").append(ws(r));
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.append(i > 0 ? "," + ws(r) : "").append(value(r, depth + 1)).append(ws(r));
                }
                yield a.append("]").toString();
            }
        };
    }

    private static String object(Random r, int depth, boolean action) {
        StringBuilder o = new StringBuilder("{").append(ws(r));
        int n = r.nextInt(4) + (action ? 1 : 0);
        for (int i = 0; i < n; i++) {
            String key = action && r.nextInt(3) == 0 ? "type" : STRINGS[r.nextInt(STRINGS.length)];
            String v = key.equals("type") && action && r.nextInt(4) > 0
                ? "\"" + new String[] {"a", "b/c", "logux/undo", "", "\u00e9", "a b"}[r.nextInt(6)] + "\""
                : value(r, depth);
            o.append(i > 0 ? "," + ws(r) : "").append('"').append(key).append('"').append(ws(r)).append(':')
                .append(ws(r)).append(v).append(ws(r));
        }
        return o.append("}").toString();
    }

    private static String meta(Random r) {
        String[] ids = {"[1,\"n\",0]", "[-5,\"n:1\",3]", "\"1 n 0\"", "\"1  n 0\"", "5", "[1,2]", "\"1 n:x 7\"",
            "-0", "1.0", "[1,\"\",0]", "\"1 \u00e9 0\""};
        String[] others = {"\"time\":1", "\"time\":-1", "\"time\":1e0", "\"reasons\":[\"a\",\"b\",\"a\"]",
            "\"reasons\":\"r\"", "\"reasons\":null", "\"reasons\":[]", "\"subprotocol\":3", "\"subprotocol\":null",
            "\"added\":5", "\"added\":{\"x\":[1]}", "\"reasons\":[\"\"]", "\"time\":9007199254740991"};
        List<String> parts = new ArrayList<>();
        parts.add("\"id\":" + ws(r) + ids[r.nextInt(ids.length)]);
        parts.add("\"time\":" + ws(r) + NUMBERS[r.nextInt(NUMBERS.length)]);
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            parts.add(others[r.nextInt(others.length)]);
        }
        java.util.Collections.shuffle(parts, r);
        return "{" + ws(r) + String.join("," + ws(r), parts) + ws(r) + "}";
    }

    /** Random frames of the common shape and near it, from a grammar (not mutations of a corpus). */
    @Test
    void generatedFramesAgreeWithTheDecoder() {
        Random r = new Random(2026_12_01);
        int taken = 0;
        for (int round = 0; round < 30_000; round++) {
            StringBuilder f = new StringBuilder("[\"sync\",").append(ws(r)).append(r.nextInt(5)).append(ws(r));
            int n = r.nextInt(3);
            for (int i = 0; i < n; i++) {
                f.append(',').append(ws(r)).append(object(r, 1, true)).append(ws(r)).append(',').append(ws(r))
                    .append(meta(r)).append(ws(r));
            }
            f.append(']').append(ws(r));
            byte[] b = f.toString().getBytes(StandardCharsets.UTF_8);
            if (SyncScanner.scan(b, 0, b.length, new Interner()) != null) {
                taken++;
            }
            theScannerDeclinesOrAgreesWithTheDecoder(f.toString());
        }
        assertEquals(true, taken > 3000, "the generated frames must reach the accepting paths, took " + taken);
    }

    /**
     * Frames of many entries whose types, id nodes and reasons repeat or nearly repeat the entry before's (break23:
     * the scanner takes a repeated one from the entry before by a byte compare): the same text in another escape
     * form, a prefix or an extension, unicode, a long string, the same bytes in another field, reasons arrays of
     * other lengths or order. Each frame agrees with the decoder, and most are taken.
     */
    @Test
    void framesOfRepeatedAndNearlyRepeatedStringsAgreeWithTheDecoder() {
        String longName = "t".repeat(5_000);
        // the plain ones first: an escape or a non-ASCII byte makes the scanner decline the whole frame
        String[] types = {"ab", "ab", "abc", "a", "b", "ab ", "Ab", "ab/", longName, longName, longName + "u", "time",
            "n", "reasons", "a\\u0062", "\\u0061b", "\u00e9b", "ab\\/", "a\\\\b", "\\\"ab"};
        String[] nodes = {"n", "n", "n:1", "n:12", "n1", "m", "ab", longName, longName, "time", "n ", "\\u006e",
            "\u00e9", "n\\n"};
        String[] reasons = {"[\"a\"]", "[\"a\"]", "[\"a\",\"b\"]", "[\"b\",\"a\"]", "[\"a\",\"a\"]",
            "[\"a\",\"b\",\"c\"]", "[\"ab\"]", "[\"\\u0061\"]", "[\"a\" ]", "[ \"a\"]", "[]", "[\"n\"]",
            "[\"" + longName + "\"]", "[\"a\",\"" + longName + "\"]", "[\"\u00e9\"]", "[\"ab\",\"a\"]"};
        Random r = new Random(2026_12_03);
        int taken = 0;
        int frames = 400;
        for (int round = 0; round < frames; round++) {
            StringBuilder f = new StringBuilder("[\"sync\",").append(r.nextInt(5));
            int n = 1 + r.nextInt(12);
            for (int i = 0; i < n; i++) {
                String type = pick(r, types, 14);
                String node = pick(r, nodes, 10);
                String action = switch (r.nextInt(4)) {
                    case 0 -> "{\"type\":\"" + type + "\"}";
                    case 1 -> "{\"x\":\"" + type + "\",\"type\":\"" + type + "\"}";
                    case 2 -> "{\"type\":\"" + pick(r, types, 14) + "\",\"type\":\"" + type + "\"}";
                    default -> "{\"type\":\"" + type + "\",\"" + node + "\":[\"" + type + "\"]}";
                };
                StringBuilder meta = new StringBuilder("{\"id\":[").append(1 + r.nextInt(3)).append(",\"")
                    .append(node).append("\",").append(r.nextInt(3)).append("],\"time\":").append(r.nextInt(3));
                if (r.nextInt(4) > 0) {
                    meta.append(",\"reasons\":").append(reasons[r.nextInt(reasons.length)]);
                }
                meta.append('}');
                f.append(',').append(action).append(',').append(meta);
            }
            f.append(']');
            byte[] b = f.toString().getBytes(StandardCharsets.UTF_8);
            if (SyncScanner.scan(b, 0, b.length, new Interner()) != null) {
                taken++;
            }
            theScannerDeclinesOrAgreesWithTheDecoder(f.toString());
        }
        assertEquals(true, taken > frames / 4, "the frames must reach the accepting paths, took " + taken);
    }

    /** One of {@code a}: mostly of its first {@code plain}, else any. */
    private static String pick(Random r, String[] a, int plain) {
        return a[r.nextInt(16) > 0 ? r.nextInt(plain) : r.nextInt(a.length)];
    }

    /**
     * The sync frames of the recorded @logux/core sessions (interop/traces: a stock peer's and a real
     * {@code @logux/client} app's), as the trace wrote them: each agrees, and the scanner takes the common ones.
     */
    @Test
    void theSyncFramesOfRecordedLoguxSessionsAgree() throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Path.of("..", "interop", "traces");
        int frames = 0;
        int taken = 0;
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path file : files.filter(x -> x.toString().endsWith(".ndjson")).sorted().toList()) {
                for (String line : java.nio.file.Files.readAllLines(file)) {
                    int at = line.indexOf("\"msg\":[\"sync\",");
                    if (at < 0) {
                        continue;
                    }
                    String frame = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("msg").toString();
                    frames++;
                    byte[] b = frame.getBytes(StandardCharsets.UTF_8);
                    if (SyncScanner.scan(b, 0, b.length, new Interner()) != null) {
                        taken++;
                    }
                    theScannerDeclinesOrAgreesWithTheDecoder(frame);
                }
            }
        }
        assertEquals(true, frames >= 45 && taken >= frames * 3 / 4, "frames " + frames + ", taken " + taken);
    }

    @ParameterizedTest
    @MethodSource("frames")
    void theScannerDeclinesOrAgreesWithTheDecoder(String frame) {
        byte[] b = frame.getBytes(StandardCharsets.UTF_8);
        String what = frame.length() > 300 ? frame.substring(0, 150) + "..." + frame.substring(frame.length() - 100)
            : frame;
        Message.Sync fast = SyncScanner.scan(b, 0, b.length, new Interner());
        Message slow;
        try {
            slow = new MessageCodec().decodeStreaming(b, 0, b.length);
        } catch (ProtocolError | RuntimeException e) {
            if (fast != null) {
                fail("the scanner took a frame the decoder refuses (" + e.getMessage().substring(0,
                    Math.min(200, e.getMessage().length())) + "): " + what);
            }
            return;
        }
        if (fast == null) {
            return;
        }
        Message.Sync s = (Message.Sync) slow;
        assertEquals(s.added(), fast.added(), what);
        assertEquals(s.entries().size(), fast.entries().size(), what);
        for (int i = 0; i < s.entries().size(); i++) {
            assertEquals(s.entries().get(i).action().toJson(), fast.entries().get(i).action().toJson(), what);
            assertEquals(s.entries().get(i).action().type(), fast.entries().get(i).action().type(), what);
            assertEquals(s.entries().get(i).meta(), fast.entries().get(i).meta(), what);
            assertEquals(s.entries().get(i).tooDeep(), fast.entries().get(i).tooDeep(), what);
        }
    }
}
