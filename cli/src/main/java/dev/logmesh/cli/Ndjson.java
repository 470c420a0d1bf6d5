package dev.logmesh.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.internal.log.JsonTrees;
import dev.logmesh.internal.log.MetaJson;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Writes one JSON object per line, whole lines only, from any thread; in async mode it is
 * also the path of every line {@code logmesh node} prints ({@link HumanOutput} goes through {@link #line}).
 *
 * <p>In async mode lines go through a queue to a writer thread: a reader of stdout that is slow or stopped (a
 * full pipe, a terminal on hold) must never block the node's loop, or every session would time out. The writer
 * thread also turns events into text, so the loop only stamps the time and queues the event.
 *
 * <h2>Bounded, never dropping</h2>
 * The queue is bounded by the estimated bytes of what waits ({@link #DEFAULT_MAX_QUEUED_BYTES}: an action's JSON
 * text plus {@link #LINE_OVERHEAD} per line) and by lines ({@link #DEFAULT_MAX_QUEUED_LINES}). Over either bound
 * it is <em>full</em>: it calls its {@linkplain #backpressure pause hook} (the node stops receiving from its peers,
 * which keep their entries) and {@link #awaitRoom} blocks producers that can wait (the stdin reader). An event
 * that still comes (the rest of the batch being handled, a peer event) is queued all the same: nothing is ever
 * dropped, and what can come while full is bounded by what the node had already taken in. Once the writer has
 * brought the queue down to half of both bounds, the resume hook runs and waiting producers go on.
 *
 * <h2>UTF-8, whatever the locale</h2>
 * NDJSON is UTF-8 text, so JSON lines go out as UTF-8 bytes ({@link PrintStream#write(byte[], int, int)}), not
 * through the stream's charset: on JDK 17 {@code System.out} encodes with the locale's charset, which is ASCII in a
 * {@code C}/{@code POSIX} locale (containers, services), and printed {@code ?} for every other character of an
 * action. It is also less work per batch than the stream's encoder (a catch-up prints every entry while the JIT
 * is still compiling). Lines for a terminal ({@link HumanOutput}, {@code utf8} false) keep the stream's charset,
 * which is the terminal's.
 */
final class Ndjson implements AutoCloseable {
    /** Default bound of the estimated bytes of lines waiting to be written. */
    static final long DEFAULT_MAX_QUEUED_BYTES = 4L << 20;
    /** Default bound of the lines waiting to be written. */
    static final int DEFAULT_MAX_QUEUED_LINES = 10_000;
    /** What a queued line is counted beyond its action's text: the meta, the event fields, the objects. */
    static final int LINE_OVERHEAD = 256;
    /** The most chars the writer thread writes at once (more when one line is longer). */
    private static final int BATCH = 32 * 1024;
    private static final String NL = System.lineSeparator();

    /**
     * A line to write: made on the writer thread, appended to its batch (an {@code add} line straight from the
     * entry's fields and its action's text, no string of its own), counted as {@code weight} bytes while it waits.
     * An {@code add} without a timestamp waits as its {@link Entry} alone (no object per line).
     */
    private record Line(Supplier<String> text, Entry entry, long ts, long weight) {
        Line(Supplier<String> text, long weight) {
            this(text, null, 0, weight);
        }
    }

    private final PrintStream out;
    /** Whether lines are written as UTF-8 bytes (JSON) rather than in the stream's charset (terminal text). */
    private final boolean utf8;
    private final boolean timestamps;
    /**
     * What waits for the writer thread, in order: {@link Entry}s ({@code add} lines without a timestamp) and
     * {@link Line}s; null when not async. Under {@link #room}: a producer adds under the lock it takes anyway to count
     * the line, and the writer takes all of it at once (swapped with {@link #taken}), so a line costs one lock, not a
     * queue's two locks and node.
     */
    private java.util.ArrayList<Object> pending;
    /** The writer thread's list of what it is writing (the last {@link #pending}); the writer's only. */
    private java.util.ArrayList<Object> taken;
    /** Whether the writer thread waits for {@link #pending} to fill (under {@link #room}). */
    private boolean writerWaiting;
    /** Whether the writer is to stop once {@link #pending} is written (under {@link #room}). */
    private boolean stop;
    private final Thread writer;
    private final long maxBytes;
    private final int maxLines;
    /** Estimated bytes and lines queued and not written yet; changed under {@link #room}. */
    private long queuedBytes;
    private int queuedLines;
    private long maxQueuedBytesSeen;
    /** Whether the queue is full (between the pause and the resume hooks); under {@link #room}. */
    private boolean full;
    private boolean closed;
    private final Object room = new Object();
    /** Serializes the hooks ({@link #settleHooks}); taken before {@link #room}, never inside it. */
    private final Object hooks = new Object();
    /** Whether the pause hook is the last hook run (under {@link #hooks}). */
    private boolean hooked;
    private volatile Runnable onFull = () -> { };
    private volatile Runnable onRoom = () -> { };
    /** Called once, on the writer thread, when {@code out} reports a write error (see {@link #onBroken}). */
    private volatile Runnable onBroken = () -> { };
    /** Whether {@code out} reported a write error after a batch. */
    private volatile boolean broken;
    /** Streams {@code add} events; used by the writer thread (or the caller, when not async). */
    private final AddLine addLine = new AddLine();

    Ndjson(PrintStream out) {
        this(out, false, false);
    }

    /**
     * @param timestamps whether every event gets a {@code "ts"} field: wall-clock microseconds since the epoch
     * @param async      whether lines are written by a writer thread of their own
     */
    Ndjson(PrintStream out, boolean timestamps, boolean async) {
        this(out, timestamps, async, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_LINES);
    }

    /**
     * @param maxBytes bound of the estimated bytes waiting in async mode
     * @param maxLines bound of the lines waiting in async mode
     */
    Ndjson(PrintStream out, boolean timestamps, boolean async, long maxBytes, int maxLines) {
        this(out, true, timestamps, async, maxBytes, maxLines);
    }

    /**
     * @param utf8 whether lines are written as UTF-8 bytes (JSON lines: always), else in {@code out}'s charset (the
     *     lines of a {@link HumanOutput}, for a terminal)
     */
    Ndjson(PrintStream out, boolean utf8, boolean timestamps, boolean async) {
        this(out, utf8, timestamps, async, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_LINES);
    }

    private Ndjson(PrintStream out, boolean utf8, boolean timestamps, boolean async, long maxBytes, int maxLines) {
        this.out = out;
        this.utf8 = utf8;
        this.timestamps = timestamps;
        this.maxBytes = maxBytes;
        this.maxLines = maxLines;
        if (async) {
            pending = new java.util.ArrayList<>();
            taken = new java.util.ArrayList<>();
            writer = new Thread(this::drain, "logmesh-stdout");
            writer.setDaemon(true);
            writer.start();
        } else {
            writer = null;
        }
    }

    /**
     * What to do when the queue becomes full ({@code pause}, called on the thread that queued the line) and when
     * it has room again ({@code resume}, called on the writer thread). Both must be quick and must not block: they run
     * one at a time, and the last one run is always that of the queue's state (a pause that comes after the writer's
     * resume is followed by a resume).
     */
    void backpressure(Runnable pause, Runnable resume) {
        onFull = pause;
        onRoom = resume;
    }

    /**
     * What to do when {@code out} cannot be written (a full disk, a reader that went away: a {@link PrintStream} keeps
     * the error to itself, and every later line would be dropped unseen). Called once, on the writer thread, after the
     * batch that failed; it must not block (lines still queued are written on, each failing again).
     */
    void onBroken(Runnable action) {
        onBroken = action;
    }

    /** Whether {@code out} reported a write error (async mode: after a batch). */
    boolean broken() {
        return broken;
    }

    /** Blocks while the queue is full (for a producer that can wait: the stdin reader). */
    void awaitRoom() throws InterruptedException {
        synchronized (room) {
            while (full && !closed) {
                room.wait();
            }
        }
    }

    /** Estimated bytes queued now (for tests). */
    long queuedBytes() {
        synchronized (room) {
            return queuedBytes;
        }
    }

    /** The most estimated bytes that were ever queued at once (for tests). */
    long maxQueuedBytesSeen() {
        synchronized (room) {
            return maxQueuedBytesSeen;
        }
    }

    /** Whether {@link #close} has begun (tests). */
    boolean closing() {
        synchronized (room) {
            return closed;
        }
    }

    /** Whether the queue is full now. */
    boolean full() {
        synchronized (room) {
            return full;
        }
    }

    private void drain() {
        // lines are written in batches of up to BATCH bytes (System.out flushes every println: a write call each, or
        // more): what waits is taken at once, the batch written when nothing more waits or the batch is full. A line
        // counts against the bound until its batch is written, so what waits in memory is the bound plus at most one
        // batch, and the resume hook follows real writes.
        Batch batch = utf8 ? new JsonBatch() : new TerminalBatch();
        try {
            while (true) {
                boolean last;
                synchronized (room) {
                    while (pending.isEmpty() && !stop) {
                        writerWaiting = true;
                        room.wait();
                    }
                    writerWaiting = false;
                    last = stop;
                    java.util.ArrayList<Object> t = taken;
                    taken = pending;
                    pending = t;
                }
                writeTaken(batch);
                if (last) {
                    synchronized (room) {
                        if (pending.isEmpty()) {
                            break;
                        }
                    }
                }
            }
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The weight of the lines in the writer's batch and not written yet ({@link #append}); the writer's only. */
    private long batchWeight;

    /**
     * Writes {@link #taken} (and empties it): each line appended to {@code batch}, the batch written when it is full or
     * holds the last line. A method per take, not a loop in {@link #drain}: {@code drain} runs once, so a loop there
     * stays interpreted until its own on-stack compile, ~60,000 lines in (past a whole catch-up); this one is
     * compiled after a hundred or so takes, and its loop makes one call per line ({@link #append}), which is
     * compiled after a few hundred lines. Writer thread.
     */
    private void writeTaken(Batch batch) {
        int n = taken.size();
        int lines = 0;
        for (int i = 0; i < n; i++) {
            int length = append(batch, taken.get(i));
            lines++;
            if (length >= BATCH || i == n - 1) {
                write(batch, lines);
                lines = 0;
            }
        }
        taken.clear();
    }

    /** Appends the line of {@code o} (an {@link Entry} or a {@link Line}) to {@code batch}; returns what it holds. */
    private int append(Batch batch, Object o) {
        if (o instanceof Entry e) {
            batchWeight += weight(e);
            return batch.add(e, false, 0);
        }
        Line line = (Line) o;
        batchWeight += line.weight();
        return line.entry() != null ? batch.add(line.entry(), timestamps, line.ts()) : batch.text(line.text().get());
    }

    /** Writes {@code batch} (its {@code lines} and {@link #batchWeight}) to {@code out} and counts them written. */
    private void write(Batch batch, int lines) {
        batch.writeTo(out);
        out.flush();
        if (!broken && out.checkError()) {
            broken = true;
            onBroken.run();
        }
        long weight = batchWeight;
        batchWeight = 0;
        written(weight, lines);
    }

    /**
     * The writer thread's batch of lines (see {@link #utf8}): JSON lines as UTF-8 bytes ({@link JsonBatch}), terminal
     * lines in the stream's charset ({@link TerminalBatch}). A process loads only the one it uses. One call per
     * line: on the cold path (a catch-up prints every entry before the JIT is done) each call is a dispatch.
     */
    private interface Batch {
        /**
         * Appends the {@code add} line of {@code e}, with {@code "ts":t} when {@code ts}, and the line end.
         *
         * @return what the batch holds now: bytes or chars
         */
        int add(Entry e, boolean ts, long t);

        /**
         * Appends {@code text} (a whole line without its line end) and the line end.
         *
         * @return what the batch holds now: bytes or chars
         */
        int text(String text);

        /** Writes the batch to {@code out} (no flush) and empties it. */
        void writeTo(PrintStream out);
    }

    /** JSON lines: UTF-8 bytes, whatever the locale's charset. */
    private final class JsonBatch implements Batch {
        private final Utf8Batch bytes = new Utf8Batch(BATCH + 1024);
        private final byte[] nl = NL.getBytes(StandardCharsets.US_ASCII);

        @Override
        public int add(Entry e, boolean ts, long t) {
            addLine.appendTo(bytes, e, ts, t);
            return bytes.bytes(nl).length();
        }

        @Override
        public int text(String text) {
            return bytes.utf8(text).bytes(nl).length();
        }

        @Override
        public void writeTo(PrintStream out) {
            bytes.writeTo(out);
        }
    }

    /** Terminal lines: chars, encoded by the stream in the terminal's charset. */
    private final class TerminalBatch implements Batch {
        private final StringBuilder chars = new StringBuilder(BATCH + 1024);

        @Override
        public int add(Entry e, boolean ts, long t) {
            return chars.append(addLine.format(e, ts, t)).append(NL).length();
        }

        @Override
        public int text(String text) {
            return chars.append(text).append(NL).length();
        }

        @Override
        public void writeTo(PrintStream out) {
            out.print(chars);
            chars.setLength(0);
        }
    }

    /** What a waiting {@code add} line counts against the bound: its action's text and {@link #LINE_OVERHEAD}. */
    private static long weight(Entry e) {
        // the action's text is at hand (received actions keep theirs; a local one is made once, for the store)
        return (long) e.action().toJson().length() + LINE_OVERHEAD;
    }

    /** Writes {@code text} to {@code out}: as UTF-8 bytes, or in the stream's charset (see {@link #utf8}). */
    private void print(CharSequence text) {
        if (utf8) {
            byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
        } else {
            out.print(text);
        }
    }

    /** Queues {@code item} (an {@link Entry} or a {@link Line}) for the writer, counted as {@code weight} bytes. */
    private void enqueue(Object item, long weight) {
        boolean nowFull = false;
        synchronized (room) {
            pending.add(item);
            if (writerWaiting) {
                writerWaiting = false; // one wake-up for what comes until the writer takes it
                room.notifyAll();
            }
            queuedBytes += weight;
            queuedLines++;
            maxQueuedBytesSeen = Math.max(maxQueuedBytesSeen, queuedBytes);
            if (!full && (queuedBytes > maxBytes || queuedLines > maxLines)) {
                full = true;
                nowFull = true;
            }
        }
        if (nowFull) {
            settleHooks();
        }
    }

    /**
     * Runs the pause or the resume hook so that the last one run matches whether the queue is full now. The producer
     * that fills the queue and the writer that empties it each come here after leaving the queue's lock, in either
     * order: each runs the hook of the state it finds under {@link #hooks}, not of the change it made, so the last hook
     * run is always that of the last change. Before (session 35), each ran the hook of its own change: a producer
     * descheduled between filling the queue and its pause hook ran the pause after the writer had emptied the queue and
     * run the resume, and the node stopped receiving for good ({@code NdjsonPauseRaceTest}).
     */
    private void settleHooks() {
        synchronized (hooks) {
            boolean nowFull;
            synchronized (room) {
                nowFull = full;
            }
            if (nowFull != hooked) {
                hooked = nowFull;
                (nowFull ? onFull : onRoom).run();
            }
        }
    }

    private void written(long weight, int lines) {
        boolean nowRoom = false;
        synchronized (room) {
            queuedBytes -= weight;
            queuedLines -= lines;
            if (full && queuedBytes <= maxBytes / 2 && queuedLines <= maxLines / 2) {
                full = false;
                nowRoom = true;
                room.notifyAll();
            }
        }
        if (nowRoom) {
            settleHooks();
        }
    }

    /** Writes what is queued and stops the writer thread (waits up to 5 s). */
    @Override
    public void close() {
        if (writer != null) {
            synchronized (room) {
                closed = true;
                stop = true;
                room.notifyAll();
            }
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
        emit(() -> text(n), LINE_OVERHEAD);
    }

    /** Writes events' trees without a mapper: Jackson's core only. */
    private static final JsonFactory CORE = new JsonFactory();

    /**
     * The compact JSON text of {@code n}, the same as {@link JsonNode#toString()} but with each unpaired surrogate
     * as its JSON escape, written with Jackson's core
     * generator: {@code toString} makes a databind mapper the first time (~40 ms of class initialisation, the
     * locale data of its date format among them), and the {@code ready} line is printed before the node needs
     * one (docs/performance.md, Start-up).
     */
    static String text(JsonNode n) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = CORE.createGenerator(w)) {
            JsonTrees.write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        // a string generator keeps an unpaired surrogate raw, which UTF-8 bytes (and getBytes) write as '?': a peer's
        // node id with one named another node; as a JSON escape it reads back as it was
        return Utf8Batch.escapeUnpairedSurrogates(w.toString());
    }

    /** Writes a line of text as it is (a {@link HumanOutput} line). */
    void line(String text) {
        emit(() -> text, text.length() + LINE_OVERHEAD);
    }

    private static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /**
     * Writes a line made by {@code line}: on the writer thread when async (counted as {@code weight} bytes while
     * it waits), else now.
     */
    private void emit(Supplier<String> line, long weight) {
        if (writer != null) {
            enqueue(new Line(line, weight), weight);
            return;
        }
        write(line.get());
    }

    private void write(String text) {
        synchronized (out) {
            print(text + NL);
            out.flush();
        }
    }

    void add(Entry e) {
        long ts = timestamps ? now() : 0;
        long weight = weight(e);
        if (writer != null) {
            // no lambda per entry: the writer formats it into its batch; without a timestamp, the entry alone waits
            enqueue(timestamps ? new Line(null, e, ts, weight) : e, weight);
            return;
        }
        write(addLine.format(e, timestamps, ts));
    }

    void error(String message) {
        ObjectNode n = event("error");
        n.put("message", message);
        print(n);
    }

    /** A {@code warn} event: something legal the node does that the user may not have meant. */
    void warning(String message) {
        ObjectNode n = event("warn");
        n.put("message", message);
        print(n);
    }

    /** A {@code notice} event: the end of what an {@code error} event said (a full peer can write again). */
    void notice(String message) {
        ObjectNode n = event("notice");
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
        readLines(input, Utf8Lines.DEFAULT_MAX_LINE_BYTES, handler);
    }

    /**
     * Reads JSON lines as {@link #readLines(java.io.InputStream, LineHandler)} does; a line of more than {@code
     * maxLineBytes} bytes ({@link Utf8Lines#maxLineBytes} of the frame limit) is refused without being kept.
     */
    static void readLines(java.io.InputStream input, int maxLineBytes, LineHandler handler) throws java.io.IOException {
        // strict: a line that is not UTF-8 is refused, not patched; a line over the bound is refused, not kept
        Utf8Lines in = new Utf8Lines(input, maxLineBytes);
        Utf8Lines.Line next;
        int number = 0;
        while ((next = in.next()) != null) {
            number++;
            if (next.text() == null) {
                handler.bad(number, next.error());
                continue;
            }
            String line = next.text();
            // a line of only a byte order mark (and blanks) is blank too, as a BOM at the start of a line is skipped
            if (line.isBlank() || (line.startsWith("\uFEFF") && line.substring(1).isBlank())) {
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
     * Parses one input line: an action object or an {@code [action, meta]} pair, exactly one JSON value (NDJSON).
     *
     * <p>The action keeps the text of the line's object exactly as typed ({@link Action#parse} of that slice):
     * numbers are never read into a {@code double} or re-written, so {@code 0.1000000000000000055511151231257827},
     * {@code 9223372036854775809} or {@code 1e400} reach every peer and every printed line as they were typed. A
     * byte order mark (U+FEFF) at the start of the line is skipped (editors on Windows write one); blank lines are
     * the caller's to skip.
     *
     * @return {action, meta-or-null}
     * @throws IllegalArgumentException saying what is wrong with the line (nothing of it is added): not JSON, more
     *     than one value on the line, not an object or a pair, no string {@code type}
     */
    static Object[] parseLine(String line) {
        String text = line.startsWith("\uFEFF") ? line.substring(1) : line;
        try (JsonParser p = MetaJson.reader().getFactory().createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IllegalArgumentException("empty line");
            }
            Action action;
            JsonNode meta = null;
            if (t == JsonToken.START_OBJECT) {
                action = action(p, text);
            } else if (t == JsonToken.START_ARRAY) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IllegalArgumentException(p.currentToken() == JsonToken.END_ARRAY
                        ? "an [action, meta] pair must have 2 elements, got 0"
                        : "the action of an [action, meta] pair must be a JSON object, got " + what(p));
                }
                action = action(p, text);
                if (p.nextToken() == JsonToken.END_ARRAY) {
                    throw new IllegalArgumentException("an [action, meta] pair must have 2 elements, got 1");
                }
                meta = MetaJson.reader().readTree(p);
                if (!meta.isObject() && !meta.isNull()) {
                    throw new IllegalArgumentException("meta must be a JSON object");
                }
                if (p.nextToken() != JsonToken.END_ARRAY) {
                    throw new IllegalArgumentException("an [action, meta] pair must have 2 elements, got more");
                }
            } else {
                throw new IllegalArgumentException("a line must be an action object or an [action, meta] pair, got "
                    + what(p));
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("more than one JSON value on the line (from column "
                    + p.currentTokenLocation().getColumnNr() + "): one action (or [action, meta] pair) per line");
            }
            return new Object[] {action, meta};
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + SOURCE.matcher(e.getOriginalMessage()).replaceAll("column $1"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading a string cannot fail", e);
        }
    }

    /** The object at the parser's {@code START_OBJECT}, as an action of its exact text; leaves the parser on its end. */
    /**
     * Jackson's location inside a message ({@code [Source: REDACTED (`StreamReadFeature...` disabled); line: 1,
     * column: 1]}), shown as {@code column 1}: a line is one line, and the rest is Jackson's own wording.
     */
    private static final java.util.regex.Pattern SOURCE =
        java.util.regex.Pattern.compile("\\[Source: [^\\]]*?; line: \\d+, column: (\\d+)\\]");

    private static Action action(JsonParser p, String text) throws java.io.IOException {
        int from = (int) p.currentTokenLocation().getCharOffset();
        p.skipChildren();
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IllegalArgumentException("not JSON: the line ends inside the action");
        }
        int to = (int) p.currentTokenLocation().getCharOffset() + 1;
        return Action.parse(text.substring(from, to));
    }

    private static String what(JsonParser p) throws java.io.IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "the end of the line";
        }
        p.finishToken(); // a string or number cut short (["bad) is not JSON, not "a string"
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }
}
