package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * break53: {@link MeshNode#subscribe(long, java.util.function.Predicate, java.util.function.Consumer)} called on the
 * loop thread (from a subscriber or listener, as a desktop app subscribes a new view when an action arrives) runs
 * its replay inside the call when the log is durable ({@code DurabilityQueue.whenDurable} runs the replay's step at
 * once, and {@code onLoop} runs {@code begin} at once): the new consumer is given entries before {@code subscribe}
 * returns its {@link MeshNode.Subscription}, nested in the caller's callback, up to {@code REPLAY_CHUNK} of them;
 * when the log is not durable yet it is given them in a later task. The Javadoc says the replay runs in the loop's
 * tasks. An app that hands over from one subscription to the next in a callback (close its own handle at its Nth
 * entry, subscribe after that entry) got entries twice (EmbeddingStressTest's first form: ids given twice, the
 * chain of subscriptions forked, because the handle to close was not returned yet).
 */
class SubscribeReentryTest {
    @Test
    void aSubscriptionMadeInACallbackIsNotGivenEntriesBeforeSubscribeReturns() throws IOException {
        ManualLoop loop = new ManualLoop();
        LocalNetwork net = new LocalNetwork(loop);
        try (MeshNode n = MeshNode.start(NodeConfig.builder().name("n").mdns(false).loop(loop)
                 .transport(net.transport("n")).build())) {
            for (int i = 0; i < 3; i++) {
                n.add(Action.ofType("old/" + i));
            }
            loop.runAll();
            AtomicBoolean inside = new AtomicBoolean();
            List<String> givenInside = new CopyOnWriteArrayList<>();
            List<String> given = new CopyOnWriteArrayList<>();
            n.subscribe("trigger", e -> {
                inside.set(true);
                n.subscribe(0, x -> true, x -> {
                    given.add(x.action().type());
                    if (inside.get()) {
                        givenInside.add(x.action().type());
                    }
                });
                inside.set(false);
            });
            n.add(Action.ofType("trigger"));
            loop.runAll();
            assertEquals(List.of("old/0", "old/1", "old/2", "trigger"), given, "the replay gives the log once");
            assertEquals(List.of(), givenInside, "entries given to the new subscription inside subscribe(), nested in "
                + "the callback that called it, before its Subscription was returned");
        }
    }
}
