package dev.logmesh.internal.reconcile;

/**
 * The read side of a sorted set of {@link Item}s, all the reconciler asks of a store (STYLE item 27).
 *
 * <p>Items are indexed {@code 0 .. size()-1} in item order (timestamp, then id bytes), without duplicates.
 * Ranges are half-open, {@code [begin, end)} with {@code 0 <= begin <= end <= size()}; a method given a
 * range outside that throws {@link IndexOutOfBoundsException}.
 *
 * <p>Threads: the reconciler calls these on the node's loop thread, the same thread that changes the
 * storage, and never while a change is under way; the storage may change between two messages of a
 * session, never during one. Implementations need no locking for that use.
 *
 * <p>{@link #fingerprint} dominates the cost of a session: an implementation for large sets answers it
 * from sums kept in its index, in O(log n) ({@link ItemIndex}), rather than by adding up the range.
 */
public interface ItemStorage {

    /** The number of items. */
    int size();

    /** The item at {@code index}, {@code 0 <= index < size()}. */
    Item get(int index);

    /** The index of the first item not before {@code bound}; {@code size()} if every item is before it. */
    int lowerBound(Bound bound);

    /** The fingerprint of the items in {@code [begin, end)}. */
    Fingerprint fingerprint(int begin, int end);
}
