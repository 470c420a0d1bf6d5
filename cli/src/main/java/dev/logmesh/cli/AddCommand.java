package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.StoreException;
import java.io.IOException;
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
            + "(NDJSON; blank lines and a byte order mark are skipped). Actions get a fresh id and reasons [\"cli\"] "
            + "unless the meta gives them; an action is kept as typed (numbers exactly).",
        "A bad line is reported on stderr with its number; the good lines are still added; exit code 1 if any "
            + "line was bad."})
final class AddCommand implements Callable<Integer> {
    static final String LOG_FILE = "log.db";
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

    @Override
    public Integer call() throws IOException {
        if (name != null) {
            Checks.nodeName(name, false);
        }
        Checks.maxFrame(maxFrame);
        Checks.dataDir(data);
        dev.logmesh.internal.store.DataDir.create(data); // 0700, as a node creates it
        SqliteStore store;
        try {
            store = SqliteStore.open(data.resolve(LOG_FILE));
        } catch (StoreException e) {
            System.err.println("logmesh: " + openFailure(e, data.resolve(LOG_FILE),
                () -> StatusCommand.runningStatus(data)));
            return 2;
        }
        int[] bad = {0};
        int[] added = {0};
        try (store) {
            // a new log gets the id `logmesh node` would give it (NAME:random, the same default NAME), so the node
            // started on DIR later keeps it without a warning; an existing log keeps its id, warned only for a --name
            String idName = name != null || store.state(Log.NODE_ID_KEY).isPresent()
                ? name : NodeCommand.DEFAULT_NAME;
            Log log;
            try {
                log = Log.open(store, idName, System::currentTimeMillis, HybridClock.DEFAULT_MAX_DRIFT_MS);
            } catch (StoreException e) {
                System.err.println("logmesh: " + data.resolve(LOG_FILE) + ": " + e.getMessage());
                return 2;
            }
            // a node of the mesh with a smaller frame limit that the node knew of (kept with the log): what an add can
            // reach
            java.util.Map.Entry<Integer, String> peers = Log.peerFrameLimit(store, System.currentTimeMillis());
            int limit = peers != null && peers.getKey() < maxFrame ? peers.getKey() : maxFrame;
            String whose = limit == maxFrame ? "from --max-frame " + maxFrame
                : "from node " + peers.getValue() + "'s frame limit of " + limit + " bytes, a node of this log's mesh "
                    + "seen in the last 7 days; give every node of a mesh the same --max-frame";
            List<Entry> batch = new ArrayList<>();
            List<Integer> lines = new ArrayList<>();
            Ndjson.readLines(System.in, Utf8Lines.maxLineBytes(maxFrame), new Ndjson.LineHandler() {
                @Override
                public void line(int number, Action action, JsonNode meta) {
                    try {
                        Entry e = MetaJson.draft(log, action, meta, List.of("cli"));
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
                        added[0] += flush(log, batch, lines);
                    }
                }

                @Override
                public void bad(int number, String reason) {
                    bad[0]++;
                    System.err.println("line " + number + ": " + reason);
                }
            });
            added[0] += flush(log, batch, lines);
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        System.err.println("added " + added[0] + " action(s)" + (bad[0] > 0 ? ", " + bad[0] + " bad line(s)" : ""));
        return bad[0] > 0 ? 1 : 0;
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

    private static int flush(Log log, List<Entry> batch, List<Integer> lines) {
        int n = 0;
        List<Meta> result = log.add(batch);
        for (int i = 0; i < result.size(); i++) {
            if (result.get(i) == null) {
                System.err.println("line " + lines.get(i) + ": an action with id " + batch.get(i).id()
                    + " is already in the log; not added again");
            } else {
                n++;
            }
        }
        batch.clear();
        lines.clear();
        return n;
    }
}
