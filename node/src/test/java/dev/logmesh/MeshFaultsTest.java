package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Meta;
import dev.logmesh.testkit.Firewall;
import dev.logmesh.testkit.LocalMesh;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Faults told as stories (STYLE 13) on real nodes of the test kit's {@link LocalMesh}: each step is one line,
 * and every story ends with the mesh's guarantee ({@link LocalMesh#check}: same set, same order, each action
 * applied once per node, nothing lost).
 */
class MeshFaultsTest {

    /** Four nodes, every pair linked (the lower name dials). */
    static LocalMesh square(long seed) {
        LocalMesh mesh = new LocalMesh(seed).maxLatency(5);
        List<String> names = List.of("a", "b", "c", "d");
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                mesh.link(names.get(i), names.get(j));
            }
        }
        return mesh.start();
    }

    @Test
    void splitWriteOnBothSidesHealConverge() {
        try (LocalMesh mesh = square(1)) {
            mesh.run(2_000);
            // split: {a, b} | {c, d}
            mesh.partition(List.of("a", "b"), List.of("c", "d"));
            // write on both sides
            Meta left = mesh.get("a").add("left/1");
            Meta right = mesh.get("d").add("right/1");
            mesh.run(10_000);
            // each side has its own only
            assertTrue(mesh.get("b").ids().contains(left.id()));
            assertFalse(mesh.get("b").ids().contains(right.id()));
            assertTrue(mesh.get("c").ids().contains(right.id()));
            assertFalse(mesh.get("c").ids().contains(left.id()));
            // heal: the dialers come back within their backoff
            mesh.heal();
            mesh.run(30_000);
            // converged
            mesh.check("split and healed");
            assertEquals(2, mesh.get("c").ids().size());
        }
    }

    @Test
    void aLinkStalledPastTheTimeoutIsDroppedAndNothingIsLostWhenItRecovers() {
        try (LocalMesh mesh = new LocalMesh(2)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(1_000);
            // stall: everything b sends to a waits 20 s (longer than ping + timeout)
            Firewall.Rule stall = mesh.firewall().on().from("b").to("a").delay(20_000);
            Meta fromB = mesh.get("b").add("b/1");
            Meta fromA = mesh.get("a").add("a/1");
            mesh.run(15_000);
            // a gave up on the silent session; b's action has not arrived
            assertFalse(mesh.get("a").ids().contains(fromB.id()));
            assertTrue(mesh.get("b").ids().contains(fromA.id()), "the other direction flows");
            // recover: the link runs at full speed again
            stall.remove();
            mesh.run(60_000);
            // converged, each action once
            mesh.check("after a stall");
            assertTrue(mesh.net().traffic("b").sent("connect") >= 2, "b dialed again: "
                + mesh.net().traffic("b"));
        }
    }

    @Test
    void aLostSyncedEndsTheSessionByTimeoutAndNothingIsAppliedTwice() {
        try (LocalMesh mesh = new LocalMesh(3)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(1_000);
            // lose one acknowledgement from a to b
            Firewall.Rule lost = mesh.firewall().on("synced").from("a").to("b").times(1).drop();
            mesh.get("b").add("b/1");
            mesh.run(1_000);
            assertEquals(1, lost.hits());
            // b waits for it, times out, dials again and sends from a's cursor
            mesh.run(30_000);
            assertEquals(2, mesh.net().traffic("b").sent("connect"), mesh.net().traffic("b").toString());
            mesh.get("a").add("a/1");
            mesh.run(1_000);
            mesh.check("after a lost synced");
        }
    }

    @Test
    void duplicatedSyncFramesAreAppliedOnce() {
        try (LocalMesh mesh = square(4)) {
            mesh.run(2_000);
            // every sync frame arrives twice
            mesh.firewall().on("sync").duplicate();
            for (int i = 0; i < 10; i++) {
                mesh.get(List.of("a", "b", "c", "d").get(i % 4)).add("x/" + i);
                mesh.run(100);
            }
            mesh.run(30_000);
            assertTrue(mesh.net().traffic("a").received("sync") > 0);
            mesh.check("with duplicated syncs");
        }
    }

    @Test
    void lostAnnouncementsCostNothingWhileTheTreeDeliversThePayload() {
        try (LocalMesh mesh = square(5)) {
            mesh.run(2_000);
            // warm up: duplicates prune links to ids-only, a spanning tree remains
            for (int i = 0; i < 20; i++) {
                mesh.get("a").add("warm/" + i);
                mesh.run(50);
            }
            mesh.run(5_000);
            // announcements on the lazy links are lost from now on
            Firewall.Rule lost = mesh.firewall().on("logmesh:ihave").drop();
            for (int i = 0; i < 10; i++) {
                mesh.get("b").add("x/" + i);
                mesh.run(100);
            }
            mesh.run(10_000);
            assertTrue(lost.hits() > 0, "Plumtree announced ids on lazy links");
            mesh.check("without ihave");
        }
    }

    /** Runs in steps of 100 ms until {@code rule} acted on a frame (a round comes within a period, 24-36 s). */
    static void runUntilHit(LocalMesh mesh, Firewall.Rule rule) {
        long start = mesh.loop().now();
        while (rule.hits() == 0) {
            assertTrue(mesh.loop().now() - start < 60_000, "no frame for " + rule + " within 60 s");
            mesh.run(100);
        }
    }

    /** Milliseconds until {@code node} holds {@code id}, run in steps of 100 ms; fails past {@code withinMillis}. */
    static long millisUntilHeld(LocalMesh mesh, String node, dev.logmesh.ActionId id, long withinMillis) {
        long start = mesh.loop().now();
        while (!mesh.get(node).ids().contains(id)) {
            long waited = mesh.loop().now() - start;
            assertTrue(waited < withinMillis, node + " did not get " + id + " back within " + waited + " ms");
            mesh.run(100);
        }
        return mesh.loop().now() - start;
    }

    /** a and b linked (b dials, so b's rounds ask), then b loses x: corrupt, quarantined; the cursors say b has it. */
    static Meta bLosesX(LocalMesh mesh) {
        mesh.start("a");
        mesh.start("b", "a");
        mesh.run(1_000);
        Meta x = mesh.get("a").add("x");
        mesh.run(1_000);
        assertTrue(mesh.get("b").ids().contains(x.id()));
        mesh.get("b").faults().corrupt(x.id());
        assertFalse(mesh.get("b").ids().contains(x.id()));
        return x;
    }

    /**
     * Session 31 (CI, chaos {@code lossy} seed 850352672, 4 actions given up on): a lost round answer was found only
     * at the round's deadline, a period (30 s), plus a redial. Now the pong to a ping sent after the round's
     * message shows it lost within about a second: the session ends and the next one's round repairs. Failed before
     * with "b did not get ... back within 10000 ms".
     */
    @Test
    void aLostReconciliationAnswerIsFoundBeforeTheRoundsDeadline() {
        try (LocalMesh mesh = new LocalMesh(7)) {
            Meta x = bLosesX(mesh);
            Firewall.Rule lost = mesh.firewall().on("logmesh:range").from("a").times(1).drop();
            runUntilHit(mesh, lost);
            long took = millisUntilHeld(mesh, "b", x.id(), 10_000);
            assertEquals(1, lost.hits());
            assertTrue(took < 10_000, "repaired in " + took + " ms");
            mesh.run(5_000);
            mesh.check("after a lost round answer");
        }
    }

    /**
     * Session 31: a lost {@code logmesh:want} left the round done and the item missing until the next round, a
     * period later (24-36 s). A round that wanted items is now followed by another once the pong to a ping sent
     * after the want shows everything sent for it arrived; that round wants the item again. The session goes on.
     * Failed before with "b did not get ... back within 10000 ms".
     */
    @Test
    void aLostWantIsAskedAgainByAFollowUpRound() {
        try (LocalMesh mesh = new LocalMesh(7)) {
            Meta x = bLosesX(mesh);
            long connects = mesh.net().traffic("b").sent("connect");
            Firewall.Rule lost = mesh.firewall().on("logmesh:want").from("b").times(1).drop();
            runUntilHit(mesh, lost);
            millisUntilHeld(mesh, "b", x.id(), 10_000);
            assertEquals(1, lost.hits());
            assertEquals(connects, mesh.net().traffic("b").sent("connect"), "the session went on");
            mesh.run(5_000);
            mesh.check("after a lost want");
        }
    }

    /**
     * The order the loss detection relies on: a round's answer held up on the link (a stalled link, as TCP holds
     * what follows a lost segment) holds the pong behind it, so a slow answer is waited for, not taken for lost.
     * Every ping and pong arrives twice: a pong is matched to its ping by the time it echoes, not by counting
     * (counted, a second copy of an early pong passed for the answer to a later ping).
     */
    @Test
    void aSlowReconciliationAnswerIsWaitedForAndTheSessionGoesOn() {
        try (LocalMesh mesh = new LocalMesh(7)) {
            Meta x = bLosesX(mesh);
            long connects = mesh.net().traffic("b").sent("connect");
            mesh.firewall().on("ping", "pong").duplicate();
            Firewall.Rule held = mesh.firewall().on("logmesh:range").from("a").times(1).delay(5_000);
            runUntilHit(mesh, held);
            long pings = mesh.net().traffic("b").sent("ping");
            millisUntilHeld(mesh, "b", x.id(), 10_000);
            assertEquals(1, held.hits());
            assertTrue(mesh.net().traffic("b").sent("ping") > pings, "b asked the link with a ping while it waited");
            assertEquals(connects, mesh.net().traffic("b").sent("connect"), "the session went on");
            mesh.check("after a slow round answer");
        }
    }

    /**
     * Found by {@code FaultSimulationTest} (seed 2131): a reconciliation answer lost on the link left the round
     * open for the session's life, so anti-entropy never ran on that link again. A round without an answer for
     * a period now ends the session, as a ping timeout does, and the next session's round repairs.
     */
    @Test
    void aLostReconciliationAnswerEndsTheSessionAndTheNextRoundRepairs() {
        try (LocalMesh mesh = new LocalMesh(7)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(1_000);
            Meta x = mesh.get("a").add("x");
            mesh.run(1_000);
            assertTrue(mesh.get("b").ids().contains(x.id()));
            // b loses x: its entry is corrupt, quarantined on the next read; the cursors say b has it
            mesh.get("b").faults().corrupt(x.id());
            assertFalse(mesh.get("b").ids().contains(x.id()));
            // a's next answer to b's reconciliation round is lost
            Firewall.Rule lost = mesh.firewall().on("logmesh:range").from("a").times(1).drop();
            mesh.run(150_000);
            assertEquals(1, lost.hits());
            mesh.check("after a lost round");
        }
    }
}
