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
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run("peers", "--data", dir.toString(), "--json"));
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
}
