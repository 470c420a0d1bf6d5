package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keyed mesh of three nodes (embedded, real WebSockets on 127.0.0.1, mDNS off) rotated from key K1 to K2 one node
 * at a time, as an operator does it (README, "Rotating the key"): each node restarted with K2 as its next key, then
 * each restarted with K2 alone, actions added at every node after every restart. No session is refused at any
 * moment, each restarted node meets both others, and every node ends with every action once, in the same order;
 * then a node on K1 alone is refused as a node with another key is.
 */
class KeyRotationTest {
    private static final byte[] K1 = "old-mesh-key-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] K2 = "new-mesh-key-9876543210".getBytes(StandardCharsets.UTF_8);
    /** Ports of this test (the keys engineer's range, 26000-26999). */
    private static final int[] PORTS = {26101, 26102, 26103};
    private static final int PER_STEP = 20;

    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final Map<String, Set<String>> connected = new ConcurrentHashMap<>();
    private final MeshNode[] nodes = new MeshNode[3];
    private int added;

    private MeshNode start(int i, Path dir, byte[] key, byte[] next) throws Exception {
        String name = "n" + i;
        Set<String> peers = ConcurrentHashMap.newKeySet();
        connected.put(name, peers);
        NodeConfig.Builder b = NodeConfig.builder().name(name).mesh("rotation").host("127.0.0.1").port(PORTS[i])
            .mdns(false).dataDir(dir.resolve(name)).key(key).nextKey(next);
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                b.peer(URI.create("ws://127.0.0.1:" + PORTS[j]));
            }
        }
        MeshNode node = MeshNode.start(b.build(), List.of(new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean up) {
                if (up) {
                    peers.add(nodeId);
                } else {
                    peers.remove(nodeId);
                }
            }

            @Override
            public void refused(String nodeId, String reason) {
                refusals.add(name + " " + nodeId + ": " + reason);
            }
        }));
        nodes[i] = node;
        return node;
    }

    /** Restarts node {@code i} with these keys; waits until it has a session with both others; adds at each node. */
    private void restart(int i, Path dir, byte[] key, byte[] next) throws Exception {
        nodes[i].close();
        MeshNode node = start(i, dir, key, next);
        Set<String> others = new HashSet<>();
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                others.add(nodes[j].nodeId());
            }
        }
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> connected.get("n" + i).containsAll(others));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("n" + i + " did not meet both others within 20 s of its restart; " + refusals.size()
                + " sessions refused, first: " + (refusals.isEmpty() ? "none" : refusals.get(0)), e);
        }
        assertEquals(List.of(), refusals, "no session refused while the mesh rotates");
        addEverywhere();
        assertTrue(node.keyId() != null);
    }

    private void addEverywhere() throws Exception {
        for (MeshNode n : nodes) {
            for (int k = 0; k < PER_STEP; k++) {
                n.add(Action.parse("{\"type\":\"rotation/add\",\"n\":" + added++ + "}")).get(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Waits until every node's status lists all three nodes of the mesh (presence) with these key ids ({@code kid} or
     * {@code kid+next}): what {@code logmesh status} groups for an operator during a rotation. Before (session 39)
     * presence records and status said no key id: "n0 sees [, , ]" for ever.
     */
    private void awaitKeysSeen(String expected) {
        List<String> seen = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (MeshNode n : nodes) {
                    seen.clear();
                    for (com.fasterxml.jackson.databind.JsonNode m
                        : n.status().get(10, TimeUnit.SECONDS).path("mesh").path("nodes")) {
                        seen.add(m.path("keyId").asText() + (m.has("nextKeyId") ? "+" + m.get("nextKeyId").asText() : ""));
                    }
                    if (seen.size() != 3 || !seen.stream().allMatch(expected::equals)) {
                        return false;
                    }
                }
                return true;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("every node's status lists 3 nodes with key ids " + expected + "; last seen: "
                + seen, e);
        }
    }

    private static List<String> ids(MeshNode n) throws Exception {
        List<String> out = new ArrayList<>();
        for (Entry e : n.entries().get(10, TimeUnit.SECONDS)) {
            out.add(e.id().toString());
        }
        return out;
    }

    @Test
    void threeNodesRotateFromK1ToK2WithoutASplit(@TempDir Path dir) throws Exception {
        try {
            for (int i = 0; i < 3; i++) {
                start(i, dir, K1, null);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> connected.values().stream().allMatch(s -> s.size() == 2));
            addEverywhere();
            // step 1: each node in turn holds K1 and, next, K2
            for (int i = 0; i < 3; i++) {
                restart(i, dir, K1, K2);
            }
            String k1 = nodes[0].keyId();
            String k2 = nodes[0].nextKeyId();
            awaitKeysSeen(k1 + "+" + k2);
            // step 2: each node in turn holds K2 alone (K1 dropped)
            for (int i = 0; i < 3; i++) {
                restart(i, dir, K2, null);
            }
            awaitKeysSeen(k2);
            int total = added;
            await("every node holds every action").atMost(Duration.ofSeconds(30)).until(() -> {
                for (MeshNode n : nodes) {
                    if (n.entries().get(10, TimeUnit.SECONDS).size() != total) {
                        return false;
                    }
                }
                return true;
            });
            List<String> first = ids(nodes[0]);
            assertEquals(total, new HashSet<>(first).size(), "each action once");
            assertEquals(first, ids(nodes[1]), "the same order at n0 and n1");
            assertEquals(first, ids(nodes[2]), "the same order at n0 and n2");
            assertEquals(List.of(), refusals);
            assertEquals(nodes[0].keyId(), nodes[2].keyId());

            // K1 dropped: a node still on K1 alone is refused as any node with another key
            Map<String, String> late = new ConcurrentHashMap<>();
            try (MeshNode old = MeshNode.start(NodeConfig.builder().name("late").mesh("rotation").host("127.0.0.1")
                    .port(26104).mdns(false).key(K1).peer(URI.create("ws://127.0.0.1:" + PORTS[0])).build(),
                List.of(new MeshNode.Listener() {
                    @Override
                    public void refused(String nodeId, String reason) {
                        late.put(nodeId, reason);
                    }
                }))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> !late.isEmpty()
                    && refusals.stream().anyMatch(r -> r.contains(old.nodeId())));
                String byN0 = refusals.stream().filter(r -> r.contains(old.nodeId())).findFirst().orElseThrow();
                assertTrue(byN0.contains("refused by this node: wrong key: the dialer proved another "
                    + "mesh key than the listener's (the dialer's key id is " + old.keyId() + ")"), byN0);
                String told = late.values().iterator().next();
                assertEquals("refused this node: wrong-credentials: it says: wrong key: the dialer proved another mesh "
                    + "key than the listener's (the dialer's key id is " + old.keyId() + ")", told);
                assertEquals(total, nodes[0].entries().get(10, TimeUnit.SECONDS).size(), "nothing from the K1 node");
            }
        } finally {
            for (MeshNode n : nodes) {
                if (n != null) {
                    n.close();
                }
            }
        }
    }
}
