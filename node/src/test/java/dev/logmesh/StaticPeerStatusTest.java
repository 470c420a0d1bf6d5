package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.mesh.Redialer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Static peers this node cannot reach are in {@link MeshNode#peers()} with their last error and next dial; a
 * peer this node refuses (no mesh key) is dialed again only every {@link Redialer#REFUSED_DELAY_MILLIS} ms, and
 * that is said once.
 */
@Tag("slow")
class StaticPeerStatusTest {

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static NodeConfig.Builder local(String name) {
        return NodeConfig.builder().name(name).memory().host("127.0.0.1").port(0).mdns(false);
    }

    @Test
    void anUnreachablePeerIsListedWithItsErrorAndNextDial() throws Exception {
        URI nothing = URI.create("ws://127.0.0.1:" + closedPort());
        try (MeshNode node = MeshNode.start(local("a").peers(List.of(nothing)).key(key("k")).build())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                MeshNode.PeerStatus p = NodeInternals.peerStatus(node, nothing);
                return p != null && p.lastError() != null && p.nextDialAt() > 0;
            });
            MeshNode.PeerStatus p = NodeInternals.peerStatus(node, nothing);
            assertNotNull(p);
            assertEquals(nothing.toString(), p.nodeId(), "no node answered there: listed by its URL");
            assertFalse(p.connected());
            assertTrue(p.nextDialAt() >= System.currentTimeMillis() - 1_000, p.toString());
            assertTrue(p.nextDialAt() <= System.currentTimeMillis() + Redialer.GONE_DELAY_MILLIS, p.toString());
        }
    }

    /**
     * A {@code --peer} not listening yet (the second terminal not started): the refused dial is polled every
     * 250-375 ms, so the link comes within a few hundred ms of the peer's start (session 22: Logux's back-off,
     * 1-1.5 s for the first redial up to 30 s after a minute). The TCP reset is told apart from other failures.
     */
    @Test
    void aPeerNotListeningYetIsDialedAgainWithinAFewHundredMsAndReachedWhenItStarts() throws Exception {
        int port = closedPort();
        URI url = URI.create("ws://127.0.0.1:" + port);
        try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).key(key("k")).build())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                MeshNode.PeerStatus p = NodeInternals.peerStatus(node, url);
                return p != null && p.lastError() != null && p.nextDialAt() > 0;
            });
            MeshNode.PeerStatus p = NodeInternals.peerStatus(node, url);
            long in = p.nextDialAt() - System.currentTimeMillis();
            assertTrue(in <= 375, "next dial in " + in + " ms: " + p);
            assertTrue(p.lastError().startsWith("cannot connect: connection refused"), p.lastError());
            try (MeshNode peer = MeshNode.start(local("b").port(port).key(key("k")).build())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> peer.peers().join().stream()
                    .anyMatch(MeshNode.PeerStatus::connected));
            }
        }
    }

    @Test
    void wssToAWsNodeIsListedWithItsError() throws Exception {
        try (MeshNode plain = MeshNode.start(local("plain").key(key("k")).build())) {
            URI wss = URI.create("wss://127.0.0.1:" + plain.url().getPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(wss)).key(key("k")).build())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    MeshNode.PeerStatus p = NodeInternals.peerStatus(node, wss);
                    return p != null && p.lastError() != null;
                });
                // said as a person reads it, not as NotSslRecordException and a hex dump of the bytes it got
                String error = NodeInternals.peerStatus(node, wss).lastError();
                assertTrue(error.contains("does not speak TLS") && error.contains("ws://HOST:PORT"), error);
                assertFalse(error.contains("Exception"), error);
            }
        }
    }

    @Test
    void aPeerWhoseHostHasNoAddressIsListedAsAnUnknownHost() throws Exception {
        URI nowhere = URI.create("ws://no-such-host.invalid:7119"); // .invalid never resolves (RFC 6761)
        try (MeshNode node = MeshNode.start(local("a").peers(List.of(nowhere)).key(key("k")).build())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                MeshNode.PeerStatus p = NodeInternals.peerStatus(node, nowhere);
                return p != null && p.lastError() != null;
            });
            String error = NodeInternals.peerStatus(node, nowhere).lastError();
            assertTrue(error.contains("unknown host no-such-host.invalid"), error); // not the bare host name
        }
    }

    @Test
    void aKeylessPeerIsDialedAgainOnlyRarelyAndSaidOnce() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        MeshNode.Listener listener = new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        try (MeshNode open = MeshNode.start(local("open").build());
             MeshNode keyed = MeshNode.start(local("keyed").key(key("k")).peers(List.of(open.url())).build(),
                 List.of(listener))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                MeshNode.PeerStatus p = NodeInternals.peerStatus(keyed, open.url());
                return p != null && p.lastError() != null
                    && p.nextDialAt() > System.currentTimeMillis() + Redialer.REFUSED_FIRST_MILLIS * 2 / 3;
            });
            MeshNode.PeerStatus p = NodeInternals.peerStatus(keyed, open.url());
            assertTrue(p.lastError().contains("mesh key"), p.toString());
            // said once, and no more all through 7 s, longer than the 5 s of the normal backoff
            await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(9)).until(() ->
                errors.stream().filter(e -> e.contains(open.url().toString())).count() == 1);
            List<String> said = errors.stream().filter(e -> e.contains(open.url().toString())).toList();
            assertEquals(1, said.size(), errors.toString());
            assertTrue(said.get(0).contains(Redialer.REFUSED_STEPS), said.get(0));
        }
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
