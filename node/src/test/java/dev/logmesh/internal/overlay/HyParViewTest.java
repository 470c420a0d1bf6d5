package dev.logmesh.internal.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.internal.overlay.HpvMessage.Disconnect;
import dev.logmesh.internal.overlay.HpvMessage.ForwardJoin;
import dev.logmesh.internal.overlay.HpvMessage.Join;
import dev.logmesh.internal.overlay.HpvMessage.Neighbor;
import dev.logmesh.internal.overlay.HpvMessage.NeighborReply;
import dev.logmesh.internal.overlay.HpvMessage.Priority;
import dev.logmesh.internal.overlay.HpvMessage.Shuffle;
import dev.logmesh.internal.overlay.HpvMessage.ShuffleReply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One {@link HyParView} between fakes: feed it inputs, call its tick directly, assert exactly what it asked
 * its host to do (messages as their wire JSON, connects, disconnects, active view changes). Each test names the
 * rule of the paper (DSN 2007) it checks.
 */
class HyParViewTest {
    /** Records every call to the host, in order. */
    static final class Host implements Sender, OverlayListener {
        final List<String> calls = new ArrayList<>();

        @Override
        public void send(String to, HpvMessage message) {
            calls.add("send " + to + " " + message.toJson());
        }

        @Override
        public void connect(String to, String address) {
            calls.add("connect " + to + " " + address);
        }

        @Override
        public void disconnect(String to) {
            calls.add("disconnect " + to);
        }

        @Override
        public void activeAdded(String peer) {
            calls.add("+active " + peer);
        }

        @Override
        public void activeRemoved(String peer) {
            calls.add("-active " + peer);
        }

        @Override
        public void boundReached(Bound bound, String detail) {
            calls.add("bound " + bound);
        }

        List<String> take() {
            List<String> out = List.copyOf(calls);
            calls.clear();
            return out;
        }
    }

    private final Host host = new Host();
    private HyParView hpv = node(OverlayConfig.DEFAULTS);

    private HyParView node(OverlayConfig config) {
        return new HyParView(new PeerInfo("a", addr("a")), config, host, new Random(42), host);
    }

    private static String addr(String id) {
        return "ws://" + id;
    }

    @AfterEach
    void nothingUnasserted() {
        assertEquals(List.of(), host.calls, "calls left unasserted");
    }

    /** Makes {@code peers} active: each opens a session and asks with high priority. */
    private void active(String... peers) {
        for (String p : peers) {
            hpv.sessionOpened(p);
            hpv.receive(p, new Neighbor(Priority.HIGH, addr(p)));
        }
        host.take();
    }

    /** Puts {@code peers} into the passive view (shuffle replies after shuffles; needs an active peer). */
    private void passive(String... peers) {
        for (int i = 0; i < peers.length; i += 8) {
            List<PeerInfo> list = new ArrayList<>();
            for (int j = i; j < Math.min(peers.length, i + 8); j++) {
                list.add(new PeerInfo(peers[j], addr(peers[j])));
            }
            hpv.shuffle();
            hpv.receive("z", new ShuffleReply(list));
        }
        host.take();
    }

    private Set<String> activeIds() {
        return hpv.activeView().stream().map(PeerInfo::id).collect(Collectors.toSet());
    }

    private Set<String> passiveIds() {
        return hpv.passiveView().stream().map(PeerInfo::id).collect(Collectors.toSet());
    }

    private static String json(HpvMessage m) {
        return m.toJson().toString();
    }

    @Test
    void aNewNodeJoinsThroughADiscoveredContact() {
        // §4.2: a new node sends JOIN to a contact; the contact answers and both are active
        assertEquals(Admission.ADMITTED, hpv.candidate("c", addr("c")));
        assertEquals(List.of("connect c ws://c"), host.take());
        hpv.sessionOpened("c");
        assertEquals(List.of("send c " + json(new Join("ws://a"))), host.take());
        hpv.receive("c", new NeighborReply(true));
        assertEquals(List.of("+active c"), host.take());
        assertEquals(Set.of("c"), activeIds());
        assertEquals(Admission.KNOWN, hpv.candidate("c", addr("c")));
        assertEquals(Admission.SELF, hpv.candidate("a", addr("a")));
    }

