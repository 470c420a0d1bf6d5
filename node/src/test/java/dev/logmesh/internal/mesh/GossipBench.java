package dev.logmesh.internal.mesh;

/**
 * Benchmark (not a test): payload sends per action in a simulated full mesh, flooding vs Plumtree, for
 * several mesh sizes. Run by {@code scripts/bench-gossip}.
 */
public final class GossipBench {
    private GossipBench() {
    }

    public static void main(String[] args) {
        System.out.println("| nodes | flooding payloads/action | Plumtree payloads/action | (N-1) | (N-1)^2 |");
        System.out.println("|---|---|---|---|---|");
        for (int n : new int[] {5, 10, 20}) {
            double flood = 0;
            double tree = 0;
            int seeds = 3;
            for (long seed = 1; seed <= seeds; seed++) {
                flood += GossipCostTest.steadyStateCost(GossipCostTest.fullMesh(seed, false, n), seed, n);
                tree += GossipCostTest.steadyStateCost(GossipCostTest.fullMesh(seed, true, n), seed, n);
            }
            System.out.printf("| %d | %.1f | %.2f | %d | %d |%n", n, flood / seeds, tree / seeds, n - 1,
                (n - 1) * (n - 1));
        }
    }
}
