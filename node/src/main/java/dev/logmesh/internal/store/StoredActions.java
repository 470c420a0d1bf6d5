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
    private static final MethodHandle PARSE_STORED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Action.class, MethodHandles.lookup());
            OF_STORED = lookup.findStatic(Action.class, "ofStored", MethodType.methodType(Action.class, String.class));
            PARSE_STORED = lookup.findStatic(Action.class, "parseStored",
                MethodType.methodType(Action.class, String.class));
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

    /**
     * An action from stored text that no checksum vouches for (a row of a file without checksums, a version-1 row at
     * its upgrade), checked as {@link Action#parse} checks text but for a number beyond a double's range, which a
     * logmesh of session 34 or before stored: such a row is the log's, not a corrupt one.
     *
     * @throws IllegalArgumentException if the text is not a JSON object with a non-empty string {@code type}
     */
    static Action parse(String text) {
        try {
            return (Action) PARSE_STORED.invokeExact(text);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("Action.parseStored declares no checked exception", e);
        }
    }
}
