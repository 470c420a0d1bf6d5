package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.testkit.LocalMesh;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * break53b: MeshFrameLimits keeps a smaller peer's --max-frame for 7 days after it was last seen, by the wall clock
 * (MeshNode.nodeFrameLimit and MeshFrameLimits.decode: loop.now()). A node restarted with its clock 8 days ahead
 * (a VM started with a wrong clock) while the small node is away (a laptop closed for the night) forgets the limit
 * at start and takes an add the small node can never get: it stays in its log, never sent ("not sent ... never get
 * them"), though only a night passed. The seen sweep and retention count from HorizonClock for this very case, and
 * the table's ages now too (failed before: 'a refuses an action s (16 KiB frames, away 10 h) cannot take ==>
 * expected: <true> but was: <false>').
 */
class FrameLimitClockStepTest {
    @Test
    void aClockSetAWeekAheadDoesNotForgetASmallerPeersFrameLimit() {
        assertEquals(true, refusesTheBigAdd(Duration.ofDays(8).toMillis()),
            "a refuses an action s (16 KiB frames, away 10 h) cannot take");
    }

    /** The control: with a right clock, a refuses it (holds). */
    @Test
    void withARightClockTheLimitHolds() {
        assertEquals(true, refusesTheBigAdd(0), "a refuses an action s cannot take");
    }

    static boolean refusesTheBigAdd(long skew) {
        LocalMesh mesh = new LocalMesh(533);
        mesh.node("a");
        mesh.node("s").configure(b -> b.maxFrameBytes(16_384));
        mesh.link("s", "a");
        mesh.start();
        mesh.run(10_000);
        mesh.stop("s"); // the laptop closes for the night
        mesh.stop("a");
        mesh.run(Duration.ofHours(10).toMillis());
        mesh.get("a").skew(skew); // a boots with its clock 8 days ahead
        mesh.restart("a");
        mesh.run(10_000);
        CompletableFuture<Meta> big = mesh.get("a").node().add(Action.parse("{\"type\":\"big\",\"pad\":\""
            + "x".repeat(40_000) + "\"}"));
        mesh.runAll();
        boolean refused = big.isCompletedExceptionally();
        if (!refused) { // taken: set a's clock right, s comes back; s never gets it
            mesh.get("a").skew(0);
            mesh.restart("s");
            mesh.run(60_000);
            assertEquals(1, mesh.get("a").ids().size(), "a holds it");
            assertEquals(0, mesh.get("s").ids().size(), "s never gets it");
        }
        mesh.close();
        return refused;
    }
}
