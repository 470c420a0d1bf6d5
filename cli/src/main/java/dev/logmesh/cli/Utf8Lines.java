package dev.logmesh.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines of strict UTF-8 (LF or CRLF ends): a line with bytes that are not UTF-8 is reported with the
 * position of the first bad byte, never decoded with U+FFFD in their place (which would add an action the user
 * did not write).
 */
final class Utf8Lines {
    /** One line: its text, or (when {@code text} is null) why it is not UTF-8. */
    record Line(String text, String error) {
    }

    /** The bound of {@link #Utf8Lines(InputStream)}: 8 MiB, the line bound of the default 1 MiB frame limit. */
    static final int DEFAULT_MAX_LINE_BYTES = maxLineBytes(1 << 20);

    private final InputStream in;
    /** The most bytes of a line kept; a longer line is read to its end without keeping it, and refused. */
    private final int maxBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    private final byte[] chunk = new byte[8192];
    private int pos;
    private int len;

    Utf8Lines(InputStream in) {
        this(in, DEFAULT_MAX_LINE_BYTES);
    }

    /**
     * @param maxBytes the most bytes of a line (without its end) that are kept: a longer line is refused with its
     *     size, read to its end without keeping its bytes (a file without line breaks or a binary piped by mistake
     *     must not fill the heap), and the next line is read as usual
     */
    Utf8Lines(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /**
     * The line bound for a frame limit of {@code maxFrame} bytes: 8 times it (capped below 2 GiB). An action is
     * kept as typed, so its line is about its size; its meta's strings may be typed as JSON escapes (backslash, u,
     * four hex digits), six bytes for a character that takes one: a line over 8 times the frame limit cannot hold
     * an entry that fits it (unless most of it is blanks).
     */
    static int maxLineBytes(int maxFrame) {
        return (int) Math.min(8L * maxFrame, Integer.MAX_VALUE - 64);
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        buf.reset();
        boolean any = false;
        long size = 0;
        while (true) {
            if (pos == len) {
                len = in.read(chunk);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return any ? end(size) : null;
                }
            }
            any = true;
            int start = pos;
            while (pos < len && chunk[pos] != '\n') {
                pos++;
            }
            size += pos - start;
            if (size <= maxBytes + 1L) { // + 1: a CR before the LF is not the line's
                buf.write(chunk, start, pos - start);
            }
            if (pos < len) {
                pos++; // the '\n'
                return end(size);
            }
        }
    }

    /** The line read, of {@code size} bytes (without its LF). */
    private Line end(long size) {
        if (size > maxBytes + 1L || (size == maxBytes + 1L && buf.toByteArray()[maxBytes] != '\r')) {
            return new Line(null, "a line of " + size + " bytes, over the limit of " + maxBytes + " bytes (8 times"
                + " --max-frame): line not added");
        }
        return decode();
    }

    private Line decode() {
        byte[] bytes = buf.toByteArray();
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        ByteBuffer src = ByteBuffer.wrap(bytes, 0, n);
        CharBuffer dst = CharBuffer.allocate(n);
        CoderResult r = decoder.reset().decode(src, dst, true);
        if (!r.isError()) {
            r = decoder.flush(dst);
        }
        if (r.isError()) {
            int at = Math.min(src.position(), n - 1);
            return new Line(null, "not UTF-8 text (byte 0x" + String.format("%02x", bytes[at] & 0xff) + " at byte "
                + (at + 1) + " of the line): line not added; send UTF-8");
        }
        dst.flip();
        return new Line(dst.toString(), null);
    }
}
