package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.logmesh.testkit.ManualLoop;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Null arguments on the public API (class Javadoc, "Arguments"): a {@link NullPointerException} naming the
 * argument, thrown at once on the calling thread, by every entry point alike, and nothing done. Before,
 * {@code add(null)} returned a future that failed on the loop (a NullPointerException without a name), and
 * {@code subscribe((String) null, c)} or {@code answer(null, f)} made subscriptions that silently never matched.
 */
class PublicApiNullsTest {

    private static void throwsNamed(String name, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call, name);
        assertTrue(e.getMessage() != null && e.getMessage().startsWith(name), name + ": " + e.getMessage());
    }

    @Test
    void everyEntryPointThrowsAtOnceNamingTheNullArgument() throws Exception {
        ManualLoop loop = new ManualLoop();
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen()
            .loop(loop).build())) {
            Action a = Action.ofType("x");
            ActionId id = ActionId.parse("1 a:x 0");
            throwsNamed("action", () -> node.add(null));
            throwsNamed("action", () -> node.add(null, List.of()));
            throwsNamed("action", () -> node.add(null, (JsonNode) null));
            throwsNamed("reasons", () -> node.add(a, (List<String>) null));
            throwsNamed("reasons", () -> node.add(a, Arrays.asList("ok", null)));
            throwsNamed("type", () -> node.subscribe((String) null, e -> { }));
            throwsNamed("filter", () -> node.subscribe((java.util.function.Predicate<Entry>) null, e -> { }));
            throwsNamed("consumer", () -> node.subscribe(e -> true, null));
            throwsNamed("filter", () -> node.subscribe(0, (java.util.function.Predicate<Entry>) null, e -> { }));
            throwsNamed("askType", () -> node.answer(null, e -> a));
            throwsNamed("timeout", () -> node.ask(a, "x/done", null));
            throwsNamed("id", () -> node.byId(null));
            throwsNamed("id", () -> node.changeMeta(null, Map.of()));
            throwsNamed("diff", () -> node.changeMeta(id, null));
            Map<String, JsonNode> nullKey = new HashMap<>();
            nullKey.put(null, TextNode.valueOf("v"));
            throwsNamed("diff", () -> node.changeMeta(id, nullKey));
            throwsNamed("reason", () -> node.removeReason(null, Criteria.ALL));
            throwsNamed("criteria", () -> node.removeReason("r", null));
            throwsNamed("listener", () -> node.addListener(null));
            throwsNamed("userId", () -> node.userToken(null, null));
            throwsNamed("hooks", () -> node.type("x", null));
            throwsNamed("config", () -> MeshNode.start(null));
            throwsNamed("initial", () -> MeshNode.start(NodeConfig.builder().build(), null));
            var entries = node.entries();
            loop.runAll();
            assertEquals(List.of(), entries.join(), "nothing added");
            // a partial meta of null is documented: no meta, as add(action)
            var added = node.add(a, (JsonNode) null);
            loop.runAll();
            var found = node.byId(added.join().id());
            loop.runAll();
            assertEquals("x", found.join().orElseThrow().action().type());
        }
    }

    @Test
    void aBadValueTheLoopChecksFailsTheFuture() throws Exception {
        ManualLoop loop = new ManualLoop();
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen()
            .loop(loop).build())) {
            var f = node.add(Action.ofType("x"), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode().put("added", 5));
            loop.runAll();
            var e = assertThrows(java.util.concurrent.CompletionException.class, f::join);
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertThrows(IllegalArgumentException.class, () -> node.ask(Action.ofType("x"), "y", Duration.ZERO));
        }
    }
}
