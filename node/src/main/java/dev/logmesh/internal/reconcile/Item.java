package dev.logmesh.internal.reconcile;

import dev.logmesh.ActionId;
import java.util.Objects;

/**
 * One element of a reconciled set: a timestamp and a 32-byte {@link ItemId}, as in Negentropy protocol v1
 * ("Preparation"). For an action the timestamp is the id's {@code ms} and the id is SHA-256 of the id string
 * ({@link #of(ActionId)}).
 *
 * <p>Items are ordered by timestamp, then by id bytes (unsigned), on every node alike. Timestamps are in
 * {@code [0, Long.MAX_VALUE]}: the protocol reserves the largest unsigned 64-bit value for "infinity", and
 * action times are at most 2<sup>53</sup>. Immutable and safe to share between threads.
 *
 * @param timestamp milliseconds for actions; {@code >= 0}
 * @param id        the 32-byte id, never null
 */
public record Item(long timestamp, ItemId id) implements Comparable<Item> {

    public Item {
        Objects.requireNonNull(id, "id");
        if (timestamp < 0) {
            throw new IllegalArgumentException("item timestamp must be >= 0, got " + timestamp);
        }
    }

    /** The item of an action: its {@code ms} and SHA-256 of {@code "<ms> <node> <seq>"}. */
    public static Item of(ActionId id) {
        return new Item(id.ms(), ItemId.of(id));
    }

    /** Timestamp first, then id bytes. */
    @Override
    public int compareTo(Item o) {
        int c = Long.compare(timestamp, o.timestamp);
        return c != 0 ? c : id.compareTo(o.id);
    }

    /** {@code "<timestamp>,<hex id>"}, the form of the Negentropy test harness. */
    @Override
    public String toString() {
        return timestamp + "," + id.toHex();
    }
}
