package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * embed33: an embedded node whose data directory's disk is full when the application closes it. The store's last
 * checkpoint cannot run, so its close throws; before, that throw left {@link MeshNode#close} half done: the status
 * writer's thread ({@code logmesh-status ...}) stayed alive and {@code status.json} stayed in the directory, and the
 * message ("closing DIR/log.db failed: [SQLITE_FULL] ...") did not say whether anything was lost. Now the close does
 * every step and then throws, saying that nothing committed is lost and where it is; a start after space was freed
 * finds every acknowledged entry. Mounts a small tmpfs (as root; skipped with the reason otherwise).
 */
class FullDiskCloseTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(3, "the close on a full disk");

    @Test
    void aCloseOnAFullDiskClosesEverythingAndSaysNothingIsLost() throws Exception {
        Path mount = tmpfs.path();
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[1536 * 1024]);
        Path data = mount.resolve("node");
        NodeConfig config = NodeConfig.builder().name("full").dataDir(data).mdns(false).noListen().build();
        MeshNode node = MeshNode.start(config);
        String pad = "p".repeat(8000);
        int added = 0;
        boolean full = false;
        for (int i = 0; i < 1000 && !full; i++) {
            try {
                node.add(Action.parse("{\"type\":\"f\",\"i\":" + i + ",\"pad\":\"" + pad + "\"}"))
                    .get(20, TimeUnit.SECONDS);
                added++;
            } catch (ExecutionException e) {
                full = true;
            }
        }
        assertTrue(full && added > 0, "the disk did not fill: " + added + " added");
        // full to its last byte: an add can fail while the status file's temporary copy (padded to 16 KiB since
        // session 44, so that a full disk's status is rewritten in place) takes room that is free again once that
        // copy is gone, and then the close's checkpoint fitted and did not throw (seen in a CI run)
        Path rest = mount.resolve("rest");
        await().atMost(20, TimeUnit.SECONDS).until(() -> {
            Tmpfs.fill(rest);
            return Files.getFileStore(mount).getUsableSpace() == 0;
        });

        // the close's last checkpoint needs room only when the WAL holds pages past the end of log.db, which depends
        // on where the last automatic checkpoint left off: a close that found the room it needed (seen in a CI run)
        // must have checkpointed everything; one that did not must say that nothing committed is lost
        StoreException e = null;
        try {
            node.close();
        } catch (StoreException thrown) {
            e = thrown;
        }
        if (e != null) {
            // before: "closing .../log.db failed: [SQLITE_FULL] ..." and the rest of the close skipped
            assertTrue(e.getMessage().contains("the disk is full") && e.getMessage().contains("nothing committed is lost"),
                e.getMessage());
        } else {
            Path wal = data.resolve("log.db-wal");
            assertTrue(!Files.exists(wal) || Files.size(wal) == 0, "a close that did not throw left a WAL of "
                + (Files.exists(wal) ? Files.size(wal) : 0) + " bytes");
        }
        assertTrue(node.whenClosed().isDone());
        assertFalse(Files.exists(data.resolve(MeshNode.STATUS_FILE)), "status.json left behind");
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
            .map(Thread::getName).filter(n -> n.startsWith("logmesh-status")).toList();
        assertEquals(List.of(), left, "the status writer's thread left alive");

        Files.delete(filler);
        Files.delete(rest);
        try (MeshNode again = MeshNode.start(config)) {
            assertEquals(added, again.entries().get(10, TimeUnit.SECONDS).size());
        }
    }
}
