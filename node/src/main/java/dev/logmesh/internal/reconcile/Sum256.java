package dev.logmesh.internal.reconcile;

/**
 * Addition mod 2<sup>256</sup> of item ids read as little-endian integers (protocol v1's fingerprint sum).
 *
 * <p>A sum is four {@code long} limbs in an array, least significant first. An id is kept as four big-endian
 * words (word 0 = bytes 0..7), so its limb {@code i} is {@code Long.reverseBytes(word i)}: byte 0 is the
 * least significant byte of limb 0. Sums form a group, so a range sum is a difference of two prefix sums.
 */
final class Sum256 {
    private Sum256() {
    }

    /** {@code acc += id}, the id as its four big-endian words. */
    static void addId(long[] acc, int off, long w0, long w1, long w2, long w3) {
        add(acc, off, Long.reverseBytes(w0), Long.reverseBytes(w1), Long.reverseBytes(w2), Long.reverseBytes(w3));
    }

    /** {@code acc -= id}, the id as its four big-endian words. */
    static void subtractId(long[] acc, int off, long w0, long w1, long w2, long w3) {
        // acc - x = acc + (~x + 1)
        add(acc, off, ~Long.reverseBytes(w0), ~Long.reverseBytes(w1), ~Long.reverseBytes(w2),
            ~Long.reverseBytes(w3));
        add(acc, off, 1, 0, 0, 0);
    }

    /** {@code acc += src}. */
    static void addSum(long[] acc, int off, long[] src, int srcOff) {
        add(acc, off, src[srcOff], src[srcOff + 1], src[srcOff + 2], src[srcOff + 3]);
    }

    /** {@code acc -= src}. */
    static void subtractSum(long[] acc, int off, long[] src, int srcOff) {
        add(acc, off, ~src[srcOff], ~src[srcOff + 1], ~src[srcOff + 2], ~src[srcOff + 3]);
        add(acc, off, 1, 0, 0, 0);
    }

    /** {@code acc += (l0, l1, l2, l3)}, limbs least significant first. */
    static void add(long[] acc, int off, long l0, long l1, long l2, long l3) {
        long a = acc[off];
        long s = a + l0;
        long carry = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
        acc[off] = s;

        a = acc[off + 1];
        s = a + l1;
        long c = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
        s += carry;
        // s + carry overflows only when s was all ones, and then the first addition did not carry
        carry = c | (carry & (s == 0 ? 1 : 0));
        acc[off + 1] = s;

        a = acc[off + 2];
        s = a + l2;
        c = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
        s += carry;
        carry = c | (carry & (s == 0 ? 1 : 0));
        acc[off + 2] = s;

        acc[off + 3] = acc[off + 3] + l3 + carry;
    }

    static void clear(long[] acc, int off) {
        acc[off] = 0;
        acc[off + 1] = 0;
        acc[off + 2] = 0;
        acc[off + 3] = 0;
    }

    static void copy(long[] src, int srcOff, long[] dst, int dstOff) {
        System.arraycopy(src, srcOff, dst, dstOff, 4);
    }
}
