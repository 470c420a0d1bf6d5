package dev.logmesh.internal.mesh;

import dev.logmesh.testkit.LocalMesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import dev.logmesh.Criteria;
import dev.logmesh.internal.session.SessionConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Exactly once survives cleaning: a node that cleaned actions does not apply them again when they come back
 * through other peers (after a restart, and with its sync cursors lost so peers send everything again).
 */
class MeshCleaningTest {

    @Test
    void cleanedActionsThatComeBackAreNotAppliedAgain() {
        LocalMesh mesh = new LocalMesh(3, SessionConfig.defaults("clean"));
        for (int i = 0; i < 4; i++) {
            mesh.node("n" + i);
        }
        // a ring: every action can come back to n2 along two paths
        for (int i = 0; i < 4; i++) {
            mesh.link("n" + i, "n" + ((i + 1) % 4));
        }
        mesh.run(5_000);
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Meta m = mesh.get("n0").add("old/" + i);
            ids.add(m.id());
            mesh.run(10);
        }
        mesh.run(5_000);
        LocalMesh.SimNode n2 = mesh.get("n2");
        assertEquals(20, n2.ids().size());

        // n2 cleans them all (its only reason to keep them)
        int cleaned = n2.log().removeReason("mesh", Criteria.ALL);
        assertEquals(20, cleaned);
        assertTrue(n2.ids().isEmpty());

        // n2 restarts and forgets its cursors: its peers send everything again
        mesh.crash("n2");
        for (String peer : List.of("n1", "n3")) {
            n2.log().resetCursor(peer);
            mesh.get(peer).log().resetCursor("n2");
        }
        mesh.restart("n2");
        mesh.get("n1").add("new/1");
        mesh.run(30_000);

        long resent = n2.hub().sessions().stream().mapToLong(dev.logmesh.internal.session.SyncSession::receivedEntries).sum();
        assertTrue(resent >= 20, "the peers did send the cleaned actions again (" + resent + " entries)");
        for (ActionId id : ids) {
            assertEquals(1, n2.applied.get(id), id + " applied once, never again after cleaning");
            assertFalse(n2.log().has(id), id + " stays cleaned");
            assertTrue(n2.log().seen(id));
        }
        // and the mesh still works: the new action reached everyone, the cleaned ones are kept elsewhere
        for (LocalMesh.SimNode x : mesh.nodes()) {
            assertEquals(x == n2 ? 1 : 21, x.ids().size(), x.id);
            for (Map.Entry<ActionId, Integer> e : x.applied.entrySet()) {
                assertEquals(1, e.getValue(), x.id + " applied " + e.getKey() + " twice");
            }
        }
    }
}
