package dev.logmesh;

import java.util.Objects;

/**
 * One log entry: an action and its meta.
 *
 * @param action the action, immutable
 * @param meta   its meta
 */
public record Entry(Action action, Meta meta) {
    public Entry {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(meta, "meta");
    }

    /** The entry's id. */
    public ActionId id() {
        return meta.id();
    }

    /** This entry with another meta: this entry itself when {@code newMeta} is its meta (the same object). */
    @SuppressWarnings("ReferenceEquality") // the same object: nothing to copy (equals would compare every field)
    public Entry withMeta(Meta newMeta) {
        return newMeta == meta ? this : new Entry(action, newMeta);
    }
}
