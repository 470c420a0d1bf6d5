package dev.logmesh.internal.overlay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A deterministic simulated LAN of {@link HyParView} nodes: one event queue in simulated time units, per-link
 * latency, sessions that behave like the host's (one per pair, FIFO, graceful close after a flush, failure
 * noticed after a detection delay), message and dial loss, partitions that heal, crashes, graceful leaves and
 * joins, and mDNS-like discovery where everyone hears everyone (at the overlay's admission rate).
 *
 * <p>The world is the host of every node: it implements {@link Sender} per node and calls
 * {@link HyParView#sessionOpened}, {@link HyParView#sessionClosed}, {@link HyParView#receive} and
 * {@link HyParView#tick()} from its events, never from inside a Sender call (the Sender contract). It also
 * checks that contract: a {@code connect} while a session or a dial with that peer exists is recorded as a
 * violation. Every message goes through {@link HpvMessage#toJson()} and {@link HpvMessage#fromJson} on the way.
 *
 * <p>Same options and seed, same run: all randomness comes from one seeded {@link Random} (each node gets its
 * own, seeded from it) and events at the same time run in the order they were scheduled.
 */
public final class OverlayWorld {
    /** Settings of a world; fluent. */
    public static final class Options {
        long seed = 1;
        OverlayConfig config = OverlayConfig.DEFAULTS;
        int minLatency = 1;
        int maxLatency = 3;
        int tickEvery = 10;
        double loss;
        int discoveryPerTick = 2;
        int mdnsTtlTicks = 12;

        /** @param v the seed of every random choice @return this */
        public Options seed(long v) {
            seed = v;
            return this;
        }

        /** @param v every node's settings @return this */
        public Options config(OverlayConfig v) {
            config = v;
            return this;
        }

        /** Link latencies between {@code min} and {@code max} time units (fixed per link); returns this. */
        public Options latency(int min, int max) {
            minLatency = min;
            maxLatency = max;
            return this;
        }

        /** @param v time units between two {@link HyParView#tick()} of a node @return this */
        public Options tickEvery(int v) {
            tickEvery = v;
            return this;
        }

        /** @param v chance that a message or a dial is lost @return this */
        public Options loss(double v) {
            loss = v;
            return this;
        }

        /** @param v random announcements each node hears per tick @return this */
        public Options discoveryPerTick(int v) {
            discoveryPerTick = v;
            return this;
        }
    }

    /** A session between two nodes. */
    private static final class Session {
        final String a;
        final String b;
        boolean broken;

        Session(String a, String b) {
            this.a = a;
            this.b = b;
        }

        String other(String x) {
            return x.equals(a) ? b : a;
        }
    }

    /** The host's state for one peer of one node. */
    private static final class Slot {
        Session session;
        boolean dialing;
        long dialId;
        /** A sessionClosed report is on its way to the overlay: the slot is busy until then. */
        boolean reporting;
    }

    /** One simulated node: its overlay plus the host's per-peer session slots. */
    public final class Node implements Sender, OverlayListener {
        final String id;
        final String address;
        final HyParView hpv;
        final Map<String, Slot> slots = new HashMap<>();
        boolean alive = true;
        long diedAt = -1;
        final Map<OverlayListener.Bound, String> bounds = new LinkedHashMap<>();

        Node(String id, Random random) {
            this.id = id;
            this.address = address(id);
            this.hpv = new HyParView(new PeerInfo(id, address), options.config, this, random, this);
        }

        /** @return the node's overlay */
        public HyParView hpv() {
            return hpv;
        }

        Slot slot(String peer) {
            return slots.computeIfAbsent(peer, k -> new Slot());
        }

        /** Sessions and dials in progress (what costs a socket). */
        int openSessions() {
            int n = 0;
            for (Slot s : slots.values()) {
                if (s.session != null || s.dialing) {
                    n++;
                }
            }
            return n;
        }

        /** Established sessions. */
        int sessions() {
            int n = 0;
            for (Slot s : slots.values()) {
                if (s.session != null) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public void send(String to, HpvMessage message) {
            worldSend(this, to, message);
        }

        @Override
        public void connect(String to, String address) {
            worldConnect(this, to, address);
        }

        @Override
        public void disconnect(String to) {
            worldDisconnect(this, to);
        }

        @Override
        public void boundReached(OverlayListener.Bound bound, String detail) {
            if (bounds.put(bound, detail) != null) {
                violations.add(id + " reported " + bound + " twice");
            }
        }
    }

    private record Event(long time, long seq, Runnable action) {
    }

    private final Options options;
    private final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
        (x, y) -> x.time != y.time ? Long.compare(x.time, y.time) : Long.compare(x.seq, y.seq));
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<String> live = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<String, Long> messages = new TreeMap<>();
    private Map<String, Integer> side;
    private long now;
    private long seq;
    private long dialSeq;
    private int nextId;
    private boolean ticking = true;
    private int forged;
    private long forgedDials;
    private int peakSessions;
    private int peakActive;

    /**
     * An empty world.
     *
     * @param options its settings
     */
    public OverlayWorld(Options options) {
        this.options = options;
        this.random = new Random(options.seed);
    }

    /** @return new default options */
    public static Options options() {
        return new Options();
    }

    // ---------------------------------------------------------------- scenario

    /**
     * Starts {@code n} nodes at once; each browses (hears every live node, in random order) and is announced to
     * every live node.
     *
     * @param n how many
     * @return their ids
     */
    public List<String> start(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(create());
        }
        for (String id : ids) {
            browse(id);
        }
        return ids;
    }

    /**
     * Starts one node that browses and is announced to every live node.
     *
     * @return its id
     */
    public String join() {
        String id = create();
        browse(id);
        for (String other : live) {
            if (!other.equals(id)) {
                nodes.get(other).hpv.candidate(id, nodes.get(id).address);
            }
        }
        return id;
    }

    /**
     * Churn: {@code fraction} of the live nodes leave (half gracefully, half by crashing), then as many new ones
     * join.
     *
     * @param fraction e.g. 0.1
     */
    public void churn(double fraction) {
        int k = (int) Math.round(live.size() * fraction);
        List<String> shuffled = new ArrayList<>(live);
        Collections.shuffle(shuffled, random);
        for (int i = 0; i < k; i++) {
            if (i % 2 == 0) {
                leave(shuffled.get(i));
            } else {
                crash(shuffled.get(i));
            }
        }
        for (int i = 0; i < k; i++) {
            join();
        }
    }

    /**
     * A node leaves gracefully ({@link HyParView#leave()}): its DISCONNECTs and closes still go out.
     *
     * @param id the node
     */
    public void leave(String id) {
        Node node = nodes.get(id);
        node.hpv.leave();
        die(node);
    }

    /**
     * A node crashes: its sessions fail, noticed by its peers after the detection delay.
     *
     * @param id the node
     */
    public void crash(String id) {
        Node node = nodes.get(id);
        for (Slot slot : node.slots.values()) {
            if (slot.session != null) {
                breakSession(slot.session);
            }
        }
        die(node);
    }

    /**
     * Splits the network in two: {@code fraction} of the live nodes on one side. Sessions across fail, dials and
     * messages across are lost, until {@link #heal()}.
     *
     * @param fraction share of the nodes on side 1
     */
    public void partition(double fraction) {
        List<String> shuffled = new ArrayList<>(live);
        Collections.shuffle(shuffled, random);
        side = new HashMap<>();
        int k = (int) Math.round(shuffled.size() * fraction);
        for (int i = 0; i < shuffled.size(); i++) {
            side.put(shuffled.get(i), i < k ? 1 : 0);
        }
        for (Node node : nodes.values()) {
            for (Slot slot : node.slots.values()) {
                if (slot.session != null && !reachable(slot.session.a, slot.session.b)) {
                    breakSession(slot.session);
                }
            }
        }
    }

    /**
     * Forged mDNS announcements of {@code count} nodes that do not exist: every live node (and every node that
     * joins later) hears all of them at once, then some of them in every tick. A dial to one hangs (no answer).
     *
     * @param count how many forged nodes
     */
    public void forge(int count) {
        forged = count;
        for (String id : live) {
            hearForged(nodes.get(id), count);
        }
    }

    /** @return dials the overlays made to forged nodes */
    public long forgedDials() {
        return forgedDials;
    }

    private void hearForged(Node node, int count) {
        for (int i = 0; i < count; i++) {
            int f = random.nextInt(forged);
            node.hpv.candidate("fake" + f, address("fake" + f));
        }
    }

    /** Ends the partition. */
    public void heal() {
        side = null;
    }

    /** @param v chance that a message or a dial is lost, from now on */
    public void loss(double v) {
        options.loss = v;
    }

    /**
     * Runs the world for a number of ticks (each {@code tickEvery} time units).
     *
     * @param ticks how many
     */
    public void run(int ticks) {
        long until = now + (long) ticks * options.tickEvery;
        while (!queue.isEmpty() && queue.peek().time <= until) {
            step();
        }
        now = until;
    }

    /**
     * Quiet: runs a request timeout's worth of ticks without loss (so that requests lost earlier time out and
     * their sessions close), then stops ticks and discovery and delivers everything in flight until nothing is
     * left. Every request started meanwhile then has its answer, so the views must be symmetric. The loss rate
     * is restored afterwards.
     */
    public void quiesce() {
        double loss = options.loss;
        options.loss = 0;
        run(options.config.requestTimeoutTicks() + 1);
        ticking = false;
        while (!queue.isEmpty()) {
            step();
        }
        options.loss = loss;
    }

    /** Restarts ticks and discovery after {@link #quiesce()}. */
    public void resume() {
        if (ticking) {
            return;
        }
        ticking = true;
        for (String id : live) {
            Node node = nodes.get(id);
            schedule(1 + random.nextInt(options.tickEvery), () -> tick(node));
        }
    }

    // ---------------------------------------------------------------- properties

    /**
     * The overlay's properties, checked now. Call after {@link #quiesce()}.
     *
     * @return the violations, empty if none
     */
    public List<String> check() {
        List<String> out = new ArrayList<>(violations);
        OverlayConfig c = options.config;
        for (String id : live) {
            Node node = nodes.get(id);
            HyParView h = node.hpv;
            if (h.activeView().size() > c.maxActive()) {
                out.add(id + " has " + h.activeView().size() + " active peers > " + c.maxActive());
            }
            if (h.passiveView().size() > c.maxPassive()) {
                out.add(id + " has " + h.passiveView().size() + " passive peers > " + c.maxPassive());
            }
            for (PeerInfo p : h.activeView()) {
                Node peer = nodes.get(p.id());
                if (!peer.alive) {
                    out.add(id + " keeps dead " + p.id() + " active");
                } else if (!peer.hpv.isActive(id)) {
                    out.add(id + " has " + p.id() + " active but not the other way round");
                }
                Slot slot = node.slots.get(p.id());
                if (slot == null || slot.session == null) {
                    out.add(id + " has " + p.id() + " active without a session");
                }
            }
            if (node.sessions() > c.maxActive()) {
                out.add(id + " holds " + node.sessions() + " sessions when quiet > " + c.maxActive());
            }
        }
        int reached = reachable();
        if (reached != live.size()) {
            out.add("overlay not connected: " + reached + " of " + live.size() + " nodes reachable");
        }
        if (peakActive > c.maxActive()) {
            out.add("peak active view " + peakActive + " > " + c.maxActive());
        }
        if (peakSessions > c.maxActive() + c.maxPendingSessions()) {
            out.add("peak sessions " + peakSessions + " > " + (c.maxActive() + c.maxPendingSessions()));
        }
        return out;
    }

    /** @return the live nodes' undirected active graph (symmetric once quiet) */
    public Map<String, Set<String>> activeGraph() {
        Map<String, Set<String>> g = new LinkedHashMap<>();
        for (String id : live) {
            Set<String> peers = new HashSet<>();
            for (PeerInfo p : nodes.get(id).hpv.activeView()) {
                peers.add(p.id());
            }
            g.put(id, peers);
        }
        return g;
    }

    /** @return live node ids */
    public List<String> live() {
        return List.copyOf(live);
    }

    /**
     * @param id a node id
     * @return the node
     */
    public Node node(String id) {
        return nodes.get(id);
    }

    /** @return overlay messages sent, by type */
    public Map<String, Long> messages() {
        return messages;
    }

    /** @return the largest active view and session count seen at any tick */
    public String peaks() {
        return "peak active " + peakActive + ", peak sessions " + peakSessions;
    }

    /** @return the degree histogram of the live nodes, degree to count */
    public Map<Integer, Integer> degrees() {
        Map<Integer, Integer> h = new TreeMap<>();
        for (String id : live) {
            h.merge(nodes.get(id).hpv.activeView().size(), 1, Integer::sum);
        }
        return h;
    }

    /** @return whether the live nodes' active graph is connected right now (not necessarily quiet) */
    public boolean connected() {
        return reachable() == live.size();
    }

    private int reachable() {
        if (live.isEmpty()) {
            return 0;
        }
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(live.get(0));
        seen.add(live.get(0));
        while (!todo.isEmpty()) {
            for (String p : nodes.get(todo.poll()).hpv.activePeers()) {
                if (nodes.get(p).alive && seen.add(p)) {
                    todo.add(p);
                }
            }
        }
        return seen.size();
    }

    // ---------------------------------------------------------------- nodes and discovery

    private String create() {
        String id = "n" + nextId++;
        Node node = new Node(id, new Random(random.nextLong()));
        nodes.put(id, node);
        live.add(id);
        long phase = 1L + random.nextInt(options.tickEvery);
        schedule(phase, () -> tick(node));
        return id;
    }

    private void die(Node node) {
        node.alive = false;
        node.diedAt = now;
        live.remove(node.id);
    }

    private void browse(String id) {
        Node node = nodes.get(id);
        List<String> all = new ArrayList<>(live);
        Collections.shuffle(all, random);
        for (String other : all) {
            node.hpv.candidate(other, nodes.get(other).address);
        }
        if (forged > 0) {
            hearForged(node, forged);
        }
    }

    private void tick(Node node) {
        if (!node.alive || !ticking) {
            return;
        }
        node.hpv.tick();
        // mDNS keeps announcing: a few random announcements per tick, including the dead for the records' TTL
        for (int i = 0; i < options.discoveryPerTick; i++) {
            Node other = nodes.get("n" + random.nextInt(nextId));
            if (other.alive || now - other.diedAt < (long) options.mdnsTtlTicks * options.tickEvery) {
                node.hpv.candidate(other.id, other.address);
            }
        }
        if (forged > 0) {
            hearForged(node, 20);
        }
        peakActive = Math.max(peakActive, node.hpv.activePeers().size());
        peakSessions = Math.max(peakSessions, node.openSessions());
        schedule(options.tickEvery, () -> tick(node));
    }

    static String address(String id) {
        return "ws://" + id + ".lan:31337";
    }

    // ---------------------------------------------------------------- the host: sessions and messages

    private void worldConnect(Node x, String p, String address) {
        if (!address.equals(address(p))) {
            violations.add(x.id + " dialled " + p + " at a wrong address " + address);
        }
        if (p.startsWith("fake")) {
            forgedDials++;
        }
        Slot slot = x.slot(p);
        if (slot.session != null || slot.dialing || slot.reporting) {
            violations.add(x.id + " connect(" + p + ") while a session or dial exists");
            return;
        }
        slot.dialing = true;
        long id = ++dialSeq;
        slot.dialId = id;
        schedule(latency(x.id, p), () -> dialArrives(x, p, id));
    }

    private void dialArrives(Node x, String p, long id) {
        Slot sx = x.slots.get(p);
        if (!x.alive || sx == null || !sx.dialing || sx.dialId != id) {
            return;
        }
        Node pn = nodes.get(p);
        if (pn == null) {
            // a forged node: nobody answers, the dial hangs until the overlay gives up
            return;
        }
        boolean ok = pn.alive && reachable(x.id, p) && !lost();
        Slot sp = ok ? pn.slot(x.id) : null;
        if (!ok || sp.reporting || sp.session != null) {
            // refused, unreachable, lost, or p still holds (or is closing) an older session with x
            schedule(latency(x.id, p), () -> dialFailed(x, p, id));
            return;
        }
        Session s = new Session(x.id, p);
        sp.session = s;
        sp.dialing = false;
        pn.hpv.sessionOpened(x.id);
        schedule(latency(x.id, p), () -> acceptArrives(x, p, s, id));
    }

    private void acceptArrives(Node x, String p, Session s, long id) {
        Slot sx = x.slots.get(p);
        if (!x.alive) {
            return;
        }
        if (sx == null || !sx.dialing || sx.dialId != id || s.broken || sx.session != null) {
            // x gave up meanwhile: close the session from x's side
            Node pn = nodes.get(p);
            schedule(latency(x.id, p), () -> closeArrives(s, pn));
            return;
        }
        sx.dialing = false;
        sx.session = s;
        x.hpv.sessionOpened(p);
    }

    private void dialFailed(Node x, String p, long id) {
        Slot sx = x.slots.get(p);
        if (x.alive && sx != null && sx.dialing && sx.dialId == id) {
            sx.dialing = false;
            tidy(x, p, sx);
            x.hpv.sessionClosed(p);
        }
    }

    private void worldDisconnect(Node x, String p) {
        Slot sx = x.slots.get(p);
        if (sx == null) {
            return;
        }
        if (sx.session != null) {
            Session s = sx.session;
            sx.session = null;
            Node pn = nodes.get(p);
            schedule(latency(x.id, p), () -> closeArrives(s, pn));
            reportClosed(x, p, sx);
        } else if (sx.dialing) {
            sx.dialing = false;
            reportClosed(x, p, sx);
        }
    }

    private void reportClosed(Node x, String p, Slot slot) {
        slot.reporting = true;
        schedule(0, () -> {
            slot.reporting = false;
            tidy(x, p, slot);
            if (x.alive) {
                x.hpv.sessionClosed(p);
            }
        });
    }

    private void closeArrives(Session s, Node y) {
        String other = s.other(y.id);
        Slot sy = y.slots.get(other);
        if (sy != null && sy.session == s) {
            sy.session = null;
            tidy(y, other, sy);
            if (y.alive) {
                y.hpv.sessionClosed(other);
            }
        }
    }

    /** Forgets an idle slot, so a node's slots are only its current sessions and dials. */
    private static void tidy(Node node, String peer, Slot slot) {
        if (slot.session == null && !slot.dialing && !slot.reporting && node.slots.get(peer) == slot) {
            node.slots.remove(peer);
        }
    }

    private void breakSession(Session s) {
        if (s.broken) {
            return;
        }
        s.broken = true;
        long detect = 2L * options.tickEvery;
        schedule(detect, () -> closeArrives(s, nodes.get(s.a)));
        schedule(detect, () -> closeArrives(s, nodes.get(s.b)));
    }

    private void worldSend(Node x, String to, HpvMessage message) {
        HpvMessage copy = HpvMessage.fromJson(message.toJson());
        messages.merge(message.getClass().getSimpleName(), 1L, Long::sum);
        Slot sx = x.slots.get(to);
        Node y = nodes.get(to);
        if (sx != null && sx.session != null) {
            Session s = sx.session;
            if (s.broken || lost()) {
                return;
            }
            schedule(latency(x.id, to), () -> {
                Slot sy = y.slots.get(x.id);
                if (y.alive && sy != null && sy.session == s && !s.broken) {
                    y.hpv.receive(x.id, copy);
                }
            });
        } else if (copy instanceof HpvMessage.ShuffleReply) {
            // no session: the host's short-lived connection
            if (y == null || !reachable(x.id, to) || lost()) {
                return;
            }
            schedule(3L * latency(x.id, to), () -> {
                if (y.alive) {
                    y.hpv.receive(x.id, copy);
                }
            });
        } else {
            violations.add(x.id + " sent " + message + " to " + to + " without a session");
        }
    }

    private boolean reachable(String a, String b) {
        return side == null || side.getOrDefault(a, 0).equals(side.getOrDefault(b, 0));
    }

    private boolean lost() {
        return options.loss > 0 && random.nextDouble() < options.loss;
    }

    private long latency(String a, String b) {
        int span = options.maxLatency - options.minLatency + 1;
        int h = a.compareTo(b) < 0 ? (a + "|" + b).hashCode() : (b + "|" + a).hashCode();
        return (long) options.minLatency + Math.floorMod(h * 31 + (int) options.seed, span);
    }

    private void schedule(long delay, Runnable action) {
        queue.add(new Event(now + delay, seq++, action));
    }

    private void step() {
        Event e = queue.poll();
        now = e.time;
        e.action.run();
    }
}
