package dev.logmesh.discovery;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A candidate peer reported by a {@link Discovery}: where another node can be reached, and what it
 * says about itself.
 *
 * <p>Two kinds of peers exist:
 *
 * <ul>
 *   <li><b>Identified</b> ({@link #isIdentified()}): found by {@link MdnsDiscovery}; {@code
 *       nodeId}, {@code mesh} and {@code protocol} come from the peer's announcement. They are
 *       claims, not proof: a session must still authenticate the node.
 *   <li><b>Unidentified</b>: a configured address ({@link StaticDiscovery}). Nothing is known about
 *       the node behind it until a session says so, so {@code nodeId} and {@code mesh} are {@code
 *       null}, {@code protocol} is {@link #UNKNOWN_PROTOCOL} and {@code txt} is empty.
 * </ul>
 *
 * <p>An immutable value. {@link MdnsDiscovery} puts the addresses in a stable order (sorted by
 * address bytes, then port), so two reports of the same peer are {@linkplain #equals equal}
 * whatever order the interfaces saw it in. Static addresses may be
 * {@linkplain InetSocketAddress#isUnresolved() unresolved}: resolving a host name is the dialer's
 * job, not discovery's.
 *
 * @param nodeId the peer's node id, or {@code null} if unknown
 * @param mesh the peer's mesh name, or {@code null} if unknown
 * @param protocol the peer's protocol version, or {@link #UNKNOWN_PROTOCOL}
 * @param addresses where the peer accepts sessions; never empty
 * @param txt every TXT entry the peer announced, reserved keys included; empty if unknown
 */
public record Peer(
        String nodeId,
        String mesh,
        int protocol,
        List<InetSocketAddress> addresses,
        Map<String, String> txt) {

    /** The protocol of a peer whose protocol is not known. */
    public static final int UNKNOWN_PROTOCOL = 0;

    /**
     * Validates and copies the fields.
     *
     * @throws NullPointerException if {@code addresses}, {@code txt} or an element is null
     * @throws IllegalArgumentException if {@code addresses} is empty, {@code nodeId} is empty,
     *     {@code protocol} is negative, or an unidentified peer has a mesh, protocol or TXT entries
     */
    public Peer {
        addresses = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
        txt = Map.copyOf(Objects.requireNonNull(txt, "txt"));
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a peer needs at least one address");
        }
        if (protocol < 0) {
            throw new IllegalArgumentException("protocol must be >= 0: " + protocol);
        }
        if (nodeId != null && nodeId.isEmpty()) {
            throw new IllegalArgumentException("nodeId must be null (unknown) or non-empty");
        }
        if (nodeId == null && (mesh != null || protocol != UNKNOWN_PROTOCOL || !txt.isEmpty())) {
            throw new IllegalArgumentException("an unidentified peer has only addresses");
        }
    }

    /**
     * A peer known only by its address, as {@link StaticDiscovery} reports it.
     *
     * @throws NullPointerException if {@code address} is null
     */
    public static Peer unidentified(InetSocketAddress address) {
        return new Peer(null, null, UNKNOWN_PROTOCOL, List.of(address), Map.of());
    }

    /** True if this peer announced its node id (mDNS); false for a bare configured address. */
    public boolean isIdentified() {
        return nodeId != null;
    }
}
