package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A {@link ReplicatedState}'s reducer or state listener that throws on every entry was logged with a stack trace
 * each time (a fold of a log of 100,000 entries through a failing reducer: 100,000 traces, as subscribers did before
 * embed22's fix; session 27). Now each is logged as a subscriber is ({@link MeshNode.FailureLog}): the first failure
 * with its trace, a second as one line, the rest counted.
 */
class StateFailureLogTest {
    /** A reducer with a name to find in the log, failing on every entry. */
    record FailingReducer(String name, AtomicInteger calls) implements BiFunction<Integer, Entry, Integer> {
        @Override
        public Integer apply(Integer state, Entry e) {
            calls.incrementAndGet();
            throw new IllegalStateException("reducer bug #" + calls.get());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A state listener with a name to find in the log, failing on every state. */
    record FailingListener(String name, AtomicInteger calls) implements Consumer<Integer> {
        @Override
        public void accept(Integer state) {
            calls.incrementAndGet();
            throw new AssertionError("listener bug #" + calls.get());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void aReducerAndAListenerFailingEachTimeAreLoggedTwiceNotEachTime() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        FailingReducer reducer = new FailingReducer("flooding-reducer-27", new AtomicInteger());
        FailingListener listener = new FailingListener("flooding-listener-27", new AtomicInteger());
        try (CapturedLogs.Tally reducerErrors = CapturedLogs.tally(Level.ERROR, "flooding-reducer-27");
             CapturedLogs.Tally listenerErrors = CapturedLogs.tally(Level.ERROR, "flooding-listener-27");
             MeshNode node = MeshNode.start(NodeConfig.builder().name("app").memory().mdns(false).noListen().build())) {
            for (int i = 0; i < 100; i++) { // folded at the state's start: one batch
                node.add(Action.ofType("x")).get(10, TimeUnit.SECONDS);
            }
            ReplicatedState<Integer> state = ReplicatedState.create(node, e -> true, 0, reducer);
            state.listen(listener);
            for (int i = 0; i < 100; i++) { // then one by one: a publish each
                node.add(Action.ofType("x")).get(10, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> reducer.calls().get() == 200
                && listener.calls().get() >= 50);
            assertEquals(0, state.state(), "every action skipped: the state stays the initial one");
            assertEquals(2, reducerErrors.count(), "the first failure and one line for the rest (was 200)");
            assertEquals(2, listenerErrors.count(), "the first failure and one line for the rest");
            state.close();
        }
    }
}
