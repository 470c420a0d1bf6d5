package dev.logmesh.discovery;

import java.io.IOException;

/**
 * Announces this node and reports the other nodes of its mesh as they appear and disappear.
 *
 * <h2>Lifecycle</h2>
 *
 * <p>A discovery is created (by a builder or constructor), then {@linkplain #start started} once,
 * then {@linkplain #close closed} once. It cannot be restarted: build a new one. {@link #start},
 * {@link #reannounce} and {@link #close} may be called from any thread; they are serialized
 * internally.
 *
 * <h2>Callbacks</h2>
 *
 * <p>The {@link Listener} is called on the implementation's callback executor (see the
 * implementation for which thread that is), never on a thread of the underlying network library,
 * and never concurrently: callbacks are delivered one at a time, in the order the events were
 * observed. Once {@link #close} has returned, no callback starts.
 *
 * <h2>What the callbacks mean</h2>
 *
 * <p>A reported peer is a <em>candidate</em>. Whether it is alive, and whether it is who it claims
 * to be, must be established by a session with it: mDNS removals are slow (seconds) and a crashed
 * node may never be reported lost at all. Use {@link Listener#peerLost} as a hint (for example, to
 * stop redialling sooner), never as the only liveness signal.
 */
public interface Discovery extends AutoCloseable {

    /**
     * Starts announcing this node (if the implementation announces) and listening for peers.
     *
     * <p>Blocks only for setup (opening sockets); it does not wait for peers.
     *
     * @param listener receives peers; called as described in the class documentation
     * @throws NullPointerException if {@code listener} is null
     * @throws IllegalStateException if already started or closed
     * @throws IOException if the network could not be set up; everything opened so far has then
     *     been released and the discovery is closed
     */
    void start(Listener listener) throws IOException;

    /**
     * Announces this node again and asks again for peers, for when a network change is suspected or
     * peers may have missed the first announcement. Blocks until done (about two seconds for mDNS).
     * Peers may observe this node lost and found again. Does nothing after {@link #close}, and
     * nothing for implementations that do not announce.
     *
     * @throws IllegalStateException if not started yet
     */
    void reannounce();

    /**
     * Stops announcing (peers are told, where the mechanism allows it), stops listening and
     * releases every thread and socket this discovery opened. Blocks until that is done (about two
     * seconds for mDNS, whatever the number of interfaces). Idempotent; never throws.
     *
     * <p>If called from within a callback, it does not wait for that callback's thread to end.
     */
    @Override
    void close();

    /**
     * Receives peers from a {@link Discovery}. Calls are never concurrent and come in the order
     * events were observed; see the implementation for the calling thread. Implementations should
     * return quickly: a slow callback delays the next ones. An exception thrown by a callback is
     * logged and ignored.
     */
    interface Listener {

        /**
         * A peer was found, or an already reported peer changed (for example, new addresses). For an
         * identified peer, the latest call for a node id replaces earlier ones; two calls in a row for
         * the same node id never carry equal {@link Peer}s.
         *
         * @param peer the peer, never null
         */
        void peerFound(Peer peer);

        /**
         * An identified peer stopped announcing itself: mDNS no longer sees it on any interface. This
         * is a slow and unreliable hint (see {@link Discovery}); it is never called for unidentified
         * peers, and is called only for a node id previously passed to {@link #peerFound}.
         *
         * @param nodeId the node id of the lost peer, never null
         */
        void peerLost(String nodeId);
    }
}
