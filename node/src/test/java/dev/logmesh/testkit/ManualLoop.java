package dev.logmesh.testkit;

import dev.logmesh.spi.Loop;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A {@link Loop} for tests: nothing runs until the test calls {@link #runAll} or {@link #advance}, and the
 * clock moves only with {@code advance}. Tasks run in (due time, submission) order, so a whole mesh on one
 * manual loop is deterministic.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>One thread: the test's. {@link #inLoop()} is always true, so a node runs what it would post to its
 *       loop inline when called from the test; {@link #runAll}/{@link #advance} must not be called from a
 *       task (they throw).</li>
 *   <li>A task that throws propagates out of {@code runAll}/{@code advance} to the test (the rest stay
 *       queued): a failure inside a node fails the test instead of being logged.</li>
 *   <li>Seeded: {@link #random()} is the one source of randomness for everything that runs on the loop
 *       (the in-memory network's latencies and faults, the nodes' redial jitter), so a run replays exactly
 *       from the seed.</li>
 *   <li>{@link #withClockOffset} gives a machine whose clock is skewed, on the same queue and time line.</li>
 *   <li>{@link #nettyOrder()} runs tasks in the order a Netty event loop does (the node's real loop): every task
 *       posted with {@link #execute} runs, in posting order, before any scheduled task, even one already due. A
 *       Netty loop runs its posted tasks back to back (for up to 1 s) before it reads sockets or runs due timers
 *       again, so work that goes on by posting itself holds the loop's I/O and timers back; in this order a test
 *       sees that (session 24). The default order, one queue by (due time, submission), does not tell them
 *       apart.</li>
 * </ul>
 */
public final class ManualLoop implements Loop {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    /** Tasks posted with {@link #execute} in {@link #nettyOrder()}, in posting order. */
    private final ArrayDeque<Task> posted = new ArrayDeque<>();
    private boolean nettyOrder;
    private final Random random;
    private final long seed;
    private long now;
    private long seq;
    private boolean running;

    /** A loop whose clock starts at {@code startMillis}, with randomness from {@code seed}. */
    public ManualLoop(long startMillis, long seed) {
        this.now = startMillis;
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** A loop whose clock starts at {@code startMillis}, seed 0. */
    public ManualLoop(long startMillis) {
        this(startMillis, 0);
    }

    /** A loop whose clock starts at 1 000 000 ms, seed 0. */
    public ManualLoop() {
        this(1_000_000L);
    }

    /**
     * From now on, tasks posted with {@link #execute} all run, in posting order, before any scheduled task (see the
     * class notes); call it before anything is queued.
     *
     * @return this loop
     * @throws IllegalStateException if tasks are queued already
     */
    public ManualLoop nettyOrder() {
        if (!queue.isEmpty()) {
            throw new IllegalStateException("nettyOrder() after tasks were queued");
        }
        nettyOrder = true;
        return this;
    }

    /** The seed of {@link #random()}. */
    public long seed() {
        return seed;
    }

    /** The loop's seeded randomness: use it (never an unseeded source) for anything a run depends on. */
    public Random random() {
        return random;
    }

    /**
     * This loop as seen by a machine whose wall clock reads {@code offsetMillis} ahead (negative: behind):
     * {@link Loop#now()} is shifted, tasks and timers go to this loop's queue and time line. For a node with a
     * skewed clock ({@code NodeConfig.Builder.loop(loop.withClockOffset(-30_000))}).
     */
    public Loop withClockOffset(long offsetMillis) {
        return withClockOffset(() -> offsetMillis);
    }

    /**
     * A view of this loop whose clock reads {@code offsetMillis.getAsLong()} ms ahead of it (negative: behind),
     * read at every {@code now()}: a clock that a test steps forwards or backwards while the node runs.
     */
    public Loop withClockOffset(java.util.function.LongSupplier offsetMillis) {
        ManualLoop base = this;
        return new Loop() {
            @Override
            public long now() {
                return base.now() + offsetMillis.getAsLong();
            }

            @Override
            public long monotonicMillis() {
                return base.now(); // a clock set on the machine moves now(), not the time that passes
            }

            @Override
            public void execute(Runnable task) {
                base.execute(task);
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                return base.schedule(delayMillis, task);
            }

            @Override
            public boolean inLoop() {
                return true;
            }

            @Override
            public String toString() {
                long offset = offsetMillis.getAsLong();
                return base + (offset >= 0 ? "+" : "") + offset + "ms";
            }
        };
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
        if (nettyOrder) {
            posted.add(new Task(now, task));
        } else {
            queue.add(new Task(now, task));
        }
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        long delay = Math.max(0, delayMillis);
        // a delay past the end of the clock (MeshNode.ask with a huge timeout) is due never, not at once (before
        // session 26 now + delay overflowed to a time in the past)
        Task t = new Task(now > Long.MAX_VALUE - delay ? Long.MAX_VALUE : now + delay, task);
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
            while (!posted.isEmpty() || (!queue.isEmpty() && queue.peek().due <= target)) {
                Task t = posted.isEmpty() ? queue.poll() : posted.poll();
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
        return queue.size() + posted.size();
    }

    /** The due time of the next task, or -1 if none. */
    public long nextDue() {
        if (!posted.isEmpty()) {
            return posted.peek().due;
        }
        Task t = queue.peek();
        return t == null ? -1 : t.due;
    }

    @Override
    public String toString() {
        return "ManualLoop(now " + now + ", seed " + seed + ")";
    }
}
