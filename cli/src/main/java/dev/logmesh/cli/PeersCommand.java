package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.MeshNode;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh peers}: which peers a node has, connected or not, and how far behind they are. */
@Command(name = "peers", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Show the peers of the node whose data is in DIR: connected or not, and how far behind.",
        "While the node runs, this reads " + MeshNode.STATUS_FILE + ", which the node writes every second; "
            + "otherwise the sync cursors saved in its log.",
        "Output: a table on a terminal, else (or with --json) one JSON object per peer: node, connected, "
            + "received (the peer's meta.added up to which its entries were processed here), sent (this log's "
            + "meta.added up to which the peer acknowledged): positions, Logux's lastReceived and lastSent, not "
            + "counts (the table's LAST-RECEIVED and LAST-SENT); behind (entries of this log the peer lacks); "
            + "a peer acknowledges whole frames, so one that stored part of a frame while its log was full, and is "
            + "full still, holds up to that frame's entries beyond sent, which behind counts as lacking; "
            + "lastSeen (epoch ms) of a peer not connected: when its last session ended, if it had one since this node started "
            + "(on a terminal: a line 'no session since ...' under it); "
            + "for a --peer URL: url, lastError (why the last dial failed) and nextDialAt (epoch ms). A --peer that "
            + "never answered is listed by its URL. While running: offset (this clock minus the peer's, ms) and rtt "
            + "(the round trip of that estimate); view, when this node runs the overlay (not with --no-overlay): "
            + "active (the overlay's active view: sessions that carry entries), pending (a member being tried), "
            + "outside (not an overlay member: a stock Logux peer or a node without the overlay), passive (known, no "
            + "session; with its address). One line per node: a node in the passive view that has a cursor here is "
            + "that line, with view passive and its address. A node that refused this node, or that this node "
            + "refused, since its last session: refused (why: \"refused this node: ...\" or \"refused by this node: "
            + "...\") and refusedAt (epoch ms), on its line or on a line of its own (a node found by mDNS whose every "
            + "session was refused).",
        "A refused peer (not connected since it refused this node, or this node refused it) is one line, with why, "
            + "and behind null: what it lacks is not known. The table prints OFFSET and RTT with a unit (+12 ms, "
            + "-3.4 s, +2 h 5 min); --json keeps them in ms.",
        "A warning on stderr first when the node cannot write its log, or when its status file is stale (see "
            + "logmesh status --help).",
        "Exit status (as logmesh status): 0 when this shows the running node's view; 3 when no live view could be "
            + "read: no node runs on DIR, or it runs without a fresh status file (the peers its log kept are shown, "
            + "and it says which); 2 for a usage mistake, or no readable log in DIR."})
final class PeersCommand implements Callable<Integer> {
    /** A row of the table: peer, state, view, the two cursors, behind, offset, rtt. */
    private static final String ROW = "%-32s %-12s %-8s %13s %10s %8s %12s %8s%n";

