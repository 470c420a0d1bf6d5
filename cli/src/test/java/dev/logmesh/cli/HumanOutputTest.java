package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * A full disk on a terminal: one account of what is wrong, what to do and what is held, each peer's end of session
     * once with why, and one line when it clears. Before (break37's full-disk trial) a peer's redials printed
     * {@code peer bob connected} and {@code disconnected} every few seconds with no reason, and the health line said
     * only the store's error.
     */
    /** A full memory budget is told what frees memory, not to free disk space (before, session 44: "df on its data directory"). */
    @Test
    void aFullMemoryStoreIsToldWhatFreesMemory() {
        out.health(dev.logmesh.NodeHealth.cannotWrite("the memory store is full: 39.1 KiB of its 39.1 KiB budget taken "
            + "by 5 entries", 10_000));
        String said = lines().get(0);
        assertTrue(said.contains("What to do: make room in memory: restart the node with a larger --memory-limit")
            && !said.contains("df on its data directory"), said);
    }

    @Test
    void aFullDiskIsOneAccountAndAPeersRedialsAreSaidOnce() {
        out.peer("bob:1", true);
        out.health(dev.logmesh.NodeHealth.cannotWrite("the disk is full", 10_000));
        for (int i = 0; i < 5; i++) {
            out.peer("bob:1", false);
            out.peer("bob:1", true);
        }
        out.peer("bob:1", false);
        out.peer("carol:2", false);
        out.health(dev.logmesh.NodeHealth.writable(52_500));
        out.peer("bob:1", true);
        assertEquals(List.of(
            "peer   bob:1 connected",
            "health cannot write the log: the disk is full. What to do: free space where the log is (df on its data "
                + "directory). Until then peers keep what they send and send it again, and stdin lines are held; a line "
                + "says when the log can be written again",
            "peer   bob:1 disconnected while this node cannot write its log: bob:1 keeps what this node has not "
                + "acknowledged and sends it again. Its sessions are not said again until the log can be written",
            "peer   carol:2 disconnected while this node cannot write its log: carol:2 keeps what this node has not "
                + "acknowledged and sends it again. Its sessions are not said again until the log can be written",
            "health the log is writable again, after 42 s; 5 sessions with bob:1, carol:2 began and ended meanwhile, and "
                + "what they sent comes again",
            "peer   bob:1 connected"), lines());
    }

    /**
     * As a real node reports a full disk (verify38, scripts/trial-full-disk's setup on ports of its own): the session
     * that met the full disk ends before the health event, so the peer's next event is a redial's {@code connected}.
     * Before, that connect used up the peer's one line, and the disconnects after it were not said at all: the
     * terminal showed a bare {@code peer G disconnected} and then nothing of the peer's 6 sessions but the count.
     */
    @Test
    void aPeerDisconnectedBeforeTheFullDiskIsSaidWithWhyAtItsNextEnd() {
        out.peer("bob:1", true);
        out.peer("bob:1", false);
        out.health(dev.logmesh.NodeHealth.cannotWrite("the disk is full", 10_000));
        lines();
        for (int i = 0; i < 3; i++) {
            out.peer("bob:1", true);
            out.peer("bob:1", false);
        }
        assertEquals(List.of(
            "peer   bob:1 disconnected while this node cannot write its log: bob:1 keeps what this node has not "
                + "acknowledged and sends it again. Its sessions are not said again until the log can be written"),
            lines());
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
