package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event logic of mDNS discovery, fed with plain records: no JmDNS, no sockets. */
class PeerTrackerTest {

    private static final String ETH0 = "192.0.2.10";
    private static final String ETH1 = "198.51.100.10";

    private final RecordingListener listener = new RecordingListener();
    private final PeerTracker tracker = new PeerTracker("self", "m1", listener);

    private static InetAddress ip(int a, int b, int c, int d) {
        return Interfaces.named(null, new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    }

    private static Map<String, String> txt(String node, String mesh, String proto) {
        return Map.of("node", node, "mesh", mesh, "proto", proto);
    }

    private static ServiceRecord record(String name, Map<String, String> txt, int port,
            InetAddress... addresses) {
        return new ServiceRecord(name, txt, List.of(addresses), port);
    }

    @Test
    void holdsAtMostItsLimitOfSightingsAndTakesNewOnesWhenSomeGo() {
        RecordingListener capped = new RecordingListener();
        PeerTracker t = new PeerTracker("self", "m1", capped, 3);
        for (int i = 0; i < 10; i++) {
            t.resolved(ETH0, record("n" + i, txt("n" + i, "m1", "5"), 7001, ip(10, 0, 0, i + 1)));
        }
        assertEquals(java.util.Set.of("n0", "n1", "n2"), t.peers().keySet());
        // a known one resolved again still updates; one that goes makes room for the next announced
        t.resolved(ETH0, record("n1", txt("n1", "m1", "6"), 7001, ip(10, 0, 0, 2)));
        assertEquals(6, t.peers().get("n1").protocol());
        t.removed(ETH0, "n0");
        t.resolved(ETH0, record("n9", txt("n9", "m1", "5"), 7001, ip(10, 0, 0, 10)));
        assertEquals(java.util.Set.of("n1", "n2", "n9"), t.peers().keySet());
    }

    @Test
    void reportsAPeerWithCompleteTxt() {
        tracker.resolved(ETH0, record("alice", Map.of("node", "alice", "mesh", "m1", "proto", "5",
                "tls", "1"), 7001, ip(192, 0, 2, 1)));

        assertEquals(1, listener.events.size());
        Peer p = listener.found().get(0);
        assertEquals("alice", p.nodeId());
        assertEquals("m1", p.mesh());
        assertEquals(5, p.protocol());
        assertEquals(List.of(new InetSocketAddress(ip(192, 0, 2, 1), 7001)), p.addresses());
        assertEquals("1", p.txt().get("tls"));
        assertTrue(p.isIdentified());
    }

    @Test
    void ignoresTheFirstResolveWithEmptyTxtThenReportsTheSecond() {
        tracker.resolved(ETH0, record("alice", Map.of(), 7001, ip(192, 0, 2, 1)));
        assertEquals(List.of(), listener.events);

        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        assertEquals(1, listener.found().size());
    }

    @Test
    void ignoresIncompleteOrInvalidTxtAndMissingAddresses() {
        tracker.resolved(ETH0, record("a", Map.of("node", "a", "mesh", "m1"), 7001, ip(10, 0, 0, 1)));
        tracker.resolved(ETH0, record("b", txt("b", "m1", "five"), 7001, ip(10, 0, 0, 2)));
        tracker.resolved(ETH0, record("c", txt("c", "m1", "0"), 7001, ip(10, 0, 0, 3)));
        tracker.resolved(ETH0, record("d", txt("d d", "m1", "5"), 7001, ip(10, 0, 0, 4)));
        tracker.resolved(ETH0, record("e", txt("", "m1", "5"), 7001, ip(10, 0, 0, 5)));
        tracker.resolved(ETH0, record("f", txt("f", "m1", "5"), 7001));
        tracker.resolved(ETH0, record("g", txt("g", "m1", "5"), 0, ip(10, 0, 0, 7)));

        assertEquals(List.of(), listener.events);
    }

    @Test
    void ignoresItselfAndOtherMeshes() {
        tracker.resolved(ETH0, record("self", txt("self", "m1", "5"), 7000, ip(192, 0, 2, 9)));
        tracker.resolved(ETH0, record("bob", txt("bob", "m2", "5"), 7002, ip(192, 0, 2, 2)));
        tracker.resolved(ETH0, record("bob", txt("bob", "M1", "5"), 7002, ip(192, 0, 2, 2)));

        assertEquals(List.of(), listener.events);
    }

    @Test
    void identifiesByTxtNodeNotByInstanceName() {
        // a renamed instance ("alice (2)") is still alice
        tracker.resolved(ETH0, record("alice (2)", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));

        assertEquals("alice", listener.found().get(0).nodeId());
    }

    @Test
    void repeatedResolvesReportOnce() {
        for (int i = 0; i < 5; i++) {
            tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        }

        assertEquals(1, listener.events.size());
    }

    @Test
    void mergesInterfacesAndReportsAgainOnlyWhenAddressesChange() {
        tracker.resolved(ETH1, record("alice", txt("alice", "m1", "5"), 7001, ip(198, 51, 100, 1)));
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH1, record("alice", txt("alice", "m1", "5"), 7001, ip(198, 51, 100, 1)));

        List<Peer> found = listener.found();
        assertEquals(2, found.size());
        assertEquals(List.of(new InetSocketAddress(ip(198, 51, 100, 1), 7001)),
                found.get(0).addresses());
        // sorted by address bytes, whatever order the interfaces reported them in
        assertEquals(List.of(new InetSocketAddress(ip(192, 0, 2, 1), 7001),
                new InetSocketAddress(ip(198, 51, 100, 1), 7001)), found.get(1).addresses());
    }

