package dev.logmesh.internal.session;

/**
 * One node's limit on a log line that may recur without end (an application hook that throws for every action of
 * every client): the line is written at most once per {@code everyMillis}, and the next one counts those held back.
 * Shared by the sessions of one node through its {@link SessionConfig} (a copy made with {@code with...} keeps it), so
 * 500 clients whose actions all fail give one line a minute, not 500.
 *
 * <p>Thread-safe (the sessions of a node run on its loop; a lock costs nothing at this rate).
 */
public final class LineLimit {
    private final long everyMillis;
    private long saidAt = Long.MIN_VALUE;
    private long held;

    /** @param everyMillis the least time between two lines, in ms of the clock the callers pass */
    public LineLimit(long everyMillis) {
        this.everyMillis = everyMillis;
    }

    /**
     * Whether the line may be written at {@code now} (ms); if so, returns how many were held back since the last one
     * (0 or more), else -1, and counts this one as held back.
     */
    public synchronized long take(long now) {
        if (saidAt == Long.MIN_VALUE || now - saidAt >= everyMillis) {
            long before = held;
            saidAt = now;
            held = 0;
            return before;
        }
        held++;
        return -1;
    }
}
