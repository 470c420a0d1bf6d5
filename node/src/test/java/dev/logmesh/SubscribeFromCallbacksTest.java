package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * break53b, on the fix of break53 ({@code SubscribeReentryTest}): subscriptions and states made from callbacks, closed
 * at once, and made while the node closes.
 */
class SubscribeFromCallbacksTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);
    @TempDir
    Path tmp;

    MeshNode node(String name) throws IOException {
        return MeshNode.start(NodeConfig.builder().name(name).mdns(false).loop(loop).transport(net.transport(name))
            .build());
    }

    static List<String> types(List<Entry> entries) {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.action().type());
        }
        return out;
    }

    @Test
    void aStateMadeInACallbackFoldsEachEntryOnce() throws IOException {
        try (MeshNode n = node("n")) {
            n.add(Action.ofType("old"));
            loop.runAll();
            AtomicReference<ReplicatedState<List<String>>> state = new AtomicReference<>();
            n.subscribe("trigger", e -> state.set(ReplicatedState.create(n, x -> true, List.of(), (s, x) -> {
                List<String> next = new ArrayList<>(s);
                next.add(x.action().type());
                return next;
            })));
            n.add(Action.ofType("trigger"));
            n.add(Action.ofType("after"));
            loop.runAll();
            assertEquals(List.of("old", "trigger", "after"), state.get().state());
        }
    }

    @Test
    void aReplayMadeInACallbackGivesTheRestOnceInOrderAndNothingAfterItsClose() throws IOException {
        try (MeshNode n = node("n")) {
            n.add(Action.ofType("old"));
            loop.runAll();
            List<Entry> fromTrigger = new CopyOnWriteArrayList<>();
            List<Entry> closedAtOnce = new CopyOnWriteArrayList<>();
            n.subscribe("trigger", e -> {
                n.subscribe(e.meta().added(), x -> true, fromTrigger::add);
                n.subscribe(0, x -> true, closedAtOnce::add).close();
                n.add(Action.ofType("inside"));
            });
            n.add(Action.ofType("trigger"));
            n.add(Action.ofType("after"));
            loop.runAll();
            // "inside" is added by a task queued after "after"'s: added order is after, inside
            assertEquals(List.of("after", "inside"), types(fromTrigger));
            assertEquals(List.of(), closedAtOnce);
        }
    }

    /**
     * On a loop given to the node ({@link NodeConfig.Builder#loop}: public; the node never closes it), a replay
     * subscription made on the loop and the node closed before the loop's next task: since 9aa45a88 the replay's
     * begin is a task of its own, runs after the close and reads the closed store: IllegalStateException "store
     * .../log.db is closed" out of the application's loop task. Before, it ran inside the call (no failure).
     */
    @Test
    void aReplayMadeJustBeforeACloseOnAGivenLoopFailsNothingAndGivesNothingAfterTheClose() throws Exception {
        Path dir = tmp.resolve("sub");
        java.util.concurrent.atomic.AtomicBoolean closedNow = new java.util.concurrent.atomic.AtomicBoolean();
        List<Entry> afterClose = new CopyOnWriteArrayList<>();
        MeshNode n = MeshNode.start(NodeConfig.builder().name("s").mdns(false).loop(loop)
            .transport(net.transport("s")).dataDir(dir).build());
        for (int i = 0; i < 5; i++) {
            n.add(Action.ofType("old/" + i));
        }
        loop.runAll();
        n.subscribe(0, x -> true, x -> {
            if (closedNow.get()) {
                afterClose.add(x);
            }
        });
        n.close();
        closedNow.set(true);
        loop.runAll(); // the app's loop goes on after the node's close
        assertEquals(List.of(), types(afterClose), "nothing after the close");
    }
}
