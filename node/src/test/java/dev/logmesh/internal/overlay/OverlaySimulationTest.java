package dev.logmesh.internal.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hundreds of {@link HyParView} nodes on one simulated LAN where everyone discovers everyone ({@link OverlayWorld}).
 * The property, stated once in {@link OverlayWorld#check()}: once quiet, the active views are symmetric and
 * match open sessions, the overlay is connected, every active view is within maxActive and every passive view
 * within maxPassive, and no node ever held more than maxActive + maxPendingSessions sessions. Each story ends
 * every phase with it.
 */
class OverlaySimulationTest {
    /** Quiesces, checks the property, resumes. */
    private static void assertOverlay(OverlayWorld world, String phase) {
        world.quiesce();
        List<String> violations = world.check();
        assertEquals(List.of(), violations, phase + ": " + world.degrees() + ", " + world.peaks());
        world.resume();
    }

    /**
     * The story: start N nodes at once; run with 1% loss; split 30/70 and run apart; heal and re-merge; churn 10%
     * (half leave, half crash, as many join); each phase ends quiet and checked.
     */
    static OverlayWorld story(int n, long seed) {
        OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(seed).latency(1, 4));
        // everyone starts and discovers everyone
        world.start(n);
        world.run(40);
        assertOverlay(world, "boot");
        // 1% of messages and dials are lost
        world.loss(0.01);
        world.run(20);
        assertOverlay(world, "loss");
        // split: sessions across fail, each side repairs on its own
        world.partition(0.3);
        world.run(30);
        // heal: the two overlays merge again (rotation, discovery)
        world.heal();
        world.loss(0);
        world.run(60);
        assertOverlay(world, "heal");
        // churn: 10% leave (half gracefully, half crash), 10% join
        world.churn(0.1);
        world.run(40);
        assertOverlay(world, "churn");
        return world;
    }

    @ParameterizedTest(name = "{0} nodes, seed {1}")
    @CsvSource({"100, 1", "300, 2"})
    void theOverlayStaysConnectedAndBounded(int n, long seed) {
        OverlayWorld world = story(n, seed);
        assertEquals(n, world.live().size());
        // most nodes have a full active view: the bound is also the typical degree
        Map<Integer, Integer> degrees = world.degrees();
        int full = degrees.getOrDefault(OverlayConfig.DEFAULT_MAX_ACTIVE, 0);
        assertTrue(full > n * 0.7, "degrees " + degrees);
    }

    /**
     * An idle LAN (session 38): no faults, no joins, only the overlay's own timers. Each full node rotates about every
     * 300 ticks (a link to a passive peer, dropping one), by design; before, each rotation left a free slot at the
     * peer each side dropped, and since full nodes accept only high priority (which moves the free slot to the peer
     * they drop) the two slots wandered the mesh until they happened to meet, changing a link and opening refused
     * sessions at every step. Prints the figures ({@code idle overlay N=...}).
     */
    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {100, 300})
    void anIdleOverlayChangesFewLinksBeyondItsRotations(int n) {
        OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(1).latency(1, 4));
        world.start(n);
        world.run(900); // formed, and every node's first rotations (150-450 ticks after its start) are past
        int ticks = 1200;
        long neighbors0 = world.messages().getOrDefault("Neighbor", 0L);
        Set<String> links = undirected(world.activeGraph());
        long changes = 0;
        long belowSamples = 0;
        for (int t = 0; t < ticks; t++) {
            world.run(1);
            Map<String, Set<String>> g = world.activeGraph();
            Set<String> now = undirected(g);
            for (String l : now) {
                changes += links.contains(l) ? 0 : 1;
            }
            for (String l : links) {
                changes += now.contains(l) ? 0 : 1;
            }
            links = now;
            for (Set<String> peers : g.values()) {
                belowSamples += peers.size() < OverlayConfig.DEFAULT_MAX_ACTIVE ? 1 : 0;
            }
        }
        long neighbors = world.messages().getOrDefault("Neighbor", 0L) - neighbors0;
        double rotations = n * (double) ticks / OverlayConfig.DEFAULT_ROTATE_PERIOD_TICKS;
        System.out.printf(java.util.Locale.ROOT, "idle overlay N=%d: %d link changes in %d ticks (%.2f a node per 60"
                + " ticks), %d neighbor requests (%.2f per rotation), %.1f%% of node-ticks below %d active%n", n,
            changes, ticks, changes * 60.0 / ticks / n, neighbors, neighbors / rotations,
            100.0 * belowSamples / ticks / n, OverlayConfig.DEFAULT_MAX_ACTIVE);
        // a rotation changes 4 links at best (the new link, the two dropped ones, and the link between the peers
        // dropped); the mesh pays about that. Seed 1, before (free slots left to wander): 5.9 link changes and 8.5
        // neighbor requests a rotation, 10.5% of node-ticks below the target at 100 nodes (300: 6.0, 8.7, 10.8%);
        // now 4.9, 5.1, 4.4% (300: 4.7, 4.6, 3.5%)
        assertTrue(changes <= 5.3 * rotations, changes + " link changes for " + rotations + " rotations");
        assertTrue(neighbors <= 6.5 * rotations, neighbors + " neighbor requests for " + rotations + " rotations");
        assertTrue(belowSamples <= 0.07 * ticks * n, belowSamples + " node-ticks below the target of " + ticks * n);
    }

    private static Set<String> undirected(Map<String, Set<String>> g) {
        Set<String> out = new java.util.HashSet<>();
        for (Map.Entry<String, Set<String>> e : g.entrySet()) {
            for (String p : e.getValue()) {
                out.add(e.getKey().compareTo(p) < 0 ? e.getKey() + " " + p : p + " " + e.getKey());
            }
        }
        return out;
    }

    @Test
    @Tag("slow")
    void aThousandNodes() {
        OverlayWorld world = story(1000, 1);
        assertEquals(1000, world.live().size());
    }

    /**
     * Session 32 (an operator's trial: 10 nodes in network namespaces, cut 4|6 for a minute): the smaller half's
     * nodes, below their target with every node of their half active, asked the full other half at low priority
     * only and were refused, so the halves merged only when a full node's rotation (every 150-450 ticks) picked a
     * node across: 37-133 s after the heal. A node refused at low priority three times in a row now asks with high
     * priority ({@code HyParView.refillPriority}). Ticks from the heal to one overlay, seeds 1-12: 13-22 (mean 17);
     * before 13-97 (mean 37), and 5 of the 12 failed with "not merged 30 ticks after the heal".
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void theHalvesOfASmallHealedMeshMergeWithinHalfAMinute(long seed) {
        OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(seed).latency(1, 4));
        world.start(10);
        world.run(40);
        world.partition(0.4);
        world.run(60);
        assertFalse(world.connected(), "apart");
        world.heal();
        for (int ticks = 0; !world.connected(); ticks++) {
            assertTrue(ticks < 30, "not merged " + ticks + " ticks after the heal: " + world.degrees());
            world.run(1);
        }
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {2, 3, 4, 5, 6})
    void aSmallMeshIsAFullMesh(int n) {
        // N <= maxActive + 1: every node keeps a session with every other, as before the overlay
        OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(n));
        world.start(n);
        world.run(30);
        assertOverlay(world, "boot");
        for (Set<String> peers : world.activeGraph().values()) {
            assertEquals(n - 1, peers.size(), world.activeGraph().toString());
        }
        // one node crashes and a new one joins: full mesh again
        world.crash(world.live().get(0));
        world.join();
        world.run(40);
        assertOverlay(world, "churn");
        for (Set<String> peers : world.activeGraph().values()) {
            assertEquals(n - 1, peers.size(), world.activeGraph().toString());
        }
    }

    @Test
    void theSameSeedGivesTheSameOverlay() {
        Map<String, Set<String>> a = story(40, 7).activeGraph();
        Map<String, Set<String>> b = story(40, 7).activeGraph();
        assertEquals(a, b);
    }

    @Test
    void forgedAnnouncementsOf3000NodesCostBoundedStateAndDoNotDisturbTheOverlay() {
        // every node hears 3,000 forged nodes (a browse, then in every tick's announcements); dials to them hang
        OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(3).latency(1, 4));
        world.start(100);
        world.run(20);
        world.forge(3000);
        world.run(40);
        world.churn(0.1);
        world.run(30);
        assertOverlay(world, "forged");
        for (String id : world.live()) {
            HyParView.Stats stats = world.node(id).hpv().stats();
            assertTrue(stats.passive() <= OverlayConfig.DEFAULT_MAX_PASSIVE);
        }
        // a node dials a forged node only to fill a free slot, at most maxConcurrentDials at a time, and each such
        // dial is a timeout: a small number per node over 70 ticks
        long forgedDials = world.forgedDials();
        assertTrue(forgedDials < 100 * 10, "dials to forged nodes: " + forgedDials);
        assertTrue(world.node(world.live().get(0)).bounds.containsKey(OverlayListener.Bound.CANDIDATE_RATE));
    }
}
