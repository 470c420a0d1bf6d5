package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;

/**
 * break53: the embedding API as a desktop app uses it, on real threads, SQLite and WebSockets on 127.0.0.1 (ports
 * chosen by the system): 8 threads add at once; a subscriber that hands over to a new subscription (afterAdded) from
 * its own callback every 97 entries (closes its handle, subscribes after that entry); a node closed while its catch-up
 * runs, its data dir then opened by two threads at once. Each entry must be delivered once across the chain of
 * subscriptions, every log the same in created order. Before (break53) the replay of a subscription made in a callback
 * could run inside {@code subscribe}, before the caller had the handle to close ({@code SubscribeReentryTest}): ~150
 * ids given twice, the chain forked.
 */
class EmbeddingStressTest {
    static final int THREADS = 8;
    static final int EACH = 250;

    @TempDir
    Path dir;

    static NodeConfig config(String name, Path data, URI... peers) {
        NodeConfig.Builder b = NodeConfig.builder().name(name).dataDir(data).mdns(false).host("127.0.0.1").port(0);
        for (URI p : peers) {
            b.peer(p);
        }
        return b.build();
    }

    static List<String> ids(MeshNode n) {
        return n.entries().join().stream().map(e -> e.meta().id().toString()).toList();
    }

    /** @param bobInMemory whether bob's log is in memory (always durable: a replay began at once, before break53) */
    @org.junit.jupiter.params.ParameterizedTest(name = "bob in memory: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void threadsSubscriptionHandoversCloseDuringCatchUpAndATwoThreadReopen(boolean bobInMemory) throws Exception {
        Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
        Map<String, List<String>> trace = new ConcurrentHashMap<>(); // id -> "subscription#n added a" per delivery
        List<String> handoverAt = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger handovers = new AtomicInteger();

        try (MeshNode alice = MeshNode.start(config("alice", dir.resolve("a")));
             MeshNode bob = MeshNode.start(bobInMemory
                 ? NodeConfig.builder().name("bob").memory().mdns(false).host("127.0.0.1").port(0).peer(alice.url()).build()
                 : config("bob", dir.resolve("b"), alice.url()))) {
            // bob: a subscription that, at its 97th entry, closes itself and subscribes anew after that entry
            class Link {
                final AtomicInteger seen = new AtomicInteger();
                volatile MeshNode.Subscription handle;

                void on(Entry e) {
                    delivered.computeIfAbsent(e.meta().id().toString(), k -> new AtomicInteger()).incrementAndGet();
                    trace.computeIfAbsent(e.meta().id().toString(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add("link#" + handovers.get() + " added " + e.meta().added());
                    if (seen.incrementAndGet() == 97) {
                        handle.close();
                        handoverAt.add("handover " + handovers.incrementAndGet() + " after added " + e.meta().added());
                        Link next = new Link();
                        next.start(e.meta().added());
                    }
                }

                void start(long after) {
                    handle = bob.subscribe(after, x -> true, this::on);
                }
            }
            new Link().start(0);

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<CompletableFuture<Meta>>>> adders = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                adders.add(pool.submit(() -> {
                    go.await();
                    List<CompletableFuture<Meta>> fs = new ArrayList<>();
                    for (int i = 0; i < EACH; i++) {
                        fs.add(alice.add(Action.ofType("t" + thread + "/" + i)));
                    }
                    return fs;
                }));
            }
            go.countDown();
            for (Future<List<CompletableFuture<Meta>>> f : adders) {
                for (CompletableFuture<Meta> m : f.get(60, TimeUnit.SECONDS)) {
                    m.get(60, TimeUnit.SECONDS);
                }
            }
            pool.shutdown();
            int total = THREADS * EACH;
            assertEquals(total, alice.log().size());
            await().atMost(120, TimeUnit.SECONDS).until(() -> bob.log().size() >= total && delivered.size() >= total);

            // carol joins cold and is closed as soon as its catch-up has begun
            Path c = dir.resolve("c");
            CountDownLatch begun = new CountDownLatch(1);
            MeshNode carol = MeshNode.start(config("carol", c, alice.url()));
            carol.subscribe(x -> true, e -> begun.countDown());
            assertTrue(begun.await(60, TimeUnit.SECONDS), "carol's catch-up began");
            carol.close();
            // two threads open carol's data dir at once: one node, the other a StoreInUseException
            ExecutorService two = Executors.newFixedThreadPool(2);
            CountDownLatch both = new CountDownLatch(1);
            List<Future<MeshNode>> opens = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                opens.add(two.submit(() -> {
                    both.await();
                    return MeshNode.start(config("carol", c, alice.url()));
                }));
            }
            both.countDown();
            List<MeshNode> opened = new ArrayList<>();
            List<Throwable> refused = new ArrayList<>();
            for (Future<MeshNode> f : opens) {
                try {
                    opened.add(f.get(60, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    refused.add(e.getCause());
                }
            }
            two.shutdown();
            assertEquals(1, opened.size(), "one of two opens at once succeeds; refused: " + refused);
            assertInstanceOf(StoreInUseException.class, refused.get(0), "the other is told the store is in use");
            try (MeshNode again = opened.get(0)) {
                await().atMost(120, TimeUnit.SECONDS).until(() -> again.log().size() >= total);
                assertEquals(ids(alice), ids(again), "carol's log after the reopen: alice's, in created order");
            }
            assertEquals(ids(alice), ids(bob), "bob's log: alice's, in created order");
            List<String> notOnce = delivered.entrySet().stream().filter(e -> e.getValue().get() != 1)
                .map(e -> e.getKey() + " x" + e.getValue().get() + " " + trace.get(e.getKey())).sorted().limit(12).toList();
            if (!notOnce.isEmpty()) {
                System.out.println("HANDOVERS " + handoverAt);
            }
            assertEquals(List.of(), notOnce, "each entry delivered once across " + handovers.get() + " handovers");
            assertEquals(total, delivered.size());
        }
    }
}
