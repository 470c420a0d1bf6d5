package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/**
 * embed25's trial: {@link MeshNode#close} "may be called from any thread, also from a subscriber or listener on the
 * loop". Called there, it closed the node while the loop task that called the subscriber (a received batch of
 * entries, a session's {@code connected}) went on after it returned. Before: a {@link ReplicatedState} listener that
 * closed the node at its first state was called again for each of the 1,999 other entries of the batch (2,000 calls
 * in all), a subscriber likewise, and the rest of the task then read the closed store and the loop logged it as an
 * ERROR with a stack trace ("task on the node loop failed: IllegalStateException: store ... is closed"); a
 * {@link MeshNode.Listener#peer} that closed the node did the same. Now no subscriber, state listener or node
 * listener is called once close has returned, and the rest of a task cut short by its node's close is not an error.
 */
class CloseFromCallbackTest {
    static final int ENTRIES = 3_000;

    @TempDir
    Path dir;

    private MeshNode source;
    private MeshNode node;

    @BeforeEach
    void source() throws Exception {
        source = MeshNode.start(NodeConfig.builder().name("source").memory().mdns(false).build());
        List<CompletableFuture<Meta>> adds = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            adds.add(source.add(Action.parse("{\"type\":\"t\",\"i\":" + i + "}")));
        }
        CompletableFuture.allOf(adds.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
        source.close();
    }

    /**
     * A node that dials the source and catches up from it: with a SQLite log (which refuses to be used after its
     * close) or a memory one (whose subscribers are called inside the received batch, not after a group commit).
     */
    private MeshNode dialer(boolean sqlite, List<MeshNode.Listener> listeners) throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name("app").noListen().mdns(false).peer(source.url());
        return MeshNode.start((sqlite ? b.dataDir(dir) : b.memory()).build(), listeners);
    }

    /** The loop thread the callback closed its node on. */
    private static final java.util.concurrent.atomic.AtomicReference<Thread> LOOP_THREAD =
        new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Waits until the callback's own close returned (whenClosed completes inside close, a little before) and the loop
     * task that called it ended: the loop's thread ends after it.
     */
    private static void awaitReturned(java.util.concurrent.CountDownLatch returned) throws InterruptedException {
        assertTrue(returned.await(30, TimeUnit.SECONDS), "the node was not closed by its callback");
        Thread loop = LOOP_THREAD.get();
        loop.join(10_000);
        assertTrue(!loop.isAlive(), "the node's loop thread still runs");
    }

    /** Counts the calls that come after {@code closed} was set, i.e. after close returned. */
    private static void countLate(AtomicBoolean closed, AtomicInteger late) {
        if (closed.get()) {
            late.incrementAndGet();
        }
    }

    @Test
    void aSubscriberThatClosesTheNodeIsNotCalledAgain() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        try (CapturedLogs.Tally errors = CapturedLogs.tally(Level.ERROR)) {
            node = dialer(false, List.of());
            AtomicBoolean closed = new AtomicBoolean();
            java.util.concurrent.CountDownLatch returned = new java.util.concurrent.CountDownLatch(1);
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger late = new AtomicInteger();
            node.subscribe(e -> true, e -> {
                countLate(closed, late);
                if (calls.incrementAndGet() == 10) {
                    node.close();
                    closed.set(true);
                    LOOP_THREAD.set(Thread.currentThread());
                    returned.countDown();
                }
            });
            awaitReturned(returned);
            assertEquals(0, late.get(), "subscriber calls after close returned");
            assertEquals(0, errors.count(), "errors logged: " + CapturedLogs.events());
        }
    }

    /**
     * Session 29, an embedding trial: an answerer that closed its node (or a close that came while an answer was on
     * its way) made the answer's add fail with "node is closed", logged as an ERROR with its stack trace ("cannot add
     * the answer to ..."). The asker's future fails ("node closed while waiting for an answer"); nothing else is
     * wrong.
     */
    @Test
    void anAnswererThatClosesTheNodeLeavesNoError() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        try (CapturedLogs.Tally errors = CapturedLogs.tally(Level.ERROR)) {
            node = MeshNode.start(NodeConfig.builder().name("app").noListen().mdns(false).memory().build());
            node.answer("q/ask", e -> {
                node.close();
                return Action.ofType("q/done");
            });
            CompletableFuture<Entry> asked = node.ask(Action.ofType("q/ask"), "q/done", java.time.Duration.ofSeconds(30));
            java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> asked.get(30, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof IllegalStateException, failed.toString());
            node.whenClosed().get(30, TimeUnit.SECONDS);
            // before: 1 ("cannot add the answer to ...", java.lang.IllegalStateException: node is closed)
            assertEquals(0, errors.count(), "errors logged: " + CapturedLogs.events());
        }
    }

    @Test
    void aStateListenerThatClosesTheNodeIsNotCalledAgain() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        try (CapturedLogs.Tally errors = CapturedLogs.tally(Level.ERROR)) {
            node = dialer(true, List.of());
            AtomicBoolean closed = new AtomicBoolean();
            java.util.concurrent.CountDownLatch returned = new java.util.concurrent.CountDownLatch(1);
            AtomicInteger late = new AtomicInteger();
            ReplicatedState<Integer> count = ReplicatedState.create(node, e -> true, 0, (n, e) -> n + 1);
            count.listen(n -> {
                countLate(closed, late);
                if (n > 0 && !closed.get()) {
                    node.close();
                    closed.set(true);
                    LOOP_THREAD.set(Thread.currentThread());
                    returned.countDown();
                }
            });
            awaitReturned(returned);
            assertEquals(0, late.get(), "state listener calls after close returned");
            assertEquals(0, errors.count(), "errors logged: " + CapturedLogs.events());
        }
    }

    @Test
    void aListenerThatClosesTheNodeLeavesNoErrorAndIsNotCalledAgain() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        try (CapturedLogs.Tally errors = CapturedLogs.tally(Level.ERROR)) {
            AtomicBoolean closed = new AtomicBoolean();
            java.util.concurrent.CountDownLatch returned = new java.util.concurrent.CountDownLatch(1);
            AtomicInteger late = new AtomicInteger();
            // done before the session connects (a dial takes round trips), so the close runs inside the listener
            CompletableFuture<MeshNode> self = new CompletableFuture<>();
            node = dialer(true, List.of(new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    countLate(closed, late);
                    if (connected) {
                        LOOP_THREAD.set(Thread.currentThread());
                        self.thenAccept(n -> {
                            n.close();
                            closed.set(true);
                            returned.countDown();
                        });
                    }
                }

                @Override
                public void catchUp(String nodeId, long done, long total, double perSecond) {
                    countLate(closed, late);
                }
            }));
            self.complete(node);
            awaitReturned(returned);
            assertEquals(0, late.get(), "listener calls after close returned");
            assertEquals(0, errors.count(), "errors logged: " + CapturedLogs.events());
        }
    }
}
