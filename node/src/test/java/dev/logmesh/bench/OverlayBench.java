package dev.logmesh.bench;

import dev.logmesh.internal.overlay.GossipSim;
import dev.logmesh.internal.overlay.OverlayConfig;
import dev.logmesh.internal.overlay.OverlayWorld;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark (not a test) of broadcast cost per action, for N = 10, 100, 1000 nodes on one simulated LAN: the
 * bounded-degree overlay (HyParView, default maxActive 5, built by {@code OverlayWorld} with everyone discovering
 * everyone) against today's full mesh, with Plumtree (a tree per origin, or one shared tree) and with flooding.
 * Every link takes one time unit, so "hops" is the time until the last node has the action, in link latencies
 * (GRAFT timers of 10 latencies included). Workload: 20 origins (all N if fewer); each broadcasts twice to build
 * the trees, then 50 actions from random origins are measured (10 for the 1000-node full mesh). Prints Markdown.
 * Run by {@code scripts/bench-overlay}.
 */
public final class OverlayBench {
    private static final int GRAFT_TIMEOUT = 10;

    private OverlayBench() {
    }

    public static void main(String[] args) {
        System.out.println("| N | topology | sessions/node | gossip | payload sends/action | ÷ (N−1) "
            + "| id announcements/node/action | hops to last node (avg / max) | target ⌈log₂N⌉+3 |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        List<String> upkeep = new ArrayList<>();
        for (int n : new int[] {10, 100, 1000}) {
            OverlayWorld world = new OverlayWorld(OverlayWorld.options().seed(n));
            world.start(n);
            int ticks = 60;
            world.run(ticks);
            world.quiesce();
            if (!world.check().isEmpty()) {
                throw new IllegalStateException("overlay broken: " + world.check());
            }
            long overlayMessages = world.messages().values().stream().mapToLong(Long::longValue).sum();
            upkeep.add(String.format("| %d | %.2f | %s |", n, overlayMessages / (double) n / ticks, world.degrees()));
            Map<String, ? extends Collection<String>> hpv = world.activeGraph();
            Map<String, ? extends Collection<String>> mesh = GossipSim.fullMesh(n);
            int[] origins = origins(n);
            row(n, "HyParView", hpv, GossipSim.Mode.PLUMTREE, true, origins, 50);
            row(n, "HyParView", hpv, GossipSim.Mode.PLUMTREE, false, origins, 50);
            row(n, "HyParView", hpv, GossipSim.Mode.FLOOD, false, origins, 50);
            row(n, "full mesh (today)", mesh, GossipSim.Mode.PLUMTREE, false, origins, n >= 1000 ? 10 : 50);
            row(n, "full mesh", mesh, GossipSim.Mode.FLOOD, false, origins, n >= 1000 ? 3 : 50);
        }
        System.out.println();
        System.out.println("Overlay upkeep while building it (" + OverlayConfig.DEFAULT_MAX_ACTIVE
            + " active, shuffle every " + OverlayConfig.DEFAULT_SHUFFLE_PERIOD_TICKS + " ticks), first 60 ticks:");
        System.out.println();
        System.out.println("| N | overlay messages/node/tick | active view sizes (size=nodes) |");
        System.out.println("|---|---|---|");
        upkeep.forEach(System.out::println);
    }

    private static int[] origins(int n) {
        Random random = new Random(3);
        int[] origins = new int[Math.min(n, 20)];
        for (int i = 0; i < origins.length; i++) {
            origins[i] = n <= 20 ? i : random.nextInt(n);
        }
        return origins;
    }

    private static void row(int n, String topology, Map<String, ? extends Collection<String>> graph,
        GossipSim.Mode mode, boolean perOrigin, int[] origins, int actions) {
        GossipSim sim = new GossipSim(graph, mode, perOrigin, GRAFT_TIMEOUT, false, 1);
        for (int o : origins) {
            sim.broadcast(o);
            sim.broadcast(o);
        }
        Random random = new Random(9);
        long payloads = 0;
        long announcements = 0;
        long hops = 0;
        long maxHops = 0;
        for (int i = 0; i < actions; i++) {
            GossipSim.Cost c = sim.broadcast(origins[random.nextInt(origins.length)]);
            if (c.delivered() != n) {
                throw new IllegalStateException("lost: " + c);
            }
            payloads += c.payloads();
            announcements += c.announcements();
            hops += c.lastDelivery();
            maxHops = Math.max(maxHops, c.lastDelivery());
        }
        double sessions = graph.values().stream().mapToInt(Collection::size).average().orElse(0);
        String gossip = mode == GossipSim.Mode.FLOOD ? "flooding"
            : perOrigin ? "Plumtree, tree per origin" : "Plumtree, one shared tree";
        System.out.printf("| %d | %s | %.1f | %s | %.1f | %.3f | %.2f | %.1f / %d | %d |%n", n, topology, sessions,
            gossip, payloads / (double) actions, payloads / (double) actions / (n - 1),
            announcements / (double) actions / n, hops / (double) actions, maxHops,
            (int) Math.ceil(Math.log(n) / Math.log(2)) + 3);
    }
}
