package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8Batch}'s unchecked writers give the bytes of the JDK's encoders. */
class Utf8BatchTest {
    private static byte[] bytes(Utf8Batch b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeTo(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** What {@code putText} writes for {@code s}, after a prefix (the writer continues a batch). */
    private static byte[] putText(String s) {
        Utf8Batch b = new Utf8Batch(16);
        b.reserve(2 + 3 * s.length());
        b.put('[');
        b.putText(s);
        b.put(']');
        return bytes(b);
    }

    @Test
    void putTextIsStringGetBytesForEveryKindOfChar() {
        String[] cases = {"", "plain ascii", "\u007f\u0080", "\u00e9t\u00e9", "\u07ff\u0800", "\uffff\ue000",
            "\uD83D\uDE00 \u65E5\u672C", "lone \uD800 high", "lone \uDC00 low", "\uDC00\uD800", "end \uD83D",
            "ascii then \u00fc then ascii", "\u2028\u2029\u0085"};
        for (String s : cases) {
            assertArrayEquals(("[" + s + "]").getBytes(StandardCharsets.UTF_8), putText(s), s);
        }
    }

    @Test
    void putTextIsStringGetBytesForRandomText() {
        Random random = new Random(14);
        char[] pool = {'a', '"', '\\', '\u0000', '\u007f', '\u0080', '\u00e9', '\u07ff', '\u0800', '\u65e5', '\uffff',
            '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', '\uDE00'};
        for (int n = 0; n < 20_000; n++) {
            char[] cs = new char[random.nextInt(12)];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000) : pool[random.nextInt(pool.length)];
            }
            String s = new String(cs);
            assertArrayEquals(("[" + s + "]").getBytes(StandardCharsets.UTF_8), putText(s), s);
        }
    }

    @Test
    void putNumberIsLongToString() {
        long[] values = {0, 1, -1, 9, 10, -10, 1_700_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE + 1};
        for (long v : values) {
            Utf8Batch b = new Utf8Batch(16);
            b.reserve(Utf8Batch.MAX_NUMBER + 1);
            b.putNumber(v);
            b.put(',');
            assertEquals(v + ",", b.toString());
        }
    }

    @Test
    void reserveGrowsTheBufferKeepingWhatIsThere() {
        Utf8Batch b = new Utf8Batch(16);
        b.put(new byte[] {'a', 'b'});
        String big = "\u65e5".repeat(1000);
        b.reserve(3 * big.length());
        b.putText(big);
        assertEquals("ab" + big, b.toString());
    }

    /**
     * {@code putAsciiLine} copies an ASCII text without a line break, as its chars; at anything else it says no, and
     * {@code truncate} takes back what it wrote, the batch before it kept.
     */
    @Test
    void putAsciiLineTakesAsciiWithoutALineBreakAndTruncateTakesBackTheRest() {
        String[] yes = {"", "{\"type\":\"a\"}", "tab\tand \u007f del", " !~"};
        for (String s : yes) {
            Utf8Batch b = new Utf8Batch(16);
            b.reserve(2 + s.length());
            b.put('[');
            assertEquals(true, b.putAsciiLine(s), s);
            b.put(']');
            assertArrayEquals(("[" + s + "]").getBytes(StandardCharsets.UTF_8), bytes(b), s);
        }
        String[] no = {"\n", "a\nb", "ab\r", "caf\u00e9", "\u0080", "x\uD83D\uDE00", "\u65e5"};
        for (String s : no) {
            Utf8Batch b = new Utf8Batch(16);
            b.reserve(4 + 3 * s.length());
            b.put(new byte[] {'a', 'b'});
            int mark = b.length();
            assertEquals(false, b.putAsciiLine(s), s);
            b.truncate(mark);
            b.putText(s);
            assertArrayEquals(("ab" + s).getBytes(StandardCharsets.UTF_8), bytes(b), s);
        }
    }
}
