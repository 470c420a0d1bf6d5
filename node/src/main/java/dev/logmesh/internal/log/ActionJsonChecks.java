package dev.logmesh.internal.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The log's access bridge to {@code Action.requireJson(JsonNode tree, String what)}, the package-private check that a
 * tree is JSON a peer reads back as it is (no Java object, no number beyond a double's range), so that a meta drafted
 * without a node ({@link MetaJson#draft}: the command line's {@code add}) is checked as {@code MeshNode.add} checks
 * it. A private method-handle lookup, as {@code dev.logmesh.internal.protocol.CheckedActions} reaches {@code
 * Action.ofChecked}: {@link Action} must depend on nothing internal, and must not offer this as public API.
 */
final class ActionJsonChecks {
    private static final MethodHandle REQUIRE_JSON;

    static {
        try {
            REQUIRE_JSON = MethodHandles.privateLookupIn(Action.class, MethodHandles.lookup())
                .findStatic(Action.class, "requireJson", MethodType.methodType(void.class, JsonNode.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ActionJsonChecks() {
    }

    /**
     * Throws {@link IllegalArgumentException} if {@code tree} holds a Java object or a number beyond a double's range.
     *
     * @param what what the tree is, for the message ({@code meta})
     */
    static void requireJson(JsonNode tree, String what) {
        try {
            REQUIRE_JSON.invokeExact(tree, what);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("Action.requireJson declares no checked exception", e);
        }
    }
}
