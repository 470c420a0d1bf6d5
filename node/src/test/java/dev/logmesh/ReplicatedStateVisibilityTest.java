package dev.logmesh;

import static dev.logmesh.ReplicatedStateTest.item;
import static dev.logmesh.ReplicatedStateTest.withId;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplicatedState}'s getters, which say "any thread", read what the node's loop wrote (session 26). Before,
 * {@code lateBeyondHorizon()} read a plain field the loop increments: with no happens-before edge, a thread that
 * polls it may never see the change. Here a reader thread polls it in a loop the JIT has compiled while the value
 * was 0 (C2 may then read the field once, before the loop); it must see the late action counted. This is a
 * Java memory model fault, so what the test shows depends on the JIT (it passes under {@code -Xint} on the old
 * code); on a HotSpot C2 JVM it failed before the fix.
 */
class ReplicatedStateVisibilityTest {

    /** Polls up to {@code polls} times; returns the first non-zero value read, or 0. */
    static long pollLate(ReplicatedState<?> s, long polls) {
        long v = 0;
        for (long i = 0; i < polls && v == 0; i++) {
            v = s.lateBeyondHorizon();
        }
        return v;
    }

    @Test
    void aThreadPollingLateBeyondHorizonSeesTheLoopsCount() throws Exception {
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("solo").memory().mdns(false).noListen()
            .build())) {
            ReplicatedState<List<String>> s = ReplicatedState.create(node, ReplicatedStateTest::isItem, List.of(),
                ReplicatedStateTest::append, 2, 8);
            for (int i = 1; i <= 6; i++) {
                node.add(item("t" + i * 10), withId(ActionId.of(i * 10L, "peer", 0))).get(30, TimeUnit.SECONDS);
            }
            node.removeReason(NodeConfig.DEFAULT_KEEP_REASON, Criteria.ALL.olderThan(ActionId.of(31, "peer", 0)))
                .get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.state().size() == 6);
            assertEquals(0, s.lateBeyondHorizon());
            CompletableFuture<Void> warm = new CompletableFuture<>();
            CompletableFuture<Long> seen = CompletableFuture.supplyAsync(() -> {
                for (int i = 0; i < 2_000; i++) {
                    pollLate(s, 100_000); // compiled while the count is 0
                }
                warm.complete(null);
                return pollLate(s, 200_000_000_000L); // returns as soon as it sees the count
            });
            warm.get(120, TimeUnit.SECONDS);
            // from before the cleaning horizon: folded on top, and counted on the loop
            node.add(item("t15"), withId(ActionId.of(15, "peer", 0))).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.state().size() == 7);
            assertEquals(1L, seen.get(120, TimeUnit.SECONDS), "the polling thread saw the loop's count");
        }
    }
}
