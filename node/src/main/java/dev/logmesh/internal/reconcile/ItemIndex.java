package dev.logmesh.internal.reconcile;

import dev.logmesh.ActionId;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A sorted, changeable set of {@link Item}s for logs of millions of ids: the {@link ItemStorage} a node
 * reconciles from. Inserts, removes and {@link #fingerprint} of any range take O(log n) plus a small
 * constant. Memory, measured on 1,000,000 ids: 41 bytes an item when ids arrive in increasing order, 44 when
 * one in 50 arrives up to a second late, 44 in random order.
 *
 * <h2>Design notes</h2>
 * <ul>
 * <li>Items live in <em>chunks</em> of at most {@value #DEFAULT_CHUNK_CAPACITY}, each three primitive arrays:
 *     timestamps ({@code long}), ids (four {@code long} words an item) and the prefix sums of the ids at every
 *     {@value #DEFAULT_BLOCK_SIZE}th position. No object per item: 40 bytes of data plus one byte of prefix
 *     sums an item, plus the unused tail of each chunk's arrays (the first chunk doubles as it fills; a chunk
 *     started by a spill past a full last one is made full size; the others grow by an eighth at a time).</li>
 * <li>Two Fenwick trees over the chunks hold the item counts and the id sums (mod 2<sup>256</sup>). An index
 *     finds its chunk in O(log m) (m = chunks), and the sum of items {@code [0, i)} is the tree's prefix sum
 *     up to the chunk, plus the chunk's block prefix sum, plus at most 31 items. A range's fingerprint is the
 *     difference of two such sums, then one SHA-256.</li>
 * <li>An insert shifts the tail of one chunk (at most 1,024 items), updates each block prefix sum after it
 *     with two additions (the id that came in, the id pushed across) and updates both trees. A full chunk
 *     passes its last item to the next chunk when that one has room, and the last chunk spills into a new
 *     one, so ids that arrive in increasing order, or nearly, leave full chunks behind. Otherwise a full
 *     chunk splits in two, and the trees are rebuilt (O(m), once per hundreds of inserts). Removes shrink
 *     chunks and merge small neighbours.</li>
 * <li>Chunk size 1,024 with 32-item blocks was chosen by measurement ({@code ReconcileBench --shapes}:
 *     smaller chunks cost memory and build time, larger ones slow inserts that are not appends);
 *     {@code ItemIndexProperties} checks shapes down to 4 items a chunk against a naive model.</li>
 * <li>Fingerprints come in runs that share range ends (the 16 buckets of a split): the prefix sum of the
 *     last range end is kept until the next change, so a run costs one prefix sum a range.</li>
 * </ul>
 *
 * <h2>From items back to actions</h2>
 * The index keeps no {@link ActionId}s: that would be a second object an item (a 32-byte record and its
 * reference, more when the node strings are not shared), close to doubling the memory. The node
 * turns an item into its action id with its log, which it can ask for the ids created in one millisecond:
 * hash those few candidates and pick the match ({@link ActionIds#resolve}). For a {@link Need} (an id
 * without its timestamp) {@link #findAll} first finds the item in the window the need came with.
 *
 * <p>Threads: not thread-safe. The node's loop thread owns it: it changes it as ids are added and forgotten
 * and runs reconciliation sessions over it, never both at once.
 */
public final class ItemIndex implements ItemStorage {
    /** Most items in one chunk. */
    public static final int DEFAULT_CHUNK_CAPACITY = 1024;
    /** Items per block of a chunk's prefix sums. */
    public static final int DEFAULT_BLOCK_SIZE = 32;

    private final int maxChunk;
    private final int blockShift;
    private final int blockSize;
    /**
     * Made at the first fingerprint, not with the index: a node builds its index before it listens, and the
     * first digest of a process sets up the JDK's security providers (start-up: docs/performance.md).
     */
    private MessageDigest sha256;
    private final long[] sums = new long[8];
    /** The sum of the ids {@code [0, cachedEnd)}; -1 when there is none (every change clears it). */
    private final long[] cachedSum = new long[4];
    private int cachedEnd = -1;

    private Chunk[] chunks = new Chunk[16];
    private int chunkCount;
    private int size;
    /** Fenwick tree (1-based) of chunk item counts. */
    private int[] treeCount = new int[17];
    /** Fenwick tree (1-based) of chunk id sums, four limbs a node. */
    private long[] treeSum = new long[17 * 4];

    /** One run of items in order: parallel primitive arrays. */
    private static final class Chunk {
        long[] ts;
        /** Four big-endian words an item. */
        long[] ids;
        /** Entry {@code b} (four limbs) = sum of the ids {@code [0, b * blockSize)}; valid up to {@code size}. */
        final long[] blockSums;
        /** The sum of all the chunk's ids. */
        final long[] total = new long[4];
        int size;

        Chunk(int capacity, int blocks) {
            ts = new long[capacity];
            ids = new long[capacity * 4];
            blockSums = new long[(blocks + 1) * 4];
        }

        int capacity() {
            return ts.length;
        }

        void resize(int capacity) {
            ts = Arrays.copyOf(ts, capacity);
            ids = Arrays.copyOf(ids, capacity * 4);
        }

        /** Whether the item sorts after the one at {@code i}; 0 if equal, negative if before. */
        int compareAt(int i, long t, long w0, long w1, long w2, long w3) {
            int c = Long.compare(t, ts[i]);
            if (c != 0) {
                return c;
            }
            int k = i * 4;
            c = Long.compareUnsigned(w0, ids[k]);
            if (c != 0) {
                return c;
            }
            c = Long.compareUnsigned(w1, ids[k + 1]);
            if (c != 0) {
                return c;
            }
            c = Long.compareUnsigned(w2, ids[k + 2]);
            return c != 0 ? c : Long.compareUnsigned(w3, ids[k + 3]);
        }

        /** The first position whose item is not before the given one. */
        int search(long t, long w0, long w1, long w2, long w3) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (compareAt(mid, t, w0, w1, w2, w3) > 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** The first position whose item is not before {@code bound}. */
        int search(Bound bound) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (isBefore(mid, bound)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        boolean isBefore(int i, Bound bound) {
            int k = i * 4;
            return bound.isAfter(ts[i], ids[k], ids[k + 1], ids[k + 2], ids[k + 3]);
        }

        Item item(int i) {
            int k = i * 4;
            return new Item(ts[i], ItemId.ofWords(ids[k], ids[k + 1], ids[k + 2], ids[k + 3]));
        }

        void addIdTo(int i, long[] acc, int off) {
            int k = i * 4;
            Sum256.addId(acc, off, ids[k], ids[k + 1], ids[k + 2], ids[k + 3]);
        }

        /** {@code acc = } sum of the ids {@code [0, end)}. */
        void prefixSum(int end, int shift, long[] acc, int off) {
            int b = end >>> shift;
            Sum256.copy(blockSums, b * 4, acc, off);
            for (int i = b << shift; i < end; i++) {
                addIdTo(i, acc, off);
            }
        }

        /** Recomputes the block sums and the total after items from position {@code from} on changed. */
        void recompute(int from, int shift) {
            int last = size >>> shift;
            for (int b = (from >>> shift) + 1; b <= last; b++) {
                Sum256.copy(blockSums, (b - 1) * 4, blockSums, b * 4);
                for (int i = (b - 1) << shift, end = b << shift; i < end; i++) {
                    addIdTo(i, blockSums, b * 4);
                }
            }
            prefixSum(size, shift, total, 0);
        }

        /**
         * Inserts at {@code p}. Each block boundary after {@code p} gains the new id and loses the id pushed
         * across it: two additions a block, not a pass over the tail.
         */
        void insertAt(int p, long t, long w0, long w1, long w2, long w3, int shift) {
            System.arraycopy(ts, p, ts, p + 1, size - p);
            System.arraycopy(ids, p * 4, ids, p * 4 + 4, (size - p) * 4);
            ts[p] = t;
            int k = p * 4;
            ids[k] = w0;
            ids[k + 1] = w1;
            ids[k + 2] = w2;
            ids[k + 3] = w3;
            size++;
            int last = size >>> shift;
            for (int b = (p >>> shift) + 1; b <= last; b++) {
                int off = b * 4;
                int boundary = b << shift;
                if (boundary == size) {
                    // a boundary that did not exist before the insert
                    Sum256.copy(blockSums, off - 4, blockSums, off);
                    for (int i = (b - 1) << shift; i < boundary; i++) {
                        addIdTo(i, blockSums, off);
                    }
                } else {
                    Sum256.addId(blockSums, off, w0, w1, w2, w3);
                    int j = boundary * 4;
                    Sum256.subtractId(blockSums, off, ids[j], ids[j + 1], ids[j + 2], ids[j + 3]);
                }
            }
            Sum256.addId(total, 0, w0, w1, w2, w3);
        }

        /** Removes the item at {@code p}, the block sums updated as in {@link #insertAt}. */
        void removeAt(int p, int shift) {
            int k = p * 4;
            long w0 = ids[k];
            long w1 = ids[k + 1];
            long w2 = ids[k + 2];
            long w3 = ids[k + 3];
            System.arraycopy(ts, p + 1, ts, p, size - p - 1);
            System.arraycopy(ids, k + 4, ids, k, (size - p - 1) * 4);
            size--;
            int last = size >>> shift;
            for (int b = (p >>> shift) + 1; b <= last; b++) {
                int off = b * 4;
                Sum256.subtractId(blockSums, off, w0, w1, w2, w3);
                addIdTo((b << shift) - 1, blockSums, off);
            }
            Sum256.subtractId(total, 0, w0, w1, w2, w3);
        }

        void removeRange(int from, int to, int shift) {
            System.arraycopy(ts, to, ts, from, size - to);
            System.arraycopy(ids, to * 4, ids, from * 4, (size - to) * 4);
            size -= to - from;
            recompute(from, shift);
        }
    }

    /** An empty index with the chunk shape chosen by measurement. */
    public ItemIndex() {
        this(DEFAULT_CHUNK_CAPACITY, DEFAULT_BLOCK_SIZE);
    }

    /**
     * An empty index with another chunk shape, for tests and measurements; {@link #ItemIndex()} is the one to
     * use.
     *
     * @param chunkCapacity most items in a chunk: a power of two, at least 4
     * @param blockSize     items per block of prefix sums: a power of two, at least 1, at most the capacity
     * @throws IllegalArgumentException if the shape is not one of those
     */
    public ItemIndex(int chunkCapacity, int blockSize) {
        if (Integer.bitCount(chunkCapacity) != 1 || chunkCapacity < 4) {
            throw new IllegalArgumentException("chunk capacity must be a power of two >= 4: " + chunkCapacity);
        }
        if (Integer.bitCount(blockSize) != 1 || blockSize > chunkCapacity) {
            throw new IllegalArgumentException("block size must be a power of two <= capacity: " + blockSize);
        }
        this.maxChunk = chunkCapacity;
        this.blockSize = blockSize;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
    }

    // ---------------------------------------------------------------- ItemStorage

    @Override
    public int size() {
        return size;
    }

    @Override
    public Item get(int index) {
        Objects.checkIndex(index, size);
        long at = locate(index);
        return chunks[(int) (at >>> 32)].item((int) at);
    }

    @Override
    public int lowerBound(Bound bound) {
        int lo = 0;
        int hi = chunkCount;
        // the first chunk whose last item is not before the bound
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            Chunk c = chunks[mid];
            if (c.isBefore(c.size - 1, bound)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == chunkCount) {
            return size;
        }
        return prefixCount(lo) + chunks[lo].search(bound);
    }

    @Override
    public Fingerprint fingerprint(int begin, int end) {
        Objects.checkFromToIndex(begin, end, size);
        // Ranges come in runs that share ends (16 buckets of a split, adjacent ranges of a message): the sum
        // up to the last range's end is kept and is often this range's beginning.
        if (begin == cachedEnd) {
            Sum256.copy(cachedSum, 0, sums, 4);
        } else {
            prefixSum(begin, sums, 4);
        }
        prefixSum(end, sums, 0);
        Sum256.copy(sums, 0, cachedSum, 0);
        cachedEnd = end;
        Sum256.subtractSum(sums, 0, sums, 4);
        if (sha256 == null) {
            sha256 = Bytes.newSha256();
        }
        return Fingerprint.of(sums, 0, end - begin, sha256);
    }

    /**
     * Adds the sum (mod 2<sup>256</sup>) of the ids of items {@code [begin, end)} to {@code acc[off .. off + 4)},
     * four limbs least significant first: for a {@link UnionStorage}, whose fingerprints add two indexes' sums.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, size()]}
     */
    void addRangeSum(int begin, int end, long[] acc, int off) {
        Objects.checkFromToIndex(begin, end, size);
        if (begin == end) {
            return;
        }
        prefixSum(end, sums, 0);
        prefixSum(begin, sums, 4);
        Sum256.subtractSum(sums, 0, sums, 4);
        Sum256.addSum(acc, off, sums, 0);
    }

    // ---------------------------------------------------------------- changes

    /** Adds the item of an action ({@link Item#of(ActionId)}); whether it was new. */
    public boolean add(ActionId id) {
        return add(Item.of(id));
    }

    /** Adds an item; whether it was new (false: it was there already). */
    public boolean add(Item item) {
        ItemId id = item.id();
        return insert(item.timestamp(), id.word(0), id.word(1), id.word(2), id.word(3));
    }

    /**
     * Adds a batch of items given as parallel arrays: item {@code i} has timestamp {@code timestamps[i]} and the id
     * whose four big-endian words are {@code words[4i .. 4i + 4)} ({@link ItemId#word}). The batch is sorted once
     * (a merge sort of positions that skips the merge of two runs already in order, so a batch in item order costs
     * one comparison a run boundary) and inserted in item order: the items past the index's last one then all take
     * the append path, where inserting them in the order they came put a catch-up's ids of one millisecond, which
     * sort by their hash, inside the run of that millisecond's items, shifting it for each. The result is the
     * index {@link #add(Item)} one by one would give (the same items; ranges and fingerprints are of the items, not
     * of the order they came in); duplicates, in the batch or with the index, are added once.
     *
     * <p>The arrays are read, not kept or changed. Called on the owner's thread, as every change.
     *
     * @param n how many items: the first {@code n} of {@code timestamps} and {@code 4n} of {@code words}
     * @return how many of them were new
     * @throws IndexOutOfBoundsException if the arrays hold fewer than {@code n} items
     * @throws IllegalArgumentException if a timestamp is negative; then nothing of the batch is added
     */
    public int addAll(long[] timestamps, long[] words, int n) {
        if (n < 0 || n > timestamps.length || n > words.length / 4) {
            throw new IndexOutOfBoundsException("a batch of " + n + " items in arrays of " + timestamps.length
                + " timestamps and " + words.length + " id words");
        }
        for (int i = 0; i < n; i++) {
            if (timestamps[i] < 0) {
                throw new IllegalArgumentException("item timestamp must be >= 0, got " + timestamps[i]);
            }
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (n > 1) {
            sort(order, new int[n], 0, n, timestamps, words);
        }
        int added = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            int w = i * 4;
            if (insert(timestamps[i], words[w], words[w + 1], words[w + 2], words[w + 3])) {
                added++;
            }
        }
        return added;
    }

    /** Runs this short or shorter are sorted by insertion. */
    private static final int INSERTION_SORT_MAX = 16;

    /**
     * Sorts the positions {@code order[lo .. hi)} by their items (top-down merge sort, stable): two halves already in
     * order are not merged, so a run of items in order costs one comparison a level.
     */
    private static void sort(int[] order, int[] scratch, int lo, int hi, long[] ts, long[] words) {
        if (hi - lo <= INSERTION_SORT_MAX) {
            for (int i = lo + 1; i < hi; i++) {
                int x = order[i];
                int j = i - 1;
                while (j >= lo && compareItems(order[j], x, ts, words) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = x;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        sort(order, scratch, lo, mid, ts, words);
        sort(order, scratch, mid, hi, ts, words);
        if (compareItems(order[mid - 1], order[mid], ts, words) <= 0) {
            return;
        }
        System.arraycopy(order, lo, scratch, lo, mid - lo);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
            order[k++] = compareItems(scratch[i], order[j], ts, words) <= 0 ? scratch[i++] : order[j++];
        }
        while (i < mid) {
            order[k++] = scratch[i++];
        }
    }

    /** Item order (timestamp, then the id's words unsigned) of batch items {@code a} and {@code b}. */
    private static int compareItems(int a, int b, long[] ts, long[] words) {
        int c = Long.compare(ts[a], ts[b]);
        if (c != 0) {
            return c;
        }
        int x = a * 4;
        int y = b * 4;
        for (int k = 0; k < 4; k++) {
            c = Long.compareUnsigned(words[x + k], words[y + k]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** Removes the item of an action; whether it was there. */
    public boolean remove(ActionId id) {
        return remove(Item.of(id));
    }

    /** Removes an item; whether it was there. */
    public boolean remove(Item item) {
        ItemId id = item.id();
        long t = item.timestamp();
        int k = chunkFor(t, id.word(0), id.word(1), id.word(2), id.word(3));
        if (k < 0) {
            return false;
        }
        Chunk c = chunks[k];
        int p = c.search(t, id.word(0), id.word(1), id.word(2), id.word(3));
        if (p == c.size || c.compareAt(p, t, id.word(0), id.word(1), id.word(2), id.word(3)) != 0) {
            return false;
        }
        cachedEnd = -1;
        c.removeAt(p, blockShift);
        size--;
        if (c.size == 0) {
            deleteChunk(k);
            rebuildTrees();
            return true;
        }
        treeAdd(k, -1, id.word(0), id.word(1), id.word(2), id.word(3), false);
        compact(k);
        return true;
    }

    /**
     * Removes every item with a timestamp before {@code timestamp}: the ids a node forgets past its horizon.
     *
     * @return how many were removed
     */
    public int removeBefore(long timestamp) {
        int n = lowerBound(Bound.of(timestamp));
        if (n == 0) {
            return 0;
        }
        cachedEnd = -1;
        int dropped = 0;
        int left = n;
        while (dropped < chunkCount && chunks[dropped].size <= left) {
            left -= chunks[dropped].size;
            dropped++;
        }
        System.arraycopy(chunks, dropped, chunks, 0, chunkCount - dropped);
        Arrays.fill(chunks, chunkCount - dropped, chunkCount, null);
        chunkCount -= dropped;
        if (left > 0) {
            chunks[0].removeRange(0, left, blockShift);
            shrink(chunks[0]);
        }
        size -= n;
        rebuildTrees();
        return n;
    }

    /** Whether the item is in the index. */
    public boolean contains(Item item) {
        return indexOf(item) >= 0;
    }

    /** The index of the item, or -1 if it is not here. */
    public int indexOf(Item item) {
        ItemId id = item.id();
        long t = item.timestamp();
        int k = chunkFor(t, id.word(0), id.word(1), id.word(2), id.word(3));
        if (k < 0) {
            return -1;
        }
        Chunk c = chunks[k];
        int p = c.search(t, id.word(0), id.word(1), id.word(2), id.word(3));
        if (p == c.size || c.compareAt(p, t, id.word(0), id.word(1), id.word(2), id.word(3)) != 0) {
            return -1;
        }
        return prefixCount(k) + p;
    }

    /**
     * The item with this id and a timestamp in {@code [minTimestamp, maxTimestamp]}, or null: a scan of that
     * window.
     */
    public Item find(ItemId id, long minTimestamp, long maxTimestamp) {
        List<Item> found = findAll(List.of(new Need(id, minTimestamp, maxTimestamp)));
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * The items this index holds among the needs a peer sent: one scan over the union of their windows, so
     * the cost is the items in the windows (about the ids the index sent in the id lists that named the
     * needs) plus the needs. Items come in item order; needs not found are left out.
     */
    public List<Item> findAll(Collection<Need> needs) {
        List<Item> found = new ArrayList<>();
        if (needs.isEmpty()) {
            return found;
        }
        Set<ItemId> wanted = new HashSet<>(needs.size() * 2);
        long[][] windows = new long[needs.size()][];
        int w = 0;
        for (Need n : needs) {
            wanted.add(n.id());
            windows[w++] = new long[] {n.minTimestamp(), n.maxTimestamp()};
        }
        Arrays.sort(windows, (a, b) -> Long.compare(a[0], b[0]));
        int next = 0;
        for (int i = 0; i < windows.length && !wanted.isEmpty(); i++) {
            long from = windows[i][0];
            long to = windows[i][1];
            while (i + 1 < windows.length && windows[i + 1][0] <= to) {
                to = Math.max(to, windows[++i][1]);
            }
            for (int j = Math.max(next, lowerBound(Bound.of(from))); j < size; j++) {
                Item item = get(j);
                if (item.timestamp() > to) {
                    next = j;
                    break;
                }
                if (wanted.remove(item.id())) {
                    found.add(item);
                }
            }
        }
        return found;
    }

    /** Removes every item. */
    public void clear() {
        cachedEnd = -1;
        chunks = new Chunk[16];
        chunkCount = 0;
        size = 0;
        rebuildTrees();
    }

    /**
     * The heap bytes this index holds (arrays and their headers, chunk objects, the trees): for measurements
     * of the cost an item.
     */
    public long memoryBytes() {
        long bytes = 16L + 4L * chunks.length + 16L + 4L * treeCount.length + 16L + 8L * treeSum.length;
        for (int k = 0; k < chunkCount; k++) {
            Chunk c = chunks[k];
            bytes += 32 + 16 + 8L * c.ts.length + 16 + 8L * c.ids.length + 16 + 8L * c.blockSums.length + 16 + 32;
        }
        return bytes;
    }

    // ---------------------------------------------------------------- inserts

    private boolean insert(long t, long w0, long w1, long w2, long w3) {
        if (t < 0) {
            throw new IllegalArgumentException("item timestamp must be >= 0, got " + t);
        }
        cachedEnd = -1;
        if (chunkCount == 0) {
            ensureChunkSlots(1);
            chunks[0] = newChunk(blockSize);
            chunkCount = 1;
            rebuildTrees();
        }
        int k;
        int p;
        Chunk last = chunks[chunkCount - 1];
        if (last.size == 0 || last.compareAt(last.size - 1, t, w0, w1, w2, w3) > 0) {
            // the common case: the newest id so far
            k = chunkCount - 1;
            p = last.size;
        } else {
            k = Math.max(0, chunkFor(t, w0, w1, w2, w3));
            Chunk c = chunks[k];
            p = c.search(t, w0, w1, w2, w3);
            if (p < c.size && c.compareAt(p, t, w0, w1, w2, w3) == 0) {
                return false;
            }
        }
        Chunk c = chunks[k];
        if (c.size < maxChunk) {
            insertInto(k, p, t, w0, w1, w2, w3);
        } else if (k == chunkCount - 1) {
            spillIntoNewLastChunk(p, t, w0, w1, w2, w3);
        } else if (chunks[k + 1].size < maxChunk) {
            passLastToNext(k, p, t, w0, w1, w2, w3);
        } else {
            splitAndInsert(k, p, t, w0, w1, w2, w3);
        }
        size++;
        return true;
    }

    /** Room is there: shift, then update the trees. */
    private void insertInto(int k, int p, long t, long w0, long w1, long w2, long w3) {
        Chunk c = chunks[k];
        if (c.size == c.capacity()) {
            // The last chunk takes the appends: it doubles. Others grow by an eighth, so a chunk that was split
            // and then took a few late ids wastes little.
            int grown = k == chunkCount - 1 ? 2 * c.capacity() : c.capacity() + Math.max(blockSize, c.capacity() / 8);
            c.resize(Math.min(maxChunk, grown));
        }
        c.insertAt(p, t, w0, w1, w2, w3, blockShift);
        treeAdd(k, 1, w0, w1, w2, w3, true);
    }

    /**
     * The last chunk is full: its largest item (maybe the new one) starts a new last chunk. At full capacity: the
     * index is being appended to (a catch-up, a load), and a chunk grown from one block by doubling copied its items
     * five times (session 49's allocation profile: 4% of a receiving loop's bytes). The unused room is the last
     * chunk's only, at most one chunk an index.
     */
    private void spillIntoNewLastChunk(int p, long t, long w0, long w1, long w2, long w3) {
        Chunk c = chunks[chunkCount - 1];
        Chunk fresh = newChunk(maxChunk);
        if (p == c.size) {
            fresh.insertAt(0, t, w0, w1, w2, w3, blockShift);
        } else {
            int m = c.size - 1;
            fresh.insertAt(0, c.ts[m], c.ids[m * 4], c.ids[m * 4 + 1], c.ids[m * 4 + 2], c.ids[m * 4 + 3],
                blockShift);
            c.removeAt(m, blockShift);
            c.insertAt(p, t, w0, w1, w2, w3, blockShift);
        }
        ensureChunkSlots(chunkCount + 1);
        chunks[chunkCount++] = fresh;
        rebuildTrees();
    }

    /** Chunk {@code k} is full and the next one is not: pass the largest item (maybe the new one) on. */
    private void passLastToNext(int k, int p, long t, long w0, long w1, long w2, long w3) {
        Chunk c = chunks[k];
        if (p == c.size) {
            insertInto(k + 1, 0, t, w0, w1, w2, w3);
            return;
        }
        int m = c.size - 1;
        long mt = c.ts[m];
        long m0 = c.ids[m * 4];
        long m1 = c.ids[m * 4 + 1];
        long m2 = c.ids[m * 4 + 2];
        long m3 = c.ids[m * 4 + 3];
        c.removeAt(m, blockShift);
        treeAdd(k, -1, m0, m1, m2, m3, false);
        insertInto(k + 1, 0, mt, m0, m1, m2, m3);
        insertInto(k, p, t, w0, w1, w2, w3);
    }

    /** Chunk {@code k} and the next are full: split {@code k} in halves, insert, rebuild the trees. */
    private void splitAndInsert(int k, int p, long t, long w0, long w1, long w2, long w3) {
        Chunk c = chunks[k];
        int half = c.size / 2;
        int rest = c.size - half;
        Chunk right = newChunk(rest + blockSize);
        System.arraycopy(c.ts, half, right.ts, 0, rest);
        System.arraycopy(c.ids, half * 4, right.ids, 0, rest * 4);
        right.size = rest;
        right.recompute(0, blockShift);
        c.size = half;
        c.resize(half + blockSize);
        c.recompute(0, blockShift);
        ensureChunkSlots(chunkCount + 1);
        System.arraycopy(chunks, k + 1, chunks, k + 2, chunkCount - k - 1);
        chunks[k + 1] = right;
        chunkCount++;
        if (p <= half) {
            c.insertAt(p, t, w0, w1, w2, w3, blockShift);
        } else {
            right.insertAt(p - half, t, w0, w1, w2, w3, blockShift);
        }
        rebuildTrees();
    }

    private Chunk newChunk(int capacity) {
        return new Chunk(Math.min(maxChunk, capacity), maxChunk >>> blockShift);
    }

    private void ensureChunkSlots(int n) {
        if (n > chunks.length) {
            chunks = Arrays.copyOf(chunks, Math.max(n, chunks.length * 2));
        }
    }

    // ---------------------------------------------------------------- removes

    private void deleteChunk(int k) {
        System.arraycopy(chunks, k + 1, chunks, k, chunkCount - k - 1);
        chunks[--chunkCount] = null;
    }

    /** After a remove from chunk {@code k}: merge it with a small neighbour, or give back unused room. */
    private void compact(int k) {
        Chunk c = chunks[k];
        if (c.size < maxChunk / 4) {
            int other = k + 1 < chunkCount && chunks[k + 1].size + c.size <= maxChunk / 2 ? k + 1
                : k > 0 && chunks[k - 1].size + c.size <= maxChunk / 2 ? k - 1 : -1;
            if (other >= 0) {
                int into = Math.min(k, other);
                Chunk a = chunks[into];
                Chunk b = chunks[into + 1];
                int n = a.size + b.size;
                if (a.capacity() < n) {
                    a.resize(n + blockSize);
                }
                System.arraycopy(b.ts, 0, a.ts, a.size, b.size);
                System.arraycopy(b.ids, 0, a.ids, a.size * 4, b.size * 4);
                int from = a.size;
                a.size = n;
                a.recompute(from, blockShift);
                deleteChunk(into + 1);
                rebuildTrees();
                return;
            }
        }
        shrink(c);
    }

    private void shrink(Chunk c) {
        if (c.capacity() > 2 * c.size + blockSize) {
            c.resize(c.size + Math.max(blockSize, c.size / 8));
        }
    }

    // ---------------------------------------------------------------- chunks and trees

    /** The chunk an item belongs in: the last whose first item is not after it; -1 if empty; 0 if first. */
    private int chunkFor(long t, long w0, long w1, long w2, long w3) {
        if (chunkCount == 0) {
            return -1;
        }
        int lo = 0;
        int hi = chunkCount - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (chunks[mid].compareAt(0, t, w0, w1, w2, w3) >= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The chunk (high 32 bits) and position in it (low 32 bits) of item {@code index < size}. */
    private long locate(int index) {
        int pos = 0;
        int rest = index;
        for (int step = Integer.highestOneBit(chunkCount); step > 0; step >>>= 1) {
            int next = pos + step;
            if (next <= chunkCount && treeCount[next] <= rest) {
                pos = next;
                rest -= treeCount[next];
            }
        }
        return ((long) pos << 32) | rest;
    }

    /** The number of items in chunks {@code [0, k)}. */
    private int prefixCount(int k) {
        int n = 0;
        for (int i = k; i > 0; i -= i & -i) {
            n += treeCount[i];
        }
        return n;
    }

    /** {@code acc = } the sum of the ids of items {@code [0, index)}. */
    private void prefixSum(int index, long[] acc, int off) {
        Sum256.clear(acc, off);
        int k;
        int inChunk;
        if (index == size) {
            k = chunkCount;
            inChunk = 0;
        } else {
            long at = locate(index);
            k = (int) (at >>> 32);
            inChunk = (int) at;
        }
        if (inChunk > 0) {
            chunks[k].prefixSum(inChunk, blockShift, acc, off);
        }
        for (int i = k; i > 0; i -= i & -i) {
            Sum256.addSum(acc, off, treeSum, i * 4);
        }
    }

    /** Adds one item (or takes it away), its id as four big-endian words, in chunk {@code k}'s nodes of both trees. */
    private void treeAdd(int k, int count, long w0, long w1, long w2, long w3, boolean add) {
        for (int i = k + 1; i <= chunkCount; i += i & -i) {
            treeCount[i] += count;
            if (add) {
                Sum256.addId(treeSum, i * 4, w0, w1, w2, w3);
            } else {
                Sum256.subtractId(treeSum, i * 4, w0, w1, w2, w3);
            }
        }
    }

    /** Rebuilds both trees from the chunks, in O(m) plus a block of sums a chunk. */
    private void rebuildTrees() {
        int m = chunkCount;
        if (treeCount.length < m + 1) {
            int n = Math.max(m + 1, treeCount.length * 2);
            treeCount = new int[n];
            treeSum = new long[n * 4];
        } else {
            Arrays.fill(treeCount, 0);
            Arrays.fill(treeSum, 0);
        }
        for (int k = 1; k <= m; k++) {
            Chunk c = chunks[k - 1];
            treeCount[k] = c.size;
            Sum256.copy(c.total, 0, treeSum, k * 4);
        }
        for (int k = 1; k <= m; k++) {
            int parent = k + (k & -k);
            if (parent <= m) {
                treeCount[parent] += treeCount[k];
                Sum256.addSum(treeSum, parent * 4, treeSum, k * 4);
            }
        }
    }
}
