package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * break51: a peer whose clock is 40 days behind (a machine with a wrong date) makes actions now whose ids are older
 * than the seen horizon (30 days). A node with right clock that cleans them (retention, {@code removeReason}) forgets
 * their seen ids at its next start (the sweep: ids older than the horizon), and the wild peer's next reconciliation
 * round (its cutoff counts from its own clock, so it includes them) gives them again: each applied once more per
 * restart. Replayed with real processes by {@code break51/wild-clock-twice.sh} (libfaketime {@code -40d}).
 */
class WildClockPeerTwiceTest {

    private static final long DAY = 24L * 3600 * 1000;
    /** A date of 2026 (the kit's default clock starts in 1970, before any horizon). */
    private static final long NOW = 1_796_600_000_000L;

    /**
     * Starts w (its clock 40 days behind) linked to b, and x (a right clock, which confirms b's) linked to b, adds 5
     * actions on w, and cleans them on b once b has them. Without x, b could not tell whose clock is wrong, and trusts
     * w's cutoff (as a new log far ahead must: {@code WildClockRoundRepairTest}).
     *
     * @return the actions' ids, in the order w added them
     */
    private static List<ActionId> wildActionsCleanedOnB(LocalMesh mesh) {
        mesh.node("w").skew(-40 * DAY);
        mesh.node("b");
        mesh.node("x");
        mesh.link("w", "b");
        mesh.link("x", "b");
        mesh.start();
        mesh.run(5_000);
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(mesh.get("w").add("wild/" + i).id());
            mesh.run(10);
        }
        mesh.run(5_000);
        LocalMesh.Node b = mesh.get("b");
        assertEquals(5, b.ids().size());
        CompletableFuture<Integer> cleaning = b.node().removeReason("mesh", Criteria.ALL);
        mesh.runAll();
        assertEquals(5, cleaning.join());
        assertTrue(b.ids().isEmpty());
        return ids;
    }

    @Test
    void anActionFromAPeerWhoseClockIsFortyDaysBehindIsAppliedOnceAcrossARestart() {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, 51)).configure(b -> b.mesh("wild"));
        List<ActionId> ids = wildActionsCleanedOnB(mesh);
        LocalMesh.Node b = mesh.get("b");

        mesh.stop("b");
        mesh.restart("b");
        mesh.run(120_000); // rounds with w, every 30 s

        for (ActionId id : ids) {
            assertEquals(1, b.applied().get(id), id + " applied once on b");
        }
        mesh.close();
    }

    /**
     * The same without a restart: b's hourly sweep forgets the seen ids of w's cleaned actions and w's next round gives
     * them again, every hour for as long as w holds them. Also counts the entries w's rounds push to b meanwhile.
     */
    @Test
    void anActionFromAPeerWhoseClockIsFortyDaysBehindIsAppliedOnceOverHours() {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, 52)).configure(b -> b.mesh("wild"));
        List<ActionId> ids = wildActionsCleanedOnB(mesh);
        LocalMesh.Node b = mesh.get("b");
        long before = b.traffic().entriesReceived();
        mesh.run(2 * 3_600_000L + 120_000);
        long received = b.traffic().entriesReceived() - before;

        for (ActionId id : ids) {
            assertEquals(1, b.applied().get(id), id + " applied once on b in two hours (entries received: "
                + received + ")");
        }
        mesh.close();
    }
}
