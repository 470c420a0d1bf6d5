package dev.logmesh.internal.store;

import dev.logmesh.internal.store.MemoryStore;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * A set of positive longs in one sorted array, for {@link MemoryStore}'s index of entries by reason: the
 * {@code added} numbers of a log only grow, so they are appended (O(1)); a removal leaves a tombstone (the
 * number negated, so the array stays sorted by absolute value) that a compaction drops once tombstones are
 * half of the array. Eight bytes per number, where a tree set of boxed longs takes about sixty and two objects.
 */
final class SortedLongs {
    private long[] keys = new long[8];
    /** Slots in use, tombstones included. */
    private int size;
    private int live;

    /** Adds {@code k} (> 0). */
    void add(long k) {
        if (k <= 0) {
            throw new IllegalArgumentException("positive numbers only: " + k);
        }
        if (size == 0 || k > Math.abs(keys[size - 1])) {
            if (size == keys.length) {
                compactOrGrow();
            }
            keys[size++] = k;
            live++;
            return;
        }
        int i = search(k);
        if (i >= 0) {
            if (keys[i] < 0) {
                keys[i] = k;
                live++;
            }
            return;
        }
        // an older entry gains this reason (changeMeta): insert in the middle, O(n), rare
        if (size == keys.length) {
            compactOrGrow();
            i = search(k);
        }
        i = -i - 1;
        System.arraycopy(keys, i, keys, i + 1, size - i);
        keys[i] = k;
        size++;
        live++;
    }

    boolean remove(long k) {
        int i = search(k);
        if (i < 0 || keys[i] < 0) {
            return false;
        }
        keys[i] = -k;
        live--;
        if (size > 64 && live < size / 2) {
            compactOrGrow();
        }
        return true;
    }

    boolean contains(long k) {
        int i = search(k);
        return i >= 0 && keys[i] > 0;
    }

    boolean isEmpty() {
        return live == 0;
    }

    /**
     * Calls {@code each} for the numbers above {@code after}, ascending, while it returns true.
     * {@code each} must not change this set.
     */
    void forEachAbove(long after, LongPredicate each) {
        int i = search(after);
        i = i >= 0 ? i + 1 : -i - 1;
        for (; i < size; i++) {
            if (keys[i] > 0 && !each.test(keys[i])) {
                return;
            }
        }
    }

    /** A copy of the numbers in [from, to], ascending. */
    long[] range(long from, long to) {
        int i = search(from);
        i = i >= 0 ? i : -i - 1;
        long[] out = new long[Math.max(0, Math.min(live, size - i))];
        int n = 0;
        for (; i < size && Math.abs(keys[i]) <= to; i++) {
            if (keys[i] > 0) {
                out[n++] = keys[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Binary search by absolute value: the slot of {@code k} (live or tombstone), or -(insertion point) - 1. */
    private int search(long k) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = Math.abs(keys[mid]);
            if (v < k) {
                lo = mid + 1;
            } else if (v > k) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    private void compactOrGrow() {
        if (live < size) { // else no tombstone: nothing to compact (AddedIndex.compactOrGrow)
            int j = 0;
            for (int i = 0; i < size; i++) {
                if (keys[i] > 0) {
                    keys[j++] = keys[i];
                }
            }
            size = j;
        }
        if (size > keys.length / 2) {
            keys = Arrays.copyOf(keys, keys.length * 2);
        }
    }
}
