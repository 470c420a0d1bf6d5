package dev.logmesh.internal.mesh;

import dev.logmesh.testkit.LocalMesh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Payload transmissions per action in a full mesh of 10 nodes: flooding sends about (N−1)² copies of each
 * action; Plumtree, once its tree has formed, about N−1 (payload on tree links, ids on the others), and
 * still loses nothing when tree links fail. The nodes keep the overlay off: with it (the default), a node keeps
 * entries on at most {@code maxActive} of its links and the mesh is no longer a full one.
 */
class GossipCostTest {
    private static final int N = 10;
    private static final int ACTIONS = 200;

    static LocalMesh fullMesh(long seed, boolean plumtree) {
        return fullMesh(seed, plumtree, N);
    }

    static LocalMesh fullMesh(long seed, boolean plumtree, int n) {
        LocalMesh mesh = new LocalMesh(seed).maxLatency(10)
            .configure(b -> b.mesh("cost").overlay(false)) // a full mesh: every link carries entries
            .sessions(c -> c.withPlumtree(plumtree, 300));
        for (int i = 0; i < n; i++) {
            mesh.node("n" + i);
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mesh.link("n" + i, "n" + j);
            }
        }
        return mesh.start();
    }

    /** Action entries sent in {@code sync} frames by every node, as the network counted them. */
    static long payload(LocalMesh mesh) {
        return mesh.nodes().stream().mapToLong(x -> x.traffic().entriesSent()).sum();
    }

    /** Payload sends per action for actions added one at a time from random nodes, after a warm-up. */
    static double steadyStateCost(LocalMesh mesh, long seed) {
        return steadyStateCost(mesh, seed, N);
    }

    /** 5 s, then {@code count} actions from random nodes of the first {@code n}, one every 50 ms (trees settle). */
    static void warmUp(LocalMesh mesh, Random r, int n, int count) {
        List<LocalMesh.Node> nodes = mesh.nodes();
        mesh.run(5_000);
        for (int i = 0; i < count; i++) {
            nodes.get(r.nextInt(n)).add("warm/" + i);
            mesh.run(50);
        }
    }

    static double steadyStateCost(LocalMesh mesh, long seed, int n) {
        Random r = new Random(seed);
        List<LocalMesh.Node> nodes = mesh.nodes();
        warmUp(mesh, r, n, 100);
        mesh.run(5_000);
        long before = payload(mesh);
        for (int i = 0; i < ACTIONS; i++) {
            nodes.get(r.nextInt(n)).add("x/" + i);
            mesh.run(50);
        }
        mesh.run(5_000);
        return (payload(mesh) - before) / (double) ACTIONS;
    }

    @Test
    void floodingSendsEachActionOnNearlyEveryLink() {
        LocalMesh mesh = fullMesh(1, false);
        double cost = steadyStateCost(mesh, 1);
        MeshSimulationTest.check(mesh, "flooding");
        assertTrue(cost > 60, "flooding sends about (N-1)^2 payloads per action, measured " + cost);
    }

    @Test
    void plumtreeSendsAboutNMinusOnePayloadsPerAction() {
        for (long seed = 1; seed <= 5; seed++) {
            LocalMesh mesh = fullMesh(seed, true);
            double cost = steadyStateCost(mesh, seed);
            MeshSimulationTest.check(mesh, "plumtree seed " + seed);
            assertTrue(cost <= 1.2 * (N - 1), "seed " + seed + ": " + cost + " payload sends per action");
        }
    }

    @Test
    void plumtreeLosesNothingWhenTreeLinksFail() {
        LocalMesh mesh = fullMesh(7, true);
        steadyStateCost(mesh, 7);
        Random r = new Random(7);
        List<LocalMesh.Node> nodes = mesh.nodes();
        for (int round = 0; round < 20; round++) {
            // break a few links, including tree links, while actions flow
            for (int k = 0; k < 5; k++) {
                mesh.breakLink("n" + r.nextInt(N), "n" + r.nextInt(N));
            }
            for (int i = 0; i < 10; i++) {
                nodes.get(r.nextInt(N)).add("f/" + round + "/" + i);
                mesh.run(r.nextInt(30));
            }
        }
        mesh.run(60_000);
        MeshSimulationTest.check(mesh, "plumtree with failing links");
    }
}
