package dev.logmesh.internal.reconcile;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * The union of two disjoint {@link ItemIndex}es read as one sorted set, without copying either: a node's own
 * index and the ids one peer answered {@code gone} for, which the node compares with that peer only.
 *
 * <p>Position {@code p} of the union splits into the items of the first index before it and those of the second
 * (the two-sorted-arrays partition, a binary search of O(log n) {@link ItemIndex#get} calls); a range's fingerprint
 * adds the two indexes' range sums ({@link ItemIndex#addRangeSum}) and hashes once (Negentropy v1: the fingerprint
 * is of the sum, so a union of disjoint sets is the sum of theirs). With the second index empty every call goes
 * straight to the first.
 *
 * <p>The two must not share an item (the caller keeps them disjoint): a shared item would be counted twice.
 * Threads: as {@link ItemStorage}, the node's loop only; both indexes must not change during a call.
 */
public final class UnionStorage implements ItemStorage {
    private final ItemIndex first;
    private final ItemIndex second;
    private final long[] sum = new long[4];
    private MessageDigest sha256;

    /** A view of {@code first ∪ second}, which must stay disjoint. */
    public UnionStorage(ItemIndex first, ItemIndex second) {
        this.first = Objects.requireNonNull(first, "first");
        this.second = Objects.requireNonNull(second, "second");
    }

    @Override
    public int size() {
        return first.size() + second.size();
    }

    @Override
    public Item get(int index) {
        if (second.size() == 0) {
            return first.get(index);
        }
        Objects.checkIndex(index, size());
        int i = split(index);
        int j = index - i;
        if (i == first.size()) {
            return second.get(j);
        }
        if (j == second.size()) {
            return first.get(i);
        }
        Item a = first.get(i);
        Item b = second.get(j);
        return a.compareTo(b) < 0 ? a : b;
    }

    @Override
    public int lowerBound(Bound bound) {
        return first.lowerBound(bound) + second.lowerBound(bound);
    }

    @Override
    public Fingerprint fingerprint(int begin, int end) {
        if (second.size() == 0) {
            return first.fingerprint(begin, end);
        }
        Objects.checkFromToIndex(begin, end, size());
        int i0 = split(begin);
        int i1 = split(end);
        Sum256.clear(sum, 0);
        first.addRangeSum(i0, i1, sum, 0);
        second.addRangeSum(begin - i0, end - i1, sum, 0);
        if (sha256 == null) {
            sha256 = Bytes.newSha256();
        }
        return Fingerprint.of(sum, 0, end - begin, sha256);
    }

    /**
     * How many of the union's first {@code p} items are of the first index ({@code 0 <= p <= size()}): the
     * {@code i} with {@code first[i-1] < second[p-i]} and {@code second[p-i-1] < first[i]} where those exist.
     */
    private int split(int p) {
        int lo = Math.max(0, p - second.size());
        int hi = Math.min(p, first.size());
        while (lo < hi) {
            int i = (lo + hi) >>> 1;
            // i items of the first, p - i of the second: too few of the first if first[i] < second[p-i-1]
            if (first.get(i).compareTo(second.get(p - i - 1)) < 0) {
                lo = i + 1;
            } else {
                hi = i;
            }
        }
        return lo;
    }
}
