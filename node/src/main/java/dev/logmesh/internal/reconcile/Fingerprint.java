package dev.logmesh.internal.reconcile;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * The 16-byte digest of a range of items (Negentropy protocol v1, "Fingerprint Algorithm"): the first 16 bytes
 * of SHA-256 over the sum of the item ids, read as 256-bit little-endian integers and added mod 2<sup>256</sup>,
 * followed by the varint of the number of items.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class Fingerprint {
    /** Bytes in a fingerprint. */
    public static final int SIZE = 16;

    private final long hi;
    private final long lo;

    private Fingerprint(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    /**
     * The fingerprint of {@code count} items whose ids add up to {@code sum}: four 64-bit limbs, least
     * significant first, as {@link Sum256} keeps them.
     *
     * @param sum    array holding the limbs at {@code offset .. offset + 4)}
     * @param count  the number of items, {@code >= 0}
     * @param sha256 a SHA-256 digest to use (reset here); the caller's, so none is made per call
     */
    public static Fingerprint of(long[] sum, int offset, long count, MessageDigest sha256) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        byte[] input = new byte[ItemId.SIZE + MessageWriter.MAX_VARINT_BYTES];
        for (int limb = 0; limb < 4; limb++) {
            long v = sum[offset + limb];
            for (int b = 0; b < 8; b++) {
                input[limb * 8 + b] = (byte) v;
                v >>>= 8;
            }
        }
        int n = MessageWriter.putVarint(input, ItemId.SIZE, count);
        sha256.reset();
        sha256.update(input, 0, ItemId.SIZE + n);
        byte[] digest = sha256.digest();
        return new Fingerprint(Bytes.getLong(digest, 0), Bytes.getLong(digest, 8));
    }

    /**
     * The fingerprint held in {@code bytes[offset .. offset + 16)}.
     *
     * @throws IndexOutOfBoundsException if fewer than 16 bytes are there
     */
    public static Fingerprint of(byte[] bytes, int offset) {
        Objects.checkFromIndexSize(offset, SIZE, bytes.length);
        return new Fingerprint(Bytes.getLong(bytes, offset), Bytes.getLong(bytes, offset + 8));
    }

    /** Writes the 16 bytes to {@code dst[offset .. offset + 16)}. */
    public void writeTo(byte[] dst, int offset) {
        Objects.checkFromIndexSize(offset, SIZE, dst.length);
        Bytes.putLong(dst, offset, hi);
        Bytes.putLong(dst, offset + 8, lo);
    }

    /** A new array with the 16 bytes. */
    public byte[] toBytes() {
        byte[] b = new byte[SIZE];
        writeTo(b, 0);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint fingerprint && fingerprint.hi == hi && fingerprint.lo == lo;
    }

    @Override
    public int hashCode() {
        return (int) (hi ^ (hi >>> 32));
    }

    /** The 32 lowercase hex digits. */
    @Override
    public String toString() {
        return String.format("%016x%016x", hi, lo);
    }
}
