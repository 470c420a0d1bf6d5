package dev.logmesh.internal.overlay;

/**
 * Optional observer of a {@link HyParView}: which peers enter and leave the active view (the host's broadcast
 * layer, Plumtree, starts and stops using them), and when a resource bound is first reached. All methods have
 * empty defaults.
 *
 * <p>Called on the node's loop thread, from inside a {@link HyParView} method; must not block, throw, or call
 * back into the {@link HyParView} synchronously.
 */
public interface OverlayListener {
    /** A listener that ignores everything. */
    OverlayListener NONE = new OverlayListener() {
    };

    /**
     * A peer entered the active view (both sides agreed; its session is open).
     *
     * @param peer the node id
     */
    default void activeAdded(String peer) {
    }

    /**
     * A peer left the active view (dropped, disconnected or failed). Its session is closing or closed.
     *
     * @param peer the node id
     */
    default void activeRemoved(String peer) {
    }

    /**
     * A bound was reached for the first time in this {@link HyParView}'s life: reported once per bound, so the
     * host can warn once; later hits only count in {@link HyParView#stats()}.
     *
     * @param bound which bound
     * @param detail a sentence for a log line
     */
    default void boundReached(Bound bound, String detail) {
    }

    /** The resource bounds that are reported once. */
    enum Bound {
        /** Discovery offered new candidates faster than {@link OverlayConfig#candidatesPerTick()}. */
        CANDIDATE_RATE,
        /** Discovery candidates fill their share of the passive view: newer ones now replace older ones. */
        DISCOVERY_SHARE,
        /** Sessions outside the active view reached {@link OverlayConfig#maxPendingSessions()}. */
        PENDING_SESSIONS
    }
}
