package dev.logmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.discovery.Announcement;
import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.Peer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The test kit's simulated LAN ({@link LocalLan}). */
class LocalLanTest {
    /** A listener that notes who was found ({@code +id}) and lost ({@code -id}). */
    static Discovery.Listener noting(List<String> events) {
        return new Discovery.Listener() {
            @Override
            public void peerFound(Peer peer) {
                events.add("+" + peer.nodeId());
            }

            @Override
            public void peerLost(String nodeId) {
                events.add("-" + nodeId);
            }
        };
    }

    static Announcement node(String id) {
        return new Announcement(id, "m", 5, 1, Map.of());
    }

    /**
     * A node closes its discovery on a thread of its own ({@code logmesh-discovery-close}), as the Discovery contract
     * allows. LocalLan did the close there: it drew from the run's seeded random and scheduled the others'
     * {@code peerLost} on the manual loop from that thread while the test's thread ran the loop, so a seeded run did
     * not always replay (session 38: a 100-node ScaleSimulationTest took another path from its churn phase on and
     * settled in 10 s where the same code's other runs settled in 5). Now the close is applied on the LAN's thread.
     */
    @Test
    void aCloseFromAnotherThreadTouchesTheLoopAndTheRandomOnlyOnTheLansThread() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000, 7);
        LocalLan lan = new LocalLan(loop).jitter(loop.random(), 20, 120);
        List<String> heardByA = new CopyOnWriteArrayList<>();
        Discovery a = lan.join("a", node("a:1"));
        Discovery b = lan.join("b", node("b:1"));
        a.start(noting(heardByA));
        b.start(noting(new CopyOnWriteArrayList<>()));
        loop.advance(1_000);
        assertEquals(List.of("+b:1"), heardByA);
        int pending = loop.pending();
        Thread closing = new Thread(b::close, "logmesh-discovery-close");
        closing.start();
        closing.join();
        assertEquals(pending, loop.pending(), "nothing was scheduled on the manual loop from the closing thread");
        assertEquals(1, lan.size(), "b left once the LAN's thread applied its close");
        loop.advance(1_000);
        assertEquals(List.of("+b:1", "-b:1"), heardByA, "a hears b leave");
    }
}
