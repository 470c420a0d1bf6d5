package dev.logmesh.internal.net;

import dev.logmesh.spi.Loop;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Loop} on one dedicated daemon thread with the system clock: a Netty I/O event loop, whose lock-free
 * task queue keeps hand-offs cheap (a scheduled executor puts every task through a locked heap). A task that
 * throws is logged and the loop goes on.
 *
 * <p>The WebSocket transport puts its channels on this same thread ({@link #ioGroup()}): a frame is read,
 * decoded, applied to the log and answered without waking another thread, and a message is written to the
 * socket by the task that sends it. On a node with a handful of peers, one thread does it all with the least
 * latency; measured in README "Performance" ({@code scripts/bench-sync}, {@code scripts/bench-netns}).
 */
public final class SystemLoop implements Loop, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemLoop.class);

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Starts a loop whose thread has the given name. */
    public SystemLoop(String threadName) {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true),
            NioIoHandler.newFactory());
        loop = group.next();
    }

    /** The loop as a Netty event loop group of one thread, for channels that should run on it. */
    public EventLoopGroup ioGroup() {
        return group;
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
            io.netty.util.concurrent.Future<?> f = group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            if (!inLoop()) {
                f.awaitUninterruptibly(6, TimeUnit.SECONDS);
            }
        }
    }
}
