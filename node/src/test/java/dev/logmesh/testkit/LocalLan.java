package dev.logmesh.testkit;

import dev.logmesh.discovery.Announcement;
import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.spi.Loop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A simulated LAN for the discovery of whole nodes on a {@link LocalNetwork}: every node that joins hears every
 * other (as mDNS would: identified peers with their node id, at {@code HOST:1}, which the node dials as
 * {@code local://HOST}), and everyone hears the newcomer; a node that closes its discovery (also when it crashes:
 * an mDNS goodbye, kept simple) is reported lost to the others. {@link #forge} makes every node (and every node
 * that joins later) hear announcements of nodes that do not exist. Events are delivered on the loop, one task each.
 *
 * <p>Use it as {@code NodeConfig.Builder.discovery(me -> lan.join(host, me))}, or through
 * {@link LocalMesh#discoverEveryone()}. On the loop's thread (a {@link ManualLoop}: the test's, the thread that made
 * the LAN), but for {@link Discovery#close}, which the {@link Discovery} contract lets anyone call from any thread, and
 * a node does from a thread of its own while it closes ({@code logmesh-discovery-close}: JmDNS's goodbyes take 2 s). A
 * close from another thread is only noted; the LAN applies it on its own thread, at {@link #applyCloses} (which
 * {@link LocalMesh} calls once the node's close returned, having joined that thread) or at its next call. Before
 * (session 38) such a close removed the member, drew from the run's seeded random and scheduled the others'
 * {@code peerLost} on the manual loop from that thread, while the test's thread ran the same loop: a run no longer
 * replayed from its seed (a 100-node {@code ScaleSimulationTest} took another path from its churn phase on, at a load
 * average of 10, and settled 10 s after the faults instead of 5), and the loop's unsynchronized queue could lose tasks.
 */
public final class LocalLan {
    private final Loop loop;
    private final Map<String, Member> members = new LinkedHashMap<>();
    /** The thread the LAN runs on (the one that made it): the manual loop's. */
    private final Thread owner = Thread.currentThread();
    /** Hosts whose discovery was closed from another thread, not applied yet ({@link #applyCloses}). */
    private final java.util.concurrent.ConcurrentLinkedQueue<String> closedElsewhere =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final List<Peer> forged = new ArrayList<>();
    private java.util.Random random;
    private long minDelay;
    private long maxDelay;

    private record Member(String host, Announcement me, Discovery.Listener listener) {
        Peer peer() {
            return new Peer(me.nodeId(), me.mesh(), me.protocol(),
                List.of(InetSocketAddress.createUnresolved(host, 1)), Map.of());
        }
    }

    /** A LAN whose discovery events are delivered as tasks of {@code loop}. */
    public LocalLan(Loop loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
    }

    /**
     * Delivers each event after a random delay in {@code [minMillis, maxMillis]} from {@code random} (mDNS
     * responders answer a query after 20–120 ms at random, RFC 6762 §6), so nodes that start together hear the
     * others in different orders; without it, every event is delivered at once, in the order nodes joined.
     */
    public LocalLan jitter(java.util.Random random, long minMillis, long maxMillis) {
        if (minMillis < 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("need 0 <= min <= max");
        }
        this.random = Objects.requireNonNull(random, "random");
        this.minDelay = minMillis;
        this.maxDelay = maxMillis;
        return this;
    }

    private void deliver(Runnable event) {
        if (random == null) {
            loop.execute(event);
        } else {
            loop.schedule(minDelay + (maxDelay > minDelay ? random.nextLong(maxDelay - minDelay + 1) : 0), event);
        }
    }

    /** The discovery of the node at {@code host} (for {@code NodeConfig.Builder.discovery}). */
    public Discovery join(String host, Announcement me) {
        return new Discovery() {
            @Override
            public void start(Listener listener) {
                applyCloses();
                Member m = new Member(host, me, listener);
                Peer mine = m.peer();
                for (Member other : members.values()) {
                    Peer theirs = other.peer();
                    deliver(() -> listener.peerFound(theirs));
                    deliver(() -> other.listener.peerFound(mine));
                }
                for (Peer f : forged) {
                    deliver(() -> listener.peerFound(f));
                }
                members.put(host, m);
            }

            @Override
            public void reannounce() {
            }

            @Override
            public void close() {
                if (Thread.currentThread() != owner) {
                    closedElsewhere.add(host); // applied on the LAN's thread, at a point of the run the seed decides
                    return;
                }
                applyCloses();
                leave(host);
            }
        };
    }

    /**
     * Applies the closes made from other threads since the last call, in the order they were made: each member leaves
     * and the others are told ({@code peerLost}). On the LAN's thread; a call from another does nothing.
     */
    public void applyCloses() {
        if (Thread.currentThread() != owner) {
            return;
        }
        for (String host = closedElsewhere.poll(); host != null; host = closedElsewhere.poll()) {
            leave(host);
        }
    }

    private void leave(String host) {
        Member m = members.remove(host);
        if (m != null) {
            for (Member other : members.values()) {
                deliver(() -> other.listener.peerLost(m.me().nodeId()));
            }
        }
    }

    /** How many nodes are on the LAN now (joined and not closed). */
    public int size() {
        applyCloses();
        return members.size();
    }

    /** Every node hears {@code count} forged nodes (hosts that do not exist on the network), now and on joining. */
    public void forge(String mesh, int count) {
        applyCloses();
        for (int i = 0; i < count; i++) {
            Peer f = new Peer("fake" + i + ":x", mesh, 5, List.of(InetSocketAddress.createUnresolved("fake" + i, 1)),
                Map.of());
            forged.add(f);
            for (Member m : members.values()) {
                deliver(() -> m.listener.peerFound(f));
            }
        }
    }
}
