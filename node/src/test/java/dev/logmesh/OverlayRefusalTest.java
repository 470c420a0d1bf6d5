package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A node whose overlay dials a node found by discovery (mDNS on a LAN) that refuses it, here for another mesh key.
 * Session 36 (ops36): the overlay backed the peer off quietly (a DEBUG line), so a node with a wrong key, or a clock
 * too far off, that only dialled stayed alone without a word on stdout or in its log; {@code refused} alone told an
 * embedding app, and the command line printed nothing for it. Now the dialer says it once, in words, as a static
 * peer's dialer does, until a session with that peer opens.
 */
class OverlayRefusalTest {

    /** A discovery that reports one identified peer, as mDNS does, at {@code host} of the in-memory network. */
    private static Discovery finds(ManualLoop loop, String nodeId, String mesh, String host) {
        return new Discovery() {
            @Override
            public void start(Listener listener) {
                Peer p = new Peer(nodeId, mesh, 5, List.of(InetSocketAddress.createUnresolved(host, 1)), Map.of());
                loop.execute(() -> listener.peerFound(p));
            }

            @Override
            public void reannounce() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void aPeerThatRefusesTheOverlaysDialsIsSaidOnceInWords() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        List<String> refusals = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        MeshNode.Listener eveHears = new MeshNode.Listener() {
            @Override
            public void refused(String nodeId, String reason) {
                refusals.add(nodeId + " " + reason);
            }

            /** Also the words of a refusal: this listener does not tell them apart ({@code refusalError}'s default). */
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        try (MeshNode alice = alice(loop, net)) {
            loop.runAll();
            // eve finds alice (alice, without discovery, never dials eve): every session is a dial of eve's overlay
            NodeConfig eveConfig = eveFinding(loop, net, alice);
            try (MeshNode eve = MeshNode.start(eveConfig, List.of(eveHears))) {
                // 2 min: the overlay's back-off (2, 4, 8, 16, 32, 64 s) lets it dial alice several times
                loop.advance(120_000);
                java.util.concurrent.CompletableFuture<List<MeshNode.PeerStatus>> peers = eve.peers();
                loop.runAll();
                assertTrue(peers.join().stream().noneMatch(MeshNode.PeerStatus::connected), "eve stays alone");
                List<String> ofAlice = refusals.stream().filter(r -> r.startsWith(alice.nodeId() + " ")).toList();
                assertTrue(ofAlice.size() >= 3, "eve's overlay dialled alice several times: " + refusals);
                assertTrue(ofAlice.get(0).contains("refused this node: wrong-credentials"), ofAlice.toString());
                // once, in words, with what to do; before: nothing (expected: <1> but was: <0>)
                assertEquals(1, errors.size(), errors.toString());
                String line = errors.get(0);
                assertTrue(line.startsWith(alice.nodeId() + " at ws://alice:1 refused this node (wrong-credentials"),
                    line);
                assertTrue(line.contains("the mesh keys differ"), line);
                assertTrue(line.contains("the overlay dials it again only after a back-off"), line);
            }
        }
    }

    /**
     * The same node's status file ({@code logmesh peers}): before (session 36) alice was in no list of eve's, since
     * the overlay removes a peer whose dial failed from its passive view, and eve's {@code logmesh peers} showed an
     * empty table; now alice is listed, not connected, with the last refusal and its time.
     */
    @Test
    void theStatusListsANodeThatRefusedTheOverlaysDialsWithWhy() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        try (MeshNode alice = alice(loop, net)) {
            loop.runAll();
            NodeConfig eveConfig = eveFinding(loop, net, alice);
            try (MeshNode eve = MeshNode.start(eveConfig)) {
                loop.advance(30_000);
                java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode> status =
                    eve.status();
                loop.runAll();
                List<com.fasterxml.jackson.databind.JsonNode> ofAlice = new java.util.ArrayList<>();
                status.join().path("peers").forEach(p -> {
                    if (p.path("node").asText().equals(alice.nodeId())) {
                        ofAlice.add(p);
                    }
                });
                // before: "expected: <1> but was: <0>"
                assertEquals(1, ofAlice.size(), status.join().path("peers").toString());
                com.fasterxml.jackson.databind.JsonNode p = ofAlice.get(0);
                assertEquals(false, p.path("connected").asBoolean(true), p.toString());
                assertTrue(p.path("refused").asText().startsWith("refused this node: wrong-credentials"), p.toString());
                assertTrue(p.path("refusedAt").asLong() > 1_000_000 && p.path("refusedAt").asLong() <= loop.now(),
                    p.toString());
            }
        }
    }

    /**
     * A --peer that refuses this node (another key) is one entry of the status, with why, also when this node knows the
     * node id behind its URL (it connected before, under the key it had then). ops42 looked here for the two entries of
     * one refused --peer seen in ux41 (the URL's and the refusal's, kept by the URL): this path makes one (the refusal
     * is kept by the node id the dial expected); the CLI merges the two shapes ({@code PeersCommand.onePerPeer}).
     */
    @Test
    void aStaticPeerThatRefusesIsOneEntryOfTheStatusWithWhy(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        java.nio.file.Path data = dir.resolve("eve");
        try (MeshNode alice = alice(loop, net)) {
            loop.runAll();
            // eve's first start has alice's key: it connects, and remembers which node answers at ws://alice:1
            try (MeshNode eve = MeshNode.start(eve(loop, net, data, "alice-key"))) {
                loop.advance(10_000);
                java.util.concurrent.CompletableFuture<List<MeshNode.PeerStatus>> peers = eve.peers();
                loop.runAll();
                assertTrue(peers.join().stream().anyMatch(MeshNode.PeerStatus::connected), peers.join().toString());
            }
            loop.runAll();
            // restarted with another key: alice refuses it
            try (MeshNode eve = MeshNode.start(eve(loop, net, data, "another-key"))) {
                loop.advance(30_000);
                java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode> status =
                    eve.status();
                loop.runAll();
                com.fasterxml.jackson.databind.JsonNode peers = status.join().path("peers");
                assertEquals(1, peers.size(), "peers of eve, whose --peer is alice (" + alice.nodeId() + "): " + peers);
                com.fasterxml.jackson.databind.JsonNode p = peers.get(0);
                assertEquals(alice.nodeId(), p.path("node").asText(), p.toString());
                assertEquals("ws://alice:1", p.path("url").asText(), p.toString());
                assertEquals(false, p.path("connected").asBoolean(true), p.toString());
                assertTrue(p.path("refused").asText().startsWith("refused this node: wrong-credentials"), p.toString());
            }
        }
    }

    /** A listener that writes each refusal ({@code refused NODE REASON}) and error ({@code error MESSAGE}) it hears. */
    static MeshNode.Listener refusalsAndErrorsInto(List<String> heard) {
        return new MeshNode.Listener() {
            @Override
            public void refused(String nodeId, String reason) {
                heard.add("refused " + nodeId + " " + reason);
            }

            @Override
            public void error(String message) {
                heard.add("error " + message);
            }
        };
    }

    /**
     * keep47: an open mesh (no keys); bob is a memory node, a static peer of carol's, and restarts with a new id at the
     * same address. Carol's overlay kept bob's old id pinned at that address and dialled it; the new bob refused
     * ("this is NEW, not OLD", as wrong-credentials with no reason on the wire), and carol said "refused this node
     * (wrong-credentials: the mesh keys differ, or this node has none ...)" and backed the old id off. Now the new bob
     * says who it is, carol forgets the old id without a refusal or an error, and is connected to the new bob.
     */
    @Test
    void aMemoryPeerThatRestartsWithANewIdIsNoRefusalAndIsReconnected() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        List<String> heard = new CopyOnWriteArrayList<>();
        MeshNode.Listener carolHears = refusalsAndErrorsInto(heard);
        try (MeshNode alice = open(loop, net, "alice")) {
            MeshNode bob = open(loop, net, "bob", "ws://alice:1");
            String oldBob = bob.nodeId();
            NodeConfig carolConfig = NodeConfig.builder().name("carol").mdns(false).memory().loop(loop)
                .transport(net.transport("carol")).peer(java.net.URI.create("ws://alice:1"))
                .peer(java.net.URI.create("ws://bob:1")).build();
            try (MeshNode carol = MeshNode.start(carolConfig, List.of(carolHears))) {
                loop.advance(10_000);
                assertTrue(connected(loop, carol).containsAll(List.of(alice.nodeId(), oldBob)),
                    connected(loop, carol).toString());

                // bob dies and comes back at once, a memory node: a new id at the same address
                bob.close();
                loop.runAll();
                bob = open(loop, net, "bob", "ws://alice:1");
                String newBob = bob.nodeId();
                loop.advance(6_000);
                // carol's dial of the old id met the new one: the old id is not in the mesh any more, though its
                // last presence record expires only later (before, session 47: listed until then)
                java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode> soon =
                    carol.status();
                loop.runAll();
                assertTrue(!soon.join().path("mesh").toString().contains(oldBob), soon.join().toString());
                loop.advance(114_000);

                // before: [refused bob:... refused this node: wrong-credentials, error bob:... at ws://bob:1 refused
                // this node (wrong-credentials: the mesh keys differ, ...)]
                assertEquals(List.of(), heard.stream().filter(h -> h.contains(oldBob) || h.contains("keys differ"))
                    .toList());
                assertTrue(connected(loop, carol).contains(newBob), connected(loop, carol).toString());
                java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode> status =
                    carol.status();
                loop.runAll();
                assertTrue(status.join().path("peers").toString().contains(newBob), status.join().toString());
                // the old id is gone: not listed, neither as a peer (its cursor) nor in the mesh (its presence record);
                // before, both until the record expired, the cursor for as long as carol ran
                assertTrue(!status.join().path("peers").toString().contains(oldBob), status.join().toString());
                assertTrue(!connectedOrNot(loop, carol).contains(oldBob), connectedOrNot(loop, carol).toString());
            } finally {
                bob.close();
            }
        }
    }

