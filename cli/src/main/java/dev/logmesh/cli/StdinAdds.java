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

    /**
     * How long (ms) an add of a held line, or one under way when the first failed, may go without an answer before
     * an error event says so: well above a loaded machine's slowest commit (seconds), well below an operator's wait.
     */
    static final long ANSWER_MILLIS = 30_000;

    /**
     * Held lines submitted together once the log takes them again, at most; the next ones wait for their answers.
     */
    static final int BATCH = 32;

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
    /** Lines whose add was said to have no answer and still has none; guarded by {@link #lock}. */
    private final java.util.TreeSet<Integer> unanswered = new java.util.TreeSet<>();
    /** How long an add may go without an answer before it is said (ms). */
    private final long answerMillis;

    /**
     * @param errors      error events (stdout), one string each
     * @param notices     lines for stderr
     * @param retryMillis how often held lines are tried again, ms
     */
    StdinAdds(Adder adder, Consumer<String> errors, Consumer<String> notices, long retryMillis) {
        this(adder, errors, notices, retryMillis, ANSWER_MILLIS);
    }

    /** As above; {@code answerMillis}: how long an add may go without an answer before an error event says so. */
    StdinAdds(Adder adder, Consumer<String> errors, Consumer<String> notices, long retryMillis, long answerMillis) {
        this.adder = adder;
        this.errors = errors;
        this.notices = notices;
        this.retryMillis = retryMillis;
        this.answerMillis = answerMillis;
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
            unanswered.remove(line.number);
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

    /**
     * Waits for the adds under way (those behind the failed one fail too, and are held), then adds the held lines
     * again: the first alone, every {@code retryMillis} while the log cannot take it; once it is added, all the others
     * at once, in order, as stdin's lines are submitted (the node's group commit takes them together). An add that
     * fails so fails the adds behind it (the node's rule), which stay held in their place, and the first of them is
     * tried alone again. Before (session 37) each held line waited for the commit of the one before it: 903 held
     * lines took StdinFullDiskTest's node over a minute on a loaded machine.
     *
     * <p>Every wait for an add's answer is bounded by {@code answerMillis}: an add that has no answer by then (its
     * future not completed: the node completes an add once its commit is durable, and after a failed fsync of its
     * store nothing becomes durable any more) is said at once, in one error event, and waited for still (whether it
     * is in the log cannot be known: giving it again could add it twice). Before (session 38) the wait had no bound
     * and said nothing: the held lines and stdin stayed stopped for good, without a word (4293440's batched retry was
     * found so: 694 of 1,500 adds, then nothing for 60 s), and a stop named the unanswered line as not added.
     */
    private void retryHeld() {
        int count;
        try {
            int said = -1;
            while (true) {
                String say = null;
                synchronized (lock) {
                    int watched = -1;
                    long since = 0;
                    while (!inFlight.isEmpty() && !stopped && say == null) {
                        int first = inFlight.first();
                        if (first != watched) {
                            watched = first;
                            since = System.nanoTime();
                        }
                        long left = answerMillis - (System.nanoTime() - since) / 1_000_000L;
                        if (left > 0) {
                            lock.wait(left);
                        } else if (said != first) {
                            said = first;
                            unanswered.add(first);
                            say = unansweredMessage(first);
                        } else {
                            lock.wait(); // an add's end or stop() wakes it
                        }
                    }
                    if (say == null) {
                        if (stopped) {
                            return;
                        }
                        count = held.size();
                        break;
                    }
                }
                errors.accept(say); // not under the lock: the node's loop, ending an add, takes it
            }
            long started = System.nanoTime();
            boolean probe = true;
            while (true) {
                java.util.List<Line> batch;
                synchronized (lock) {
                    if (stopped) {
                        return; // the node is stopping: stop() says which lines were not added
                    }
                    if (held.isEmpty()) {
                        break;
                    }
                    batch = new java.util.ArrayList<>(probe ? 1 : Math.min(BATCH, held.size()));
                    for (Line l : held.values()) {
                        if (batch.size() == (probe ? 1 : BATCH)) {
                            break;
                        }
                        batch.add(l);
                    }
                    retrying = true;
                }
                java.util.List<CompletableFuture<?>> sent = new java.util.ArrayList<>(batch.size());
                for (Line line : batch) {
                    sent.add(submit(line)); // in order: the node fails the adds behind one that fails (they stay held)
                }
                boolean full = false;
                for (int i = 0; i < batch.size(); i++) {
                    Line line = batch.get(i);
                    Throwable cause = answer(sent.get(i), line.number);
                    if (cause == stoppedWaiting) {
                        return; // stop() names the held lines, and this one as unanswered
                    }
                    synchronized (lock) {
                        if (cause instanceof StoreException || (cause != null && stopped)) {
                            full = true; // held still, in its place (stop() names it when the node closed under it)
                            continue;
                        }
                        held.remove(line.number);
                    }
                    if (cause != null) {
                        errors.accept("stdin line " + line.number + ": " + message(cause));
                    }
                }
                synchronized (lock) {
                    retrying = false;
                    lock.notifyAll();
                    if (full) {
                        if (stopped) {
                            return; // not added (the node closed under it): stop() names it
                        }
                        lock.wait(retryMillis); // stop() wakes it
                    }
                }
                probe = full;
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

    /** What {@link #answer} returns when the node stops while it waits (compared by identity). */
    private final Throwable stoppedWaiting = new Throwable("the node is stopping");

    /**
     * Waits for an add's answer: null when it was added, else why not ({@link #stoppedWaiting} when the node stops first).
     * Says once, as an error event, an add that has no answer within {@code answerMillis}, and waits on; looks for a
     * stop every 100 ms.
     */
    private Throwable answer(CompletableFuture<?> add, int number) throws InterruptedException {
        long since = System.nanoTime();
        boolean said = false;
        try {
            while (true) {
                try {
                    add.get(Math.min(100, answerMillis), java.util.concurrent.TimeUnit.MILLISECONDS);
                    return null;
                } catch (ExecutionException e) {
                    return unwrap(e);
                } catch (java.util.concurrent.TimeoutException e) {
                    boolean late = !said && System.nanoTime() - since >= answerMillis * 1_000_000L;
                    synchronized (lock) {
                        if (late) {
                            unanswered.add(number);
                        }
                        if (stopped) {
                            unanswered.add(number);
                            retrying = false;
                            lock.notifyAll();
                            return stoppedWaiting;
                        }
                    }
                    if (late) {
                        said = true;
                        errors.accept(unansweredMessage(number));
                    }
                }
            }
        } finally {
            if (add.isDone()) {
                synchronized (lock) {
                    unanswered.remove(number);
                }
            }
        }
    }

    private String unansweredMessage(int number) {
        return "stdin line " + number + ": the node has not answered its add for " + (answerMillis % 1000 == 0
            ? answerMillis / 1000 + " s" : answerMillis + " ms") + " (the "
            + "node acknowledges an add once its log has made it durable; its log on stderr says why it cannot): the "
            + "held stdin lines wait for that answer, and stdin is not read meanwhile";
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
            java.util.TreeSet<Integer> notAdded = new java.util.TreeSet<>(held.keySet());
            notAdded.removeAll(unanswered);
            if (notAdded.isEmpty() && unanswered.isEmpty()) {
                return null;
            }
            String said = "logmesh: stopped";
            if (!notAdded.isEmpty()) {
                int count = notAdded.size();
                said += " with " + count + " held stdin line" + (count == 1 ? "" : "s") + " not added ("
                    + (count == 1 ? "line " : "lines ") + lines(notAdded) + "; the log could not be written: " + problem
                    + "); nothing after line " + lastRead + " was read: give " + (count == 1 ? "it" : "them")
                    + " and the lines after line " + lastRead + " to the node again";
            }
            if (!unanswered.isEmpty()) {
                // an add without an answer may be in the log: given again, it would be there twice
                said += (notAdded.isEmpty() ? " while" : "; and") + " the node had not answered the add of stdin line"
                    + (unanswered.size() == 1 ? " " : "s ") + lines(unanswered) + ": " + (unanswered.size() == 1
                    ? "it" : "they") + " may be in the log or not (look with logmesh log before giving "
                    + (unanswered.size() == 1 ? "it" : "them") + " again)"
                    + (notAdded.isEmpty() ? "; nothing after line " + lastRead + " was read" : "");
            }
            return said;
        }
    }

    /** Line numbers for a message: the first 10, then how many more. */
    private static String lines(java.util.SortedSet<Integer> numbers) {
        StringBuilder which = new StringBuilder();
        int shown = 0;
        for (int n : numbers) {
            if (shown == 10) {
                which.append(" and ").append(numbers.size() - shown).append(" more");
                break;
            }
            which.append(shown == 0 ? "" : ", ").append(n);
            shown++;
        }
        return which.toString();
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
