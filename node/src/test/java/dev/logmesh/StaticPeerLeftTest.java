package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link MeshNode#peers()} (and so {@code logmesh peers}) says of a {@code --peer} that stops or restarts: the
 * overlay's reason for closing the session, in its words. Session 36 (ops36), an operator restarting alice, whom bob
 * dials (two CLI nodes on 127.0.0.1): bob's overlay heard alice leave (her DISCONNECT, sent before she closes) and
 * closed the session as "overlay: not an active peer", which bob's {@code logmesh peers} showed as alice's last
 * error for about a second, until bob's next dial (as if bob had dropped her). Two nodes over WebSocket on
 * 127.0.0.1 (the test kit's network closes a stopped node's links before its last messages are read).
 */
class StaticPeerLeftTest {

    @Test
    void aPeerThatStopsIsSaidToHaveLeftNotToBeAnInactivePeer() throws Exception {
        MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").memory().host("127.0.0.1").port(0)
            .mdns(false).build());
        URI url = alice.url();
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").memory().host("127.0.0.1").port(0)
                 .mdns(false).peers(List.of(url)).build())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                MeshNode.PeerStatus p = NodeInternals.peerStatus(bob, url);
                return p != null && p.connected();
            });
            // alice stops (SIGTERM, a restart): her overlay tells bob she leaves, then closes the session
            alice.close();
            // the first reason bob gives, before his next dial (1-1.5 s later) gives its own
            MeshNode.PeerStatus first = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> NodeInternals.peerStatus(bob, url), p -> p != null && p.lastError() != null);
            // before: "expected: <overlay: the peer left the mesh ...> but was: <overlay: not an active peer>"
            assertEquals("overlay: the peer left the mesh (it is stopping or restarting)", first.lastError(),
                first.toString());
        } finally {
            alice.close();
        }
    }
}
