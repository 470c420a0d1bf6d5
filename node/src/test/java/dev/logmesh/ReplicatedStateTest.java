package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** {@link ReplicatedState}: the fold in created order, whatever the arrival order, on the test kit's {@link LocalMesh}. */
class ReplicatedStateTest {

    /** An order-sensitive reducer: the texts in the order they were folded. */
    static List<String> append(List<String> state, Entry e) {
        return Stream.concat(state.stream(), Stream.of(e.action().get("text").asText())).toList();
    }

    static boolean isItem(Entry e) {
        return e.action().type().equals("item");
    }

    static Action item(String text) {
        ObjectNode n = Action.ofType("item").json();
        n.put("text", text);
        return Action.of(n);
    }

    /** Partial meta with an explicit id, as a peer would have stamped it. */
    static ObjectNode withId(ActionId id) {
        ObjectNode m = Action.ofType("x").json().objectNode();
        m.put("id", id.toString());
        return m;
    }


    /**
     * A breaker's run (session 18): a state created on a closed node (an app that kept the old node after restarting
     * it) stayed the initial state without a word, though create's Javadoc says it throws.
     */
    @Test
    void createOnAClosedNodeThrows() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").memory().mdns(false).noListen().build());
        node.add(item("a")).get();
        node.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> ReplicatedState.create(node, ReplicatedStateTest::isItem, List.of(), ReplicatedStateTest::append));
    }

    /** Issue 14: a listener registered right after create got the initial state twice (listen's call and the fold's). */
    @Test
    void aListenerGetsTheCurrentStateOnceAndThenEachChange() {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode node = mesh.start("solo");
            node.add(item("a"));
            ReplicatedState<List<String>> s = ReplicatedState.create(node, ReplicatedStateTest::isItem, List.of(),
                ReplicatedStateTest::append);
            List<List<String>> seen = new ArrayList<>();
            s.listen(seen::add);
            mesh.runAll();
            assertEquals(List.of(List.of("a")), seen, "once, with the folded state");
            List<List<String>> later = new ArrayList<>();
            s.listen(later::add); // after the fold: the current state at once
            node.add(item("b"));
            mesh.runAll();
            assertEquals(List.of(List.of("a"), List.of("a", "b")), seen);
            assertEquals(List.of(List.of("a"), List.of("a", "b")), later);
            List<List<String>> ended = new ArrayList<>();
            MeshNode.Subscription off = s.listen(ended::add);
            off.close(); // before its first call
            node.add(item("c"));
            mesh.runAll();
            assertEquals(List.of("a", "b", "c"), s.state());
            assertEquals(List.of(), ended);
        }
    }

    @Test
    void lateActionTriggersReplayFromCheckpointAndTheResultIsInIdOrder() {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode node = mesh.start("solo");
            ManualLoop loop = mesh.loop();
            ReplicatedState<List<String>> s = ReplicatedState.create(node, ReplicatedStateTest::isItem, List.of(),
                ReplicatedStateTest::append, 2, 8);
            List<List<String>> seen = new ArrayList<>();
            s.listen(seen::add);
            // in order: ids 10..50 from "peer"
            for (int i = 1; i <= 5; i++) {
                node.add(item("t" + i * 10), withId(ActionId.of(i * 10L, "peer", 0)));
            }
            loop.runAll();
            assertEquals(List.of("t10", "t20", "t30", "t40", "t50"), s.state());
            assertEquals(0, s.replays());
            assertEquals(List.of(ActionId.of(20, "peer", 0), ActionId.of(40, "peer", 0)), s.checkpointIds());

            // late: id 35 sorts between 30 and 40
            node.add(item("t35"), withId(ActionId.of(35, "peer", 0)));
            loop.runAll();
            assertEquals(List.of("t10", "t20", "t30", "t35", "t40", "t50"), s.state());
            assertEquals(1, s.replays());
            // the checkpoint at 40 was invalid (it lacked 35) and is rebuilt by the replay from 20
            assertEquals(List.of(ActionId.of(20, "peer", 0), ActionId.of(35, "peer", 0),
                ActionId.of(50, "peer", 0)), s.checkpointIds());
            assertEquals(List.of("t10", "t20", "t30", "t35", "t40", "t50"), seen.get(seen.size() - 1));

            // older than every checkpoint: replays from the initial state
            node.add(item("t5"), withId(ActionId.of(5, "peer", 0)));
            loop.runAll();
            assertEquals(List.of("t5", "t10", "t20", "t30", "t35", "t40", "t50"), s.state());
            assertEquals(2, s.replays());
            assertEquals(0, s.lateBeyondHorizon());
        }
    }

    @Test
    void actionsAlreadyInTheLogAreFoldedAtStart() {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode node = mesh.start("solo");
            ManualLoop loop = mesh.loop();
            node.add(item("b"), withId(ActionId.of(20, "p", 0)));
            node.add(item("a"), withId(ActionId.of(10, "p", 0)));
            node.add(Action.ofType("other"));
            loop.runAll();
            ReplicatedState<List<String>> s = ReplicatedState.create(node, ReplicatedStateTest::isItem, List.of(),
                ReplicatedStateTest::append);
            assertEquals(List.of("a", "b"), s.state());
            s.close();
            node.add(item("c"));
            loop.runAll();
            assertEquals(List.of("a", "b"), s.state(), "closed: no more changes");
        }
    }

    @Test
    void cleaningMovesTheReplayHorizonAndOlderLateActionsAreFoldedOnTop() {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode node = mesh.start("solo");
            ManualLoop loop = mesh.loop();
            ReplicatedState<List<String>> s = ReplicatedState.create(node, ReplicatedStateTest::isItem, List.of(),
                ReplicatedStateTest::append, 2, 8);
            for (int i = 1; i <= 6; i++) {
                node.add(item("t" + i * 10), withId(ActionId.of(i * 10L, "peer", 0)));
            }
            loop.runAll();
            // the app cleans everything up to 30
            node.removeReason(NodeConfig.DEFAULT_KEEP_REASON, Criteria.ALL.olderThan(ActionId.of(31, "peer", 0)));
            loop.runAll();
            assertTrue(s.checkpointIds().stream().noneMatch(id -> id.isBefore(ActionId.of(30, "peer", 0))),
                "no checkpoint from before the cleaned actions: " + s.checkpointIds());
            // a late action after the horizon still goes to its place
            node.add(item("t45"), withId(ActionId.of(45, "peer", 0)));
            loop.runAll();
            assertEquals(List.of("t10", "t20", "t30", "t40", "t45", "t50", "t60"), s.state());
            assertEquals(0, s.lateBeyondHorizon());
            // one from before the horizon cannot: folded on top, and counted
            node.add(item("t15"), withId(ActionId.of(15, "peer", 0)));
            loop.runAll();
            assertEquals(List.of("t10", "t20", "t30", "t40", "t45", "t50", "t60", "t15"), s.state());
            assertEquals(1, s.lateBeyondHorizon());
        }
    }

    /**
     * Random actions, created with random ids on random nodes of a 4-node mesh while random nodes are off
     * the network, so they reach the others late and in every order: every node's state is the fold over
     * the sorted ids.
     */
    @Property(tries = 40)
    void everyNodeFoldsAllActionsInIdOrder(@ForAll long seed) {
        Random random = new Random(seed);
        List<String> names = List.of("a", "b", "c", "d");
        List<MeshNode> nodes = new ArrayList<>();
        List<ReplicatedState<List<String>>> states = new ArrayList<>();
        try (LocalMesh mesh = new LocalMesh(seed)) {
            ManualLoop loop = mesh.loop();
            LocalNetwork net = mesh.net();
            nodes.add(mesh.start("a"));
            nodes.add(mesh.start("b", "a"));
            nodes.add(mesh.start("c", "b"));
            nodes.add(mesh.start("d", "a", "c"));
            for (MeshNode n : nodes) {
                states.add(ReplicatedState.create(n, ReplicatedStateTest::isItem, List.of(),
                    ReplicatedStateTest::append, 1 + random.nextInt(4), 1 + random.nextInt(4)));
            }
            List<ActionId> ids = new ArrayList<>();
            int rounds = 3 + random.nextInt(5);
            for (int r = 0; r < rounds; r++) {
                String off = names.get(random.nextInt(names.size()));
                net.down(off);
                int count = 1 + random.nextInt(8);
                for (int i = 0; i < count; i++) {
                    // ids from made-up origins with clustered times: late arrivals interleave
                    ActionId id = ActionId.of(1 + random.nextInt(60), "o" + random.nextInt(3), ids.size());
                    ids.add(id);
                    nodes.get(random.nextInt(nodes.size())).add(item(id.toString()), withId(id));
                    loop.advance(random.nextInt(50));
                }
                loop.advance(random.nextInt(2_000));
                net.up(off);
                loop.advance(random.nextInt(2_000));
            }
            loop.advance(120_000); // dialers retry with backoff; everything syncs
            List<String> expected = new ArrayList<>(ids.stream().sorted().map(ActionId::toString).toList());
            for (int i = 0; i < nodes.size(); i++) {
                assertEquals(expected, states.get(i).state(), "node " + names.get(i) + ", seed " + seed);
            }
            assertTrue(states.stream().mapToLong(ReplicatedState::lateBeyondHorizon).sum() == 0);
            mesh.check("seed " + seed);
        }
    }
}
