package dev.logmesh.internal.mesh;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.NodeInternals;
import dev.logmesh.testkit.LocalMesh;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark (not a test): Plumtree's graft timer on links that slow down under load, in the seeded simulation. A
 * full mesh of {@link #NODES} nodes on links capped at {@link #BANDWIDTH} bytes/s each way (a frame waits for the
 * frames before it: the eager copy of an entry queues behind the payload its link carries, while the ids of the lazy
 * links cross at once); a steady trickle of 1 KB actions from random nodes, and every {@link #BURST_EVERY_MS} one node
 * adds a burst of {@link #BURST} of them (a busy writer, a catch-up). Prints, per seed: duplicates per new entry per
 * node (payload entries received that the log had, graft answers included, divided by the entries new to the node),
 * grafts, prunes, and the time from an action's add at its origin to its arrival at each other node (p50, p99, max).
 * Then checks the guarantees ({@link LocalMesh#check}: same entries in the same order everywhere, each applied once).
 * Run by {@code scripts/bench-gossip --load}. System properties: {@code bench.bandwidth} (bytes/s, 0: no cap),
 * {@code bench.burst} (actions per burst), {@code bench.slowPayload} (ms: each payload frame is held a random 0..that,
 * the frames behind it wait, as on a busy node; id frames are not), {@code bench.traffic} (frames per node).
 */
public final class GraftLoadBench {
    static final int NODES = 8;
    static final long BANDWIDTH = Long.getLong("bench.bandwidth", 200_000);
    static final int BURST = Integer.getInteger("bench.burst", 100);
    static final long BURST_EVERY_MS = 5_000;
    static final long MEASURE_MS = 60_000;

    private GraftLoadBench() {
    }

    /** What one run measured. */
    record Result(double duplicatesPerNew, long grafts, long prunes, long p50, long p99, long max, int actions) {
    }

    static Action sized(String type, int bytes, Random r) {
        StringBuilder sb = new StringBuilder(bytes);
        while (sb.length() < bytes) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return Action.parse("{\"type\":\"" + type + "\",\"pad\":\"" + sb + "\"}");
    }

    static Result run(long seed) {
        LocalMesh mesh = new LocalMesh(seed)
            .configure(b -> b.mesh("load").overlay(false))
            .sessions(c -> c.withPlumtree(true, 300));
        mesh.net().bandwidth(BANDWIDTH).latency(1, 5); // at least 1 ms: no arrival within the add's own loop turn
        for (int i = 0; i < NODES; i++) {
            mesh.node("n" + i);
        }
        for (int i = 0; i < NODES; i++) {
            for (int j = i + 1; j < NODES; j++) {
                mesh.link("n" + i, "n" + j);
            }
        }
        mesh.start();
        long slow = Long.getLong("bench.slowPayload", 0);
        if (slow > 0) {
            // busy nodes: a payload frame is handled up to SLOW ms late (the frames behind it wait), an id frame at once
            mesh.firewall().on("sync").delay(0, slow);
        }
        Random r = new Random(seed);
        List<LocalMesh.Node> nodes = mesh.nodes();
        GossipCostTest.warmUp(mesh, r, NODES, 50);
        mesh.run(10_000);
        Map<ActionId, Long> addedAt = new HashMap<>();
        List<Long> delays = new ArrayList<>();
        for (LocalMesh.Node n : nodes) {
            n.node().subscribe(e -> true, e -> {
                Long t = addedAt.get(e.id());
                if (t != null && !e.id().node().equals(n.nodeId())) {
                    delays.add(mesh.loop().now() - t);
                }
            });
        }
        long[] receivedBefore = new long[NODES];
        long[] sizeBefore = new long[NODES];
        long graftsBefore = 0;
        long prunesBefore = 0;
        for (int i = 0; i < NODES; i++) {
            receivedBefore[i] = nodes.get(i).traffic().entriesReceived();
            sizeBefore[i] = nodes.get(i).ids().size();
            Plumtree p = NodeInternals.plumtree(nodes.get(i).node());
            graftsBefore += p.grafts();
            prunesBefore += p.prunes();
        }
        int actions = 0;
        long start = mesh.loop().now();
        long nextBurst = start + BURST_EVERY_MS;
        while (mesh.loop().now() - start < MEASURE_MS) {
            LocalMesh.Node at = nodes.get(r.nextInt(NODES));
            addedAt.put(at.add(sized("t", 1000, r)).id(), mesh.loop().now());
            actions++;
            if (mesh.loop().now() >= nextBurst) {
                nextBurst += BURST_EVERY_MS;
                LocalMesh.Node busy = nodes.get(r.nextInt(NODES));
                for (int k = 0; k < BURST; k++) {
                    addedAt.put(busy.add(sized("b", 1000, r)).id(), mesh.loop().now());
                    actions++;
                }
            }
            mesh.run(50);
        }
        mesh.run(120_000);
        mesh.check("graft load seed " + seed);
        long duplicates = 0;
        long fresh = 0;
        long grafts = -graftsBefore;
        long prunes = -prunesBefore;
        for (int i = 0; i < NODES; i++) {
            long received = nodes.get(i).traffic().entriesReceived() - receivedBefore[i];
            long got = nodes.get(i).ids().size() - sizeBefore[i];
            String nodeId = nodes.get(i).nodeId();
            long own = addedAt.keySet().stream().filter(id -> id.node().equals(nodeId)).count();
            duplicates += received - (got - own);
            fresh += got - own;
            Plumtree p = NodeInternals.plumtree(nodes.get(i).node());
            grafts += p.grafts();
            prunes += p.prunes();
        }
        if (delays.size() != (long) actions * (NODES - 1)) {
            throw new AssertionError("seed " + seed + ": " + delays.size() + " arrivals, expected "
                + (long) actions * (NODES - 1));
        }
        Collections.sort(delays);
        if (Boolean.getBoolean("bench.traffic")) {
            for (LocalMesh.Node n : nodes) {
                System.err.println(n.name() + " " + n.traffic());
            }
        }
        Result res = new Result(duplicates / (double) fresh, grafts, prunes, delays.get(delays.size() / 2),
            delays.get((int) Math.min(delays.size() - 1, Math.ceil(delays.size() * 0.99) - 1)),
            delays.get(delays.size() - 1), actions);
        mesh.close();
        return res;
    }

    public static void main(String[] args) {
        System.out.println("| seed | actions | duplicates/new entry/node | grafts | prunes | arrival p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (long seed = 1; seed <= 3; seed++) {
            Result x = run(seed);
            System.out.printf("| %d | %d | %.3f | %d | %d | %d | %d | %d |%n", seed, x.actions(), x.duplicatesPerNew(),
                x.grafts(), x.prunes(), x.p50(), x.p99(), x.max());
        }
    }
}
