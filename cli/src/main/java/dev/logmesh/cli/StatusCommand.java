package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.MeshNode;
import dev.logmesh.internal.log.MetaJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh status}: the whole mesh as the node whose data is in DIR knows it. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Show the whole mesh as the running node whose data is in DIR knows it: every node (not only "
        + "its peers), its links, who is behind whom, log sizes and add rates.",
        "Each node sends a small presence record every few seconds (--presence-period) that the others forward; "
            + "this reads what the node keeps of them in its status file (" + MeshNode.STATUS_FILE + ").",
        "Output: a table on a terminal, else (or with --json) one JSON object per node: node, name, url, size (log "
            + "entries), lastAdded, rate (actions added per second over the last period), behind (the most entries "
            + "of a neighbour's log it lacks, as the neighbours report), hops (0: this node), age (ms since its last "
            + "record arrived), via (the peer it came from), links ([{peer, active, behind: entries of this node's "
            + "log the peer lacks, rtt: ms or -1}]).",
        "A peer of this node that is away and behind (no session, not refused, lacking entries of this node's log, and "
            + "not listed by presence with a record newer than the end of its session: gone from the mesh as far as this node "
            + "knows) is a line under the table, "
            + "'behind: b:2 lacks 500 entries of a:1's log (away: no session since <UTC time>, 3 min ago)' ('not seen "
            + "since this node started' when it had no session in this node's run), and with --json an object of its "
            + "own: {node, url?, connected: false, away: true, behind, lastSeen: epoch ms or null, lastError?: why "
            + "the last dial of a --peer failed, also said on its line}. The same peers and numbers as logmesh peers "
            + "shows. 'nobody is behind' only when no link and no such peer lacks "
            + "anything.",
        "A warning on stderr first when the node cannot write its log, or when the status file is stale (not "
            + "rewritten for " + StatusCommand.STALE_AFTER_MILLIS / 1000 + " s though the node runs: it cannot write "
            + "there, e.g. a full disk).",
        "Exit status (as logmesh peers): 0 when this shows the running node's view; 3 when no live view could be "
            + "read: no node runs on DIR, or it runs without a fresh status file (it says which); 2 for a usage "
            + "mistake, or no log in DIR (a DIR that does not exist, or holds no " + AddCommand.LOG_FILE + ": the "
            + "line and exit status of logmesh log, peers and backup)."})
