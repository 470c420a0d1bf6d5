package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing a node releases every thread, socket and file: two real nodes (WebSocket on 127.0.0.1, SQLite)
 * sync, close, and then the threads are those that ran before, the ports can be bound again, and the data
 * directories can be opened by new nodes and deleted.
 */
@Tag("slow")
class NodeCloseTest {
    static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    /**
     * Live threads, without two that are not the node's: the JDK's "process reaper" (a pooled JDK thread
     * started lazily when a library runs a process, e.g. sqlite-jdbc probing the OS; it idles for a minute)
     * and Awaitility's own poller.
     */
    static Map<Long, String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
            .filter(t -> !t.getName().equals("process reaper") && !t.getName().startsWith("awaitility"))
            .collect(Collectors.toMap(Thread::getId, Thread::getName, (a, b) -> a, TreeMap::new));
    }

    static MeshNode start(Path data, String name, List<java.net.URI> peers) throws IOException {
        return MeshNode.start(NodeConfig.builder().name(name).dataDir(data).host("127.0.0.1").port(0).mdns(false)
            .peers(peers).build());
    }

    @Test
    void closeReleasesThreadsSocketsAndFiles() throws Exception {
        Map<Long, String> before = liveThreads();
        Path aDir = dir.resolve("a");
        Path bDir = dir.resolve("b");
        MeshNode a = start(aDir, "a", List.of());
        MeshNode b = start(bDir, "b", List.of(a.url()));
        a.add(Action.ofType("x")).get();
        await().atMost(WAIT).until(() -> b.entries().get().size() == 1);
        int aPort = a.url().getPort();
        int bPort = b.url().getPort();
        assertFalse(liveThreads().keySet().equals(before.keySet()), "the nodes run threads of their own");

        b.close();
        a.close();

        // threads: back to those that ran before (threads that end on their own get a few seconds)
        await().atMost(WAIT).untilAsserted(() -> {
            Map<Long, String> extra = new TreeMap<>(liveThreads());
            extra.keySet().removeAll(before.keySet());
            assertEquals(Map.of(), extra, "threads left after close");
        });
        // sockets: the ports are free
        for (int port : new int[] {aPort, bPort}) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, s.getLocalPort());
            }
        }
        // files: the SQLite logs are unlocked (new nodes open them and see the action) and can be deleted
        for (Path data : List.of(aDir, bDir)) {
            try (MeshNode again = MeshNode.start(NodeConfig.builder().dataDir(data).noListen().mdns(false).build())) {
                assertEquals(1, again.entries().get().size());
            }
            try (Stream<Path> files = Files.walk(data)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            assertFalse(Files.exists(data));
        }
        // the reopened nodes released theirs too
        await().atMost(WAIT).until(() -> {
            Set<Long> now = liveThreads().keySet();
            now.removeAll(before.keySet());
            return now.isEmpty();
        });
    }
}