    @Test
    void theContactAddsTheJoinerAndStartsAForwardJoinWalkOnEachOtherLink() {
        // §4.2: the contact adds the joiner and sends FORWARD_JOIN(joiner, ARWL) to every other active peer
        active("b", "d");
        hpv.sessionOpened("j");
        hpv.receive("j", new Join(addr("j")));
        String fj = json(new ForwardJoin(new PeerInfo("j", addr("j")), 6));
        assertEquals(List.of("+active j", "send j " + json(new NeighborReply(true)), "send b " + fj, "send d " + fj),
            host.take());
    }

    @Test
    void aFullContactDropsARandomPeerForTheJoiner() {
        // §4.2: "if the active view is full, a random node is dropped" with DISCONNECT; it becomes passive
        active("b", "c", "d", "e", "f");
        hpv.sessionOpened("j");
        hpv.receive("j", new Join(addr("j")));
        List<String> calls = host.take();
        String victim = calls.get(0).substring("-active ".length());
        assertEquals(List.of("-active " + victim, "send " + victim + " " + json(new Disconnect(false)),
            "disconnect " + victim, "+active j", "send j " + json(new NeighborReply(true))), calls.subList(0, 5));
        assertEquals(4, calls.size() - 5, "a FORWARD_JOIN to each of the 4 other active peers");
        assertEquals(5, activeIds().size());
        assertTrue(passiveIds().contains(victim));
    }

    @Test
    void aForwardJoinWalkEndsAtTtlZeroWhereTheJoinerIsDialledWithHighPriority() {
        // §4.2: TTL = 0: add the joiner to the active view (here: dial it, it must accept)
        active("b", "c");
        hpv.receive("b", new ForwardJoin(new PeerInfo("j", addr("j")), 0));
        assertEquals(List.of("connect j ws://j"), host.take());
        hpv.sessionOpened("j");
        assertEquals(List.of("send j " + json(new Neighbor(Priority.HIGH, "ws://a"))), host.take());
        hpv.receive("j", new NeighborReply(true));
        assertEquals(List.of("+active j"), host.take());
    }

    @Test
    void aForwardJoinWalkEndsAtANodeWithASingleActivePeer() {
        // §4.2: "or #activeView = 1"
        active("b");
        hpv.receive("b", new ForwardJoin(new PeerInfo("j", addr("j")), 4));
        assertEquals(List.of("connect j ws://j"), host.take());
    }

    @Test
    void aForwardJoinAtPrwlLeavesTheJoinerInThePassiveViewAndWalksOn() {
        // §4.2: TTL = PRWL: add the joiner to the passive view; forward to a random active peer but the sender
        active("b", "c");
        hpv.receive("b", new ForwardJoin(new PeerInfo("j", addr("j")), 3));
        assertEquals(List.of("send c " + json(new ForwardJoin(new PeerInfo("j", addr("j")), 2))), host.take());
        assertEquals(Set.of("j"), passiveIds());
        hpv.receive("c", new ForwardJoin(new PeerInfo("k", addr("k")), 5));
        assertEquals(List.of("send b " + json(new ForwardJoin(new PeerInfo("k", addr("k")), 4))), host.take());
        assertFalse(passiveIds().contains("k"));
    }

    @Test
    void aLowPriorityNeighborRequestIsRefusedWhenFull() {
        // §4.3: low priority is accepted only with a free slot; the requester still is a good passive peer
        active("b", "c", "d", "e", "f");
        hpv.sessionOpened("q");
        hpv.receive("q", new Neighbor(Priority.LOW, addr("q")));
        assertEquals(List.of("send q " + json(new NeighborReply(false)), "disconnect q"), host.take());
        assertTrue(passiveIds().contains("q"));
        assertEquals(1, hpv.stats().refusals());
    }

    @Test
    void aLowPriorityNeighborRequestIsAcceptedWithAFreeSlot() {
        active("b");
        hpv.sessionOpened("q");
        hpv.receive("q", new Neighbor(Priority.LOW, addr("q")));
        assertEquals(List.of("+active q", "send q " + json(new NeighborReply(true))), host.take());
    }

