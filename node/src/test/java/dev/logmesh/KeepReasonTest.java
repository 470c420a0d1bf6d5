package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node's keep-reason hook ({@link MeshNode.KeepReason}) gives the same reasons whether or not it gives again the list
 * it made for the last list met: lists that come in turn, lists equal but not the same object, lists that hold the
 * keep reason already, an empty list.
 */
class KeepReasonTest {

    @Test
    void everyListGetsTheKeepReasonOnceWhicheverCameBefore() {
        MeshNode.KeepReason hook = new MeshNode.KeepReason("mesh");
        Action action = Action.ofType("t");
        List<String> app = List.of("app");
        List<String> other = List.of("a", "b");
        List<String> kept = List.of("app", "mesh");
        List<List<String>> given = List.of(app, app, other, app, List.of("app"), kept, List.of(), app, other);
        List<List<String>> expected = List.of(List.of("app", "mesh"), List.of("app", "mesh"), List.of("a", "b", "mesh"),
            List.of("app", "mesh"), List.of("app", "mesh"), kept, List.of("mesh"), List.of("app", "mesh"),
            List.of("a", "b", "mesh"));
        for (int i = 0; i < given.size(); i++) {
            Meta meta = Meta.of(ActionId.of(i, "n", 0), i, given.get(i));
            Meta out = hook.apply(action, meta);
            assertEquals(expected.get(i), out.reasons(), "entry " + i + " with " + given.get(i));
            assertEquals(meta.id(), out.id());
            assertEquals(meta.time(), out.time());
        }
        Meta already = Meta.of(ActionId.of(1, "n", 0), 1, kept);
        assertSame(already, hook.apply(action, already), "a meta with the keep reason is given back as it is");
    }
}
