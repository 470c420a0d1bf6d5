package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * embed25's trial: {@link MeshNode#close} is idempotent, but a second close while the first still ran (an
 * application's shutdown hook and its {@code main}'s try-with-resources, a window's close button and a menu item)
 * returned at once, with the node not closed yet: {@link MeshNode#whenClosed()} not done and the SQLite log still
 * open ("in use by another logmesh process (this one: the store is already open in this JVM)" when the application
 * opened it again). A shutdown hook that returns then lets the JVM halt in the middle of the first close, before the
 * adds it runs first are in the log. A second close now returns once the node is closed; one on the node's loop, or
 * from a callback the first close runs on its own thread, returns at once (waiting there would wait for itself).
 */
class SecondCloseTest {
    @TempDir
    Path dir;

    /** Whether {@code t} waits inside {@link MeshNode#close}. */
    private static boolean waitingInClose(Thread t) {
        return (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
            && Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(MeshNode.class.getName())
                && f.getMethodName().equals("close"));
    }

    @Test
    void aSecondCloseReturnsOnceTheNodeIsClosed() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("app").dataDir(dir).noListen().mdns(false).build());
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // the loop is busy (a slow subscriber stands for the calls a close runs first), so the first close waits
        node.subscribe("slow", e -> {
            busy.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        node.add(Action.ofType("slow"));
        assertTrue(busy.await(10, TimeUnit.SECONDS));
        Thread first = new Thread(node::close, "first-close");
        first.start();
        await().atMost(Duration.ofSeconds(10)).until(node::isClosed);
        // the loop gets on once this thread waits in its own close (before: it never did, the close returned at once)
        Thread me = Thread.currentThread();
        Thread releaser = new Thread(() -> {
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> waitingInClose(me));
            } finally {
                release.countDown();
            }
        }, "releaser");
        releaser.start();
        try {
            node.close();
            assertTrue(node.whenClosed().isDone(), "the second close returned before the node was closed");
            // the log is closed: the application can open it again
            try (MeshNode again = MeshNode.start(NodeConfig.builder().name("app").dataDir(dir).noListen().mdns(false)
                .build())) {
                assertEquals(1, again.entries().get(10, TimeUnit.SECONDS).size());
            }
        } finally {
            release.countDown();
            first.join(10_000);
            releaser.join(15_000);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aCloseFromACallbackOfTheFirstCloseDoesNotWaitForItself() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("app").dataDir(dir).noListen().mdns(false).build());
        List<CompletableFuture<?>> done = new ArrayList<>();
        Thread me = Thread.currentThread();
        for (int i = 0; i < 2_000; i++) {
            // completed on the loop, or on the closing thread when the close makes them durable or fails them: there
            // (this thread) a close must not wait for the close it is called from
            done.add(node.add(Action.ofType("x")).whenComplete((m, e) -> {
                if (Thread.currentThread() == me) {
                    node.close();
                }
            }));
        }
        node.close(); // a close that waited for itself would never return (the test's timeout ends it)
        assertTrue(node.whenClosed().isDone());
        assertTrue(done.stream().allMatch(CompletableFuture::isDone));
    }
}