    @Test
    void aHighPriorityNeighborRequestIsAcceptedEvenWhenFull() {
        // §4.3: high priority (the requester has no active peer) is always accepted, dropping a random peer
        active("b", "c", "d", "e", "f");
        hpv.sessionOpened("q");
        hpv.receive("q", new Neighbor(Priority.HIGH, addr("q")));
        List<String> calls = host.take();
        // the reply names the peer dropped for q (logmesh): a full requester tells the one it drops to try it
        String victim = calls.get(0).substring("-active ".length());
        assertEquals(List.of("+active q", "send q " + json(new NeighborReply(true, new PeerInfo(victim, addr(victim))))),
            calls.subList(3, 5));
        assertTrue(activeIds().contains("q"));
        assertEquals(5, activeIds().size());
    }

    /**
     * A full node's rotation (session 38): it asks a passive peer with high priority, which drops a peer c for it,
     * and once accepted it drops one of its own, d. Before, c and d were each left with a free slot; as full nodes
     * accept only high priority, which moves the free slot to the peer they drop, the two wandered the mesh (a link
     * changed and refused sessions opened at each step) until they met: an idle mesh of 100 nodes in the overlay
     * simulation changed 5.9 links and sent 8.5 neighbor requests a rotation, and 10.5% of its nodes were below the
     * target at any time (OverlaySimulationTest.anIdleOverlayChangesFewLinksBeyondItsRotations; now 4.9, 5.1, 4.4%).
     * Now the reply names c, and d is told to try c, which accepts it with its free slot.
     */
    @Test
    void aRotationsTwoDroppedPeersAreToldOfEachOther() {
        hpv = node(OverlayConfig.builder().rotatePeriodTicks(2).build());
        active("b", "c", "d", "e", "f");
        passive("q");
        List<String> calls = List.of();
        for (int i = 0; i < 10 && !calls.contains("connect q ws://q"); i++) {
            hpv.tick();
            calls = host.take();
        }
        assertTrue(calls.contains("connect q ws://q"), "rotates to q: " + calls);
        hpv.sessionOpened("q");
        assertEquals(List.of("send q " + json(new Neighbor(Priority.HIGH, addr("a")))), host.take());
        // q accepted, dropping its own peer x for this node
        hpv.receive("q", new NeighborReply(true, new PeerInfo("x", addr("x"))));
        calls = host.take();
        String victim = calls.get(0).substring("-active ".length());
        assertEquals(List.of("-active " + victim,
            "send " + victim + " " + json(new Disconnect(false, new PeerInfo("x", addr("x")))),
            "disconnect " + victim, "+active q"), calls, "the peer this node drops is told to try x");
    }

    @Test
    void aPeerDroppedWithAnotherToTryAsksThatOneFirst() {
        active("b", "c", "d", "e", "f");
        hpv.sessionOpened("b");
        host.take();
        hpv.receive("b", new Disconnect(false, new PeerInfo("x", addr("x"))));
        List<String> calls = host.take();
        assertTrue(calls.contains("connect x " + addr("x")), "dials the peer it was told to try: " + calls);
        hpv.sessionOpened("x");
        assertEquals(List.of("send x " + json(new Neighbor(Priority.LOW, addr("a")))), host.take());
        hpv.receive("x", new NeighborReply(true));
        assertEquals(List.of("+active x"), host.take());
        assertTrue(activeIds().contains("x") && activeIds().size() == 5, activeIds().toString());
    }

    @Test
    void aDisconnectMovesThePeerToThePassiveViewAndTheSlotIsRefilled() {
        // §4.2: DISCONNECT: remove from the active view, add to the passive view; then refill (§4.3)
        active("b", "c");
        passive("x");
        hpv.receive("b", new Disconnect(false));
        assertEquals(List.of("-active b", "disconnect b", "connect x ws://x"), host.take());
        assertTrue(passiveIds().contains("b"));
        hpv.sessionOpened("x");
        assertEquals(List.of("send x " + json(new Neighbor(Priority.LOW, "ws://a"))), host.take());
        hpv.receive("b", new Disconnect(true));
        assertEquals(1, hpv.stats().dropped(), "b's session is closing: its messages are moot");
    }

