package dev.logmesh.internal.session;

import dev.logmesh.internal.log.Log;
import java.util.Optional;

/**
 * How a dialer checks that a stock Logux peer (which cannot reconcile) still has the log its cursor was kept
 * for: it remembers the id of the entry that carried the peer's {@code added} number it processed last,
 * asks in the next {@code connect} from one number earlier, and expects that entry first. A different
 * first entry means the peer's log changed under the same node id (a server restarted with an empty memory
 * store): the cursor is reset and everything is exchanged again (duplicates are dropped by id).
 *
 * <p>Kept in the store's state as {@code anchor:<peer>} = {@code "<added> <id>"}. Called on the loop.
 *
 * @param added the peer's {@code added} number of the entry
 * @param id    the entry's id
 */
record Anchor(long added, String id) {
    private static String key(String peer) {
        return "anchor:" + peer;
    }

    /** The saved anchor of a peer, or null. */
    static Anchor load(Log log, String peer) {
        Optional<String> v = log.store().state(key(peer));
        if (v.isEmpty()) {
            return null;
        }
        int space = v.get().indexOf(' ');
        try {
            return space < 0 ? null : new Anchor(Long.parseLong(v.get().substring(0, space)),
                v.get().substring(space + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    void save(Log log, String peer) {
        log.store().setState(key(peer), added + " " + id);
    }

    static void clear(Log log, String peer) {
        log.store().setState(key(peer), "");
    }
}
