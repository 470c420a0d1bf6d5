package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * embed25's trial: when {@link MeshNode#close} returns, no non-daemon thread the node started is left, so that a
 * plain {@code main} that closes its node exits at once, and its daemon threads end. Before, every close (and every
 * start that failed on a port in use) left Netty's {@code globalEventExecutor-1-N}, a non-daemon thread, alive for up
 * to a second: Netty tells a multi-thread event loop group, and the default address resolver of a node that dialed,
 * that a loop ended through listeners it runs on that executor. {@code NodeCloseTest} did not see it, since it waits
 * for threads that end on their own.
 */
class CloseLeavesNoThreadTest {
    @TempDir
    Path dir;

    private Set<Thread> before;

    @BeforeEach
    void quiet() throws InterruptedException {
        // another test's close may have left Netty's global executor running: let it end first
        try {
            GlobalEventExecutor.INSTANCE.awaitInactivity(5, TimeUnit.SECONDS);
        } catch (IllegalStateException neverStarted) {
            // fine: nothing to wait for
        }
        before = Set.copyOf(Thread.getAllStackTraces().keySet());
    }

    /**
     * The threads alive now that were not before, without the JDK's "process reaper" (a pooled JDK thread that
     * sqlite-jdbc's probe of the OS may start; it idles for a minute and is not the node's), and without this test's
     * own "awaitility-thread" (the poller of its await below, which may still be ending when the next check runs: a
     * fast suite under load once failed on it).
     */
    private Set<String> newThreads(boolean daemons) {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .filter(t -> !before.contains(t) && !t.getName().equals("process reaper")
                && !t.getName().equals("awaitility-thread") && t.isDaemon() == daemons)
            .map(Thread::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * No non-daemon thread of the node is alive when close returned (it would keep a {@code main} from exiting), and
     * its daemon threads end (a loop's thread has ended its last task when close returns, and exits a moment later).
     */
    private void assertNoThreadLeft(String when) {
        assertEquals(Set.of(), newThreads(false), "non-daemon threads left " + when);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
            .untilAsserted(() -> assertEquals(Set.of(), newThreads(true), "daemon threads left " + when));
        // a loop's thread that ended may have started one on its way out (Netty runs termination listeners on its
        // global executor, whose thread lives a second): none either
        assertEquals(Set.of(), newThreads(false), "non-daemon threads left after the node's threads ended " + when);
    }

    @Test
    void aClosedNodeLeavesNoThread() throws Exception {
        MeshNode a = MeshNode.start(NodeConfig.builder().name("a").dataDir(dir.resolve("a")).mdns(false)
            .statusPage(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build());
        MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).peer(a.url())
            .peer(URI.create("ws://127.0.0.1:1")).build()); // one peer that answers, one that refuses
        a.add(Action.ofType("x")).get(10, TimeUnit.SECONDS);
        // README, "Embedding": a running node does not keep the JVM alive (all its threads are daemons), so an
        // application that runs until stopped waits itself (session 29: not said before, and a main that returned
        // without close() lost the adds it had not waited for)
        assertEquals(Set.of(), newThreads(false), "non-daemon threads of running nodes");
        b.close();
        a.close();
        assertNoThreadLeft("when close returned");
    }

    @Test
    void aStartThatFailsLeavesNoThread() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NodeConfig config = NodeConfig.builder().name("app").dataDir(dir.resolve("app"))
                .port(taken.getLocalPort()).mdns(false).build();
            assertThrows(IOException.class, () -> MeshNode.start(config));
        }
        assertNoThreadLeft("when the failed start threw");
    }

    @Test
    void aNodeThatDoesNotListenLeavesNoThread() throws Exception {
        MeshNode n = MeshNode.start(NodeConfig.builder().name("quiet").memory().noListen().mdns(false).build(),
            List.of());
        n.add(Action.ofType("x")).get(10, TimeUnit.SECONDS);
        n.close();
        assertNoThreadLeft("when close returned");
    }
}
