package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.LocalMesh;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Catch-up progress (issue 14): the receiving node hears of it (first batch, at most twice a second, the end); the
 * sending node hears nothing. On the kit's fake clock, with a fixed link latency so the catch-up takes time.
 */
class CatchUpProgressTest {
    /** One {@link MeshNode.Listener#catchUp} call, with the loop's time. */
    record Progress(String peer, long done, long total, double perSecond, long at) {
    }

    static List<Progress> record(LocalMesh mesh, MeshNode node) {
        List<Progress> seen = new ArrayList<>();
        node.addListener(new MeshNode.Listener() {
            @Override
            public void catchUp(String nodeId, long done, long total, double perSecond) {
                seen.add(new Progress(nodeId, done, total, perSecond, mesh.loop().now()));
            }
        });
        return seen;
    }

    @Test
    void theReceiverHearsOfItsCatchUpRateLimitedAndTheSenderHearsNothing() {
        try (LocalMesh mesh = new LocalMesh(14)) {
            mesh.net().latency(50, 50);
            // small chunks and window: 2,000 entries take 20 round trips of 100 ms
            mesh.sessions(sc -> sc.withChunks(100, 512 * 1024, 1));
            MeshNode alice = mesh.start("alice");
            List<Progress> atAlice = record(mesh, alice);
            for (int i = 0; i < 2_000; i++) {
                alice.add(Action.ofType("item/add"));
            }
            mesh.runAll();
            // bob joins: alice's 2,000 entries are his catch-up
            MeshNode bob = mesh.start("bob", "alice");
            List<Progress> atBob = record(mesh, bob);
            mesh.run(10_000);
            mesh.check();

            assertEquals(List.of(), atAlice, "the sending side hears of no catch-up");
            assertTrue(atBob.size() >= 3, "first batch, progress, end: " + atBob);
            Progress first = atBob.get(0);
            Progress last = atBob.get(atBob.size() - 1);
            assertEquals(alice.nodeId(), first.peer());
            assertEquals(0, first.done(), "told when the first batch arrives, before it is applied");
            assertEquals(2_000, first.total());
            assertEquals(2_000, last.done(), "the last call says done = total");
            assertEquals(2_000, last.total());
            assertTrue(last.perSecond() > 0);
            for (int i = 1; i < atBob.size() - 1; i++) {
                assertTrue(atBob.get(i).at() - atBob.get(i - 1).at() >= 500, "at most twice a second: " + atBob);
                assertTrue(atBob.get(i).done() > atBob.get(i - 1).done(), "done grows: " + atBob);
            }
            // a later reconnect with nothing new to receive tells nothing
            atBob.clear();
            mesh.crash("bob");
            mesh.restart("bob");
            atBob.addAll(record(mesh, mesh.get("bob").node()));
            mesh.run(10_000);
            assertEquals(List.of(), atBob, "nothing to catch up: no progress");
            assertEquals(List.of(), atAlice, "bob's log holds alice's entries, which he never sends back: alice "
                + "has nothing to catch up either");
        }
    }
}
