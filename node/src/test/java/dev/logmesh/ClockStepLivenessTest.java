package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.ManualLoop;
import org.junit.jupiter.api.Test;

/**
 * A node's wall clock set while it runs (NTP stepping it, a VM resumed, {@code date -s}) is not time that passed: a
 * session measures silence, ping rates and deadlines on the loop's monotonic clock ({@code Loop.monotonicMillis}).
 * Before (break37), a node whose clock was set back took a live peer's pings for a flood (its one-second window did not
 * end until the clock had made up the step) and closed that session with {@code bruteforce} at the 21st ping, about
 * 10 minutes later (a logmesh peer pings at least every 30 s for its clock samples); and a peer that went silent at
 * the step was not found until the clock had made up the step (not 12 s later).
 */
class ClockStepLivenessTest {

    @Test
    void aClockSetBackDoesNotTakeAPeersPingsForAFlood() {
        try (LocalMesh mesh = new LocalMesh(new ManualLoop(1_796_000_000_000L, 1))) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(2_000);
            // a's wall clock is set back an hour; b pings a at least every 30 s (clock samples)
            mesh.get("a").step(-3_600_000);
            mesh.run(900_000);
            // one session all along, and no error from a
            assertEquals(0, mesh.net().traffic("a").sent("error"), mesh.net().traffic("a").toString());
            assertEquals(1, mesh.net().traffic("b").sent("connect"), mesh.net().traffic("b").toString());
            mesh.get("b").add("b/1");
            mesh.run(2_000);
            mesh.check("after the clock was set back");
        }
    }

    @Test
    void aPeerGoneSilentIsFoundAfterTheTimeoutAlsoWhenTheClockWasSetBack() {
        try (LocalMesh mesh = new LocalMesh(new ManualLoop(1_796_000_000_000L, 2))) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(2_000);
            mesh.get("a").step(-600_000);
            // nothing of b reaches a any more (a hung peer: its connection stays open)
            mesh.firewall().on().from("b").to("a").drop();
            mesh.run(30_000);
            // a gave the session up (the ping, the timeout): b, told so, dialed again
            assertTrue(mesh.net().traffic("b").sent("connect") >= 2, mesh.net().traffic("b").toString());
        }
    }
}
