package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.testkit.LocalMesh;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The hourly sweep of seen ids measures their age by time that passed, not by a wall clock that was set: a node whose
 * clock is stepped forward past the seen horizon (NTP stepping a clock that was wrong, a VM resumed, {@code date -s}
 * with a wrong year) keeps the seen ids of the actions it cleaned, so they are not applied again when a peer that
 * holds them sends them back. Before (break38), the sweep took the wall clock: one sweep during a step of 31 days
 * forgot every cleaned id, and the next reconciliation round fetched them all again from the peer that kept them
 * (each applied twice).
 */
class SeenSweepClockStepTest {

    private static final long DAY = 24L * 3600 * 1000;

    /**
     * Starts nodes a and b (b dials a), adds 20 actions on a, which b receives and then cleans (a keeps them): only
     * b's seen ids stop them from being applied on b again. Returns their ids.
     */
    private static List<ActionId> cleanedOnB(LocalMesh mesh) {
        mesh.node("a");
        mesh.node("b");
        mesh.link("b", "a");
        mesh.start();
        mesh.run(5_000);
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(mesh.get("a").add("old/" + i).id());
            mesh.run(10);
        }
        mesh.run(5_000);
        LocalMesh.Node b = mesh.get("b");
        assertEquals(20, b.ids().size());
        CompletableFuture<Integer> cleaning = b.node().removeReason("mesh", Criteria.ALL);
        mesh.runAll();
        assertEquals(20, cleaning.join());
        assertTrue(b.ids().isEmpty());
        return ids;
    }

    @Test
    void aClockSteppedForwardPastTheHorizonDoesNotForgetCleanedIds() {
        LocalMesh mesh = new LocalMesh(7).configure(b -> b.mesh("step"));
        List<ActionId> ids = cleanedOnB(mesh);
        LocalMesh.Node b = mesh.get("b");

        // b's wall clock is stepped 31 days ahead, over its hourly sweep, then set right
        b.step(31 * DAY);
        mesh.run(3_700_000);
        b.step(-31 * DAY);
        // reconciliation rounds (every 30 s) compare what each holds or has seen
        mesh.run(120_000);

        for (ActionId id : ids) {
            assertEquals(1, b.applied().get(id), id + " applied once on b");
            assertTrue(b.store().seen(id), id + " is still seen on b");
            assertFalse(b.store().has(id), id + " stays cleaned on b");
        }
        mesh.close();
    }

    /**
     * A node that keeps every action (the command line's default) and whose clock was stepped forward past the horizon
     * over its hourly sweep still finds no difference with its peer once the clock is set right. Before (break38), the
     * sweep's trim dropped every id from its reconciliation index, so every round (30 s) wanted the whole log again
     * and the peer sent all of it, until a restart.
     */
    @Test
    void aNodeThatKeepsEverythingDoesNotFetchItsLogAgainAfterTheStep() {
        LocalMesh mesh = new LocalMesh(8).configure(b -> b.mesh("step"));
        mesh.node("a");
        mesh.node("b");
        mesh.link("b", "a");
        mesh.start();
        mesh.run(5_000);
        for (int i = 0; i < 50; i++) {
            mesh.get("a").add("kept/" + i);
            mesh.run(10);
        }
        mesh.run(5_000);
        LocalMesh.Node b = mesh.get("b");
        assertEquals(50, b.ids().size());

        b.step(31 * DAY);
        mesh.run(3_700_000);
        b.step(-31 * DAY);
        mesh.run(60_000);
        long before = b.traffic().entriesReceived();
        mesh.run(300_000); // ten rounds
        long received = b.traffic().entriesReceived() - before;
        assertTrue(received < 50, "b was sent its log again: " + received + " entries in ten rounds");
        assertEquals(50, b.ids().size());
        mesh.check();
        mesh.close();
    }

    /**
     * A node <em>started</em> with its clock 31 days ahead (a machine whose clock was wrong at boot, before NTP set it;
     * a VM started from an old snapshot with a wrong clock), and started again with it still ahead, keeps the seen
     * ids of the actions it cleaned, so a peer that holds them does not give them to it again. Before (clock40) its
     * first sweep counted from the wall clock at start: every cleaned id looked 31 days old and was forgotten, the
     * peer's next round, once the node's clock was set right, gave the actions back (each applied twice).
     */
    @Test
    void aNodeStartedWithItsClockFarAheadDoesNotForgetCleanedIds() {
        LocalMesh mesh = new LocalMesh(9).configure(b -> b.mesh("step"));
        List<ActionId> ids = cleanedOnB(mesh);
        LocalMesh.Node b = mesh.get("b");

        // b stops, and starts with its clock 31 days ahead: its sweeps run (and rounds with a, every 30 s)
        dev.logmesh.testkit.CapturedLogs.clear();
        mesh.stop("b");
        b.step(31 * DAY);
        mesh.restart("b");
        mesh.run(3_700_000);
        // and once more: what its first life recorded under the wrong clock does not vouch for it
        mesh.stop("b");
        mesh.restart("b");
        mesh.run(3_700_000);
        if (dev.logmesh.testkit.CapturedLogs.active()) { // what the user sees: one WARN a life, naming the peer
            assertEquals(2, dev.logmesh.testkit.CapturedLogs.matching(org.slf4j.event.Level.WARN,
                "this node's clock reads 31 d 0 h ahead of peer " + mesh.get("a").nodeId() + "'s").size(),
                dev.logmesh.testkit.CapturedLogs.events().toString());
        }
        // then NTP sets its clock right: rounds with a (every 30 s) compare what each holds or has seen
        b.step(-31 * DAY);
        mesh.run(120_000);
        long before = b.traffic().entriesReceived();
        mesh.run(300_000); // ten rounds

        for (ActionId id : ids) {
            assertEquals(1, b.applied().get(id), id + " applied once on b");
            assertTrue(b.store().seen(id), id + " is still seen on b");
            assertFalse(b.store().has(id), id + " stays cleaned on b");
        }
        long received = b.traffic().entriesReceived() - before;
        assertEquals(0, received, "b was sent cleaned actions again in ten rounds");
        mesh.close();
    }

    /**
     * A node that was off longer than the seen horizon, with a clock that is right, still forgets the old seen ids
     * (bounded memory) once a peer's clock agrees with its own within the drift bound: the guard against a wrong clock
     * does not keep them for another horizon of uptime; and within a minute of the restart, since the peer's agreeing
     * clock starts a sweep at once (each action still applied once). Before (session 44)
     * the first sweep ran 5 min after the start; a sweep at start alone (it cannot vouch for the time yet, so it keeps
     * the ids) would leave them for the next period, an hour here.
     */
    @Test
    void aNodeOffLongerThanTheHorizonForgetsOldIdsWithinAMinuteOfAPeerAgreeing() {
        LocalMesh mesh = new LocalMesh(10).configure(b -> b.mesh("step").seenHorizon(Duration.ofDays(2)));
        List<ActionId> ids = cleanedOnB(mesh);
        LocalMesh.Node b = mesh.get("b");

        mesh.stop("b");
        mesh.run(3 * DAY);
        mesh.restart("b");
        mesh.run(60_000);

        for (ActionId id : ids) {
            assertFalse(b.store().seen(id), id + " is forgotten on b within a minute of the restart");
            assertEquals(1, b.applied().get(id), id + " applied once on b");
        }
        mesh.close();
    }

    /**
     * A node with a right clock that was off a day, started with no peer to reach, is not told to set its clock right:
     * from the node alone, being off and a clock ahead look alike. It says what it knows once (INFO), and once a peer
     * whose clock agrees comes, says that once. Before (clock41) its first sweep, 5 min after start, said in a WARN
     * "this node's clock reads 1 d 0 h ahead of the time it can vouch for ... set the clock right (NTP)".
     */
    @Test
    void aNodeOffADayWithNoPeerIsNotToldItsClockIsWrong() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs the test kit's log capture (node's surefire configuration)");
        LocalMesh mesh = new LocalMesh(12).configure(x -> x.mesh("step"));
        mesh.node("a");
        mesh.node("b");
        mesh.link("b", "a");
        mesh.start();
        mesh.run(120_000);
        // both go down; b comes back a day later, alone, and runs two sweeps
        mesh.stop("a");
        mesh.stop("b");
        mesh.run(DAY);
        try (var warned = dev.logmesh.testkit.CapturedLogs.tally(org.slf4j.event.Level.WARN, "clock");
             var told = dev.logmesh.testkit.CapturedLogs.tally(org.slf4j.event.Level.INFO,
                 "this node's log last recorded the time", "1 d 0 h before its clock reads now",
                 "the node was off that long, or its clock is ahead");
             var confirmed = dev.logmesh.testkit.CapturedLogs.tally(org.slf4j.event.Level.INFO,
                 "peer " + mesh.get("a").nodeId() + "'s clock agrees with this node's")) {
            mesh.restart("b");
            mesh.run(3_700_000);
            assertEquals(0, warned.count(), dev.logmesh.testkit.CapturedLogs.events().toString());
            assertEquals(1, told.count(), "said once at start what the node knows");
            assertEquals(0, confirmed.count());
            // a comes back: its clock agrees with b's, which b says once
            mesh.restart("a");
            mesh.run(3_700_000);
            assertEquals(1, confirmed.count(), "a peer's confirmation said once");
            assertEquals(0, warned.count(), dev.logmesh.testkit.CapturedLogs.events().toString());
            assertEquals(1, told.count());
        }
        mesh.close();
    }

    /**
     * A node with a right clock and no peer, restarted every minute, keeps the time it vouches for moving with the
     * time it ran. Before (break40b) the time was kept only at the start and at sweeps (5 min after start): each short
     * life began again from the time the first one recorded, and the node came to warn that its clock was ahead.
     */
    @Test
    void shortLivesKeepTheTimeTheyRan() {
        LocalMesh mesh = new LocalMesh(11).configure(b -> b.mesh("step"));
        mesh.node("a");
        mesh.start();
        LocalMesh.Node a = mesh.get("a");
        mesh.run(1_000);
        long first = Long.parseLong(a.store().state(HorizonClock.STATE_KEY).orElseThrow());
        for (int life = 0; life < 3; life++) {
            mesh.run(60_000);
            mesh.stop("a");
            mesh.restart("a");
        }
        mesh.run(1_000);
        long kept = Long.parseLong(a.store().state(HorizonClock.STATE_KEY).orElseThrow());
        assertTrue(kept - first >= 180_000, "three lives of a minute moved the kept time by " + (kept - first) + " ms");
        mesh.close();
    }
}
