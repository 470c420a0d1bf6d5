package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.ActionId;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    /** b's clock 40 days ahead (a new store: its horizon counts from it), a dials b: a's rounds are answered by b. */
    @Test
    void aFrameLostToAPeerFortyDaysAheadIsRepairedByTheRoundsOfTheRightClock() {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, 61)).configure(b -> b.mesh("wild"));
        mesh.node("a");
        mesh.node("b").skew(40 * DAY);
        List<ActionId> ids = lostThenRounds(mesh, "a", "b", "a", "b");
        assertEquals(ids, mesh.get("b").ids(), "b's log after 3 minutes of a's rounds");
        mesh.close();
    }

    /** The same, the lost frames from b (ahead) to a: a's rounds would fetch them. */
    @Test
    void aFrameLostFromAPeerFortyDaysAheadIsRepairedByTheRoundsOfTheRightClock() {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, 62)).configure(b -> b.mesh("wild"));
        mesh.node("a");
        mesh.node("b").skew(40 * DAY);
        List<ActionId> ids = lostThenRounds(mesh, "a", "b", "b", "a");
        assertEquals(ids, mesh.get("a").ids(), "a's log after 3 minutes of a's rounds");
        mesh.close();
    }

    /** w's clock 40 days behind, w dials b: w's new (real time) actions lost on the way to b. */
    @Test
    void aFrameLostFromAPeerFortyDaysBehindIsRepairedByItsRounds() {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, 63)).configure(b -> b.mesh("wild"));
        mesh.node("w").skew(-40 * DAY);
        mesh.node("b");
        List<ActionId> ids = lostThenRounds(mesh, "w", "b", "w", "b");
        assertEquals(ids, mesh.get("b").ids(), "b's log after 3 minutes of w's rounds");
        mesh.close();
    }

    /** Control: both clocks right. */
    @Test
    void aFrameLostBetweenRightClocksIsRepairedByTheRounds() {
        LocalMesh mesh = new LocalMesh(new ManualLoop(NOW, 64)).configure(b -> b.mesh("wild"));
        mesh.node("a");
        mesh.node("b");
        List<ActionId> ids = lostThenRounds(mesh, "a", "b", "a", "b");
        assertEquals(ids, mesh.get("b").ids(), "b's log after 3 minutes of a's rounds");
        mesh.close();
    }
}
