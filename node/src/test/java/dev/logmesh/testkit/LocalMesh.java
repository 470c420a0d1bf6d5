package dev.logmesh.testkit;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import dev.logmesh.NodeConfig;
import dev.logmesh.NodeInternals;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A mesh of real {@link MeshNode}s in memory: every node is built from a public {@link NodeConfig} with
 * {@code .loop(manualLoop).transport(network.transport(name)).mdns(false)} and runs on one {@link ManualLoop}
 * over one {@link LocalNetwork} (with its {@link Firewall}). No thread, no socket, no real time: a run is
 * driven by the test ({@link #run}) and replays exactly from the seed.
 *
 * <pre>{@code
 * try (LocalMesh mesh = new LocalMesh(42)) {
 *     MeshNode alice = mesh.start("alice");
 *     MeshNode bob = mesh.start("bob", "alice");   // bob dials alice
 *     alice.add(Action.ofType("chat/add"));
 *     mesh.run(1_000);                              // one simulated second
 *     mesh.firewall().partition("alice", "bob");    // split
 *     mesh.get("bob").add(Action.ofType("chat/add"));
 *     mesh.firewall().heal();                       // heal
 *     mesh.run(30_000);
 *     mesh.check();                                 // converged: same set, same order, each once
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A node's name is its host on the network and starts its node id ({@code alice:Xk3v9QaB}, the random
 *       part from the seed, so ids and their order replay too). Nodes keep their logs in a memory store
 *       that survives {@link #crash}/{@link #stop} and {@link #restart} (the node is given the store and does
 *       not close it), or in SQLite under {@link #sqlite a directory}, one per node, reopened on restart.</li>
 *   <li>Declare nodes ({@link #node}) and links ({@link #link}) and then {@link #start()} them, or
 *       {@link #start(String, String...)} one at once. Static peers are fixed when a node starts.</li>
 *   <li>All randomness (latencies, firewall, each node's redial jitter and the random part of its id) comes
 *       from the loop's seed: the kit starts each node through {@code NodeInternals}, the test-only door to
 *       what has no public option (the node's random choices, its id, session settings).</li>
 *   <li>The kit counts, per node and over all its restarts, how often each id was applied (given to its subscriber,
 *       which subscribes as an application that keeps its state on disk: from the {@code added} of the last entry
 *       it applied, {@code MeshNode.subscribe(long, ...)}), and
 *       for actions created through {@link Node#add} the newest id the node had applied before. {@link #check}
 *       states the mesh's guarantee once: every node holds the same set (everything any node ever applied:
 *       nothing lost) in the same created order (id order), applied each id exactly once, and sorts an action
 *       after every action its creator had applied.</li>
 *   <li>Methods that read a node ({@link Node#ids}, {@link Node#add}) run the loop's due tasks (no time
 *       passes); call them from the test, not from a task.</li>
 * </ul>
 */
public final class LocalMesh implements AutoCloseable {
    private final ManualLoop loop;
    private final LocalNetwork net;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<Node> startOrder = new ArrayList<>();
    private Consumer<NodeConfig.Builder> everyNode = b -> { };
    private UnaryOperator<SessionConfig> sessions;
    /** The bound of every node's gone marks in bytes, or 0 for the node's default ({@link #maxGoneBytes}). */
    private long maxGoneBytes;
    private Path sqlite;
    /** The simulated LAN every node discovers every other on, or null: no discovery ({@link #discoverEveryone}). */
    private LocalLan lan;
    /** Ids whose only copies were lost with a restored or wiped store: {@link #check} lets them be missing. */
    private final Set<ActionId> lostWithStores = new LinkedHashSet<>();

    /** A mesh on a fresh {@link ManualLoop} (clock at 1 000 000 ms) with randomness from {@code seed}. */
    public LocalMesh(long seed) {
        this(new ManualLoop(1_000_000L, seed));
    }

    /** A mesh with seed 0. */
    public LocalMesh() {
        this(0);
    }

    /** A mesh on this loop (its seed drives the mesh). */
    public LocalMesh(ManualLoop loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.net = new LocalNetwork(loop);
    }

    /** The loop every node runs on. */
    public ManualLoop loop() {
        return loop;
    }

    /** The network between the nodes. */
    public LocalNetwork net() {
        return net;
    }

    /** The network's firewall. */
    public Firewall firewall() {
        return net.firewall();
    }

    /** The seeded randomness of the run (the loop's). */
    public Random random() {
        return loop.random();
    }

    /** Gives each new link a random one-way latency in {@code [0, maxMillis]}, fixed per link. */
    public LocalMesh maxLatency(long maxMillis) {
        net.latency(0, maxMillis);
        return this;
    }

    /** Settings for every node, applied to its {@link NodeConfig.Builder} before the node's own. */
    public LocalMesh configure(Consumer<NodeConfig.Builder> settings) {
        everyNode = everyNode.andThen(settings);
        return this;
    }

    /**
     * Changes every node's session settings (chunk sizes, Plumtree on or off): for logmesh's own tests, as
     * these have no public option.
     */
    public LocalMesh sessions(UnaryOperator<SessionConfig> change) {
        sessions = change;
        return this;
    }

    /**
     * Bounds the bytes of every node's reconciliation gone marks (ids a peer answered {@code gone} for), from each
     * node's next start; 0 (the default) leaves the node's own bound (32 MiB). A tiny bound makes the nodes drop marks
     * (costing traffic, never an action): for logmesh's own tests, as this has no public option.
     */
    public LocalMesh maxGoneBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0 (0: the node's default), got " + bytes);
        }
        maxGoneBytes = bytes;
        return this;
    }

    /**
     * Nodes started from now on discover every other node of the mesh on a simulated LAN ({@link LocalLan}), as
     * mDNS on one LAN would: the overlay (on by default) then picks their sessions, without static links. Each
     * discovery event arrives after a seeded random 20–120 ms (as mDNS answers), so nodes that start together hear
     * each other in different orders.
     */
    public LocalMesh discoverEveryone() {
        if (lan == null) {
            lan = new LocalLan(loop).jitter(loop.random(), 20, 120);
        }
        return this;
    }

    /** The simulated LAN of {@link #discoverEveryone}, or null. */
    public LocalLan lan() {
        return lan;
    }

    /** Nodes started from now on keep their logs in SQLite under {@code dir/NAME}. */
    public LocalMesh sqlite(Path dir) {
        sqlite = dir;
        return this;
    }

    /** The node of this name, declared now if new (not started). */
    public Node node(String name) {
        return nodes.computeIfAbsent(name, Node::new);
    }

    /** The node of this name. @throws IllegalArgumentException if there is none */
    public Node get(String name) {
        Node n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name + " in this mesh");
        }
        return n;
    }

    /** Every node, in the order they were declared. */
    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    /** Node {@code a} keeps dialing {@code b} (a static peer): before {@code a} starts. */
    public LocalMesh link(String a, String b) {
        node(a).dial(b);
        node(b);
        return this;
    }

    /** Starts every declared node that never ran, in declaration order. */
    public LocalMesh start() {
        for (Node n : nodes.values()) {
            if (!n.started) {
                n.boot();
            }
        }
        return this;
    }

    /** Declares a node that dials {@code peers}, starts it, and returns it. */
    public MeshNode start(String name, String... peers) {
        Node n = node(name);
        if (n.started) {
            throw new IllegalStateException(name + " was started already (restart it)");
        }
        n.dial(peers);
        n.boot();
        return n.node;
    }

    /** Runs the loop for {@code millis} of simulated time. */
    public void run(long millis) {
        loop.advance(millis);
    }

    /** Runs what is due now. */
    public void runAll() {
        loop.runAll();
    }

    /**
     * Crashes a node: its links die without goodbyes, then it closes; with a memory store, cursor moves it had
     * not saved yet are lost too, as in a crash. Its store survives for {@link #restart}.
     */
    public void crash(String name) {
        Node n = get(name);
        if (!n.isUp()) {
            return;
        }
        Map<String, PeerCursor> saved = n.memory == null ? null : new HashMap<>(n.memory.cursors());
        if (n.faulty != null) {
            n.faulty.processDied();
        }
        net.cutLinks(name, null, name + " crashed");
        n.shut();
        if (saved != null) {
            for (String peer : List.copyOf(n.memory.cursors().keySet())) {
                n.memory.setCursor(peer, saved.getOrDefault(peer, PeerCursor.NONE));
            }
        }
    }

    /**
     * Cuts a node's power: it crashes ({@link #crash}) and its memory store keeps only what was durable, the image
     * of its newest durable commit ({@link FaultyStore#durableImage}; with no durability fault on, everything). The
     * application's state is taken to be durable too: the applied counts are kept, and an id the node had applied
     * that the power loss took from its store is recorded ({@link Node#appliedButLost}): it would be applied twice
     * when it comes back. Restart it with {@link #restart}.
     */
    public void powerLoss(String name) {
        Node n = get(name);
        if (n.memory == null) {
            throw new IllegalStateException(name + " keeps no memory store");
        }
        MemoryStore image = n.faulty.durableImage();
        long addedReservation = n.faulty.addedReservation();
        crash(name);
        n.powerLost(image, addedReservation);
    }

    /** Closes a node cleanly (its sessions end, its cursors are saved); its store survives for {@link #restart}. */
    public void stop(String name) {
        Node n = get(name);
        if (n.isUp()) {
            n.shut();
        }
    }

    /**
     * Starts a stopped or crashed node again over its store.
     *
     * @throws IllegalStateException if the node runs: stop or crash it first ({@link #stop}, {@link #crash},
     *     {@link #powerLoss}), or use {@link #bringUp} for "up, whatever it was". Before (embed35) a running node was
     *     left alone without a word: a test that restarted a running node to check that its app survives a restart
     *     tested nothing, and passed.
     */
    public void restart(String name) {
        Node n = get(name);
        if (n.isUp()) {
            throw new IllegalStateException(name + " is running: restart starts a stopped or crashed node; stop(\""
                + name + "\") or crash(\"" + name + "\") it first (or bringUp(\"" + name + "\"): up, whatever it was)");
        }
        n.boot();
    }

    /**
     * Starts a node that is down (stopped or crashed) again over its store, and leaves a running one as it is: for a
     * simulation that brings every node up before it checks, whichever its random steps left down.
     */
    public void bringUp(String name) {
        Node n = get(name);
        if (!n.isUp()) {
            n.boot();
        }
    }

    /** Cuts the links between two nodes and refuses new ones until {@link #heal} (the firewall's partition). */
    public void partition(String a, String b) {
        firewall().partition(a, b);
    }

    /** Cuts every link between two groups until {@link #heal}. */
    public void partition(Collection<String> left, Collection<String> right) {
        firewall().partition(left, right);
    }

    /** Ends every partition. */
    public void heal() {
        firewall().heal();
    }

    /** Breaks the live links between two nodes (dropped connections); they dial again. */
    public void breakLink(String a, String b) {
        net.breakLinks(a, b);
    }

    /** {@link #check(String)} without a label. */
    public void check() {
        check("mesh");
    }

    /**
     * Checks the mesh's guarantee on every node (all must be up): the same set of ids, which is everything any
     * node ever applied (nothing lost), in the same created order, which is id order; each id applied exactly
     * once per node, every id it holds included; and each action created through {@link Node#add} sorts after every id its node had applied
     * before.
     *
     * @throws AssertionError naming the node and what differs, prefixed with {@code label}
     */
    public void check(String label) {
        List<Node> all = nodes();
        Set<ActionId> everything = new LinkedHashSet<>();
        for (Node n : all) {
            if (!n.isUp()) {
                throw new AssertionError(label + ": " + n.name + " is down; start every node before checking");
            }
            everything.addAll(n.applied.keySet());
        }
        everything.removeAll(lostWithStores);
        List<ActionId> reference = null;
        for (Node n : all) {
            List<ActionId> ids = n.ids();
            Set<ActionId> held = new LinkedHashSet<>(ids);
            held.removeAll(lostWithStores); // lost for good with a store; if some node held it, all do (same list)
            if (!held.equals(everything)) {
                Set<ActionId> missing = new LinkedHashSet<>(everything);
                missing.removeAll(held);
                Set<ActionId> extra = new LinkedHashSet<>(held);
                extra.removeAll(everything);
                throw new AssertionError(label + ": " + n.name + " holds another set: missing " + missing
                    + (extra.isEmpty() ? "" : ", extra " + extra) + "; " + whoHolds(all, missing, extra));
            }
            if (reference == null) {
                reference = ids;
            } else if (!reference.equals(ids)) {
                throw new AssertionError(label + ": " + n.name + " has another created order: " + ids + " where "
                    + all.get(0).name + " has " + reference);
            }
            // held implies applied: an entry in the log that subscribers never got was applied 0 times (a crash
            // between a commit and its durability leaves such entries; the kit's subscriber replays after its mark)
            for (ActionId h : held) {
                if (!n.applied.containsKey(h) && !n.appliedButLost.contains(h)) {
                    throw new AssertionError(label + ": " + n.name + " holds " + h + " but never applied it");
                }
            }
            for (Map.Entry<ActionId, Integer> e : n.applied.entrySet()) {
                if (e.getValue() != 1) {
                    throw new AssertionError(label + ": " + n.name + " applied " + e.getKey() + " " + e.getValue()
                        + " times");
                }
            }
            for (Map.Entry<ActionId, ActionId> c : n.createdAfter.entrySet()) {
                if (c.getValue() != null && c.getValue().compareTo(c.getKey()) >= 0) {
                    throw new AssertionError(label + ": " + c.getKey() + " was created after " + c.getValue()
                        + " but sorts before it");
                }
            }
        }
        if (reference != null) {
            List<ActionId> sorted = new ArrayList<>(reference);
            Collections.sort(sorted);
            if (!sorted.equals(reference)) {
                throw new AssertionError(label + ": created order is not id order: " + reference);
            }
        }
    }

    /**
     * Ids that were lost for good with a restored or wiped store (no other node held them then): the documented
     * limit of a restore ({@link Node#restore}). {@link #check} does not require them anywhere.
     */
    public Set<ActionId> lostWithStores() {
        return Collections.unmodifiableSet(lostWithStores);
    }

    /** For a failure message: which nodes hold (and applied how often) each of these ids. */
    private static String whoHolds(List<Node> all, Set<ActionId> missing, Set<ActionId> extra) {
        StringBuilder sb = new StringBuilder();
        List<ActionId> ids = new ArrayList<>(missing);
        ids.addAll(extra);
        for (ActionId id : ids.subList(0, Math.min(ids.size(), 5))) {
            sb.append(id).append(" held by [");
            for (Node n : all) {
                if (n.ids().contains(id)) {
                    sb.append(' ').append(n.name);
                }
            }
            sb.append(" ], applied by [");
            for (Node n : all) {
                if (n.applied.containsKey(id)) {
                    sb.append(' ').append(n.name).append('x').append(n.applied.get(id));
                }
            }
            sb.append(" ]; ");
        }
        return sb.toString();
    }

    /** Closes every running node, the last started first. */
    @Override
    public void close() {
        List<Node> reversed = new ArrayList<>(startOrder);
        Collections.reverse(reversed);
        for (Node n : reversed) {
            if (n.isUp()) {
                n.shut();
            }
        }
    }

    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
        .toCharArray();

    /** The random part of a node id, as a node makes it, but from the seeded randomness. */
    private static String suffix(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /** One node of the mesh, across its restarts. */
    public final class Node {
        private final String name;
        private final List<String> peers = new ArrayList<>();
        private final Map<ActionId, Integer> applied = new LinkedHashMap<>();
        private final Map<ActionId, ActionId> createdAfter = new LinkedHashMap<>();
        private final List<String> errors = new ArrayList<>();
        private Consumer<NodeConfig.Builder> settings = b -> { };
        private long skew;
        private MemoryStore memory;
        /** The store the node is given: {@link #memory} behind fault injection. */
        private FaultyStore faulty;
        private Path dataDir;
        private final Set<ActionId> appliedButLost = new LinkedHashSet<>();
        /** The SQLite store of a node under {@link LocalMesh#sqlite}, while it is up. */
        private SqliteStore sqliteStore;
        private ActionId newest;
        /** The {@code added} of the last entry given to the node's subscriber, over restarts (the app's mark). */
        private long appliedAdded;
        private MeshNode node;
        private boolean started;
        private String nodeId;

        Node(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** The node's name: its host on the network. */
        public String name() {
            return name;
        }

        /** The node id ({@code NAME:random}), fixed at its first start. @throws IllegalStateException before */
        public String nodeId() {
            if (nodeId == null) {
                throw new IllegalStateException(name + " never started");
            }
            return nodeId;
        }

        /** The running node. @throws IllegalStateException while it is down */
        public MeshNode node() {
            requireUp();
            return node;
        }

        /** Whether the node runs. */
        public boolean isUp() {
            return node != null;
        }

        /** Its clock reads {@code millis} ahead of the loop's (negative: behind), at once, also while it runs. */
        public Node skew(long millis) {
            skew = millis;
            return this;
        }

        /** Steps its clock by {@code millis} (negative: backwards), at once, also while it runs. */
        public Node step(long millis) {
            skew += millis;
            return this;
        }

        /**
         * Fault injection on the node's memory store (a full disk, failing commits, corrupt or unreadable
         * entries), across restarts; null when it keeps its log in SQLite. Before its first start: null.
         */
        public FaultyStore faults() {
            return faulty;
        }

        /** A copy of the node's memory store now, as a file backup holds it, for {@link #restore}. */
        public MemoryStore backup() {
            if (memory == null) {
                throw new IllegalStateException(name + " keeps no memory store to back up");
            }
            return memory.backup();
        }

        /**
         * Restores {@code backup} over the node's store while it is down (its clock side file survives: see
         * {@link MemoryStore#restoredFrom}). What it applied after the backup and no other node holds is lost for
         * good (the documented limit; {@link LocalMesh#lostWithStores}); the application's state is rebuilt
         * from the restored log, so the applied counts restart from what it holds.
         */
        public void restore(MemoryStore backup) {
            replaceStore(memory.restoredFrom(backup));
        }

        /**
         * Wipes the node's store while it is down and keeps its node id (a new empty store, without the clock
         * reservation either): as {@link #restore} of an empty backup, with nothing kept at all.
         */
        public void wipe() {
            replaceStore(new MemoryStore());
        }

        /** Ids this node had applied (given to its subscribers) that a {@link LocalMesh#powerLoss} took away. */
        public Set<ActionId> appliedButLost() {
            return Collections.unmodifiableSet(appliedButLost);
        }

        private void powerLost(MemoryStore image, long addedReservation) {
            for (ActionId id : applied.keySet()) {
                if (!image.seen(id)) {
                    appliedButLost.add(id);
                }
            }
            memory = memory.afterPowerLoss(image, addedReservation);
            faulty = faultyOver(memory);
        }

        private void replaceStore(MemoryStore next) {
            if (isUp()) {
                throw new IllegalStateException(name + " is up: stop or crash it before replacing its store");
            }
            if (memory == null) {
                throw new IllegalStateException(name + " keeps no memory store");
            }
            for (ActionId id : applied.keySet()) {
                if (!next.has(id) && !heldElsewhere(id)) {
                    lostWithStores.add(id);
                }
            }
            applied.clear();
            newest = null; // what the node knows it applied is what the new store holds
            appliedAdded = 0;
            for (Entry e : next.page(dev.logmesh.spi.Order.CREATED, true, null, Integer.MAX_VALUE)) {
                applied.put(e.id(), 1);
                newest = e.id();
                appliedAdded = Math.max(appliedAdded, e.meta().added());
            }
            memory = next;
            faulty = faultyOver(memory);
        }

        /**
         * Fault injection over a memory store. An entry found corrupt leaves the log (quarantined) and its copy
         * from a peer is applied again: a repair, so the applied count forgets it.
         */
        private FaultyStore faultyOver(MemoryStore store) {
            FaultyStore f = new FaultyStore(store);
            f.onCorrupt(c -> applied.remove(c.id()));
            return f;
        }

        private boolean heldElsewhere(ActionId id) {
            for (Node other : nodes.values()) {
                if (other != this && other.memory != null && other.memory.has(id)) {
                    return true;
                }
            }
            return false;
        }

        /** The clock skew in ms. */
        public long skew() {
            return skew;
        }

        /** Settings of this node, applied after the mesh's: from its next start. */
        public Node configure(Consumer<NodeConfig.Builder> more) {
            settings = settings.andThen(more);
            return this;
        }

        /** Adds static peers this node keeps dialing (one dialer per call, as with repeated URLs): from its next start. */
        public Node dial(String... names) {
            peers.addAll(List.of(names));
            return this;
        }

        /** The memory store behind the node (it outlives restarts), or null when it keeps its log in SQLite. */
        public Store store() {
            return memory;
        }

        /** What the node sent and received on the network, over all its restarts. */
        public LocalNetwork.Traffic traffic() {
            return net.traffic(name);
        }

        /**
         * Adds a local action and returns its meta, remembering the newest id the node had applied before
         * (for {@link LocalMesh#check}). Runs the due tasks first and then the add; no time passes.
         */
        public Meta add(Action action) {
            requireUp();
            loop.runAll();
            ActionId before = newest;
            CompletableFuture<Meta> f = node.add(action);
            loop.runAll();
            if (!f.isDone()) {
                throw new IllegalStateException(name + ": the add did not run on the loop");
            }
            Meta m = f.join();
            createdAfter.put(m.id(), before);
            return m;
        }

        /** {@link #add(Action)} of an action with only a type. */
        public Meta add(String type) {
            return add(Action.ofType(type));
        }

        /** The ids of the node's log in created order (runs the due tasks). */
        public List<ActionId> ids() {
            requireUp();
            CompletableFuture<List<Entry>> f = node.entries();
            loop.runAll();
            List<ActionId> out = new ArrayList<>();
            for (Entry e : f.join()) {
                out.add(e.id());
            }
            return out;
        }

        /** How often each id was applied here (add events), over all restarts. */
        public Map<ActionId, Integer> applied() {
            return Collections.unmodifiableMap(applied);
        }

        /** Ids created through {@link #add}, each with the newest id the node had applied before (or null). */
        public Map<ActionId, ActionId> createdAfter() {
            return Collections.unmodifiableMap(createdAfter);
        }

        /** Error events of the node ({@link MeshNode.Listener#error}), over all restarts. */
        public List<String> errors() {
            return Collections.unmodifiableList(errors);
        }

        private void requireUp() {
            if (node == null) {
                throw new IllegalStateException(name + " is down");
            }
        }

        private void boot() {
            if (!started) {
                started = true;
                startOrder.add(this);
                nodeId = name + ":" + suffix(loop.random());
                if (sqlite != null) {
                    dataDir = sqlite.resolve(name);
                } else {
                    memory = new MemoryStore();
                    faulty = faultyOver(memory);
                }
            }
            Loop nodeLoop = loop.withClockOffset(() -> skew);
            NodeConfig.Builder b = NodeConfig.builder().name(name).loop(nodeLoop).transport(net.transport(name))
                .mdns(false);
            for (String p : peers) {
                b.peer(LocalNetwork.url(p));
            }
            if (lan != null) {
                LocalLan onLan = lan;
                b.discovery(me -> onLan.join(name, me));
            }
            if (dataDir != null) {
                // opened here, fsyncing in each call (FULL_INLINE): a writer thread's callbacks would reach the
                // manual loop from another thread, at real-time moments a seeded run cannot replay
                try {
                    Files.createDirectories(dataDir);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create " + dataDir, e);
                }
                sqliteStore = SqliteStore.open(dataDir.resolve("log.db"),
                    new SqliteStore.Options(SqliteStore.Durability.FULL_INLINE, true));
                b.store(sqliteStore);
            } else {
                b.store(faulty.opened());
            }
            everyNode.accept(b);
            settings.accept(b);
            MeshNode.Listener listener = new MeshNode.Listener() {
                @Override
                public void error(String message) {
                    errors.add(message);
                }
            };
            MeshNode n;
            try {
                n = NodeInternals.start(b.build(), List.of(listener), new Random(loop.random().nextLong()), nodeId,
                    sessions, maxGoneBytes);
            } catch (IOException | RuntimeException e) {
                if (sqliteStore != null) {
                    sqliteStore.close();
                    sqliteStore = null;
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot start " + name, io);
                }
                throw (RuntimeException) e;
            }
            // as an application that keeps its state on disk: from the added number of the last entry it applied
            // (MeshNode.subscribe(long, ...)), so what was committed just before a crash and never given is given
            n.subscribe(appliedAdded, e -> true, e -> {
                applied.merge(e.id(), 1, Integer::sum);
                appliedAdded = Math.max(appliedAdded, e.meta().added());
                if (newest == null || e.id().compareTo(newest) > 0) {
                    newest = e.id();
                }
            });
            node = n;
        }

        private void shut() {
            MeshNode n = node;
            node = null;
            n.close();
            if (lan != null) {
                lan.applyCloses(); // its discovery was closed on a thread of the node's (LocalLan): applied here
            }
            if (sqliteStore != null) {
                sqliteStore.close(); // given to the node, which does not close it
                sqliteStore = null;
            }
        }

        @Override
        public String toString() {
            return name + (isUp() ? "" : " (down)");
        }
    }
}
