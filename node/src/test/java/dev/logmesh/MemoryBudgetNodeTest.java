package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A node whose log is in memory with a budget ({@link NodeConfig.Builder#memoryLimit}) behaves as a SQLite node on a
 * full disk once the budget is used: adds refused with a {@link StoreException}, nothing acknowledged that it did not
 * store, not writable, sessions and pings going on, and writable again once entries are cleaned. Before session 42 a
 * memory store had no bound but the heap: a {@code --memory} node flooded by a Logux client ({@code -Xmx128m},
 * actions of 20,000 chars) died of an {@code OutOfMemoryError} after about 4,900 of them and lost its whole log.
 */
class MemoryBudgetNodeTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);

    MeshNode start(String name, NodeConfig.Builder b, List<MeshNode.Listener> listeners, String... peers)
        throws IOException {
        b.name(name).mdns(false).loop(loop).transport(net.transport(name));
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return MeshNode.start(b.build(), listeners);
    }

    /** The value of a node's future, once the loop has run it. */
    <T> T on(CompletableFuture<T> f) {
        loop.runAll();
        return f.join();
    }

    static Action big(String type) {
        return Action.parse("{\"type\":\"" + type + "\",\"text\":\"" + "z".repeat(2_000) + "\"}");
    }

    @Test
    void aFullMemoryStoreRefusesAddsKeepsItsSessionsAndTakesWhatWasRefusedOnceCleaned() throws Exception {
        StoreFailureNodeTest.Said listener = new StoreFailureNodeTest.Said();
        List<String> errors = listener.errors;
        List<NodeHealth> health = listener.health;
        List<String> carolLost = new ArrayList<>();
        MeshNode.Listener carolSees = new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (!connected) {
                    carolLost.add(nodeId);
                }
            }
        };
        NodeConfig.Builder small = NodeConfig.builder().memoryLimit(40_000).keepReason(null);
        try (MeshNode bob = start("bob", small, List.of(listener));
             // neither listens: alice and carol meet only through bob, so carol never holds (and sends bob) what
             // bob refuses; a node that sends bob a batch he cannot store loses its session, as with a full disk
             MeshNode alice = start("alice", NodeConfig.builder().noListen(), List.of(), "bob");
             MeshNode carol = start("carol", NodeConfig.builder().noListen(), List.of(carolSees), "bob")) {
            loop.advance(1_000);
            assertEquals(2, on(bob.peers()).size());

            // bob fills his budget with his own actions, then refuses the next one
            List<CompletableFuture<Meta>> adds = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                adds.add(bob.add(big("b/" + i), List.of("temp")));
                loop.runAll();
            }
            int stored = (int) adds.stream().filter(f -> !f.isCompletedExceptionally()).count();
            assertTrue(stored > 5 && stored < 30, "some fit, not all: " + stored);
            ExecutionException refused = assertThrows(ExecutionException.class, adds.get(stored)::get);
            assertInstanceOf(StoreException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().startsWith("the memory store is full: "),
                refused.getCause().getMessage());
            assertFalse(bob.health().writable());
            assertTrue(bob.health().problem().contains("the memory store is full"), bob.health().toString());
            assertEquals(1, errors.size(), "said once: " + errors);
            assertEquals(1, health.size(), "one health event: " + health);

            // alice's actions do not fit either: not acknowledged, alice keeps them
            long sentBefore = alice.log().cursor(bob.nodeId()).sent();
            for (int i = 0; i < 3; i++) {
                alice.add(big("a/" + i));
            }
            long framesBefore = net.traffic("bob").sentFrames();
            loop.advance(120_000); // pings, alice's redials
            assertEquals(sentBefore, alice.log().cursor(bob.nodeId()).sent(),
                "nothing acknowledged that bob did not store");
            for (Entry e : on(alice.entries())) {
                if (e.action().type().startsWith("a/")) {
                    assertFalse(bob.log().store().seen(e.id()), "not stored, not seen: " + e.id());
                }
            }
            // bob's loop keeps serving its sessions while full (pings or, while other frames flow, those: node ids
            // are random here, so which ones differs from run to run)
            assertTrue(net.traffic("bob").sentFrames() > framesBefore + 10, "bob keeps sending while full");
            assertTrue(on(carol.peers()).get(0).connected(), "carol's session with bob stays up");
            assertEquals(List.of(), carolLost, "carol's session never ended");
            assertFalse(bob.health().writable());
            assertEquals(1, errors.size(), "still said once: " + errors);

            // an application cleans: room again; alice's actions come in once, and bob's refused ones added again
            bob.removeReason("temp", Criteria.ALL);
            loop.advance(60_000);
            assertTrue(bob.health().writable(), bob.health().toString());
            assertEquals(2, health.size(), "and one when it ends: " + health);
            CompletableFuture<Meta> again = bob.add(big("b/again"), List.of("temp"));
            loop.runAll();
            again.get();
            List<String> types = on(bob.entries()).stream().map(e -> e.action().type())
                .filter(t -> t.startsWith("a/") || t.startsWith("b/")).sorted().toList();
            assertEquals(List.of("a/0", "a/1", "a/2", "b/again"), types, "once each");
            assertEquals(alice.log().lastAdded(), alice.log().cursor(bob.nodeId()).sent(), "all of alice's acknowledged");
            assertTrue(((MemoryStore) bob.log().store()).used() <= 40_000);
        }
    }

    /**
     * Session 45's finding: a full node that regained room (an application cleaned) got its senders' entries only at
     * their next redial, up to 30 s later ({@code Redialer.FULL_DELAY_MILLIS}). Now the sender's session is held
     * while the node is full and closed with "room again" when it can write: the sender dials again at once and its
     * entries are in within a second, each once, on the fake clock. Also: one session the whole time (HyParView's
     * dials and the redialer's alike), where each used to end at the first batch.
     */
    @Test
    void aSenderToAFullNodeResumesWithinASecondOfTheRoomBeingMade() throws Exception {
        int[] sessions = {0};
        List<String> notices = new ArrayList<>();
        MeshNode.Listener counting = new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (connected) {
                    sessions[0]++;
                }
            }

            @Override
            public void notice(String message) {
                notices.add(message);
            }
        };
        NodeConfig.Builder small = NodeConfig.builder().memoryLimit(40_000).keepReason(null);
        try (MeshNode bob = start("bob", small, List.of());
             MeshNode alice = start("alice", NodeConfig.builder(), List.of(counting), "bob")) {
            loop.advance(1_000);
            for (int i = 0; i < 30; i++) {
                bob.add(big("b/" + i), List.of("temp"));
                loop.runAll();
            }
            assertFalse(bob.health().writable());
            loop.advance(1_000);
            long sentBefore = alice.log().cursor(bob.nodeId()).sent();
            for (int i = 0; i < 3; i++) {
                alice.add(big("a/" + i));
            }
            loop.advance(120_000);
            assertEquals(sentBefore, alice.log().cursor(bob.nodeId()).sent(),
                "nothing acknowledged that bob did not store");
            assertEquals(1, sessions[0], "one session while bob is full");
            assertEquals(List.of(), notices);

            bob.removeReason("temp", Criteria.ALL); // the application makes room
            loop.advance(1_000);
            assertTrue(bob.health().writable(), bob.health().toString());
            List<String> types = on(bob.entries()).stream().map(e -> e.action().type())
                .filter(t -> t.startsWith("a/")).sorted().toList();
            assertEquals(List.of("a/0", "a/1", "a/2"), types, "within a second, once each");
            assertEquals(alice.log().lastAdded(), alice.log().cursor(bob.nodeId()).sent(), "all acknowledged");
            // the end of the error alice said when bob was full, as an event (before, session 47: an INFO line only,
            // which a CLI node does not print)
            assertEquals(List.of("peer " + bob.nodeId() + " can write its log again: sending it what it did not "
                + "acknowledge"), notices);
        }
    }

    /**
     * Session 47's CLI trial on the fake clock: bob keeps 40 KB in memory for 3 s and alice sends him more 1 KB actions
     * than the ids of cleaned ones leave room for, so bob ends full for good, having stored part of alice's held frame.
     * {@code synced} answers whole frames, so alice's cursor for bob ({@code sent}) is short of what he holds, by at
     * most that frame (README, "A part of a batch, and what sent counts"), and never past it. Sending a peer full lately
     * one entry a frame would make it exact, at a catch-up's cost (session 48: not done). Pins what the docs say.
     */
    @Test
    void theSendersCursorForAPeerThatStaysFullIsShortOfWhatItHoldsByAtMostOneFrame() throws Exception {
        NodeConfig.Builder small = NodeConfig.builder().memoryLimit(40_000).keepFor(java.time.Duration.ofSeconds(3));
        try (MeshNode bob = start("bob", small, List.of());
             MeshNode alice = start("alice", NodeConfig.builder(), List.of(), "bob")) {
            loop.advance(1_000);
            String pad = "x".repeat(1_000);
            List<ActionId> sent = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                sent.add(on(alice.add(Action.parse("{\"type\":\"a/" + i + "\",\"pad\":\"" + pad + "\"}"))).id());
                loop.advance(50);
            }
            loop.advance(300_000);
            MemoryStore store = (MemoryStore) bob.log().store();
            assertFalse(bob.health().writable(), "the ids of what bob cleaned fill his budget: " + store.used());
            long held = sent.stream().filter(store::seen).count();
            assertTrue(held > 100 && held < 600, "bob holds some: " + held);
            // alice's own log: her actions are added 1, 2, ... in order, and bob stores them in that order
            long acknowledged = alice.log().cursor(bob.nodeId()).sent();
            assertTrue(acknowledged <= held, "never past what bob holds: " + acknowledged + " > " + held);
            // a frame of alice's is cut at 512 KiB: about 500 of these actions
            assertTrue(held - acknowledged <= dev.logmesh.internal.session.SessionConfig.DEFAULT_CHUNK_BYTES / 1_000,
                "short by at most one frame: " + acknowledged + " of " + held);
        }
    }

    /** A listener that adds each {@code notice} to {@code into}. */
    static MeshNode.Listener noticesInto(List<String> into) {
        return new MeshNode.Listener() {
            @Override
            public void notice(String message) {
                into.add(message);
            }
        };
    }

    /**
     * Break46's trial 7 on the fake clock: bob keeps 40 KB in memory for 3 s ({@code --keep-for}), alice sends him 1 KB
     * actions at 20 per second, more than he can hold at once. The ids of what bob cleaned stay seen for the horizon
     * and take more and more of his budget, so the room left falls below one of alice's frames. Before session 47
     * bob tried only the whole held frame again, which never fit: alice's actions stopped at him for good although
     * there was room for several of them. Now the held frame goes in the parts that fit, down to one entry.
     */
    @Test
    void aFrameLargerThanTheRoomLeftGoesInInPartsAsLongAsOneEntryFits() throws Exception {
        NodeConfig.Builder small = NodeConfig.builder().memoryLimit(40_000).keepFor(java.time.Duration.ofSeconds(3));
        StoreFailureNodeTest.Said aliceSays = new StoreFailureNodeTest.Said();
        List<String> notices = new ArrayList<>();
        MeshNode.Listener aliceNotices = noticesInto(notices);
        StoreFailureNodeTest.Said bobSays = new StoreFailureNodeTest.Said();
        List<String> bobNotices = new ArrayList<>();
        MeshNode.Listener bobHears = noticesInto(bobNotices);
        try (MeshNode bob = start("bob", small, List.of(bobSays, bobHears));
             MeshNode alice = start("alice", NodeConfig.builder(), List.of(aliceSays, aliceNotices), "bob")) {
            long start = loop.monotonicMillis();
            loop.advance(1_000);
            String pad = "x".repeat(1_000);
            List<ActionId> sent = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                sent.add(on(alice.add(Action.parse("{\"type\":\"a/" + i + "\",\"pad\":\"" + pad + "\"}"))).id());
                loop.advance(50);
            }
            MemoryStore store = (MemoryStore) bob.log().store();
            // until all are in and acknowledged: the last part stored by a held retry is acknowledged on the next
            // session, after the check that all are in (session 50: this test failed 2 in 10 runs, "all acknowledged
            // ==> expected: <400> but was: <349>", when the check came between the two)
            for (int s = 0; s < 600 && !(sent.stream().allMatch(store::seen)
                && alice.log().cursor(bob.nodeId()).sent() == alice.log().lastAdded()); s++) {
                loop.advance(1_000);
            }
            long missing = sent.stream().filter(id -> !store.seen(id)).count();
            assertEquals(0, missing, "all of alice's actions reach bob: " + store.used() + " of 40000 bytes used");
            assertEquals(alice.log().lastAdded(), alice.log().cursor(bob.nodeId()).sent(), "all acknowledged");
            assertTrue(store.used() <= 40_000, "within the budget: " + store.used());
            // bob is full, takes a part and is full again every second or so: alice says so about once a minute, with
            // the count, not each time (session 47's CLI trial, before: 44 errors and 44 notices in 54 s)
            long full = aliceSays.errors.stream().filter(e -> e.contains("cannot write its log")).count();
            long took = loop.monotonicMillis() - start;
            assertTrue(full >= 1 && full <= 1 + took / 60_000, full + " in " + took + " ms: " + aliceSays.errors);
            assertTrue(notices.size() <= full, notices.size() + " notices for " + full + " errors");
            // and bob himself says it the same way: the first full, the room, then once a minute (before, session 47:
            // two health events and an error each time, every second or so)
            loop.advance(120_000); // the last minute ends
            long minutes = 2 + (loop.monotonicMillis() - start) / 60_000;
            long bobFull = bobSays.errors.stream().filter(e -> e.startsWith("this node cannot write its log")).count();
            assertTrue(bobFull >= 1 && bobFull <= minutes, bobFull + " in " + minutes + " min: " + bobSays.errors);
            assertTrue(bobSays.health.size() <= 2 * minutes, bobSays.health.size() + " health events in " + minutes
                + " min: " + bobSays.health);
            assertTrue(bobNotices.size() <= minutes, bobNotices.toString());
            assertFalse(bobSays.health.get(0).writable(), "the first full is said: " + bobSays.health);
            assertEquals(bob.health().writable(), bobSays.health.get(bobSays.health.size() - 1).writable(),
                "the last word is the health now: " + bobSays.health);
        }
    }

    /**
     * Session 49's note: a memory node too small for what it is sent (40 KB, kept 3 s) takes a part of a catch-up, is
     * full, has room again when a part goes in and ends the session so that its peer sends again; each such cycle told
     * the catch-up's start again, "done 0 of N" (a progress line on the CLI every second or two). Now the sequel of a
     * room-again session goes on with the catch-up: its start is told once, and the end once, when all is in. Break50:
     * the sequels' calls then counted from their own start ("0/150 22/22"); now done goes forward to the start's total.
     */
    @Test
    void aCatchUpThroughRoomAgainCyclesIsToldOnceNotAtEachCycle() throws Exception {
        NodeConfig.Builder small = NodeConfig.builder().memoryLimit(40_000).keepFor(java.time.Duration.ofSeconds(3));
        List<String> calls = new ArrayList<>();
        MeshNode.Listener progress = new MeshNode.Listener() {
            @Override
            public void catchUp(String nodeId, long done, long total, double perSecond) {
                calls.add(done + "/" + total);
            }
        };
        try (MeshNode alice = start("alice", NodeConfig.builder(), List.of())) {
            String pad = "x".repeat(1_000);
            List<ActionId> sent = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                sent.add(on(alice.add(Action.parse("{\"type\":\"a/" + i + "\",\"pad\":\"" + pad + "\"}"))).id());
                loop.advance(5);
            }
            try (MeshNode bob = start("bob", small, List.of(progress), "alice")) {
                MemoryStore store = (MemoryStore) bob.log().store();
                for (int s = 0; s < 600 && !sent.stream().allMatch(store::seen); s++) {
                    loop.advance(1_000);
                }
                assertEquals(0, sent.stream().filter(id -> !store.seen(id)).count(), "all reach bob");
                // before: a start ("0/150", "0/86", ...) at each cycle
                assertEquals(1, calls.stream().filter(c -> c.startsWith("0/")).count(), calls.toString());
                assertEquals("0/150", calls.get(0), calls.toString());
                // break50: then each sequel's own count ("0/150 22/22"); now done goes forward to the start's total
                long last = -1;
                for (String c : calls) {
                    long done = Long.parseLong(c.substring(0, c.indexOf('/')));
                    assertTrue(done >= last && c.endsWith("/150"), "done goes forward, total stays 150: " + calls);
                    last = done;
                }
                assertEquals("150/150", calls.get(calls.size() - 1), calls.toString());
            }
        }
    }

    /**
     * Break46's finding 3: in a chain alice -> bob -> carol without the overlay, bob full, carol gets nothing new and
     * saw bob "behind 0" with no hint why. Now bob's presence record says why he cannot write his log, and carol's
     * status shows it on his row ({@code full}), which {@code logmesh status} and {@code peers} warn of.
     */
    @Test
    void aFullNodesPresenceSaysSoToTheNodesBehindIt() throws Exception {
        NodeConfig.Builder small = NodeConfig.builder().memoryLimit(40_000).keepReason(null).overlay(false);
        try (MeshNode bob = start("bob", small, List.of());
             MeshNode alice = start("alice", NodeConfig.builder().noListen().overlay(false), List.of(), "bob");
             MeshNode carol = start("carol", NodeConfig.builder().noListen().overlay(false), List.of(), "bob")) {
            loop.advance(1_000);
            for (int i = 0; i < 30; i++) {
                bob.add(big("b/" + i), List.of("temp"));
                loop.runAll();
            }
            assertFalse(bob.health().writable());
            alice.add(big("a/0")); // stops at bob
            loop.advance(20_000); // presence records go round
            com.fasterxml.jackson.databind.JsonNode row = null;
            for (com.fasterxml.jackson.databind.JsonNode n : on(carol.status()).path("mesh").path("nodes")) {
                if (n.path("node").asText().equals(bob.nodeId())) {
                    row = n;
                }
            }
            assertTrue(row != null, "carol knows bob");
            assertTrue(row.path("full").asText().startsWith("the memory store is full: "), row.toString());

            bob.removeReason("temp", Criteria.ALL); // room again: the next record says nothing of it
            loop.advance(20_000);
            for (com.fasterxml.jackson.databind.JsonNode n : on(carol.status()).path("mesh").path("nodes")) {
                assertFalse(n.has("full"), n.toString());
            }
        }
    }

    @Test
    void aNodeMakesItsMemoryStoreWithTheDefaultBudgetAThirdOfTheHeap() throws Exception {
        try (MeshNode n = start("n", NodeConfig.builder(), List.of())) {
            assertEquals(Runtime.getRuntime().maxMemory() / 3, ((MemoryStore) n.log().store()).budget());
        }
        try (MeshNode n = start("m", NodeConfig.builder().memoryLimit(1 << 20), List.of())) {
            assertEquals(1 << 20, ((MemoryStore) n.log().store()).budget());
        }
    }

    @Test
    void aMemoryLimitWithADataDirectoryOrAStoreOrOfNothingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().memoryLimit(1 << 20).dataDir(java.nio.file.Path.of("/tmp/x")).build());
        assertEquals("a memory limit (memoryLimit, --memory-limit) bounds the memory store a node makes, but this "
            + "node keeps its log in /tmp/x: give one or the other", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.builder().memoryLimit(0).build());
        assertEquals("a memory limit (memoryLimit, --memory-limit) must be more than 0 bytes, got 0", e.getMessage());
    }
}
