package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.Store;
import dev.logmesh.spi.Transport;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Whole nodes on a given loop and transport ({@link NodeConfig.Builder#loop}, {@link NodeConfig.Builder#transport},
 * {@link NodeConfig.Builder#store}): the embedding API on the test kit's manual loop and in-memory network,
 * without sockets or threads.
 */
class MeshNodeLocalTest {
    final ManualLoop loop = new ManualLoop(1_000_000);
    final LocalNetwork net = new LocalNetwork(loop);

    NodeConfig.Builder config(String name, String... peers) {
        NodeConfig.Builder b = NodeConfig.builder().name(name).loop(loop).transport(net.transport(name)).mdns(false);
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return b;
    }

    MeshNode start(String name, String... peers) throws IOException {
        return MeshNode.start(config(name, peers).build());
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // adds complete on the manual loop; the logs are asserted after
    void nodesSyncAndSubscribersSeeEachActionOnceInLocalOrder() throws IOException {
        try (MeshNode alice = start("alice"); MeshNode bob = start("bob", "alice")) {
            List<String> seenByBob = new ArrayList<>();
            bob.subscribe("chat/add", e -> seenByBob.add(e.action().get("text").asText()));
            CompletableFuture<Meta> added = alice.add(Action.parse("{\"type\":\"chat/add\",\"text\":\"hi\"}"));
            loop.runAll();
            assertTrue(added.isDone(), "optimistic: in the local log at once");
            bob.add(Action.parse("{\"type\":\"chat/add\",\"text\":\"hello\"}"));
            bob.add(Action.ofType("other"));
            loop.advance(100);
            assertEquals(List.of("hello", "hi"), seenByBob.stream().sorted().toList());
            CompletableFuture<List<Entry>> a = alice.entries();
            CompletableFuture<List<Entry>> b = bob.entries();
            loop.runAll();
            assertEquals(a.join().stream().map(Entry::id).toList(), b.join().stream().map(Entry::id).toList());
            assertEquals(3, a.join().size());
            // every entry is kept with the node's own reason, so it can serve catch-up later
            assertTrue(a.join().stream().allMatch(e -> e.meta().reasons().contains("mesh")));
        }
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // adds complete on the manual loop; the logs are asserted after
    void actionsAddedOfflineSyncLater() throws IOException {
        try (MeshNode alice = start("alice"); MeshNode bob = start("bob", "alice")) {
            loop.advance(100);
            net.down("bob");
            loop.advance(100);
            bob.add(Action.ofType("offline/1"));
            alice.add(Action.ofType("online/1"));
            loop.advance(10_000);
            CompletableFuture<List<Entry>> whileDown = alice.entries();
            loop.runAll();
            assertEquals(1, whileDown.join().size());
            net.up("bob");
            loop.advance(30_000); // the dialer retries with backoff
            CompletableFuture<List<Entry>> a = alice.entries();
            CompletableFuture<List<Entry>> b = bob.entries();
            loop.runAll();
            assertEquals(2, a.join().size());
            assertEquals(a.join().stream().map(Entry::id).toList(), b.join().stream().map(Entry::id).toList());
        }
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // adds complete on the manual loop; the logs are asserted after
    void aConnectedPeerTellsHowMuchItHadSoTheOtherSideCanShowCatchUpProgress() throws IOException {
        try (MeshNode alice = start("alice")) {
            for (int i = 0; i < 1_200; i++) {
                alice.add(Action.ofType("bulk/" + i));
            }
            loop.runAll();
            try (MeshNode bob = start("bob", "alice")) {
                loop.advance(1_000);
                CompletableFuture<List<MeshNode.PeerStatus>> peers = bob.peers();
                CompletableFuture<List<MeshNode.PeerStatus>> alicePeers = alice.peers();
                loop.runAll();
                MeshNode.PeerStatus a = peers.join().get(0);
                assertEquals(alice.nodeId(), a.nodeId());
                assertEquals(1_200, a.theirLastAdded(), "alice's lastAdded when the session connected");
                assertEquals(1_200, a.theirAddedProcessed(), "caught up");
                assertEquals(0, alicePeers.join().get(0).theirLastAdded(), "bob had nothing");
            }
        }
    }

    @Test
    void theTransportFactoryGetsTheNodesLoopAndTheNodeClosesTheTransportButNotTheLoopNorAGivenStore()
        throws IOException {
        List<Loop> loops = new ArrayList<>();
        List<String> events = new ArrayList<>();
        Function<Loop, Transport> local = net.transport("alice");
        Store store = new MemoryStore();
        NodeConfig config = config("alice").store(store).transport(l -> {
            loops.add(l);
            Transport t = local.apply(l);
            return new Transport() {
                @Override
                public URI listen(String host, int port, Consumer<Connection> acceptor) throws IOException {
                    events.add("listen");
                    return t.listen(host, port, acceptor);
                }

                @Override
                public Connection dial(URI url) {
                    return t.dial(url);
                }

                @Override
                public void close() {
                    events.add("close");
                    t.close();
                }
            };
        }).build();
        MeshNode alice = MeshNode.start(config);
        assertEquals(List.of(loop), loops, "called once, with the node's loop");
        assertEquals(LocalNetwork.url("alice"), alice.url());
        alice.add(Action.ofType("kept"));
        loop.runAll();
        String id = alice.nodeId();
        alice.close();
        assertEquals(List.of("listen", "close"), events);

        // the loop still runs (other nodes may live on it) and the store is still open
        loop.advance(10_000);
        assertEquals(1, store.size());
        try (MeshNode again = MeshNode.start(config)) {
            assertEquals(id, again.nodeId(), "the same node, from its store");
            CompletableFuture<List<Entry>> entries = again.entries();
            loop.runAll();
            assertEquals(List.of("kept"), entries.join().stream().map(e -> e.action().type()).toList());
        }
        assertEquals(1, store.size(), "usable after the second close too");
    }

    @Test
    void anEntryOverThePeersFrameLimitIsNotSentToItOverAGivenTransportToo() throws IOException {
        try (MeshNode alice = MeshNode.start(config("alice").maxFrameBytes(1024).build());
             MeshNode bob = start("bob", "alice")) {
            List<String> errors = new ArrayList<>();
            alice.addListener(new MeshNode.Listener() {
                @Override
                public void error(String message) {
                    errors.add(message);
                }
            });
            loop.advance(100);
            bob.add(Action.parse("{\"type\":\"big\",\"text\":\"" + "x".repeat(2_000) + "\"}"));
            loop.advance(100);
            // alice told bob its frame limit: bob never sends the entry, so nothing is refused and the link stays
            assertEquals(0, net.traffic("alice").sent("error"), net.traffic("alice").toString());
            assertEquals(List.of(), errors);
            CompletableFuture<List<Entry>> entries = alice.entries();
            loop.runAll();
            assertEquals(List.of(), entries.join());
        }
    }

    @Test
    void configRefusesWhatCannotWorkTogether() {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
            () -> config("a").store(new MemoryStore()).dataDir(Path.of("x")).build());
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        IllegalArgumentException tls = assertThrows(IllegalArgumentException.class,
            () -> config("a").tlsTrust(Path.of("ca.pem")).build());
        assertTrue(tls.getMessage().contains("TLS"), tls.getMessage());
        // peer URLs are the given transport's business; WebSocket needs ws:// or wss://
        config("a").peer(URI.create("local://b")).build();
        assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().peer(URI.create("local://b")).build());
        assertEquals(null, config("a").memory().build().store());
        // a ping its peers would take for a flood, a timeout within the graft delay: said in the caller's terms
        IllegalArgumentException ping = assertThrows(IllegalArgumentException.class,
            () -> config("a").ping(10, 8_000).build());
        assertTrue(ping.getMessage().startsWith("ping must be at least 100 ms"), ping.getMessage());
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
            () -> config("a").ping(4_000, 300).build());
        assertTrue(timeout.getMessage().startsWith("timeout must be at least 301 ms"), timeout.getMessage());
        config("a").ping(NodeConfig.MIN_PING_MILLIS, NodeConfig.MIN_TIMEOUT_MILLIS).build();
    }
}
