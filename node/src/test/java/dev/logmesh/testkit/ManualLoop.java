package dev.logmesh.testkit;

import dev.logmesh.spi.Loop;

import java.util.PriorityQueue;

/**
 * A {@link Loop} for tests: nothing runs until the test calls {@link #runAll} or {@link #advance}, and the
 * clock moves only with {@code advance}. Tasks run in (due time, submission) order, so a whole mesh on one
 * manual loop is deterministic.
 */
public final class ManualLoop implements Loop {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private boolean running;

    /** A loop whose clock starts at {@code startMillis}. */
    public ManualLoop(long startMillis) {
        this.now = startMillis;
    }

    /** A loop whose clock starts at 1 000 000 ms. */
    public ManualLoop() {
        this(1_000_000L);
    }

    private final class Task implements Comparable<Task>, Cancellable {
        final long due;
        final long order = seq++;
        final Runnable body;
        boolean cancelled;

        Task(long due, Runnable body) {
            this.due = due;
            this.body = body;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(order, o.order);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    @Override
    public long now() {
        return now;
    }

    /** Sets the clock without running anything (a clock jump, even backwards). */
    public void setNow(long millis) {
        now = millis;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(new Task(now, task));
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        Task t = new Task(now + Math.max(0, delayMillis), task);
        queue.add(t);
        return t;
    }

    @Override
    public boolean inLoop() {
        return true;
    }

    /** Runs every task that is due now, including tasks they submit for now. @return how many ran */
    public int runAll() {
        return runUntil(now);
    }

    /** Moves the clock forward step by step, running each task when it is due. @return how many ran */
    public int advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("time only moves forward here; use setNow for jumps");
        }
        int ran = runUntil(now + millis);
        return ran;
    }

    private int runUntil(long target) {
        if (running) {
            throw new IllegalStateException("runAll/advance called from a task");
        }
        running = true;
        int ran = 0;
        try {
            while (!queue.isEmpty() && queue.peek().due <= target) {
                Task t = queue.poll();
                if (t.due > now) {
                    now = t.due;
                }
                if (!t.cancelled) {
                    t.body.run();
                    ran++;
                }
            }
            if (target > now) {
                now = target;
            }
        } finally {
            running = false;
        }
        return ran;
    }

    /** How many tasks wait (cancelled ones included until their time). */
    public int pending() {
        return queue.size();
    }

    /** The due time of the next task, or -1 if none. */
    public long nextDue() {
        Task t = queue.peek();
        return t == null ? -1 : t.due;
    }
}
