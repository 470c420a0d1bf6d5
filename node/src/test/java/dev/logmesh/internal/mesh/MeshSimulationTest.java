package dev.logmesh.internal.mesh;

import dev.logmesh.testkit.LocalMesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.logmesh.ActionId;
import dev.logmesh.internal.session.SessionConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random runs of a simulated mesh (partitions, broken links, crashes and restarts, skewed clocks) over
 * several topologies, each replayable from its seed ({@code -Dlogmesh.seed=N} runs just that one). After
 * every run: every node holds the same ids in the same created order, no node applied an id twice, nothing
 * created was lost, and an action created after another was received sorts after it.
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
        SessionConfig config = SessionConfig.defaults("sim").withChunks(7, 4096, 3);
        // Clocks are skewed by up to ±3 minutes; the drift bound (10 min) is above that, so causality holds.
        LocalMesh mesh = new LocalMesh(seed, config, 600_000).maxLatency(20);
        Random r = mesh.random;
        for (int i = 0; i < n; i++) {
            mesh.node("n" + i, r.nextInt(360_001) - 180_000);
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

    private static void run(long seed) {
        Topology topology = Topology.values()[(int) (seed % Topology.values().length)];
        Random r = new Random(seed * 31 + 7);
        int n = 3 + r.nextInt(5);
        LocalMesh mesh = build(seed, topology, n);
        List<LocalMesh.SimNode> nodes = mesh.nodes();
        mesh.run(3_000);
        int created = 0;
        int steps = 20 + r.nextInt(40);
        for (int step = 0; step < steps; step++) {
            LocalMesh.SimNode node = nodes.get(r.nextInt(n));
            int what = r.nextInt(100);
            if (what < 55) {
                if (node.isUp()) {
                    node.add("a/" + created++);
                }
            } else if (what < 65) {
                mesh.partition(node.id, nodes.get(r.nextInt(n)).id);
            } else if (what < 72) {
                mesh.heal();
            } else if (what < 80) {
                mesh.breakLink(node.id, nodes.get(r.nextInt(n)).id);
            } else if (what < 86) {
                mesh.crash(node.id);
            } else if (what < 94) {
                mesh.restart(node.id);
            }
            mesh.run(r.nextInt(2_000));
        }
        // heal everything and let the mesh settle
        mesh.heal();
        nodes.forEach(x -> mesh.restart(x.id));
        mesh.run(120_000);
        check(mesh, topology);
    }

    static void check(LocalMesh mesh, Object label) {
        List<LocalMesh.SimNode> nodes = mesh.nodes();
        Set<ActionId> createdIds = new HashSet<>();
        for (LocalMesh.SimNode x : nodes) {
            createdIds.addAll(x.createdAfter.keySet());
        }
        List<ActionId> reference = nodes.get(0).ids();
        for (LocalMesh.SimNode x : nodes) {
            List<ActionId> ids = x.ids();
            assertEquals(new HashSet<>(createdIds), new HashSet<>(ids), label + ": " + x.id + " holds another set");
            assertEquals(reference, ids, label + ": " + x.id + " has another created order");
            for (Map.Entry<ActionId, Integer> e : x.applied.entrySet()) {
                if (e.getValue() != 1) {
                    fail(label + ": " + x.id + " applied " + e.getKey() + " " + e.getValue() + " times");
                }
            }
            for (Map.Entry<ActionId, ActionId> c : x.createdAfter.entrySet()) {
                if (c.getValue() != null) {
                    assertTrue(c.getValue().compareTo(c.getKey()) < 0,
                        label + ": " + c.getKey() + " was created after " + c.getValue() + " but sorts before it");
                }
            }
        }
        List<ActionId> sorted = new ArrayList<>(reference);
        sorted.sort(null);
        assertEquals(sorted, reference, "created order is id order");
    }
}
