package dev.logmesh.internal.reconcile;

/**
 * A set of ids keyed by their first 128 bits, in two flat {@code long} arrays (open addressing, linear
 * probing): 32 bytes a slot at most half full, no object per id. The initiator uses it to report each
 * difference once. Ids are SHA-256 values, so two ids sharing 128 bits do not occur in practice.
 * Not thread-safe.
 */
final class SeenIds {
    private long[] hi = new long[64];
    private long[] lo = new long[64];
    private boolean hasZero;
    private int size;

    /** Adds the id; whether it was new. */
    boolean add(ItemId id) {
        long h = id.word(0);
        long l = id.word(1);
        if (h == 0 && l == 0) {
            boolean added = !hasZero;
            hasZero = true;
            return added;
        }
        if (2 * (size + 1) > hi.length) {
            grow();
        }
        if (!insert(hi, lo, h, l)) {
            return false;
        }
        size++;
        return true;
    }

    int size() {
        return size + (hasZero ? 1 : 0);
    }

    private static boolean insert(long[] hi, long[] lo, long h, long l) {
        int mask = hi.length - 1;
        for (int i = (int) (h ^ (h >>> 32)) & mask; ; i = (i + 1) & mask) {
            if (hi[i] == 0 && lo[i] == 0) {
                hi[i] = h;
                lo[i] = l;
                return true;
            }
            if (hi[i] == h && lo[i] == l) {
                return false;
            }
        }
    }

    private void grow() {
        long[] nh = new long[hi.length * 2];
        long[] nl = new long[lo.length * 2];
        for (int i = 0; i < hi.length; i++) {
            if (hi[i] != 0 || lo[i] != 0) {
                insert(nh, nl, hi[i], lo[i]);
            }
        }
        hi = nh;
        lo = nl;
    }
}
