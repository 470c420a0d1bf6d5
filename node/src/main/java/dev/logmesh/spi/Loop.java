package dev.logmesh.spi;

import java.util.concurrent.Executor;

/**
 * The one seam for time and scheduling of a node. A node's state is touched only by tasks that run on
 * its loop, one at a time, in submission order ({@link #execute}) or when due ({@link #schedule}).
 *
 * <p>A node starts a loop thread of its own (a Netty event loop with the system clock, closed with the node)
 * unless it is given one ({@code NodeConfig.Builder.loop}, never closed by the node); tests give the test
 * kit's manual loop, whose clock moves only when the test says so, so that a whole mesh runs deterministically
 * on one thread.
 *
 * <p>A task that throws: a {@link RuntimeException} is the task owner's to handle (a loop may log it and go on);
 * an {@link Error} must not be swallowed. The node's own loop ends the nodes running on it (they close, loudly);
 * a manual loop lets it through to the test that runs it.
 */
public interface Loop extends Executor {

    /** The current wall-clock time in milliseconds since the epoch, as this loop sees it. */
    long now();

    /**
     * A monotonic clock in milliseconds, from an arbitrary origin, for measuring how much time passed: it never
     * jumps when the wall clock is set (NTP stepping it, a virtual machine resumed, {@code date -s}), as {@link #now}
     * does. A node measures durations with it (a session's silence, its ping rate and deadlines, a reconciliation
     * round's deadline); ids, {@code meta.time} and proof timestamps stay on {@link #now}. Called on the loop.
     *
     * <p>The default is {@link #now}, for a loop whose clock is never set back; a loop on the system clock gives
     * {@code System.nanoTime()} in milliseconds (shifted to read the wall clock at its start).
     *
     * @return milliseconds, never less than a value returned before
     */
    default long monotonicMillis() {
        return now();
    }

    /** Runs a task on the loop, after the tasks already submitted. Never runs it inline. */
    @Override
    void execute(Runnable task);

    /**
     * Runs a task on the loop after a delay.
     *
     * @param delayMillis the delay in ms: {@code <= 0} runs the task as soon as the loop can; a delay for which
     *     {@code now() + delayMillis} overflows (up to {@code Long.MAX_VALUE}, a timeout meaning "as long as the
     *     node runs") is a time far ahead, where the task as good as never runs, not one in the past
     * @return a handle that cancels the task if it has not started
     */
    Cancellable schedule(long delayMillis, Runnable task);

    /** Whether the calling thread is this loop's thread (always true for a manual loop). */
    boolean inLoop();

    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not run yet; idempotent. */
        void cancel();
    }
}