    @Test
    void reportsAgainWhenTxtChanges() {
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "6"), 7001, ip(192, 0, 2, 1)));

        assertEquals(List.of(5, 6), listener.found().stream().map(Peer::protocol).toList());
    }

    @Test
    void lostOnlyWhenNoInterfaceSeesThePeer() {
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH1, record("alice", txt("alice", "m1", "5"), 7001, ip(198, 51, 100, 1)));

        tracker.removed(ETH0, "alice");
        assertEquals(List.of(), listener.lost());
        // still reachable on eth1 only: reported again with fewer addresses
        Peer last = listener.found().get(listener.found().size() - 1);
        assertEquals(List.of(new InetSocketAddress(ip(198, 51, 100, 1), 7001)), last.addresses());

        tracker.removed(ETH1, "ALICE"); // mDNS names are case-insensitive
        assertEquals(List.of("alice"), listener.lost());
        assertEquals(Map.of(), tracker.peers());
    }

    @Test
    void removalOfUnknownOrIgnoredServicesIsSilent() {
        tracker.resolved(ETH0, record("bob", txt("bob", "m2", "5"), 7002, ip(192, 0, 2, 2)));
        tracker.resolved(ETH0, record("self", txt("self", "m1", "5"), 7000, ip(192, 0, 2, 9)));

        tracker.removed(ETH0, "bob");
        tracker.removed(ETH0, "self");
        tracker.removed(ETH0, "nobody");
        tracker.removed(ETH1, "alice");

        assertEquals(List.of(), listener.events);
    }

    @Test
    void anIncompleteResolveDoesNotRetractAKnownPeer() {
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH0, record("alice", Map.of(), 7001, ip(192, 0, 2, 1)));

        assertEquals(1, listener.events.size());
        assertEquals(1, tracker.peers().size());
    }

    @Test
    void aServiceMovingToAnotherMeshIsLost() {
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH0, record("alice", txt("alice", "m2", "5"), 7001, ip(192, 0, 2, 1)));

        assertEquals(List.of("alice"), listener.lost());
    }

    @Test
    void anInstanceThatChangesNodeIdLosesTheOldOne() {
        tracker.resolved(ETH0, record("x", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH0, record("x", txt("bob", "m1", "5"), 7001, ip(192, 0, 2, 1)));

        assertEquals(List.of("alice"), listener.lost());
        assertEquals(List.of("alice", "bob"),
                listener.found().stream().map(Peer::nodeId).toList());
        assertEquals(java.util.Set.of("bob"), tracker.peers().keySet());
    }

    @Test
    void twoInstancesOfOneNodeOnOneInterfaceAreOnePeer() {
        tracker.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.resolved(ETH0, record("alice (2)", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        tracker.removed(ETH0, "alice");

        assertEquals(1, listener.found().size());
        assertEquals(List.of(), listener.lost());
        tracker.removed(ETH0, "alice (2)");
        assertEquals(List.of("alice"), listener.lost());
    }

    @Test
    void aThrowingListenerDoesNotCorruptState() {
        PeerTracker t = new PeerTracker("self", "m1", new Discovery.Listener() {
            @Override
            public void peerFound(Peer peer) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void peerLost(String nodeId) {
                throw new IllegalStateException("boom");
            }
        });
        t.resolved(ETH0, record("alice", txt("alice", "m1", "5"), 7001, ip(192, 0, 2, 1)));
        assertEquals(1, t.peers().size());
        t.removed(ETH0, "alice");
        assertEquals(0, t.peers().size());
    }
}
