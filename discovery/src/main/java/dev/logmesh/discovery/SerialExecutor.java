package dev.logmesh.discovery;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor (which may itself run
 * tasks concurrently). After {@link #shutdown()}, pending tasks are dropped and new ones ignored.
 * A task that throws is logged; later tasks still run.
 *
 * <p>Thread-safe.
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor delegate;
    private final Object lock = new Object();

    /** Tasks waiting to run. Guarded by {@link #lock}. */
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();

    /** True while a drain task is submitted to or running on the delegate. Guarded by lock. */
    private boolean draining;

    /** Set once by {@link #shutdown()}. Guarded by lock. */
    private boolean shutdown;

    /** The thread running a task right now, or null. */
    private volatile Thread current;

    SerialExecutor(Executor delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (lock) {
            if (shutdown) {
                return;
            }
            queue.add(task);
            if (draining) {
                return;
            }
            draining = true;
        }
        try {
            delegate.execute(this::drain);
        } catch (RejectedExecutionException e) {
            LOG.warn("callback executor rejected a task; dropping pending callbacks", e);
            synchronized (lock) {
                queue.clear();
                draining = false;
            }
        }
    }

    /** Drops pending tasks and ignores new ones. A task already running finishes. */
    void shutdown() {
        synchronized (lock) {
            shutdown = true;
            queue.clear();
        }
    }

    /** True if the calling thread is running one of this executor's tasks. */
    boolean inTask() {
        return current == Thread.currentThread();
    }

    private void drain() {
        while (true) {
            Runnable task;
            synchronized (lock) {
                task = shutdown ? null : queue.poll();
                if (task == null) {
                    draining = false;
                    return;
                }
            }
            current = Thread.currentThread();
            boolean survived = false;
            try {
                task.run();
                survived = true;
            } catch (RuntimeException e) {
                LOG.warn("discovery callback failed", e);
                survived = true;
            } finally {
                current = null;
                if (!survived) {
                    // an Error escapes: let the next execute() start a new drain
                    synchronized (lock) {
                        draining = false;
                    }
                }
            }
        }
    }
}
