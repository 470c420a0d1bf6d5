package dev.logmesh.internal.mesh;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.NodeInternals;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.LocalNetwork;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test): one node adds {@code burst} actions at once into a fresh full mesh of {@code nodes}
 * (seeded simulation, fake clock; every link still eager, as in a mesh just started): the payload entries each other
 * node received that it had already (duplicates), per entry and the most at one node, the prunes, and the time from
 * the add to the arrival at each other node (p50, p99). Checks the guarantees after each run. Args: {@code [nodes
 * [burst [latencyMs [bandwidthBytesPerSecond]]]]}; system properties {@code bench.warm} (actions from random nodes
 * first: a formed tree), {@code bench.rate} (adds a second at the origin, as stdin's lines reach a CLI node;
 * 0: all at once), {@code bench.cpu} (each node's loop cost per byte it sends or receives, ns; 0: free) and
 * {@code bench.seeds}; run by {@code scripts/bench-gossip --burst}.
 */
public final class BurstBench {
    /** Actions from random nodes before the burst ({@code bench.warm}; 0: the burst meets a fresh mesh). */
    static final int WARM = Integer.getInteger("bench.warm", 0);
    /** Adds per second at the origin ({@code bench.rate}; 0: all at once). */
    static final int RATE = Integer.getInteger("bench.rate", 0);
    /** Each node's loop cost per byte of a frame it sends or receives, in ns ({@code bench.cpu}; 0: free). */
    static final long CPU = Long.getLong("bench.cpu", 0);
    /** Seeds 1 to this ({@code bench.seeds}). */
    static final int SEEDS = Integer.getInteger("bench.seeds", 3);

    private BurstBench() {
    }

    /** What one run measured. */
    record Result(long duplicates, long maxAtNode, double perEntry, long prunes, long grafts, int largestGraft,
        long p50, long p99, long last) {
    }

    static LocalMesh fullMesh(long seed, int nodes, long latency, long bandwidth) {
        return fullMesh(seed, nodes, latency, bandwidth, CPU);
    }

    static LocalMesh fullMesh(long seed, int nodes, long latency, long bandwidth, long cpu) {
        LocalMesh mesh = new LocalMesh(seed).configure(b -> b.mesh("burst").overlay(false));
        mesh.net().bandwidth(bandwidth).latency(1, Math.max(1, latency)).cpu(cpu);
        for (int i = 0; i < nodes; i++) {
            mesh.node("n" + i);
        }
        for (int i = 0; i < nodes; i++) {
            for (int j = i + 1; j < nodes; j++) {
                mesh.link("n" + i, "n" + j);
            }
        }
        mesh.start();
        mesh.run(5_000);
        return mesh;
    }

    /** Adds {@code burst} actions at the first node of a fresh mesh and measures what it cost (see the class). */
    static Result run(long seed, int nodes, int burst, long latency, long bandwidth) {
        return run(seed, nodes, burst, latency, bandwidth, RATE, CPU);
    }

    /**
     * As above, the adds coming at {@code rate} a second (0: all at once) and each node's loop spending {@code cpu}
     * ns on each byte it sends or receives (0: free; {@link LocalNetwork#cpu}).
     */
    static Result run(long seed, int nodes, int burst, long latency, long bandwidth, int rate, long cpu) {
        LocalMesh mesh = fullMesh(seed, nodes, latency, bandwidth, cpu);
        List<LocalMesh.Node> all = mesh.nodes();
        if (WARM > 0) {
            GossipCostTest.warmUp(mesh, new java.util.Random(seed), nodes, WARM);
            mesh.run(5_000);
        }
        Map<ActionId, Long> addedAt = new HashMap<>();
        List<Long> delays = new ArrayList<>();
        for (LocalMesh.Node n : all) {
            n.node().subscribe(e -> true, e -> {
                Long t = addedAt.get(e.id());
                if (t != null && !e.id().node().equals(n.nodeId())) {
                    delays.add(mesh.loop().now() - t);
                }
            });
        }
        long[] before = new long[nodes];
        for (int i = 0; i < nodes; i++) {
            before[i] = all.get(i).traffic().entriesReceived();
        }
        LocalMesh.Node origin = all.get(0);
        Action a = Action.ofType("burst");
        long start = mesh.loop().now();
        for (int k = 0; k < burst; k++) {
            if (rate > 0 && k > 0 && k % Math.max(1, rate / 1000) == 0) {
                mesh.run(1); // a stream of adds, as stdin's lines reach a CLI node
            }
            addedAt.put(origin.add(a).id(), mesh.loop().now());
        }
        long last = -1;
        while (mesh.loop().now() - start < 600_000) {
            mesh.run(10);
            if (delays.size() == (long) burst * (nodes - 1)) {
                last = mesh.loop().now() - start;
                break;
            }
        }
        mesh.run(30_000);
        mesh.check("burst seed " + seed);
        long duplicates = 0;
        long most = 0;
        long prunes = 0;
        long grafts = 0;
        int largestGraft = 0;
        for (int i = 0; i < nodes; i++) {
            long d = all.get(i).traffic().entriesReceived() - before[i] - (i == 0 ? 0 : burst);
            duplicates += d;
            most = Math.max(most, d);
            Plumtree p = NodeInternals.plumtree(all.get(i).node());
            prunes += p.prunes();
            grafts += p.grafts();
            largestGraft = Math.max(largestGraft, p.largestGraft());
        }
        Collections.sort(delays);
        Result r = new Result(duplicates, most, duplicates / (double) ((long) burst * (nodes - 1)), prunes, grafts,
            largestGraft, delays.get(delays.size() / 2), delays.get((int) Math.ceil(delays.size() * 0.99) - 1), last);
        mesh.close();
        return r;
    }

    public static void main(String[] args) {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int burst = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        long latency = args.length > 2 ? Long.parseLong(args[2]) : 5;
        long bandwidth = args.length > 3 ? Long.parseLong(args[3]) : 0;
        System.out.println("| seed | nodes | burst | duplicates | most at a node | per entry per node | prunes | grafts "
            + "| largest graft | arrival p50 ms | p99 ms | all in ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (long seed = 1; seed <= SEEDS; seed++) {
            Result x = run(seed, nodes, burst, latency, bandwidth);
            System.out.printf("| %d | %d | %d | %d | %d | %.3f | %d | %d | %d | %d | %d | %d |%n", seed, nodes,
                burst, x.duplicates(), x.maxAtNode(), x.perEntry(), x.prunes(), x.grafts(), x.largestGraft(), x.p50(),
                x.p99(), x.last());
        }
    }
}
