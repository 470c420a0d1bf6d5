package dev.logmesh.internal.protocol;

import dev.logmesh.Action;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The codec's access bridge to {@code Action.ofChecked(String text, String type)}, the package-private
 * factory of an action whose text the codec has already checked while streaming a frame.
 *
 * <p>Why a bridge: {@link Action} is a public value type and must depend on nothing internal, so it cannot
 * hand a factory to this package (that would be an import from {@code dev.logmesh} into
 * {@code dev.logmesh.internal}), and it must not offer a public door that skips its checks either. Parsing
 * each action's slice again with {@link Action#parse} would tokenize every action twice and give every
 * action its own type string (the node's {@link dev.logmesh.internal.log.Interner} could not share it),
 * which costs heap per entry in a bulk sync. So this package reaches the package-private factory with a
 * private method-handle lookup: the dependency points from internal to the value (the allowed direction),
 * both classes live in {@code logmesh-node} (one module, which may always look into itself), and the handle
 * is a constant, so the JIT inlines the call as a direct one.
 *
 * <p>Package-private: only the codec makes actions this way.
 */
final class CheckedActions {
    private static final MethodHandle OF_CHECKED;

    static {
        try {
            OF_CHECKED = MethodHandles.privateLookupIn(Action.class, MethodHandles.lookup())
                .findStatic(Action.class, "ofChecked", MethodType.methodType(Action.class, String.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CheckedActions() {
    }

    /**
     * An action from its checked JSON text and its type.
     *
     * @param text a JSON object, as it appeared in the frame, already checked in the codec's streaming pass
     * @param type the object's (last) {@code type}, a non-empty string, as the node's interner shares it
     */
    static Action of(String text, String type) {
        try {
            return (Action) OF_CHECKED.invokeExact(text, type);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("Action.ofChecked declares no checked exception", e);
        }
    }
}
