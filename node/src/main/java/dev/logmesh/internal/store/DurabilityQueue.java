package dev.logmesh.internal.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping behind {@link dev.logmesh.spi.Store#whenDurable}: which commits are durable, and the callbacks
 * waiting for them. A store's owner thread numbers its commits ({@link #committed}); whoever makes them durable (a
 * writer thread after an fsync, a test's clock) reports how far ({@link #durableUpTo}); each callback runs once every
 * commit made before it was registered is durable.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Order.</b> Callbacks of one executor (the node's loop) run in the order they were registered, never two
 *       at once: a callback registered when everything is durable and nothing of its executor waits runs at once on
 *       the calling thread (the memory store's path, no hand-off); otherwise it queues behind the others, and the
 *       ready ones are handed to their executor as one task, one task in flight per executor. Executors have lanes
 *       of their own, so one that silently drops tasks (a closed loop) holds up only its own callbacks, never those
 *       of the next node on the same store.</li>
 *   <li><b>Failure.</b> After {@link #fail} (an fsync that failed: nothing can be promised about the commits it
 *       covered) no callback runs any more, waiting or new: nothing is acknowledged that may not be on disk.</li>
 *   <li><b>Closing.</b> An executor that refuses a task (its loop ended) drops the callbacks of that task.</li>
 * </ul>
 *
 * <p>A commit made on another thread than the owner's (the store's write-behind, {@link SqliteStore}) is numbered by
 * the owner when it is handed over ({@link #promise}) and reported made by that thread ({@link #committedUpTo}):
 * callbacks registered after the hand-over wait for it, and a writer makes durable only what was made.
 *
 * <p>Thread-safe: {@link #committed}, {@link #promise} and {@link #whenDurable} come from the store's owner (the
 * node's loop), {@link #committedUpTo}, {@link #durableUpTo} and {@link #fail} from any thread.
 */
public final class DurabilityQueue {
    private static final Logger LOG = LoggerFactory.getLogger(DurabilityQueue.class);

    /** A callback waiting for commit {@code seq}. */
    private record Waiter(long seq, Runnable action) {
    }

    private final Object lock = new Object();
    /** Commits made so far (the newest commit's number). Guarded by {@link #lock}. */
    private long committedSeq;
    /**
     * Commits numbered so far, made or promised ({@link #promise}): at least {@link #committedSeq}; callbacks wait
     * for this one. Guarded by {@link #lock}.
     */
    private long promisedSeq;
    /** Commits known durable. Guarded by {@link #lock}. */
    private long durableSeq;
    /** {@code lastAdded} of the store after the newest durable commit. Guarded by {@link #lock}. */
    private long durableAdded;
    /** {@code lastAdded} of each commit not yet durable, oldest first, with its number. Guarded by {@link #lock}. */
    private final ArrayDeque<long[]> addedOf = new ArrayDeque<>();
    /** The callbacks of one executor not yet handed out, in registration order, and whether a task is out. */
    private static final class Lane {
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        /** Whether a task of ready callbacks was handed to the executor and has not finished. */
        boolean inFlight;
    }

    /** Lanes by executor (identity); a lane with nothing waiting and nothing out is removed. Guarded by {@link #lock}. */
    private final java.util.IdentityHashMap<Executor, Lane> lanes = new java.util.IdentityHashMap<>();
    /** Why durability can no longer be promised, or null. Guarded by {@link #lock}. */
    private Exception failure;

    /** A queue where everything up to {@code lastAdded} is already durable (what a store found at open). */
    public DurabilityQueue(long lastAdded) {
        this.durableAdded = lastAdded;
    }

    /**
     * A commit was made (owner thread), after which the store's {@code lastAdded} is {@code lastAdded}.
     *
     * @return its number, for {@link #durableUpTo}
     */
    public long committed(long lastAdded) {
        synchronized (lock) {
            long seq = promiseLocked(lastAdded);
            committedSeq = seq;
            return seq;
        }
    }

    /**
     * A commit will be made (owner thread) by another thread, after which the store's {@code lastAdded} is {@code
     * lastAdded}: numbered now, so that a callback registered from here on waits for it, but no writer makes it
     * durable before {@link #committedUpTo} says it was made. Promised commits are made in the order of their numbers,
     * and no commit is numbered while one is promised and not made.
     *
     * @return its number, for {@link #committedUpTo}
     */
    public long promise(long lastAdded) {
        synchronized (lock) {
            return promiseLocked(lastAdded);
        }
    }

    private long promiseLocked(long lastAdded) {
        promisedSeq++;
        addedOf.add(new long[] {promisedSeq, lastAdded});
        return promisedSeq;
    }

    /** The promised commits up to number {@code seq} were made (any thread): a writer may make them durable now. */
    public void committedUpTo(long seq) {
        synchronized (lock) {
            committedSeq = Math.max(committedSeq, Math.min(seq, promisedSeq));
        }
    }

    /** The newest commit's number (0 before the first): what a writer makes durable next. */
    public long committedSeq() {
        synchronized (lock) {
            return committedSeq;
        }
    }

    /** Whether every commit made so far is durable. */
    public boolean allDurable() {
        synchronized (lock) {
            return durableSeq >= promisedSeq;
        }
    }

    /** The store's {@code lastAdded} as of the newest durable commit (any thread). */
    public long durableAdded() {
        synchronized (lock) {
            return durableAdded;
        }
    }

    /**
     * Commits up to number {@code seq} are durable (any thread); callbacks waiting for them are handed to their
     * executors. A lower number than already reported changes nothing.
     */
    public void durableUpTo(long seq) {
        synchronized (lock) {
            if (seq <= durableSeq || failure != null) {
                return;
            }
            durableSeq = Math.min(seq, committedSeq);
            while (!addedOf.isEmpty() && addedOf.peek()[0] <= durableSeq) {
                durableAdded = addedOf.poll()[1];
            }
        }
        dispatch();
    }

    /** Durability can no longer be promised (a failed fsync): no waiting or later callback ever runs. */
    public void fail(Exception cause) {
        Objects.requireNonNull(cause, "cause");
        synchronized (lock) {
            if (failure == null) {
                failure = cause;
            }
            lanes.clear();
        }
    }

    /** Why durability can no longer be promised, or null. */
    public Exception failure() {
        synchronized (lock) {
            return failure;
        }
    }

    /**
     * Runs {@code action} once every commit made so far is durable: at once on this thread if it already is and no
     * earlier callback waits, else later through {@code executor}, after the callbacks registered before it. Never
     * after {@link #fail}.
     */
    public void whenDurable(Runnable action, Executor executor) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(executor, "executor");
        boolean now;
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            Lane lane = lanes.get(executor);
            now = lane == null && durableSeq >= promisedSeq;
            if (!now) {
                if (lane == null) {
                    lane = new Lane();
                    lanes.put(executor, lane);
                }
                lane.waiters.add(new Waiter(promisedSeq, action));
            }
        }
        if (now) {
            action.run();
        } else {
            dispatch();
        }
    }

    /** Hands each lane's ready callbacks to its executor, as one task, unless that lane has one out. */
    private void dispatch() {
        List<Executor> executors = new ArrayList<>();
        List<List<Runnable>> tasks = new ArrayList<>();
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            java.util.Iterator<java.util.Map.Entry<Executor, Lane>> it = lanes.entrySet().iterator();
            while (it.hasNext()) {
                java.util.Map.Entry<Executor, Lane> e = it.next();
                Lane lane = e.getValue();
                if (lane.inFlight) {
                    continue;
                }
                List<Runnable> ready = new ArrayList<>();
                while (!lane.waiters.isEmpty() && lane.waiters.peek().seq() <= durableSeq) {
                    ready.add(lane.waiters.poll().action());
                }
                if (!ready.isEmpty()) {
                    lane.inFlight = true;
                    executors.add(e.getKey());
                    tasks.add(ready);
                } else if (lane.waiters.isEmpty()) {
                    it.remove();
                }
            }
        }
        for (int i = 0; i < executors.size(); i++) {
            Executor executor = executors.get(i);
            List<Runnable> ready = tasks.get(i);
            try {
                executor.execute(() -> runAll(executor, ready));
            } catch (RejectedExecutionException e) {
                LOG.debug("{} durability callbacks dropped: their executor is closed", ready.size());
                synchronized (lock) {
                    lanes.remove(executor);
                }
            }
        }
    }

    private void runAll(Executor executor, List<Runnable> ready) {
        try {
            synchronized (lock) {
                if (failure != null) {
                    return;
                }
            }
            for (Runnable r : ready) {
                r.run();
            }
        } finally {
            synchronized (lock) {
                Lane lane = lanes.get(executor);
                if (lane != null) {
                    lane.inFlight = false;
                }
            }
            dispatch();
        }
    }
}
