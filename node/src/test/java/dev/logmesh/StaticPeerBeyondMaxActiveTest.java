package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A node with more static peers ({@code --peer}) than its active view holds: the ones beyond {@code maxActive} are
 * not pinned, and each must be in the passive view (a known peer to replace an active one with), never in neither
 * view. CliTest saw one in neither in about a quarter of its runs (issue 13 area).
 */
class StaticPeerBeyondMaxActiveTest {
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void aStaticPeerBeyondMaxActiveIsInThePassiveView(long seed) throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        Random random = new Random(seed);
        List<MeshNode> nodes = new ArrayList<>();
        try {
            for (String h : List.of("b", "c", "d")) {
                nodes.add(NodeInternals.start(NodeConfig.builder().name(h).mdns(false).memory().loop(loop)
                    .transport(net.transport(h)).build(), List.of(), new Random(random.nextLong()),
                    h + ":" + Long.toHexString(random.nextLong()), null));
            }
            NodeConfig.Builder ac = NodeConfig.builder().name("a").mdns(false).memory().maxActive(2).loop(loop)
                .transport(net.transport("a"));
            for (String h : List.of("b", "c", "d")) {
                ac.peer(LocalNetwork.url(h));
            }
            MeshNode a = NodeInternals.start(ac.build(), List.of(), new Random(random.nextLong()),
                "a:" + Long.toHexString(random.nextLong()), null);
            nodes.add(a);
            loop.advance(30_000);
            var view = a.overlay();
            loop.runAll(); // the call runs on the node's loop: the manual one
            OverlayView v = view.join();
            List<String> all = new ArrayList<>();
            v.active().forEach(id -> all.add(id.replaceFirst(":.*", "")));
            v.passive().forEach(id -> all.add(id.replaceFirst(":.*", "")));
            assertEquals(2, v.active().size(), v.toString());
            assertEquals(List.of("b", "c", "d"), all.stream().sorted().toList(), v.toString());
            assertTrue(v.passive().size() == 1, v.toString());
        } finally {
            nodes.forEach(MeshNode::close);
        }
    }
}
