package dev.logmesh.internal.overlay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The overlay's wire messages (HyParView, Leitão, Pereira and Rodrigues, DSN 2007, §4), a sealed set of
 * immutable records. The sender of a message is never inside it: it is the peer at the other end of the
 * session (or, for a {@link ShuffleReply}, of the short-lived connection) that the host authenticated.
 *
 * <p>On a logmesh session a message travels as {@code ["logmesh:hpv", {...}]} ({@link #WIRE_TYPE} and
 * {@link #toJson()}); {@link #fromJson(JsonNode)} reads the object back and rejects anything malformed with an
 * {@link IllegalArgumentException} whose message says what is wrong, so the host can answer with its
 * {@code wrong-format} error. Unknown fields are ignored (room for later versions); unknown types are errors.
 *
 * <pre>
 *   {"type": "join", "addr": "ws://10.0.0.7:31337"}
 *   {"type": "forwardJoin", "peer": {"id": "n7", "addr": "ws://10.0.0.7:31337"}, "ttl": 5}
 *   {"type": "neighbor", "priority": "high", "addr": "ws://10.0.0.7:31337"}
 *   {"type": "neighborReply", "accepted": true, "dropped": {"id": "n3", "addr": "..."}}   (dropped: optional)
 *   {"type": "disconnect", "leaving": false, "instead": {"id": "n3", "addr": "..."}}     (instead: optional)
 *   {"type": "shuffle", "origin": {"id": "n7", "addr": "..."}, "ttl": 6, "peers": [{"id", "addr"}, ...]}
 *   {"type": "shuffleReply", "peers": [{"id", "addr"}, ...]}
 * </pre>
 */
public sealed interface HpvMessage {
    /** First element of the logmesh message array that carries an overlay message. */
    String WIRE_TYPE = "logmesh:hpv";
    /** Most peers a {@link Shuffle} or {@link ShuffleReply} may list. */
    int MAX_PEERS = 32;
    /** Largest random-walk TTL accepted. */
    int MAX_TTL = 16;

    /**
     * The JSON object of this message (without the {@link #WIRE_TYPE} envelope).
     *
     * @return a new object with a {@code "type"} field
     */
    ObjectNode toJson();

    /**
     * Reads a message from its JSON object.
     *
     * @param json the object (the second element of a {@code ["logmesh:hpv", {...}]} array)
     * @return the message
     * @throws IllegalArgumentException if the shape is wrong: not an object, unknown type, missing or mistyped
     *     field, out-of-range TTL, more than {@link #MAX_PEERS} peers, duplicate peers, invalid id or address
     */
    static HpvMessage fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("an overlay message must be a JSON object");
        }
        String type = Json.text(json, "type");
        return switch (type) {
  case "join" -> 
new Join(Json.text(json, "addr"));
  case "forwardJoin" -> 
new ForwardJoin(PeerInfo.fromJson(Json.field(json, "peer")),
                    Json.integer(json, "ttl", 0, MAX_TTL));
  case "neighbor" -> 
new Neighbor(Priority.fromWire(Json.text(json, "priority")), Json.text(json, "addr"));
  case "neighborReply" -> 
new NeighborReply(Json.bool(json, "accepted"), optionalPeer(json, "dropped"));
  case "disconnect" -> 
new Disconnect(Json.bool(json, "leaving"), optionalPeer(json, "instead"));
  case "shuffle" -> 
new Shuffle(PeerInfo.fromJson(Json.field(json, "origin")),
                    Json.integer(json, "ttl", 0, MAX_TTL), Json.peers(json, "peers", MAX_PEERS));
  case "shuffleReply" -> 
new ShuffleReply(Json.peers(json, "peers", MAX_PEERS));
  default -> 
throw new IllegalArgumentException("unknown overlay message type \"" + type + "\"");
};
    }

    /** The peer in field {@code name}, or null when the field is missing or null (an older node leaves it out). */
    private static PeerInfo optionalPeer(JsonNode json, String name) {
        JsonNode v = json.get(name);
        return v == null || v.isNull() ? null : PeerInfo.fromJson(v);
    }

    /** Priority of a {@link Neighbor} request (§4.3). */
    enum Priority {
        /** The requester has no active peer left: the receiver must accept, dropping a peer if full. */
        HIGH,
        /** The receiver accepts only if it has a free slot in its active view. */
        LOW;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Priority fromWire(String s) {
            return switch (s) {
  case "high" -> 
HIGH;
  case "low" -> 
LOW;
  default -> 
throw new IllegalArgumentException("priority must be \"high\" or \"low\", got \"" + s + "\"");
};
        }
    }

    /**
     * JOIN (§4.2): the sender, a node new to the overlay, asks the receiver (its contact) to add it to its
     * active view. The contact always accepts, answers with {@link NeighborReply}, and sends a
     * {@link ForwardJoin} to each of its other active peers.
     *
     * @param address where the joiner can be dialled
     */
    record Join(String address) implements HpvMessage {
        /** Validates the address. */
        public Join {
            PeerInfo.requireText("address", address, PeerInfo.MAX_ADDRESS_LENGTH);
        }

        @Override
        public ObjectNode toJson() {
            return object("join").put("addr", address);
        }
    }

    /**
     * FORWARD_JOIN (§4.2): a random walk announcing a joiner. It ends at a node when the TTL is zero or that
     * node has only one active peer; that node then makes the joiner an active peer. On the way, the node that
     * sees TTL = PRWL puts the joiner in its passive view.
     *
     * @param peer the joiner
     * @param ttl remaining hops, 0 to {@link #MAX_TTL}
     */
    record ForwardJoin(PeerInfo peer, int ttl) implements HpvMessage {
        /** Validates the fields. */
        public ForwardJoin {
            Objects.requireNonNull(peer, "peer");
            requireTtl(ttl);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = object("forwardJoin");
            o.set("peer", peer.toJson());
            return o.put("ttl", ttl);
        }
    }

    /**
     * NEIGHBOR (§4.3): the sender asks to become an active peer of the receiver, which answers with a
     * {@link NeighborReply}.
     *
     * @param priority {@link Priority#HIGH} when the sender's active view is empty (or, in logmesh, for a
     *     static peer and for a rotation), else {@link Priority#LOW}
     * @param address where the sender can be dialled
     */
    record Neighbor(Priority priority, String address) implements HpvMessage {
        /** Validates the fields. */
        public Neighbor {
            Objects.requireNonNull(priority, "priority");
            PeerInfo.requireText("address", address, PeerInfo.MAX_ADDRESS_LENGTH);
        }

        @Override
        public ObjectNode toJson() {
            return object("neighbor").put("priority", priority.wire()).put("addr", address);
        }
    }

    /**
     * The answer to a {@link Join} or a {@link Neighbor} (§4.3: accept or reject). After a rejection the
     * requester closes the session.
     *
     * @param accepted whether the receiver is now in the sender's active view
     * @param dropped the peer the sender dropped from its active view to make room for the receiver, or null
     *     (logmesh, not in the paper: a receiver that drops a peer of its own for the sender tells that peer to
     *     try this one, which has a free slot now; see {@link Disconnect#instead})
     */
    record NeighborReply(boolean accepted, PeerInfo dropped) implements HpvMessage {
        /** A reply that names no dropped peer. */
        public NeighborReply(boolean accepted) {
            this(accepted, null);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = object("neighborReply").put("accepted", accepted);
            if (dropped != null) {
                o.set("dropped", dropped.toJson());
            }
            return o;
        }
    }

    /**
     * DISCONNECT (§4.2): the sender dropped the receiver from its active view and closes the session. The
     * receiver moves the sender to its passive view, unless the sender is leaving the mesh.
     *
     * @param leaving the sender is shutting down (do not keep it as a passive peer)
     * @param instead a peer that has just lost an active peer too, so has a free slot, or null (logmesh, not in
     *     the paper): the receiver asks it first, and the two free slots fill each other instead of each wandering
     *     the mesh (a full node accepts only high priority, which moves the free slot to the peer it drops)
     */
    record Disconnect(boolean leaving, PeerInfo instead) implements HpvMessage {
        /** A disconnect that names no other peer. */
        public Disconnect(boolean leaving) {
            this(leaving, null);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = object("disconnect").put("leaving", leaving);
            if (instead != null) {
                o.set("instead", instead.toJson());
            }
            return o;
        }
    }

    /**
     * SHUFFLE (§4.4): a random walk carrying a sample of the origin's views. The node where it ends answers the
     * origin directly with a {@link ShuffleReply} of the same size and merges the sample into its passive view.
     *
     * @param origin the node that started the shuffle
     * @param ttl remaining hops, 0 to {@link #MAX_TTL}
     * @param peers up to {@link #MAX_PEERS} distinct peers (ka from the origin's active view, kp from its passive
     *     view)
     */
    record Shuffle(PeerInfo origin, int ttl, List<PeerInfo> peers) implements HpvMessage {
        /** Validates and copies the fields. */
        public Shuffle {
            Objects.requireNonNull(origin, "origin");
            requireTtl(ttl);
            peers = requirePeers(peers);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = object("shuffle");
            o.set("origin", origin.toJson());
            o.put("ttl", ttl);
            o.set("peers", array(peers));
            return o;
        }
    }

    /**
     * SHUFFLE_REPLY (§4.4): a sample of the replier's passive view, sent to the origin of a {@link Shuffle},
     * which merges it into its own passive view.
     *
     * @param peers up to {@link #MAX_PEERS} distinct peers
     */
    record ShuffleReply(List<PeerInfo> peers) implements HpvMessage {
        /** Validates and copies the list. */
        public ShuffleReply {
            peers = requirePeers(peers);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = object("shuffleReply");
            o.set("peers", array(peers));
            return o;
        }
    }

    private static ObjectNode object(String type) {
        return JsonNodeFactory.instance.objectNode().put("type", type);
    }

    private static ArrayNode array(List<PeerInfo> peers) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(peers.size());
        for (PeerInfo p : peers) {
            a.add(p.toJson());
        }
        return a;
    }

    private static void requireTtl(int ttl) {
        if (ttl < 0 || ttl > MAX_TTL) {
            throw new IllegalArgumentException("ttl must be in [0, " + MAX_TTL + "], got " + ttl);
        }
    }

    private static List<PeerInfo> requirePeers(List<PeerInfo> peers) {
        Objects.requireNonNull(peers, "peers");
        if (peers.size() > MAX_PEERS) {
            throw new IllegalArgumentException("a shuffle lists at most " + MAX_PEERS + " peers, got "
                + peers.size());
        }
        List<PeerInfo> copy = List.copyOf(peers);
        Set<String> ids = new HashSet<>();
        for (PeerInfo p : copy) {
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("peer \"" + p.id() + "\" is listed twice");
            }
        }
        return copy;
    }
}
