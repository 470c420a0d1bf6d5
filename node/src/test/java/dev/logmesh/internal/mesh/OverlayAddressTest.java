package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.overlay.HpvMessage;
import dev.logmesh.internal.overlay.PeerInfo;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node listening on every interface tells the overlay {@code ws://0.0.0.0:PORT}; the peer that gets its JOIN,
 * NEIGHBOR or SHUFFLE puts in the address the session comes from, so what travels on is dialable. Other addresses,
 * and other nodes' addresses, are left alone.
 */
class OverlayAddressTest {
    final ManualLoop loop = new ManualLoop();
    final SyncSession session = new SessionNode("n", loop, SessionConfig.defaults("t")).accept(new TestPair(loop));
    /** What the session's connection reports as the peer's address. */
    final String from = session.connection().remoteAddress();

    @Test
    void theSendersWildcardBecomesTheAddressItsSessionComesFrom() {
        assertEquals(new HpvMessage.Join("ws://" + from + ":7000"),
            Overlay.withDialableAddress(new HpvMessage.Join("ws://0.0.0.0:7000"), "p", session));
        assertEquals(new HpvMessage.Neighbor(HpvMessage.Priority.LOW, "wss://" + from + ":7443"),
            Overlay.withDialableAddress(new HpvMessage.Neighbor(HpvMessage.Priority.LOW, "wss://0.0.0.0:7443"), "p",
                session));
        HpvMessage.Shuffle s = new HpvMessage.Shuffle(new PeerInfo("p", "ws://0.0.0.0:7000"), 3,
            List.of(new PeerInfo("q", "ws://10.0.0.9:7000")));
        assertEquals(new HpvMessage.Shuffle(new PeerInfo("p", "ws://" + from + ":7000"), 3, s.peers()),
            Overlay.withDialableAddress(s, "p", session));
    }

    /**
     * A public URL with a wildcard host and a path (a node behind a proxy at a path, session 28): the path stays.
     * Before, the address became {@code ws://IP:PORT} without it.
     */
    @Test
    void aWildcardAddressKeepsItsPath() {
        assertEquals(new HpvMessage.Join("wss://" + from + ":443/mesh/ws"),
            Overlay.withDialableAddress(new HpvMessage.Join("wss://0.0.0.0:443/mesh/ws"), "p", session));
    }

    @Test
    void concreteAddressesAndOtherNodesAddressesStay() {
        HpvMessage join = new HpvMessage.Join("ws://10.77.1.4:7000");
        assertSame(join, Overlay.withDialableAddress(join, "p", session));
        // a shuffle forwarded by p from another origin: only its origin's first hop may fill the address in
        HpvMessage.Shuffle s = new HpvMessage.Shuffle(new PeerInfo("o", "ws://0.0.0.0:7000"), 3, List.of());
        assertSame(s, Overlay.withDialableAddress(s, "p", session));
        assertTrue(Overlay.isWildcard("ws://0.0.0.0:1"));
        assertTrue(Overlay.isWildcard("ws://[::]:1"));
        assertFalse(Overlay.isWildcard("ws://127.0.0.1:1"));
        assertFalse(Overlay.isWildcard("not a url"));
    }
}
