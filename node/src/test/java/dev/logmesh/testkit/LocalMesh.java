package dev.logmesh.testkit;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.mesh.Redialer;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.mesh.Broadcast;
import dev.logmesh.internal.mesh.PeerTable;
import dev.logmesh.internal.session.SyncSession;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A simulated mesh of N nodes on one {@link ManualLoop}: in-memory links with latency, a firewall that cuts
 * and heals links, nodes that crash and restart with their store, and skewed clocks. Everything is driven
 * by the loop and a seeded {@link Random}, so a run replays exactly from its seed.
 *
 * <p>Links are WebSocket-like: ordered and reliable while up. A lost message on a real link means a broken
 * connection, so "drop" here is {@link #breakLink}: the session ends and the dialer reconnects. Duplicates
 * and reordering of actions come from several paths with different latencies, as in a real mesh.
 */
public final class LocalMesh {
    public final ManualLoop loop;
    public final Random random;
    private final SessionConfig config;
    private final Map<String, SimNode> nodes = new LinkedHashMap<>();
    private final Set<String> cut = new HashSet<>();
    private long maxLatency = 5;

    private final long maxDrift;

    public LocalMesh(long seed, SessionConfig config) {
        this(seed, config, 60_000);
    }

    /** A mesh whose nodes' clocks accept received ids up to {@code maxDriftMillis} ahead. */
    public LocalMesh(long seed, SessionConfig config, long maxDriftMillis) {
        this.loop = new ManualLoop(1_000_000_000L);
        this.random = new Random(seed);
        this.config = config;
        this.maxDrift = maxDriftMillis;
    }

    /** Links get a random one-way latency in [0, max] ms, fixed per connection. */
    public LocalMesh maxLatency(long millis) {
        maxLatency = millis;
        return this;
    }

    /** One node of the mesh. */
    public final class SimNode {
        public final String id;
        public final Store store = new MemoryStore();
        public final long skew;
        /** How often each id was applied (add event) on this node, over all its restarts. */
        public final Map<ActionId, Integer> applied = new HashMap<>();
        /** Ids this node created, each with the largest id it held when creating it. */
        public final Map<ActionId, ActionId> createdAfter = new HashMap<>();
        final List<String> dialTargets = new ArrayList<>();
        Log log;
        PeerTable hub;
        final List<Redialer> dialers = new ArrayList<>();
        boolean up;

        SimNode(String id, long skew) {
            this.id = id;
            this.skew = skew;
        }

        void boot() {
            log = new Log(store, id, () -> loop.now() + skew, maxDrift);
            log.onPreAdd((action, meta) -> meta.hasReasons() ? meta : meta.withReasons(List.of("mesh")));
            log.onAdd(e -> applied.merge(e.id(), 1, Integer::sum));
            hub = new Broadcast(log, loop, config).peers();
            up = true;
            for (String target : dialTargets) {
                startDialer(target);
            }
        }

        void startDialer(String target) {
            Redialer r = new Redialer(hub, loop, log, URI.create("local://" + target),
                uri -> dial(this, uri.getHost()), new Random(random.nextLong()), msg -> { });
            dialers.add(r);
            r.start();
        }

        /** Adds a local action. */
        public Meta add(String type) {
            ActionId newest = null;
            for (Entry e : log.entries(dev.logmesh.spi.Order.CREATED, false, null)) {
                newest = e.id();
                break;
            }
            Meta m = log.add(Action.ofType(type), List.of("mesh"));
            createdAfter.put(m.id(), newest);
            return m;
        }

        public Log log() {
            return log;
        }

        public PeerTable hub() {
            return hub;
        }

        public boolean isUp() {
            return up;
        }

        /** Ids in created order. */
        public List<ActionId> ids() {
            List<ActionId> out = new ArrayList<>();
            for (Entry e : log.entries()) {
                out.add(e.id());
            }
            return out;
        }

        /** Payload entries this node sent over all current sessions. */
        public long payloadSent() {
            long n = 0;
            for (SyncSession s : hub.sessions()) {
                n += s.sentEntries();
            }
            return n;
        }
    }

    /** Adds a node with a clock skewed by {@code skewMillis}. */
    public SimNode node(String id, long skewMillis) {
        SimNode n = new SimNode(id, skewMillis);
        nodes.put(id, n);
        n.boot();
        return n;
    }

    public SimNode node(String id) {
        return node(id, 0);
    }

    public SimNode get(String id) {
        return nodes.get(id);
    }

    public List<SimNode> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /** {@code a} keeps dialing {@code b}. */
    public void link(String a, String b) {
        SimNode n = nodes.get(a);
        n.dialTargets.add(b);
        if (n.up) {
            n.startDialer(b);
        }
    }

    private static String key(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    private MessageConnection dial(SimNode from, String to) {
        LocalPair pair = new LocalPair(loop, maxLatency == 0 ? 0 : random.nextInt((int) maxLatency + 1));
        SimNode target = nodes.get(to);
        if (target == null || !target.up || cut.contains(key(from.id, to))) {
            return new RefusedConnection(loop);
        }
        target.hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
        return pair.left();
    }

    /** A connection that fails at once, as a refused TCP connect. */
    static final class RefusedConnection implements MessageConnection {
        private final ManualLoop loop;

        RefusedConnection(ManualLoop loop) {
            this.loop = loop;
        }

        @Override
        public void start(Handler handler) {
            loop.execute(() -> handler.onClose("connection refused"));
        }

        @Override
        public boolean send(dev.logmesh.internal.protocol.Message message) {
            return false;
        }

        @Override
        public void close(String reason) {
        }

        @Override
        public String remoteAddress() {
            return "unreachable";
        }
    }

    /** Cuts the link between two nodes: live sessions break, redials fail until {@link #heal}. */
    public void partition(String a, String b) {
        cut.add(key(a, b));
        breakLink(a, b);
    }

    /** Cuts every link between the two groups. */
    public void partition(List<String> left, List<String> right) {
        for (String a : left) {
            for (String b : right) {
                partition(a, b);
            }
        }
    }

    /** Heals every cut. */
    public void heal() {
        cut.clear();
    }

    /** Breaks the live session between two nodes (a dropped connection); dialers reconnect. */
    public void breakLink(String a, String b) {
        SimNode n = nodes.get(a);
        if (n.up) {
            SyncSession s = n.hub.session(b);
            if (s != null) {
                s.connection().close("link broken");
            }
        }
    }

    /** Crashes a node: its connections drop, its dialers stop; its store survives. */
    public void crash(String id) {
        SimNode n = nodes.get(id);
        if (!n.up) {
            return;
        }
        n.up = false;
        n.dialers.forEach(d -> d.stop());
        n.dialers.clear();
        n.hub.close();
    }

    /** Restarts a crashed node over its store. */
    public void restart(String id) {
        SimNode n = nodes.get(id);
        if (!n.up) {
            n.boot();
        }
    }

    /** Runs the loop for a while of simulated time. */
    public void run(long millis) {
        loop.advance(millis);
    }
}
