package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scrub's steps are sized by the time they take ({@code StepPace}), not by a fixed count of rows: a step runs on
 * the node's loop, and every message that arrives meanwhile waits for it. Before (session 42) every step read 500 rows
 * whatever they cost, so a scrub of a log on a slow disk held the loop milliseconds a step, back to back, for the
 * whole pass.
 */
class ScrubPaceTest {

    /** Rows of the fake store: each costs this much CPU to check (20 us: 500 of them hold the loop 10 ms). */
    static final long NANOS_PER_ROW = 20_000;

    static void work(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aScrubOfSlowRowsTakesStepsOfAboutAQuarterOfAMillisecond() throws Exception {
        List<Integer> limits = Collections.synchronizedList(new ArrayList<>());
        MemoryStore memory = new MemoryStore();
        // a store of 100,000 entries whose scrub costs NANOS_PER_ROW a row, beside an empty memory store
        Store slow = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
            (proxy, method, args) -> {
                if (method.getName().equals("scrub")) {
                    long after = (long) args[0];
                    int limit = (int) args[1];
                    limits.add(limit);
                    work(limit * NANOS_PER_ROW);
                    return after >= 100_000 ? -1L : after + limit;
                }
                try {
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        NodeConfig config = NodeConfig.builder().name("scrubbed").mdns(false).noListen().store(slow)
            .scrubPeriod(Duration.ofMillis(100)).build();
        MeshNode node = MeshNode.start(config);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> limits.size() >= 12);
            List<Integer> seen;
            synchronized (limits) {
                seen = new ArrayList<>(limits.subList(0, 12));
            }
            // the first step reads the floor; then as many rows as take StepPace.TARGET_NANOS (12 at 20 us, so the
            // floor again; fewer on a loaded machine, where a row takes longer): never the 500 of before
            assertEquals(MeshNode.MAINTENANCE_MIN_ROWS, seen.get(0), seen.toString());
            for (int limit : seen.subList(1, 12)) {
                assertTrue(limit <= 2 * MeshNode.MAINTENANCE_MIN_ROWS, seen.toString());
            }
        } finally {
            node.close();
        }
    }
}