    /** The line under the table that says what its number columns are. */
    static final String LEGEND = "LAST-RECEIVED: the peer's meta.added up to which its entries are processed here; "
        + "LAST-SENT: this log's meta.added up to which the peer acknowledged (positions, Logux's lastReceived and "
        + "lastSent, not counts); BEHIND: entries of this log the peer lacks; OFFSET: this clock minus the peer's; RTT: the round trip of that estimate";

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = "--json", description = "JSON lines even on a terminal.")
    boolean json;

    @Override
    // JDK 17: a null console means stdout is not a terminal (Console.isTerminal, which JDK 22 needs, is not in 17)
    @SuppressWarnings("SystemConsoleNull")
    public Integer call() {
        return run(!json && System.console() != null);
    }

    /** The command, as a table (a terminal's) or JSON lines. */
    Integer run(boolean table) {
        Ndjson out = new Ndjson(System.out);
        JsonNode status = StatusCommand.runningStatus(data);
        if (status != null) {
            // the node runs but cannot write its log, or its status file: say so before its peers look fine
            StatusCommand.warnProblems(status, data, " (peers' entries are not acknowledged)");
        }
        // the table's rows are collected first and printed under the header only if there are any: an error (no log
        // in DIR) comes before any output, and an empty header is not printed (before, ux41: the header, then "no log")
        StringBuilder rows = new StringBuilder();
        if (status != null) {
            // one line per node: a node the overlay keeps in its passive view that this node also has a cursor
            // for (or a --peer URL) is one line with both (before, session 33, two lines: one of each)
            JsonNode overlay = status.path("overlay");
            Map<String, String> passive = new LinkedHashMap<>();
            for (JsonNode p : overlay.path("passive")) {
                passive.putIfAbsent(p.path("id").asText(), p.path("addr").asText());
            }
            long now = System.currentTimeMillis();
            for (JsonNode p : onePerPeer(status.path("peers"))) {
                String node = p.path("node").asText();
                String address = passive.remove(node);
                if (address != null && p instanceof ObjectNode o) {
                    if (!o.path("view").isTextual()) {
                        o.put("view", "passive");
                    }
                    o.put("address", address);
                }
                if (!table) {
                    out.print(p); // the node's own fields: those of a saved cursor, offset/rtt, a --peer's dialing state
                    continue;
                }
                String view = p.path("view").isTextual() ? p.path("view").asText() : "";
                boolean refused = p.hasNonNull("refused") && !p.path("connected").asBoolean();
                if (p.has("received") && !refused) {
                    row(rows, node, p.path("connected").asBoolean(), view, p.path("received").asLong(),
                        p.path("sent").asLong(), p.path("behind").asLong(), p.get("offset"), p.get("rtt"));
                } else {
                    // refused: why is said under it; what it lacks is not known while it is refused (before, ux41, a
                    // --peer URL that refused this node had a row with BEHIND 50, all of this log, and a row of its own)
                    rows.append(String.format(ROW, node, "refused", view, p.has("received") ? p.path("received").asText()
                        : "-", p.has("sent") ? p.path("sent").asText() : "-", "-", "-", "-"));
                }
                if (address != null) {
                    rows.append("  passive view: at ").append(address).append('\n');
                }
                if (!p.path("connected").asBoolean() && p.path("lastSeen").canConvertToLong()) {
                    // how long it has been away, as status says of a peer away and behind
                    long at = p.get("lastSeen").asLong();
                    rows.append("  no session since ").append(LogTime.utc(at)).append(" (")
                        .append(duration(Math.max(0, now - at), false)).append(" ago)\n");
                }
                String dialing = Dialing.line(p, now);
                if (dialing != null) {
                    rows.append(dialing).append('\n');
                }
                String refusal = refusedLine(p, now);
                if (refusal != null) {
                    rows.append(refusal).append('\n');
                }
            }
            for (Map.Entry<String, String> e : passive.entrySet()) {
                if (table) {
                    rows.append(String.format("%-32s %-12s %-8s %s%n", e.getKey(), "no session", "passive",
                        e.getValue()));
                } else {
                    ObjectNode n = JsonNodeFactory.instance.objectNode();
                    n.put("node", e.getKey());
                    n.put("connected", false);
                    n.put("view", "passive");
                    n.put("address", e.getValue());
                    out.print(n);
                }
            }
            if (table) {
                printTable(rows, true);
                if (overlay.isObject()) {
                    System.out.printf("overlay: %d active (max %d), %d passive (max %d)%n",
                        overlay.path("active").size(), overlay.path("maxActive").asInt(),
                        overlay.path("passive").size(), overlay.path("maxPassive").asInt());
                }
            }
            return 0;
        }
        Path file = data.resolve(AddCommand.LOG_FILE);
        String noLog = StatusCommand.noLog(data);
        if (noLog != null) {
            System.err.println("logmesh: " + noLog);
            return StatusCommand.NO_LOG;
        }
        try (SqliteStore store = SqliteStore.openReader(file, false)) {
            // a stopped node: its saved cursors only; without this line an empty table looked like a running node
            // that had no peers. A node that runs without a fresh status file (a full disk) is said to run, with its
            // pid: before (session 40) peers said "no node runs" of it, and "none connected", where status said it
            // runs. Said once the log opened: of a file that is not a log, the error alone (before, break49, this
            // line came first)
            if (SqliteStore.lockState(file).held()) {
                System.err.println("logmesh: " + StatusCommand.notRunning(data) + ": the peers it kept cursors for, "
                    + "as its log holds them (which are connected now is not known)");
            } else {
                System.err.println("logmesh: no node runs on " + data + ": the peers it kept cursors for, as of its "
                    + "last run (none connected)");
            }
            long last = store.lastAdded();
            long[] skipped = store.skippedAdded();
            for (Map.Entry<String, PeerCursor> e : store.cursors().entrySet()) {
                PeerCursor c = e.getValue();
                // entries, not added numbers: those the log skipped at a restart after a crash are not counted
                long behind = Math.max(0, last - c.sent() - Store.countSkipped(skipped, c.sent(), last));
                if (table) {
                    row(rows, e.getKey(), false, "", c.received(), c.sent(), behind, null, null);
                } else {
                    out.print(json(e.getKey(), c.received(), c.sent(), behind));
                }
            }
            if (table) {
                printTable(rows, false);
            }
            // the same rule as status: no live view of a running node (its saved cursors are shown): exit 3 (before,
            // ux41: peers 0, status 2, of the same node)
            return NOT_LIVE;
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Exit code of {@code peers} and {@code status} when no live view of a running node could be read: no node runs
     * on DIR, or it runs without a fresh status file (peers then shows the cursors its log kept). As LSB's "program is
     * not running" for a status action; 2 stays for a usage mistake and a DIR without a readable log.
     */
    static final int NOT_LIVE = 3;

    /** The header, the rows and the legend, if there are rows; else a line that says there are none. */
    private static void printTable(StringBuilder rows, boolean running) {
        if (rows.length() == 0) {
            System.out.println(running ? "no peers yet" : "no peers kept");
            return;
        }
        // positions, not counts (before, session 37, RECEIVED and SENT, read as counts of entries)
        System.out.printf(ROW, "PEER", "STATE", "VIEW", "LAST-RECEIVED", "LAST-SENT", "BEHIND", "OFFSET", "RTT");
        System.out.print(rows);
        System.out.println(LEGEND);
    }

    /**
     * The peers of a status file, one per peer: a line of a refusal alone (no session since) whose node is the URL of
     * another line (a --peer that refused this node at once: its refusal is kept by the URL it was dialed at, its
     * dialing state by the node id remembered for that URL) is merged into that line. Before (ux41) such a peer was
     * listed twice. A peer refused and not connected has {@code behind} null: what it lacks is not known.
     */
    static List<JsonNode> onePerPeer(JsonNode peers) {
        Map<String, ObjectNode> byUrl = new LinkedHashMap<>();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : peers) {
            if (p instanceof ObjectNode o && p.hasNonNull("url")) {
                byUrl.putIfAbsent(p.get("url").asText(), o);
            }
        }
        for (JsonNode p : peers) {
            ObjectNode into = p.has("received") || p.hasNonNull("url") ? null : byUrl.get(p.path("node").asText());
            if (into != null) { // never p itself: p has no url
                if (!into.hasNonNull("refused") || p.path("refusedAt").asLong() > into.path("refusedAt").asLong()) {
                    into.set("refused", p.get("refused"));
                    into.set("refusedAt", p.get("refusedAt"));
                }
                continue;
            }
            out.add(p);
        }
        for (JsonNode p : out) {
            if (p instanceof ObjectNode o && o.hasNonNull("refused") && !o.path("connected").asBoolean()
                && o.has("behind")) {
                o.putNull("behind");
            }
        }
        return out;
    }

    /**
     * The line under a node that refused this node or that it refused, since its last session ({@code refused} and
     * {@code refusedAt} of the status file), or null: {@code "  refused this node: wrong-credentials: it says: ...
     * (12 s ago)"}.
     */
    static String refusedLine(JsonNode peer, long now) {
        if (!peer.hasNonNull("refused")) {
            return null;
        }
        long at = peer.path("refusedAt").asLong(-1);
        return "  " + peer.get("refused").asText() + (at > 0 ? " (" + Math.max(0, (now - at) / 1000) + " s ago)" : "");
    }

    private static void row(StringBuilder rows, String node, boolean connected, String view, long received,
                            long sent, long behind, JsonNode offset, JsonNode rtt) {
        rows.append(String.format(ROW, node, connected ? "connected" : "disconnected", view,
            Long.toString(received), Long.toString(sent), Long.toString(behind),
            offset == null || !offset.canConvertToLong() ? "-" : duration(offset.asLong(), true),
            rtt == null || !rtt.canConvertToLong() ? "-" : duration(rtt.asLong(), false)));
    }

    private static ObjectNode json(String node, long received, long sent, long behind) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("node", node);
        n.put("connected", false);
        n.put("received", received);
        n.put("sent", sent);
        n.put("behind", behind);
        return n;
    }

    /**
     * Milliseconds as a person reads them, with a unit: {@code 12 ms}, {@code 3.4 s}, {@code 42 s}, {@code 5 min 3 s},
     * {@code 2 h 5 min}; with {@code signed}, a leading {@code +} or {@code -} ({@code 0 ms} has none). Before (ux41)
     * the OFFSET column printed raw milliseconds ({@code -7523412}).
     */
    static String duration(long millis, boolean signed) {
        String sign = !signed || millis == 0 ? "" : millis > 0 ? "+" : "-";
        long ms = Math.abs(millis);
        if (millis == Long.MIN_VALUE) {
            ms = Long.MAX_VALUE;
        }
        String d;
        if (ms < 1_000) {
            d = ms + " ms";
        } else if (ms < 10_000) {
            d = ms / 1_000 + "." + ms % 1_000 / 100 + " s";
        } else if (ms < 60_000) {
            d = ms / 1_000 + " s";
        } else if (ms < 3_600_000) {
            d = ms / 60_000 + " min" + (ms / 1_000 % 60 > 0 ? " " + ms / 1_000 % 60 + " s" : "");
        } else if (ms < 86_400_000) {
            d = ms / 3_600_000 + " h" + (ms / 60_000 % 60 > 0 ? " " + ms / 60_000 % 60 + " min" : "");
        } else {
            d = ms / 86_400_000 + " d" + (ms / 3_600_000 % 24 > 0 ? " " + ms / 3_600_000 % 24 + " h" : "");
        }
        return sign + d;
    }
}
