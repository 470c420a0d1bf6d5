package dev.logmesh.internal.callback;

/**
 * What the node's own code waited for in the task its loop runs now: a store write that met another process's lock
 * ({@code SQLITE_BUSY}) or a slow disk. The loop's slow-task warning names it instead of blaming the application's
 * callbacks: before (embed34), a write that SQLite refused for 2 s because another process held the database's write
 * lock was said as "one task held the node loop ... for 2015 ms ... A subscriber, listener, answerer, state reducer or
 * hook must not block", sending the developer to look for a callback that did not exist.
 *
 * <p>Per thread (a loop's thread is its only writer and reader); the loop {@link #take takes} the note after each
 * task. A thread that is no loop's (the command line's {@code add}) leaves at most one note, overwritten by its next.
 */
public final class OwnWaits {
    private OwnWaits() {
    }

    /**
     * A wait of the node's own code in one task.
     *
     * @param nanos how long it waited in all (ns)
     * @param what  the longest wait, in plain words with its cause (names the file)
     */
    public record Waited(long nanos, String what) {
    }

    /** Waits shorter than this (ns) are not noted: 100 ms, far below a slow task, above a disk's usual write. */
    public static final long NOTED_NANOS = 100_000_000L;

    private static final ThreadLocal<long[]> NANOS = ThreadLocal.withInitial(() -> new long[2]);
    private static final ThreadLocal<String[]> WHAT = ThreadLocal.withInitial(() -> new String[1]);

    /** Notes that the node's own code waited {@code nanos} for {@code what}; nothing if under {@link #NOTED_NANOS}. */
    public static void waited(long nanos, String what) {
        if (nanos < NOTED_NANOS) {
            return;
        }
        long[] n = NANOS.get();
        n[0] += nanos;
        if (nanos > n[1]) {
            n[1] = nanos;
            WHAT.get()[0] = what;
        }
    }

    /** The waits noted on this thread since the last take, or null; clears them. */
    public static Waited take() {
        long[] n = NANOS.get();
        if (n[0] == 0) {
            return null;
        }
        Waited w = new Waited(n[0], WHAT.get()[0]);
        n[0] = 0;
        n[1] = 0;
        WHAT.get()[0] = null;
        return w;
    }
}
