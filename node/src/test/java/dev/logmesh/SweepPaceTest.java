package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.ManualLoop;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sweep of old seen ids ({@code Store#forgetSeenBatch}) sizes its steps by the time they take ({@code StepPace}), as
 * the scrub does ({@link ScrubPaceTest}): each step runs on the node's loop, and a fixed {@link MeshNode#FORGET_BATCH}
 * ids of a slow store would hold it for milliseconds a step, back to back, for the whole sweep. On a manual loop (the
 * sweep's first run is {@link MeshNode#SWEEP_FIRST_MILLIS} after the start), with a store whose every id costs
 * {@link ScrubPaceTest#NANOS_PER_ROW} of real time.
 */
class SweepPaceTest {

    @Test
    void aSweepOfSlowIdsTakesStepsOfAboutAQuarterOfAMillisecond() throws Exception {
        List<Integer> limits = new ArrayList<>();
        MemoryStore memory = new MemoryStore();
        Store slow = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
            (proxy, method, args) -> {
                if (method.getName().equals("forgetSeenBatch")) {
                    int limit = (int) args[2];
                    limits.add(limit);
                    ScrubPaceTest.work(limit * ScrubPaceTest.NANOS_PER_ROW);
                    // 20 steps, then done
                    return new Store.ForgetBatch(0, limits.size() < 20 ? new ActionId(limits.size(), "x", 0) : null);
                }
                try {
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        ManualLoop loop = new ManualLoop(1_000_000_000L);
        NodeConfig config = NodeConfig.builder().name("swept").mdns(false).noListen().loop(loop).store(slow).build();
        MeshNode node = MeshNode.start(config);
        try {
            loop.advance(MeshNode.SWEEP_FIRST_MILLIS + 1_000);
            assertEquals(20, limits.size(), "the sweep ran its 20 steps: " + limits);
            // the first step reads the floor; then as many ids as take StepPace.TARGET_NANOS (12 at 20 us, so the
            // floor again; fewer on a loaded machine): never FORGET_BATCH
            assertEquals(MeshNode.MAINTENANCE_MIN_ROWS, limits.get(0), limits.toString());
            for (int limit : limits.subList(1, limits.size())) {
                assertTrue(limit <= 2 * MeshNode.MAINTENANCE_MIN_ROWS, limits.toString());
            }
        } finally {
            node.close();
        }
    }
}
