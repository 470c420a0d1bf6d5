package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A burst at one node of a fresh mesh (every link still eager): each redundant eager link stops carrying payload
 * within a bounded number of entries after its first duplicate reaches the peer, whatever the burst's size
 * (session 41's finding: 10,033-24,033 duplicates at each warm CLI node for 50,000 adds). Seeded, fake clock.
 */
class GossipBurstTest {
    static final int NODES = 5;
    static final int BURST = 20_000;

    /**
     * The bound: a node of a full mesh has {@code NODES - 2} redundant links, and each carries at most the payload
     * ramp's allowance after its first duplicate: its start, grown once if the first answered sync came before the
     * first duplicate (the links of a fresh mesh race for the first frames): SyncSession's EAGER_START_ENTRIES (64)
     * times EAGER_GROWTH (4) per link.
     */
    static final long BOUND = (NODES - 2L) * 64 * 4;

    @Test
    void burstAtOneNodeOfAFreshMeshCostsBoundedDuplicates() {
        for (long seed = 1; seed <= 2; seed++) {
            BurstBench.Result r = BurstBench.run(seed, NODES, BURST, 5, 0); // checks the guarantees too
            assertTrue(r.maxAtNode() <= BOUND, "seed " + seed + ": " + r.maxAtNode() + " duplicate payload entries at "
                + "one node for a burst of " + BURST + " (bound " + BOUND + "); " + r);
        }
    }
}
