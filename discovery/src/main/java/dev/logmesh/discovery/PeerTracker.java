package dev.logmesh.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns raw mDNS events from one or more interfaces into {@link Discovery.Listener} calls.
 *
 * <h2>Design notes</h2>
 *
 * <ul>
 *   <li>A <em>sighting</em> is one service instance on one interface ("source"), keyed by
 *       (source, lower-cased instance name). A node may have several sightings: one per interface
 *       it is seen on, and more if mDNS renamed it ("X (2)").
 *   <li>Peers are identified by the TXT {@code node} key, never by instance name or address.
 *   <li>A resolved event counts only with the TXT keys {@code node}, {@code mesh} and {@code
 *       proto} present and valid: JmDNS resolves every service twice, first with an empty TXT.
 *       Such incomplete events are ignored and change nothing.
 *   <li>Complete events for ourselves or for another mesh are filtered out (and retract any
 *       earlier sighting under that key, should a service change its TXT).
 *   <li>The reported {@link Peer} merges all sightings of a node: the union of addresses (sorted),
 *       mesh, protocol and TXT from the most recent sighting. {@code peerFound} is called when the
 *       merged value differs from the last one reported; {@code peerLost} when the last sighting
 *       goes.
 * </ul>
 *
 * <p>Not thread-safe: confined to one thread at a time (the discovery's serial callback executor),
 * which is also the thread that calls the listener. Work per event is linear in the number of
 * sightings, which is small on a LAN.
 */
final class PeerTracker {

    private static final Logger LOG = LoggerFactory.getLogger(PeerTracker.class);

    /** Orders socket addresses by address bytes (unresolved ones last, by host), then port. */
    static final Comparator<InetSocketAddress> ADDRESS_ORDER =
            Comparator.<InetSocketAddress, byte[]>comparing(
                            a -> a.getAddress() == null ? null : a.getAddress().getAddress(),
                            Comparator.nullsLast(Arrays::compareUnsigned))
                    .thenComparing(InetSocketAddress::getHostString)
                    .thenComparingInt(InetSocketAddress::getPort);

    private final String selfNodeId;
    private final String mesh;
    private final Discovery.Listener out;

    private final Map<Key, Sighting> sightings = new HashMap<>();
    private final Map<String, Peer> reported = new HashMap<>();
    /** Most sightings held at once; a sighting of a new service beyond it is ignored. */
    private final int maxSightings;
    private boolean warnedFull;
    private long seq;

    PeerTracker(String selfNodeId, String mesh, Discovery.Listener out) {
        this(selfNodeId, mesh, out, Integer.MAX_VALUE);
    }

    /**
     * @param maxSightings most (interface, service) sightings held at once: a sighting of a service not yet held
     *     is ignored while there are that many (warned once), so a flood of forged names costs a bounded heap
     */
    PeerTracker(String selfNodeId, String mesh, Discovery.Listener out, int maxSightings) {
        if (maxSightings < 1) {
            throw new IllegalArgumentException("maxSightings must be at least 1");
        }
        this.maxSightings = maxSightings;
        this.selfNodeId = Objects.requireNonNull(selfNodeId, "selfNodeId");
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** A service was resolved (or resolved again) on {@code source}. */
    void resolved(String source, ServiceRecord record) {
        Key key = new Key(source, record.instanceName().toLowerCase(Locale.ROOT));
        Sighting s = parse(record);
        if (s == null) {
            return;
        }
        if (s.nodeId.equals(selfNodeId) || !s.mesh.equals(mesh)) {
            LOG.trace("ignoring {} on {}: self or other mesh ({})", s.nodeId, source, s.mesh);
            retract(key);
            return;
        }
        if (!sightings.containsKey(key) && sightings.size() >= maxSightings) {
            if (!warnedFull) {
                warnedFull = true;
                LOG.warn("mDNS: {} services are known already; ignoring new ones such as {} until some go",
                        maxSightings, s.nodeId);
            }
            return;
        }
        Sighting old = sightings.put(key, s);
        if (old != null && !old.nodeId.equals(s.nodeId)) {
            publish(old.nodeId);
        }
        publish(s.nodeId);
    }

    /** A service instance is gone from {@code source}. Unknown names are ignored. */
    void removed(String source, String instanceName) {
        retract(new Key(source, instanceName.toLowerCase(Locale.ROOT)));
    }

    /** The peers reported as found and not lost since, by node id (a copy). */
    Map<String, Peer> peers() {
        return Map.copyOf(reported);
    }

    private void retract(Key key) {
        Sighting old = sightings.remove(key);
        if (old != null) {
            publish(old.nodeId);
        }
    }

    /** Reports the merged state of {@code nodeId} if it differs from what was reported last. */
    private void publish(String nodeId) {
        Sighting latest = null;
        TreeSet<InetSocketAddress> addresses = new TreeSet<>(ADDRESS_ORDER);
        for (Sighting s : sightings.values()) {
            if (s.nodeId.equals(nodeId)) {
                addresses.addAll(s.addresses);
                if (latest == null || s.seq > latest.seq) {
                    latest = s;
                }
            }
        }
        if (latest == null) {
            if (reported.remove(nodeId) != null) {
                try {
                    out.peerLost(nodeId);
                } catch (RuntimeException e) {
                    LOG.warn("peerLost({}) failed", nodeId, e);
                }
            }
            return;
        }
        Peer peer =
                new Peer(nodeId, latest.mesh, latest.protocol, new ArrayList<>(addresses), latest.txt);
        if (!peer.equals(reported.put(nodeId, peer))) {
            LOG.debug("found {} at {}", nodeId, peer.addresses());
            try {
                out.peerFound(peer);
            } catch (RuntimeException e) {
                LOG.warn("peerFound({}) failed", nodeId, e);
            }
        }
    }

    /** The sighting in {@code r}, or null if its TXT or addresses are incomplete or invalid. */
    private Sighting parse(ServiceRecord r) {
        Map<String, String> txt = r.txt();
        String node = txt.get(MdnsDiscovery.TXT_NODE);
        String peerMesh = txt.get(MdnsDiscovery.TXT_MESH);
        String proto = txt.get(MdnsDiscovery.TXT_PROTOCOL);
        if (node == null || peerMesh == null || proto == null) {
            LOG.trace("ignoring {}: incomplete TXT {}", r.instanceName(), txt.keySet());
            return null;
        }
        int protocol;
        try {
            protocol = Integer.parseInt(proto);
        } catch (NumberFormatException e) {
            protocol = -1;
        }
        if (protocol < 1
                || !Announcement.isToken(node, Announcement.MAX_NODE_ID_BYTES)
                || !Announcement.isToken(peerMesh, Announcement.MAX_MESH_BYTES)) {
            LOG.debug("ignoring {}: invalid TXT {}", r.instanceName(), txt);
            return null;
        }
        if (r.port() < 1 || r.port() > 65535 || r.addresses().isEmpty()) {
            LOG.trace("ignoring {}: no address or port yet", r.instanceName());
            return null;
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (InetAddress a : r.addresses()) {
            addresses.add(new InetSocketAddress(a, r.port()));
        }
        return new Sighting(node, peerMesh, protocol, addresses, txt, ++seq);
    }

    private record Key(String source, String instance) {}

    private record Sighting(
            String nodeId,
            String mesh,
            int protocol,
            List<InetSocketAddress> addresses,
            Map<String, String> txt,
            long seq) {}
}
