package dev.logmesh.time;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Loop} on one dedicated thread with the system clock. A task that throws is logged and the
 * loop goes on.
 */
public final class SystemLoop implements Loop, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemLoop.class);

    private final ScheduledThreadPoolExecutor executor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread thread;

    /** Starts a loop whose thread has the given name. */
    public SystemLoop(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.prestartCoreThread();
    }

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public void execute(Runnable task) {
        if (closed.get()) {
            return;
        }
        try {
            executor.execute(() -> run(task));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("loop closed, task dropped");
        }
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        if (closed.get()) {
            return () -> { };
        }
        try {
            ScheduledFuture<?> f = executor.schedule(() -> run(task), Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return () -> { };
        }
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("task on the node loop failed", e);
        }
    }


    /** Stops the loop after the tasks already submitted, waiting up to 5 s for them. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            executor.shutdown();
            if (!inLoop()) {
                try {
                    if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                        executor.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    executor.shutdownNow();
                }
            }
        }
    }
}
