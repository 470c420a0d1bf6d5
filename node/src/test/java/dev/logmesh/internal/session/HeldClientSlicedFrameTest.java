package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeHooks;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.FaultyStore;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * break48b: a Logux client's frame handled in slices ({@link SessionConfig#receiveSlice}) whose second slice the log
 * cannot take: the first slice is stored, the session holds. Each stored action's {@code process} hook must run once,
 * on this session or the next, where the client's resent actions are duplicates answered without their hooks.
 */
class HeldClientSlicedFrameTest {
    final ManualLoop loop = new ManualLoop(1_000_000);
    final List<Integer> processed = new ArrayList<>();
    final EdgeRules rules = EdgeRules.builder().type("c", EdgeHooks.Type.accept()
        .withProcess((ctx, a, m) -> processed.add(a.get("n").asInt()))).build();
    final FaultyStore store = new FaultyStore(new MemoryStore("epoch-n"));
    final SessionNode node = new SessionNode("n", loop, SessionConfig.defaults("test")
        .withHeaders(JsonNodeFactory.instance.objectNode().put("env", "development"))
        .withReceiveSlice(5)
        .withEdge(new EdgeConfig(() -> rules, new EdgeOptions(Delivery.Unaddressed.NO_CLIENT,
            EdgeMeta.ForeignMeta.DROP), null, true)), store);

    SyncSession sends(TestPair pair) {
        SyncSession session = node.accept(pair);
        pair.right().inject(HeldClientFrameTest.CONNECT);
        loop.runAll();
        pair.clear();
        pair.right().inject(HeldClientFrameTest.frame());
        loop.runAll();
        return session;
    }

    @Test
    void theStoredSlicesOfAHeldClientFrameAreProcessedOnce() {
        store.failWrite(2); // the first slice goes in, the second fails
        TestPair pair = new TestPair(loop);
        SyncSession session = sends(pair);
        assertEquals(List.of(true, false), List.of(node.log.byId(HeldClientFrameTest.id(5)).isPresent(),
            node.log.byId(HeldClientFrameTest.id(6)).isPresent()), "the first slice in, the second not: "
            + pair.rightSent() + " " + session.state() + " " + processed);
        loop.advance(SyncSession.ROOM_RETRY_MAX_MILLIS * 4);
        TestPair again = new TestPair(loop);
        if (session.state() != SyncSession.State.CLOSED) {
            session.close("test");
            loop.runAll();
        }
        sends(again);
        loop.runAll();
        List<String> got = List.copyOf(again.rightSent());
        for (int i = 1; i <= HeldClientFrameTest.SENT; i++) {
            assertEquals(1, HeldClientFrameTest.count(got, "\"logux/processed\",\"id\":\"" + HeldClientFrameTest.id(i)
                + "\""), i + " in " + got);
        }
        assertEquals(IntStream.rangeClosed(1, HeldClientFrameTest.SENT).boxed().toList(),
            processed.stream().sorted().toList(), "each stored action's process hook ran once; first session: "
            + pair.rightSent());
    }
}