    @Test
    void aLeavingPeerIsForgotten() {
        active("b", "c");
        hpv.receive("b", new Disconnect(true));
        assertEquals(List.of("-active b", "disconnect b"), host.take());
        assertFalse(passiveIds().contains("b"));
    }

    @Test
    void aFailedActivePeerIsReplacedWithHighPriorityWhenNoneIsLeft() {
        // §4.3: on failure, promote a passive peer: NEIGHBOR with high priority if the active view is empty
        active("b");
        passive("x");
        hpv.sessionClosed("b");
        assertEquals(List.of("-active b", "connect x ws://x"), host.take());
        assertFalse(passiveIds().contains("b"), "a failed peer is not kept");
        hpv.sessionOpened("x");
        assertEquals(List.of("send x " + json(new Neighbor(Priority.HIGH, "ws://a"))), host.take());
        hpv.receive("x", new NeighborReply(true));
        assertEquals(List.of("+active x"), host.take());
    }

    @Test
    void aFailedDialRemovesThePeerAndBacksItOff() {
        // §4.3: "if the connection fails, the node is removed from the passive view and another one is tried"
        hpv.candidate("x", addr("x"));
        assertEquals(List.of("connect x ws://x"), host.take());
        hpv.sessionClosed("x");
        assertEquals(List.of(), passiveIds().stream().toList());
        assertEquals(Admission.BACKED_OFF, hpv.candidate("x", addr("x")));
        hpv.tick();
        assertEquals(Admission.BACKED_OFF, hpv.candidate("x", addr("x")));
        hpv.tick();
        assertEquals(Admission.ADMITTED, hpv.candidate("x", addr("x")), "back-off of 2 ticks after 1 failure");
        assertEquals(List.of("connect x ws://x"), host.take());
        hpv.sessionClosed("x");
        for (int i = 0; i < 3; i++) {
            hpv.tick();
            assertEquals(Admission.BACKED_OFF, hpv.candidate("x", addr("x")), "4 ticks after 2 failures");
        }
        hpv.tick();
        assertEquals(Admission.ADMITTED, hpv.candidate("x", addr("x")));
        host.take();
    }

    @Test
    void aDialWithoutAnswerTimesOut() {
        hpv.candidate("x", addr("x"));
        host.take();
        for (int i = 0; i < OverlayConfig.DEFAULT_REQUEST_TIMEOUT_TICKS - 1; i++) {
            hpv.tick();
        }
        assertEquals(List.of(), host.take());
        hpv.tick();
        assertEquals(List.of("disconnect x"), host.take());
        hpv.sessionClosed("x");
        assertEquals(1, hpv.stats().dialFailures());
        assertEquals(List.of(), host.take(), "no other candidate to try");
    }

    @Test
    void aSessionThatAsksNothingIsClosedAfterTheTimeout() {
        hpv.sessionOpened("p");
        for (int i = 0; i < OverlayConfig.DEFAULT_REQUEST_TIMEOUT_TICKS; i++) {
            assertEquals(List.of(), host.take());
            hpv.tick();
        }
        assertEquals(List.of("disconnect p"), host.take());
        hpv.sessionClosed("p");
        assertEquals(0, hpv.stats().sessions());
    }

    @Test
    void sessionsOutsideTheActiveViewAreBoundedAndTheBoundIsReportedOnce() {
        for (int i = 0; i < OverlayConfig.DEFAULT_MAX_PENDING_SESSIONS; i++) {
            hpv.sessionOpened("p" + i);
        }
        assertEquals(List.of(), host.take());
        hpv.sessionOpened("q1");
        hpv.sessionOpened("q2");
        assertEquals(List.of("bound PENDING_SESSIONS", "disconnect q1", "disconnect q2"), host.take());
    }

    @Test
    void messagesFromPeersWithoutASessionAreDropped() {
        hpv.receive("b", new Join(addr("b")));
        hpv.receive("b", new ShuffleReply(List.of(new PeerInfo("x", addr("x")))));
        assertEquals(2, hpv.stats().dropped());
        assertEquals(Set.of(), passiveIds());
    }

