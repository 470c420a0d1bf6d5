package dev.logmesh.internal.overlay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Broadcast cost over a fixed graph (the active views of an {@link OverlayWorld}, or a full mesh): a minimal
 * Plumtree (Leitão, Pereira, Rodrigues: "Epidemic Broadcast Trees", SRDS 2007, Algorithms 1 and 2) and plain
 * flooding, on a simulated clock where every link takes one time unit. One broadcast at a time: it runs until
 * nothing is in flight, so "hops until the last node has it" is the time of the last delivery, in link
 * latencies, GRAFT timers included.
 *
 * <p>Plumtree, per node (the paper's mechanisms, named as in its text and pseudo-code): peers start
 * <em>eager</em>. <b>Tree construction:</b> the first copy of a message is delivered and pushed to the eager
 * peers, its id (IHAVE) to the lazy ones; a duplicate moves its sender to lazy and answers PRUNE. <b>Tree
 * repair:</b> an IHAVE for a missing message starts a timer; when it fires, the node sends GRAFT to the first
 * announcer, which becomes eager and resends the message. <b>Membership changes:</b> a link that goes down
 * (NeighborDown) leaves both sets; one that comes up (NeighborUp) is eager. <b>Optimization</b> (with
 * {@code optimize}): a node that hears an IHAVE whose round is {@code threshold} or more below the round its
 * copy came with grafts that announcer and prunes its eager parent, so the tree follows the traffic.
 *
 * <p>The paper keeps one tree for all senders. With {@code perOrigin} each origin has its own eager/lazy sets
 * (its tree is its first-arrival tree, a shortest-path tree here): same rules, more state (origins × degree
 * flags per node), and paths as short as the overlay allows for every sender.
 */
public final class GossipSim {
    /** How a broadcast spreads. */
    public enum Mode {
        /** Plumtree: eager push on a spanning tree, lazy push (IHAVE) on the other links. */
        PLUMTREE,
        /** Every node forwards the payload to all its neighbours but the sender, once. */
        FLOOD
    }

    /** Cost of one broadcast. */
    /**
     * Cost of one broadcast.
     *
     * @param payloads payload sends (GOSSIP messages, including answers to GRAFT)
     * @param announcements ids announced (IHAVE), all nodes together
     * @param delivered nodes that delivered it (each exactly once by construction)
     * @param duplicates payloads that arrived at a node that already had the message
     * @param lastDelivery time of the last delivery, in link latencies
     */
    public record Cost(long payloads, long announcements, int delivered, int duplicates, long lastDelivery) {
    }

    private static final int GOSSIP = 0;
    private static final int IHAVE = 1;
    private static final int GRAFT = 2;
    private static final int PRUNE = 3;
    private static final int TIMER = 4;

    private final int n;
    /** Sorted neighbour indices per node. */
    private final int[][] nbr;
    /** Per node, per neighbour slot: eager (true) or lazy (false); of the broadcast in progress's tree. */
    private boolean[][] eager;
    /** The trees: one shared (key -1), or one per origin. */
    private final Map<Integer, boolean[][]> trees = new HashMap<>();
    private final boolean perOrigin;
    private final Mode mode;
    private final int graftTimeout;
    private final boolean optimize;
    private final int threshold;
    private final Random random;
    private final String[] names;

    // state of the broadcast in progress
    private int message;
    private final int[] deliveredMsg;
    private final int[] round;
    private final int[] parent;
    private final boolean[] timerSet;
    /** Per node: the announcements (announcer, round) of the message in progress, in arrival order. */
    private final List<ArrayDeque<int[]>> missing = new ArrayList<>();
    private final List<ArrayDeque<int[]>> buckets = new ArrayList<>();
    private long time;
    private long inFlight;
    private long payloads;
    private long announcements;
    private int delivered;
    private int duplicates;
    private long lastDelivery;

    /**
     * A gossip layer over a fixed graph.
     *
     * @param graph node name to neighbour names (symmetric)
     * @param mode Plumtree or flooding
     * @param perOrigin one Plumtree per origin (each origin's tree is its first-arrival tree) instead of one
     *     shared tree
     * @param graftTimeout GRAFT timer, in link latencies
     * @param optimize apply the paper's optimization (threshold 2 rounds)
     * @param seed for the random source of {@link #broadcastFromRandom()}
     */
    public GossipSim(Map<String, ? extends Collection<String>> graph, Mode mode, boolean perOrigin,
        int graftTimeout, boolean optimize, long seed) {
        this.n = graph.size();
        this.mode = mode;
        this.perOrigin = perOrigin;
        this.graftTimeout = graftTimeout;
        this.optimize = optimize;
        this.threshold = 2;
        this.random = new Random(seed);
        this.names = graph.keySet().toArray(new String[0]);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(names[i], i);
        }
        nbr = new int[n][];
        for (int i = 0; i < n; i++) {
            nbr[i] = graph.get(names[i]).stream().mapToInt(index::get).sorted().toArray();
        }
        deliveredMsg = new int[n];
        Arrays.fill(deliveredMsg, -1);
        round = new int[n];
        parent = new int[n];
        timerSet = new boolean[n];
        for (int i = 0; i < n; i++) {
            missing.add(new ArrayDeque<>());
        }
    }

    /**
     * A full mesh (today's logmesh: every node has a session with every other).
     *
     * @param n nodes, named n0 ... n(n−1)
     * @return the graph
     */
    public static Map<String, List<String>> fullMesh(int n) {
        Map<String, List<String>> g = new HashMap<>();
        List<String> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add("n" + i);
        }
        for (String a : all) {
            List<String> others = new ArrayList<>(all);
            others.remove(a);
            g.put(a, others);
        }
        return g;
    }

    /** @return the number of nodes */
    public int size() {
        return n;
    }

    /**
     * @param origin name of the broadcasting node
     * @return the cost of one message broadcast from it, run until nothing is in flight
     */
    public Cost broadcast(String origin) {
        return broadcast(indexOf(origin));
    }

    /** @return the cost of one message broadcast from a random node, run until nothing is in flight */
    public Cost broadcastFromRandom() {
        return broadcast(random.nextInt(n));
    }

    /**
     * @param source index of the broadcasting node (graph order)
     * @return the cost of one message broadcast from it, run until nothing is in flight
     */
    public Cost broadcast(int source) {
        message++;
        payloads = 0;
        announcements = 0;
        delivered = 0;
        duplicates = 0;
        lastDelivery = 0;
        time = 0;
        for (ArrayDeque<int[]> m : missing) {
            m.clear();
        }
        Arrays.fill(timerSet, false);
        eager = trees.computeIfAbsent(perOrigin ? source : -1, k -> allEager());
        deliver(source, -1, 0);
        while (inFlight > 0) {
            ArrayDeque<int[]> now = bucket(time);
            while (!now.isEmpty()) {
                int[] e = now.poll();
                inFlight--;
                handle(e);
            }
            time++;
        }
        return new Cost(payloads, announcements, delivered, duplicates, lastDelivery);
    }

    /**
     * A link goes down on both sides (NeighborDown): it leaves every tree.
     *
     * @param a one end
     * @param b the other
     */
    public void linkDown(String a, String b) {
        int i = indexOf(a);
        int j = indexOf(b);
        for (boolean[][] tree : trees.values()) {
            remove(nbr[i], tree, i, j);
            remove(nbr[j], tree, j, i);
        }
        nbr[i] = without(nbr[i], j);
        nbr[j] = without(nbr[j], i);
    }

    /** @return the eager links (eager both ways) of the last broadcast's tree, as pairs of names */
    public List<String[]> eagerLinks() {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < nbr[i].length; k++) {
                int j = nbr[i][k];
                if (i < j && eager[i][k] && eager[j][slot(j, i)]) {
                    out.add(new String[] {names[i], names[j]});
                }
            }
        }
        return out;
    }

    private void handle(int[] e) {
        int type = e[0];
        int from = e[1];
        int to = e[2];
        int r = e[3];
        int msg = e[4];
        if (msg != message) {
            return;
        }
        switch (type) {
            case GOSSIP -> onGossip(to, from, r);
            case IHAVE -> onIhave(to, from, r);
            case GRAFT -> onGraft(to, from, r);
            case PRUNE -> setEager(to, from, false);
            case TIMER -> onTimer(to);
            default -> throw new IllegalStateException("event " + type);
        }
    }

    private void onGossip(int i, int from, int r) {
        if (deliveredMsg[i] == message) {
            duplicates++;
            if (mode == Mode.PLUMTREE) {
                // tree construction: a duplicate: the sender's link becomes lazy, and the sender is told so
                setEager(i, from, false);
                send(PRUNE, i, from, 0);
            }
            return;
        }
        deliver(i, from, r);
    }

    private void deliver(int i, int from, int r) {
        deliveredMsg[i] = message;
        round[i] = r;
        parent[i] = from;
        delivered++;
        lastDelivery = Math.max(lastDelivery, time);
        missing.get(i).clear();
        if (mode == Mode.PLUMTREE && from >= 0) {
            setEager(i, from, true);
        }
        for (int k = 0; k < nbr[i].length; k++) {
            int j = nbr[i][k];
            if (j == from) {
                continue;
            }
            if (mode == Mode.FLOOD || eager[i][k]) {
                send(GOSSIP, i, j, r + 1);
            } else {
                announcements++;
                if (optimize || deliveredMsg[j] != message) {
                    // an IHAVE to a node that already has the message does nothing (unless optimizing): count it,
                    // skip the event
                    send(IHAVE, i, j, r + 1);
                }
            }
        }
    }

    private void onIhave(int i, int from, int r) {
        if (deliveredMsg[i] == message) {
            if (optimize && round[i] - r >= threshold && parent[i] >= 0) {
                // optimization: a much shorter path exists through the announcer: graft it, prune the old parent
                setEager(i, from, true);
                send(GRAFT, i, from, -1);
                setEager(i, parent[i], false);
                send(PRUNE, i, parent[i], 0);
                parent[i] = from;
                round[i] = r;
            }
            return;
        }
        missing.get(i).add(new int[] {from, r});
        if (!timerSet[i]) {
            timerSet[i] = true;
            schedule(graftTimeout, new int[] {TIMER, i, i, 0, message});
        }
    }

    private void onTimer(int i) {
        timerSet[i] = false;
        if (deliveredMsg[i] == message || missing.get(i).isEmpty()) {
            return;
        }
        // tree repair: graft the first announcer; wait again in case it fails too
        int[] a = missing.get(i).poll();
        setEager(i, a[0], true);
        send(GRAFT, i, a[0], a[1]);
        timerSet[i] = true;
        schedule(graftTimeout, new int[] {TIMER, i, i, 0, message});
    }

    private void onGraft(int i, int from, int r) {
        setEager(i, from, true);
        if (r >= 0 && deliveredMsg[i] == message) {
            send(GOSSIP, i, from, round[i] + 1);
        }
    }

    private void send(int type, int from, int to, int r) {
        if (type == GOSSIP) {
            payloads++;
        }
        schedule(1, new int[] {type, from, to, r, message});
    }

    private void schedule(long delay, int[] event) {
        inFlight++;
        bucket(time + delay).add(event);
    }

    private ArrayDeque<int[]> bucket(long t) {
        int size = Math.max(64, graftTimeout + 2);
        while (buckets.size() < size) {
            buckets.add(new ArrayDeque<>());
        }
        return buckets.get((int) (t % size));
    }

    private void setEager(int i, int j, boolean value) {
        int k = slot(i, j);
        if (k >= 0) {
            eager[i][k] = value;
        }
    }

    private int slot(int i, int j) {
        return Arrays.binarySearch(nbr[i], j);
    }

    private int indexOf(String name) {
        for (int i = 0; i < n; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private boolean[][] allEager() {
        boolean[][] tree = new boolean[n][];
        for (int i = 0; i < n; i++) {
            tree[i] = new boolean[nbr[i].length];
            Arrays.fill(tree[i], true);
        }
        return tree;
    }

    private static void remove(int[] a, boolean[][] tree, int i, int j) {
        int k = Arrays.binarySearch(a, j);
        if (k < 0) {
            return;
        }
        boolean[] e = new boolean[a.length - 1];
        for (int x = 0, y = 0; x < a.length; x++) {
            if (x != k) {
                e[y++] = tree[i][x];
            }
        }
        tree[i] = e;
    }

    private static int[] without(int[] a, int j) {
        int k = Arrays.binarySearch(a, j);
        if (k < 0) {
            return a;
        }
        int[] b = new int[a.length - 1];
        for (int x = 0, y = 0; x < a.length; x++) {
            if (x != k) {
                b[y++] = a[x];
            }
        }
        return b;
    }
}
