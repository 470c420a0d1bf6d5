package dev.logmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Transport;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LocalNetwork} as a {@link Transport} (listen, dial, refusals, down and up, traffic counts) and its
 * {@link Firewall} (rules by link and message type, partitions), frame by frame.
 */
class LocalNetworkTest {
    static final String SYNC = "[\"sync\",3,{\"type\":\"a\"},{\"id\":0,\"time\":0},{\"type\":\"b\"},{\"id\":1,\"time\":0}]";
    static final String SYNCED = "[\"synced\",3]";
    static final String PING = "[\"ping\",1]";

    ManualLoop loop;
    LocalNetwork net;
    /** What the listener at "b" received, per accepted connection. */
    List<List<String>> atB;
    List<Connection> accepted;
    Transport a;
    Transport b;

    @BeforeEach
    void setUp() throws IOException {
        loop = new ManualLoop(1_000_000, 7);
        net = new LocalNetwork(loop);
        atB = new ArrayList<>();
        accepted = new ArrayList<>();
        a = net.transport("a").apply(loop);
        b = net.transport("b").apply(loop);
        assertEquals(URI.create("local://b"), b.listen("0.0.0.0", 0, c -> {
            List<String> seen = new ArrayList<>();
            atB.add(seen);
            accepted.add(c);
            c.start(new Recorder(seen));
        }));
    }

    record Recorder(List<String> seen) implements Connection.Handler {
        @Override
        public void onOpen() {
            seen.add("open");
        }

        @Override
        public void onFrame(String frame) {
            seen.add(frame);
        }

        @Override
        public void onClose(String reason) {
            seen.add("close: " + reason);
        }
    }

    /** Dials b from a and runs the loop until the link is open. */
    Connection dial(List<String> seenAtA) {
        Connection c = a.dial(LocalNetwork.url("b"));
        c.start(new Recorder(seenAtA));
        loop.runAll();
        return c;
    }

    /** Frames (not open/close) that b received on its last accepted connection. */
    List<String> framesAtB() {
        return atB.get(atB.size() - 1).stream().filter(s -> s.startsWith("[")).toList();
    }

    @Test
    void aDialReachesTheListenerAndFramesFlowBothWays() {
        List<String> seenAtA = new ArrayList<>();
        Connection c = dial(seenAtA);
        assertEquals(List.of("open"), seenAtA);
        assertEquals(List.of(List.of("open")), atB);
        c.send(SYNC);
        accepted.get(0).send(SYNCED);
        loop.runAll();
        assertEquals(List.of(SYNC), framesAtB());
        assertEquals(List.of("open", SYNCED), seenAtA);
        assertEquals("b", c.remoteAddress());
        assertEquals("a", accepted.get(0).remoteAddress());
        assertEquals(1, net.liveLinks("a", "b"));
    }

    /** gossip43: with a cpu cost, a host's loop encodes and decodes one frame at a time, so its frames queue. */
    @Test
    void aBusyHostsFramesWaitForItsLoop() {
        net.cpu(1_000_000); // 1 ms a byte
        Connection c = dial(new ArrayList<>());
        String ping = "[\"ping\",1]"; // 10 bytes: 10 ms to encode at a, 10 ms to decode at b
        c.send(ping);
        c.send(ping);
        loop.advance(19);
        assertEquals(List.of(), framesAtB(), "the first frame is encoded by 10 ms and decoded by 20 ms");
        loop.advance(1);
        assertEquals(List.of(ping), framesAtB());
        loop.advance(9);
        assertEquals(List.of(ping), framesAtB(), "the second waited for a's loop, then for b's");
        loop.advance(1);
        assertEquals(List.of(ping, ping), framesAtB());
    }

    @Test
    void trafficCountsFramesByTypeAndTheEntriesOfSyncFrames() {
        Connection c = dial(new ArrayList<>());
        c.send(SYNC);
        c.send(PING);
        accepted.get(0).send(SYNCED);
        loop.runAll();
        assertEquals(1, net.traffic("a").sent("sync"));
        assertEquals(2, net.traffic("a").entriesSent());
        assertEquals(2, net.traffic("b").entriesReceived());
        assertEquals(1, net.traffic("b").received("ping"));
        assertEquals(1, net.traffic("a").received("synced"));
        assertEquals(0, net.traffic("a").sent("synced"));
    }

