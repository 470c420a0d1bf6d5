package dev.logmesh.cli;

import dev.logmesh.internal.log.Decimal;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable buffer of UTF-8 bytes: the stdout writer assembles a batch of JSON lines in it and writes the batch with
 * one call. Bytes rather than a {@code StringBuilder}: a line is copied once (no builder, then string, then encoder),
 * and the few small methods here are less for the JIT to compile in a catch-up's first second than a builder's
 * appends (docs/performance.md, Cold). Not thread-safe: the writer thread's (or a caller's under a lock).
 */
final class Utf8Batch {
    private byte[] buf;
    private int length;

    Utf8Batch(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    int length() {
        return length;
    }

    void clear() {
        length = 0;
    }

    /** Appends {@code b} as it is (ASCII constants, or bytes already UTF-8). */
    Utf8Batch bytes(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, length, b.length);
        length += b.length;
        return this;
    }

    /** Appends {@code s} encoded as UTF-8 (a lone surrogate becomes {@code ?}, as {@link String#getBytes} does). */
    Utf8Batch utf8(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends JSON text {@code s} as UTF-8, an unpaired surrogate (which can only be inside a string of it) as its
     * JSON escape {@code \\uXXXX}, so that the value reads back the same ({@link #utf8} would write {@code ?}).
     */
    Utf8Batch json(String s) {
        return utf8(escapeUnpairedSurrogates(s));
    }

    /** JSON text {@code s} with each unpaired surrogate as its JSON escape; {@code s} itself when it has none. */
    static String escapeUnpairedSurrogates(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && !Character.isSurrogate(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder out = new StringBuilder(n + 12).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Makes room for {@code more} bytes, so that the {@code put} methods that follow may write that many without a
     * check of their own (each check is code that the JIT compiles at every call site).
     */
    void reserve(int more) {
        room(more);
    }

    /** Appends {@code b} as it is, within what {@link #reserve} made room for. */
    void put(byte[] b) {
        System.arraycopy(b, 0, buf, length, b.length);
        length += b.length;
    }

    /** Appends the ASCII char {@code c}, within what {@link #reserve} made room for. */
    void put(char c) {
        buf[length++] = (byte) c;
    }

    /**
     * Appends {@code s} as UTF-8 within what {@link #reserve} made room for: at most 3 bytes per char of {@code s}.
     * One pass over the chars, no array of its own (the JIT compiles this once, not {@link String#getBytes} at every
     * call site). A lone surrogate becomes {@code ?}, as {@link #utf8} writes it.
     */
    void putText(String s) {
        byte[] b = buf;
        int at = length;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                length = at;
                putTextFrom(s, i);
                return;
            }
            b[at++] = (byte) c;
        }
        length = at;
    }

    /** {@link #putText} from the first char of {@code s} that is not ASCII, {@code i}. */
    private void putTextFrom(String s, int i) {
        byte[] b = buf;
        int at = length;
        int n = s.length();
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[at++] = (byte) c;
            } else if (c < 0x800) {
                b[at++] = (byte) (0xc0 | (c >> 6));
                b[at++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[at++] = (byte) (0xf0 | (cp >> 18));
                b[at++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                b[at++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                b[at++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                b[at++] = '?';
            } else {
                b[at++] = (byte) (0xe0 | (c >> 12));
                b[at++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                b[at++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        length = at;
    }

    /**
     * Appends {@code s} within what {@link #reserve} made room for, if it is ASCII without a line break ({@code \n},
     * {@code \r}): then its bytes are its chars. Returns false at the first char that is not, having written part
     * of it (the caller {@linkplain #truncate cuts it off}).
     */
    boolean putAsciiLine(String s) {
        byte[] b = buf;
        int at = length;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c == '\n' || c == '\r') {
                return false;
            }
            b[at++] = (byte) c;
        }
        length = at;
        return true;
    }

    /** Cuts the buffer back to its first {@code newLength} bytes (at most its length). */
    void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IndexOutOfBoundsException(newLength);
        }
        length = newLength;
    }

    /** The most bytes {@link #putNumber} writes. */
    static final int MAX_NUMBER = Decimal.MAX_LENGTH;

    /**
     * Appends the decimal digits of {@code v} ({@link Long#toString(long)}'s text), within what {@link #reserve} made
     * room for: written in place by {@link Decimal#put} (two digits a step, no {@code long} division a digit).
     */
    void putNumber(long v) {
        length = Decimal.put(v, buf, length);
    }

    /** Writes the bytes to {@code out} (one call) and empties the buffer. */
    void writeTo(PrintStream out) {
        out.write(buf, 0, length);
        length = 0;
    }

    @Override
    public String toString() {
        return new String(buf, 0, length, StandardCharsets.UTF_8);
    }

    private void room(int more) {
        if (length + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(length + more, 2 * buf.length));
        }
    }
}
