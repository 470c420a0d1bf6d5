package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.StoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh add}: adds actions from stdin to a node's durable log. */
@Command(name = "add", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Add actions read from stdin to the log of the node whose data is in DIR (created on first use).",
        "Each line: an action object ({\"type\":\"x\",...}) or an [action, meta] pair, one JSON value per line "
            + "(NDJSON; blank lines and a byte order mark are skipped). Actions get a fresh id and the node's keep "
            + "reason (reasons [\"mesh\"], as an action typed into the node's stdin) unless the meta gives reasons; an "
            + "action is kept as typed (numbers exactly).",
        "A bad line is reported on stderr with its number; the good lines are still added; exit code 1 if any "
            + "line was bad.",
        "A log that cannot be written (a full disk) stops the add with exit code 2: one line says how many actions "
            + "were added, from which line on nothing was, and why (the disk is full, with the room left); give "
            + "those lines again once there is room.",
        "A log that cannot be opened (its node runs: type the actions into that node's stdin; not a logmesh log) "
            + "adds nothing, says why, and exits with code 2 too."})
final class AddCommand implements Callable<Integer> {
    static final String LOG_FILE = "log.db";
    /** The reasons of an added action whose line gives none: the keep reason every CLI node has. */
    private static final List<String> KEEP_REASONS = List.of(NodeConfig.DEFAULT_KEEP_REASON);
    private static final int BATCH = 1000;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = "--name", paramLabel = "NAME",
        description = "Name that starts the node id (NAME:random) when DIR is new; as for `logmesh node`, "
            + "default: " + NodeCommand.DEFAULT_NAME + ". A DIR that has a log keeps its node id.")
    String name;

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "1048576",
        description = "The mesh's frame limit: larger actions are refused, as the node refuses them "
            + "(default: ${DEFAULT-VALUE}).")
    int maxFrame;

    /** Where this command says what it did: the process's stderr, also while the store's lines are held. */
    private PrintStream err = System.err;

    @Override
    public Integer call() throws IOException {
        if (name != null) {
            Checks.nodeName(name, false);
        }
        Checks.maxFrame(maxFrame);
        Checks.dataDir(data);
        if (!quietStore()) {
            return add(null);
        }
        StoreLines storeLines = new StoreLines(err);
        System.setErr(new PrintStream(storeLines, true, StandardCharsets.UTF_8));
        try {
            return add(storeLines);
        } finally {
            System.setErr(err);
            storeLines.release(true); // after a failure of its own, the add's lines held: shown (a no-op if released)
        }
    }

    /**
     * The add; {@code storeLines}: the store's log lines (WARN and above), shown as they come while the log opens
     * (a repaired row, a quarantined entry, a WAL recovered), held while it is written, then shown above add's own
     * account if the add went through, or dropped if the log could not be written: that account says what happened
     * and why (AddFullDiskTest); null when the user chose a level ({@code -Dlogmesh.log}), which shows them all.
     */
    private int add(StoreLines storeLines) throws IOException {
        dev.logmesh.internal.store.DataDir.create(data); // 0700, as a node creates it
        SqliteStore store;
        try {
            store = SqliteStore.open(data.resolve(LOG_FILE));
        } catch (StoreException e) {
            err.println("logmesh: " + openFailure(e, data.resolve(LOG_FILE),
                () -> StatusCommand.runningStatus(data)));
            return 2;
        }
        int[] bad = {0};
        int[] added = {0};
        Handed handed = new Handed();
        int[] read = {0};
        boolean[] allHanded = {false};
        StoreException failure = null;
        List<Entry> batch = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try (store) {
            // a new log gets the id `logmesh node` would give it (NAME:random, the same default NAME), so the node
            // started on DIR later keeps it without a warning; an existing log keeps its id, warned only for a --name
            String idName = name != null || store.state(Log.NODE_ID_KEY).isPresent()
                ? name : NodeCommand.DEFAULT_NAME;
            Log log;
            try {
                log = Log.open(store, idName, System::currentTimeMillis, HybridClock.DEFAULT_MAX_DRIFT_MS);
            } catch (StoreException e) {
                err.println("logmesh: " + data.resolve(LOG_FILE) + ": " + e.getMessage());
                return 2;
            }
            if (storeLines != null) {
                storeLines.hold(); // opened: what the store says from now on is about the writes, said below
            }
            // a node of the mesh with a smaller frame limit that the node knew of (kept with the log): what an add can
            // reach
            java.util.Map.Entry<Integer, String> peers = Log.peerFrameLimit(store, System.currentTimeMillis());
            int limit = peers != null && peers.getKey() < maxFrame ? peers.getKey() : maxFrame;
            String whose = limit == maxFrame ? "from --max-frame " + maxFrame
                : "from node " + peers.getValue() + "'s frame limit of " + limit + " bytes, a node of this log's mesh "
                    + "seen in the last 7 days; give every node of a mesh the same --max-frame";
            Ndjson.readLines(System.in, Utf8Lines.maxLineBytes(maxFrame), new Ndjson.LineHandler() {
                @Override
                public void line(int number, Action action, JsonNode meta) {
                    read[0] = number;
                    try {
                        // the node's keep reason, as the node gives an action typed into its stdin: its retention
                        // (--keep-last, --keep-for) and every peer's clean it. Before (session 51) the reason was
                        // "cli", which travels with the action (reasons do, as in Logux) and which no node removes:
                        // a peer with --keep-last 5 kept all 20 of 20 such actions for good.
                        Entry e = MetaJson.draft(log, action, meta, KEEP_REASONS);
                        // with the room of the keep reason ("mesh") every node that takes it adds (break36)
                        long size = EntrySize.boundOnAnyNode(e);
                        if (size > EntrySize.maxEntry(limit)) {
                            bad(number, "action of about " + size + " bytes (with its meta) is over the limit of "
                                + EntrySize.maxEntry(limit) + " bytes (" + whose + ")");
                            return;
                        }
                        batch.add(e);
                        lines.add(number);
                    } catch (IllegalArgumentException e) {
                        bad(number, e.getMessage());
                    }
                    if (batch.size() >= BATCH) {
                        flush(log, batch, lines, handed, added);
                    }
                }

                @Override
                public void bad(int number, String reason) {
                    bad[0]++;
                    err.println("line " + number + ": " + reason);
                }
            });
            flush(log, batch, lines, handed, added);
            allHanded[0] = true;
        } catch (StoreException e) {
            failure = e;
        }
        if (storeLines != null) {
            storeLines.release(failure == null);
        }
        if (failure == null) {
            err.println("added " + added[0] + " action(s)" + badLines(bad[0]));
            return bad[0] > 0 ? 1 : 0;
        }
        // the log could not be written (a full disk), or its close failed: the batches the store took may still have
        // failed (a write-behind batch fails at the next call), so what is in the log is read from the file, and
        // every line is said as added or not (before, break39: "add failed ...; nothing of this add was written"
        // alone, after 1,000 lines had been added, and an add whose close alone failed did not say it added all).
        // One account, with the failure's reason in it: the store's message is not printed beside it (before, ux41:
        // its "...; nothing of this add was written" stood above "added 1000 action(s); not added: line 1001 ...")
        String why = SqliteStore.reason(failure, data.resolve(LOG_FILE));
        int missing = handed.firstMissing(data.resolve(LOG_FILE));
        if (missing == Handed.UNKNOWN) {
            err.println("logmesh: " + added[0] + " action(s) handed to the log" + badLines(bad[0])
                + ", then it could not be written: " + why + "; which of them from line " + handed.firstLine()
                + " on are in it could not be read (" + handed.readProblem + "): look with logmesh log --data " + data
                + " before giving them again");
            return 2;
        }
        int inLog = added[0] - handed.missingCount;
        if (missing == Handed.NONE && (allHanded[0] || lines.isEmpty())) {
            err.println("added " + inLog + " action(s)" + badLines(bad[0]) + ": all of them are in the log; "
                + "only closing the log failed afterwards (" + why + ")");
            return bad[0] > 0 ? 1 : 0;
        }
        int from = missing != Handed.NONE ? missing : lines.isEmpty() ? read[0] + 1 : lines.get(0);
        err.println("added " + inLog + " action(s)" + (from > 1 ? " (from the lines before line " + from + ")"
            : "") + badLines(bad[0]) + "; not added: line " + from + " and every line after it (stdin was read up to "
            + "line " + read[0] + "), because " + why + (why.startsWith("the disk is full")
                ? ": free some space, then give those lines again" : ": give those lines again once the log can be "
                + "written"));
        return 2;
    }

    /**
     * Keeps the store's log lines to WARN and above for this command (not its INFO commentary), unless the user chose
     * a level ({@code -Dlogmesh.log}, which then shows them all); returns whether it did, and then {@link #add} shows
     * them as {@link StoreLines} says. Before (ops42) they were off: an add on a log that the open repaired (a row, a
     * quarantined entry, a recovered WAL) said nothing of it; before that (ux41) a full disk printed "a batch ... could
     * not be written; trying again" above add's "not added: line 1001 ...". Called before the store's classes are
     * first used (slf4j-simple reads a logger's level when it makes the logger).
     */
    static boolean quietStore() {
        if (System.getProperty("logmesh.log") != null) {
            return false;
        }
        System.setProperty("org.slf4j.simpleLogger.log.dev.logmesh.internal.store", "warn");
        return true;
    }

    /**
     * The store's log lines (slf4j-simple writes them to {@link System#err}, looked up at each line) on their way to
     * {@code to}: passed at once, or held (up to {@link #HELD_BYTES}) from {@link #hold} until {@link #release}.
     * Any thread (the store's writer logs from its own).
     */
    static final class StoreLines extends java.io.OutputStream {
        /** The most bytes of lines held; those past it are counted. */
        static final int HELD_BYTES = 64 * 1024;
        private final PrintStream to;
        private java.io.ByteArrayOutputStream held;
        private long dropped;

        StoreLines(PrintStream to) {
            this.to = to;
        }

        /** From now on, lines are held. */
        synchronized void hold() {
            held = new java.io.ByteArrayOutputStream();
        }

        /** Writes the held lines if {@code show}, else drops them; lines pass at once again. */
        synchronized void release(boolean show) {
            if (held != null && show) {
                to.write(held.toByteArray(), 0, held.size());
                if (dropped > 0) {
                    to.println("logmesh: " + dropped + " more bytes of the store's log lines were left out; "
                        + "-Dlogmesh.log=warn shows them all");
                }
                to.flush();
            }
            held = null;
            dropped = 0;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (held == null) {
                to.write(b, off, len);
            } else if (held.size() + len <= HELD_BYTES) {
                held.write(b, off, len);
            } else {
                dropped += len;
            }
        }

        @Override
        public synchronized void flush() {
            if (held == null) {
                to.flush();
            }
        }
    }

    private static String badLines(int bad) {
        return bad > 0 ? ", " + bad + " bad line(s)" : "";
    }

    /**
     * The lines whose entries the store took and that are not known durable yet, in the log's order: which are in
     * the log after a failure is read from the file ({@link #firstMissing}). Known durable ones are dropped after each
     * batch, so this holds about one or two batches.
     */
    private static final class Handed {
        static final int NONE = -1;
        static final int UNKNOWN = -2;
        private final java.util.ArrayDeque<Integer> lines = new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<dev.logmesh.ActionId> ids = new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<Long> added = new java.util.ArrayDeque<>();
        int missingCount;
        String readProblem;

        void add(int line, Meta meta) {
            lines.add(line);
            ids.add(meta.id());
            added.add(meta.added());
        }

        void durableUpTo(long durable) {
            while (!added.isEmpty() && added.peekFirst() <= durable) {
                lines.removeFirst();
                ids.removeFirst();
                added.removeFirst();
            }
        }

        int firstLine() {
            return lines.isEmpty() ? NONE : lines.peekFirst();
        }

        /**
         * The first line whose entry is not in the log at {@code file}, {@link #NONE} if all are, {@link #UNKNOWN}
         * if the log cannot be read; counts the missing ones. Called after the store was closed.
         */
        int firstMissing(Path file) {
            if (lines.isEmpty()) {
                return NONE;
            }
            int first = NONE;
            try (SqliteStore reader = SqliteStore.openReader(file, false)) {
                var l = lines.iterator();
                for (dev.logmesh.ActionId id : ids) {
                    int line = l.next();
                    if (!reader.has(id)) {
                        missingCount++;
                        if (first == NONE) {
                            first = line;
                        }
                    } else if (first != NONE) {
                        // numbered in order, a write fails whole: an entry after a missing one is never in the log
                        throw new StoreException("line " + line + " is in the log after line " + first + ", which "
                            + "is not");
                    }
                }
            } catch (StoreException e) {
                readProblem = e.getMessage();
                return UNKNOWN;
            }
            return first;
        }
    }

    /**
     * What {@code add} says when the store would not open: for a store in use whose node runs (its status file,
     * {@code running}), the usual cause, what to do instead; else the store's own message. Told by the exception's
     * type ({@link dev.logmesh.StoreInUseException}): before session 29, by " is in use by " in its message, which a
     * change of wording would have broken.
     */
    static String openFailure(StoreException e, Path file, java.util.function.Supplier<JsonNode> running) {
        JsonNode node = e instanceof dev.logmesh.StoreInUseException ? running.get() : null;
        if (node == null) {
            return e.getMessage();
        }
        return file.toAbsolutePath() + " is in use by another logmesh process: its node runs (pid "
            + node.path("pid").asLong() + "): type the actions into that node's stdin, or stop it and add again";
    }

    /**
     * Adds the batch in adds within the store's write budget ({@link Log#writeBudget}, looked at before each), each a
     * transaction of its own; the lines of each add the store took are {@code handed} and counted in {@code added[0]},
     * and are out of {@code batch} and {@code lines} even when a later add throws. Before (disk40) the batch of
     * {@value #BATCH} lines was one transaction whatever the room: on a 2 MiB disk its WAL (1 MB beside a 1 MB main
     * file) took the room its own checkpoint needed, and no later write of that log worked.
     */
    private void flush(Log log, List<Entry> batch, List<Integer> lines, Handed handed, int[] added) {
        int from = 0;
        try {
            while (from < batch.size()) {
                int to = EntrySize.withinBudget(batch, from, batch.size(), log.writeBudget());
                List<Meta> result = log.add(batch.subList(from, to));
                for (int i = 0; i < result.size(); i++) {
                    if (result.get(i) == null) {
                        err.println("line " + lines.get(from + i) + ": an action with id "
                            + batch.get(from + i).id() + " is already in the log; not added again");
                    } else {
                        handed.add(lines.get(from + i), result.get(i));
                        added[0]++;
                    }
                }
                handed.durableUpTo(log.durableAdded());
                from = to;
            }
        } finally {
            // what the store took is handed (or was a repeat); what is left was not given to it (the account)
            batch.subList(0, from).clear();
            lines.subList(0, from).clear();
        }
    }
}
