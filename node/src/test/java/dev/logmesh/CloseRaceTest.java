package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.spi.Loop;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 7: a call that slipped past the closed check (the node closed between the check and the post
 * to its loop, and the loop, shut down, dropped the task) got a future that never completed. Every future of a
 * closed node now completes exceptionally.
 */
class CloseRaceTest {

    /**
     * A loop that closes the node between a call's closed check and its post (the race, made deterministic), and
     * then, like a {@code SystemLoop} after close, drops what it is given.
     */
    static final class RacingLoop implements Loop {
        final ManualLoop inner = new ManualLoop();
        Runnable beforeNextPost;
        boolean shutDown;

        @Override
        public long now() {
            return inner.now();
        }

        @Override
        public void execute(Runnable task) {
            Runnable race = beforeNextPost;
            beforeNextPost = null;
            if (race != null) {
                race.run();
                shutDown = true;
            }
            if (!shutDown) {
                inner.execute(task);
            }
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            return shutDown ? () -> { } : inner.schedule(delayMillis, task);
        }

        @Override
        public boolean inLoop() {
            return true;
        }
    }

    static List<Function<MeshNode, CompletableFuture<?>>> calls() {
        return List.of(
            n -> n.add(Action.ofType("x")),
            MeshNode::entries,
            MeshNode::peers,
            n -> n.byId(ActionId.parse("1 x 0")),
            n -> n.removeReason("r", Criteria.ALL),
            n -> n.ask(Action.ofType("q"), "a", java.time.Duration.ofSeconds(1)));
    }

    @Test
    void aCallThatRacesWithCloseGetsAFailedFutureNotAHangingOne() throws Exception {
        for (Function<MeshNode, CompletableFuture<?>> call : calls()) {
            RacingLoop loop = new RacingLoop();
            MeshNode node = MeshNode.start(NodeConfig.builder().name("n").mdns(false).noListen().loop(loop)
                .transport(new LocalNetwork(loop, new java.util.Random(1)).transport("n")).build(), List.of());
            loop.inner.runAll();
            loop.beforeNextPost = node::close;
            CompletableFuture<?> f = call.apply(node);
            loop.inner.runAll();
            assertTrue(f.isDone(), "the future of a call that raced with close completes");
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause(), e.toString());
        }
    }

    @Test
    void callsAfterCloseAndTasksStillQueuedAtCloseFailToo() throws Exception {
        ManualLoop loop = new ManualLoop();
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").mdns(false).noListen().loop(loop)
            .transport(new LocalNetwork(loop).transport("n")).build(), List.of());
        loop.runAll();
        CompletableFuture<Meta> queued = node.add(Action.ofType("queued")); // posted, not run yet
        node.close();
        CompletableFuture<List<Entry>> after = node.entries();
        loop.runAll();
        for (Supplier<CompletableFuture<?>> f : List.<Supplier<CompletableFuture<?>>>of(() -> queued, () -> after)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get().get(1, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }
}