    @Test
    void aShuffleSendsThisNodeKaActiveAndKpPassivePeersOnAWalk() {
        // §4.4: the list holds the node itself, ka active and kp passive peers, sent with TTL to an active peer
        active("b", "c", "d", "e");
        passive("p1", "p2", "p3", "p4", "p5", "p6");
        hpv.shuffle();
        List<String> calls = host.take();
        assertEquals(1, calls.size());
        String call = calls.get(0);
        String to = call.split(" ", -1)[1];
        Shuffle sent = (Shuffle) HpvMessage.fromJson(parse(call.substring(call.indexOf('{'))));
        assertEquals(new PeerInfo("a", "ws://a"), sent.origin());
        assertEquals(6, sent.ttl());
        Set<String> ids = sent.peers().stream().map(PeerInfo::id).collect(Collectors.toSet());
        assertEquals(7, ids.size());
        assertFalse(ids.contains(to));
        Set<String> actives = new HashSet<>(ids);
        actives.retainAll(Set.of("b", "c", "d", "e"));
        assertEquals(3, actives.size());
    }

    private static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aShuffleWalksOnWhileTtlIsLeftAndTheNodeHasOtherPeers() {
        // §4.4: forwarded to a random active peer other than the sender (and the origin)
        active("b", "c", "o");
        Shuffle s = new Shuffle(new PeerInfo("o", addr("o")), 3, List.of(new PeerInfo("x", addr("x"))));
        hpv.receive("b", s);
        assertEquals(List.of("send c " + json(new Shuffle(s.origin(), 2, s.peers()))), host.take());
    }

    @Test
    void whereAShuffleStopsTheNodeRepliesToTheOriginAndMergesTheSample() {
        // §4.4: TTL 0: reply with as many passive peers (not the ones received), merge the received ones
        active("b");
        passive("p1");
        Shuffle s = new Shuffle(new PeerInfo("o", addr("o")), 0, List.of(new PeerInfo("x", addr("x"))));
        hpv.receive("b", s);
        assertEquals(List.of("send o " + json(new ShuffleReply(List.of(new PeerInfo("p1", addr("p1")))))),
            host.take());
        assertEquals(Set.of("p1", "o", "x"), passiveIds());
    }

