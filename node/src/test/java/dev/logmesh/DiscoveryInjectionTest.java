package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.discovery.Announcement;
import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.StaticDiscovery;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node takes any {@link Discovery}, not only mDNS: here a static list, on the in-memory network. */
class DiscoveryInjectionTest {
    @Test
    void aNodeDialsThePeersItsInjectedDiscoveryReports() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        List<Announcement> seen = new ArrayList<>();
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").mdns(false).memory().loop(loop)
                 .transport(net.transport("a")).build())) {
            loop.runAll();
            NodeConfig bc = NodeConfig.builder().name("b").mdns(false).memory().loop(loop).transport(net.transport("b"))
                .discovery(me -> {
                    seen.add(me);
                    return new StaticDiscovery(List.of(InetSocketAddress.createUnresolved("a", 1)), loop);
                }).build();
            try (MeshNode b = MeshNode.start(bc)) {
                loop.advance(1000);
                assertEquals(1, seen.size());
                assertEquals(b.nodeId(), seen.get(0).nodeId());
                var unused = b.add(Action.ofType("x"));
                loop.advance(1000);
                var entries = a.entries();
                loop.runAll();
                assertTrue(entries.join().stream().anyMatch(e -> e.action().type().equals("x")));
            }
        }
    }
}
