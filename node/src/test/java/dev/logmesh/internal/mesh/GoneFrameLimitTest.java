package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.Criteria;
import dev.logmesh.NodeInternals;
import dev.logmesh.testkit.LocalMesh;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A reconciliation round that finds many ids the peer lacks and this node cleaned answers them with
 * {@code logmesh:gone} frames within the peer's frame limit. Before, they went as one frame: a node that had cleaned
 * 2,000 actions (16 KiB frames; at the default 1 MiB, about 40,000) sent a fresh peer one gone frame over its limit,
 * the peer ended the session as {@code wrong-format}, and every session the dialer opened again ended so after its
 * first round (session 19, a breaker's run: 8 sessions a minute, an error frame each).
 */
class GoneFrameLimitTest {

    @Test
    void goneAnswersOfARoundAreCutToThePeersFrameLimit() {
        int cleaned = 2_000;
        LocalMesh mesh = new LocalMesh(3).configure(b -> b.mesh("gone").maxFrameBytes(16_384));
        mesh.node("c");
        mesh.start();
        for (int i = 0; i < cleaned; i++) {
            mesh.get("c").node().add(Action.ofType("old/" + i));
        }
        mesh.runAll();
        CompletableFuture<Integer> cleaning = mesh.get("c").node().removeReason("mesh", Criteria.ALL);
        mesh.runAll();
        assertEquals(cleaned, cleaning.join());

        // a fresh node d; c dials it, so c starts the rounds: each finds the cleaned ids as what d lacks
        mesh.start("d");
        mesh.get("c").dial("d");
        mesh.stop("c");
        mesh.restart("c");
        mesh.run(90_000);
        mesh.get("c").add("after");
        mesh.run(5_000);

        LocalMesh.Node c = mesh.get("c");
        LocalMesh.Node d = mesh.get("d");
        String sessions = NodeInternals.sessions(c.node());
        assertEquals(0, c.traffic().received("error"), "d refused nothing c sent: " + sessions);
        assertEquals(1, c.traffic().sent("connect"), "one session, never ended: " + sessions);
        assertTrue(d.ids().size() == 1, "d holds the new action only: " + d.ids());
        mesh.close();
    }
}
