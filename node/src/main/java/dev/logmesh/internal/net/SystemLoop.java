package dev.logmesh.internal.net;

import dev.logmesh.internal.callback.OwnWaits;
import dev.logmesh.spi.Loop;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Loop} on one dedicated daemon thread with the system clock: a Netty I/O event loop, whose lock-free
 * task queue keeps hand-offs cheap (a scheduled executor puts every task through a locked heap).
 *
 * <h2>Failures</h2>
 * A task that throws a {@link RuntimeException} is logged and the loop goes on: the task's owner had the chance
 * to handle it. Once the loop is closed such a failure is logged at DEBUG only: it is the rest of a task whose node
 * was closed from inside it (by a subscriber or listener) meeting the closed store or sessions. A task that throws an {@link Error} ({@code OutOfMemoryError}, {@code StackOverflowError}, a
 * linkage error) leaves the state the loop owns in an unknown condition: the loop logs it and hands it to its
 * {@linkplain #onFatal fatal handlers} (the nodes running on it close themselves, loudly); with no handler it
 * stops itself. It never carries on half alive. Application code the node calls (listeners, subscribers, reducers,
 * hooks) does not get here with an Error that says nothing of the JVM's health: the node catches it where it calls
 * that code ({@link dev.logmesh.internal.callback.Callbacks}), as it does a RuntimeException.
 *
 * <p>The WebSocket transport puts its channels on this same thread ({@link #ioGroup()}): a frame is read,
 * decoded, applied to the log and answered without waking another thread, and a message is written to the
 * socket by the task that sends it. On a node with a handful of peers, one thread does it all with the least
 * latency; measured in docs/performance.md ({@code scripts/bench-sync}, {@code scripts/bench-netns}).
 */
public final class SystemLoop implements Loop, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemLoop.class);

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Told of an {@link Error} thrown by a task; any thread may add. */
    private final java.util.List<java.util.function.Consumer<Error>> fatalHandlers =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The first {@link Error} a task threw, or null. */
    private volatile Error failure;

    /**
     * A task that runs this long (ms) or longer is warned about ({@link #slowTask}): the loop did nothing else
     * meanwhile, so every session of the node went without its pings (a peer ends one after 8 s of silence) and every
     * call waited. 2 s: far above what a task of the node's own takes (a fold, a replay, a catch-up are cut into
     * slices of 10 ms), below a session's timeout.
     */
    public static final long SLOW_TASK_MILLIS = 2_000;

    /** After a slow task is warned about, the next ones are only counted for this long (ns): 60 s. */
    static final long SLOW_QUIET_NANOS = 60_000_000_000L;

    private final long slowTaskNanos;
    /** When the last slow task was warned about ({@link System#nanoTime}); loop thread only. */
    private long slowWarnedAt;
    private boolean slowWarned;
    /** Slow tasks since the last one warned about; loop thread only. */
    private long slowUnwarned;

    /**
     * When the task the loop runs now started ({@link System#nanoTime}, made odd so it is never 0), or 0 while the
     * loop runs none of its tasks: written by the loop thread, read by the {@link #WATCH watch}.
     */
    private volatile long taskStarted;
    /** The loop's thread, set by its first task; the watch reads its stack. */
    private volatile Thread thread;
    /**
     * The {@link #taskStarted} of the last task the watch warned about, and when: written by the watch under {@link
     * #warnLock}, read by the loop under it.
     */
    private long stuckWarnedTask;
    private long stuckWarnedAt;
    private boolean stuckWarned;
    /** This loop's check on the {@link #WATCH}, cancelled by {@link #close}. */
    private final java.util.concurrent.ScheduledFuture<?> watch;

    /** How often the watch looks at each loop for a task that has not returned (ms). */
    static final long WATCH_EVERY_MILLIS = 500;

    /**
     * One daemon thread for every {@link SystemLoop} of the JVM that looks, every {@link #WATCH_EVERY_MILLIS}, for a
     * loop stuck in one task ({@link #checkStuck}); made with the first loop, ended with the last one's close (so a
     * closed node leaves no thread).
     */
    private static java.util.concurrent.ScheduledThreadPoolExecutor WATCH;
    /** Loops open on {@link #WATCH}; guarded by {@code SystemLoop.class}. */
    private static int watched;

    /** Starts a loop whose thread has the given name. */
    public SystemLoop(String threadName) {
        this(threadName, SLOW_TASK_MILLIS);
    }

    /** As {@link #SystemLoop(String)}, warning about tasks that run {@code slowTaskMillis} or longer (tests). */
    public SystemLoop(String threadName, long slowTaskMillis) {
        group = NettyTransport.current().newGroup(1, new DefaultThreadFactory(threadName, true));
        loop = group.next();
        slowTaskNanos = TimeUnit.MILLISECONDS.toNanos(slowTaskMillis);
        watch = watch(this);
    }

    /**
     * The watch's last look at any loop ({@link System#nanoTime}), from the watch's start: written by the watch
     * thread (and by the thread that starts the watch). A look that comes {@link #PAUSE_MILLIS} later than its period
     * says that this process did not run meanwhile ({@link #pausedWithin}).
     */
    private static volatile long watchLooked;
    /** The last gap the watch saw between its looks (nanoTime, from the look before it to the one after). */
    private static volatile long pauseFrom;
    private static volatile long pauseTo;
    /** The {@code from} of the last pause said ({@link #sayPause}); guarded by {@code SystemLoop.class}. */
    private static long pauseSaidFrom;

    /**
     * A gap this long (ms) beyond the watch's period between two of its looks is a pause of the whole process: it was
     * stopped (SIGSTOP, a debugger), its machine or VM was suspended, a garbage collection stopped every thread, or
     * the machine gave it no CPU. 2 s, as a slow task: below a session's 8 s timeout.
     */
    static final long PAUSE_MILLIS = SLOW_TASK_MILLIS;

    /**
     * How much (ns) of the span {@code from}..{@code to} (nanoTime) this process did not run, as the watch saw it: the
     * last gap between its looks, or the time since its last look if that is already a pause (the loop can finish a
     * task before the watch thread looks again after a SIGCONT). Any thread.
     */
    static long pausedWithin(long from, long to) {
        long now = System.nanoTime();
        long looked = watchLooked;
        long overlap = overlap(from, to, pauseFrom, pauseTo);
        if (looked != 0 && now - looked > TimeUnit.MILLISECONDS.toNanos(WATCH_EVERY_MILLIS + PAUSE_MILLIS)) {
            overlap = Math.max(overlap, overlap(from, to, looked, now));
        }
        return overlap;
    }

    private static long overlap(long a0, long a1, long b0, long b1) {
        return b0 == 0 && b1 == 0 ? 0 : Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
    }

    /** The start of the pause that covers {@code from}..{@code to}: the gap's if any, else the watch's last look. */
    private static long pauseStart(long from, long to) {
        return overlap(from, to, pauseFrom, pauseTo) > 0 ? pauseFrom : watchLooked;
    }

    /**
     * Says once, whichever notices it first (the watch, or a loop whose task it covered), that this process did not
     * run for about {@code nanos}: a node that stopped answering is then explained by the process, not blamed on the
     * application's code (break37: a node stopped with SIGSTOP in a task was told that "a subscriber, listener,
     * answerer, state reducer or hook must not block").
     */
    private static synchronized void sayPause(long from, long nanos, String loopName, long taskNanos) {
        if (from == pauseSaidFrom) {
            return;
        }
        pauseSaidFrom = from;
        LOG.warn("this process did not run for about {} ms{}: it was stopped (SIGSTOP, a debugger), its machine or VM "
            + "was suspended, a garbage collection stopped it, or the machine gave it no CPU. Meanwhile no session of "
            + "the node was served (a peer ends one after 8 s without a reply)", nanos / 1_000_000,
            loopName == null ? "" : " (the node loop " + loopName + " was in a task of " + taskNanos / 1_000_000
                + " ms)");
    }

    /** The watch's look at the time (on the watch thread, before each loop's check): notes a gap as a pause. */
    private static void look() {
        long now = System.nanoTime();
        long before = watchLooked;
        watchLooked = now;
        if (before != 0 && now - before > TimeUnit.MILLISECONDS.toNanos(WATCH_EVERY_MILLIS + PAUSE_MILLIS)) {
            pauseFrom = before;
            pauseTo = now;
            sayPause(before, now - before - TimeUnit.MILLISECONDS.toNanos(WATCH_EVERY_MILLIS), null, 0);
        }
    }

    /** Registers {@code loop}'s check on the shared watch thread, starting that thread for the first loop. */
    private static synchronized java.util.concurrent.ScheduledFuture<?> watch(SystemLoop loop) {
        if (WATCH == null) {
            WATCH = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "logmesh-loop-watch");
                t.setDaemon(true);
                return t;
            });
            WATCH.setRemoveOnCancelPolicy(true);
            // its first look is due a period from now (a process stopped before that look is a pause too);
            // and a watch made again after the last loop closed does not take the time between as one
            watchLooked = System.nanoTime();
        }
        watched++;
        return WATCH.scheduleWithFixedDelay(() -> {
            look();
            loop.checkStuck();
        }, WATCH_EVERY_MILLIS, WATCH_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Ends {@code loop}'s check, and the watch thread with the last loop's. */
    private static synchronized void unwatch(SystemLoop loop) {
        loop.watch.cancel(false);
        if (--watched == 0) {
            WATCH.shutdown();
            WATCH = null;
        }
    }

    /** The loop as a Netty event loop group of one thread, for channels that should run on it. */
    public EventLoopGroup ioGroup() {
        return group;
    }

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    /**
     * {@code System.nanoTime()} in ms is shifted to read the wall clock at the class's start: its values are then as
     * large as {@link #now}'s (the session code takes 0 and -1 for "never"), whatever origin the JVM's has.
     */
    private static final long MONOTONIC_ORIGIN = System.currentTimeMillis() - System.nanoTime() / 1_000_000;

    @Override
    public long monotonicMillis() {
        return System.nanoTime() / 1_000_000 + MONOTONIC_ORIGIN;
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

    /**
     * Registers a handler for an {@link Error} thrown by a task: called on the loop thread, after the task's stack
     * has unwound. The node that owns the loop closes itself from there.
     *
     * @return a handle that removes the handler
     */
    public Runnable onFatal(java.util.function.Consumer<Error> handler) {
        fatalHandlers.add(handler);
        return () -> fatalHandlers.remove(handler);
    }

    /** The {@link Error} that ended this loop's nodes, or null. */
    public Error failure() {
        return failure;
    }

    private void run(Runnable task) {
        long started = System.nanoTime();
        if (thread == null) {
            thread = Thread.currentThread();
        }
        long thisTask = started | 1;
        taskStarted = thisTask;
        OwnWaits.take(); // a note left by code that ran outside a task
        try {
            task.run();
        } catch (RuntimeException e) {
            if (closed.get()) {
                // the rest of a task whose node closed during it (a subscriber or listener closed it) found the
                // store or a session closed: what close is for, not an error (embed25; CloseFromCallbackTest)
                LOG.debug("task on the node loop failed after the loop was closed", e);
            } else {
                LOG.error("task on the node loop failed", e);
            }
        } catch (Error e) {
            fatal(e);
        } finally {
            taskStarted = 0;
        }
        long took = System.nanoTime() - started;
        OwnWaits.Waited own = OwnWaits.take();
        if (took >= slowTaskNanos && !closed.get()) {
            slowTask(took, thisTask, own);
        }
    }

    /**
     * Whether most of a task's {@code took} ns went to a wait of the node's own code ({@code own}: its store met
     * another process's lock, or a slow disk): then the slow-task warning names that, not the application.
     */
    private static boolean ownWait(long took, OwnWaits.Waited own) {
        return own != null && own.nanos() * 2 >= took;
    }

    /**
     * A task held the loop for {@code nanos}: says so, at most once a minute with a count of the others. Before
     * (session 29, an embedding trial), a subscriber that blocked for 12 s made its node's peers end their sessions
     * ("timed out: no synced for 8950 ms ... the peer is gone or the link is slower than 16384 bytes/s", said by the
     * peer) while the node itself said nothing: the application had no line that named the cause.
     */
    private void slowTask(long nanos, long task, OwnWaits.Waited own) {
        long now = System.nanoTime();
        synchronized (warnLock) {
            if (stuckWarned && stuckWarnedTask == task) {
                // the watch has said it while it ran (with where): one WARN per task; its end is news, not a warning
                // (before, embed34: a task of 2-5 s gave two WARN lines, one from the watch and this one)
                LOG.info("the task the node loop {} had not returned from returned after {} ms{}",
                    Thread.currentThread().getName(), nanos / 1_000_000,
                    ownWait(nanos, own) ? " (" + own.nanos() / 1_000_000 + " ms of it: " + own.what() + ")" : "");
                return;
            }
            if (stuckWarned && now - stuckWarnedAt < SLOW_QUIET_NANOS) {
                // the watch warned of another task within the minute: one warning a minute, whichever said it (before,
                // session 36: a slow task after one the watch had said was a second WARN within the minute)
                slowUnwarned++;
                return;
            }
        }
        if (slowWarned && now - slowWarnedAt < SLOW_QUIET_NANOS) {
            slowUnwarned++;
            return;
        }
        long paused = pausedWithin(now - nanos, now);
        if (paused * 2 >= nanos) {
            // the process did not run for most of it: not the application's doing, and said once per pause
            sayPause(pauseStart(now - nanos, now), paused, Thread.currentThread().getName(), nanos);
            return;
        }
        String others = slowUnwarned == 0 ? ""
            : " (" + slowUnwarned + " other task(s) this slow since the last such warning)";
        if (ownWait(nanos, own)) {
            LOG.warn("one task held the node loop {} for {} ms, {} ms of it waiting in the node's own store: {}. "
                + "Meanwhile no session of the node was served (a peer ends one after 8 s without a reply) and every "
                + "call on the node waited{}", Thread.currentThread().getName(), nanos / 1_000_000,
                own.nanos() / 1_000_000, own.what(), others);
        } else {
            LOG.warn("one task held the node loop {} for {} ms: meanwhile no session of the node was served (a peer "
                + "ends one after 8 s without a reply) and every call on the node waited. A subscriber, listener, "
                + "answerer, state reducer or hook must not block (sleep, I/O, a lock, waiting for another thread): "
                + "hand such work to an executor of your own{}", Thread.currentThread().getName(), nanos / 1_000_000,
                others);
        }
        slowWarned = true;
        slowWarnedAt = now;
        slowUnwarned = 0;
    }

    /**
     * Held while the watch decides and says that a task has not returned, and while the loop decides how to say that
     * one returned slowly: so that a task is warned about once, by whichever comes first.
     */
    private final Object warnLock = new Object();

    /**
     * The watch's look at this loop (on the watch thread): a task that has run {@link #SLOW_TASK_MILLIS} or longer
     * and not returned yet is warned about now, with where the loop thread is (the application's frames above the
     * node's: the subscriber or listener that blocks, and what it waits in), at most once per task and once a minute.
     * {@link #slowTask} says how long it took only once it returns, and a task that never returns (a subscriber
     * waiting for a latch that the thread it waits for counts down only after a node's future it waits for: the
     * deadlock an embedding app makes) said nothing at all: every call on the node hung, the peers ended their
     * sessions ("timed out"), and {@code close} took 18 s, without a line naming the cause (embed33).
     */
    private void checkStuck() {
        long started = taskStarted;
        Thread t = thread;
        if (started == 0 || t == null || closed.get()) {
            return;
        }
        long now = System.nanoTime();
        if (now - started < slowTaskNanos || (stuckWarned && (started == stuckWarnedTask
            || now - stuckWarnedAt < SLOW_QUIET_NANOS))) {
            return;
        }
        if (pausedWithin(started, now) * 2 >= now - started) {
            return; // most of it the process did not run: look() has said so, and the task may end soon
        }
        StackTraceElement[] stack = t.getStackTrace();
        String at = where(stack);
        synchronized (warnLock) {
            if (taskStarted != started) {
                return; // it returned meanwhile: slowTask says it
            }
            stuckWarned = true;
            stuckWarnedTask = started;
            stuckWarnedAt = now;
            if (inStore(stack)) {
                LOG.warn("the node loop {} has run one task for {} ms and it has not returned yet: it waits in the "
                    + "node's own store (SQLite: another process holding a lock on the log's database, sqlite3 or a "
                    + "backup tool; or a slow disk). Meanwhile no session of the node is served (a peer ends one after "
                    + "8 s without a reply) and no call on the node completes. The loop thread is at: {}", t.getName(),
                    (now - started) / 1_000_000, at);
                return;
            }
            LOG.warn("the node loop {} has run one task for {} ms and it has not returned yet: meanwhile no session "
                + "of the node is served (a peer ends one after 8 s without a reply) and no call on the node "
                + "completes. A subscriber, listener, answerer, state reducer or hook must not block (sleep, I/O, a "
                + "lock, waiting for another thread): hand such work to an executor of your own. The loop thread is "
                + "at: {}", t.getName(), (now - started) / 1_000_000, at);
        }
    }

    /**
     * Whether a loop's stack is in the node's own store: its innermost frame of the node ({@link #isNode}) is the
     * store's, and the frames above it are the JDK's or SQLite's driver (not an application's callback, which the
     * node calls from the facade or a session, never from the store).
     */
    static boolean inStore(StackTraceElement[] stack) {
        for (StackTraceElement f : stack) {
            String c = f.getClassName();
            if (isNode(c)) {
                return c.startsWith("dev.logmesh.internal.store.");
            }
            if (!(c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.") || c.startsWith("org.sqlite."))) {
                return false;
            }
        }
        return false;
    }

    /** At most this many frames of a stuck loop's stack are named ({@link #where}). */
    static final int STUCK_FRAMES = 12;

    /**
     * The frames of a stuck loop's stack above the node's own ({@link #isNode}: those of the application's code
     * that blocks and of what it waits in), innermost first, joined by " < "; the top {@link #STUCK_FRAMES} if
     * there is no such frame (the node's own code is slow).
     */
    static String where(StackTraceElement[] stack) {
        int end = 0;
        while (end < stack.length && !isNode(stack[end].getClassName())) {
            end++;
        }
        if (end == 0 || end == stack.length) {
            end = stack.length;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(end, STUCK_FRAMES); i++) {
            out.append(i == 0 ? "" : " < ").append(stack[i]);
        }
        if (end > STUCK_FRAMES) {
            out.append(" < ... (").append(end - STUCK_FRAMES).append(" more)");
        }
        return out.toString();
    }

    /** Where the loop thread is now, as {@link #where} says it; "" before its first task. */
    public String at() {
        Thread t = thread;
        return t == null ? "" : where(t.getStackTrace());
    }

    /**
     * Whether a frame's class is the node's own, which calls the application's code: its internals, {@code MeshNode}
     * and {@code ReplicatedState} (not the rest of {@code dev.logmesh}: the examples, an application's tests).
     */
    private static boolean isNode(String className) {
        return className.startsWith("dev.logmesh.internal.")
            || className.matches("dev\\.logmesh\\.(MeshNode|ReplicatedState)(\\$.*)?");
    }

    /**
     * How long (ms) the loop has been in the task it runs now, or 0 while it runs none: {@link
     * dev.logmesh.MeshNode#close} waits no longer for a loop that has been stuck in one task (the application's).
     */
    public long taskRunningMillis() {
        long started = taskStarted;
        return started == 0 ? 0 : (System.nanoTime() - started) / 1_000_000;
    }

    private void fatal(Error e) {
        if (failure == null) {
            failure = e;
        }
        LOG.error("fatal error on the node loop: the node stops", e);
        if (fatalHandlers.isEmpty()) {
            close();
            return;
        }
        for (java.util.function.Consumer<Error> h : fatalHandlers) {
            try {
                h.accept(e);
            } catch (RuntimeException | Error again) {
                LOG.error("closing after a fatal error failed", again);
            }
        }
    }

    /** Stops the loop after the tasks already submitted, waiting up to 5 s for them (not from the loop). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            unwatch(this);
            io.netty.util.concurrent.Future<?> f = group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            if (!inLoop() && taskRunningMillis() < SLOW_TASK_MILLIS) { // not for a loop stuck in a task: it would
                // only wait the whole time, and the thread ends whenever the task returns
                f.awaitUninterruptibly(6, TimeUnit.SECONDS);
            }
        }
    }
}
