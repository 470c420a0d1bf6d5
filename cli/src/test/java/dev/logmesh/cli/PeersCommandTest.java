package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.MeshNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh peers} of a running node (its status file, written here as by "this process"): one line per node.
 * Session 33, an operator's LAN trial: a node in the overlay's passive view that the node also kept a cursor for was
 * listed twice, once from its cursor and once from the passive view.
 */
class PeersCommandTest {

    private static final long NOW_STARTED = ProcessHandle.current().info().startInstant()
        .map(java.time.Instant::toEpochMilli).orElseThrow();

    private static List<JsonNode> peersJson(Path dir) throws Exception {
        return jsonLines("peers", dir);
    }

    /** The JSON lines {@code logmesh COMMAND --data DIR --json} prints (exit code 0 asserted). */
    private static List<JsonNode> jsonLines(String command, Path dir) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(command, "--data", dir.toString(), "--json"));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void aPassivePeerWithACursorIsOneLineWithBoth(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(MeshNode.STATUS_FILE), "{\"node\":\"a:1\",\"url\":\"ws://10.0.0.1:7000\","
            + "\"pid\":" + ProcessHandle.current().pid() + ",\"started\":" + NOW_STARTED + ",\"written\":"
            + System.currentTimeMillis() + ",\"lastAdded\":9,\"size\":9,\"writable\":true,"
            + "\"peers\":[{\"node\":\"b:2\",\"connected\":false,\"received\":4,\"sent\":7,\"behind\":2},"
            + "{\"node\":\"d:4\",\"connected\":true,\"view\":\"active\",\"received\":1,\"sent\":9,\"behind\":0}],"
            + "\"overlay\":{\"active\":[\"d:4\"],\"passive\":[{\"id\":\"b:2\",\"addr\":\"ws://10.0.0.2:7000\"},"
            + "{\"id\":\"c:3\",\"addr\":\"ws://10.0.0.3:7000\"}],\"maxActive\":5,\"maxPassive\":30},"
            + "\"mesh\":{\"period\":5000,\"nodes\":[]}}");
        List<JsonNode> lines = peersJson(dir);
        List<String> nodes = lines.stream().map(n -> n.path("node").asText()).toList();
        assertEquals(List.of("b:2", "d:4", "c:3"), nodes, "one line per node: " + lines);
        JsonNode b = lines.get(0);
        assertEquals("passive", b.path("view").asText(), b.toString());
        assertEquals("ws://10.0.0.2:7000", b.path("address").asText(), b.toString());
        assertEquals(4, b.path("received").asLong(), "its cursor's fields stay: " + b);
        assertEquals(2, b.path("behind").asLong(), b.toString());
        assertEquals("active", lines.get(1).path("view").asText());
        assertEquals("passive", lines.get(2).path("view").asText());
        assertEquals("ws://10.0.0.3:7000", lines.get(2).path("address").asText());
    }

    /**
     * The table a terminal shows. Session 37 (ops37), an operator reading it first: its RECEIVED and SENT columns
     * read as counts of entries, where they are positions in two logs' {@code added} numbering (Logux's lastReceived
     * and lastSent): a peer that sent 3 entries showed 1,000,003 when its log held a million more.
     */
    @Test
    void theTableSaysItsCursorColumnsArePositionsNotCounts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(MeshNode.STATUS_FILE), "{\"node\":\"a:1\",\"url\":\"ws://10.0.0.1:7000\","
            + "\"pid\":" + ProcessHandle.current().pid() + ",\"started\":" + NOW_STARTED + ",\"written\":"
            + System.currentTimeMillis() + ",\"lastAdded\":9,\"size\":9,\"writable\":true,"
            + "\"peers\":[{\"node\":\"d:4\",\"connected\":true,\"view\":\"active\",\"received\":1000003,"
            + "\"sent\":9,\"behind\":0}],\"mesh\":{\"period\":5000,\"nodes\":[]}}");
        PrintStream out = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PeersCommand command = new PeersCommand();
        command.data = dir;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals(0, command.run(true));
        } finally {
            System.setOut(out);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        List<String> header = List.of(lines.get(0).trim().split(" +"));
        // before: [PEER, STATE, VIEW, RECEIVED, SENT, BEHIND, OFFSET, RTT]
        assertEquals(List.of("PEER", "STATE", "VIEW", "LAST-RECEIVED", "LAST-SENT", "BEHIND", "OFFSET", "RTT"), header,
            lines.get(0));
        assertEquals(List.of("d:4", "connected", "active", "1000003", "9", "0", "-", "-"),
            List.of(lines.get(1).trim().split(" +")), lines.get(1));
        // and what they are, once, under the table
        org.junit.jupiter.api.Assertions.assertTrue(lines.stream().anyMatch(l -> l.startsWith("LAST-RECEIVED")
            && l.contains("not counts")), lines.toString());
    }

    /** The line under a node that refused this node (session 36): its reason and how long ago. */
    @Test
    void aRefusalIsSaidUnderItsNodeWithHowLongAgo() throws Exception {
        JsonNode p = new ObjectMapper().readTree("{\"node\":\"b:2\",\"connected\":false,\"refused\":\"refused this "
            + "node: wrong-credentials: it says: wrong key\",\"refusedAt\":1000000}");
        assertEquals("  refused this node: wrong-credentials: it says: wrong key (12 s ago)",
            PeersCommand.refusedLine(p, 1_012_400));
        assertEquals(null, PeersCommand.refusedLine(new ObjectMapper().readTree("{\"node\":\"c:3\"}"), 0));
    }

    /** Runs {@code peers} as on a terminal (a table): exit code, stdout, stderr. */
    private static CliTest.Run table(Path dir) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PeersCommand command = new PeersCommand();
        command.data = dir;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = command.run(true);
            return new CliTest.Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The status file of a running node (this JVM) with these peers. */
    private static void running(Path dir, String peers) throws Exception {
        Files.writeString(dir.resolve(MeshNode.STATUS_FILE), "{\"node\":\"c:3\",\"url\":\"ws://10.0.0.3:7000\","
            + "\"pid\":" + ProcessHandle.current().pid() + ",\"started\":" + NOW_STARTED + ",\"written\":"
            + System.currentTimeMillis() + ",\"lastAdded\":50,\"size\":50,\"writable\":true,"
            + "\"peers\":[" + peers + "],\"mesh\":{\"period\":5000,\"nodes\":[]}}");
    }

    /**
     * {@code peers DIR} of a DIR without a log says so before any output: no table header above it (before, ux41:
     * the header, then "logmesh: no log in DIR"), exit 2.
     */
    @Test
    void noLogInDirIsSaidBeforeAnyOutput(@TempDir Path dir) {
        CliTest.Run r = table(dir);
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        org.junit.jupiter.api.Assertions.assertTrue(r.err().startsWith("logmesh: no log in " + dir), r.err());
    }

    /**
     * A --peer that refused this node over its key (a wrong key) is one row: refused, with why once, and no BEHIND,
     * which is not known while it refuses. Before (ux41) its URL row said BEHIND 50 (all of this log) and a second
     * row (its refusal, kept by the URL) said it again; the dial's error line said the refusal a third time.
     */
    @Test
    void aRefusedPeerIsOneRowWithWhyAndNoBacklog(@TempDir Path dir) throws Exception {
        String refusal = "refused this node: wrong-credentials: it says: wrong key: the dialer proved another mesh key";
        running(dir, "{\"node\":\"b:2\",\"connected\":false,\"received\":0,\"sent\":0,\"behind\":50,"
            + "\"url\":\"ws://10.0.0.2:7000\",\"lastError\":\"peer sent error wrong-credentials (it says: wrong key: "
            + "the dialer proved another mesh key)\",\"nextDialAt\":" + (System.currentTimeMillis() + 3000) + "},"
            + "{\"node\":\"ws://10.0.0.2:7000\",\"connected\":false,\"refused\":\"" + refusal + "\",\"refusedAt\":"
            + System.currentTimeMillis() + "}");
        CliTest.Run r = table(dir);
        assertEquals(0, r.code(), r.err());
        List<String> rows = r.out().lines().filter(l -> !l.startsWith(" ") && !l.startsWith("PEER")
            && !l.startsWith("LAST-RECEIVED")).toList();
        assertEquals(1, rows.size(), r.out());
        assertEquals(List.of("b:2", "refused", "0", "0", "-", "-", "-"), List.of(rows.get(0).trim().split(" +")),
            r.out());
        assertEquals(1, r.out().split("it says: wrong key", -1).length - 1, "the refusal said once: " + r.out());

        List<JsonNode> lines = peersJson(dir);
        assertEquals(1, lines.size(), lines.toString());
        org.junit.jupiter.api.Assertions.assertTrue(lines.get(0).get("behind").isNull(), lines.toString());
        assertEquals(refusal, lines.get(0).get("refused").asText());
    }

    /**
     * {@code logmesh status --json} lists a refused peer that presence does not know, with why, once; the table says it
     * in a line. Before (ops42) --json left it out ("expected: <2> but was: <1>") while the table named it.
     */
    @Test
    void statusJsonListsARefusedPeerOnceWithWhy(@TempDir Path dir) throws Exception {
        String refusal = "refused this node: wrong-credentials: it says: wrong key: the dialer proved another mesh key";
        long now = System.currentTimeMillis();
        Files.writeString(dir.resolve(MeshNode.STATUS_FILE), "{\"node\":\"c:3\",\"url\":\"ws://10.0.0.3:7000\","
            + "\"pid\":" + ProcessHandle.current().pid() + ",\"started\":" + NOW_STARTED + ",\"written\":" + now
            + ",\"lastAdded\":50,\"size\":50,\"writable\":true,\"peers\":["
            + "{\"node\":\"b:2\",\"connected\":false,\"received\":0,\"sent\":0,\"behind\":50,"
            + "\"url\":\"ws://10.0.0.2:7000\",\"lastError\":\"peer sent error wrong-credentials\",\"nextDialAt\":"
            + (now + 3000) + "},"
            + "{\"node\":\"ws://10.0.0.2:7000\",\"connected\":false,\"refused\":\"" + refusal + "\",\"refusedAt\":"
            + (now - 12_400) + "}],"
            + "\"mesh\":{\"period\":5000,\"nodes\":[{\"node\":\"c:3\",\"size\":50,\"hops\":0,\"links\":[]}]}}");
        List<JsonNode> lines = jsonLines("status", dir);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("c:3", lines.get(0).path("node").asText());
        JsonNode b = lines.get(1);
        assertEquals("b:2", b.path("node").asText(), b.toString());
        assertEquals("ws://10.0.0.2:7000", b.path("url").asText(), b.toString());
        assertEquals(refusal, b.path("refused").asText(), b.toString());
        assertEquals(false, b.path("connected").asBoolean(true), b.toString());

        assertEquals(List.of("peer b:2 (ws://10.0.0.2:7000): " + refusal + " (12 s ago)"),
            StatusCommand.refusedLines(List.of(lines.get(0)), List.of(b), now));
    }

    /**
     * OFFSET and RTT with a unit, as a person reads them (before, ux41: raw ms, {@code -7523412}); --json keeps ms.
     */
    @Test
    void theOffsetIsPrintedWithAUnitAndKeptInMsInJson(@TempDir Path dir) throws Exception {
        running(dir, "{\"node\":\"d:4\",\"connected\":true,\"received\":1,\"sent\":50,\"behind\":0,"
            + "\"offset\":-7523412,\"rtt\":45}");
        CliTest.Run r = table(dir);
        List<String> lines = r.out().lines().toList();
        org.junit.jupiter.api.Assertions.assertTrue(lines.get(1).matches("d:4 +connected +1 +50 +0 +-2 h 5 min +45 ms"),
            lines.get(1));
        assertEquals(-7523412, peersJson(dir).get(0).get("offset").asLong());
        assertEquals("+12 ms", PeersCommand.duration(12, true));
        assertEquals("-3.4 s", PeersCommand.duration(-3_456, true));
        assertEquals("+42 s", PeersCommand.duration(42_000, true));
        assertEquals("-5 min 3 s", PeersCommand.duration(-303_000, true));
        assertEquals("+2 h 5 min", PeersCommand.duration(7_523_412, true));
        assertEquals("0 ms", PeersCommand.duration(0, true));
        assertEquals("3 d 1 h", PeersCommand.duration(262_800_000, false));
    }

    /**
     * {@code peers} and {@code status} of a DIR where no node runs exit alike, 3 (no live view; peers still lists the
     * cursors the log kept). Before (ux41): status 2, peers 0.
     */
    @Test
    void peersAndStatusOfAStoppedNodeExitAlike(@TempDir Path dir) throws Exception {
        assertEquals(0, CliTest.run("{\"type\":\"a\"}\n", "add", "--data", dir.toString()).code());
        CliTest.Run peers = CliTest.run("", "peers", "--data", dir.toString());
        CliTest.Run status = CliTest.run("", "status", "--data", dir.toString());
        assertEquals(status.code(), peers.code(), peers.err() + status.err());
        assertEquals(PeersCommand.NOT_LIVE, peers.code(), peers.err());
    }
}
