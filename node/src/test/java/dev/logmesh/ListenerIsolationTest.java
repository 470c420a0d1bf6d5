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

/**
 * Issue 10, fault 7: a listener that throws stopped the rest of its batch's {@code add} events (the subscribers
 * and {@link ReplicatedState}s after it missed them) and the batch was never acknowledged. Failures are now
 * isolated per listener: each is logged with the listener and the entry id, and everything else runs.
 */
class ListenerIsolationTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);

    MeshNode start(String name, List<MeshNode.Listener> listeners, String... peers) throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name(name).mdns(false).loop(loop).transport(net.transport(name));
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return MeshNode.start(b.build(), listeners);
    }

    static String text(Entry e) {
        return e.action().get("text").asText();
    }

    static boolean failsOn(Entry e, String text) {
        if (text(e).equals(text)) {
            throw new IllegalStateException("a bug in the application, on " + text);
        }
        return true;
    }

    @Test
    void aThrowingSubscriberFilterStateOrListenerDoesNotStopTheOthersOfTheBatch() throws IOException {
        try (MeshNode alice = start("alice", List.of())) {
            for (int i = 1; i <= 5; i++) {
                alice.add(ReplicatedStateTest.item(String.valueOf(i)));
            }
            loop.runAll();

            List<String> peerEvents = new ArrayList<>();
            MeshNode.Listener throwing = new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    throw new IllegalStateException("a listener bug");
                }
            };
            MeshNode.Listener recording = new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    peerEvents.add(nodeId + (connected ? " up" : " down"));
                }
            };
            try (MeshNode bob = start("bob", List.of(throwing, recording), "alice")) {
                List<String> first = new ArrayList<>();
                List<String> second = new ArrayList<>();
                // a filter that throws on "2", a consumer that throws on "4", and a good one after them
                bob.subscribe(e -> failsOn(e, "2"), e -> first.add(text(e)));
                bob.subscribe(e -> true, e -> {
                    if (text(e).equals("4")) {
                        throw new IllegalArgumentException("a consumer bug");
                    }
                });
                ReplicatedState<List<String>> broken = ReplicatedState.create(bob,
                    e -> ReplicatedStateTest.isItem(e) && failsOn(e, "3"), List.of(), ReplicatedStateTest::append);
                ReplicatedState<List<String>> good = ReplicatedState.create(bob, ReplicatedStateTest::isItem,
                    List.of(), ReplicatedStateTest::append);
                bob.subscribe(e -> true, e -> second.add(text(e)));

                loop.advance(1_000); // bob dials alice and gets the 5 items in one sync

                assertEquals(List.of("1", "2", "3", "4", "5"), second, "the subscriber after the broken ones");
                assertEquals(List.of("1", "3", "4", "5"), first, "its own filter skipped 2, nothing else");
                assertEquals(List.of("1", "2", "3", "4", "5"), good.state());
                assertEquals(List.of("1", "2", "4", "5"), broken.state(), "3 skipped by its filter only");
                assertEquals(List.of(alice.nodeId() + " up"), peerEvents, "the listener after the throwing one");
                CompletableFuture<List<MeshNode.PeerStatus>> peers = alice.peers();
                loop.runAll();
                assertEquals(0, peers.join().get(0).behind(), "bob acknowledged the whole batch");
            }
        }
    }
}
