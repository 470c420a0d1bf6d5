package dev.logmesh.internal.reconcile;

import dev.logmesh.internal.reconcile.ReconcileException.Reason;

/**
 * Reads one protocol v1 message: varints, bounds with delta-encoded timestamps, ids and fingerprints. Every
 * malformed input throws {@link ReconcileException} with {@link Reason#MALFORMED}; nothing reads past the
 * end. Not thread-safe.
 */
final class MessageReader {
    private final byte[] msg;
    private int pos;
    private long lastTimestamp;

    MessageReader(byte[] msg) {
        this.msg = msg;
    }

    boolean hasMore() {
        return pos < msg.length;
    }

    int remaining() {
        return msg.length - pos;
    }

    int readByte() {
        need(1, "a byte");
        return msg[pos++] & 0xFF;
    }

    /** An unsigned 64-bit varint; more than 64 bits of value is malformed. */
    long varint() {
        long v = 0;
        while (true) {
            need(1, "a varint");
            int b = msg[pos++] & 0xFF;
            if ((v >>> 57) != 0) {
                throw malformed("varint longer than 64 bits at offset " + (pos - 1));
            }
            v = (v << 7) | (b & 0x7F);
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }

    /** A varint that must fit in {@code [0, max]}; {@code what} names it in the error. */
    int smallVarint(int max, String what) {
        long v = varint();
        if (v < 0 || v > max) {
            throw malformed(what + " out of range: " + Long.toUnsignedString(v));
        }
        return (int) v;
    }

    /**
     * A bound: {@code 0} is infinity, else {@code 1 + delta} from the previous timestamp, saturating at
     * infinity on overflow (as the reference implementation does); then a prefix of at most 32 bytes.
     */
    Bound bound() {
        long encoded = varint();
        long ts;
        if (encoded == 0) {
            ts = Bound.INFINITY_TIMESTAMP;
        } else {
            ts = lastTimestamp + (encoded - 1);
            if (Long.compareUnsigned(ts, lastTimestamp) < 0) {
                ts = Bound.INFINITY_TIMESTAMP;
            }
        }
        if (lastTimestamp == Bound.INFINITY_TIMESTAMP) {
            ts = Bound.INFINITY_TIMESTAMP;
        }
        lastTimestamp = ts;
        int len = smallVarint(ItemId.SIZE, "bound prefix length");
        need(len, "a bound prefix");
        byte[] prefix = new byte[len];
        System.arraycopy(msg, pos, prefix, 0, len);
        pos += len;
        return len == 0 ? Bound.of(ts) : Bound.of(ts, prefix);
    }

    ItemId id() {
        need(ItemId.SIZE, "an id");
        ItemId id = ItemId.of(msg, pos);
        pos += ItemId.SIZE;
        return id;
    }

    /** Skips {@code count} ids. */
    void skipIds(int count) {
        need((long) count * ItemId.SIZE, count + " ids");
        pos += count * ItemId.SIZE;
    }

    Fingerprint fingerprint() {
        need(Fingerprint.SIZE, "a fingerprint");
        Fingerprint fp = Fingerprint.of(msg, pos);
        pos += Fingerprint.SIZE;
        return fp;
    }

    private void need(long n, String what) {
        if (msg.length - pos < n) {
            throw malformed("message ends before " + what + " at offset " + pos);
        }
    }

    static ReconcileException malformed(String detail) {
        return new ReconcileException(Reason.MALFORMED, detail);
    }
}
