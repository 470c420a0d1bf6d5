package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.MeshNode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The line a node without a session prints on stderr ({@link WaitNotice#describe}). */
class WaitNoticeTest {

    private static Inet4Address ip(int a, int b, int c, int d) throws Exception {
        return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    }

    private static MeshNode.PeerStatus dialed(String url, String error, long next) {
        return new MeshNode.PeerStatus(url, false, 0, 0, 0, -1, 0, -1, URI.create(url), error, next);
    }

    @Test
    void saysWhereItLooksByMdnsAndWhomItFound() throws Exception {
        assertEquals("logmesh: no peer yet after 3 s: looking for nodes of mesh lan by mDNS on 10.77.1.1, 192.168.1.5",
            WaitNotice.describe(3_000, List.of(ip(10, 77, 1, 1), ip(192, 168, 1, 5)), "lan",
                URI.create("ws://10.77.1.1:7000"), List.of(), List.of(), 0, null, 0));
        assertEquals("logmesh: no peer yet after 10 s: looking for nodes of mesh lan by mDNS on 10.0.0.1; "
                + "found a:1, b:2, c:3 and 1 more, connecting",
            WaitNotice.describe(10_000, List.of(ip(10, 0, 0, 1)), "lan", URI.create("ws://10.0.0.1:7000"), List.of(),
                List.of("a:1", "b:2", "c:3", "d:4"), 0, null, 0));
    }

    @Test
    void saysWhomItDialsHowTheLastDialEndedAndWhenItDialsAgain() throws Exception {
        long now = 1_000_000;
        assertEquals("logmesh: no peer yet after 3 s: dialing ws://10.0.0.7:7000 (Connection refused; again in 2.1 s); "
                + "dialing ws://10.0.0.8:7000 (no answer yet)",
            WaitNotice.describe(3_000, List.of(), "lan", URI.create("ws://10.0.0.1:7000"),
                List.of(dialed("ws://10.0.0.7:7000", "Connection refused", now + 2_080),
                    dialed("ws://10.0.0.8:7000", null, -1),
                    new MeshNode.PeerStatus("old:1", false, 5, 5, 0, -1)),
                List.of(), 0, null, now));
    }

    /**
     * Session 35 (ops35): a {@code --peer} URL that refuses this node before any node answers there is now refused
     * under its URL ({@link MeshNode.Listener#refused}); the notice says it once, in its "dialing" part, not twice.
     */
    @Test
    void aPeerUrlThatRefusedIsSaidOnce() throws Exception {
        long now = 1_000_000;
        assertEquals("logmesh: no peer yet after 3 s: dialing ws://10.0.0.7:7000 (Wrong credentials; again in 10 s)",
            WaitNotice.describe(3_000, List.of(), "lan", URI.create("ws://10.0.0.1:7000"),
                List.of(dialed("ws://10.0.0.7:7000", "Wrong credentials", now + 10_000)), List.of(),
                java.util.Map.of("ws://10.0.0.7:7000", "refused this node: wrong-credentials"), 0, null, now));
    }

    /**
     * Session 23: a peer whose next dial was due (the loop about to run it) or less than 50 ms away was said to be
     * dialed "again in 0 s" or "again in 0.0 s"; before the fix this test failed with "expected: <...(Connection
     * refused; dialing again now)...> but was: <...(Connection refused; again in 0 s); ... (Connection refused; again
     * in 0.0 s)...>".
     */
    @Test
    void aDialDueNowIsNotSaidToComeIn0Seconds() {
        long now = 1_000_000;
        assertEquals("logmesh: no peer yet after 3 s: dialing ws://10.0.0.7:7000 (Connection refused; dialing again "
                + "now); dialing ws://10.0.0.8:7000 (Connection refused; dialing again now); dialing ws://10.0.0.9:7000 "
                + "(Connection refused; again in under 0.1 s); dialing ws://10.0.0.10:7000 (Connection refused; again "
                + "in 0.1 s)",
            WaitNotice.describe(3_000, List.of(), "lan", URI.create("ws://10.0.0.1:7000"),
                List.of(dialed("ws://10.0.0.7:7000", "Connection refused", now),
                    dialed("ws://10.0.0.8:7000", "Connection refused", now - 40),
                    dialed("ws://10.0.0.9:7000", "Connection refused", now + 40),
                    dialed("ws://10.0.0.10:7000", "Connection refused", now + 100)),
                List.of(), 0, null, now));
    }

    /** The same in {@code logmesh peers}: "next dial in 0 s" before (session 23). */
    @Test
    void peersSaysADialDueNowIsDialedNow() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        long now = 1_000_000;
        String peer = "{\"url\":\"ws://10.0.0.7:7000\",\"lastError\":\"Connection refused\",\"connected\":false,"
            + "\"nextDialAt\":";
        assertEquals("  ws://10.0.0.7:7000: Connection refused; dialing again now",
            Dialing.line(json.readTree(peer + (now - 3) + "}"), now));
        assertEquals("  ws://10.0.0.7:7000: Connection refused; next dial in 1 s",
            Dialing.line(json.readTree(peer + (now + 30) + "}"), now));
        assertEquals("  ws://10.0.0.7:7000: Connection refused; next dial in 3 s",
            Dialing.line(json.readTree(peer + (now + 2_080) + "}"), now));
    }

    @Test
    void saysWhenNothingCanFindAPeer() {
        assertEquals("logmesh: no peer yet after 3 s: mDNS is off and no --peer is given: waiting for a node to dial "
                + "ws://127.0.0.1:7001",
            WaitNotice.describe(3_000, List.of(), "m", URI.create("ws://127.0.0.1:7001"), List.of(), List.of(), 0, null, 0));
    }

    /**
     * Session 32, an operator's trial: a node started with its clock 1 h ahead on a keyed LAN mesh found 9 nodes by
     * mDNS, and each refused its sessions ("wrong-credentials", its error events said so on stdout), while stderr kept
     * saying only "looking for nodes of mesh logmesh by mDNS on 10.77.1.10". The notice now says the last error the
     * node reported and how many; before the fix this line had no error in it.
     */
    @Test
    void saysTheLastErrorOfANodeWhoseSessionsFail() throws Exception {
        String refused = "session with n4:Dg3G6ASa ended: wrong-credentials: the dialer's clock is 60 min behind this "
            + "node's: a mesh proof may be at most 5 min off; set the clocks right (NTP) (from 10.77.1.4)";
        assertEquals("logmesh: no peer yet after 30 s: looking for nodes of mesh logmesh by mDNS on 10.77.1.10; the last "
                + "of 4 errors: " + refused,
            WaitNotice.describe(30_000, List.of(ip(10, 77, 1, 10)), "logmesh", URI.create("ws://10.77.1.10:7000"),
                List.of(), List.of(), 4, refused, 0));
        assertEquals("logmesh: no peer yet after 3 s: mDNS is off and no --peer is given: waiting for a node to dial "
                + "ws://127.0.0.1:7001; an error: session with x:1 ended: wrong-credentials: wrong key (from 127.0.0.1)",
            WaitNotice.describe(3_000, List.of(), "m", URI.create("ws://127.0.0.1:7001"), List.of(), List.of(), 1,
                "session with x:1 ended: wrong-credentials: wrong key (from 127.0.0.1)", 0));
    }

    /**
     * Session 33, an operator's LAN trial: nodes found by mDNS that refused this node (another key, a clock off, a
     * twin id) were said to be "connecting" for as long as it ran. Before the fix the notice for these refusals
     * said "found n1:aaaa, n2:bbbb, c:3, connecting" (the refusals were not known to it).
     */
    @Test
    void saysWhichFoundNodesRefusedThisNodeOrWereRefusedAndWhy() throws Exception {
        java.util.Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("n1:aaaa", "refused this node: wrong-credentials");
        refused.put("n2:bbbb", "refused by this node: wrong key (from 10.77.1.2)");
        refused.put("n9:zzzz", "refused this node: it says another node runs with this node's id");
        assertEquals("logmesh: no peer yet after 10 s: looking for nodes of mesh logmesh by mDNS on 10.77.1.3; found "
                + "c:3, connecting; n1:aaaa refused this node: wrong-credentials; this node refused n2:bbbb: wrong key "
                + "(from 10.77.1.2); n9:zzzz refused this node: it says another node runs with this node's id",
            WaitNotice.describe(10_000, List.of(ip(10, 77, 1, 3)), "logmesh", URI.create("ws://10.77.1.3:7000"),
                List.of(), List.of("n1:aaaa", "n2:bbbb", "c:3"), refused, 0, null, 0));
        // every found node refused: none is said to be connecting
        assertEquals("logmesh: no peer yet after 3 s: looking for nodes of mesh logmesh by mDNS on 10.77.1.3; "
                + "n1:aaaa refused this node: wrong-credentials",
            WaitNotice.describe(3_000, List.of(ip(10, 77, 1, 3)), "logmesh", URI.create("ws://10.77.1.3:7000"),
                List.of(), List.of("n1:aaaa"), java.util.Map.of("n1:aaaa", "refused this node: wrong-credentials"),
                0, null, 0));
    }

    /**
     * apps37: a node that serves Logux clients says it, and that it has no mesh peer yet; before, the line read "no
     * peer yet" as if nothing were connected.
     */
    @Test
    void aNodeThatLooksForPeersWhileItServesClientsSaysWhomItServes() throws Exception {
        assertEquals("logmesh: no mesh peer yet after 30 s, serving 4 Logux clients (a:1:t, b:1:t, c:1:t and 1 more): "
                + "looking for nodes of mesh lan by mDNS on 10.0.0.1",
            WaitNotice.describe(30_000, List.of(ip(10, 0, 0, 1)), "lan", URI.create("ws://10.0.0.1:7000"), List.of(),
                List.of(), java.util.Map.of(), 0, null, 0, List.of("d:1:t", "b:1:t", "a:1:t", "c:1:t")));
        assertEquals("logmesh: no mesh peer yet after 3 s, serving 1 Logux client (a:1:t): dialing ws://10.0.0.7:7000 "
                + "(no answer yet)",
            WaitNotice.describe(3_000, List.of(), "lan", URI.create("ws://10.0.0.1:7000"),
                List.of(dialed("ws://10.0.0.7:7000", null, -1)), List.of(), java.util.Map.of(), 0, null, 0,
                List.of("a:1:t")));
    }

    /**
     * apps37: a lone node for apps (no mDNS, no --peer: README, "Logux apps") printed "no peer yet after 3 s: mDNS is
     * off and no --peer is given: waiting for a node to dial ..." at 3, 10 and 30 s and every minute, while a Logux
     * client was connected and working. A client's session ends its notices, as a first session does.
     */
    @Test
    void aLoneNodeServingALoguxClientEndsItsNotices() throws Exception {
        try (MeshNode hub = MeshNode.start(dev.logmesh.NodeConfig.builder().name("hub").memory().host("127.0.0.1")
            .mdns(false).build())) {
            java.util.concurrent.CopyOnWriteArrayList<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.net.http.WebSocket client = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(hub.url(), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data,
                                                                          boolean last) {
                        got.add(data.toString());
                        ws.request(1);
                        return null;
                    }
                }).get(5, java.util.concurrent.TimeUnit.SECONDS);
            client.sendText("[\"connect\",5,\"alice:1:t\",0]", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> got.stream().anyMatch(f -> f.startsWith("[\"connected\"")));
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            WaitNotice notice = WaitNotice.start(hub, lines::add);
            try {
                // the first notice is due 3 s after the start; before: "logmesh: no peer yet after 3 s: mDNS is off
                // and no --peer is given: waiting for a node to dial ws://127.0.0.1:..."
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                    .until(() -> notice.done() || !lines.isEmpty());
                assertEquals(List.of(), lines);
            } finally {
                notice.stop();
                client.abort();
            }
        }
    }
}
