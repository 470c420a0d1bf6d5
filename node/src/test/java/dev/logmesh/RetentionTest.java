package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Retention an operator sets ({@link NodeConfig#keepLast()}, {@link NodeConfig#keepFor()}; {@code logmesh node
 * --keep-last}, {@code --keep-for}): the node removes its keep reason from its oldest entries, paced, and a cleaned
 * entry that comes back is not applied again. Before (session 43), a node's keep reason ({@code "mesh"}) was never
 * removed by anything but the embedding application: a full {@code --memory} node refused every add until it was
 * restarted empty, and a SQLite node grew without bound.
 */
class RetentionTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);

    MeshNode start(String name, NodeConfig.Builder b, String... peers) throws IOException {
        b.name(name).mdns(false).loop(loop).transport(net.transport(name));
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return MeshNode.start(b.build());
    }

    <T> T on(CompletableFuture<T> f) {
        loop.runAll();
        return f.join();
    }

    /** An action of about 2,000 bytes ({@link MemoryBudgetNodeTest#big}). */
    static Action big(String type) {
        return MemoryBudgetNodeTest.big(type);
    }

    @Test
    void aFullMemoryNodeWithRetentionTakesNewAdds() throws Exception {
        // 40,000 bytes hold about 15 of these actions; the node keeps the newest 5
        try (MeshNode bob = start("bob", NodeConfig.builder().memoryLimit(40_000).keepLast(5))) {
            // a burst within one loop turn each, faster than the retention's period
            List<CompletableFuture<Meta>> adds = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                adds.add(bob.add(big("b/" + i)));
                loop.runAll();
            }
            List<CompletableFuture<Meta>> refused = adds.stream().filter(CompletableFuture::isCompletedExceptionally)
                .toList();
            assertEquals(List.of(), refused, "an add that finds the budget used makes retention clean at once, and fits");
            assertTrue(bob.health().writable(), bob.health().toString());
            loop.advance(2_000); // the next period's retention
            List<String> types = on(bob.entries()).stream().map(e -> e.action().type()).toList();
            assertEquals(List.of("b/55", "b/56", "b/57", "b/58", "b/59"), types, "the newest 5");
            assertTrue(((MemoryStore) bob.log().store()).used() <= 40_000);

            // at the pace of a period, nothing is refused: each add lands with room to spare
            for (int i = 0; i < 20; i++) {
                on(bob.add(big("c/" + i)));
                loop.advance(1_000);
            }
            assertEquals(5, bob.log().size());
            assertTrue(bob.health().writable(), bob.health().toString());
        }
    }

    @Test
    void aPeerSendingToAFullMemoryNodeWithRetentionKeepsItsSessionAndIsAcknowledged() throws Exception {
        List<String> aliceLost = new ArrayList<>();
        MeshNode.Listener aliceSees = new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (!connected) {
                    aliceLost.add(nodeId);
                }
            }
        };
        try (MeshNode bob = start("bob", NodeConfig.builder().memoryLimit(40_000).keepLast(5));
             MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false).loop(loop)
                 .transport(net.transport("alice")).noListen().peer(LocalNetwork.url("bob")).build(),
                 List.of(aliceSees))) {
            loop.advance(1_000);
            // alice floods bob faster than his retention's period: each batch that finds bob full makes him clean
            for (int i = 0; i < 60; i++) {
                alice.add(big("a/" + i));
                loop.runAll();
            }
            loop.advance(500);
            assertEquals(alice.log().lastAdded(), alice.log().cursor(bob.nodeId()).sent(), "all acknowledged");
            assertEquals(List.of(), aliceLost, "alice's session with bob never ended");
            assertTrue(bob.health().writable(), bob.health().toString());
            assertTrue(((MemoryStore) bob.log().store()).used() <= 40_000);
            loop.advance(2_000);
            assertEquals(5, bob.log().size());
        }
    }

    /**
     * A full node whose retention makes room (here: once a peer has what it made) says it can write again then, not
     * at its next add. Before (session 43), {@code health} (status, the status page) said "not writable" until an add
     * succeeded: a node nobody added to stayed "not writable" with room for thousands of actions.
     */
    @Test
    void aFullNodeIsWritableAgainAsSoonAsRetentionMadeRoom() throws Exception {
        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false).loop(loop)
            .transport(net.transport("alice")).noListen().peer(LocalNetwork.url("bob")).memoryLimit(40_000)
            .keepLast(5).build(), List.of(said))) {
            // alice keeps what she made until a peer has it: about 15 fit, the rest are refused
            List<CompletableFuture<Meta>> adds = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                adds.add(alice.add(big("a/" + i)));
                loop.runAll();
            }
            assertTrue(adds.stream().anyMatch(CompletableFuture::isCompletedExceptionally), "some refused");
            assertTrue(!alice.health().writable(), alice.health().toString());
            long held = alice.log().size();
            try (MeshNode bob = start("bob", NodeConfig.builder())) {
                for (int i = 0; i < 60 && bob.log().size() < held; i++) {
                    loop.advance(1_000); // alice redials, syncs
                }
                assertEquals(held, bob.log().size(), "bob has what alice holds");
                loop.advance(2_000); // acknowledged: alice's retention cleans down to 5
                assertEquals(5, alice.log().size());
                assertTrue(alice.health().writable(), "room made, nothing added since: " + alice.health());
                assertEquals(List.of(false, true), said.health.stream().map(NodeHealth::writable).toList());
                assertTrue(on(alice.status()).path("writable").asBoolean(), "the status says so too");
            }
        }
    }

    /**
     * A node that expects peers keeps what it made until a peer has acknowledged it, whatever its retention: before
     * (break43) {@code logmesh node --keep-last 100 --peer URL < 1000-lines} cleaned the lines added before its first
     * session, and its peer got 914 of the 1,000: 86 actions were on no node.
     */
    @Test
    void whatANodeMadeIsKeptUntilAPeerHasIt() throws Exception {
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false).loop(loop)
            .transport(net.transport("alice")).noListen().peer(LocalNetwork.url("bob")).keepLast(5).build())) {
            for (int i = 0; i < 20; i++) {
                on(alice.add(Action.ofType("a/" + i)));
            }
            loop.advance(3_000); // retention's periods pass; bob is not there
            assertEquals(20, alice.log().size(), "nothing alice made is cleaned before a peer has it");
            try (MeshNode bob = start("bob", NodeConfig.builder())) {
                for (int i = 0; i < 60 && bob.log().size() < 20; i++) {
                    loop.advance(1_000); // alice redials, syncs
                }
                assertEquals(20, bob.log().size(), "bob got every action alice made");
                loop.advance(2_000); // acknowledged: alice's retention cleans down to 5
                assertEquals(5, alice.log().size());
            }
        }
    }

    /** As {@link #whatANodeMadeIsKeptUntilAPeerHasIt}, for the actions a Logux client of the node added. */
    @Test
    void whatALoguxClientAddedIsKeptUntilAPeerHasIt() throws Exception {
        try (MeshNode alice = start("alice", NodeConfig.builder().keepLast(5), "bob")) {
            List<String> toClient = new ArrayList<>();
            dev.logmesh.spi.Connection client = net.transport("app").apply(loop).dial(LocalNetwork.url("alice"));
            client.start(new dev.logmesh.spi.Connection.Handler() {
                @Override
                public void onOpen() {
                    client.send("[\"connect\",5,\"carol:c1:tab\",0]");
                }

                @Override
                public void onFrame(String frame) {
                    toClient.add(frame);
                }

                @Override
                public void onClose(String reason) {
                    toClient.add("closed: " + reason);
                }
            });
            loop.runAll();
            assertTrue(toClient.stream().anyMatch(f -> f.startsWith("[\"connected\"")), toClient.toString());
            StringBuilder sync = new StringBuilder("[\"sync\",20");
            for (int i = 0; i < 20; i++) {
                sync.append(",{\"type\":\"c/").append(i).append("\"},{\"id\":\"").append(1_000 + i)
                    .append(" carol:c1:tab 0\",\"time\":").append(1_000 + i).append('}');
            }
            client.send(sync.append(']').toString());
            loop.runAll();
            assertTrue(toClient.stream().anyMatch(f -> f.startsWith("[\"synced\",20")), toClient.toString());
            loop.advance(3_000); // retention's periods pass; bob is not there
            assertEquals(20, alice.log().size(), "nothing a client of alice added is cleaned before a peer has it");
            try (MeshNode bob = start("bob", NodeConfig.builder())) {
                for (int i = 0; i < 60 && bob.log().size() < 20; i++) {
                    loop.advance(1_000);
                }
                assertEquals(20, bob.log().size(), "bob got every action carol added at alice");
                loop.advance(2_000);
                assertEquals(5, alice.log().size());
            }
        }
    }

    /**
     * A relay's retention keeps an entry until each connected mesh peer's session has read it (sent it, announced it
     * or skipped it as the peer's own): before (break47, a chain A -> B -> C with {@code --no-overlay} and B {@code
     * --keep-for 3s}), B cleaned actions that reached it old before its session with C sent them, and C, connected all
     * along, ended with 389 of 400 and its cursor for B at 400. Here carol's link to bob is slow (2 s each way), so
     * bob's pump to her waits for her answers while its retention runs every second.
     */
    @Test
    void aRelayKeepsWhatItsConnectedPeersHaveNotBeenSentYet() throws Exception {
        try (MeshNode alice = start("alice", NodeConfig.builder().overlay(false));
             MeshNode bob = start("bob", NodeConfig.builder().overlay(false).keepLast(5), "alice")) {
            loop.advance(1_000);
            net.latency(2_000, 2_000); // links made from here on: carol's
            try (MeshNode carol = start("carol", NodeConfig.builder().overlay(false).noListen(), "bob")) {
                loop.advance(10_000); // carol's session with bob: its handshake takes a few of the link's trips
                for (int i = 0; i < 40; i++) {
                    on(alice.add(big("a/" + i)));
                }
                for (int i = 0; i < 120 && carol.log().size() < 40; i++) {
                    loop.advance(1_000);
                }
                assertEquals(40, carol.log().size(), "carol got every action alice made, through bob");
                loop.advance(10_000); // carol acknowledged them all: bob's retention cleans down to 5
                assertEquals(5, bob.log().size());
            }
        }
    }

    /** alice -> bob (a relay that keeps the last 5) -> carol, no overlay; closed from carol back to alice. */
    record Chain(MeshNode alice, MeshNode bob, MeshNode carol) implements AutoCloseable {
        @Override
        public void close() {
            carol.close();
            bob.close();
            alice.close();
        }
    }

    /** A {@link Chain} whose three nodes hold one action alice made ("before"). */
    Chain chain() throws Exception {
        Chain chain = new Chain(start("alice", NodeConfig.builder().overlay(false)),
            start("bob", NodeConfig.builder().overlay(false).keepLast(5), "alice"),
            start("carol", NodeConfig.builder().overlay(false).noListen(), "bob"));
        loop.advance(10_000);
        on(chain.alice().add(big("before")));
        loop.advance(5_000);
        assertEquals(1, chain.carol().log().size(), "carol has what alice made, through bob");
        return chain;
    }

    /**
     * A relay keeps what a peer whose session ended a moment ago has not acknowledged, for
     * {@code MeshNode.LEFT_PEER_GRACE_MILLIS}: before (break48: A -> B -> C, B {@code --memory --keep-last 300}, 8,000
     * actions), C's session with B dropped now and then under load ("no synced for 12635 ms"), B cleaned what C had not
     * had in the gaps, and C ended with 6,925 of 8,000. Past the grace a peer that stays away holds nothing back.
     */
    @Test
    void aRelayKeepsWhatAPeerThatLeftAMomentAgoHasNotAcknowledged() throws Exception {
        try (Chain chain = chain()) {
            MeshNode alice = chain.alice();
            MeshNode bob = chain.bob();
            MeshNode carol = chain.carol();

            net.firewall().partition("bob", "carol"); // carol's session with bob ends
            for (int i = 0; i < 40; i++) {
                on(alice.add(big("a/" + i)));
            }
            loop.advance(20_000); // bob's retention runs every second meanwhile
            assertEquals(40, bob.log().size(), "bob keeps the 40 that carol, gone 20 s, has not acknowledged (and cleans "
                + "the one she has)");

            net.firewall().heal();
            for (int i = 0; i < 600 && carol.log().size() < 41; i++) {
                loop.advance(1_000);
            }
            assertEquals(41, carol.log().size(), "carol gets every action alice made once she is back");
            loop.advance(10_000);
            assertEquals(5, bob.log().size(), "carol acknowledged them all: bob's retention cleans down to 5");

            net.firewall().partition("bob", "carol"); // now for good
            for (int i = 0; i < 40; i++) {
                on(alice.add(big("b/" + i)));
            }
            loop.advance(MeshNode.LEFT_PEER_GRACE_MILLIS + 10_000);
            assertEquals(5, bob.log().size(), "past the grace, a peer that stays away holds nothing back");
        }
    }

    /**
     * break48b: what a relay sent a peer whose session then ended before it acknowledged (a link that stalled, the
     * session timed out: "no synced for 11957 ms") is kept for that peer's next session. Before, retention counted a
     * connected peer at what the session had sent it ({@code meshPushed}), so the relay cleaned it while the session
     * still stood, and the grace for a peer that left had nothing left to keep (trial: A -> B -> C, B {@code --memory
     * --keep-last 300}, C's link cut for 20 s with 2,000 actions to come: C ended without 1,636 of them).
     */
    @Test
    void aRelayKeepsWhatItSentAPeerWhoseSessionEndedBeforeItAcknowledged() throws Exception {
        try (Chain chain = chain()) {
            MeshNode alice = chain.alice();
            MeshNode bob = chain.bob();
            MeshNode carol = chain.carol();

            // bob's link to carol stalls: what bob sends her arrives after his session with her timed out (sent,
            // never acknowledged on that session)
            var slow = net.firewall().on().from("bob").to("carol").delay(40_000);
            for (int i = 0; i < 40; i++) {
                on(alice.add(big("a/" + i)));
            }
            loop.advance(60_000);
            slow.remove();
            for (int i = 0; i < 600 && carol.log().size() < 41; i++) {
                loop.advance(1_000);
            }
            assertEquals(41, carol.log().size(), "carol gets every action alice made once her link works again (bob holds "
                + bob.log().size() + ")");
        }
    }

    @Test
    void retentionByAgeCleansEntriesOlderThanKeepFor() throws Exception {
        try (MeshNode bob = start("bob", NodeConfig.builder().keepFor(Duration.ofMinutes(10)))) {
            on(bob.add(Action.ofType("old")));
            loop.advance(5 * 60_000);
            on(bob.add(Action.ofType("young")));
            loop.advance(6 * 60_000); // "old" is 11 minutes old, "young" 6
            assertEquals(List.of("young"), on(bob.entries()).stream().map(e -> e.action().type()).toList());
        }
    }

    @Test
    void retentionPacesItsCleaningAcrossLoopTurns() throws Exception {
        try (MeshNode bob = start("bob", NodeConfig.builder().keepLast(10).keepReason("mesh"))) {
            // 2,500 entries added in one call: retention cleans at most RETENTION_BATCH a turn
            List<Action> many = new ArrayList<>();
            for (int i = 0; i < 2_500; i++) {
                many.add(Action.ofType("n/" + i));
            }
            List<CompletableFuture<Meta>> fs = new ArrayList<>();
            for (Action a : many) {
                fs.add(bob.add(a));
            }
            loop.runAll();
            fs.forEach(CompletableFuture::join);
            // a task queued at the first clean runs between the first batch and the next one
            long[] sizeBetween = {-1};
            bob.log().onClean(e -> {
                if (sizeBetween[0] == -1) {
                    sizeBetween[0] = -2;
                    loop.schedule(0, () -> sizeBetween[0] = bob.log().size());
                }
            });
            loop.advance(1_000);
            loop.runAll();
            assertEquals(10, bob.log().size());
            assertEquals(2_500 - NodeConfig.RETENTION_BATCH, sizeBetween[0], "one batch cleaned, then other tasks ran");
        }
    }

    @Test
    void anEntryCleanedByRetentionAndReceivedAgainIsNotAppliedTwiceAndReconciliationConverges() throws Exception {
        net.recordEntries();
        try (MeshNode bob = start("bob", NodeConfig.builder());
             MeshNode alice = start("alice", NodeConfig.builder().keepLast(2), "bob")) {
            List<ActionId> aliceApplied = new ArrayList<>();
            alice.subscribe(e -> true, e -> aliceApplied.add(e.id()));
            loop.advance(1_000);
            Meta x = on(bob.add(Action.ofType("x")));
            loop.advance(1_000);
            assertEquals(List.of(x.id()), aliceApplied, "alice has x");

            // alice adds three of her own: x is beyond her newest 2 and cleaned, its id still seen
            for (int i = 0; i < 3; i++) {
                on(alice.add(Action.ofType("a/" + i)));
            }
            loop.advance(2_000);
            assertTrue(on(alice.byId(x.id())).isEmpty(), "x cleaned on alice");
            assertTrue(alice.log().store().seen(x.id()), "its id still seen");

            // carol, new, holds x (from bob) and sends it to alice: not applied again; reconciliation between the
            // two (carol holds x, alice has seen it) finds nothing to pull
            try (MeshNode carol = start("carol", NodeConfig.builder().noListen(), "bob", "alice")) {
                loop.advance(5_000);
                assertTrue(on(carol.byId(x.id())).isPresent(), "carol holds x");
                loop.advance(120_000); // periodic reconciliation rounds
                assertTrue(net.delivered("carol", "alice", x.id()) || net.delivered("bob", "alice", x.id()),
                    "x reached alice again");
                assertEquals(1, aliceApplied.stream().filter(x.id()::equals).count(), "x applied once on alice: "
                    + aliceApplied);
                assertTrue(on(alice.byId(x.id())).isEmpty(), "not re-added: " + on(alice.entries()));
                assertEquals(2, alice.log().size(), "alice keeps her newest 2");
            }
        }
    }

    /**
     * A keep for that makes no sense is refused with the value and the rule; a short one that is legal is said at
     * start. Before (session 43), {@code keepFor(Duration.ofMillis(1))} was taken without a word (the node cleaned
     * everything at its next run), and a negative one said only "must be 0 (for ever) or more, got PT-5M".
     */
    @Test
    void aKeepForThatKeepsNothingIsRefusedAndAShortOneIsSaidAtStart() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().keepFor(Duration.ofMillis(1)).build());
        assertEquals("keep for (keepFor, --keep-for) 1ms is shorter than 1s, retention's period: every entry would "
            + "be cleaned at the next run, within a second of its arrival, which keeps nothing; give 1s or more (1m "
            + "or more so that a peer away for a moment gets what it missed from this node), or 0 to keep entries for "
            + "ever", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().keepFor(Duration.ofMinutes(-5)).build());
        assertEquals("keep for (keepFor, --keep-for) -5m is negative: give how long to keep entries, from 1s to "
            + "less than the seen horizon (seenHorizon, --seen-horizon) 30d, or 0 to keep them for ever", e.getMessage());
        assertEquals(Duration.ofSeconds(1), NodeConfig.builder().keepFor(Duration.ofSeconds(1)).build().keepFor());

        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).keepFor(Duration.ofSeconds(10)).build(), List.of(said))) {
            loop.runAll();
            assertEquals(Duration.ofSeconds(10), bob.config().keepFor());
            assertEquals(List.of("keep for (keepFor, --keep-for) 10s is short: this node cleans an action 10s after "
                + "its origin made it (by the origin's clock), so one that arrives later (from a peer that was away, or "
                + "whose clock is behind this node's by more) is cleaned within a second of arriving, and a peer away "
                + "longer than 10s gets the older actions from other nodes only; give 1m or more unless that is "
                + "what you want"), said.warnings);
            assertEquals(List.of(), said.errors, "a legal keep for is a warning, not an error");
        }
        try (MeshNode carol = MeshNode.start(NodeConfig.builder().name("carol").mdns(false).loop(loop)
            .transport(net.transport("carol")).keepFor(Duration.ofMinutes(1)).build(), List.of(said))) {
            loop.runAll();
            assertEquals(Duration.ofMinutes(1), carol.config().keepFor());
            assertEquals(1, said.warnings.size(), "1 min is not short: " + said.warnings);
        }
    }

    /**
     * A keep last that the memory budget cannot hold is said once, when the log is first full below it, with numbers
     * and both settings; one that cannot fit even of the smallest actions is said at start. Before (session 43) only
     * "the memory store is full" was said, naming neither keep last nor a size that would do.
     */
    @Test
    void aKeepLastTooLargeForTheMemoryLimitIsSaidOnceWithNumbers() throws Exception {
        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).memoryLimit(40_000).keepLast(100).build(), List.of(said))) {
            loop.runAll();
            assertEquals(List.of(), said.errors, "100 small actions would fit: nothing said at start");
            for (int i = 0; i < 40; i++) {
                bob.add(big("b/" + i));
                loop.runAll();
            }
            long held = bob.log().size();
            List<String> advice = said.errors.stream().filter(m -> m.contains("--keep-last")).toList();
            assertEquals(1, advice.size(), "said once: " + said.errors);
            long per = ((MemoryStore) bob.log().store()).heldBytes() / held;
            assertEquals("the log is full at " + held + " actions (the memory store's 39.1 KiB budget, about " + per
                + " bytes an action), so it cannot hold the 100 that keep last (keepLast, --keep-last) keeps and one "
                + "more being added; adds are refused while it is full: raise the memory limit (memoryLimit, "
                + "--memory-limit) to about " + MeshNode.sizeOption(per * 101) + " for 100 such actions, or lower keep "
                + "last to at most " + (40_000 / per - 1) + "; each takes effect at a restart, and a memory node "
                + "restarts with an empty log: its peers send it back what they hold, but its actions that no peer has "
                + "acknowledged yet are lost (logmesh peers shows, per peer, how many are not acknowledged)",
                advice.get(0));
        }
        said.errors.clear();
        try (MeshNode carol = MeshNode.start(NodeConfig.builder().name("carol").mdns(false).loop(loop)
            .transport(net.transport("carol")).memoryLimit(40_000).keepLast(1_000).build(), List.of(said))) {
            loop.runAll();
            assertEquals(List.of("keep last (keepLast, --keep-last) 1000 cannot be held in the memory limit (memoryLimit, "
                + "--memory-limit) 39.1 KiB: an action takes at least 347 bytes of it, so it holds at most 115 of the "
                + "smallest actions, and adds are refused once it is full until retention can clean; raise the memory "
                + "limit to at least 339k for 1000 such actions (more for larger ones), or lower keep last to at most "
                + "115"), said.errors);
            for (int i = 0; i < 40; i++) {
                carol.add(big("c/" + i));
                loop.runAll();
            }
            assertEquals(1, said.errors.stream().filter(m -> m.contains("--keep-last")).count(), "said at start only: "
                + said.errors);
        }
    }

    /**
     * A memory node whose keep last fits in its budget but that is sent a catch-up batch larger than the room left is
     * not told to change keep last or the memory limit. Before (break48: A -> B -> C, B {@code --memory
     * --memory-limit 300k --keep-last 300}, A holding 20,000 actions of about 150 bytes) B said "the log is full at 300
     * actions (..., about 464 bytes an action), so it cannot hold the 300 that keep last ... keeps ...: raise the
     * memory limit to about 139k for 300 such actions, or lower keep last to at most 656": a limit below the one it
     * had, and a keep last above the one it had.
     */
    @Test
    void aBatchLargerThanTheRoomLeftIsNoAdviceToChangeKeepLast() throws Exception {
        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode alice = start("alice", NodeConfig.builder().overlay(false))) {
            for (int i = 0; i < 2_000; i++) {
                on(alice.add(Action.parse("{\"type\":\"pre\",\"i\":" + i + ",\"p\":\"" + "q".repeat(100) + "\"}")));
            }
            try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
                .transport(net.transport("bob")).overlay(false).peer(LocalNetwork.url("alice"))
                .memoryLimit(300_000).keepLast(300).build(), List.of(said))) {
                for (int i = 0; i < 60; i++) {
                    loop.advance(1_000);
                }
                assertTrue(said.errors.stream().anyMatch(m -> m.contains("no room for a batch")) && bob.log().size() > 0,
                    "a batch larger than the room left was refused: " + said.errors);
                List<String> advice = said.errors.stream().filter(m -> m.contains("--keep-last")).toList();
                assertEquals(List.of(), advice, "300 such actions fit in 300k: no advice to change keep last");
            }
        }
    }

    /**
     * A memory node whose budget the ids of cleaned actions fill (96 bytes each, kept for the seen horizon) is told
     * that, not to lower its keep last. Before (break44: {@code --memory --memory-limit 40k --keep-last 5}, 1,000
     * small actions on stdin, line 411 refused) it said "the log is full at 5 actions ..., before it holds the 5 that
     * keep last keeps ...: raise the memory limit to about 40k ..., or lower keep last to at most 4".
     */
    @Test
    void aMemoryBudgetFilledByTheIdsOfCleanedActionsIsSaidSo() throws Exception {
        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).memoryLimit(40_000).keepLast(5).build(), List.of(said))) {
            for (int i = 0; i < 600 && bob.health().writable(); i++) {
                bob.add(Action.ofType("s/" + i));
                loop.runAll();
            }
            List<String> advice = said.errors.stream().filter(m -> m.startsWith("the log is full")).toList();
            assertEquals(1, advice.size(), "said once: " + said.errors);
            assertTrue(advice.get(0).contains(" cleaned actions take ") && advice.get(0).contains("remembers them for "
                + "30d") && advice.get(0).contains("--data DIR") && !advice.get(0).contains("lower keep last")
                && advice.get(0).contains("a memory node restarts with an empty log"),
                advice.get(0));
        }
    }

    @Test
    void aShortSeenHorizonFreesAMemoryBudgetFilledByTheIdsOfCleanedActionsSoonAfterIt() throws Exception {
        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).memoryLimit(40_000).keepLast(5).seenHorizon(Duration.ofMinutes(1))
            .build(), List.of(said))) {
            loop.advance(MeshNode.SWEEP_FIRST_MILLIS + 1_000); // the first sweep is past: nothing to forget yet
            int added = 0;
            for (; added < 600 && bob.health().writable(); added++) {
                bob.add(Action.ofType("s/" + added));
                loop.runAll();
            }
            assertTrue(!bob.health().writable() && added < 600, "the ids of cleaned actions filled the budget: " + added);
            // the horizon (1 min) passes, and the sweep after it (half the horizon later at most)
            for (int i = 0; i < 100 && !bob.health().writable(); i++) {
                loop.advance(1_000);
            }
            assertTrue(bob.health().writable(), "writable again within 100 s of a 1 min horizon: " + bob.health());
            bob.add(Action.ofType("after"));
            loop.runAll();
            assertTrue(bob.health().writable(), "an add after the ids were forgotten: " + bob.health());
        }
    }

    /**
     * A node that starts with the ids of actions it cleaned long ago (older than its seen horizon) forgets them at
     * start, not 5 min later: its first sweep waited {@code SWEEP_FIRST_MILLIS} for peers to vouch for its clock
     * (session 44), though the sweep counts from a time the node vouches for itself ({@code HorizonClock}), so a
     * memory node those ids filled stayed full that long.
     */
    @Test
    void idsOlderThanTheSeenHorizonAreForgottenAtStart() throws Exception {
        MemoryStore store = new MemoryStore();
        ActionId old = ActionId.of(loop.now() - Duration.ofMinutes(2).toMillis(), "gone:g:1", 0);
        store.add(List.of(new Entry(Action.ofType("old"), Meta.of(old, old.ms(), List.of("r")))));
        store.removeReason("r", Criteria.ALL);
        assertTrue(store.seen(old) && !store.has(old), "cleaned, still seen");
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).store(store).seenHorizon(Duration.ofMinutes(1)).build())) {
            loop.advance(1_000);
            assertEquals(Duration.ofMinutes(1), bob.config().seenHorizon());
            assertTrue(!store.seen(old), "the id older than the seen horizon (1 min) is forgotten within 1 s of the "
                + "start");
        }
    }

    /**
     * At the least seen horizon the command line takes (1 min), the memory advice offers what can be followed: a
     * larger memory limit or a store on disk. Before (session 44) it said "remember them for less" there too.
     */
    @Test
    void theMemoryAdviceAtTheLeastSeenHorizonCanBeFollowed() throws Exception {
        StoreFailureNodeTest.Said said = new StoreFailureNodeTest.Said();
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).memoryLimit(40_000).keepLast(5).seenHorizon(Duration.ofMinutes(1))
            .build(), List.of(said))) {
            for (int i = 0; i < 600 && bob.health().writable(); i++) {
                bob.add(Action.ofType("s/" + i));
                loop.runAll();
            }
            List<String> advice = said.errors.stream().filter(m -> m.startsWith("the log is full")).toList();
            assertEquals(1, advice.size(), "said once: " + said.errors);
            assertTrue(!advice.get(0).contains("remember them for less") && advice.get(0).contains("--memory-limit")
                && advice.get(0).contains("--data DIR"), advice.get(0));
        }
    }

    @Test
    void badRetentionSettingsAreRefusedWithWhatToDo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().keepLast(-1).build());
        assertTrue(e.getMessage().contains("keep last"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().keepFor(Duration.ofDays(30)).build());
        // with the remedy, in the option's syntax (before, session 44: "... 30 d must be shorter than the seen
        // horizon (seenHorizon, --seen-horizon) 30 d: how long ...", and no word of what to give)
        assertTrue(e.getMessage().contains("must be shorter than the seen horizon (seenHorizon, --seen-horizon) 30d")
            && e.getMessage().contains("give a longer seen horizon (--seen-horizon 60d, seenHorizon)"), e.getMessage());
        // at the command line's longest seen horizon there is no longer one to give: the advice is the one that can
        // be followed (before, break45: "give a longer seen horizon (--seen-horizon 36500d, seenHorizon)")
        Duration most = Duration.ofDays(36_500);
        e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().keepFor(most).seenHorizon(most).build());
        assertTrue(!e.getMessage().contains("longer seen horizon (--seen-horizon")
            && e.getMessage().contains("keep entries for less than 36500d"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().keepLast(5).keepReason(null).build());
        assertTrue(e.getMessage().contains("has none"), e.getMessage());
    }
}
