package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running node rewrites {@link MeshNode#STATUS_FILE} every {@link MeshNode#STATUS_REFRESH_MILLIS} even when
 * nothing in it changed, with the time in {@code written}: a reader ({@code logmesh status}) tells a file the node
 * can no longer write (a full disk) from a quiet node's.
 */
class StatusFileRefreshTest {

    @Test
    void aQuietNodeRewritesItsStatusFileWithANewWrittenTime(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("n");
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("quiet").mdns(false).noListen().dataDir(data)
            .build())) {
            Path file = data.resolve(MeshNode.STATUS_FILE);
            AtomicLong first = new AtomicLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                first.set(written(file));
                return first.get() > 0;
            });
            // nothing is added: only the refresh can move it
            await().atMost(Duration.ofMillis(3 * MeshNode.STATUS_REFRESH_MILLIS))
                .until(() -> written(file) >= first.get() + MeshNode.STATUS_REFRESH_MILLIS);
            assertTrue(node.entries().join().isEmpty());
        }
    }

    /** The file's {@code written} (epoch ms), or -1 while it is not there (or mid-rename). */
    static long written(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readString(file));
            return n.path("written").asLong(-1);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
