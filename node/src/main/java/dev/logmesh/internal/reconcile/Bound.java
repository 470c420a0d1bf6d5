package dev.logmesh.internal.reconcile;

import java.util.Arrays;
import java.util.Objects;

/**
 * A point in item order that splits ranges: a timestamp and an id prefix of 0..32 bytes, the missing bytes
 * taken as zero (Negentropy protocol v1, "Bound"). A range {@code [lower, upper)} holds the items {@code i}
 * with {@code lower <= i < upper}.
 *
 * <p>The timestamp is an <em>unsigned</em> 64-bit value: bounds decoded from a peer may exceed
 * {@code Long.MAX_VALUE}, and {@link #INFINITY_TIMESTAMP} ({@code 2^64 - 1}, stored as {@code -1L}) sorts after
 * every item. Immutable and safe to share between threads.
 */
public final class Bound {
    /** The "infinity" timestamp, {@code 2^64 - 1} as an unsigned value. */
    public static final long INFINITY_TIMESTAMP = -1L;
    /** The start of item order: timestamp 0, empty prefix. */
    public static final Bound ZERO = new Bound(0, new byte[0]);
    /** The end of item order: the infinity timestamp, empty prefix. */
    public static final Bound INFINITY = new Bound(INFINITY_TIMESTAMP, new byte[0]);

    private final long timestamp;
    private final byte[] prefix;
    // the prefix padded with zero bytes, as four big-endian words, for comparisons with items
    private final long p0;
    private final long p1;
    private final long p2;
    private final long p3;

    private Bound(long timestamp, byte[] prefix) {
        this.timestamp = timestamp;
        this.prefix = prefix;
        byte[] padded = Arrays.copyOf(prefix, ItemId.SIZE);
        this.p0 = Bytes.getLong(padded, 0);
        this.p1 = Bytes.getLong(padded, 8);
        this.p2 = Bytes.getLong(padded, 16);
        this.p3 = Bytes.getLong(padded, 24);
    }

    /** The bound before every item with this timestamp (empty prefix); {@code timestamp} is unsigned. */
    public static Bound of(long timestamp) {
        return timestamp == 0 ? ZERO : timestamp == INFINITY_TIMESTAMP ? INFINITY : new Bound(timestamp, new byte[0]);
    }

    /**
     * A bound with an id prefix (copied).
     *
     * @throws IllegalArgumentException if the prefix is longer than 32 bytes
     */
    public static Bound of(long timestamp, byte[] prefix) {
        if (prefix.length > ItemId.SIZE) {
            throw new IllegalArgumentException("a bound prefix has at most 32 bytes, got " + prefix.length);
        }
        return new Bound(timestamp, prefix.clone());
    }

    /** The bound just at {@code item}: its timestamp and its whole id. */
    public static Bound of(Item item) {
        return new Bound(item.timestamp(), item.id().toBytes());
    }

    /**
     * The shortest bound that sorts after {@code prev} and at or before {@code curr}, which must be adjacent
     * items with {@code prev < curr} (protocol v1: the prefix is empty when the timestamps differ, else the
     * common prefix of the ids plus one byte).
     */
    static Bound between(Item prev, Item curr) {
        if (prev.timestamp() != curr.timestamp()) {
            return of(curr.timestamp());
        }
        byte[] a = prev.id().toBytes();
        byte[] b = curr.id().toBytes();
        int shared = Arrays.mismatch(a, b);
        if (shared < 0) {
            throw new IllegalArgumentException("equal items have no bound between them: " + curr);
        }
        return new Bound(curr.timestamp(), Arrays.copyOf(b, shared + 1));
    }

    /** The timestamp, unsigned. */
    public long timestamp() {
        return timestamp;
    }

    /** Bytes in the id prefix, 0..32. */
    public int prefixLength() {
        return prefix.length;
    }

    /** A copy of the id prefix. */
    public byte[] prefix() {
        return prefix.clone();
    }

    void writePrefix(MessageWriter out) {
        out.bytes(prefix, 0, prefix.length);
    }

    /**
     * Whether an item with this timestamp and id (big-endian words) sorts before this bound; the index of the
     * first item for which this is false is the bound's lower bound in a sorted storage.
     */
    public boolean isAfter(long itemTimestamp, long w0, long w1, long w2, long w3) {
        if (itemTimestamp != timestamp) {
            return Long.compareUnsigned(itemTimestamp, timestamp) < 0;
        }
        if (w0 != p0) {
            return Long.compareUnsigned(w0, p0) < 0;
        }
        if (w1 != p1) {
            return Long.compareUnsigned(w1, p1) < 0;
        }
        if (w2 != p2) {
            return Long.compareUnsigned(w2, p2) < 0;
        }
        return Long.compareUnsigned(w3, p3) < 0;
    }

    /** Whether {@code item} sorts before this bound (so is not in a range that starts here). */
    public boolean isAfter(Item item) {
        ItemId id = item.id();
        return isAfter(item.timestamp(), id.word(0), id.word(1), id.word(2), id.word(3));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bound bound && bound.timestamp == timestamp && Arrays.equals(bound.prefix, prefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timestamp, Arrays.hashCode(prefix));
    }

    /** {@code "<unsigned timestamp or inf>/<hex prefix>"}, for logs and test failures. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(timestamp == INFINITY_TIMESTAMP ? "inf" : Long.toUnsignedString(timestamp)).append('/');
        for (byte b : prefix) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
