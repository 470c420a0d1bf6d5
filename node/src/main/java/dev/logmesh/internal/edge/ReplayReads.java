package dev.logmesh.internal.edge;

import dev.logmesh.Entry;
import dev.logmesh.StoreException;
import dev.logmesh.internal.callback.Callbacks;
import dev.logmesh.spi.Store;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a node's channel replays ({@link ChannelReplay.Read}) read the log when its store can read beside its owner
 * ({@link Store#pageReader}): one thread of the node's own ({@code logmesh-replay <node id>}, a daemon, made with the
 * first replay) and one reader of the store, shared by all the node's client sessions. A replay goes a page at a
 * time: the thread reads a page ({@link ChannelReplay.Read#next}), the loop takes it ({@link ChannelReplay.Read#take}:
 * the channel's filter and the connection's dedup are the loop's), then the next page is queued behind the pages of
 * the other replays. So many subscriptions at once wait in one queue, each for its turn of a page (no thread each,
 * and one large replay does not hold back the others), and the loop spends on a page only the filter's time.
 * Before (session 44) the whole replay read on the loop: tens of ms a subscription at the read bound on a log of
 * 1,000,000 entries, during which no ping, sync or client action of any session was served.
 *
 * <p>The first page is read once the log is durable up to the subscription ({@code whenDurable}): the reader sees
 * what the owner committed, and an entry added on the loop may be committed later (group commit, write-behind).
 *
 * <p>Loop only, except {@link #close}.
 */
public final class ReplayReads {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayReads.class);

    /** How long {@link #close} waits for a page read that runs. */
    static final long CLOSE_WAIT_SECONDS = 10;

    private final Supplier<Store.PageReader> open;
    private final Executor loop;
    private final Consumer<Runnable> whenDurable;
    private final String threadName;
    /** The reads' thread, made with the first replay; volatile for {@link #close}. */
    private volatile ExecutorService thread;
    /** The store's reader, opened on the loop with the first replay, used on {@link #thread}; volatile for close. */
    private volatile Store.PageReader reader;
    /** Whether the store has no page reader: every replay reads on the loop. */
    private boolean none;
    private volatile boolean closed;

    /**
     * @param open        opens the store's page reader ({@link Store#pageReader}); on the loop, may return null
     * @param loop        the node's loop, where each page is taken and the result is given
     * @param whenDurable runs its argument on the loop once what the log holds now is durable
     * @param nodeId      the node's id, for the thread's name
     */
    public ReplayReads(Supplier<Store.PageReader> open, Executor loop, Consumer<Runnable> whenDurable, String nodeId) {
        this.open = open;
        this.loop = loop;
        this.whenDurable = whenDurable;
        this.threadName = "logmesh-replay " + nodeId;
    }

    /** One replay read off the loop; {@link #done} completes on the loop, or never once {@link #cancel}led. */
    public static final class Reading {
        private final ChannelReplay.Read read;
        private final ChannelFilter filter;
        private final Predicate<Entry> sentOtherwise;
        private final Consumer<Entry> sent;
        private final CompletableFuture<ChannelReplay.Result> done = new CompletableFuture<>();
        private volatile boolean cancelled;

        Reading(ChannelReplay.Read read, ChannelFilter filter, Predicate<Entry> sentOtherwise, Consumer<Entry> sent) {
            this.read = read;
            this.filter = filter;
            this.sentOtherwise = sentOtherwise;
            this.sent = sent;
        }

        /**
         * The replay's result, completed on the loop; exceptionally with a {@link StoreException} the read met, an
         * exception of the channel's filter, or an {@link IllegalStateException} when the node closes first.
         */
        public CompletableFuture<ChannelReplay.Result> done() {
            return done;
        }

        /** No further page is read nor taken (the connection closed); a page being read ends alone. Any thread. */
        public void cancel() {
            cancelled = true;
        }
    }

    /**
     * Starts a replay off the loop, or returns null when the store has no page reader (or cannot open one now): the
     * caller then reads on the loop ({@link ChannelReplay#replay}). Loop only.
     *
     * @param sentOtherwise as {@link ChannelReplay#replay}'s, asked on the loop as each page is taken
     * @param sent          told on the loop of each entry the replay takes
     */
    public Reading start(ChannelReplay.Read read, ChannelFilter filter, Predicate<Entry> sentOtherwise,
                         Consumer<Entry> sent) {
        if (closed || !ready()) {
            return null;
        }
        Reading r = new Reading(read, filter, sentOtherwise, sent);
        whenDurable.accept(() -> readPage(r));
        return r;
    }

    /** Whether the reader and the thread are there (made now if not); loop only. */
    private boolean ready() {
        if (none) {
            return false;
        }
        if (reader == null) {
            Store.PageReader opened;
            try {
                opened = open.get();
            } catch (StoreException e) {
                LOG.debug("a channel replay reads on the loop this time: cannot open a reader of the store ({})",
                    e.getMessage());
                return false;
            }
            if (opened == null) {
                none = true;
                return false;
            }
            reader = opened;
            thread = Executors.newSingleThreadExecutor(task -> {
                Thread t = new Thread(task, threadName);
                t.setDaemon(true);
                return t;
            });
        }
        return true;
    }

    /** Queues the read of {@code r}'s next page on the thread; loop only. */
    private void readPage(Reading r) {
        if (r.cancelled) {
            return;
        }
        if (closed) {
            r.done.completeExceptionally(new IllegalStateException("the node closed before the replay was read"));
            return;
        }
        Store.PageReader pages = reader;
        try {
            thread.execute(() -> {
                if (r.cancelled) {
                    return;
                }
                ChannelReplay.Page page = null;
                RuntimeException failure = null;
                try {
                    page = r.read.next(pages::page);
                } catch (RuntimeException e) {
                    failure = e;
                }
                ChannelReplay.Page read = page;
                RuntimeException failed = failure;
                try {
                    loop.execute(() -> took(r, read, failed));
                } catch (RejectedExecutionException e) {
                    LOG.debug("a channel replay's page dropped: the node's loop is closed");
                }
            });
        } catch (RejectedExecutionException e) {
            r.done.completeExceptionally(new IllegalStateException("the node closed before the replay was read"));
        }
    }

    /** A page of {@code r} was read ({@code page}) or failed ({@code failure}); on the loop. */
    private void took(Reading r, ChannelReplay.Page page, RuntimeException failure) {
        if (r.cancelled) {
            return;
        }
        if (failure != null) {
            r.done.completeExceptionally(failure);
            return;
        }
        boolean over;
        try {
            over = r.read.take(page, r.filter, r.sentOtherwise, r.sent);
        } catch (RuntimeException | Error e) {
            Callbacks.rethrowFatal(e); // else the channel's filter failed: the subscription is undone
            r.done.completeExceptionally(e);
            return;
        }
        if (over) {
            r.done.complete(r.read.result());
        } else {
            readPage(r);
        }
    }

    /**
     * Stops the thread once the page it reads (if any) is read, waiting up to {@value #CLOSE_WAIT_SECONDS} s, and
     * closes the store's reader: before the store closes (its close checkpoints the WAL, which a reader's snapshot
     * would hold up). Pages queued of connections that closed are not read. Any thread, after the loop's last
     * task of the node; idempotent.
     */
    public void close() {
        closed = true;
        ExecutorService t = thread;
        if (t != null) {
            t.shutdown(); // the queued pages of closed connections end at once (cancelled)
            try {
                if (!t.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("a channel replay's page read did not finish within {} s of the node's close",
                        CLOSE_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Store.PageReader r = reader;
        if (r != null) {
            try {
                r.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the replay's reader: {}", e.toString());
            }
        }
    }
}
