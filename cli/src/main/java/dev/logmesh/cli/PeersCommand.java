package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.MeshNode;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        "A warning on stderr first when the node cannot write its log, or when its status file is stale (see "
            + "logmesh status --help)."})
final class PeersCommand implements Callable<Integer> {
    /** A row of the table: peer, state, view, the two cursors, behind, offset, rtt. */
    private static final String ROW = "%-32s %-12s %-8s %13s %10s %8s %8s %6s%n";

    /** The line under the table that says what its number columns are. */
    static final String LEGEND = "LAST-RECEIVED: the peer's meta.added up to which its entries are processed here; "
        + "LAST-SENT: this log's meta.added up to which the peer acknowledged (positions, Logux's lastReceived and "
        + "lastSent, not counts); BEHIND: entries of this log the peer lacks; OFFSET: this clock minus the peer's, ms";

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
        if (table) {
            // positions, not counts (before, session 37, RECEIVED and SENT, read as counts of entries)
            System.out.printf(ROW, "PEER", "STATE", "VIEW", "LAST-RECEIVED", "LAST-SENT", "BEHIND", "OFFSET", "RTT");
        }
        if (status != null) {
            // one line per node: a node the overlay keeps in its passive view that this node also has a cursor
            // for (or a --peer URL) is one line with both (before, session 33, two lines: one of each)
            JsonNode overlay = status.path("overlay");
            Map<String, String> passive = new LinkedHashMap<>();
            for (JsonNode p : overlay.path("passive")) {
                passive.putIfAbsent(p.path("id").asText(), p.path("addr").asText());
            }
            for (JsonNode p : status.path("peers")) {
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
                String view = p.path("view").isTextual() ? p.path("view").asText() : null;
                if (p.has("received")) {
                    print(out, true, node, p.path("connected").asBoolean(), view,
                        p.path("received").asLong(), p.path("sent").asLong(), p.path("behind").asLong(), p.get("offset"),
                        p.get("rtt"));
                } else {
                    // a node known only by a refusal: no cursor, no session
                    System.out.printf(ROW, node, "refused", view == null ? "" : view, "-", "-", "-", "-", "-");
                }
                if (address != null) {
                    System.out.println("  passive view: at " + address);
                }
                Dialing.print(p);
                String refused = refusedLine(p, System.currentTimeMillis());
                if (refused != null) {
                    System.out.println(refused);
                }
            }
            for (Map.Entry<String, String> e : passive.entrySet()) {
                if (table) {
                    System.out.printf("%-32s %-12s %-8s %s%n", e.getKey(), "no session", "passive", e.getValue());
                } else {
                    ObjectNode n = JsonNodeFactory.instance.objectNode();
                    n.put("node", e.getKey());
                    n.put("connected", false);
                    n.put("view", "passive");
                    n.put("address", e.getValue());
                    out.print(n);
                }
            }
            if (table && overlay.isObject()) {
                System.out.printf("overlay: %d active (max %d), %d passive (max %d)%n", overlay.path("active").size(),
                    overlay.path("maxActive").asInt(), overlay.path("passive").size(), overlay.path("maxPassive").asInt());
            }
            if (table) {
                System.out.println(LEGEND);
            }
            return 0;
        }
        Path file = data.resolve(AddCommand.LOG_FILE);
        if (!Files.exists(file)) {
            System.err.println("logmesh: no log in " + data);
            return 2;
        }
        // a stopped node: its saved cursors only; without this line an empty table looked like a running node
        // that had no peers. A node that runs without a fresh status file (a full disk) is said to run, with its pid:
        // before (session 40) peers said "no node runs" of it, and "none connected", where status said it runs
        if (SqliteStore.lockState(file).held()) {
            System.err.println("logmesh: " + StatusCommand.notRunning(data) + ": the peers it kept cursors for, as "
                + "its log holds them (which are connected now is not known)");
        } else {
            System.err.println("logmesh: no node runs on " + data + ": the peers it kept cursors for, as of its last "
                + "run (none connected)");
        }
        try (SqliteStore store = SqliteStore.openReader(file, false)) {
            long last = store.lastAdded();
            long[] skipped = store.skippedAdded();
            for (Map.Entry<String, PeerCursor> e : store.cursors().entrySet()) {
                PeerCursor c = e.getValue();
                // entries, not added numbers: those the log skipped at a restart after a crash are not counted
                long behind = Math.max(0, last - c.sent() - Store.countSkipped(skipped, c.sent(), last));
                print(out, table, e.getKey(), false, null, c.received(), c.sent(), behind, null, null);
            }
            if (table) {
                System.out.println(LEGEND);
            }
            return 0;
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
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

    private static void print(Ndjson out, boolean table, String node, boolean connected, String view, long received,
                              long sent, long behind, JsonNode offset, JsonNode rtt) {
        if (table) {
            System.out.printf(ROW, node, connected ? "connected" : "disconnected", view == null ? "" : view,
                Long.toString(received), Long.toString(sent), Long.toString(behind),
                offset == null ? "-" : offset.asText(), rtt == null ? "-" : rtt.asText());
            return;
        }
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("node", node);
        n.put("connected", connected);
        if (view != null) {
            n.put("view", view);
        }
        n.put("received", received);
        n.put("sent", sent);
        n.put("behind", behind);
        if (offset != null && rtt != null) {
            n.set("offset", offset);
            n.set("rtt", rtt);
        }
        out.print(n);
    }
}
