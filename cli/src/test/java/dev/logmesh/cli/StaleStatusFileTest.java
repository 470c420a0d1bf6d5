package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.MeshNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with {@code kill -9} leaves its status file behind; its pid is later another process's (after a
 * reboot, in a container). {@code logmesh status} must then say that no node runs, not show the dead node's mesh.
 */
class StaleStatusFileTest {

    private static final long NOW_STARTED = ProcessHandle.current().info().startInstant()
        .map(java.time.Instant::toEpochMilli).orElseThrow();

    /** A status file written by "the process of this pid that started at {@code started}". */
    private static Path statusFile(Path dir, long started) throws Exception {
        return statusFile(dir, started, "");
    }

    /** The same, with more fields ({@code written}) first, beside the log a node's directory holds. */
    private static Path statusFile(Path dir, long started, String more) throws Exception {
        if (!Files.exists(dir.resolve(AddCommand.LOG_FILE))) {
            // without one, status says "no log in DIR" (NoLogInDirTest), whatever the status file says
            dev.logmesh.internal.store.SqliteStore.open(dir.resolve(AddCommand.LOG_FILE)).close();
        }
        Files.writeString(dir.resolve(MeshNode.STATUS_FILE), "{" + more + "\"node\":\"dead:1\","
            + "\"url\":\"ws://127.0.0.1:7101\","
            + "\"pid\":" + ProcessHandle.current().pid() + ",\"started\":" + started + ",\"lastAdded\":0,\"size\":0,"
            + "\"writable\":true,\"peers\":[],\"mesh\":{\"period\":5000,\"nodes\":[{\"node\":\"dead:1\",\"name\":"
            + "\"dead\",\"hops\":0,\"links\":[]}]}}");
        return dir;
    }

    private static int status(Path dir) {
        return run(new ByteArrayOutputStream(), "status", "--data", dir.toString());
    }

    private static int run(ByteArrayOutputStream errBytes, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            return Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /**
     * A running node that cannot rewrite its status file (a full disk: a new user's trial saw {@code status} and
     * {@code peers} show "writable" from a minute before, with no word): both say the file is stale.
     */
    @Test
    void aStatusFileTheRunningNodeStoppedRewritingIsCalledStale(@TempDir Path dir) throws Exception {
        long old = System.currentTimeMillis() - StatusCommand.STALE_AFTER_MILLIS - 40_000;
        statusFile(dir, NOW_STARTED, "\"written\":" + old + ",");
        for (String command : new String[] {"status", "peers"}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, run(err, command, "--data", dir.toString()), command);
            String text = err.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("was last written") && text.contains("is the disk full?"), command + ": " + text);
        }
    }

    @Test
    void aStatusFileRewrittenJustNowIsNotCalledStale(@TempDir Path dir) throws Exception {
        statusFile(dir, NOW_STARTED, "\"written\":" + System.currentTimeMillis() + ",");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(err, "status", "--data", dir.toString()));
        assertFalse(err.toString(StandardCharsets.UTF_8).contains("was last written"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStatusFileOfAnEarlierProcessOfTheSamePidIsStale(@TempDir Path dir) throws Exception {
        // the pid is alive (this JVM), but the process that wrote the file started an hour earlier: it is gone
        assertEquals(PeersCommand.NOT_LIVE, status(statusFile(dir, NOW_STARTED - 3_600_000)));
    }

    /**
     * The wall clock was set an hour back or forth while the node ran (NTP stepping a clock that was off at boot):
     * Linux's start instant of the node's process moves with it, the kernel's start count does not. Before (clock41's
     * finding) {@code status} took the running node for a dead one of the same pid ("expected: <0> but was: <3>").
     */
    @Test
    void aStatusFileOfTheRunningProcessIsLiveAfterAClockStep(@TempDir Path dir) throws Exception {
        long ticks = dev.logmesh.internal.store.ProcessStart.ticks(ProcessHandle.current().pid());
        org.junit.jupiter.api.Assumptions.assumeTrue(ticks >= 0, "needs /proc");
        for (long step : new long[] {-3_600_000, 3_600_000}) {
            assertEquals(0, status(statusFile(dir, NOW_STARTED + step, "\"startTicks\":" + ticks + ",")), "step " + step);
        }
        // and a later process of the pid (another start count) is still told apart
        assertEquals(PeersCommand.NOT_LIVE, status(statusFile(dir, NOW_STARTED, "\"startTicks\":" + (ticks - 1) + ",")));
    }

    @Test
    void aStatusFileOfTheRunningProcessIsLive(@TempDir Path dir) throws Exception {
        assertEquals(0, status(statusFile(dir, NOW_STARTED)));
    }

    /**
     * A node that runs but has no fresh status file (one on a full disk cannot write it) is said to run, with the pid
     * its store's lock names, not "no node runs". Here the test's JVM holds the store open, as a node does, and the
     * status runs in a process of its own. Before (disk40): "logmesh: no node runs on DIR (no fresh status.json)".
     */
    @Test
    void aRunningNodeWithoutAStatusFileIsSaidToRunWithItsPid(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("a");
        Files.createDirectories(data);
        try (dev.logmesh.internal.store.SqliteStore store = dev.logmesh.internal.store.SqliteStore.open(
            data.resolve("log.db"))) {
            assertEquals(0, store.size(), "held open, as a node holds it");
            CliProcess.Result status = CliProcess.run("status", "--data", data.toString());
            assertEquals(PeersCommand.NOT_LIVE, status.code(), status.err());
            assertTrue(status.err().contains("logmesh: a logmesh process runs on " + data + " (pid "
                + ProcessHandle.current().pid() + " holds its lock log.db.lock: its node, or a logmesh add), but its "
                + "status could not be read: no fresh status.json"), status.err());
        }
        CliProcess.Result stopped = CliProcess.run("status", "--data", data.toString());
        assertTrue(stopped.err().contains("logmesh: no node runs on " + data), stopped.err());
    }

    /**
     * {@code logmesh peers} of the same node says what {@code status} says: the node runs (its pid), and the peers
     * shown are the cursors its log holds. Before (session 40, left by disk40): "logmesh: no node runs on DIR: the
     * peers it kept cursors for, as of its last run (none connected)" of a running node.
     */
    @Test
    void peersOfARunningNodeWithoutAStatusFileSaysItRuns(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("a");
        Files.createDirectories(data);
        try (dev.logmesh.internal.store.SqliteStore store = dev.logmesh.internal.store.SqliteStore.open(
            data.resolve("log.db"))) {
            assertEquals(0, store.size(), "held open, as a node holds it");
            CliProcess.Result peers = CliProcess.run("peers", "--data", data.toString());
            assertEquals(PeersCommand.NOT_LIVE, peers.code(), peers.err());
            assertTrue(peers.err().contains("logmesh: a logmesh process runs on " + data + " (pid "
                + ProcessHandle.current().pid() + " holds its lock log.db.lock"), peers.err());
            assertTrue(peers.err().contains("the peers it kept cursors for, as its log holds them"), peers.err());
        }
        CliProcess.Result stopped = CliProcess.run("peers", "--data", data.toString());
        assertTrue(stopped.err().contains("logmesh: no node runs on " + data + ": the peers it kept cursors for"),
            stopped.err());
    }
}
