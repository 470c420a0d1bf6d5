package dev.logmesh.internal.store;

import dev.logmesh.internal.store.MemoryStore;

import dev.logmesh.Entry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Entries by {@code added}, for {@link MemoryStore}: {@code added} only grows, so new entries are appended to
 * a sorted array (O(1)), found by binary search (O(log n)), and removed as tombstones that a compaction drops
 * once they are half of the array (amortised O(1)). A tree map would rebalance on every append.
 */
final class AddedIndex {
    private long[] keys = new long[64];
    private Entry[] values = new Entry[64];
    /** Slots in use, tombstones included. */
    private int size;
    private int live;

    /** Appends an entry whose {@code added} is above every one before. */
    void append(long key, Entry entry) {
        if (size > 0 && key <= keys[size - 1]) {
            throw new IllegalStateException("added must grow: " + key + " after " + keys[size - 1]);
        }
        if (size == keys.length) {
            compactOrGrow();
        }
        keys[size] = key;
        values[size] = entry;
        size++;
        live++;
    }

    /** Makes room for {@code more} appends without growing (the arrays copied once, if they are too small). */
    void expect(int more) {
        long want = (long) size + more;
        if (want > keys.length && want <= Integer.MAX_VALUE - 8) {
            keys = Arrays.copyOf(keys, (int) want);
            values = Arrays.copyOf(values, (int) want);
        }
    }

    private int find(long key) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        return i >= 0 && values[i] != null ? i : -1;
    }

    Entry get(long key) {
        int i = find(key);
        return i < 0 ? null : values[i];
    }

    /** Replaces the entry stored under {@code key}. @return whether there was one */
    boolean replace(long key, Entry entry) {
        int i = find(key);
        if (i < 0) {
            return false;
        }
        values[i] = entry;
        return true;
    }

    Entry remove(long key) {
        int i = find(key);
        if (i < 0) {
            return null;
        }
        Entry old = values[i];
        values[i] = null;
        live--;
        if (size > 64 && live < size / 2) {
            compactOrGrow();
        }
        return old;
    }

    private void compactOrGrow() {
        // no tombstone (a log that only grew: every catch-up): nothing to compact, so no pass over the slots. Cold,
        // that pass was interpreted at each doubling (~3 ms of a 50k catch-up's loop, docs/performance.md, session 22)
        if (live < size) {
            int j = 0;
            for (int i = 0; i < size; i++) {
                if (values[i] != null) {
                    keys[j] = keys[i];
                    values[j] = values[i];
                    j++;
                }
            }
            Arrays.fill(values, j, size, null);
            size = j;
        }
        if (size > keys.length / 2) {
            keys = Arrays.copyOf(keys, keys.length * 2);
            values = Arrays.copyOf(values, values.length * 2);
        }
    }

    /**
     * Up to {@code limit} entries strictly after (or before) {@code after} (null: from the end), in a list sized by
     * the slots that can hold them, so a page of one new entry (every round trip of a live session) costs one small
     * array, not one of the page's limit.
     */
    List<Entry> page(boolean ascending, Long after, int limit) {
        if (ascending) {
            int i = after == null ? 0 : upper(after);
            List<Entry> out = new ArrayList<>(Math.max(0, Math.min(limit, size - i)));
            for (; i < size && out.size() < limit; i++) {
                if (values[i] != null) {
                    out.add(values[i]);
                }
            }
            return out;
        }
        int i = after == null ? size - 1 : lower(after) - 1;
        List<Entry> out = new ArrayList<>(Math.max(0, Math.min(limit, i + 1)));
        for (; i >= 0 && out.size() < limit; i--) {
            if (values[i] != null) {
                out.add(values[i]);
            }
        }
        return out;
    }

    /** The first slot whose key is above {@code key}. */
    private int upper(long key) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** The first slot whose key is at least {@code key}. */
    private int lower(long key) {
        int i = Arrays.binarySearch(keys, 0, size, key);
        return i >= 0 ? i : -i - 1;
    }
}
