package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.Action;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.StoreSpy;
import dev.logmesh.testkit.TestPair;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A session that sends little of a large log (a Logux client addressed by none of it) reads the log
 * {@code IDLE_PAGES_PER_RUN} pages per run and goes on in a task of its own. Session 24: that task was posted with
 * {@code execute()}, which Netty runs back to back (for up to 1 s) before it reads sockets or runs timers again, so
 * the whole log was read before the loop's other work ran (the kind session 23 fixed in {@code ReplicatedState}'s
 * fold). Now the next run is scheduled. On a real Netty loop ({@link SystemLoop}), since the test kit's manual loop
 * runs posted and scheduled tasks in one order. Before the fix: "a timer set at the pump's first page ran after 160
 * of 160 pages".
 */
class IdlePumpYieldTest {
    static final String CONNECT = "[\"connect\",5,\"alice:r4nd0m:tab1\",0,{\"subprotocol\":2}]";

    @Test
    void anIdlePumpLetsTheLoopsTimersRunBetweenItsRuns() throws Exception {
        int chunk = 100;
        int entries = 160 * chunk;
        AtomicInteger pages = new AtomicInteger();
        CompletableFuture<int[]> atTimer = new CompletableFuture<>();
        SystemLoop[] theLoop = new SystemLoop[1];
        boolean[] counting = new boolean[1];
        MemoryStore memory = new MemoryStore("epoch-n");
        Store store = StoreSpy.around(memory, (method, args) -> {
            if (counting[0] && method.equals("page") && pages.incrementAndGet() == 1) {
                // the pump's first page: a timer set now stands for a socket read or a ping due meanwhile
                theLoop[0].schedule(0, () -> atTimer.complete(new int[] {pages.get()}));
            }
        });
        SessionConfig config = SessionConfig.defaults("test")
            .withHeaders(JsonNodeFactory.instance.objectNode())
            .withChunks(chunk, SessionConfig.defaults("test").chunkBytes(), SessionConfig.defaults("test").window())
            .withEdge(new EdgeConfig(EdgeRules::acceptAll,
                new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP), null, true));
        try (SystemLoop loop = new SystemLoop("idle-pump-test")) {
            theLoop[0] = loop;
            CompletableFuture<Void> ready = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    SessionNode node = new SessionNode("n", loop, config, store);
                    for (int i = 0; i < entries; i++) {
                        node.log.add(Action.ofType("unaddressed"), List.of("keep")); // for no client
                    }
                    TestPair pair = new TestPair(loop);
                    node.accept(pair);
                    counting[0] = true;
                    pair.right().inject(CONNECT);
                    ready.complete(null);
                } catch (RuntimeException e) {
                    ready.completeExceptionally(e);
                }
            });
            ready.get(30, TimeUnit.SECONDS);
            int atTheTimer = atTimer.get(30, TimeUnit.SECONDS)[0];
            int whole = entries / chunk;
            CompletableFuture<Integer> after = new CompletableFuture<>();
            // the whole log is read in the end
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> pages.get() >= whole);
            loop.execute(() -> after.complete(pages.get()));
            assertEquals(whole, after.get(30, TimeUnit.SECONDS), "the whole log read once");
            assertTrue(atTheTimer < whole / 2, "a timer set at the pump's first page ran after " + atTheTimer
                + " of " + whole + " pages");
        }
    }
}
