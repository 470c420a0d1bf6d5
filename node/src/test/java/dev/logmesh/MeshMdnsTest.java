package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real nodes that find each other by mDNS on 127.0.0.1 only (the test JVM uses port 15353, see the parent
 * pom) and sync over real WebSockets, with no static peers.
 */
@Tag("slow")
class MeshMdnsTest {
    private final String mesh = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<MeshNode> nodes = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.parallelStream().forEach(MeshNode::close);
    }

    private MeshNode start(String name, Set<String> connected) throws IOException {
        MeshNode n = MeshNode.start(NodeConfig.builder().name(name).mesh(mesh).host("127.0.0.1").mdns(true)
            .interfaces(List.of("127.0.0.1")).build(), List.of(new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean up) {
                    if (up) {
                        connected.add(nodeId);
                    } else {
                        connected.remove(nodeId);
                    }
                }
            }));
        nodes.add(n);
        return n;
    }

    @Test
    void nodesFindEachOtherAndSyncWithoutStaticPeers() throws Exception {
        Set<String> aPeers = ConcurrentHashMap.newKeySet();
        Set<String> bPeers = ConcurrentHashMap.newKeySet();
        Set<String> cPeers = ConcurrentHashMap.newKeySet();
        MeshNode a = start("a", aPeers);
        MeshNode b = start("b", bPeers);
        MeshNode c = start("c", cPeers);
        await().atMost(Duration.ofSeconds(30)).until(() ->
            aPeers.size() == 2 && bPeers.size() == 2 && cPeers.size() == 2);
        Meta m = a.add(Action.ofType("found/by-mdns")).get();
        for (MeshNode n : List.of(b, c)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> n.byId(m.id()).get().isPresent());
        }
        // one session per pair, whoever dialed first
        assertEquals(Set.of(b.nodeId(), c.nodeId()), aPeers);
    }

    @Test
    void aNodeOfAnotherMeshIsIgnored() throws Exception {
        Set<String> aPeers = ConcurrentHashMap.newKeySet();
        MeshNode a = start("a", aPeers);
        MeshNode other = MeshNode.start(NodeConfig.builder().name("x").mesh(mesh + "-other").host("127.0.0.1")
            .mdns(true)
            .interfaces(List.of("127.0.0.1")).build());
        nodes.add(other);
        Set<String> bPeers = ConcurrentHashMap.newKeySet();
        MeshNode b = start("b", bPeers);
        // each side reports the session when its own handshake step completes: wait for both, not one
        await().atMost(Duration.ofSeconds(30)).until(() -> aPeers.contains(b.nodeId()) && bPeers.contains(a.nodeId()));
        // by then the other mesh's node has been announced as long as b was: it must not be a peer
        assertEquals(Set.of(b.nodeId()), aPeers);
        assertEquals(Set.of(a.nodeId()), bPeers);
    }
}
