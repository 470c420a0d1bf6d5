package dev.logmesh;

import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.internal.session.SessionConfig;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * The test kit's door to {@link MeshNode}'s package-private wiring, for settings that have no public option
 * and should not get one: seeded redial jitter and exact node ids (so a simulated mesh replays from its
 * seed), session settings (chunk sizes, Plumtree on or off), a loop thread shared with the WebSocket channels
 * (benchmarks), and a running node's log. Test code only; applications use {@link NodeConfig}.
 */
public final class NodeInternals {

    /** When a node's first scrub starts at the latest, ms after its start ({@code MeshNode.SCRUB_FIRST_MILLIS}). */
    public static long scrubFirstMillis() {
        return MeshNode.SCRUB_FIRST_MILLIS;
    }

    /** The node's {@link MeshNode#peers()} row of the static peer dialed at {@code url}, or null; from a test thread. */
    public static MeshNode.PeerStatus peerStatus(MeshNode node, java.net.URI url) {
        for (MeshNode.PeerStatus p : node.peers().join()) {
            if (url.equals(p.url())) {
                return p;
            }
        }
        return null;
    }
    private NodeInternals() {
    }

    /**
     * Starts a node from a public {@link NodeConfig}, plus internal wiring.
     *
     * @param random   the node's random choices that need not be secret (redial jitter); null for SecureRandom
     * @param nodeId   the exact node id if the store has none yet; null for the name and a random part
     * @param sessions changes the session settings made from the config; null for none
     */
    public static MeshNode start(NodeConfig config, List<MeshNode.Listener> listeners, Random random, String nodeId,
                                 UnaryOperator<SessionConfig> sessions) throws IOException {
        return start(config, listeners, random, nodeId, sessions, 0);
    }

    /**
     * As {@link #start(NodeConfig, List, Random, String, UnaryOperator)}, with another bound of the bytes of the
     * reconciler's gone marks ({@code Reconciler.MAX_GONE_BYTES} when 0).
     */
    public static MeshNode start(NodeConfig config, List<MeshNode.Listener> listeners, Random random, String nodeId,
                                 UnaryOperator<SessionConfig> sessions, long maxGoneBytes) throws IOException {
        return MeshNode.start(config, listeners, new MeshNode.Internals(random, nodeId,
            sessions == null ? UnaryOperator.identity() : sessions, null, maxGoneBytes));
    }

    /**
     * Starts a node on a loop thread shared with other nodes, whose WebSocket channels also run on that thread
     * (as the JavaScript side of a benchmark runs two nodes in one event loop). The node does not close it.
     */
    public static MeshNode startShared(NodeConfig config, List<MeshNode.Listener> listeners, SystemLoop shared)
        throws IOException {
        return MeshNode.start(config, listeners,
            new MeshNode.Internals(null, null, UnaryOperator.identity(), shared, 0));
    }

    /** A node's log; use it on the node's loop only (a manual loop: the test's thread). */
    public static Log log(MeshNode node) {
        return node.log();
    }

    /** A node's reconciler (its index and gone marks), or null when reconciliation is off; on the node's loop only. */
    public static dev.logmesh.internal.mesh.Reconciler reconciler(MeshNode node) {
        return node.reconciler();
    }

    /** A node's Plumtree, or null when gossip floods; on the node's loop only. */
    public static dev.logmesh.internal.mesh.Plumtree plumtree(MeshNode node) {
        return node.broadcast().plumtree();
    }

    /** A node's sessions, described (for failure messages of simulations); on the node's loop only. */
    public static String sessions(MeshNode node) {
        return node.hub().sessions().toString();
    }
}
