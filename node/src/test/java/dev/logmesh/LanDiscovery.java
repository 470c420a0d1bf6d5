package dev.logmesh;

import dev.logmesh.discovery.Announcement;
import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.spi.Loop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulated LAN for the discovery of whole nodes on the in-memory network: every node that joins hears every
 * other (as mDNS would: identified peers with their node id, at {@code ws://HOST:1}), and everyone hears the
 * newcomer; a node that closes its discovery is reported lost. {@link #forge} makes every node (and every node that
 * joins later) hear announcements of nodes that do not exist. Events are delivered on the loop, one task each.
 */
final class LanDiscovery {
    private final Loop loop;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<Peer> forged = new ArrayList<>();

    private record Member(String host, Announcement me, Discovery.Listener listener) {
        Peer peer() {
            return new Peer(me.nodeId(), me.mesh(), me.protocol(),
                List.of(InetSocketAddress.createUnresolved(host, 1)), Map.of());
        }
    }

    LanDiscovery(Loop loop) {
        this.loop = loop;
    }

    /** The discovery of the node at {@code host} (for {@code NodeConfig.Builder.discovery}). */
    Discovery join(String host, Announcement me) {
        return new Discovery() {
            @Override
            public void start(Listener listener) {
                Member m = new Member(host, me, listener);
                for (Member other : members.values()) {
                    loop.execute(() -> listener.peerFound(other.peer()));
                    loop.execute(() -> other.listener.peerFound(m.peer()));
                }
                for (Peer f : forged) {
                    loop.execute(() -> listener.peerFound(f));
                }
                members.put(host, m);
            }

            @Override
            public void reannounce() {
            }

            @Override
            public void close() {
                Member m = members.remove(host);
                if (m != null) {
                    for (Member other : members.values()) {
                        loop.execute(() -> other.listener.peerLost(me.nodeId()));
                    }
                }
            }
        };
    }

    /** Every node hears {@code count} forged nodes (hosts that do not exist on the network), now and on joining. */
    void forge(String mesh, int count) {
        for (int i = 0; i < count; i++) {
            Peer f = new Peer("fake" + i + ":x", mesh, 5, List.of(InetSocketAddress.createUnresolved("fake" + i, 1)),
                Map.of());
            forged.add(f);
            for (Member m : members.values()) {
                loop.execute(() -> m.listener.peerFound(f));
            }
        }
    }
}
