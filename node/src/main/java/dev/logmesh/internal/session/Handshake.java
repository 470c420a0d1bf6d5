package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.ProtocolError;

/**
 * The rules of the handshake ({@code connect}/{@code connected}), apart from the session's state: the mesh
 * options ({@code logmesh} in the options object, which stock Logux ignores), who is refused and why, the
 * subprotocol check, and Logux's time fix. Pure functions; the session calls them on the node's loop.
 */
final class Handshake {
    /** Capability name of Plumtree gossip in the {@code logmesh.caps} option. */
    static final String PLUMTREE = "plumtree";
    /** Capability name of set reconciliation ({@code logmesh:range}/{@code want}/{@code gone}). */
    static final String RECONCILE = "reconcile";
    /** Capability name of the clock samples in ping/pong ({@link ClockSync}). */
    static final String TIME = "time";
    /** Capability name of the bounded-degree overlay ({@code logmesh:hpv}). [overlay hook] */
    static final String HPV = "hpv";
    /** Capability name of mesh presence records ({@code logmesh:presence}). */
    static final String PRESENCE = "presence";

    private Handshake() {
    }

    /** This node's mesh options: version, mesh name, capabilities, and (if configured) its lastAdded. */
    static ObjectNode meshOptions(SessionConfig config, Log log, boolean plumtree, boolean reconcile) {
        return meshOptions(config, log, plumtree, reconcile, false);
    }

    /** This node's mesh options, also offering the overlay ({@code hpv}) when {@code hpv} is true. */
    static ObjectNode meshOptions(SessionConfig config, Log log, boolean plumtree, boolean reconcile, boolean hpv) {
        return meshOptions(config, log, plumtree, reconcile, hpv, false);
    }

    /** This node's mesh options, also offering mesh presence when {@code presence} is true. */
    static ObjectNode meshOptions(SessionConfig config, Log log, boolean plumtree, boolean reconcile, boolean hpv,
                                  boolean presence) {
        ObjectNode ext = MeshAuth.newObject();
        ext.put("v", 1);
        ext.put("mesh", config.mesh());
        ArrayNode caps = ext.putArray("caps");
        if (plumtree) {
            caps.add(PLUMTREE);
        }
        if (reconcile) {
            caps.add(RECONCILE);
        }
        caps.add(TIME);
        if (hpv) {
            caps.add(HPV);
        }
        if (presence) {
            caps.add(PRESENCE);
        }
        ext.put("maxFrame", config.maxFrameBytes());
        ext.put("epoch", log.epoch());
        // this open log's random token: a node that holds sessions with two nodes of one id tells a restart (one
        // instance after the other) from two copies of one data directory (both alive at once); see PeerTable
        ext.put("instance", log.instance());
        // For catch-up progress on the other side: how much there is to receive. Stock Logux ignores it.
        if (config.announceLastAdded()) {
            ext.put("lastAdded", log.lastAdded());
            // the numbers this log skipped (restarts after a crash), so that the progress counts entries
            long[] skipped = log.skippedAdded();
            if (skipped.length > 0) {
                ArrayNode a = ext.putArray("skipped");
                for (long n : skipped) {
                    a.add(n);
                }
            }
        }
        return ext;
    }

    /**
     * Whether a listener that answered with this node's own id is another node (a twin) rather than this node itself:
     * its mesh options name another {@link Log#instance} (every logmesh node says its own since session 29; before,
     * a listener said it only to a dialer with its own id). One that names none (an older node) is taken for this
     * node.
     */
    static boolean twin(JsonNode ext, Log log) {
        JsonNode i = ext == null ? null : ext.get("instance");
        return i != null && i.isTextual() && !i.asText().equals(log.instance());
    }

    /**
     * The {@link Log#instance} the peer's mesh options name, or null: a stock Logux peer and an older logmesh node
     * (before session 29) say none, and are never taken for a twin.
     */
    static String instance(JsonNode ext) {
        JsonNode i = ext != null && ext.isObject() ? ext.get("instance") : null;
        return i != null && i.isTextual() && !i.asText().isEmpty() ? i.asText() : null;
    }

    /** Whether the link uses Plumtree: this side offers it and the peer's options list it. */
    static boolean plumtree(boolean offered, JsonNode ext) {
        return offers(offered, ext, PLUMTREE);
    }

    /** Whether this side offers a capability and the peer's options list it too. */
    static boolean offers(boolean offered, JsonNode ext, String capability) {
        return offered && hasCap(ext, capability);
    }