    @Test
    void dialsAreRefusedWhereNothingListensOrAHostIsDown() {
        List<String> seen = new ArrayList<>();
        Connection c = a.dial(LocalNetwork.url("nobody"));
        c.start(new Recorder(seen));
        loop.runAll();
        assertEquals(List.of("close: connection refused: nothing listens at nobody"), seen);
        assertFalse(c.send(PING));

        net.down("b");
        List<String> seen2 = new ArrayList<>();
        dial(seen2);
        assertEquals(List.of("close: connection refused: b is down"), seen2);
        net.up("b");
        List<String> seen3 = new ArrayList<>();
        dial(seen3);
        assertEquals(List.of("open"), seen3);
    }

    @Test
    void downCutsTheLinksOfAHostAndLosesWhatIsInFlight() {
        net.latency(20, 20);
        List<String> seenAtA = new ArrayList<>();
        Connection c = dial(seenAtA);
        c.send(PING);
        net.down("a");
        loop.advance(100);
        assertEquals(List.of("open", "close: network down at a"), atB.get(0));
        assertEquals(List.of("open", "close: network down at a"), seenAtA);
        assertEquals(0, net.liveLinks("a", "b"));
    }

    @Test
    void closingATransportStopsListeningAndCutsItsLinks() throws IOException {
        List<String> seenAtA = new ArrayList<>();
        dial(seenAtA);
        b.close();
        loop.runAll();
        assertEquals("close: transport of b closed", seenAtA.get(1));
        assertFalse(net.isListening("b"));
        // another node may now listen at b (a node started again)
        Transport again = net.transport("b").apply(loop);
        again.listen("0.0.0.0", 0, x -> { });
        assertThrows(IOException.class, () -> net.transport("b").apply(loop).listen("0.0.0.0", 0, x -> { }),
            "one listener per host");
    }

    @Test
    void dropByTypeAndDirection() {
        List<String> seenAtA = new ArrayList<>();
        Connection c = dial(seenAtA);
        Firewall.Rule r = net.firewall().on("sync").from("a").to("b").drop();
        c.send(SYNC);
        c.send(PING);
        accepted.get(0).send(SYNC);
        loop.runAll();
        assertEquals(List.of(PING), framesAtB(), "the sync from a was lost");
        assertEquals(List.of("open", SYNC), seenAtA, "the other direction is not touched");
        assertEquals(1, r.hits());
        assertEquals(1, net.traffic("a").sent("sync"), "sent (the sender cannot tell)");
        assertEquals(0, net.traffic("b").received("sync"));
        r.remove();
        c.send(SYNC);
        loop.runAll();
        assertEquals(List.of(PING, SYNC), framesAtB());
    }

    @Test
    void timesLimitsARuleToTheNextFrames() {
        Connection c = dial(new ArrayList<>());
        net.firewall().on("ping").times(2).drop();
        for (int i = 1; i <= 4; i++) {
            c.send("[\"ping\"," + i + "]");
        }
        loop.runAll();
        assertEquals(List.of("[\"ping\",3]", "[\"ping\",4]"), framesAtB());
        assertEquals(List.of(), net.firewall().rules(), "the rule removed itself");
    }

    @Test
    void delayHoldsTheFrameAndEverythingBehindItInOrder() {
        Connection c = dial(new ArrayList<>());
        net.firewall().on("synced").between("a", "b").times(1).delay(30_000);
        c.send(SYNCED);
        c.send(PING);
        loop.advance(29_999);
        assertEquals(List.of(), framesAtB(), "a stalled link: the ping waits behind the synced");
        loop.advance(1);
        assertEquals(List.of(SYNCED, PING), framesAtB());
    }

    @Test
    void aRandomDelayStaysInItsRangeAndReplaysFromTheSeed() {
        List<Long> first = arrivals(11);
        List<Long> second = arrivals(11);
        assertEquals(first, second, "same seed, same delays");
        assertTrue(first.stream().allMatch(t -> t >= 100 && t <= 200), first.toString());
        assertTrue(first.stream().distinct().count() > 1, "random: " + first);
    }

    List<Long> arrivals(long seed) {
        ManualLoop l = new ManualLoop(0, seed);
        LocalNetwork n = new LocalNetwork(l);
        List<Long> times = new ArrayList<>();
        Transport listener = n.transport("y").apply(l);
        try {
            listener.listen("h", 0, conn -> conn.start(new Connection.Handler() {
                @Override
                public void onOpen() {
                }

                @Override
                public void onFrame(String frame) {
                    times.add(l.now());
                }

                @Override
                public void onClose(String reason) {
                }
            }));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Connection c = n.transport("x" + i).apply(l).dial(LocalNetwork.url("y"));
            c.start(new Recorder(new ArrayList<>()));
            l.runAll();
            long sentAt = l.now();
            n.firewall().on("ping").from("x" + i).delay(100, 200);
            c.send(PING);
            l.advance(1_000);
            out.add(times.get(times.size() - 1) - sentAt);
        }
        return out;
    }

