package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * The receiving path of a {@code sync} frame, new against old: {@link MessageCodec#decode(byte[], int, int)} (the
 * scanner, whose entries are {@link ScannedEntries} columns, each meta made by {@link ScannedEntries#meta}; the
 * decoder for what the scanner leaves) against {@link MessageCodec#decodeStreaming} (Jackson) and
 * {@link WireMeta#toMeta}, on random frames: ids in all four forms, node ids and reasons in and out of ASCII, escapes,
 * numbers at and past JavaScript's safe range, reasons as a string, none, repeated, subprotocols, custom keys,
 * {@code added}, keys in any order, whitespace; base times and time fixes that push a value out of range. Each frame
 * gives the same message (or the same error), and each entry the same {@link Meta} (or the same error).
 */
class ReceivePathProperties {
    private static final long MAX = ActionId.MAX_SAFE;

    @Property(seed = "50", tries = 3000)
    void sameEntriesAsTheDecoder(@ForAll long seed) {
        Random r = new Random(seed);
        String frame = frame(r);
        String remote = pick(r, "peer", "380:R7BNGAP5:px3-J3oc", "n\u00fc", "p");
        // a real connection's base time and time fix in 5 of 6 frames; else ones that push values out of range
        boolean edge = r.nextInt(6) == 0;
        long baseTime = edge ? pick(r, 0L, MAX, MAX - 1, -1_733_500_000_000L, r.nextLong() >> 12)
            : 1_733_500_000_000L + r.nextInt(1_000_000);
        long timeFix = edge ? pick(r, MAX, -MAX, Long.MIN_VALUE, Long.MAX_VALUE, r.nextLong() >> 20)
            : pick(r, 0L, -5_000L, 7_000L, (long) r.nextInt(100_000) - 50_000);
        long added = pick(r, 0L, 1L, 100_001L);
        Statistics.collect(compare(frame, remote, baseTime, timeFix, added));
    }

    /** Frames with one byte deleted, doubled or replaced: the same message or the same error either way. */
    @Property(seed = "50", tries = 3000)
    void malformedFramesRefusedAlike(@ForAll long seed) {
        Random r = new Random(seed);
        byte[] b = frame(r).getBytes(StandardCharsets.UTF_8);
        int at = r.nextInt(b.length);
        byte[] m = switch (r.nextInt(3)) {
            case 0 -> concat(b, 0, at, new byte[0], b, at + 1);
            case 1 -> concat(b, 0, at + 1, new byte[] {b[at]}, b, at + 1);
            default -> {
                byte[] c = b.clone();
                String swaps = "{}[],:\"\\ 0-9a.eE\u0000";
                c[at] = (byte) swaps.charAt(r.nextInt(swaps.length()));
                if (r.nextInt(8) == 0) {
                    c[at] = (byte) (0x80 + r.nextInt(0x80));
                }
                yield c;
            }
        };
        Statistics.collect(compare(new String(m, StandardCharsets.ISO_8859_1), m, "peer", 1_733_500_000_000L, -40L,
            0L));
    }

    /** A logmesh peer's compact metas, and the other forms the scanner reads, take the columns' path. */
    @Test
    void commonFramesAreScanned() throws ProtocolError {
        String frame = "[\"sync\",7,{\"type\":\"a\"},{\"id\":5,\"time\":3,\"reasons\":[\"x\"]},"
            + "{\"type\":\"a\"},{\"id\":[6,2],\"time\":4},{\"type\":\"b\",\"v\":[1]},{\"id\":[7,\"m\",0],\"time\":-1,"
            + "\"reasons\":[\"x\",\"y\"]},{\"type\":\"a\"},{ \"time\" : 1, \"id\" : \"9 q 1\", \"subprotocol\" : 3 }]";
        byte[] b = frame.getBytes(StandardCharsets.UTF_8);
        Message.Sync s = (Message.Sync) new MessageCodec().decode(b, 0, b.length);
        ScannedEntries c = assertInstanceOf(ScannedEntries.class, s.entries());
        assertEquals(new Meta(new ActionId(1005, "p", 0), 1003 - 40, 1, List.of("x"), 0, java.util.Map.of()),
            c.meta(0, "p", 1000, -40, 1));
        assertEquals(new Meta(new ActionId(1007, "m", 0), 1000 - 1 - 40, 0, List.of("x", "y"), 0, java.util.Map.of()),
            c.meta(2, "p", 1000, -40, 0));
        assertEquals(new Meta(new ActionId(9, "q", 1), 1001 - 40, 0, List.of(), 3, java.util.Map.of()),
            c.meta(3, "p", 1000, -40, 0));
        assertEquals(new MessageCodec().decodeStreaming(b, 0, b.length), s);
    }

    private static byte[] concat(byte[] a, int from, int to, byte[] mid, byte[] c, int cFrom) {
        byte[] out = new byte[(to - from) + mid.length + (c.length - cFrom)];
        System.arraycopy(a, from, out, 0, to - from);
        System.arraycopy(mid, 0, out, to - from, mid.length);
        System.arraycopy(c, cFrom, out, to - from + mid.length, c.length - cFrom);
        return out;
    }

    private static String compare(String frame, String remote, long baseTime, long timeFix, long added) {
        return compare(frame, frame.getBytes(StandardCharsets.UTF_8), remote, baseTime, timeFix, added);
    }

    /**
     * Decodes {@code b} both ways and converts each entry both ways; asserts the same outcomes. Returns what happened
     * (for the statistics).
     */
    private static String compare(String shown, byte[] b, String remote, long baseTime, long timeFix, long added) {
        Object fresh = outcome(() -> new MessageCodec().decode(b, 0, b.length));
        Object old = outcome(() -> new MessageCodec().decodeStreaming(b, 0, b.length));
        assertEquals(old, fresh, shown);
        if (!(fresh instanceof Message.Sync s)) {
            return fresh instanceof Message ? "another message" : "frame refused";
        }
        Message.Sync o = (Message.Sync) old;
        boolean scanned = s.entries() instanceof ScannedEntries;
        int refusedMetas = 0;
        for (int i = 0; i < s.entries().size(); i++) {
            int at = i;
            Object want = outcome(() -> o.entries().get(at).meta().toMeta(remote, baseTime, timeFix, added));
            Object got = outcome(() -> s.entries() instanceof ScannedEntries c
                ? c.meta(at, remote, baseTime, timeFix, added)
                : s.entries().get(at).meta().toMeta(remote, baseTime, timeFix, added));
            assertEquals(want, got, shown + " entry " + i);
            if (s.entries() instanceof ScannedEntries c) {
                assertEquals(o.entries().get(i).action(), c.action(i), shown);
                assertEquals(o.entries().get(i).meta().hasReasons(), c.hasReasons(i), shown);
            }
            if (!(got instanceof Meta)) {
                refusedMetas++;
            }
        }
        return (scanned ? "scanned" : "decoder") + (refusedMetas > 0 ? ", a meta refused" : "");
    }

    private interface Call {
        Object call() throws ProtocolError;
    }

    /** The value, or the error's type, text and offending wire. */
    private static Object outcome(Call c) {
        try {
            return c.call();
        } catch (ProtocolError e) {
            return "error " + e.type() + ": " + e.getMessage() + " / " + e.toMessage();
        }
    }

    // ---------------------------------------------------------------- random frames

    /**
     * A random frame of 1 to 4 entries: valid in shape in 3 of 4 frames (values may still go out of range once
     * unshifted), else with a wrong value here and there (each choice wrong once in 12).
     */
    private static String frame(Random r) {
        Gen g = new Gen(r, r.nextInt(4) == 0);
        StringBuilder f = new StringBuilder("[\"sync\",").append(g.pick(List.of("1", "0", "9007199254740991", "12"),
            List.of("-1", "1.5", "9007199254740992")));
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            f.append(',').append(g.action()).append(',').append(g.meta());
        }
        return f.append(']').toString();
    }

    /** Frame parts: valid choices, and with {@code wild} now and then a wrong one. */
    private record Gen(Random r, boolean wild) {
        <T> T pick(List<T> valid, List<T> wrong) {
            List<T> from = wild && !wrong.isEmpty() && r.nextInt(12) == 0 ? wrong : valid;
            return from.get(r.nextInt(from.size()));
        }

        String action() {
            return pick(List.of("{\"type\":\"a\"}", "{\"type\":\"bench/bulk\",\"i\":12}", "{\"type\":\"\u00e9t\u00e9\"}",
                "{\"type\":\"a\",\"s\":\"\\u00e9\\n\"}", "{\"v\":[1.5e3,null,true],\"type\":\"b\"}",
                "{\"type\":\"\\u0061\"}", "{ \"type\" : \"a\" , \"o\" : { } }"),
                List.of("{}", "{\"type\":1}", "[]", "{\"type\":\"\"}"));
        }

        String meta() {
            List<String> keys = new ArrayList<>();
            keys.add("\"id\":" + id());
            if (!wild || r.nextInt(20) > 0) {
                keys.add("\"time\":" + number());
            }
            if (r.nextInt(10) > 2) {
                keys.add("\"reasons\":" + pick(List.of("[\"a\"]", "[\"a\",\"b\"]", "[\"a\",\"a\"]",
                    "[\"a\",\"b\",\"c\",\"a\"]", "[]", "\"a\"", "[\"\u00fc\"]", "[\"a\" , \"b\"]", "[\"bench\"]",
                    "[\"\\u0061\"]", "[\"\ud83d\ude00\",\"x\"]"), List.of("[\"\"]", "null", "[1]", "\"\"", "{}")));
            }
            if (r.nextInt(5) == 0) {
                keys.add("\"subprotocol\":" + pick(List.of("null", "0", "3", "2147483647"),
                    List.of("2147483648", "-1", "\"1.0\"", "1.5")));
            }
            if (r.nextInt(8) == 0) {
                keys.add("\"added\":" + pick(List.of("5", "\"x\"", "[1,{}]", "null"), List.of()));
            }
            if (r.nextInt(10) == 0) {
                keys.add(pick(List.of("\"k\":1",
                    "\"\u043a\u043b\u044e\u0447\":\"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435\"",
                    "\"big\":123456789012345678901234567890", "\"o\":{\"a\":[1,2,{\"b\":null}]}", "\"f\":-0.5e-7",
                    "\"time2\":\"\\ud83d\\ude00\""), List.of("\"added\":1e999", "\"k\":1e400")));
            }
            if (r.nextInt(5) == 0) {
                Collections.shuffle(keys, r);
            }
            String joined = String.join(r.nextInt(10) == 0 ? " , " : ",", keys);
            return r.nextInt(10) == 0 ? "{ " + joined.replace("\":", "\" : ") + " }" : "{" + joined + "}";
        }

        String id() {
            return switch (r.nextInt(4)) {
                case 0 -> number();
                case 1 -> "[" + number() + "," + seq() + "]";
                case 2 -> "[" + number() + ",\"" + node() + "\"," + seq() + "]";
                default -> "\"" + pick(List.of("1 n 0", "1733500000000 380:R7BNGAP5:px3-J3oc 12",
                    "9007199254740991 a 9007199254740991", "0 \u00fc 1", "5 \ud83d\ude00 0"),
                    List.of("9007199254740992 a 0", "1 a b 0", "1 n", "-1 n 0", "01 n 0", "1  n 0")) + "\"";
            };
        }

        String node() {
            return pick(List.of("n", "380:R7BNGAP5:px3-J3oc", "bench-a", "n", "bench-a", "peer", "\u00fcber", "\ud83d\ude00", "\\u0041b", "q\\\"",
                "server:1"), List.of("a b", ""));
        }

        String seq() {
            return pick(List.of("0", "1", "42", "9007199254740991"), List.of("9007199254740992", "-1", "1.0", "01"));
        }

        String number() {
            return switch (r.nextInt(12)) {
                case 0 -> "0";
                case 1 -> "-1";
                case 2 -> "9007199254740991";
                case 3 -> "-9007199254740991";
                case 4 -> pick(List.of("1733500000000", "-1733500000000"),
                    List.of("9007199254740992", "1.5", "1e3", "-0", "01", "1E2", "99999999999999999999"));
                default -> Long.toString(r.nextInt(3) == 0 ? r.nextLong() % MAX : r.nextInt(2_000_000) - 1_000_000);
            };
        }
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }
}