    /** Whether the peer's mesh options list a capability. */
    static boolean hasCap(JsonNode ext, String name) {
        if (ext != null && ext.isObject() && ext.get("caps") instanceof ArrayNode caps) {
            for (JsonNode c : caps) {
                if (name.equals(c.asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The peer's {@code logmesh.lastAdded}, or -1 if it did not send one. */
    static long lastAdded(JsonNode ext) {
        JsonNode n = ext != null && ext.isObject() ? ext.get("lastAdded") : null;
        return n != null && n.canConvertToLong() && n.asLong() >= 0 ? n.asLong() : -1;
    }

    /** Most skipped ranges read from a peer's mesh options (a store keeps 64). */
    static final int MAX_PEER_SKIPPED_RANGES = 256;

    /**
     * The peer's {@code logmesh.skipped}: the {@code added} ranges its log skipped, pairs as {@link
     * dev.logmesh.spi.Store#skippedAdded} gives them; none if it sent none or anything else than ascending pairs
     * (its figures then count numbers, as before).
     */
    static long[] skipped(JsonNode ext) {
        JsonNode n = ext != null && ext.isObject() ? ext.get("skipped") : null;
        if (!(n instanceof ArrayNode a) || a.size() % 2 != 0 || a.size() > 2 * MAX_PEER_SKIPPED_RANGES) {
            return dev.logmesh.spi.Store.NO_SKIPPED;
        }
        long[] out = new long[a.size()];
        long prev = -1;
        for (int i = 0; i < out.length; i++) {
            JsonNode v = a.get(i);
            if (!v.canConvertToLong() || v.asLong() <= prev) {
                return dev.logmesh.spi.Store.NO_SKIPPED;
            }
            out[i] = v.asLong();
            prev = out[i];
        }
        return out;
    }

    /** The peer's frame limit ({@code logmesh.maxFrame}, in bytes), or 0 if it sent none or nonsense. */
    static long maxFrame(JsonNode ext) {
        JsonNode n = ext != null && ext.isObject() ? ext.get("maxFrame") : null;
        return n != null && n.canConvertToLong() && n.asLong() >= SessionConfig.MIN_FRAME_BYTES ? n.asLong() : 0;
    }

    /** A string option of the peer's mesh options, or null. */
    static String text(JsonNode ext, String key) {
        JsonNode n = ext != null && ext.isObject() ? ext.get(key) : null;
        return n != null && n.isTextual() ? n.asText() : null;
    }

    /** Why a dialer is refused by a listener ({@code me}), or null if it may connect. */
    static String checkCredentials(SessionConfig config, String me, ObjectNode options, JsonNode ext,
                                   String dialer) {
        if (ext != null && ext.isObject() && ext.has("mesh") && !config.mesh().equals(ext.get("mesh").asText())) {
            return "node of another mesh (" + ext.get("mesh").asText() + ")";
        }
        if (config.auth() == null) {
            return null;
        }
        if (ext != null && ext.isObject() && ext.has("proof")) {
            return config.auth().checkConnect(ext, dialer, me);
        }
        // A token (MeshAuth.tokenFor a node id, or a user token) is a Logux client's: sent without mesh options it
        // gets the client role (ClientRole.refusal checks it: ids checked, only what is addressed to it). With mesh
        // options it made its holder a mesh peer (a breaker's run, session 17: the per-node token of "mallory:m1"
        // with "logmesh":{} added an action under the id of client alice:aaaa, which the client role denies, and
        // would have received every entry); a mesh peer proves the key.
        JsonNode token = options == null ? null : options.get("token");
        if (token != null && token.isTextual()) {
            return "a token is for Logux clients (sent without logmesh options), not for mesh peers: a node proves the "
                + "mesh key";
        }
        // (an open node dialing a keyed one: say what to do, not only Logux's "no credentials")
        return "no credentials: the dialer proved no mesh key (it runs without one): give it the mesh's key file "
            + "(--key-file)";
    }

    /** The peer's subprotocol from its options (0 if none). */
    static int subprotocol(ObjectNode options) {
        JsonNode sp = options == null ? null : options.get("subprotocol");
        return sp != null && sp.canConvertToInt() ? sp.asInt() : 0;
    }

    /** A {@code wrong-subprotocol} error if the peer's subprotocol is below the configured minimum, else null. */
    static ProtocolError checkSubprotocol(SessionConfig config, int peerSubprotocol) {
        if (peerSubprotocol < config.minSubprotocol()) {
            ObjectNode o = MeshAuth.newObject();
            o.put("supported", config.minSubprotocol());
            o.put("used", peerSubprotocol);
            return ProtocolError.of(ProtocolError.Type.WRONG_SUBPROTOCOL, o,
                "peer subprotocol " + peerSubprotocol + " < " + config.minSubprotocol());
        }
        return null;
    }

    /** Spec "wrong-protocol": {@code {supported, used}}. */
    static ProtocolError wrongProtocol(int used) {
        ObjectNode o = MeshAuth.newObject();
        o.put("supported", Message.PROTOCOL);
        o.put("used", used);
        return ProtocolError.of(ProtocolError.Type.WRONG_PROTOCOL, o, "peer speaks protocol " + used);
    }

    /**
     * Logux's time fix on the dialer (local clock − peer clock, ms), from the moment {@code connect} went
     * out, the listener's {@code connected [start, end]} and the moment it arrived: the round trip less the
     * listener's authentication time, halved (as {@code @logux/core} computes it).
     */
    static long timeFix(long connectSentAt, long start, long end, long now) {
        long authTime = end - start;
        long roundTrip = now - connectSentAt - authTime;
        return (long) Math.floor(connectSentAt - start + roundTrip / 2.0);
    }
}
