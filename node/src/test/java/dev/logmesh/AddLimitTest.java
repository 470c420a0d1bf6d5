package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.EntrySize;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The largest action a node accepts follows from its frame limit, and is refused at the door (issue 10, fault 1). */
class AddLimitTest {
    @Test
    void anActionLargerThanAFrameIsRefusedWithAClearErrorAndNothingIsAdded() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a").memory().mdns(false).noListen().maxFrameBytes(64 * 1024)
            .build();
        try (MeshNode node = MeshNode.start(config)) {
            String big = "{\"type\":\"big\",\"text\":\"" + "é".repeat(40_000) + "\"}"; // 80 kB in UTF-8
            CompletionException e = assertThrows(CompletionException.class,
                () -> node.add(Action.parse(big)).join());
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getCause().getMessage().contains("over the limit of"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("--max-frame"), e.getCause().getMessage());
            // an embedding application sets the limit in its NodeConfig, not on a command line (embed22)
            assertTrue(e.getCause().getMessage().contains("NodeConfig.Builder.maxFrameBytes"),
                e.getCause().getMessage());
            node.add(Action.parse("{\"type\":\"small\"}")).join();
            List<Entry> all = node.entries().join();
            assertEquals(List.of("small"), all.stream().map(x -> x.action().type()).toList());
        }
    }

    /**
     * The limit counts the meta as the log stores it, with the node's keep reason ({@code "mesh"}, 9 bytes in the
     * size bound). Before (break36, {@code scripts/chaos bigframe}: actions up to 64 KiB at three CLI nodes with
     * {@code --max-frame 65536}) an action within the limit by 9 bytes or less was added and acknowledged, then never
     * sent to any peer: "1796442868836 c2:MJV05yKn 0 takes up to 65478 bytes in a frame, over this node's frame limit
     * of 65536 ...: not sent to c1:... (said once a day)". Now it is refused at the door, and the largest action
     * accepted reaches the peer.
     */
    @Test
    void theLimitCountsTheKeepReasonTheLogAddsSoEveryAcceptedActionTravels() throws Exception {
        int frame = 64 * 1024;
        NodeConfig.Builder ac = NodeConfig.builder().name("a").memory().mdns(false).host("127.0.0.1").port(0)
            .maxFrameBytes(frame);
        try (MeshNode a = MeshNode.start(ac.build());
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).noListen()
                 .maxFrameBytes(frame).peer(a.url()).build())) {
            // the size bound of {"type":"big","s":"<pad>"} with a's id and no reasons: exactly the limit
            Action probe = Action.parse("{\"type\":\"big\",\"s\":\"\"}");
            long bare = EntrySize.bound(probe, Meta.of(ActionId.parse("1 " + a.nodeId() + " 0"), 1, List.of()));
            int pad = (int) (EntrySize.maxEntry(frame) - bare);
            Action atLimitWithoutReason = Action.parse("{\"type\":\"big\",\"s\":\"" + "x".repeat(pad) + "\"}");
            CompletionException e = assertThrows(CompletionException.class, () -> a.add(atLimitWithoutReason).join());
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getCause().getMessage().contains("over the limit of " + EntrySize.maxEntry(frame)),
                e.getCause().getMessage());
            // the same with the keep reason counted (9 bytes less) is the largest accepted, and it travels
            Action largest = Action.parse("{\"type\":\"big\",\"s\":\"" + "x".repeat(pad - 9) + "\"}");
            a.add(largest).join();
            a.add(Action.parse("{\"type\":\"after\"}")).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.entries().join().size() == 2);
            assertEquals(List.of("big", "after"), b.entries().join().stream().map(x -> x.action().type()).toList());
            // the JSON-meta form of add is checked the same way
            CompletionException m = assertThrows(CompletionException.class,
                () -> a.add(atLimitWithoutReason, (com.fasterxml.jackson.databind.JsonNode) null).join());
            assertTrue(m.getCause() instanceof IllegalArgumentException, m.toString());
        }
    }

    /**
     * A node that adds without the keep reason ({@code keepReason(null)} here; {@code logmesh add}'s {@code "cli"}
     * alike) keeps room for it: a peer stores the entry with its own keep reason {@code "mesh"} and sends it on. Before
     * (break36) an action within 9 bytes of the limit was accepted, reached b, and b could send it to no one (a CLI
     * trial: "... takes up to 65481 bytes in a frame, over this node's frame limit of 65536 ...: not sent to n3").
     */
    @Test
    void aNodeWithoutTheKeepReasonKeepsRoomForItSoARelayCanPassTheActionOn() throws Exception {
        int frame = 64 * 1024;
        NodeConfig.Builder ac = NodeConfig.builder().name("a").memory().mdns(false).overlay(false).host("127.0.0.1")
            .port(0).maxFrameBytes(frame).keepReason(null);
        try (MeshNode a = MeshNode.start(ac.build());
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).overlay(false)
                 .host("127.0.0.1").port(0).maxFrameBytes(frame).peer(a.url()).build());
             MeshNode c = MeshNode.start(NodeConfig.builder().name("c").memory().mdns(false).overlay(false)
                 .noListen().maxFrameBytes(frame).peer(b.url()).build())) {
            Action probe = Action.parse("{\"type\":\"big\",\"s\":\"\"}");
            long bare = EntrySize.bound(probe, Meta.of(ActionId.parse("1 " + a.nodeId() + " 0"), 1, List.of()));
            int pad = (int) (EntrySize.maxEntry(frame) - bare);
            // a's entries hold no reason: cleaned at a at once, they travel only by live gossip
            await().atMost(Duration.ofSeconds(20)).until(() -> connected(a) == 1 && connected(c) == 1);
            Action atLimitWithoutReason = Action.parse("{\"type\":\"big\",\"s\":\"" + "x".repeat(pad) + "\"}");
            CompletionException e = assertThrows(CompletionException.class, () -> a.add(atLimitWithoutReason).join());
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            a.add(Action.parse("{\"type\":\"big\",\"s\":\"" + "x".repeat(pad - 9) + "\"}")).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> c.entries().join().size() == 1);
            assertEquals(List.of("big"), c.entries().join().stream().map(x -> x.action().type()).toList());
        }
    }

    private static long connected(MeshNode node) {
        return node.peers().join().stream().filter(MeshNode.PeerStatus::connected).count();
    }

    /** An action nested {@code depth} levels ({@code depth >= 2}): {"type":"deep","n":{"n":...{}}}. */
    private static Action nested(int depth) {
        return Action.parse("{\"type\":\"deep\",\"n\":" + "{\"n\":".repeat(depth - 2) + "{}" + "}".repeat(depth - 2) + "}");
    }

    @Test
    void anActionNestedDeeperThanAFrameCanCarryIsRefusedAndTheDeepestAllowedOneTravels() throws Exception {
        // a sync frame is refused by every codec beyond 64 levels; an action that deep used to be added, then every
        // session that carried it failed and started again forever, holding back what came after it (a trial)
        NodeConfig.Builder ac = NodeConfig.builder().name("a").memory().mdns(false).host("127.0.0.1").port(0);
        try (MeshNode a = MeshNode.start(ac.build());
             MeshNode b = MeshNode.start(NodeConfig.builder().name("b").memory().mdns(false).noListen()
                 .peer(a.url()).build())) {
            CompletionException e = assertThrows(CompletionException.class,
                () -> a.add(nested(EntrySize.MAX_DEPTH + 1)).join());
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getCause().getMessage().contains("levels"), e.getCause().getMessage());
            a.add(nested(EntrySize.MAX_DEPTH)).join();
            a.add(Action.parse("{\"type\":\"after\"}")).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.entries().join().size() == 2);
            assertEquals(List.of("deep", "after"), b.entries().join().stream().map(x -> x.action().type()).toList());
            assertEquals(2, a.entries().join().size());
        }
    }

    @Test
    void depthCountsBracketsOutsideStrings() {
        assertEquals(0, EntrySize.depth("1"));
        assertEquals(1, EntrySize.depth("{\"a\":\"{[[\\\"]]\"}"));
        assertEquals(3, EntrySize.depth("[{\"a\":[]},{}]"));
    }

    @Test
    void aMetaWhoseCustomValueIsNestedTooDeepIsRefused() throws Exception {
        NodeConfig config = NodeConfig.builder().name("a").memory().mdns(false).noListen().build();
        try (MeshNode node = MeshNode.start(config)) {
            // the meta is one level in the frame, so its custom value may be one level less deep than an action
            String deep = "{\"n\":".repeat(EntrySize.MAX_DEPTH - 1) + "{}" + "}".repeat(EntrySize.MAX_DEPTH - 1);
            com.fasterxml.jackson.databind.node.ObjectNode meta =
                (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree("{\"custom\":" + deep + "}");
            CompletionException e = assertThrows(CompletionException.class,
                () -> node.add(Action.ofType("m"), meta).join());
            assertTrue(e.getCause().getMessage().contains("levels"), e.getCause().getMessage());
            assertEquals(0, node.entries().join().size());
        }
    }
}
