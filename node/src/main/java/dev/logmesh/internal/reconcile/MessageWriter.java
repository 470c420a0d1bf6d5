package dev.logmesh.internal.reconcile;

import java.util.Arrays;

/**
 * A growable byte buffer with protocol v1's encodings: varints (base 128, most significant digit first) and
 * bounds with delta-encoded timestamps. Not thread-safe.
 */
final class MessageWriter {
    /** The longest varint of an unsigned 64-bit value. */
    static final int MAX_VARINT_BYTES = 10;

    private byte[] buf;
    private int len;

    MessageWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int length() {
        return len;
    }

    void clear() {
        len = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    void write(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    void bytes(byte[] src, int off, int n) {
        ensure(n);
        System.arraycopy(src, off, buf, len, n);
        len += n;
    }

    void append(MessageWriter other) {
        bytes(other.buf, 0, other.len);
    }

    void id(ItemId id) {
        ensure(ItemId.SIZE);
        id.writeTo(buf, len);
        len += ItemId.SIZE;
    }

    void fingerprint(Fingerprint fp) {
        ensure(Fingerprint.SIZE);
        fp.writeTo(buf, len);
        len += Fingerprint.SIZE;
    }

    /** Appends {@code v} (unsigned) as a varint. */
    void varint(long v) {
        ensure(MAX_VARINT_BYTES);
        len += putVarint(buf, len, v);
    }

    /**
     * Writes the unsigned {@code v} as a varint at {@code dst[off]}; returns the number of bytes written.
     * Base-128 digits, most significant first, the high bit set on every byte but the last.
     */
    static int putVarint(byte[] dst, int off, long v) {
        int digits = 1;
        for (long t = v >>> 7; t != 0; t >>>= 7) {
            digits++;
        }
        for (int i = digits - 1; i >= 0; i--) {
            int d = (int) (v & 0x7F);
            dst[off + i] = (byte) (i == digits - 1 ? d : d | 0x80);
            v >>>= 7;
        }
        return digits;
    }

    /**
     * Appends a bound: its timestamp as {@code 1 + delta} from {@code lastTimestamp}, the previous one written
     * in this message (infinity as {@code 0}), then the prefix length and the prefix. Returns the timestamp
     * the next bound is a delta from. The caller keeps that state, because one message is built from several
     * writers (a range's output is built apart and dropped when the frame is full).
     */
    long bound(Bound bound, long lastTimestamp) {
        long ts = bound.timestamp();
        if (ts == Bound.INFINITY_TIMESTAMP) {
            varint(0);
        } else {
            // Unsigned arithmetic, wrapping like the reference implementations if bounds ever went backwards.
            varint(ts - lastTimestamp + 1);
        }
        varint(bound.prefixLength());
        bound.writePrefix(this);
        return ts;
    }
}
