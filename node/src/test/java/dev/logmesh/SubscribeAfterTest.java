package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MeshNode#subscribe(long, java.util.function.Predicate, java.util.function.Consumer)}: an application that
 * keeps its state on disk passes the {@code added} of the last entry it applied and gets every later entry kept in
 * the log once, in {@code added} order, then the live ones (real SQLite files).
 */
class SubscribeAfterTest {
    @TempDir
    Path dir;

    private MeshNode open() throws Exception {
        return MeshNode.start(NodeConfig.builder().name("app").dataDir(dir).noListen().mdns(false).build());
    }

    private static List<Long> added(MeshNode node, int n) throws Exception {
        List<CompletableFuture<Meta>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(node.add(Action.parse("{\"type\":\"t\",\"i\":" + i + "}"), List.of("keep")));
        }
        List<Long> out = new ArrayList<>();
        for (CompletableFuture<Meta> f : fs) {
            out.add(f.get().added());
        }
        return out;
    }

    @Test
    @SuppressWarnings("try") // the subscriptions end with their blocks
    void replaysWhatComesAfterTheAppsNumberThenGoesLiveAcrossARestart() throws Exception {
        List<Long> first;
        try (MeshNode node = open()) {
            first = added(node, 5);
        }
        try (MeshNode node = open()) {
            List<Long> got = Collections.synchronizedList(new ArrayList<>());
            try (MeshNode.Subscription s = node.subscribe(first.get(1), e -> true, e -> got.add(e.meta().added()))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 3);
                List<Long> more = added(node, 2);
                await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 5);
                List<Long> expected = new ArrayList<>(first.subList(2, 5));
                expected.addAll(more);
                assertEquals(expected, List.copyOf(got));
            }
            List<Long> all = Collections.synchronizedList(new ArrayList<>());
            try (MeshNode.Subscription s = node.subscribe(0, e -> e.action().type().equals("t"),
                e -> all.add(e.meta().added()))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> all.size() == 7);
            }
        }
    }

    @Test
    @SuppressWarnings("try") // the subscription ends with its block
    void aLongReplayAndLiveAddsMeanwhileGiveEachEntryOnceInAddedOrder() throws Exception {
        int n = MeshNode.REPLAY_CHUNK * 2 + 500;
        try (MeshNode node = open()) {
            added(node, n);
            List<Long> got = Collections.synchronizedList(new ArrayList<>());
            try (MeshNode.Subscription s = node.subscribe(0, e -> true, e -> got.add(e.meta().added()))) {
                List<Long> live = added(node, 50); // while the replay runs, chunk by chunk
                await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= n + 50);
                List<Long> sorted = new ArrayList<>(got);
                Collections.sort(sorted);
                assertEquals(sorted, List.copyOf(got), "in added order");
                assertEquals(n + 50, got.stream().distinct().count(), "each once");
                assertEquals(LongStream.rangeClosed(got.get(0), live.get(49)).boxed().toList().size(), got.size());
            }
        }
    }

    /**
     * Session 24: the replay chained its chunks with {@code execute()}, and Netty runs such tasks back to back (for
     * up to 1 s) before it reads sockets or runs timers again, so a replay of a large log held pings, adds and
     * sessions back until it ended (the kind session 23 fixed in {@link ReplicatedState}'s fold). Now each next task
     * is scheduled. Before the fix, a timer set at the replay's first entry ran only after all 20,000 entries
     * ("a timer set at the first entry ran after 20000 entries").
     */
    @Test
    @SuppressWarnings("try") // the subscription ends with its block
    void aLongReplayLetsTheLoopsTimersRunBetweenItsTasks() throws Exception {
        int n = MeshNode.REPLAY_CHUNK * 20;
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("app").noListen().mdns(false).build())) {
            added(node, n);
            AtomicInteger delivered = new AtomicInteger();
            CompletableFuture<Integer> atTimer = new CompletableFuture<>();
            try (MeshNode.Subscription s = node.subscribe(0, e -> true, e -> {
                if (delivered.getAndIncrement() == 0) {
                    node.loop().schedule(0, () -> atTimer.complete(delivered.get()));
                }
            })) {
                int seen = atTimer.get(30, TimeUnit.SECONDS);
                assertTrue(seen <= MeshNode.REPLAY_CHUNK, "a timer set at the first entry ran after " + seen
                    + " entries");
                await().atMost(Duration.ofSeconds(30)).until(() -> delivered.get() == n);
            }
            assertEquals(n, delivered.get(), "each entry once");
        }
    }

    @Test
    void aNegativeNumberIsRefused() throws Exception {
        try (MeshNode node = open()) {
            assertThrows(IllegalArgumentException.class, () -> node.subscribe(-1, e -> true, e -> { }));
        }
    }
}
