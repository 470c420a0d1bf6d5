package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import dev.logmesh.testkit.ManualLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/**
 * A node that cannot write its status file (a full disk) says so once when it starts failing, not every second
 * (a new user's trial: "cannot write status.json" every second), keeps retrying, and says it again only after a
 * write worked in between.
 */
class StatusFileFailureTest {
    @TempDir
    Path dir;

    @Test
    void aStatusFileThatCannotBeWrittenIsWarnedAboutOncePerOutage() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        ManualLoop loop = new ManualLoop();
        Path data = dir.resolve("a");
        Path blocker = data.resolve(MeshNode.STATUS_FILE + ".tmp");
        Files.createDirectories(blocker.resolve("x")); // the temporary file cannot be written: a directory is there
        Path status = data.resolve(MeshNode.STATUS_FILE);
        // this node's warnings only (the failure names its file), counted without the kept events' eviction: other
        // tests' nodes in the same JVM may log more than CapturedLogs.KEPT meanwhile (it failed so under load)
        try (CapturedLogs.Tally warnings = CapturedLogs.tally(Level.WARN, "cannot write " + MeshNode.STATUS_FILE,
                 data.toString());
             MeshNode a = MeshNode.start(NodeConfig.builder().name("a").mdns(false).noListen().dataDir(data)
            .loop(loop).build())) {
            for (int i = 0; i < 5; i++) {
                a.add(Action.ofType("a/" + i)); // the status changes every second: each one is a new write
                loop.advance(1_000);
            }
            // the manual loop's seconds pass at once, but the writer is a real thread: wait until it has met the
            // outage (under load 7 it had run none of the five writes before the room came back: 0 warnings)
            await().atMost(Duration.ofSeconds(10)).until(() -> warnings.count() >= 1);
            Files.delete(blocker.resolve("x"));
            Files.delete(blocker); // room again
            a.add(Action.ofType("a/5"));
            loop.advance(1_000);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(status));
            // the writer runs in order: every failed attempt before the first that worked has run
            assertEquals(1, warnings.count(), "one warning for six failed writes: " + CapturedLogs.events());

            Files.delete(status);
            Files.createDirectories(blocker.resolve("x")); // a second outage
            a.add(Action.ofType("b"));
            loop.advance(1_000);
            await().atMost(Duration.ofSeconds(10)).until(() -> warnings.count() == 2);
        }
    }
}
