package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.StoreException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Adds the lines read from {@code node}'s stdin to its log, and holds those the log cannot take.
 *
 * <p>A line whose add fails with a {@link StoreException} (the log cannot be written: a full disk, an I/O error) is
 * not lost and not reported on its own: it is held, reading stdin stops (the pipe pushes back on the writer), and one
 * error event says at once how many lines are held (it and the adds submitted after it, which the node fails); once
 * the adds under way have ended, the held lines are tried again in the order they were read, every
 * {@code retryMillis}, until each is added, and one notice (stderr) says so before reading goes on. Nothing of a
 * failed add is written (the store's rule), so a retried line is added once.
 * The node fails the adds already submitted behind a failed one ({@code MeshNode}'s "Failures"), so they are held
 * too and stdin's order is the log's: a held line is never added after a line read after it.
 * Other failures (a line the node refuses) are each that line's error, as before. Before session 34 each line read
 * while the disk was full was dropped with an error event of its own: on a full 600 KiB tmpfs, 1,100 events for 1,100
 * lost lines.
 *
 * <p>{@link #add} is called by the stdin thread alone; the adds' callbacks come on the node's threads; the retries
 * run on a thread of their own, started by the first failure of an outage.
 */
final class StdinAdds {
    /** Adds one line: {@code MeshNode.add(action, meta)}. */
    interface Adder {
        CompletableFuture<?> add(Action action, JsonNode meta);
    }

    /** How often held lines are tried again, ms, in the node. */
    static final long RETRY_MILLIS = 1_000;

    private record Line(int number, Action action, JsonNode meta) {
    }

    private final Adder adder;
    private final Consumer<String> errors;
    private final Consumer<String> notices;
    private final long retryMillis;
    private final Object lock = new Object();
    /** The numbers of the lines whose adds were submitted and have not ended; guarded by {@link #lock}. */
    private final java.util.TreeSet<Integer> inFlight = new java.util.TreeSet<>();
    /** Whether lines are held (stdin paused); guarded by {@link #lock}. */
    private boolean holding;
    /** The held lines by number; guarded by {@link #lock}. */
    private final TreeMap<Integer, Line> held = new TreeMap<>();
    /** Why the first held line was not added; guarded by {@link #lock}. */
    private String problem;
    /** The node is stopping: held lines are no longer tried ({@link #stop}); guarded by {@link #lock}. */
    private boolean stopped;
    /** A held line's add is under way; guarded by {@link #lock}. */
    private boolean retrying;
    /** The number of the last line read; guarded by {@link #lock}. */
    private int lastRead;

    /**
     * @param errors      error events (stdout), one string each
     * @param notices     lines for stderr
     * @param retryMillis how often held lines are tried again, ms
     */
    StdinAdds(Adder adder, Consumer<String> errors, Consumer<String> notices, long retryMillis) {
        this.adder = adder;
        this.errors = errors;
        this.notices = notices;
        this.retryMillis = retryMillis;
    }

    /** Adds line {@code number}; blocks while lines are held (until each of them is added). Called by stdin's thread. */
    @SuppressWarnings("FutureReturnValueIgnored") // ended(...) reports every failure
    void add(int number, Action action, JsonNode meta) throws InterruptedException {
        Line line = new Line(number, action, meta);
        synchronized (lock) {
            while (holding) {
                lock.wait();
            }
            inFlight.add(number);
            lastRead = number;
            // submitted under the lock: the failure of an earlier line, reported to ended() on the node's loop,
            // waits for it, so the node counts this add as submitted before that failure and refuses it (it is then
            // held behind that line); before (session 35) a line submitted between the check above and the
            // failure's report could be added ahead of the held line, and the held event came after the node's
            // "writable again" health line
            submit(line).whenComplete((ok, err) -> ended(line, err));
        }
    }

    private CompletableFuture<?> submit(Line line) {
        try {
            return adder.add(line.action, line.meta);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * An add ended. The first that fails with a {@link StoreException} says at once, on the thread that ended it (the
     * node's loop, right after the node's "cannot write" health line and before anything the loop does next, such as
     * a "writable again" health line), how many lines are held: it and the adds submitted after it (the node fails
     * them); before (session 36) a thread of its own said it once those had ended, which could be after the node's
     * "writable again" line.
     */
    private void ended(Line line, Throwable err) {
        Throwable cause = unwrap(err);
        boolean start = false;
        int count = 0;
        synchronized (lock) {
            inFlight.remove(line.number);
            if (cause instanceof StoreException) {
                held.put(line.number, line);
                if (!holding) {
                    holding = true;
                    problem = cause.getMessage();
                    start = true;
                    count = 1 + inFlight.tailSet(line.number, false).size();
                }
            }
            lock.notifyAll();
        }
        if (cause != null && !(cause instanceof StoreException)) {
            errors.accept("stdin line " + line.number + ": " + message(cause));
        }
        if (start) {
            errors.accept("the log cannot be written (" + cause.getMessage() + "): " + count + " stdin line"
                + (count == 1 ? " (line " + line.number + ") not added yet; it is held and stdin is not read until it "
                    + "is added, once the log can be written"
                    : "s (from line " + line.number + ") not added yet; they are held and stdin is not read until they "
                    + "are added, in order, once the log can be written")
                + " (tried every " + retryMillis + " ms)");
            Thread t = new Thread(this::retryHeld, "logmesh-stdin-held");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Waits for the adds under way (those behind the failed one fail too, and are held), then adds them in order. */
    private void retryHeld() {
        int count;
        try {
            synchronized (lock) {
                while (!inFlight.isEmpty()) {
                    lock.wait();
                }
                count = held.size();
            }
            long started = System.nanoTime();
            while (true) {
                Line line;
                synchronized (lock) {
                    if (stopped) {
                        return; // the node is stopping: stop() says which lines were not added
                    }
                    if (held.isEmpty()) {
                        break;
                    }
                    line = held.firstEntry().getValue();
                    retrying = true;
                }
                Throwable cause;
                try {
                    submit(line).get();
                    cause = null;
                } catch (ExecutionException e) {
                    cause = unwrap(e);
                }
                synchronized (lock) {
                    retrying = false;
                    lock.notifyAll();
                    if (stopped && cause != null) {
                        return; // not added (the node closed under it): stop() names it
                    }
                    if (cause instanceof StoreException) {
                        lock.wait(retryMillis); // stop() wakes it
                        continue;
                    }
                    held.remove(line.number);
                }
                if (cause != null) {
                    errors.accept("stdin line " + line.number + ": " + message(cause));
                }
            }
            notices.accept("logmesh: the log can be written again: the " + count + " held stdin line"
                + (count == 1 ? " was" : "s were") + " added after " + (System.nanoTime() - started) / 1_000_000_000L
                + " s; reading stdin again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (lock) {
            holding = false;
            problem = null;
            lock.notifyAll();
        }
    }

    /**
     * Stops trying the held lines (the node is stopping) and says which were not added: null when none is held, else
     * a line for stderr naming them and the last line read (stdin after it was not read). Waits for a held line's add
     * under way, at most {@code waitMillis}. Before (break34) the held lines were dropped without a word when the node
     * stopped (SIGTERM while the disk was full), and a retry that met the closed node would have said "the held stdin
     * lines were added". Called by the shutdown thread, before the node closes.
     */
    String stop(long waitMillis) throws InterruptedException {
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
            long end = System.nanoTime() + waitMillis * 1_000_000L;
            long left;
            while (retrying && (left = (end - System.nanoTime()) / 1_000_000L) > 0) {
                lock.wait(left);
            }
            if (held.isEmpty()) {
                return null;
            }
            int count = held.size();
            StringBuilder which = new StringBuilder();
            int shown = 0;
            for (int n : held.keySet()) {
                if (shown == 10) {
                    which.append(" and ").append(count - shown).append(" more");
                    break;
                }
                which.append(shown == 0 ? "" : ", ").append(n);
                shown++;
            }
            return "logmesh: stopped with " + count + " held stdin line" + (count == 1 ? "" : "s") + " not added ("
                + (count == 1 ? "line " : "lines ") + which + "; the log could not be written: " + problem
                + "); nothing after line " + lastRead + " was read: give " + (count == 1 ? "it" : "them")
                + " and the lines after line " + lastRead + " to the node again";
        }
    }

    private static Throwable unwrap(Throwable err) {
        Throwable c = err;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** A failure's message as the stdin line errors said it before: the cause's, when it has one. */
    private static String message(Throwable cause) {
        return cause.getCause() != null && cause.getCause().getMessage() != null ? cause.getCause().getMessage()
            : String.valueOf(cause.getMessage());
    }
}
