package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The terminal lines of {@code logmesh node}. */
class HumanOutputTest {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final HumanOutput out = new HumanOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8), ZoneOffset.UTC);

    List<String> lines() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    static Entry entry(long ms, String node, String json) {
        return new Entry(Action.parse(json), Meta.of(ActionId.of(ms, node, 0), ms, List.of()));
    }

    @Test
    void readyPeersActionsAndErrors() {
        out.ready("alice:Xk", URI.create("ws://127.0.0.1:7001"), Path.of("/tmp/a"));
        out.peer("bob:1", true);
        out.add(entry(3_723_000, "bob:1", "{\"type\":\"chat/message\",\"text\":\"hi\"}"));
        out.add(entry(3_724_000, "bob:1", "{\"type\":\"ping\"}"));
        out.peer("bob:1", false);
        out.error("boom");
        assertEquals(List.of(
            "ready  alice:Xk at ws://127.0.0.1:7001, log in /tmp/a",
            "peer   bob:1 connected",
            "01:02:03 bob:1 chat/message {\"text\":\"hi\"}",
            "01:02:04 bob:1 ping",
            "peer   bob:1 disconnected",
            "error  boom"), lines());
    }

    @Test
    void aLongCatchUpShowsProgressAndRateInsteadOfEachAction() {
        out.catchUp("bob:1", 0, 500, 0, 0);
        out.catchUp("bob:1", 500, 500, 500, 200);
        assertEquals(List.of(), lines(), "short catch-ups print their actions");
        out.catchUp("bob:1", 0, 10_000, 0, 1_000);
        assertEquals(List.of("sync   catching up with bob:1: 10000 entries to receive (progress instead of each action)"),
            lines());
        out.add(entry(1, "bob:1", "{\"type\":\"x\"}"));
        assertEquals(List.of(), lines());
        out.catchUp("bob:1", 2_500, 10_000, 2_500, 2_000);
        out.catchUp("bob:1", 6_500, 10_000, 3_250, 3_000);
        assertEquals(List.of("sync   bob:1: 2500/10000 (25%), 2500/s", "sync   bob:1: 6500/10000 (65%), 3250/s"),
            lines());
        out.catchUp("bob:1", 10_000, 10_000, 2_500, 5_000);
        assertEquals(List.of("sync   caught up with bob:1: 10000 entries in 4.0 s (2500/s)"), lines());
        out.add(entry(1, "bob:1", "{\"type\":\"x\"}"));
        assertEquals(List.of("00:00:00 bob:1 x"), lines());
    }
}
