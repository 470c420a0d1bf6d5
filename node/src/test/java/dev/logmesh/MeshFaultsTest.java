package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Meta;
import dev.logmesh.testkit.Firewall;
import dev.logmesh.testkit.LocalMesh;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        // since session 50 b asks its peers for a quarantined entry at once, outside any round: that want is lost
        // here, so that a round repairs, as these tests need
        Firewall.Rule prompt = mesh.firewall().on("logmesh:want").from("b").times(1).drop();
        mesh.get("b").faults().corrupt(x.id());
        assertFalse(mesh.get("b").ids().contains(x.id()));
        mesh.loop().runAll();
        assertEquals(1, prompt.hits(), "b asked a for x at once");
        assertFalse(mesh.get("b").ids().contains(x.id()));
        return x;
    }

    /**
     * How b got x back ({@link #repairOf}): in how many ms after the fault acted, with how many new sessions (b's
     * {@code connect}s), and how many pings b sent meanwhile.
     */
    record Repair(long millis, long redials, long pings, Firewall.Rule rule) {
    }

    /** b loses x ({@link #bLosesX}); {@code fault} sets the rule for the round's next frame; waits for the repair. */
    static Repair repairOf(LocalMesh mesh, java.util.function.Function<Firewall, Firewall.Rule> fault) {
        Meta x = bLosesX(mesh);
        long connects = mesh.net().traffic("b").sent("connect");
        Firewall.Rule rule = fault.apply(mesh.firewall());
        runUntilHit(mesh, rule);
        long pings = mesh.net().traffic("b").sent("ping");
        long took = millisUntilHeld(mesh, "b", x.id(), 10_000);
        assertEquals(1, rule.hits());
        return new Repair(took, mesh.net().traffic("b").sent("connect") - connects,
            mesh.net().traffic("b").sent("ping") - pings, rule);
    }

    /**
     * Session 31 (CI, chaos {@code lossy} seed 850352672, 4 actions given up on), a frame of a round lost:
     * <ul>
     *   <li>the answer to a round message ({@code logmesh:range} from a) left the round open for the session's life
     *       until {@code FaultSimulationTest} found it (seed 2131), then was found at the round's deadline, a period
     *       (30 s), plus a redial. Now the pong to a ping sent after the round's message shows it lost about a
     *       second later: the session ends ({@code redials} 1) and the next one's round repairs;</li>
     *   <li>a {@code logmesh:want} (from b) left the round done and the item missing until the next round, a period
     *       later (24-36 s). A round that wanted items is now followed by another once the pong to a ping sent after
     *       the want shows everything sent for it arrived; that round wants the item again, in the same session.</li>
     * </ul>
     * Both failed before with "b did not get ... back within 10000 ms".
     */
    @ParameterizedTest
    @CsvSource({"logmesh:range, a, 1", "logmesh:want, b, 0"})
    void aLostFrameOfARoundIsRepairedWithinSeconds(String type, String from, long redials) {
        try (LocalMesh mesh = new LocalMesh(7)) {
            Repair r = repairOf(mesh, fw -> fw.on(type).from(from).times(1).drop());
            assertEquals(redials, r.redials(), "sessions b dialed after the loss");
            mesh.run(5_000);
            mesh.check("after a lost " + type);
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
            Repair r = repairOf(mesh, fw -> {
                fw.on("ping", "pong").duplicate();
                return fw.on("logmesh:range").from("a").times(1).delay(5_000);
            });
            assertTrue(r.pings() > 0, "b asked the link with a ping while it waited");
            assertEquals(0, r.redials(), "the session went on");
            mesh.check("after a slow round answer");
        }
    }

    /**
     * Session 32: a {@code sync} (or its {@code synced}) lost inside a live session under steady traffic. The answers
     * for the later batches were taken for the lost one's, each restarting the deadline, so the session went on
     * without it until the next reconciliation round (a period, 24-36 s) or a quiet moment; chaos {@code lossy} met
     * it (session 31's note). Now the answer for a later batch passes the lost one over, and with no answer for it
     * within {@code Liveness.OVERTAKEN_GRACE_MILLIS} it is sent again, in the same session. The {@code sync} case
     * failed before with "b did not get x within 10000 ms"; the {@code synced} case shows that sending again what
     * arrived costs a duplicate, dropped, and nothing else. Session 33: not a Plumtree prune either; b took the batch
     * sent again, all duplicates, for a second path's and pruned its only link to a ("b pruned a for the batch sent
     * again ==> expected: <0> but was: <1>").
     */
    @ParameterizedTest
    @CsvSource({"sync, a", "synced, b"})
    void aBatchLostUnderSteadyTrafficIsSentAgainWithinSeconds(String type, String from) {
        try (LocalMesh mesh = new LocalMesh(7)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(2_000);
            long connects = mesh.net().traffic("b").sent("connect");
            Firewall.Rule lost = mesh.firewall().on(type).from(from).times(1).drop();
            Meta x = mesh.get("a").add("x");
            long start = mesh.loop().now();
            int i = 0;
            for (; !mesh.get("b").ids().contains(x.id()) || i < 50; i++) { // an action every 200 ms
                long waited = mesh.loop().now() - start;
                assertTrue(waited < 10_000 || mesh.get("b").ids().contains(x.id()),
                    "b did not get x within " + waited + " ms");
                mesh.get("a").add("steady/" + i);
                mesh.run(200);
            }
            assertEquals(1, lost.hits());
            assertEquals(0, mesh.net().traffic("b").sent("logmesh:prune"), "b pruned a for the batch sent again");
            mesh.run(5_000);
            assertEquals(0, mesh.net().traffic("b").sent("connect") - connects, "the session went on");
            mesh.check("after a " + type + " lost under steady traffic");
        }
    }
}