    @Test
    void duplicateDeliversTheFrameTwiceInARow() {
        Connection c = dial(new ArrayList<>());
        net.firewall().on("sync").duplicate();
        c.send(SYNC);
        c.send(PING);
        loop.runAll();
        assertEquals(List.of(SYNC, SYNC, PING), framesAtB());
        assertEquals(2, net.traffic("b").received("sync"));
        assertEquals(4, net.traffic("b").entriesReceived());
    }

    @Test
    void reorderLetsLaterFramesOvertake() {
        Connection c = dial(new ArrayList<>());
        net.firewall().on("logmesh:ihave").reorder(50);
        String ihave = "[\"logmesh:ihave\",2,[\"1 a 0\"]]";
        c.send(ihave);
        c.send(PING);
        loop.advance(100);
        assertEquals(List.of(PING, ihave), framesAtB());
    }

    @Test
    void probabilityDrawsFromTheSeed() {
        Connection c = dial(new ArrayList<>());
        Firewall.Rule r = net.firewall().on("ping").probability(0.5).drop();
        for (int i = 0; i < 200; i++) {
            c.send(PING);
        }
        loop.runAll();
        assertEquals(200 - r.hits(), framesAtB().size());
        assertTrue(r.hits() > 60 && r.hits() < 140, "about half: " + r.hits());
    }

    @Test
    void rulesMatchEveryTypeWithoutTypesAndFramesThatAreNotJsonHaveNoType() {
        Connection c = dial(new ArrayList<>());
        net.firewall().on().from("a").delay(10);
        c.send("{oops");
        loop.advance(9);
        assertEquals(List.of("open"), atB.get(0));
        loop.advance(1);
        assertEquals(List.of("open", "{oops"), atB.get(0));
        assertEquals("", LocalNetwork.type("{oops"));
        assertEquals("logmesh:ihave", LocalNetwork.type(" [ \"logmesh:ihave\",1]"));
        assertEquals("we\"ird", LocalNetwork.type("[\"we\\\"ird\",1]"));
    }

    @Test
    void syncEntriesCountsTopLevelPairsWhateverTheActionsHoldInside() {
        assertEquals(2, LocalNetwork.syncEntries(SYNC));
        assertEquals(1, LocalNetwork.syncEntries(
            "[\"sync\",1,{\"type\":\"a\",\"t\":\"x,y]\\\",[{\",\"n\":[1,2,{\"z\":\",\"}]},{\"id\":[1,\"n\",0],\"time\":0}]"));
        assertEquals(0, LocalNetwork.syncEntries("[\"sync\",1]"));
    }

    @Test
    void partitionCutsAndRefusesUntilHealIsolateToo() {
        List<String> seenAtA = new ArrayList<>();
        dial(seenAtA);
        net.firewall().partition("a", "b");
        loop.runAll();
        assertEquals("close: partition between a and b", seenAtA.get(1));
        List<String> refused = new ArrayList<>();
        dial(refused);
        assertEquals(List.of("close: connection refused: a and b are partitioned"), refused);
        net.firewall().heal();
        List<String> again = new ArrayList<>();
        dial(again);
        assertEquals(List.of("open"), again);

        net.firewall().isolate("b");
        List<String> isolated = new ArrayList<>();
        dial(isolated);
        assertTrue(isolated.get(0).contains("partitioned"), isolated.toString());
        assertTrue(net.firewall().separated("a", "b"));
        net.firewall().heal();
        assertFalse(net.firewall().separated("a", "b"));
    }

    @Test
    void aLinkRuleCanNameBothDirections() {
        List<String> seenAtA = new ArrayList<>();
        Connection c = dial(seenAtA);
        net.firewall().on("ping").between("b", "a").drop();
        c.send(PING);
        accepted.get(0).send(PING);
        c.send(SYNCED);
        loop.runAll();
        assertEquals(List.of(SYNCED), framesAtB());
        assertEquals(List.of("open"), seenAtA);
        assertTrue(net.firewall().rules().get(0).toString().startsWith("drop [ping] between b and a"),
            net.firewall().rules().toString());
    }
}
