package dev.logmesh.internal.mesh;

import dev.logmesh.testkit.LocalMesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random runs of a simulated mesh of real nodes on the test kit's {@link LocalMesh} (partitions, broken links,
 * crashes and restarts, skewed clocks) over several topologies, each replayable from its seed
 * ({@code -Dlogmesh.seed=N} runs just that one). After every run: every node holds the same ids in the same
 * created order, no node applied an id twice, nothing created was lost, and an action created after another
 * was received sorts after it.
 */
class MeshSimulationTest {
    private static final int RUNS_PER_TOPOLOGY = Integer.getInteger("logmesh.runs", 200);

    enum Topology { LINE, RING, STAR, FULL, RANDOM }

    @Test
    void convergesExactlyOnceInOneOrder() {
        String only = System.getProperty("logmesh.seed");
        if (only != null) {
            runAndCheck(Long.parseLong(only));
            return;
        }
        for (long seed = 1; seed <= (long) RUNS_PER_TOPOLOGY * Topology.values().length; seed++) {
            runAndCheck(seed);
        }
    }

    private static void runAndCheck(long seed) {
        try {
            run(seed);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("mesh simulation failed; replay with -Dlogmesh.seed=" + seed + ": "
                + e.getMessage(), e);
        }
    }

    static LocalMesh build(long seed, Topology topology, int n) {
        return declare(seed, topology, n).start();
    }

    /** The mesh of {@link #build}, its nodes and links declared, not started (for more settings). */
    static LocalMesh declare(long seed, Topology topology, int n) {
        // Clocks are skewed by up to ±3 minutes; the drift bound (10 min) is above that, so causality holds.
        LocalMesh mesh = new LocalMesh(seed).maxLatency(20)
            .configure(b -> b.mesh("sim").maxDriftMillis(600_000))
            .sessions(c -> c.withChunks(7, 4096, 3));
        Random r = mesh.random();
        for (int i = 0; i < n; i++) {
            mesh.node("n" + i).skew(r.nextInt(360_001) - 180_000);
        }
        switch (topology) {
            case LINE -> {
                for (int i = 0; i + 1 < n; i++) {
                    mesh.link("n" + i, "n" + (i + 1));
                }
            }
            case RING -> {
                for (int i = 0; i < n; i++) {
                    mesh.link("n" + i, "n" + ((i + 1) % n));
                }
            }
            case STAR -> {
                for (int i = 1; i < n; i++) {
                    mesh.link("n" + i, "n0");
                }
            }
            case FULL -> {
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        mesh.link("n" + i, "n" + j);
                    }
                }
            }
            case RANDOM -> {
                for (int i = 1; i < n; i++) {
                    mesh.link("n" + i, "n" + r.nextInt(i)); // a random tree keeps it connected
                }
                for (int k = 0; k < n; k++) {
                    int a = r.nextInt(n);
                    int b = r.nextInt(n);
                    if (a != b) {
                        mesh.link("n" + a, "n" + b);
                    }
                }
            }
            default -> throw new IllegalStateException();
        }
        return mesh;
    }

    @Test
    void aRunReplaysExactlyFromItsSeed() {
        for (long seed : new long[] {3, 4}) {
            assertEquals(run(seed), run(seed), "seed " + seed);
        }
    }

    /** Runs one seed; returns what each node holds and what the network carried, to compare runs. */
    private static List<String> run(long seed) {
        Topology topology = Topology.values()[(int) (seed % Topology.values().length)];
        Random r = new Random(seed * 31 + 7);
        int n = 3 + r.nextInt(5);
        LocalMesh mesh = build(seed, topology, n);
        List<LocalMesh.Node> nodes = mesh.nodes();
        mesh.run(3_000);
        int created = 0;
        int steps = 20 + r.nextInt(40);
        for (int step = 0; step < steps; step++) {
            LocalMesh.Node node = nodes.get(r.nextInt(n));
            int what = r.nextInt(100);
            if (what < 55) {
                if (node.isUp()) {
                    node.add("a/" + created++);
                }
            } else if (what < 65) {
                mesh.partition(node.name(), nodes.get(r.nextInt(n)).name());
            } else if (what < 72) {
                mesh.heal();
            } else if (what < 80) {
                mesh.breakLink(node.name(), nodes.get(r.nextInt(n)).name());
            } else if (what < 86) {
                mesh.crash(node.name());
            } else if (what < 94) {
                mesh.bringUp(node.name());
            }
            mesh.run(r.nextInt(2_000));
        }
        // heal everything and let the mesh settle
        mesh.heal();
        nodes.forEach(x -> mesh.bringUp(x.name()));
        mesh.run(120_000);
        check(mesh, topology);
        List<String> outcome = new java.util.ArrayList<>();
        for (LocalMesh.Node x : nodes) {
            outcome.add(x.nodeId() + " " + x.ids() + " " + x.traffic());
        }
        mesh.close();
        return outcome;
    }

    /**
     * The mesh's guarantee ({@link LocalMesh#check}): every node holds the same ids in the same created order
     * (id order), nothing created was lost, no node applied an id twice, and an action created after another
     * was received sorts after it.
     */
    static void check(LocalMesh mesh, Object label) {
        mesh.check(String.valueOf(label));
    }
}
