package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import dev.logmesh.testkit.LocalMesh;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The warning for an entry too large to send names the limit it is over, and whose limit that is. embed35: a node
 * restarted with {@code maxFrameBytes(4096)} over a log holding an 8 KB entry warned "… over q:…'s frame limit of 4096:
 * not sent to it" for a peer q whose limit was the default 1 MiB: 4096 was its own.
 */
class FrameLimitMessageTest {

    private static Action big() {
        return Action.parse("{\"type\":\"big\",\"text\":\"" + "y".repeat(8_000) + "\"}");
    }

    @Test
    void anEntryOverThisNodesOwnLimitNamesThisNodesLimitNotThePeers() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the test kit's SLF4J provider (node's surefire configuration)");
        try (LocalMesh mesh = new LocalMesh(35_001)) {
            MeshNode a = mesh.start("a");
            CompletableFuture<Meta> added = a.add(big(), List.of("keep"));
            mesh.run(100);
            ActionId id = added.get().id();
            mesh.node("a").configure(b -> b.maxFrameBytes(4_096)); // the app lowers its limit and restarts
            mesh.stop("a");
            mesh.restart("a");
            try (CapturedLogs.Tally wrong = CapturedLogs.tally(Level.WARN, id.toString(), "over b:");
                 CapturedLogs.Tally right = CapturedLogs.tally(Level.WARN, id.toString(),
                     "over this node's frame limit of 4096 (maxFrameBytes; b:", " takes up to 1048576): not sent to b:")) {
                MeshNode b = mesh.start("b", "a");
                mesh.run(5_000);
                CompletableFuture<List<Entry>> atB = b.entries();
                mesh.run(10);
                assertEquals(List.of(), atB.get(), "the entry over a's limit was not sent");
                // before: 1 and 0 ("over b:…@…'s frame limit of 4096: not sent to it")
                assertEquals(0, wrong.count(), "the peer's limit was named: " + CapturedLogs.matching(Level.WARN, "over b:"));
                assertEquals(1, right.count(), CapturedLogs.events().toString());
            }
        }
    }

    @Test
    void anEntryOverThePeersSmallerLimitNamesThePeersLimit() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the test kit's SLF4J provider (node's surefire configuration)");
        try (LocalMesh mesh = new LocalMesh(35_002)) {
            MeshNode a = mesh.start("a");
            CompletableFuture<Meta> added = a.add(big(), List.of("keep"));
            mesh.run(100);
            ActionId id = added.get().id();
            mesh.node("c").configure(b -> b.maxFrameBytes(4_096));
            try (CapturedLogs.Tally said = CapturedLogs.tally(Level.WARN, id.toString(), "over c:",
                "'s frame limit of 4096: not sent to c:")) {
                mesh.start("c", "a");
                mesh.run(5_000);
                assertEquals(1, said.count(), CapturedLogs.matching(Level.WARN, id.toString()).toString());
            }
        }
    }
}
