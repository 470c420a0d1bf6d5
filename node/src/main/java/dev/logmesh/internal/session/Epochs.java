package dev.logmesh.internal.session;

import dev.logmesh.internal.log.Log;
import java.util.Optional;

/**
 * The log identity (epoch) of each logmesh peer, as last seen, kept in the store's state as
 * {@code epoch:<peer>}. Cursors kept for a peer are about one of its logs: when the peer announces another
 * epoch (a wiped store, a store that detected lost writes at open), they are dropped. Called on the loop.
 */
final class Epochs {
    private Epochs() {
    }

    private static String key(String peer) {
        return "epoch:" + peer;
    }

    /** The epoch last seen for this peer, if any. */
    static Optional<String> known(Log log, String peer) {
        return log.store().state(key(peer)).filter(e -> !e.isEmpty());
    }

    /**
     * Records the peer's epoch; true if another one was recorded before (its cursors are then stale).
     */
    static boolean update(Log log, String peer, String epoch) {
        Optional<String> before = known(log, peer);
        if (before.isPresent() && before.get().equals(epoch)) {
            return false;
        }
        if (before.isEmpty()) {
            try {
                log.store().setState(key(peer), epoch);
            } catch (dev.logmesh.StoreException e) {
                // a first session with the peer on a log that cannot be written (a full disk): there is no cursor of
                // another log of the peer's to drop, so the session goes on (and, if it cannot store what the peer
                // sends, holds until there is room); a later session records the epoch. Before (session 46) the
                // session ended here, and a full node's first session with each peer ended at its handshake
                return false;
            }
            return false;
        }
        log.store().setState(key(peer), epoch);
        return true;
    }
}
