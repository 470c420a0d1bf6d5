package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Meta;
import dev.logmesh.testkit.LocalMesh;
import org.junit.jupiter.api.Test;

/**
 * embed36's brief: a peer that does not answer reconciliation (an older logmesh that offers the capability but leaves
 * {@code logmesh:range} unanswered, played here by a firewall that drops every range the dialer sends) was asked
 * again at every session: the round went unanswered while pings were answered, the session ended ("the answer to a
 * reconciliation round was lost") and the dialer dialed again, about every 8 s, without a word. Now after
 * {@link dev.logmesh.internal.session.AntiEntropy} has seen that in 3 sessions in a row, it asks that peer (this
 * instance of it) no more, and the session stays up: sync cursors carry the actions.
 */
class UnansweredReconciliationTest {
    @Test
    void aPeerThatLeavesRoundsUnansweredIsNotAskedAtEverySessionForGood() {
        try (LocalMesh mesh = new LocalMesh(3)) {
            mesh.start("alice");
            mesh.start("bob", "alice"); // bob dials: bob starts the rounds
            mesh.firewall().on("logmesh:range").from("bob").drop();
            mesh.get("alice").add("a/1");
            mesh.run(120_000);
            long sessions = mesh.get("bob").traffic().sent("connect");
            // before: 14 sessions in 120 s, each ended by its unanswered round
            assertTrue(sessions <= 4, "bob dialed alice " + sessions + " times: " + mesh.get("bob").traffic());
            long now = mesh.get("bob").traffic().sent("connect");
            Meta later = mesh.get("alice").add("a/2");
            mesh.run(60_000);
            assertEquals(now, mesh.get("bob").traffic().sent("connect"), "the session stays up");
            assertTrue(mesh.get("bob").ids().contains(later.id()), "cursors carry the actions");
        }
    }
}
