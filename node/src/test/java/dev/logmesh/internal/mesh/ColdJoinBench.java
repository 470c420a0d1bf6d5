package dev.logmesh.internal.mesh;

import dev.logmesh.NodeInternals;
import dev.logmesh.testkit.LocalMesh;
import java.util.List;

/**
 * Benchmark (not a test): a cold node joins a mesh of {@link #WARM} warm nodes that hold {@link #ENTRIES} entries
 * (seeded simulation, fake clock) and dials every one of them: payload entries it received against the entries it
 * needed, its grafts and prunes, and the simulated time until it held them all. Args: {@code [entries [latencyMs
 * [bandwidthBytesPerSecond]]]}. Run by {@code scripts/bench-gossip --cold}.
 */
public final class ColdJoinBench {
    static final int WARM = 5;
    static final int ENTRIES = 50_000;

    private ColdJoinBench() {
    }

    /** What one join measured. */
    record Result(long received, long needed, long grafts, long prunes, long millis, long sentByPeers) {
    }

    static Result run(long seed, int entries, long latency, long bandwidth) {
        LocalMesh mesh = new LocalMesh(seed).maxLatency(latency)
            .configure(b -> b.mesh("cold").overlay(false));
        mesh.net().bandwidth(bandwidth);
        for (int i = 0; i < WARM; i++) {
            for (int j = i + 1; j < WARM; j++) {
                mesh.link("w" + i, "w" + j);
            }
        }
        mesh.start();
        mesh.run(5_000);
        List<LocalMesh.Node> warm = mesh.nodes();
        for (int i = 0; i < entries; i++) {
            warm.get(i % WARM).add("e/" + i);
            if (i % 500 == 499) {
                mesh.run(100);
            }
        }
        mesh.run(60_000);
        for (LocalMesh.Node w : warm) {
            if (w.ids().size() != entries) {
                throw new IllegalStateException(w.name() + " holds " + w.ids().size() + " of " + entries);
            }
        }
        long sentBefore = warm.stream().mapToLong(w -> w.traffic().entriesSent()).sum();
        LocalMesh.Node cold = mesh.node("cold");
        for (LocalMesh.Node w : warm) {
            cold.dial(w.name());
        }
        long start = mesh.loop().now();
        mesh.start();
        long done = -1;
        while (mesh.loop().now() - start < 600_000) {
            mesh.run(50);
            if (NodeInternals.log(cold.node()).size() >= entries) {
                done = mesh.loop().now() - start;
                break;
            }
        }
        mesh.run(30_000);
        mesh.check("cold join");
        Plumtree p = NodeInternals.plumtree(cold.node());
        long sentByPeers = warm.stream().mapToLong(w -> w.traffic().entriesSent()).sum() - sentBefore;
        Result r = new Result(cold.traffic().entriesReceived(), entries, p.grafts(), p.prunes(), done, sentByPeers);
        mesh.close();
        return r;
    }

    public static void main(String[] args) {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : ENTRIES;
        long latency = args.length > 1 ? Long.parseLong(args[1]) : 5;
        long bandwidth = args.length > 2 ? Long.parseLong(args[2]) : 0;
        System.out.println("| seed | entries needed | payload entries received | received / needed | grafts | prunes "
            + "| time to all (simulated ms) | payload entries the peers sent |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (long seed = 1; seed <= 3; seed++) {
            Result x = run(seed, entries, latency, bandwidth);
            System.out.printf("| %d | %d | %d | %.2f | %d | %d | %d | %d |%n", seed, x.needed(), x.received(),
                x.received() / (double) x.needed(), x.grafts(), x.prunes(), x.millis(), x.sentByPeers());
        }
    }
}
