package dev.logmesh.internal.callback;

/**
 * The one rule for what a failure of application code means to the node that called it on its loop.
 *
 * <p>A {@link RuntimeException} and an {@link Error} that says nothing about the JVM's health are the callback's
 * own failure: the caller logs it (with its rate limit), skips that callback for that call, and goes on with the
 * others; the node keeps running. Application code throws such Errors as a matter of course: an {@code assert}
 * or a test-style check ({@link AssertionError}), a recursive reducer on a deep state ({@link
 * StackOverflowError}: the stack has unwound when the caller catches it), a missing optional dependency ({@link
 * NoClassDefFoundError}, {@link ExceptionInInitializerError}). Before session 27 only RuntimeExceptions were
 * caught, and any of these ended the whole node ({@code whenClosed()} failed) and every peer's sync with it.
 *
 * <p>Not survivable, and rethrown so that the loop ends the node loudly as before: the {@link VirtualMachineError}s
 * other than {@link StackOverflowError} ({@link OutOfMemoryError}, {@link InternalError}, {@link UnknownError}),
 * after which the JVM cannot be trusted, and {@link ThreadDeath}.
 *
 * <p>Every place that calls application code uses this class: catch {@code RuntimeException | Error} (or
 * {@code Exception | Error} for hooks that may throw checked exceptions), call {@link #rethrowFatal} first, then
 * handle the failure as the RuntimeException was handled there.
 */
public final class Callbacks {
    private Callbacks() {
    }

    /**
     * Whether a throwable from application code is that code's failure only, to be logged and skipped like a
     * {@link RuntimeException}: everything but the {@link VirtualMachineError}s other than {@link
     * StackOverflowError}, and {@link ThreadDeath}.
     */
    public static boolean survivable(Throwable t) {
        if (t instanceof VirtualMachineError) {
            return t instanceof StackOverflowError;
        }
        return !(t instanceof ThreadDeath);
    }

    /**
     * Throws {@code t} if it is not {@link #survivable} (it is then an {@link Error}: the loop ends the node);
     * returns otherwise.
     */
    public static void rethrowFatal(Throwable t) {
        if (!survivable(t)) {
            throw (Error) t;
        }
    }
}
