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

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    private final byte[] chunk = new byte[8192];
    private int pos;
    private int len;

    Utf8Lines(InputStream in) {
        this.in = in;
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        buf.reset();
        boolean any = false;
        while (true) {
            if (pos == len) {
                len = in.read(chunk);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return any ? decode() : null;
                }
            }
            any = true;
            int start = pos;
            while (pos < len && chunk[pos] != '\n') {
                pos++;
            }
            buf.write(chunk, start, pos - start);
            if (pos < len) {
                pos++; // the '\n'
                return decode();
            }
        }
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
