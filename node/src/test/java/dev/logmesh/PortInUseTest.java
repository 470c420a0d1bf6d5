package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * embed22's trial: an application that started a node on a port another one held got Netty's
 * {@code NativeIoException: bind(..) failed with error(-98): Address already in use}, naming no address or port,
 * though {@link MeshNode#start}'s own transport wraps a bind failure as "cannot listen on HOST:PORT". Netty's
 * {@code sync()} rethrows that checked exception undeclared, so it slipped past the wrapping. And the failed
 * start must leave the data directory usable.
 */
class PortInUseTest {
    @TempDir
    Path dir;

    @Test
    void aPortInUseIsNamedAndTheDataDirectoryStaysUsable() throws Exception {
        try (MeshNode first = MeshNode.start(NodeConfig.builder().name("first").memory().build())) {
            int port = first.url().getPort();
            NodeConfig taken = NodeConfig.builder().name("app").dataDir(dir).port(port).build();
            IOException e = assertThrows(IOException.class, () -> MeshNode.start(taken));
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + port), e.getMessage());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            // nothing of the failed start holds the store
            try (MeshNode again = MeshNode.start(NodeConfig.builder().name("app").dataDir(dir).build())) {
                again.add(Action.ofType("x")).get(10, TimeUnit.SECONDS);
                assertEquals(1, again.entries().get(10, TimeUnit.SECONDS).size());
            }
        }
    }
}
