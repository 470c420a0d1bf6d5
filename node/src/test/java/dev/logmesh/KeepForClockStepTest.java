package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * break53: retention by age ({@link NodeConfig#keepFor()}, {@code --keep-for}) on a node whose wall clock is stepped
 * forward while it runs (NTP stepping it, a VM resumed, {@code date -s}). The seen sweep counts from a time the node
 * can vouch for (docs/guarantees.md, "Clock steps": "a clock stepped forward while the node runs ... forgets nothing
 * early"); retention counts from the wall clock ({@code MeshNode.retentionBatch}: {@code loop.now() - keepFor}), so a
 * step of one day cleans every entry of a node that keeps them for two hours, a minute after they were made. Real
 * processes: scripts/dev/break53/keepfor-jump.sh (b held 100, 0 five seconds after its clock went +1d, 0 after it
 * was set right again).
 */
class KeepForClockStepTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);

    <T> T on(CompletableFuture<T> f) {
        loop.runAll();
        return f.join();
    }

    /** Alice adds 20 actions; bob, her peer, gets them. */
    private void bobGetsTwentyFrom(MeshNode alice, MeshNode bob) {
        loop.advance(2_000);
        for (int i = 0; i < 20; i++) {
            on(alice.add(Action.ofType("a/" + i)));
        }
        for (int i = 0; i < 60 && bob.log().size() < 20; i++) {
            loop.advance(1_000);
        }
        assertEquals(20, bob.log().size(), "bob got alice's 20 actions");
    }

    @Test
    void aClockSteppedForwardCleansNothingEarly() throws IOException {
        AtomicLong step = new AtomicLong();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false).loop(loop)
                 .transport(net.transport("alice")).build());
             MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false)
                 .loop(loop.withClockOffset(step::get)).transport(net.transport("bob"))
                 .keepFor(Duration.ofHours(2)).peer(LocalNetwork.url("alice")).build())) {
            bobGetsTwentyFrom(alice, bob);
            step.set(Duration.ofDays(1).toMillis()); // bob's wall clock jumps a day ahead
            loop.advance(5_000); // retention runs every second
            assertEquals(20, bob.log().size(), "bob keeps actions made seconds ago after its clock stepped forward");
            step.set(0); // set right again
            loop.advance(60_000);
            assertEquals(20, bob.log().size(), "bob holds alice's 20 actions once its clock is right");
        }
    }

    /**
     * The other side: a step that a peer's clock agrees with (both machines suspended a day, or both set right) is
     * time that passed, and retention cleans what is older than {@code --keep-for} by it once the node asks its peers'
     * clocks (every minute), not a day of uptime later.
     */
    @Test
    void aStepAPeersClockAgreesWithCleansAtTheNextMinute() throws IOException {
        AtomicLong step = new AtomicLong();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false)
                 .loop(loop.withClockOffset(step::get)).transport(net.transport("alice")).build());
             MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false)
                 .loop(loop.withClockOffset(step::get)).transport(net.transport("bob"))
                 .keepFor(Duration.ofHours(2)).peer(LocalNetwork.url("alice")).build())) {
            bobGetsTwentyFrom(alice, bob);
            step.set(Duration.ofDays(1).toMillis()); // both clocks a day ahead: a day passed, as far as bob can tell
            for (int i = 0; i < 120 && bob.log().size() > 0; i++) {
                loop.advance(1_000);
            }
            assertEquals(0, bob.log().size(), "bob cleaned actions a day old once alice's clock agreed with its own");
        }
    }

    /**
     * A node that was off a day and comes back with no peer to agree with its clock cannot tell that day from a clock
     * set a day ahead (docs/guarantees.md, "Clock steps"): it keeps what it holds until {@code --keep-for} of uptime
     * has passed, then cleans it, not a day of uptime later.
     */
    @Test
    void aNodeOffADayWithNoPeerCleansWithinKeepForOfUptime() {
        LocalMesh mesh = new LocalMesh(53).configure(b -> b.keepFor(Duration.ofHours(2)));
        mesh.node("a");
        mesh.node("b");
        mesh.link("b", "a");
        mesh.start();
        mesh.run(5_000);
        twenty(mesh, "a", "a");
        mesh.run(5_000);
        assertEquals(20, mesh.get("b").ids().size(), "b got a's 20 actions");
        mesh.stop("a");
        mesh.stop("b");
        mesh.run(Duration.ofDays(1).toMillis());
        mesh.restart("b");
        mesh.run(HOUR);
        assertEquals(20, mesh.get("b").ids().size(), "b alone keeps them an hour after its start");
        mesh.run(HOUR + 60_000);
        assertEquals(0, mesh.get("b").ids().size(), "b cleaned them 2 h after its start");
        mesh.close();
    }

    private static final long HOUR = Duration.ofHours(1).toMillis();

    /** Makes 20 entries on {@code node} of {@code mesh} ({@code prefix}/0..19), 10 ms apart. */
    private static void twenty(LocalMesh mesh, String node, String prefix) {
        for (int i = 0; i < 20; i++) {
            mesh.get(node).add(prefix + "/" + i);
            mesh.run(10);
        }
    }

    /**
     * break53b, on the first form of the fix (every entry counted from HorizonClock.now()): a node that was really off
     * (its clock right all along), with no peer to agree with its clock, counts that time from its log's recorded time
     * plus uptime, so entries it made after the restart were kept --keep-for plus the time off ('expected: <0> but
     * was: <20>').
     */
    @Test
    void entriesMadeAfterARestartAreCleanedWithinKeepFor() {
        LocalMesh mesh = new LocalMesh(531).configure(b -> b.keepFor(Duration.ofHours(2)));
        mesh.node("b");
        mesh.start();
        mesh.run(5_000);
        mesh.get("b").add("old");
        mesh.stop("b");
        mesh.run(Duration.ofDays(1).toMillis()); // b is off a day; its clock stays right
        mesh.restart("b");
        mesh.run(5_000);
        twenty(mesh, "b", "new");
        mesh.run(3 * HOUR); // each "new/" entry is 3 h old by b's (right) wall clock
        assertEquals(0, mesh.get("b").ids().size(), "b keeps 2 h: entries made 3 h ago are cleaned");
        mesh.run(Duration.ofDays(1).toMillis());
        assertEquals(0, mesh.get("b").ids().size(), "b keeps 2 h: entries made 27 h ago are cleaned");
        mesh.close();
    }

    /** The same after three nights off: the first form's lag stacked over restarts (the recorded time lagged). */
    @Test
    void nightsOffStackTheLag() {
        LocalMesh mesh = new LocalMesh(532).configure(b -> b.keepFor(Duration.ofHours(2)));
        mesh.node("b");
        mesh.start();
        for (int night = 0; night < 3; night++) {
            mesh.run(8 * HOUR); // a working day
            mesh.stop("b");
            mesh.run(16 * HOUR); // a night off
            mesh.restart("b");
        }
        mesh.run(5_000);
        twenty(mesh, "b", "day4");
        // one night off alone would keep them 16 h + 2 h; three stack to 48 h + 2 h
        mesh.run(20 * HOUR);
        assertEquals(0, mesh.get("b").ids().size(), "b keeps 2 h: entries made 20 h ago are cleaned");
        mesh.run(30 * HOUR + 60_000);
        assertEquals(0, mesh.get("b").ids().size(), "b keeps 2 h: entries made 50 h ago are cleaned");
        mesh.close();
    }

    /**
     * break53b: a lone memory node with a budget whose clock was set right (3 days forward) after its start (a board
     * with no RTC, NTP later) kept, on the first form of the fix, everything made since and refused adds ('the memory
     * store is full: 193.9 KiB of its 195.3 KiB budget taken by 84 entries').
     */
    @Test
    void aMemoryNodeWhoseClockWasSetRightAfterItsStartKeepsMakingRoom() throws IOException {
        AtomicLong step = new AtomicLong();
        String pad = "x".repeat(2_000);
        try (MeshNode relay = MeshNode.start(NodeConfig.builder().name("relay").mdns(false)
                 .loop(loop.withClockOffset(step::get)).transport(net.transport("relay"))
                 .memoryLimit(200_000).keepFor(Duration.ofSeconds(10)).build())) {
            loop.advance(2_000);
            step.set(Duration.ofDays(3).toMillis()); // NTP sets the clock right, 3 days ahead of the boot time
            loop.advance(1_000);
            int refused = 0;
            for (int i = 0; i < 300; i++) { // one 2 kB action a second for 5 min; each kept 10 s
                CompletableFuture<Meta> f = relay.add(Action.parse("{\"type\":\"a\",\"n\":" + i + ",\"pad\":\""
                    + pad + "\"}"));
                loop.runAll();
                if (f.isCompletedExceptionally()) {
                    refused++;
                }
                loop.advance(1_000);
            }
            assertTrue(relay.health().writable(), "the relay keeps room: " + relay.health());
            assertTrue(refused == 0, "adds refused: " + refused + " of 300; held " + relay.log().size());
        }
    }
}
