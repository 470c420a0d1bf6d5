package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.testkit.LocalMesh;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Values an embedding application gives that are not JSON, or that would not fit a frame, refused at the call
 * (session 29, a breaker embedding a node): a Java object put into a tree ({@code putPOJO}) was taken by {@code
 * Action.of} as whatever Jackson's internal mapper made of it (for a plain {@code Object}, the text of the
 * serializer's error), failed an add's meta with a bare {@code RuntimeException} and {@code changeMeta} with
 * "JSON nodes always serialize"; and {@code changeMeta} took a value that made its entry larger than a frame, after
 * which no peer was sent the action again.
 */
class NonJsonValueTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Test
    void aJavaObjectInAnActionOrAMetaIsRefusedAtTheCall() throws Exception {
        ObjectNode action = Action.ofType("x").json();
        action.putPOJO("v", new Object());
        // before: {"type":"x","v":"[ERROR: (com.fasterxml.jackson.databind.exc.InvalidDefinitionException) No ...]"}
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.of(action));
        assertTrue(e.getMessage().contains("java.lang.Object") && e.getMessage().contains("valueToTree"),
            e.getMessage());
        ObjectNode nested = Action.ofType("x").json();
        nested.putArray("list").addObject().putPOJO("deep", Thread.currentThread());
        assertThrows(IllegalArgumentException.class, () -> Action.of(nested));

        try (LocalMesh mesh = new LocalMesh(1); MeshNode a = mesh.start("a")) {
            ObjectNode meta = JSON.objectNode();
            meta.putPOJO("k", new Object());
            // before: the future failed on the loop with RuntimeException(InvalidDefinitionException)
            assertThrows(IllegalArgumentException.class, () -> a.add(Action.ofType("x"), meta));
            CompletableFuture<Meta> added = a.add(Action.ofType("x"), List.of("keep"));
            mesh.run(100);
            ActionId id = added.get().id();
            // before: the future failed with IllegalStateException: JSON nodes always serialize
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> a.changeMeta(id, Map.of("k", JSON.pojoNode(new Object()))));
            assertTrue(c.getMessage().startsWith("meta \"k\" holds a Java object"), c.getMessage());
        }
    }

    @Test
    void aMetaChangeThatWouldMakeTheEntryTooLargeForAFrameIsRefusedAndTheEntryStillSyncs() throws Exception {
        try (LocalMesh mesh = new LocalMesh(2)) {
            MeshNode a = mesh.start("a");
            CompletableFuture<Meta> added = a.add(Action.ofType("x"), List.of("keep"));
            mesh.run(100);
            ActionId id = added.get().id();
            JsonNode big = JSON.textNode("z".repeat(2_000_000));
            CompletableFuture<Boolean> changed = a.changeMeta(id, Map.of("k", big));
            JsonNode deep = JSON.objectNode();
            for (int i = 0; i < 80; i++) {
                deep = JSON.arrayNode().add(deep);
            }
            CompletableFuture<Boolean> deeper = a.changeMeta(id, Map.of("k", deep));
            mesh.run(100);
            // before: true, and the entry was "over b's frame limit: not sent to it"
            ExecutionException e = assertThrows(ExecutionException.class, changed::get);
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("over the limit"), e.getCause().getMessage());
            assertInstanceOf(IllegalArgumentException.class, assertThrows(ExecutionException.class, deeper::get)
                .getCause());
            CompletableFuture<java.util.Optional<Entry>> kept = a.byId(id);
            mesh.run(10);
            assertFalse(kept.get().orElseThrow().meta().extra().containsKey("k"), "the entry was changed");
            CompletableFuture<Boolean> small = a.changeMeta(id, Map.of("k", JSON.textNode("ok")));
            mesh.run(10);
            assertTrue(small.get());

            MeshNode b = mesh.start("b", "a"); // joins later: gets the entry by catch-up, with a's meta
            mesh.run(5_000);
            CompletableFuture<List<Entry>> atB = b.entries();
            mesh.run(10);
            assertEquals(List.of(id), atB.get().stream().map(Entry::id).toList());
        }
    }

    /**
     * embed34: a node restarted with a lower frame limit refused any meta change of an entry added under the larger
     * one, however small ("action of about 8187 bytes (with its meta) is over the limit of 4032 bytes" for a one-word
     * reason), so the application could not keep such an entry with a reason of its own, nor drop one. Now a change
     * that does not make the entry larger is taken; one that does is refused, saying it was over the limit before.
     */
    @Test
    void anEntryAddedUnderALargerFrameLimitCanStillBeGivenAReasonAfterTheLimitWasLowered(
        @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ActionId id;
        try (MeshNode a = MeshNode.start(NodeConfig.builder().name("a").dataDir(dir).noListen().build())) {
            id = a.add(Action.parse("{\"type\":\"big\",\"text\":\"" + "y".repeat(8_000) + "\"}"), List.of("keep"))
                .get().id();
        }
        try (MeshNode a = MeshNode.start(NodeConfig.builder().dataDir(dir).noListen().maxFrameBytes(4_096).build())) {
            // before: IllegalArgumentException: action of about 8187 bytes (with its meta) is over the limit of 4032
            assertTrue(a.changeMeta(id, Map.of("reasons", JSON.arrayNode().add("keep").add("app"))).get());
            assertTrue(a.changeMeta(id, Map.of("reasons", JSON.arrayNode().add("app"))).get());
            ExecutionException grown = assertThrows(ExecutionException.class,
                () -> a.changeMeta(id, Map.of("note", JSON.textNode("z".repeat(100)))).get());
            assertInstanceOf(IllegalArgumentException.class, grown.getCause());
            assertTrue(grown.getCause().getMessage().contains("it was over it before this change too"),
                grown.getCause().getMessage());
            Entry kept = a.byId(id).get().orElseThrow();
            assertEquals(List.of("app"), kept.meta().reasons());
            assertFalse(kept.meta().extra().containsKey("note"), "the refused change left the entry as it was");
        }
    }
}
