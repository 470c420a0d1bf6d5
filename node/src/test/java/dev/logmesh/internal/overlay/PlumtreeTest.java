package dev.logmesh.internal.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gossip cost over the overlay (the targets): Plumtree (SRDS 2007) over the active views of a 100-node
 * {@link OverlayWorld}, a tree per origin. Per action, once the trees are built: every node delivers
 * it once, payload sends ≤ 1.1 × (N − 1), id announcements per node ≤ the active view size, and the last node
 * has it within ⌈log₂N⌉ + 3 link latencies. Plus: a broken tree link is repaired by GRAFT (tree repair) and the repaired
 * tree costs N − 1 again.
 */
class PlumtreeTest {
    private static final int N = 100;
    private static Map<String, Set<String>> overlay;
    private static List<String> origins;

    @BeforeAll
    static void buildOverlay() {
        OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(11));
        world.start(N);
        world.run(40);
        world.quiesce();
        assertEquals(List.of(), world.check());
        overlay = world.activeGraph();
        List<String> all = new ArrayList<>(overlay.keySet());
        Random random = new Random(5);
        origins = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            origins.add(all.get(random.nextInt(all.size())));
        }
    }

    private static GossipSim warm(GossipSim.Mode mode, boolean perOrigin) {
        GossipSim sim = new GossipSim(overlay, mode, perOrigin, 10, false, 1);
        for (String o : origins) {
            assertEquals(N, sim.broadcast(o).delivered());
        }
        return sim;
    }

    @Test
    void plumtreeOverTheOverlayMeetsTheTargets() {
        GossipSim sim = warm(GossipSim.Mode.PLUMTREE, true);
        int hops = (int) Math.ceil(Math.log(N) / Math.log(2)) + 3;
        Random random = new Random(9);
        for (int i = 0; i < 50; i++) {
            GossipSim.Cost c = sim.broadcast(origins.get(random.nextInt(origins.size())));
            assertEquals(N, c.delivered(), "nothing lost");
            assertTrue(c.payloads() <= 1.1 * (N - 1), "payload sends " + c.payloads());
            assertTrue(c.announcements() <= (long) OverlayConfig.DEFAULT_MAX_ACTIVE * N, "ids " + c.announcements());
            assertTrue(c.lastDelivery() <= hops, "last node after " + c.lastDelivery() + " hops");
        }
    }

    @Test
    void aBrokenTreeLinkIsRepairedByGraft() {
        GossipSim sim = warm(GossipSim.Mode.PLUMTREE, true);
        String origin = origins.get(0);
        assertEquals(N - 1, sim.broadcast(origin).payloads());
        // break an eager link of origin's tree that is not next to the origin
        String[] link = sim.eagerLinks().stream().filter(l -> !l[0].equals(origin) && !l[1].equals(origin))
            .findFirst().orElseThrow();
        sim.linkDown(link[0], link[1]);
        // the subtree behind it gets IHAVEs, grafts after the timer, and still has the message
        GossipSim.Cost repaired = sim.broadcast(origin);
        assertEquals(N, repaired.delivered());
        assertTrue(repaired.lastDelivery() > 10, "waited for the GRAFT timer: " + repaired);
        // the grafted link is now part of the tree
        GossipSim.Cost after = sim.broadcast(origin);
        assertEquals(N, after.delivered());
        assertTrue(after.payloads() <= 1.1 * (N - 1), after.toString());
    }

    @Test
    void floodingCostsAPayloadPerLinkAndDirection() {
        GossipSim sim = warm(GossipSim.Mode.FLOOD, false);
        GossipSim.Cost c = sim.broadcast(origins.get(0));
        assertEquals(N, c.delivered());
        long links = overlay.values().stream().mapToLong(Set::size).sum() / 2;
        // every node forwards to all neighbours but the one it got it from: 2 × links − (N − 1)
        assertEquals(2 * links - (N - 1), c.payloads());
    }

    @Test
    void aSharedTreeOverAFullMeshIsTodaysCost() {
        // today's logmesh: Plumtree over a full mesh: N − 1 payloads, but about N − 2 ids per node
        GossipSim sim = new GossipSim(GossipSim.fullMesh(20), GossipSim.Mode.PLUMTREE, false, 10, false, 1);
        sim.broadcast("n0");
        GossipSim.Cost c = sim.broadcast("n7");
        assertEquals(20, c.delivered());
        assertEquals(19, c.payloads());
        // n7 announces to its 18 lazy peers, n0 (the hub) to none, each of the 18 others to 18
        assertEquals(18 + 18 * 18, c.announcements());
        assertEquals(2, c.lastDelivery());
    }
}
