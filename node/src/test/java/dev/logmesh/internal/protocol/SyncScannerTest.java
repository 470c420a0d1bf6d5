package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

import dev.logmesh.internal.log.Interner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SyncScanner} against {@link MessageCodec}'s streaming decoder: on every frame it takes, the same message
 * (action texts and types, metas, too-deep marks), and it declines every frame the decoder refuses. A corpus of
 * frames a peer sends, and random mutations of them (bytes replaced, dropped, doubled), so that what the scanner
 * takes is checked well beyond the shapes it was written for.
 */
class SyncScannerTest {
    private static final String[] TAKEN = {
        // what logmesh sends in a catch-up (SyncBench's actions), and Logux's id forms
        "[\"sync\",3,{\"type\":\"bench/bulk\",\"i\":0},{\"id\":[1764600000000,\"bench-a\",0],\"time\":1764600000000,"
            + "\"reasons\":[\"bench\"]},{\"type\":\"bench/bulk\",\"i\":1},{\"id\":[1764600000000,\"bench-a\",1],"
            + "\"time\":1764600000000,\"reasons\":[\"bench\"]}]",
        // and as SyncBench's server sends it today: the sender's own ids (a number for seq 0, else [time, seq]),
        // times shifted below the session's base, two reasons
        "[\"sync\",2,{\"type\":\"bench/bulk\",\"i\":0},{\"id\":-5034,\"time\":-5089,\"reasons\":[\"bench\",\"mesh\"]},"
            + "{\"type\":\"bench/bulk\",\"i\":1},{\"id\":[-5034,1],\"time\":-5089,\"reasons\":[\"bench\",\"mesh\"]}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":5,\"time\":-3}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[-5,2],\"time\":0,\"reasons\":\"one\"}]",
        "[\"sync\",9007199254740991,{\"type\":\"a\"},{\"id\":\"1 n 0\",\"time\":1,\"reasons\":[],"
            + "\"subprotocol\":3,\"added\":7}]",
        "[\"sync\",0,{\"type\":\"a\"},{\"id\":\"1 n 0\",\"time\":1,\"reasons\":[\"x\",\"y\",\"x\",\"z\"],"
            + "\"subprotocol\":null}]",
        "[\"sync\",2,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":[\"x\",\"x\"]},"
            + "{\"type\":\"b\"},{\"id\":[1,\"n\",1],\"time\":1,\"reasons\":[\"x\",\"y\"]}]",
        // reasons repeated around a pair (one list is made only for a third distinct reason)
        "[\"sync\",2,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":[\"x\",\"x\",\"y\"]},"
            + "{\"type\":\"b\"},{\"id\":[1,\"n\",1],\"time\":1,\"reasons\":[\"x\",\"y\",\"x\",\"y\"]},"
            + "{\"type\":\"c\"},{\"id\":[1,\"n\",2],\"time\":1,\"reasons\":[\"y\",\"x\",\"z\",\"x\"]}]",
        // a frame's entries repeat their type, node id and reasons (read once, then compared as bytes): the same,
        // one byte off at either end, a prefix of the one before, a third reason after two, a repeated type key
        "[\"sync\",6,{\"type\":\"ab\"},{\"id\":[1,\"nn\",0],\"time\":1,\"reasons\":[\"r\",\"s\"]},"
            + "{\"type\":\"ab\"},{\"id\":[1,\"nn\",1],\"time\":1,\"reasons\":[\"r\",\"s\"]},"
            + "{\"type\":\"ac\"},{\"id\":[1,\"mn\",2],\"time\":1,\"reasons\":[\"q\",\"s\"]},"
            + "{\"type\":\"bc\"},{\"id\":[1,\"mo\",3],\"time\":1,\"reasons\":[\"q\",\"s\",\"t\"]},"
            + "{\"type\":\"bc\",\"type\":\"b\"},{\"id\":[1,\"m\",4],\"time\":1,\"reasons\":[\"q\"]},"
            + "{\"type\":\"b\",\"x\":1},{\"id\":[1,\"m\",5],\"time\":1,\"reasons\":[\"q\",\"s\"]}]",
        "[\"sync\" , 4 , { \"type\" : \"a\" , \"n\" : [ 1 , 2.5e-3 , -0.0 , true , false , null , { } , [ ] ] } ,"
            + "\n\t{ \"id\" : [ 1 , \"n\" , 0 ] , \"time\" : 1 , \"reasons\" : [ ] } ]\r\n",
        // escapes and UTF-8 inside the action; the last type counts
        "[\"sync\",1,{\"type\":\"old\",\"text\":\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\",\"x\":\"é 日本 😀\","
            + "\"type\":\"new\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\",\"deep\":[[[[[[[[[[1]]]]]]]]]]},{\"id\":[1,\"n\",0],\"time\":1,\"added\":{\"x\":[1]}}]",
        "[\"sync\",5]",
    };

    private static final String[] DECLINED = {
        // custom meta keys, escapes in what is interned, other shapes: the decoder's
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1,\"custom\":{\"k\":1}}]",
        "[\"sync\",1,{\"type\":\"a\\u0062\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"é\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1,\"reasons\":[\"r\\n\"]}]",
        " [\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"synced\",1]",
        // wrong: the decoder says why
        "[\"sync\",1,{\"type\":\"\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0]}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",-1],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":9007199254740992}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1.0}]",
        "[\"sync\",01,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\",\"n\":01},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\",\"s\":\"\t\"},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1}]x",
        "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1},]",
        "[\"sync\",1,{\"type\":\"a\"}]",
        "[\"sync\",1,{\"i\":1},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",1,{\"type\":1},{\"id\":[1,\"n\",0],\"time\":1}]",
        "[\"sync\",-1,{\"type\":\"a\"},{\"id\":[1,\"n\",0],\"time\":1}]",
    };

    /** Byte sequences that are not well-formed UTF-8 (RFC 3629), each put inside an action's string. */
    private static final int[][] NOT_UTF8 = {
        {0xC0, 0xAF}, {0xE0, 0x80, 0xAF}, {0xF0, 0x80, 0x80, 0xAF}, // overlong "/"
        {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, // surrogates
        {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF}, // beyond U+10FFFF, never a lead
        {0xC3}, {0xE6, 0x97}, {0x80}, {0xC3, 0x28}, // cut short, a continuation alone, a lead not continued
    };

    private final MessageCodec codec = new MessageCodec();

    @Test
    void aStringThatIsNotUtf8IsLeftToTheTransportsCheck() {
        for (int[] bad : NOT_UTF8) {
            byte[] head = "[\"sync\",1,{\"type\":\"a\",\"x\":\"".getBytes(StandardCharsets.US_ASCII);
            byte[] tail = "\"},{\"id\":[1,\"n\",0],\"time\":1}]".getBytes(StandardCharsets.US_ASCII);
            byte[] f = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, f, 0, head.length);
            for (int i = 0; i < bad.length; i++) {
                f[head.length + i] = (byte) bad[i];
            }
            System.arraycopy(tail, 0, f, head.length + bad.length, tail.length);
            assertNull(SyncScanner.scan(f, 0, f.length, new Interner()), java.util.Arrays.toString(bad));
        }
    }

    @Test
    void theCommonFramesAreTakenAndDecodedAsTheStreamingDecoderDoes() {
        for (String f : TAKEN) {
            byte[] b = f.getBytes(StandardCharsets.UTF_8);
            Message.Sync fast = SyncScanner.scan(b, 0, b.length, new Interner());
            assertNotNull(fast, f);
            assertSameAsDecoder(b, 0, b.length, f);
        }
    }

    @Test
    void anythingElseIsLeftToTheStreamingDecoder() {
        for (String f : DECLINED) {
            byte[] b = f.getBytes(StandardCharsets.UTF_8);
            assertNull(SyncScanner.scan(b, 0, b.length, new Interner()), f);
            assertSameAsDecoder(b, 0, b.length, f);
        }
    }

    /**
     * Metas of the compact shape the scanner reads in one pass, and next to it, each with whether the scanner takes
     * it: a flaw sends the meta to the reader of any shape, which takes it or declines it as before the one-pass
     * reader (the same list passes on 8e39a98, before it).
     */
    private static final String[][] COMPACT_METAS = {
        {"taken", "{\"id\":7,\"time\":1}"}, {"taken", "{\"id\":0,\"time\":0}"},
        {"taken", "{\"id\":-9007199254740991,\"time\":9007199254740991}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\"]}"},
        {"taken", "{\"id\":[-7,\"n:1\",0],\"time\":-1,\"reasons\":[\"a\",\"b\"]}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\",\"a\",\"a\"]}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\",\"a\",\"b\"]}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\",\"b\",\"a\"]}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\",\"b\",\"c\"]}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[]}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":\"a\"}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":null}"}, // refused by the decoder (session 22)
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\"],\"subprotocol\":2}"},
        {"taken", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a b\",\"\u007f\"]}"},
        {"taken", "{\"id\":\"7 n 1\",\"time\":1}"}, {"taken", "{\"time\":1,\"id\":7}"},
        {"taken", "{\"id\":7, \"time\":1}"}, {"taken", "{\"id\":[ 7,1],\"time\":1}"},
        {"taken", "{\"id\":7,\"time\":1,\"added\":3}"},
        {"declined", "{\"id\":-0,\"time\":1}"}, {"declined", "{\"id\":07,\"time\":1}"},
        {"declined", "{\"id\":7,\"time\":-0}"}, {"declined", "{\"id\":9007199254740992,\"time\":1}"},
        {"declined", "{\"id\":7,\"time\":-9007199254740992}"},
        {"declined", "{\"id\":7,\"time\":12345678901234567}"},
        {"declined", "{\"id\":7,\"time\":00000000000000001}"}, {"declined", "{\"id\":7,\"time\":1.5}"},
        {"declined", "{\"id\":7,\"time\":1e3}"}, {"declined", "{\"id\":7,\"time\":-}"},
        {"declined", "{\"id\":7,\"time\":}"}, {"declined", "{\"id\":7,\"time\":1x}"},
        {"declined", "{\"id\":[7,-1],\"time\":1}"}, {"declined", "{\"id\":[7],\"time\":1}"},
        {"declined", "{\"id\":[7,1,2],\"time\":1}"}, {"declined", "{\"id\":[7,\"\",1],\"time\":1}"},
        {"declined", "{\"id\":[7,\"n m\",1],\"time\":1}"}, {"declined", "{\"id\":[7,\"n\\u0041\",1],\"time\":1}"},
        {"declined", "{\"id\":[7,\"\u00e9\",1],\"time\":1}"}, {"declined", "{\"id\":[7,\"n\"],\"time\":1}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"\"]}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\tb\"]}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\\n\"]}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\",]}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\"}"},
        {"declined", "{\"id\":[7,1],\"time\":1,}"}, {"declined", "{\"id\":[7,1],\"tame\":1}"},
        {"declined", "{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\"],\"x\":1}"},
    };

    @Test
    void compactMetasAreTakenOrDeclinedAsBeforeTheOnePassReader() {
        for (String[] c : COMPACT_METAS) {
            String f = "[\"sync\",1,{\"type\":\"a\"}," + c[1] + "]";
            byte[] b = f.getBytes(StandardCharsets.UTF_8);
            Message.Sync fast = SyncScanner.scan(b, 0, b.length, new Interner());
            assertEquals(c[0], fast == null ? "declined" : "taken", f);
            assertSameAsDecoder(b, 0, b.length, f);
        }
    }

    /**
     * A frame cut short at each byte of its compact metas, the rest of it still in the buffer after the frame's end:
     * declined, never read as the whole frame (the one-pass reader looks at bytes without a bound check each).
     */
    @Test
    void aCompactMetaCutShortByTheFramesEndIsDeclined() {
        String f = "[\"sync\",2,{\"type\":\"a\"},{\"id\":[-7,\"n\",3],\"time\":-12,\"reasons\":[\"a\",\"b\",\"c\"]},"
            + "{\"type\":\"b\"},{\"id\":[7,1],\"time\":1,\"reasons\":[\"a\",\"b\"]}]";
        byte[] whole = f.getBytes(StandardCharsets.UTF_8);
        assertNotNull(SyncScanner.scan(whole, 0, whole.length, new Interner()));
        byte[] b = java.util.Arrays.copyOf(whole, whole.length + 3);
        b[whole.length] = ']'; // a cut frame's rest would close it too
        for (int length = f.indexOf("{\"id\""); length < whole.length; length++) {
            assertNull(SyncScanner.scan(b, 0, length, new Interner()), f.substring(0, length));
            assertNull(SyncScanner.scan(java.util.Arrays.copyOf(whole, length), 0, length, new Interner()), f.substring(0, length));
        }
    }

    @Test
    void aFrameInsideALargerBufferIsReadWithinItsBounds() {
        String f = TAKEN[0];
        byte[] inner = f.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[inner.length + 20];
        java.util.Arrays.fill(b, (byte) ']');
        System.arraycopy(inner, 0, b, 7, inner.length);
        assertNotNull(SyncScanner.scan(b, 7, inner.length, new Interner()));
        assertSameAsDecoder(b, 7, inner.length, f);
        assertNull(SyncScanner.scan(b, 7, inner.length - 1, new Interner()), "cut short: the decoder's");
    }

    @Test
    void typesNodesAndReasonsAreSharedThroughTheCodecsInterner() throws ProtocolError {
        byte[] b = TAKEN[0].getBytes(StandardCharsets.UTF_8);
        Message.Sync s = (Message.Sync) codec.decode(b, 0, b.length);
        assertSame(s.entries().get(0).action().type(), s.entries().get(1).action().type());
        assertSame(s.entries().get(0).meta().idNode(), s.entries().get(1).meta().idNode());
        assertSame(s.entries().get(0).meta().reasons(), s.entries().get(1).meta().reasons());
    }

    /** Mutations of every frame: bytes replaced by JSON's own characters, dropped, doubled. */
    @Test
    void mutatedFramesAreDecodedAsTheStreamingDecoderDoesOrLeftToIt() {
        byte[] alphabet = "{}[],:\"\\ 0123456789-+.eEtrufalsn/u\tx".getBytes(StandardCharsets.US_ASCII);
        byte[] high = {(byte) 0x80, (byte) 0xbf, (byte) 0xc0, (byte) 0xc3, (byte) 0xa9, (byte) 0xe0, (byte) 0xed,
            (byte) 0xf0, (byte) 0xf4, (byte) 0xf5, (byte) 0xff, 0x00, 0x1f, 0x7f};
        Random random = new Random(12);
        List<String> corpus = new ArrayList<>(List.of(TAKEN));
        corpus.addAll(List.of(DECLINED));
        int taken = 0;
        for (int round = 0; round < 40_000; round++) {
            byte[] f = corpus.get(random.nextInt(corpus.size())).getBytes(StandardCharsets.UTF_8);
            int edits = random.nextInt(4) == 0 ? 2 : 1;
            for (int e = 0; e < edits && f.length > 1; e++) {
                int at = random.nextInt(f.length);
                switch (random.nextInt(4)) {
                    case 0 -> f[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> f[at] = high[random.nextInt(high.length)];
                    case 2 -> f = cut(f, at);
                    default -> f = doubled(f, at, Math.min(f.length, at + 1 + random.nextInt(6)));
                }
            }
            if (SyncScanner.scan(f, 0, f.length, new Interner()) != null) {
                taken++;
                assertWellFormedUtf8(f);
            }
            assertSameAsDecoder(f, 0, f.length, new String(f, StandardCharsets.ISO_8859_1));
        }
        assertEquals(true, taken > 1000, "the mutations must reach the scanner's accepting paths, took " + taken);
    }

    private static final String[] SYNCED_TAKEN = {
        "[\"synced\",5]", "[\"synced\",0]", "[\"synced\" , 9007199254740991 ]\r\n", "[\"synced\",\t12\n]",
    };

    private static final String[] SYNCED_DECLINED = {
        "[\"synced\",-1]", "[\"synced\",-0]", "[\"synced\",1.0]", "[\"synced\",1e3]", "[\"synced\",01]",
        "[\"synced\",9007199254740992]", "[\"synced\"]", "[\"synced\",1,2]", "[\"synced\",1]x", "[ \"synced\",1]",
        "[\"synced\",\"1\"]", "[\"synced\",1", "[\"synced\",]", "[\"synced\",null]",
    };

    /** Each round trip of a sync ends with a {@code synced}: read without Jackson, as the streaming decoder reads it. */
    @Test
    void aSyncedIsReadWithoutTheParserAsTheStreamingDecoderReadsIt() throws ProtocolError {
        for (String f : SYNCED_TAKEN) {
            byte[] b = f.getBytes(StandardCharsets.UTF_8);
            Message fast = SyncScanner.scanSynced(b, 0, b.length);
            assertNotNull(fast, f);
            assertEquals(codec.decodeStreaming(b, 0, b.length), fast, f);
            assertEquals(fast, codec.decodeCommon(b, 0, b.length), f);
        }
        for (String f : SYNCED_DECLINED) {
            byte[] b = f.getBytes(StandardCharsets.UTF_8);
            assertNull(SyncScanner.scanSynced(b, 0, b.length), f);
            assertNull(codec.decodeCommon(b, 0, b.length), f);
        }
        byte[] alphabet = "[]{},:\" 0123456789-+.eE\tnulsyced".getBytes(StandardCharsets.US_ASCII);
        Random random = new Random(7);
        List<String> corpus = new ArrayList<>(List.of(SYNCED_TAKEN));
        corpus.addAll(List.of(SYNCED_DECLINED));
        int taken = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] f = corpus.get(random.nextInt(corpus.size())).getBytes(StandardCharsets.UTF_8);
            int at = random.nextInt(f.length);
            switch (random.nextInt(3)) {
                case 0 -> f[at] = random.nextInt(8) == 0 ? (byte) 0xc3 : alphabet[random.nextInt(alphabet.length)];
                case 1 -> f = cut(f, at);
                default -> f = doubled(f, at, Math.min(f.length, at + 1 + random.nextInt(4)));
            }
            Message fast = SyncScanner.scanSynced(f, 0, f.length);
            if (fast != null) {
                taken++;
                String what = new String(f, StandardCharsets.ISO_8859_1);
                try {
                    assertEquals(codec.decodeStreaming(f, 0, f.length), fast, what);
                } catch (ProtocolError e) {
                    fail("the scanner took a synced the decoder refuses: " + what + ": " + e.getMessage());
                }
            }
        }
        assertEquals(true, taken > 1000, "the mutations must reach the scanner's accepting path, took " + taken);
    }

