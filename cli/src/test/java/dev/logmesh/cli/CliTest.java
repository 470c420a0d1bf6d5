package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.internal.store.SqliteStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code add} and {@code log} commands on a data directory, as a user runs them. */
class CliTest {
    record Run(int code, String out, String err) {
    }

    static synchronized Run run(String stdin, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(in);
            System.setOut(out);
            System.setErr(err);
        }
    }

    static List<JsonNode> lines(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (!line.isBlank()) {
                out.add(MetaJson.reader().readTree(line));
            }
        }
        return out;
    }

    /**
     * {@code [action, {"reasons": null}]} (session 22): taken as no reasons, so the action was counted as added and
     * cleaned at once (gone from the log without a word). @logux/core 0.10 refuses a null; so does the line now.
     */
    @Test
    void addRefusesNullReasonsWithTheLineNumber(@TempDir Path dir) throws Exception {
        Run add = run("[{\"type\":\"a\"},{\"reasons\":null}]\n{\"type\":\"b\"}\n", "add", "--data", dir.toString());
        assertEquals(1, add.code(), add.err());
        assertTrue(add.err().contains("line 1: meta reasons must be an array of strings, got null"), add.err());
        assertTrue(add.err().contains("added 1 action(s), 1 bad line(s)"), add.err());
        List<JsonNode> log = lines(run("", "log", "--data", dir.toString()).out());
        assertEquals(1, log.size(), log.toString());
        assertEquals("b", log.get(0).get(0).get("type").asText());
    }

    /**
     * A meta value beyond a double's range ({@code 1e999999}) is refused by {@code add} as by {@code node}'s stdin and
     * {@code MeshNode.add}: a JavaScript peer would read Infinity and write null. Before (break34) {@code add}, which
     * drafts its entries without a node, stored it ({@code "x":1E+999999}).
     */
    @Test
    @SuppressWarnings("StringConcatToTextBlock") // one input line per source line, numbered by the assertions
    void addRefusesAMetaNumberBeyondADoublesRange(@TempDir Path dir) throws Exception {
        Run add = run("[{\"type\":\"a\"},{\"x\":1e999999}]\n"
            + "[{\"type\":\"b\"},{\"x\":[1,-1E400]}]\n"
            + "[{\"type\":\"c\"},{\"x\":1e308}]\n", "add", "--data", dir.toString());
        assertEquals(1, add.code(), add.err());
        assertTrue(add.err().contains("line 1: meta holds the number 1E+999999 at /x, beyond the range of a double"),
            add.err());
        assertTrue(add.err().contains("line 2: meta holds the number -1E+400 at /x/1, beyond the range of a double"), add.err());
        assertTrue(add.err().contains("added 1 action(s), 2 bad line(s)"), add.err());
        List<JsonNode> log = lines(run("", "log", "--data", dir.toString()).out());
        assertEquals(1, log.size(), log.toString());
        assertEquals("c", log.get(0).get(0).get("type").asText());
    }

    @Test
    @SuppressWarnings("StringConcatToTextBlock") // one input line per source line, numbered by the assertions
    void addReportsBadLinesAndKeepsTheGoodOnes(@TempDir Path dir) throws Exception {
        String input = String.join("\n",
            "{\"type\":\"a\"}",
            "not json",
            "{\"text\":\"no type\"}",
            "[{\"type\":\"b\"},{\"reasons\":[\"keep\"],\"custom\":1}]",
            "[{\"type\":\"c\"},{\"added\":5}]",
            "[{\"type\":\"d\"}]",
            "42",
            "");
        Run add = run(input, "add", "--data", dir.toString());
        assertEquals(1, add.code(), add.err());
        assertTrue(add.err().contains("line 2: not JSON"), add.err());
        assertTrue(add.err().contains("line 3: action has no \"type\""), add.err());
        assertTrue(add.err().contains("line 5: meta added is assigned by the log"), add.err());
        assertTrue(add.err().contains("line 6: an [action, meta] pair must have 2 elements"), add.err());
        assertTrue(add.err().contains("line 7: a line must be an action object or an [action, meta] pair"),
            add.err());

        Run log = run("", "log", "--data", dir.toString());
        assertEquals(0, log.code(), log.err());
        List<JsonNode> entries = lines(log.out());
        assertEquals(2, entries.size());
        assertEquals("a", entries.get(0).get(0).get("type").asText());
        assertEquals("[\"mesh\"]", entries.get(0).get(1).get("reasons").toString());
        assertEquals("b", entries.get(1).get(0).get("type").asText());
        assertEquals("[\"keep\"]", entries.get(1).get(1).get("reasons").toString());
        assertEquals(1, entries.get(1).get(1).get("custom").asInt());
    }

    @Test
    void peersShowsTheOverlaysActiveAndPassiveViews(@TempDir Path dir) throws Exception {
        dev.logmesh.testkit.ManualLoop loop = new dev.logmesh.testkit.ManualLoop();
        dev.logmesh.testkit.LocalNetwork net = new dev.logmesh.testkit.LocalNetwork(loop);
        List<dev.logmesh.MeshNode> nodes = new ArrayList<>();
        try {
            for (String h : List.of("b", "c", "d")) {
                nodes.add(dev.logmesh.MeshNode.start(dev.logmesh.NodeConfig.builder().name(h).mdns(false).loop(loop)
                    .transport(net.transport(h)).build()));
            }
            // a has three static peers and room for two: two are pinned (active), the third is only known (passive)
            dev.logmesh.NodeConfig.Builder ac = dev.logmesh.NodeConfig.builder().name("a").mdns(false).dataDir(dir)
                .maxActive(2).loop(loop).transport(net.transport("a"));
            for (String h : List.of("b", "c", "d")) {
                ac.peer(dev.logmesh.testkit.LocalNetwork.url(h));
            }
            nodes.add(dev.logmesh.MeshNode.start(ac.build()));
            loop.advance(30_000);
            // the status file is written on a thread of its own after the loop's tasks: read it until it shows
            // the views the loop has reached (or fail on the last reading below)
            Run[] last = new Run[1];
            List<String> active = new ArrayList<>();
            List<String> passive = new ArrayList<>();
            try {
                org.awaitility.Awaitility.await().pollInSameThread().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                    // the overlay offers a known peer again on its ticks: let simulated time go on between readings
                    loop.advance(1_000);
                    Run r = run("", "peers", "--data", dir.toString(), "--json");
                    last[0] = r;
                    active.clear();
                    passive.clear();
                    for (JsonNode p : lines(r.out())) {
                        String view = p.path("view").asText();
                        if ("active".equals(view)) {
                            active.add(p.get("node").asText().replaceFirst(":.*", ""));
                        } else if ("passive".equals(view)) {
                            passive.add(p.get("node").asText().replaceFirst(":.*", ""));
                        }
                    }
                    // the static peer beyond maxActive is a known peer: in the passive view (StaticPeerBeyondMaxActiveTest)
                    return r.code() == 0 && active.size() == 2 && passive.size() == 1;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // the assertions below say what the last reading showed
            }
            Run peers = last[0];
            assertEquals(0, peers.code(), peers.err());
            for (JsonNode p : lines(peers.out())) {
                String name = p.get("node").asText().replaceFirst(":.*", "");
                if ("active".equals(p.path("view").asText())) {
                    assertTrue(p.get("connected").asBoolean(), peers.out());
                } else if ("passive".equals(p.path("view").asText())) {
                    assertEquals(dev.logmesh.testkit.LocalNetwork.url(name).toString(), p.get("address").asText(),
                        peers.out());
                }
            }
            assertEquals(2, active.size(), peers.out());
            assertEquals(1, passive.size(), peers.out());
            List<String> all = new ArrayList<>(active);
            all.addAll(passive);
            assertEquals(List.of("b", "c", "d"), all.stream().sorted().toList(), peers.out());
        } finally {
            nodes.forEach(dev.logmesh.MeshNode::close);
        }
    }

    @Test
    void theNodeKeepsItsIdAndOrderAcrossRuns(@TempDir Path dir) throws Exception {
        assertEquals(0, run("{\"type\":\"first\"}\n", "add", "--data", dir.toString(), "--name", "cli").code());
        assertEquals(0, run("{\"type\":\"second\"}\n", "add", "--data", dir.toString()).code());
        List<JsonNode> created = lines(run("", "log", "--data", dir.toString()).out());
        List<JsonNode> added = lines(run("", "log", "--data", dir.toString(), "--order", "added").out());
        assertEquals(2, created.size());
        String id1 = created.get(0).get(1).get("id").asText();
        String id2 = created.get(1).get(1).get("id").asText();
        assertEquals(id1.split(" ", -1)[1], id2.split(" ", -1)[1], "same node id in both runs");
        assertTrue(id1.split(" ", -1)[1].startsWith("cli:"));
        assertEquals(created, added);
    }

    /**
     * {@code add --data DIR} without {@code --name} on a new DIR made a bare random node id ({@code Xk3v9QaB}), where
     * {@code logmesh node} without {@code --name} makes {@code node:Xk3v9QaB}: the node started on DIR then warned
     * that its name was not used. Now {@code add} names a new log's node as {@code node} does.
     */
    @Test
    void addWithoutNameMakesTheIdANodeWithoutNameWouldHave(@TempDir Path dir) throws Exception {
        assertEquals(0, run("{\"type\":\"first\"}\n", "add", "--data", dir.toString()).code());
        assertEquals(0, run("{\"type\":\"second\"}\n", "add", "--data", dir.toString()).code());
        List<JsonNode> created = lines(run("", "log", "--data", dir.toString()).out());
        assertEquals(2, created.size());
        for (JsonNode e : created) {
            String node = e.get(1).get("id").asText().split(" ", -1)[1];
            assertTrue(node.matches("node:[0-9A-Za-z_-]{8}"), "a node id as `logmesh node` makes: " + node);
        }
        // the node started on DIR without --name keeps that id
        try (dev.logmesh.MeshNode node = dev.logmesh.MeshNode.start(dev.logmesh.NodeConfig.builder()
            .name(NodeCommand.DEFAULT_NAME).dataDir(dir).mdns(false).build())) {
            assertEquals(created.get(0).get(1).get("id").asText().split(" ", -1)[1], node.nodeId());
        }
    }

    /**
     * A new user's trial (session 20): {@code add --data DIR} while DIR's node ran said only "DIR/log.db is in use by
     * another logmesh process (lock ... is held)"; the README's way (type into the node's stdin) went unsaid.
     */
    @Test
    void addToARunningNodesDirectorySaysToUseItsStdin(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("alice");
        try (dev.logmesh.MeshNode node = dev.logmesh.MeshNode.start(dev.logmesh.NodeConfig.builder().name("alice")
            .dataDir(data).mdns(false).build())) {
            org.awaitility.Awaitility.await().until(() -> StatusCommand.runningStatus(data) != null);
            Run add = run("{\"type\":\"x\"}\n", "add", "--data", data.toString());
            assertEquals(2, add.code(), add.err());
            assertTrue(add.err().contains("is in use by another logmesh process"), add.err());
            assertTrue(add.err().contains("its node runs (pid " + ProcessHandle.current().pid()
                + "): type the actions into that node's stdin, or stop it and add again"), add.err());
            assertEquals(0, node.entries().join().size(), "nothing added");
        }
        assertEquals(0, run("{\"type\":\"x\"}\n", "add", "--data", data.toString()).code(), "stopped: add works");
    }

    /**
     * A new user's trial (session 20): {@code peers --data DIR} of a stopped node printed nothing (piped) or an empty
     * table (a terminal), exit 0: it looked like a running node without peers.
     */
    @Test
    void peersOfAStoppedNodeSaysNoNodeRuns(@TempDir Path dir) throws Exception {
        assertEquals(0, run("{\"type\":\"a\"}\n", "add", "--data", dir.toString()).code());
        Run peers = run("", "peers", "--data", dir.toString());
        assertEquals(PeersCommand.NOT_LIVE, peers.code(), peers.err());
        assertEquals("", peers.out());
        assertEquals("logmesh: no node runs on " + dir + ": the peers it kept cursors for, as of its last run"
            + " (none connected)\n", peers.err());
    }

    @Test
    void aSecondProcessOnTheSameDataGetsAClearErrorButLogStillReads(@TempDir Path dir) throws Exception {
        assertEquals(0, run("{\"type\":\"before\"}\n", "add", "--data", dir.toString()).code());
        try (SqliteStore held = SqliteStore.open(dir.resolve("log.db"))) {
            Run add = run("{\"type\":\"x\"}\n", "add", "--data", dir.toString());
            assertEquals(2, add.code());
            assertTrue(add.err().contains("in use"), add.err());
            assertEquals(1, held.size());
            // reading needs no lock: `log` works while the owner (a running node) holds the store
            Run log = run("", "log", "--data", dir.toString());
            assertEquals(0, log.code(), log.err());
            assertEquals(1, lines(log.out()).size());
        }
        assertEquals(0, run("{\"type\":\"x\"}\n", "add", "--data", dir.toString()).code());
    }

    @Test
    void aFileThatIsNotALogIsRefusedAndLeftAlone(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("log.db"), "this is not a database, but somebody's notes");
        Run add = run("{\"type\":\"x\"}\n", "add", "--data", dir.toString());
        assertEquals(2, add.code());
        assertTrue(add.err().contains("log.db"), add.err());
        assertEquals("this is not a database, but somebody's notes",
            java.nio.file.Files.readString(dir.resolve("log.db")));
    }

    /** Issue 10, fault 10: {@code logmesh log} reports an unreadable row with its id and prints all the others. */
    @Test
    void logReportsACorruptRowAndGoesOn(@TempDir Path dir) throws Exception {
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            input.append("{\"type\":\"chat\",\"text\":\"").append(String.format("row-%05d-", i)).append("hi\"}\n");
        }
        assertEquals(0, run(input.toString(), "add", "--data", dir.toString()).code());
        List<JsonNode> before = lines(run("", "log", "--data", dir.toString()).out());
        assertEquals(50, before.size());
        String badId = before.get(20).get(1).get("id").asText();
        // bytes of row 20's JSON overwritten in the file: not JSON any more
        dev.logmesh.testkit.FileDamage.overwrite(dir.resolve("log.db"), String.format("row-%05d-", 20),
            -"{\"type\":\"chat\",\"text\":\"".length(), "########");

        Run log = run("", "log", "--data", dir.toString());
        assertEquals(1, log.code(), "some of the log could not be read: " + log.err());
        List<JsonNode> after = lines(log.out());
        assertEquals(49, after.size(), "every other entry is printed");
        assertEquals(before.get(21), after.get(20));
        assertTrue(log.err().contains(badId) && log.err().contains("corrupt"), log.err());
    }

    /** {@code --public-url} (session 28) is an option of node, and reaches the node's config; unset, none. */
    @Test
    void thePublicUrlIsAnOptionOfNode() {
        Run help = run("", "node", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--public-url=URL"), help.out());
        NodeCommand node = new NodeCommand();
        new picocli.CommandLine(node).parseArgs("--memory", "--public-url", "wss://gateway.lan:8443/mesh");
        assertEquals(java.net.URI.create("wss://gateway.lan:8443/mesh"), node.config(null, null).publicUrl());
        NodeCommand unset = new NodeCommand();
        new picocli.CommandLine(unset).parseArgs("--memory");
        assertEquals(null, unset.config(null, null).publicUrl());
    }

    /**
     * {@code --public-url}'s help says what mDNS announces since session 34 (the public URL's port and the URL, which
     * finders dial); before (break34) it still said "mDNS still announces the listening port", which the node no
     * longer does.
     */
    @Test
    void thePublicUrlHelpSaysMdnsAnnouncesIt() {
        Run help = run("", "node", "--help");
        assertEquals(0, help.code());
        String flat = help.out().replaceAll("\\s+", " ");
        String option = flat.substring(flat.indexOf("--public-url=URL"), flat.indexOf("--mesh=NAME"));
        assertTrue(!option.contains("still announces the listening port"), option);
        assertTrue(option.contains("mDNS announces this URL"), option);
    }

    /**
     * The node-wide budget of large client frames (session 26: {@code NodeConfig} only) is an option of node, and
     * reaches the node's config; unset, the config's default from the heap stands.
     */
    @Test
    void theClientFrameBudgetIsAnOptionOfNode() {
        Run help = run("", "node", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--client-frame-budget=BYTES"), help.out());
        NodeCommand node = new NodeCommand();
        new picocli.CommandLine(node).parseArgs("--memory", "--max-client-frame", "2097152", "--client-frame-budget",
            "4294967296");
        assertEquals(4_294_967_296L, node.config(null, null).clientFrameBudgetBytes());
        NodeCommand unset = new NodeCommand();
        new picocli.CommandLine(unset).parseArgs("--memory", "--max-client-frame", "2097152");
        assertEquals(dev.logmesh.NodeConfig.defaultClientFrameBudgetBytes(Runtime.getRuntime().maxMemory(), 2_097_152),
            unset.config(null, null).clientFrameBudgetBytes());
    }

    /** Issue 10, fault 4: the bound on a peer's wild clock can be set from the command line. */
    @Test
    void theClockBoundIsAnOptionOfNode() {
        Run help = run("", "node", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--max-drift=DURATION"), help.out());
        NodeCommand node = new NodeCommand();
        new picocli.CommandLine(node).parseArgs("--memory", "--max-drift", "90s");
        assertEquals(90_000, node.config(null, null).maxDriftMillis());
        new picocli.CommandLine(node).parseArgs("--memory", "--max-drift", "PT2M");
        assertEquals(120_000, node.config(null, null).maxDriftMillis());
        new picocli.CommandLine(node).parseArgs("--memory", "--max-drift", "250ms");
        assertEquals(250, node.config(null, null).maxDriftMillis());
        assertEquals(60_000, new NodeCommand().config(null, null).maxDriftMillis(), "default: 1 minute");
        Run bad = run("", "node", "--memory", "--no-mdns", "--max-drift", "soon");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'soon' is not a duration"), bad.err());
        // beyond what fits in a long of ms (before session 26: "ArithmeticException: long overflow", exit 1), and
        // any drift over NodeConfig.MAX_DRIFT_LIMIT_MILLIS (100 years): refused as read, naming the value typed and
        // the bound (before session 28: NodeConfig's "max drift must be 0..3153600000000 ms", then the CLI's echo of
        // the saturated milliseconds, "--max-drift 9223372036854775807 ms")
        for (String drift : new String[] {"200000000000d", "36501d"}) {
            picocli.CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                picocli.CommandLine.ParameterException.class,
                () -> new picocli.CommandLine(new NodeCommand()).parseArgs("--memory", "--max-drift", drift), drift);
            assertTrue(e.getMessage().contains("'" + drift + "' is out of range: at most 36500d"), e.getMessage());
        }
    }

    /**
     * {@code log} prints UTF-8 whatever {@code System.out}'s charset: on JDK 17 that is the locale's, US-ASCII in a
     * {@code C} locale, and it printed {@code ?} for every non-ASCII character of an action.
     */
    @Test
    void logPrintsUtf8WhateverTheLocale(@TempDir Path dir) {
        String text = "h\u00E9 \u65E5\u672C \uD83D\uDE00";
        Run add = run("{\"type\":\"t\",\"x\":\"" + text + "\"}\n", "add", "--data", dir.toString());
        assertEquals(0, add.code(), add.err());
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code;
        synchronized (CliTest.class) { // as run: System.out is global
            PrintStream out = System.out;
            try {
                System.setOut(new PrintStream(o, true, StandardCharsets.US_ASCII));
                code = Main.run("log", "--data", dir.toString());
            } finally {
                System.setOut(out);
            }
        }
        assertEquals(0, code);
        String printed = o.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("\"x\":\"" + text + "\""), printed);
    }
}
