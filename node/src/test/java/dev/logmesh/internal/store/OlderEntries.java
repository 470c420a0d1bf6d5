package dev.logmesh.internal.store;

import dev.logmesh.Action;

/**
 * Actions as a logmesh of session 34 or before stored them: text the stores read back without checking it again
 * ({@link StoredActions}), such as a number beyond a double's range that every way in refuses since.
 */
public final class OlderEntries {
    private OlderEntries() {
    }

    /** The action a store reads back from this stored text (not checked: as an older logmesh wrote it). */
    public static Action stored(String text) {
        return StoredActions.of(text);
    }
}
