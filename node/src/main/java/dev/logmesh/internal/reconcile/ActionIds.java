package dev.logmesh.internal.reconcile;

import dev.logmesh.ActionId;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * Turns reconciliation items back into action ids, without keeping an {@link ActionId} per item.
 *
 * <p>An item's timestamp is its action's {@code ms}, so the node's log can list the few ids created in that
 * millisecond (a range scan of its created-order index, usually one id); hashing those candidates finds the
 * one whose SHA-256 is the item's id. The cost is one log lookup and a SHA-256 of about 40 bytes per
 * candidate: microseconds, on the differences only. Stateless, any thread.
 */
public final class ActionIds {
    private ActionIds() {
    }

    /**
     * The id among {@code idsAt.apply(item.timestamp())} whose item is {@code item}, or null if none is.
     *
     * @param idsAt the log's ids created in one millisecond, in any order (may be empty, never null)
     */
    public static ActionId resolve(Item item, LongFunction<? extends Iterable<ActionId>> idsAt) {
        Objects.requireNonNull(item, "item");
        for (ActionId candidate : idsAt.apply(item.timestamp())) {
            if (candidate.ms() == item.timestamp() && ItemId.of(candidate).equals(item.id())) {
                return candidate;
            }
        }
        return null;
    }
}