final class StatusCommand implements Callable<Integer> {
    /** How far two readings of one process's start time may differ, ms (the OS keeps it in clock ticks). */
    private static final long STARTED_TOLERANCE_MS = 1_000;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = "--json", description = "JSON lines even on a terminal.")
    boolean json;

    @Override
    // JDK 17: a null console means stdout is not a terminal (Console.isTerminal, which JDK 22 needs, is not in 17)
    @SuppressWarnings("SystemConsoleNull")
    public Integer call() {
        JsonNode status = runningStatus(data);
        if (status == null) {
            String noLog = noLog(data);
            System.err.println("logmesh: " + (noLog != null ? noLog : notRunning(data)));
            return noLog != null ? NO_LOG : PeersCommand.NOT_LIVE;
        }
        warnProblems(status, data, "");
        List<JsonNode> nodes = new ArrayList<>();
        status.path("mesh").path("nodes").forEach(nodes::add);
        if (nodes.isEmpty()) {
            System.err.println("logmesh: presence is off on this node (--presence-period 0) or has not run yet: "
                + "only its peers are known (logmesh peers)");
        }
        List<JsonNode> refusedOnly = withRefusals(status, nodes);
        List<JsonNode> away = away(status, nodes);
        if (json || System.console() == null) {
            Ndjson out = new Ndjson(System.out);
            nodes.forEach(out::print);
            refusedOnly.forEach(out::print);
            away.forEach(out::print);
            out.close();
            return 0;
        }
        table(status, nodes, away, System.currentTimeMillis());
        refusedLines(nodes, refusedOnly, System.currentTimeMillis()).forEach(System.out::println);
        return 0;
    }

    /**
     * Marks the nodes of {@code nodes} that refused this node or that it refused, since their last session, with
     * {@code refused} and {@code refusedAt} (the status file's peers), and returns one entry for each such peer that
     * presence does not list: {@code {node, url?, connected: false, refused, refusedAt}} (for a --peer whose node id is
     * not known, the URL is its name). One entry per peer ({@link PeersCommand#onePerPeer}). Before (ops42) {@code
     * --json} left them out, while the table named those refused over the key.
     */
    static List<JsonNode> withRefusals(JsonNode status, List<JsonNode> nodes) {
        java.util.Map<String, JsonNode> byId = new java.util.HashMap<>();
        nodes.forEach(n -> byId.put(n.path("node").asText(), n));
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : PeersCommand.onePerPeer(status.path("peers"))) {
            if (p.path("connected").asBoolean() || !p.hasNonNull("refused")) {
                continue;
            }
            JsonNode known = byId.get(p.path("node").asText());
            ObjectNode o = known instanceof ObjectNode k ? k : JsonNodeFactory.instance.objectNode();
            if (known == null) {
                o.put("node", p.path("node").asText());
                if (p.hasNonNull("url")) {
                    o.set("url", p.get("url"));
                }
                o.put("connected", false);
                out.add(o);
            }
            o.set("refused", p.get("refused"));
            o.set("refusedAt", p.path("refusedAt"));
        }
        return out;
    }

    /**
     * The peers of the status file that are away and behind: not connected, not refused (what a refused peer lacks is
     * not known), lacking entries of this node's log ({@code behind} > 0), and not listed by presence with a record that arrived
     * after its last session with this node ended (a node presence lists so is in the mesh, through other peers: an
     * overlay's passive peer gets this node's entries through them, and its row says how far behind its neighbours
     * report it; a record from before, still listed until it ages out, says nothing of now). One object each: {@code {node, url?, connected: false,
     * away: true, behind, lastSeen, lastError?}}: {@code behind} as for a listed node, the entries of a neighbour's log (this
     * node's) it lacks, as {@code logmesh peers} counts them; {@code lastSeen} when its last session ended (epoch ms),
     * null when not since this node started. Before (session 49's note) {@code status} said "nobody is behind" while
     * {@code peers} showed a stopped peer 500 behind.
     */
    static List<JsonNode> away(JsonNode status, List<JsonNode> nodes) {
        // when each listed node's last presence record arrived (epoch ms): the file's time minus the row's age
        java.util.Map<String, Long> heardAt = new java.util.HashMap<>();
        long written = status.path("written").asLong(-1);
        nodes.forEach(n -> heardAt.put(n.path("node").asText(),
            written < 0 || !n.path("age").canConvertToLong() ? Long.MAX_VALUE : written - n.get("age").asLong()));
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : PeersCommand.onePerPeer(status.path("peers"))) {
            String node = p.path("node").asText();
            if (p.path("connected").asBoolean() || p.hasNonNull("refused") || p.path("behind").asLong(0) <= 0) {
                continue;
            }
            Long heard = heardAt.get(node);
            // listed by presence: in the mesh through other peers, unless its record is older than the end of its
            // session with this node (a row presence keeps until it ages out: before, break50, a peer that had just
            // stopped was left out for about 15 s, its old row saying "behind 0" and its link to this node active)
            if (heard != null && (!p.path("lastSeen").canConvertToLong() || heard > p.get("lastSeen").asLong())) {
                continue;
            }
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("node", node);
            if (p.hasNonNull("url")) {
                o.set("url", p.get("url"));
            }
            o.put("connected", false);
            o.put("away", true);
            o.put("behind", p.get("behind").asLong());
            o.set("lastSeen", p.path("lastSeen").canConvertToLong() ? p.get("lastSeen")
                : JsonNodeFactory.instance.nullNode());
            if (p.path("lastError").isTextual()) {
                o.set("lastError", p.get("lastError"));
            }
            out.add(o);
        }
        return out;
    }

    /**
     * The table's line of a peer {@link #away}: {@code behind: b:2 lacks 500 entries of a:1's log (away: no session
     * since 2026-12-06T19:50:02.120Z, 3 min ago)}, or {@code (away: not seen since this node started, 12 min ago)}
     * when its last session was before this node's start ({@code started} of the status file; without it, the
     * duration is left out). A --peer that did not answer says why ({@code lastError}).
     */
    static String awayLine(JsonNode status, JsonNode peer, long now) {
        String self = status.path("node").asText();
        String when;
        if (peer.path("lastSeen").canConvertToLong()) {
            long at = peer.get("lastSeen").asLong();
            when = "no session since " + LogTime.utc(at) + ", " + PeersCommand.duration(Math.max(0, now - at), false)
                + " ago";
        } else {
            long started = status.path("started").asLong(-1);
            when = "not seen since this node started" + (started > 0
                ? ", " + PeersCommand.duration(Math.max(0, now - started), false) + " ago" : "");
        }
        String error = peer.path("lastError").asText("");
        return "behind: " + peer.path("node").asText() + " lacks " + peer.path("behind").asLong() + " entries of " + self
            + "'s log (away: " + when + (error.isEmpty() ? "" : "; last dial: " + error) + ")";
    }

    /**
     * The table's lines of refused peers, one each, with why and how long ago: those presence lists (marked by
     * {@link #withRefusals}) and those it does not ({@code refusedOnly}).
     */
    static List<String> refusedLines(List<JsonNode> nodes, List<JsonNode> refusedOnly, long now) {
        List<String> out = new ArrayList<>();
        for (List<JsonNode> list : List.of(nodes, refusedOnly)) {
            for (JsonNode n : list) {
                if (n.hasNonNull("refused")) {
                    String name = n.path("node").asText();
                    String url = n.path("url").asText("");
                    out.add("peer " + name + (url.isEmpty() || url.equals(name) ? "" : " (" + url + ")") + ":"
                        + PeersCommand.refusedLine(n, now).substring(1));
                }
            }
        }
        return out;
    }

    /**
     * The table a terminal shows. Its links column says whose lag a link's number is: before (session 36) its header
     * said "its lag behind this node", which an operator reads as the node {@code status} runs on (the row marked
     * {@code *}), not the row's node.
     */
    static void table(JsonNode status, List<JsonNode> nodes) {
        table(status, nodes, List.of(), System.currentTimeMillis());
    }

    /**
     * The table, with a line for each peer {@link #away} after those of the links where someone is behind; "nobody is
     * behind" only when neither has one.
     */
    static void table(JsonNode status, List<JsonNode> nodes, List<JsonNode> away, long now) {
        String self = status.path("node").asText();
        long period = status.path("mesh").path("period").asLong();
        System.out.printf("mesh seen from %s: %d node%s (%s)%n", self, nodes.size(), nodes.size() == 1 ? "" : "s",
            period > 0 ? "records every " + period + " ms" : "presence off on this node");
        System.out.printf("%-32s %4s %7s %10s %10s %8s %8s  %s%n", "NODE", "HOPS", "SEEN", "LOG SIZE", "LASTADDED",
            "ADDS/S", "BEHIND", "LINKS (peer: entries of the row's log it lacks, rtt)");
        List<String> lags = new ArrayList<>();
        for (JsonNode n : nodes) {
            String id = n.path("node").asText();
            List<String> links = new ArrayList<>();
            for (JsonNode l : n.path("links")) {
                String peer = l.path("peer").asText();
                long behind = l.path("behind").asLong();
                long rtt = l.path("rtt").asLong(-1);
                links.add(peer + (l.path("active").asBoolean(true) ? "" : " (held)") + ": " + behind
                    + (rtt >= 0 ? ", " + rtt + " ms" : ""));
                if (behind > 0) {
                    lags.add("behind: " + peer + " lacks " + behind + " entries of " + id + "'s log");
                }
            }
            int hops = n.path("hops").asInt();
            System.out.printf("%-32s %4d %7s %10d %10d %8s %8d  %s%n", id + (id.equals(self) ? " *" : ""), hops,
                hops == 0 ? "now" : (n.path("age").asLong() / 1000) + "s ago", n.path("size").asLong(),
                n.path("lastAdded").asLong(), String.format(Locale.ROOT, "%.1f", n.path("rate").asDouble()),
                n.path("behind").asLong(), String.join("; ", links));
        }
        away.forEach(p -> lags.add(awayLine(status, p, now)));
        if (lags.isEmpty()) {
            System.out.println("nobody is behind");
        } else {
            lags.forEach(System.out::println);
        }
        String keys = keys(nodes, refusedPeers(status));
        if (keys != null) {
            System.out.println(keys);
        }
        if (status.path("statusPage").isTextual()) {
            System.out.println("status page: " + status.path("statusPage").asText());
        }
    }

    /** Names a line lists of the nodes of one set of key ids before it says how many more. */
    static final int KEY_NAMES = 8;

    /**
     * The line that says which mesh key ids the nodes hold ({@code keyId}, {@code nextKeyId} of their presence
     * records), grouped, so an operator rotating the key sees in one place whether every node holds the next key
     * (README "Rotating the key", step 3) and which does not yet: {@code mesh keys: 9c0d11aa (next 4be1f0a2) on
     * a:1, b:2; 9c0d11aa on c:3; not said by d:4 (an open node, or an older logmesh)}. Null when no node says a key
     * id (an open mesh, or presence off). Before (session 39) each node's ready line was the only place to look.
     */
    static String keys(List<JsonNode> nodes) {
        return keys(nodes, List.of());
    }

    /**
     * The peers of the status file that a refusal over the mesh key parts from this node ({@code refused} of a peer
     * not connected, about a key or credentials): their node ids (or a --peer's URL, for one refused at once).
     */
    static List<String> refusedPeers(JsonNode status) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : PeersCommand.onePerPeer(status.path("peers"))) {
            String why = p.path("refused").asText("");
            if (!p.path("connected").asBoolean() && (why.contains("key") || why.contains("credentials"))) {
                out.add(p.path("node").asText());
            }
        }
        return out;
    }

    /**
     * {@link #keys(List)}, with the nodes refused over the key: they are named as refused and counted (before, ux41,
     * "mesh keys: 7462d58a on all 2 nodes" of a mesh whose third node was refused for its key).
     */
    static String keys(List<JsonNode> nodes, List<String> refused) {
        java.util.Map<String, List<String>> groups = new java.util.LinkedHashMap<>();
        List<String> silent = new ArrayList<>();
        for (JsonNode n : nodes) {
            String id = n.path("node").asText();
            if (!n.path("keyId").isTextual()) {
                silent.add(id);
                continue;
            }
            String k = n.get("keyId").asText()
                + (n.path("nextKeyId").isTextual() ? " (next " + n.get("nextKeyId").asText() + ")" : "");
            groups.computeIfAbsent(k, x -> new ArrayList<>()).add(id);
        }
        if (groups.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        if (groups.size() == 1 && silent.isEmpty() && refused.isEmpty()) {
            String k = groups.keySet().iterator().next();
            int c = groups.get(k).size();
            return "mesh keys: " + k + " on " + (c == 1 ? "the one node" : c == 2 ? "both nodes" : "all " + c + " nodes");
        }
        groups.forEach((k, ids) -> parts.add(k + " on " + names(ids)));
        if (!silent.isEmpty()) {
            parts.add("not said by " + names(silent) + " (an open node, or an older logmesh)");
        }
        if (!refused.isEmpty()) {
            parts.add("refused over the key: " + names(refused) + " (logmesh peers says why)");
        }
        int all = nodes.size() + refused.size();
        return "mesh keys" + (refused.isEmpty() ? "" : " (" + all + " nodes)") + ": " + String.join("; ", parts);
    }

    /** Up to {@link #KEY_NAMES} node ids, then how many more. */
    private static String names(List<String> ids) {
        return ids.size() <= KEY_NAMES ? String.join(", ", ids)
            : String.join(", ", ids.subList(0, KEY_NAMES)) + " and " + (ids.size() - KEY_NAMES) + " more";
    }

    /**
     * Says on stderr what a reader of a running node's status must know first: that the node cannot write its log
     * ({@code writable} false), or that the file is stale (its {@code written} more than
     * {@link #STALE_AFTER_MILLIS} old though its node runs: the node could not write it there, a full disk most
     * often, so it cannot say so itself and what it holds is as of then).
     */
    static void warnProblems(JsonNode status, Path data, String consequence) {
        if (!status.path("writable").asBoolean(true)) {
            System.err.println("logmesh: WARNING: the node cannot write its log: "
                + status.path("problem").asText("unknown problem") + consequence);
        }
        java.util.Set<String> fullSaid = new java.util.HashSet<>();
        for (JsonNode p : PeersCommand.onePerPeer(status.path("peers"))) {
            // a sender's own health is fine while a peer it sends to cannot write: said too, or status reads healthy
            // while that peer takes nothing of this node's (session 45's finding)
            String error = p.path("lastError").asText("");
            if (error.startsWith(FULL_PEER)) {
                fullSaid.add(p.path("node").asText());
                System.err.println("logmesh: WARNING: peer " + p.path("node").asText() + " cannot write its log ("
                    + error.substring(FULL_PEER.length()) + "), so it takes none of this node's actions: this node "
                    + "keeps them and sends them as soon as the peer says it has room again (its operator frees space,"
                    + " cleans its log or gives it a larger memory budget)");
            }
        }
        for (JsonNode n : status.path("mesh").path("nodes")) {
            // a node that cannot write, as its presence says: in a chain (--no-overlay) the nodes behind it see it
            // "behind 0" and no error of their own (break46), so this says where the data stops
            // a peer said above is not said again from its presence record (before, session 47: two near-identical
            // warnings for a full peer, one from the session, one from the record)
            if (n.path("hops").asInt(0) > 0 && n.path("full").isTextual()
                && !fullSaid.contains(n.path("node").asText())) {
                System.err.println("logmesh: WARNING: node " + n.path("node").asText() + " cannot write its log ("
                    + n.path("full").asText() + "), its presence says: what its peers send it stops there, and the "
                    + "nodes that get their actions only through it get nothing new until it has room again");
            }
        }
        if (status.path("brief").asBoolean(false)) {
            System.err.println("logmesh: WARNING: " + data.resolve(MeshNode.STATUS_FILE) + " holds the node's brief "
                + "status (no room for more on its disk): its peers and mesh are not shown; free space (df " + data
                + ") for the whole status");
        }
        long written = status.path("written").asLong(-1);
        long age = System.currentTimeMillis() - written;
        if (written > 0 && age > STALE_AFTER_MILLIS) {
            System.err.println("logmesh: WARNING: " + data.resolve(MeshNode.STATUS_FILE) + " was last written "
                + age / 1000 + " s ago though its node runs: the node cannot write there (is the disk full?); what "
                + "follows is as of then");
        }
    }

    /** How the {@code lastError} of a peer that said its log is full starts (the node's PeerStatus). */
    static final String FULL_PEER = "the peer cannot write its log: ";

    /** A status file older than this while its node runs is stale, ms: three of the node's refreshes. */
    static final long STALE_AFTER_MILLIS = 3 * MeshNode.STATUS_REFRESH_MILLIS;

    /**
     * Why there is no status to show of {@code data}: no node runs there, or one does (a process holds its store's
     * lock: its pid from the lock file) but its status file is missing or stale, which a node that cannot write there
     * (a full disk) leaves. Before (disk40) both were "no node runs on DIR (no fresh status.json)".
     */
    static String notRunning(Path data) {
        dev.logmesh.internal.store.SqliteStore.LockState lock =
            dev.logmesh.internal.store.SqliteStore.lockState(data.resolve(AddCommand.LOG_FILE));
        if (lock.held()) {
            return "a logmesh process runs on " + data + (lock.pid() > 0 ? " (pid " + lock.pid() + " holds its lock "
                + AddCommand.LOG_FILE + ".lock: its node, or a logmesh add)" : " (it holds its lock "
                + AddCommand.LOG_FILE + ".lock)") + ", but its status could not be read: no fresh "
                + MeshNode.STATUS_FILE + " (a node that cannot write there, e.g. on a full disk, leaves none; df "
                + data + ")";
        }
        if (lock.readers()) {
            return "no node runs on " + data + " (no fresh " + MeshNode.STATUS_FILE + "; a logmesh log or peers reads "
                + "its log)";
        }
        return "no node runs on " + data + " (no fresh " + MeshNode.STATUS_FILE + ")";
    }

    /**
     * Exit code of {@code log}, {@code peers}, {@code status} and {@code backup} for a DIR without a log: as a usage
     * mistake (a DIR mistyped, most often), not {@link PeersCommand#NOT_LIVE}, which says a node's log is there but no
     * node runs on it.
     */
    static final int NO_LOG = 2;

    /**
     * The line ({@code no log in DIR (expected DIR/log.db)}) that {@code log}, {@code peers} and {@code status} say of a
     * DIR without a log file (it does not exist, or holds no {@value AddCommand#LOG_FILE}), as {@code backup} does;
     * null when DIR has one. Before (session 48's note) {@code status} said "no node runs on DIR" with exit code 3 of
     * such a DIR, where the others said "no log in DIR" with exit code 2.
     */
    static String noLog(Path data) {
        Path file = data.resolve(AddCommand.LOG_FILE);
        return Files.exists(file) ? null : "no log in " + data + " (expected " + file + ")";
    }

    /** The status of a running node, or null if none runs on this directory. */
    static JsonNode runningStatus(Path data) {
        Path file = data.resolve(MeshNode.STATUS_FILE);
        try {
            if (!Files.exists(file)) {
                return null;
            }
            JsonNode n = null;
            // a node on a full disk rewrites the file in place (MeshNode.STATUS_RESERVE_BYTES): a read may meet a
            // write half done, which does not parse; the next read finds it whole
            for (int attempt = 0; n == null; attempt++) {
                try {
                    n = MetaJson.reader().readTree(Files.readString(file));
                } catch (com.fasterxml.jackson.core.JsonProcessingException torn) {
                    if (attempt == 4) {
                        throw torn;
                    }
                }
            }
            return isWriterAlive(n) ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Whether the process that wrote this status still runs: its {@code pid} is alive and, when the file says when
     * that process started ({@code started}), the live process of that pid started then too. A node killed with
     * {@code kill -9} leaves its file behind, and after a reboot or in a container its pid is soon another
     * process's: the pid alone would show the dead node's mesh as live.
     */
    static boolean isWriterAlive(JsonNode status) {
        long pid = status.path("pid").asLong(-1);
        java.util.Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (p.isEmpty()) {
            return false;
        }
        if (status.path("startTicks").canConvertToLong()) {
            // the kernel's start count of the pid's process now: equal for the node itself, whatever the wall clock
            // did since it started (startInstant below moves with a clock step: clock41's finding)
            long now = dev.logmesh.internal.store.ProcessStart.ticks(pid);
            if (now >= 0) {
                return now == status.path("startTicks").asLong();
            }
        }
        if (!status.path("started").canConvertToLong()) {
            return true; // a file of a node before 'started' existed: the pid is all there is
        }
        long started = status.path("started").asLong();
        return p.get().info().startInstant().map(i -> Math.abs(i.toEpochMilli() - started) <= STARTED_TOLERANCE_MS)
            .orElse(true);
    }
}