    @Test
    void aShuffleReplyReplacesThePeersSentFirst() {
        // §4.4: when the passive view is full, drop first the peers sent in the shuffle
        active("b");
        List<String> thirty = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            thirty.add("p" + i);
        }
        passive(thirty.toArray(new String[0]));
        assertEquals(30, passiveIds().size());
        hpv.shuffle();
        Shuffle sent = (Shuffle) HpvMessage.fromJson(parse(host.take().get(0).split(" ", 3)[2]));
        Set<String> sentPassive = sent.peers().stream().map(PeerInfo::id).collect(Collectors.toSet());
        assertEquals(4, sentPassive.size());
        hpv.receive("z", new ShuffleReply(List.of(new PeerInfo("n1", "x"), new PeerInfo("n2", "x"),
            new PeerInfo("n3", "x"), new PeerInfo("n4", "x"))));
        Set<String> now = passiveIds();
        assertEquals(30, now.size());
        assertTrue(now.containsAll(Set.of("n1", "n2", "n3", "n4")));
        for (String s : sentPassive) {
            assertFalse(now.contains(s), s + " was sent, so it goes first");
        }
        hpv.receive("z", new ShuffleReply(List.of(new PeerInfo("n5", "x"))));
        assertFalse(passiveIds().contains("n5"), "one reply per shuffle");
    }

    @Test
    void forgedCandidatesCostBoundedMemoryAndNoDials() {
        // 3,000 forged announcements, repeated every tick: the passive view stays bounded, discovery-only
        // peers hold half of it at most, and a node with a full active view dials none of them (rotation aside:
        // it dials one random passive peer per rotation period, here off)
        hpv = node(OverlayConfig.builder().rotatePeriodTicks(0).build());
        active("b", "c", "d", "e", "f");
        List<String> mesh = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            mesh.add("m" + i);
        }
        passive(mesh.toArray(new String[0]));
        host.take();
        int admitted = 0;
        for (int tick = 0; tick < 100; tick++) {
            for (int i = 0; i < 3000; i++) {
                if (hpv.candidate("fake" + i, "ws://10.9." + i / 256 + "." + i % 256) == Admission.ADMITTED) {
                    admitted++;
                }
            }
            hpv.tick();
            assertTrue(passiveIds().size() <= OverlayConfig.DEFAULT_MAX_PASSIVE);
        }
        assertEquals(16 + 99 * 2, admitted, "the burst, then the rate");
        long meshLeft = passiveIds().stream().filter(id -> id.startsWith("m")).count();
        assertTrue(meshLeft >= 15, "mesh-learned peers keep at least half: " + meshLeft);
        List<String> calls = new ArrayList<>(host.take());
        calls.removeIf(c -> c.startsWith("send") && c.contains("\"shuffle\""));
        // each bound reported once, and no dial at all
        assertEquals(Set.of("bound CANDIDATE_RATE", "bound DISCOVERY_SHARE"), new HashSet<>(calls));
        assertEquals(2, calls.size());
        assertTrue(hpv.stats().candidatesDropped() > 290_000);
    }

    @Test
    void aStaticPeerWhoseSessionsEndAtOnceIsBackedOffNotRedialledInALoop() {
        // a new user's trial: a node on a full disk ended each session with its static peer as soon as entries
        // came, and the overlay redialled it at once, ~73 times a second; a connect cleared the back-off
        List<Long> dialTicks = dialTicksOfAStaticPeer(() -> { }); // its sessions end at once, every time
        // back-off 2, 4, 8, 16, 32 ticks: dials at ticks 0, 2, 6, 14, 30
        assertEquals(List.of(0L, 2L, 6L, 14L, 30L), dialTicks);
        assertEquals(5, hpv.stats().dialFailures());
    }

    /**
     * Session 33 (break33): a node with maxActive 1 and two nodes that list it with --peer. Each dialer's high-priority
     * request made it drop the other (DISCONNECT), which dialled again at once: 4,569 sessions in 20 s. A static peer
     * that drops this node is backed off as after a failure. Before: dialled again every tick ("expected: <[0, 2, 6,
     * 14, 30]> but was: <[0, 1, 2, 3, ... 59]>"; at network speed in a real node).
     */
    @Test
    void aStaticPeerThatKeepsDroppingThisNodeIsBackedOffNotRedialledInALoop() {
        // each session: the static peer makes room for another static dialer
        List<Long> dialTicks = dialTicksOfAStaticPeer(() -> hpv.receive("s", new HpvMessage.Disconnect(false)));
        assertEquals(List.of(0L, 2L, 6L, 14L, 30L), dialTicks);
    }

    /**
     * Declares static peer s and answers each of its dials for 60 ticks: the session opens, s accepts, {@code
     * inSession} runs, and the session ends. Returns the ticks of the dials (fails past 100 dials: a redial loop).
     */
    private List<Long> dialTicksOfAStaticPeer(Runnable inSession) {
        hpv.staticPeer("s", addr("s"));
        int dials = 0;
        List<Long> dialTicks = new ArrayList<>();
        for (int t = 0; t < 60; t++) {
            for (String c : host.take()) {
                if (c.equals("connect s ws://s")) {
                    dials++;
                    dialTicks.add((long) t);
                    hpv.sessionOpened("s");
                    hpv.receive("s", new NeighborReply(true));
                    assertTrue(hpv.isActive("s"));
                    inSession.run();
                    hpv.sessionClosed("s");
                    assertTrue(dials < 100, "redialled in a loop: " + dials + " dials in tick " + t);
                }
            }
            hpv.tick();
        }
        return dialTicks;
    }

    @Test
    void aStaticPeerThatStaysHealthyIsRedialledAtOnceAfterShortSessions() {
        hpv.staticPeer("s", addr("s"));
        assertEquals(List.of("connect s ws://s"), host.take());
        hpv.sessionOpened("s");
        hpv.receive("s", new NeighborReply(true));
        hpv.sessionClosed("s"); // short: back-off of 2 ticks
        assertTrue(host.take().stream().noneMatch(c -> c.equals("connect s ws://s")));
        hpv.tick();
        hpv.tick();
        assertTrue(host.take().contains("connect s ws://s"), "after the back-off");
        hpv.sessionOpened("s");
        hpv.receive("s", new NeighborReply(true));
        for (int i = 0; i < OverlayConfig.DEFAULT_HEALTHY_TICKS; i++) {
            hpv.tick();
        }
        host.take();
        hpv.sessionClosed("s"); // a healthy session drops: redialled at once, the back-off cleared
        assertEquals(List.of("-active s", "connect s ws://s"), host.take());
    }

    @Test
    void aStaticPeerIsDialledWithHighPriorityNeverDroppedAndRedialledAfterAFailure() {
        active("b", "c", "d", "e");
        hpv.staticPeer("s", addr("s"));
        assertEquals(List.of("connect s ws://s"), host.take());
        hpv.sessionOpened("s");
        assertEquals(List.of("send s " + json(new Neighbor(Priority.HIGH, "ws://a"))), host.take());
        hpv.receive("s", new NeighborReply(true));
        assertEquals(List.of("+active s"), host.take());
        // many joins: s is never the one dropped
        for (int i = 0; i < 20; i++) {
            hpv.sessionOpened("j" + i);
            hpv.receive("j" + i, new Join(addr("j" + i)));
            assertTrue(hpv.isActive("s"));
        }
        for (int i = 0; i < OverlayConfig.DEFAULT_HEALTHY_TICKS; i++) {
            hpv.tick(); // s's session lasts: healthy
        }
        host.take();
        // s fails: it is redialled at once; the redial fails: back-off
        hpv.sessionClosed("s");
        assertEquals(List.of("-active s", "connect s ws://s"), host.take());
        hpv.sessionClosed("s");
        assertTrue(host.take().stream().noneMatch(c -> c.equals("connect s ws://s")));
        hpv.tick();
        assertTrue(host.take().stream().noneMatch(c -> c.equals("connect s ws://s")));
        hpv.tick();
        assertTrue(host.take().contains("connect s ws://s"), "after the 2-tick back-off");
        assertThrows(IllegalArgumentException.class, () -> hpv.staticPeer("a", addr("a")));
    }

    @Test
    void aStaticPeerWhoseHandshakeSessionStayedOpenIsAdopted() {
        // the host dialled the --peer address itself to learn its node id: it reports the session, then the peer
        hpv.sessionOpened("s");
        hpv.staticPeer("s", addr("s"));
        assertEquals(List.of("send s " + json(new Neighbor(Priority.HIGH, "ws://a"))), host.take());
        hpv.receive("s", new NeighborReply(true));
        assertEquals(List.of("+active s"), host.take());
    }

    @Test
    void staticPeersAreBoundedByMaxActive() {
        hpv = node(OverlayConfig.builder().maxActive(2).maxPassive(10).build());
        hpv.staticPeer("s1", addr("s1"));
        hpv.staticPeer("s2", addr("s2"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> hpv.staticPeer("s3", addr("s3")));
        assertEquals("more static peers than maxActive (2): raise maxActive or list fewer peers", e.getMessage());
        host.take();
    }

    @Test
    void theTargetGrowsWithTheKnownPeersUpToMaxActive() {
        // a mesh of N <= maxActive + 1 nodes is a full mesh; a larger one has degree maxActive
        assertEquals(1, hpv.target());
        for (String p : List.of("x", "p1", "p2")) {
            hpv.candidate(p, addr(p));
        }
        assertEquals(3, hpv.target());
        for (String p : List.of("p3", "p4", "p5", "p6", "p7")) {
            hpv.candidate(p, addr(p));
        }
        assertEquals(5, hpv.target());
        host.take();
    }

    @Test
    void requestsThatCrossAreBothAccepted() {
        // a asks q while q asks a: each accepts the other even with a full view (no double refusal)
        active("b", "c", "d", "e");
        passive("q");
        hpv.tick();
        List<String> calls = host.take();
        assertTrue(calls.contains("connect q ws://q"), calls.toString());
        hpv.sessionOpened("q");
        assertEquals(List.of("send q " + json(new Neighbor(Priority.LOW, "ws://a"))), host.take());
        active("f");
        hpv.receive("q", new Neighbor(Priority.LOW, addr("q")));
        List<String> accepted = host.take();
        assertTrue(accepted.contains("+active q") && accepted.stream().anyMatch(c -> c.startsWith("send q "
            + json(new NeighborReply(true)).replace("}", ""))), accepted.toString());
        hpv.receive("q", new NeighborReply(true));
        assertEquals(List.of(), host.take(), "already active");
        assertEquals(5, activeIds().size());
    }

    @Test
    void aRefusalClosesTheSessionAndSlowsTheNextRefill() {
        active("b");
        passive("q", "r");
        hpv.tick();
        String asked = host.take().stream().filter(c -> c.startsWith("connect")).findFirst().orElseThrow()
            .split(" ", -1)[1];
        hpv.sessionOpened(asked);
        host.take();
        hpv.receive(asked, new NeighborReply(false));
        List<String> after = host.take();
        assertEquals("disconnect " + asked, after.get(0));
        assertEquals(1, after.size(), "no immediate retry after a refusal: " + after);
        assertTrue(passiveIds().contains(asked), "a refusing peer stays passive");
    }

    /**
     * A node below its target whose low-priority requests are refused (every peer it lacks is full: the smaller
     * half of a healed partition) asks with high priority after {@code REFUSALS_BEFORE_HIGH} refusals, then not again
     * for a while. Before (session 32) it asked at low priority for ever, and the halves merged only by a full
     * node's rotation, minutes later on a LAN of 10: failed with "expected: <[low, low, low, low, high, low]> but
     * was: <[low, low, low, low, low, low]>".
     */
    @Test
    void aNodeBelowItsTargetRefusedAtLowPriorityAsksWithHighPriorityThenWaits() {
        active("b");
        passive("q1", "q2", "q3", "q4", "q5", "q6");
        List<String> priorities = new ArrayList<>();
        for (int t = 0; t < 200 && priorities.size() < 6; t++) {
            hpv.tick();
            for (String c : host.take()) {
                if (c.startsWith("connect ")) {
                    String q = c.split(" ", -1)[1];
                    hpv.sessionOpened(q);
                    String sent = host.take().get(0);
                    priorities.add(sent.contains("\"high\"") ? "high" : "low");
                    hpv.receive(q, new NeighborReply(false)); // full
                    host.take();
                }
            }
        }
        // two requests at a time (maxConcurrentDials): the fourth was chosen before the third refusal came
        assertEquals(List.of("low", "low", "low", "low", "high", "low"), priorities,
            "three refusals at low priority, then one high, then low again for a while");
    }

    @Test
    void aPeerThatRefusesAJoinIsBackedOffNotAskedAgainAtOnce() {
        // a's only known peer refuses even a JOIN (its slots all hold static peers): before, a asked it again as
        // soon as the session closed, at network speed (StaticPeerBeyondMaxActiveTest ran out of memory)
        assertEquals(Admission.ADMITTED, hpv.candidate("q", addr("q")));
        assertEquals(List.of("connect q ws://q"), host.take());
        hpv.sessionOpened("q");
        assertEquals(List.of("send q " + json(new Join(addr("a")))), host.take());
        hpv.receive("q", new NeighborReply(false));
        assertEquals(List.of("disconnect q"), host.take());
        hpv.sessionClosed("q");
        assertEquals(List.of(), host.take(), "no immediate retry after a refused JOIN");
        hpv.tick();
        assertEquals(List.of(), host.take(), "backed off");
        for (int i = 0; i < OverlayConfig.DEFAULT_BACKOFF_BASE_TICKS; i++) {
            hpv.tick();
        }
        assertEquals(List.of("connect q ws://q"), host.take(), "asked again once the back-off is over");
    }

    @Test
    void leavingTellsTheActivePeersAndClosesEverything() {
        active("b", "c");
        hpv.sessionOpened("p");
        hpv.leave();
        String bye = json(new Disconnect(true));
        assertEquals(List.of("send b " + bye, "send c " + bye, "disconnect b", "disconnect c", "disconnect p",
            "-active b", "-active c"), host.take());
        assertEquals(Admission.IGNORED, hpv.candidate("x", addr("x")));
        hpv.tick();
        hpv.sessionOpened("q");
        assertEquals(List.of("disconnect q"), host.take());
    }
}
