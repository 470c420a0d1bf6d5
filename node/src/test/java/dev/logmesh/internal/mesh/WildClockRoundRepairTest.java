package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.ActionId;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * break51b: losses that only reconciliation rounds repair (frames lost while the link stays up: the Logux cursor
 * moved on, the Plumtree announcement and graft lost too), between a node with a right clock and one whose clock is
 * days off. Since 6360ed7d the responder settles what lies before its own cutoff, only when a peer's clock has agreed
 * with its own (HorizonClock#confirmed): the first case failed on 6360ed7d ("b's log after 3 minutes of a's rounds
 * ==> expected: <[... 5 ids]> but was: <[]>"), a new log far ahead settling everything.
 */
class WildClockRoundRepairTest {

    private static final long DAY = 24L * 3600 * 1000;
    private static final long NOW = 1_796_600_000_000L;
    private static final String[] LOST = {"sync", "logmesh:ihave", "logmesh:graft"};

    /** Starts {@code dialer} dialing {@code listener}, loses 5 actions {@code from} sends to {@code to}, runs rounds. */
    private static List<ActionId> lostThenRounds(LocalMesh mesh, String dialer, String listener, String from,
            String to) {
        mesh.link(dialer, listener);
        mesh.start();
        mesh.run(5_000);
        var rule = mesh.firewall().on(LOST).from(from).to(to).drop();
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(mesh.get(from).add("lost/" + i).id());
            mesh.run(10);
        }
        mesh.run(1_000);
        rule.remove();
        mesh.run(180_000); // rounds every 30 s
        return ids;
    }

    /**
     * {@code skewed}'s clock {@code days} off (a new store: its horizon counts from it), {@code dialer} dials {@code
     * listener}, 5 actions {@code from} sends to {@code to} lost: the rounds bring them. The first row failed on
     * 6360ed7d; the last is the control, both clocks right.
     */
    @ParameterizedTest(name = "{1} {2} d off, {3} dials {4}, lost from {5} to {6}")
    @CsvSource({
        "61, b, 40, a, b, a, b",
        "62, b, 40, a, b, b, a",
        "63, w, -40, w, b, w, b",
        "64, b, 0, a, b, a, b"})
    void aFrameLostIsRepairedByTheRounds(long seed, String skewed, long days, String dialer, String listener,
            String from, String to) {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, seed)).configure(b -> b.mesh("wild"));
        for (String n : List.of(dialer, listener)) {
            mesh.node(n);
        }
        mesh.get(skewed).skew(days * DAY);
        List<ActionId> ids = lostThenRounds(mesh, dialer, listener, from, to);
        assertEquals(ids, mesh.get(to).ids(), to + "'s log after 3 minutes of " + dialer + "'s rounds");
        mesh.close();
    }
}
