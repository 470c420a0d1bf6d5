package dev.logmesh.internal.store;

import dev.logmesh.Action;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The stores' access bridge to {@code Action.ofStored(String text)}, the package-private factory of an action whose
 * text was checked before it was stored and whose row checksum matched on reading: it is not tokenized again, its
 * type is read when first asked for.
 *
 * <p>Why: a catch-up reads every stored action only to write its text into {@code sync} frames; checking each one
 * again with {@link Action#parse} was about a third of the sending loop's samples in {@code scripts/bench-sync}'s
 * SQLite bulk (docs/performance.md). Why a bridge: see {@code dev.logmesh.internal.protocol.CheckedActions}, the
 * codec's twin (a value type must not import internals, nor offer a public door that skips its checks).
 *
 * <p>Package-private: only {@link SqliteStore} makes actions this way, and only from rows whose checksum matched.
 */
final class StoredActions {
    private static final MethodHandle OF_STORED;

    static {
        try {
            OF_STORED = MethodHandles.privateLookupIn(Action.class, MethodHandles.lookup())
                .findStatic(Action.class, "ofStored", MethodType.methodType(Action.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private StoredActions() {
    }

    /**
     * An action from its stored text.
     *
     * @param text a JSON object with a non-empty string {@code type}, checked before it was stored, read back from a
     *     row whose checksum matched
     */
    static Action of(String text) {
        try {
            return (Action) OF_STORED.invokeExact(text);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("Action.ofStored declares no checked exception", e);
        }
    }
}
