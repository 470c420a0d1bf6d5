package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Whole nodes on the in-memory network and a manual loop: the embedding API without sockets or threads. */
class MeshNodeLocalTest {
    final ManualLoop loop = new ManualLoop(1_000_000);
    final LocalNetwork net = new LocalNetwork(loop);

    MeshNode start(String name, String... peers) throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name(name).mdns(false);
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return MeshNode.start(b.build(), List.of(), loop, net.transport(name));
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
}