    /**
     * As {@link #aMemoryPeerThatRestartsWithANewIdIsNoRefusalAndIsReconnected} in a keyed mesh, restarted twice: a
     * keyed dialer names the node it expects at a {@code --peer} URL in its proof, so the static dialer met "this is
     * NEW, not OLD" at every dial (break47: an error blaming wrong-credentials, then the refusal back-off up to 10 min,
     * and after the second restart nothing reconnected for minutes).
     */
    @Test
    void aKeyedMemoryPeerThatRestartsTwiceWithNewIdsIsNoRefusalAndIsReconnectedEachTime() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        List<String> heard = new CopyOnWriteArrayList<>();
        MeshNode.Listener carolHears = refusalsAndErrorsInto(heard);
        MeshNode bob = keyed(loop, net, "bob");
        NodeConfig carolConfig = NodeConfig.builder().name("carol").mdns(false).memory().loop(loop)
            .transport(net.transport("carol")).key(MESH_KEY.getBytes(StandardCharsets.UTF_8))
            .peer(java.net.URI.create("ws://bob:1")).build();
        try (MeshNode carol = MeshNode.start(carolConfig, List.of(carolHears))) {
            loop.advance(10_000);
            assertTrue(connected(loop, carol).contains(bob.nodeId()), connected(loop, carol).toString());
            for (int restart = 1; restart <= 2; restart++) {
                bob.close();
                loop.runAll();
                bob = keyed(loop, net, "bob");
                String newBob = bob.nodeId();
                loop.advance(15_000);
                assertEquals(List.of(), heard, "restart " + restart);
                assertTrue(connected(loop, carol).contains(newBob),
                    "restart " + restart + ": " + connected(loop, carol));
            }
        } finally {
            bob.close();
        }
    }

    private static final String MESH_KEY = "break47-mesh-key";

    /** A memory node at {@code host} of the test network with {@link #MESH_KEY}, dialing nobody. */
    private static MeshNode keyed(ManualLoop loop, LocalNetwork net, String host) throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name(host).mdns(false).memory().loop(loop)
            .transport(net.transport(host)).key(MESH_KEY.getBytes(StandardCharsets.UTF_8)).build());
        loop.runAll();
        return node;
    }

    /** The node ids {@code node} lists as its peers, with a session now or not. */
    private static List<String> connectedOrNot(ManualLoop loop, MeshNode node) {
        java.util.concurrent.CompletableFuture<List<MeshNode.PeerStatus>> peers = node.peers();
        loop.runAll();
        return peers.join().stream().map(MeshNode.PeerStatus::nodeId).toList();
    }

    /** The node ids {@code node} has a session with now. */
    private static List<String> connected(ManualLoop loop, MeshNode node) {
        java.util.concurrent.CompletableFuture<List<MeshNode.PeerStatus>> peers = node.peers();
        loop.runAll();
        return peers.join().stream().filter(MeshNode.PeerStatus::connected).map(MeshNode.PeerStatus::nodeId).toList();
    }

    /** A memory node of an open mesh (no key) at {@code host} of the test network, dialing {@code peers}. */
    private static MeshNode open(ManualLoop loop, LocalNetwork net, String host, String... peers) throws Exception {
        NodeConfig.Builder b = NodeConfig.builder().name(host).mdns(false).memory().loop(loop)
            .transport(net.transport(host));
        for (String p : peers) {
            b.peer(java.net.URI.create(p));
        }
        MeshNode node = MeshNode.start(b.build());
        loop.runAll();
        return node;
    }

    /** Eve with a data directory and {@code key}, whose --peer is alice. */
    private static NodeConfig eve(ManualLoop loop, LocalNetwork net, java.nio.file.Path data, String key) {
        return NodeConfig.builder().name("eve").mdns(false).dataDir(data).loop(loop).transport(net.transport("eve"))
            .key(key.getBytes(StandardCharsets.UTF_8)).peer(java.net.URI.create("ws://alice:1")).build();
    }

    /** Alice: a keyed node on the test network, without discovery (it never dials). */
    private static MeshNode alice(ManualLoop loop, LocalNetwork net) throws Exception {
        return MeshNode.start(NodeConfig.builder().name("alice").mdns(false).memory().loop(loop)
            .transport(net.transport("alice")).key("alice-key".getBytes(StandardCharsets.UTF_8)).build());
    }

    /** Eve: another key, and a discovery that finds alice, so eve's overlay dials her. */
    private static NodeConfig eveFinding(ManualLoop loop, LocalNetwork net, MeshNode alice) {
        return NodeConfig.builder().name("eve").mdns(false).memory().loop(loop)
            .transport(net.transport("eve")).key("another-key".getBytes(StandardCharsets.UTF_8))
            .discovery(me -> finds(loop, alice.nodeId(), me.mesh(), "alice")).build();
    }
}