    /** What the scanner takes is well-formed UTF-8: the transport skips its own check for it. */
    private static void assertWellFormedUtf8(byte[] f) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(f));
        } catch (java.nio.charset.CharacterCodingException e) {
            fail("the scanner took a frame that is not UTF-8: " + new String(f, StandardCharsets.ISO_8859_1));
        }
    }

    private static byte[] cut(byte[] f, int at) {
        byte[] out = new byte[f.length - 1];
        System.arraycopy(f, 0, out, 0, at);
        System.arraycopy(f, at + 1, out, at, f.length - at - 1);
        return out;
    }

    private static byte[] doubled(byte[] f, int from, int to) {
        byte[] out = new byte[f.length + to - from];
        System.arraycopy(f, 0, out, 0, to);
        System.arraycopy(f, from, out, to, f.length - from);
        return out;
    }

    /**
     * What the scanner makes of {@code b[off .. off + len)} is what the streaming decoder makes, when the scanner takes
     * it; when the decoder refuses a frame, the scanner must have declined it.
     */
    private void assertSameAsDecoder(byte[] b, int off, int len, String what) {
        Message.Sync fast = SyncScanner.scan(b, off, len, new Interner());
        Message slow;
        try {
            slow = codec.decodeStreaming(b, off, len);
        } catch (ProtocolError | RuntimeException e) {
            if (fast != null) {
                fail("the scanner took a frame the decoder refuses (" + e.getMessage() + "): " + what);
            }
            return;
        }
        if (fast == null) {
            return;
        }
        if (!(slow instanceof Message.Sync s)) {
            fail("the scanner took a frame the decoder reads as " + slow.type() + ": " + what);
            return;
        }
        assertEquals(s.added(), fast.added(), what);
        assertEquals(s.entries().size(), fast.entries().size(), what);
        for (int i = 0; i < s.entries().size(); i++) {
            Message.WireEntry x = s.entries().get(i);
            Message.WireEntry y = fast.entries().get(i);
            assertEquals(x.action().toJson(), y.action().toJson(), what);
            assertEquals(x.action().type(), y.action().type(), what);
            assertEquals(x.meta(), y.meta(), what);
            assertEquals(x.tooDeep(), y.tooDeep(), what);
        }
    }
}
