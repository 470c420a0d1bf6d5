package dev.logmesh.internal.reconcile;

import dev.logmesh.ActionId;
import java.util.Objects;

/**
 * The 32-byte id of a reconciliation item: for an action, SHA-256 of the UTF-8 bytes of its id string
 * {@code "<ms> <node> <seq>"} (see {@link #of(ActionId)}).
 *
 * <p>Held as four big-endian 64-bit words, so no array is shared: word 0 holds bytes 0..7, word 3 bytes
 * 24..31. Ordered as Negentropy orders ids: byte by byte, unsigned, which is the words compared unsigned.
 * Immutable and safe to share between threads.
 */
public final class ItemId implements Comparable<ItemId> {
    /** Bytes in an id. */
    public static final int SIZE = 32;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final long w0;
    private final long w1;
    private final long w2;
    private final long w3;

    private ItemId(long w0, long w1, long w2, long w3) {
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
    }

    /** The id from its four big-endian words (word 0 = bytes 0..7). */
    public static ItemId ofWords(long w0, long w1, long w2, long w3) {
        return new ItemId(w0, w1, w2, w3);
    }

    /**
     * The id held in {@code bytes[offset .. offset + 32)}.
     *
     * @throws IndexOutOfBoundsException if fewer than 32 bytes are there
     */
    public static ItemId of(byte[] bytes, int offset) {
        Objects.checkFromIndexSize(offset, SIZE, bytes.length);
        return new ItemId(Bytes.getLong(bytes, offset), Bytes.getLong(bytes, offset + 8),
            Bytes.getLong(bytes, offset + 16), Bytes.getLong(bytes, offset + 24));
    }

    /**
     * The id of exactly 32 bytes.
     *
     * @throws IllegalArgumentException if {@code bytes} is not 32 bytes long
     */
    public static ItemId of(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("an id has 32 bytes, got " + bytes.length);
        }
        return of(bytes, 0);
    }

    /** The id of an action: SHA-256 of the UTF-8 bytes of {@code id.toString()}. */
    public static ItemId of(ActionId id) {
        return hashOf(id.toString());
    }

    /**
     * SHA-256 of the UTF-8 bytes of {@code text}, as an id. An unpaired surrogate (a node id cut inside an emoji; it
     * has no UTF-8 form) is hashed as its three-byte generalized UTF-8 form (WTF-8, as in
     * https://simonsapin.github.io/wtf-8/), which no UTF-8 text has: {@code getBytes} wrote {@code ?} for it, and two
     * ids that differ only in such a char were one item, so reconciliation never fetched one of them. Text without
     * one hashes as before.
     */
    public static ItemId hashOf(String text) {
        return of(Bytes.sha256(dev.logmesh.internal.log.JsonTrees.wtf8(text)));
    }

    /**
     * Parses 64 hex digits (either case).
     *
     * @throws IllegalArgumentException if the text is not 64 hex digits
     */
    public static ItemId fromHex(String hex) {
        if (hex.length() != SIZE * 2) {
            throw new IllegalArgumentException("an id is 64 hex digits, got " + hex.length() + " characters");
        }
        return of(Bytes.fromHex(hex));
    }

    /** Word {@code i} (0..3) in big-endian order: word 0 holds bytes 0..7. */
    public long word(int i) {
        return switch (i) {
  case 0 -> 
w0;
  case 1 -> 
w1;
  case 2 -> 
w2;
  case 3 -> 
w3;
  default -> 
throw new IndexOutOfBoundsException("word " + i);
};
    }

    /** Writes the 32 bytes to {@code dst[offset .. offset + 32)}. */
    public void writeTo(byte[] dst, int offset) {
        Objects.checkFromIndexSize(offset, SIZE, dst.length);
        Bytes.putLong(dst, offset, w0);
        Bytes.putLong(dst, offset + 8, w1);
        Bytes.putLong(dst, offset + 16, w2);
        Bytes.putLong(dst, offset + 24, w3);
    }

    /** A new array with the 32 bytes. */
    public byte[] toBytes() {
        byte[] b = new byte[SIZE];
        writeTo(b, 0);
        return b;
    }

    /** The 64 lowercase hex digits. */
    public String toHex() {
        byte[] b = toBytes();
        char[] c = new char[SIZE * 2];
        for (int i = 0; i < SIZE; i++) {
            c[2 * i] = HEX[(b[i] >> 4) & 0xF];
            c[2 * i + 1] = HEX[b[i] & 0xF];
        }
        return new String(c);
    }

    /** Byte-wise unsigned order, as Negentropy sorts ids. */
    @Override
    public int compareTo(ItemId o) {
        int c = Long.compareUnsigned(w0, o.w0);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(w1, o.w1);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(w2, o.w2);
        return c != 0 ? c : Long.compareUnsigned(w3, o.w3);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ItemId itemId && equalsWords(itemId.w0, itemId.w1, itemId.w2,
            itemId.w3);
    }

    boolean equalsWords(long v0, long v1, long v2, long v3) {
        return w0 == v0 && w1 == v1 && w2 == v2 && w3 == v3;
    }

    @Override
    public int hashCode() {
        // Ids are hashes: their leading bits are already uniform.
        return (int) (w0 ^ (w0 >>> 32));
    }

    /** The 64 hex digits. */
    @Override
    public String toString() {
        return toHex();
    }
}
