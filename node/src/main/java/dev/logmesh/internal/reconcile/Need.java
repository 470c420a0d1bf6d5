package dev.logmesh.internal.reconcile;

import java.util.Objects;

/**
 * An item the peer holds and this side lacks, as the initiator learns it: only its id, and the window of
 * timestamps it lies in (the bounds of the range whose id list named it). The peer finds its item again by
 * scanning that window ({@link ItemIndex#find(ItemId, long, long)}, {@link ItemIndex#findAll}), which holds
 * little more than the ids it sent in that one list.
 *
 * @param id           the 32-byte id
 * @param minTimestamp the item's timestamp is at least this
 * @param maxTimestamp and at most this; {@code Long.MAX_VALUE} when the range was open-ended
 */
public record Need(ItemId id, long minTimestamp, long maxTimestamp) {

    public Need {
        Objects.requireNonNull(id, "id");
        if (minTimestamp < 0 || maxTimestamp < minTimestamp) {
            throw new IllegalArgumentException("bad window [" + minTimestamp + ", " + maxTimestamp + "]");
        }
    }
}
