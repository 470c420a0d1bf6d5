package dev.logmesh.time;

import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Loop} on one dedicated daemon thread with the system clock: a Netty {@link DefaultEventLoop},
 * whose lock-free task queue keeps the hand-off from network threads cheap (a scheduled executor puts every
 * task through a locked heap). A task that throws is logged and the loop goes on.
 */
public final class SystemLoop implements Loop, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemLoop.class);

    private final DefaultEventLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Starts a loop whose thread has the given name. */
    public SystemLoop(String threadName) {
        loop = new DefaultEventLoop(new DefaultThreadFactory(threadName, true));
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
            loop.execute(() -> run(task));
        } catch (RejectedExecutionException e) {
            LOG.debug("loop closed, task dropped");
        }
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        if (closed.get()) {
            return () -> { };
        }
        try {
            ScheduledFuture<?> f = loop.schedule(() -> run(task), Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> { };
        }
    }

    @Override
    public boolean inLoop() {
        return loop.inEventLoop();
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("task on the node loop failed", e);
        }
    }

    /** Stops the loop after the tasks already submitted, waiting up to 5 s for them (not from the loop). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            io.netty.util.concurrent.Future<?> f = loop.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            if (!inLoop()) {
                f.awaitUninterruptibly(6, TimeUnit.SECONDS);
            }
        }
    }
}
