package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.internal.log.MetaJson;
import java.io.PrintStream;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Writes one JSON object per line, whole lines only, from any thread.
 *
 * <p>In async mode ({@link #Ndjson(PrintStream, boolean, boolean)}) lines go through a queue to a writer
 * thread: a reader of stdout that
 * is slow or stopped (a full pipe) must never block the node's loop, or every session would time out. The
 * writer thread also turns events into text, so the loop only stamps the time and queues the event.
 */
final class Ndjson implements AutoCloseable {
    @SuppressWarnings("UnnecessaryLambda") // a sentinel in the queue, compared by identity
    private static final Supplier<String> STOP = () -> "stop";
    /** The most chars the writer thread writes at once (more when one line is longer). */
    private static final int BATCH = 32 * 1024;
    private static final String NL = System.lineSeparator();

    private final PrintStream out;
    private final boolean timestamps;
    private final java.util.concurrent.BlockingQueue<Supplier<String>> queue;
    private final Thread writer;
    private final AddLine addLine = new AddLine();

    Ndjson(PrintStream out) {
        this(out, false, false);
    }

    /**
     * @param timestamps whether every event gets a {@code "ts"} field: wall-clock microseconds since the epoch
     * @param async      whether lines are written by a writer thread of their own
     */
    Ndjson(PrintStream out, boolean timestamps, boolean async) {
        this.out = out;
        this.timestamps = timestamps;
        if (async) {
            queue = new java.util.concurrent.LinkedBlockingQueue<>();
            writer = new Thread(this::drain, "logmesh-stdout");
            writer.setDaemon(true);
            writer.start();
        } else {
            queue = null;
            writer = null;
        }
    }

    private void drain() {
        try {
            // lines are written in batches of up to BATCH chars (System.out flushes every println: a write
            // call each, or more): what is queued is taken without waiting, the batch written when the queue
            // is empty or the batch full
            StringBuilder batch = new StringBuilder(BATCH + 1024);
            Supplier<String> line = queue.take();
            while (line != STOP) {
                batch.append(line.get()).append(NL);
                line = queue.poll();
                if (line == null || batch.length() >= BATCH) {
                    out.print(batch);
                    out.flush();
                    batch.setLength(0);
                    if (line == null) {
                        line = queue.take();
                    }
                }
            }
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued and stops the writer thread (waits up to 5 s). */
    @Override
    public void close() {
        if (writer != null) {
            queue.add(STOP);
            try {
                writer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    ObjectNode event(String name) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("event", name);
        return n;
    }

    void print(JsonNode n) {
        if (timestamps && n instanceof ObjectNode o) {
            o.put("ts", now());
        }
        emit(n::toString);
    }

    private static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Writes a line made by {@code line}: on the writer thread when async, else now. */
    private void emit(Supplier<String> line) {
        if (queue != null) {
            queue.add(line);
            return;
        }
        String text = line.get();
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    void add(Entry e) {
        long ts = timestamps ? now() : 0;
        emit(() -> addLine.format(e, timestamps, ts));
    }

    void error(String message) {
        ObjectNode n = event("error");
        n.put("message", message);
        print(n);
    }

    /** What to do with each good input line, or with a bad one. */
    interface LineHandler {
        /** A good line: an action and its partial meta (null when the line was only an action). */
        void line(int number, Action action, JsonNode meta);

        /** A line that is not an action or an {@code [action, meta]} pair; says why. */
        void bad(int number, String reason);
    }

    /** Reads JSON lines until EOF, skipping blank ones, and hands each to {@code handler} with its number. */
    static void readLines(java.io.InputStream input, LineHandler handler) throws java.io.IOException {
        java.io.BufferedReader in = new java.io.BufferedReader(
            new java.io.InputStreamReader(input, java.nio.charset.StandardCharsets.UTF_8));
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            Object[] parsed;
            try {
                parsed = parseLine(line);
            } catch (IllegalArgumentException e) {
                handler.bad(number, e.getMessage());
                continue;
            }
            handler.line(number, (Action) parsed[0], (JsonNode) parsed[1]);
        }
    }

    /**
     * Parses one input line: an action object or an {@code [action, meta]} pair.
     *
     * @return {action, meta-or-null}
     * @throws IllegalArgumentException saying what is wrong with the line
     */
    static Object[] parseLine(String line) {
        JsonNode n;
        try {
            n = MetaJson.reader().readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (n == null) {
            throw new IllegalArgumentException("empty line");
        }
        if (n.isObject()) {
            return new Object[] {Action.of(n), null};
        }
        if (n.isArray()) {
            if (n.size() != 2) {
                throw new IllegalArgumentException("an [action, meta] pair must have 2 elements, got " + n.size());
            }
            Action a = Action.of(n.get(0));
            JsonNode meta = n.get(1);
            if (!meta.isObject() && !meta.isNull()) {
                throw new IllegalArgumentException("meta must be a JSON object");
            }
            return new Object[] {a, meta};
        }
        throw new IllegalArgumentException("a line must be an action object or an [action, meta] pair");
    }
}
