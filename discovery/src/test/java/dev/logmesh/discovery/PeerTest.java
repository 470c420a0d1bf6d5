package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerTest {

    private static final InetSocketAddress ADDRESS =
            InetSocketAddress.createUnresolved("relay.example", 7001);

    @Test
    void unidentifiedPeerHasOnlyAnAddress() {
        Peer p = Peer.unidentified(ADDRESS);

        assertFalse(p.isIdentified());
        assertNull(p.nodeId());
        assertNull(p.mesh());
        assertEquals(Peer.UNKNOWN_PROTOCOL, p.protocol());
        assertEquals(List.of(ADDRESS), p.addresses());
        assertEquals(Map.of(), p.txt());
    }

    @Test
    void validates() {
        assertThrows(IllegalArgumentException.class, () -> new Peer("a", "m", 5, List.of(), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Peer("", "m", 5, List.of(ADDRESS), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Peer("a", "m", -1, List.of(ADDRESS), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Peer(null, "m", 0, List.of(ADDRESS), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Peer(null, null, 5, List.of(ADDRESS), Map.of()));
        assertThrows(NullPointerException.class, () -> Peer.unidentified(null));
    }
}
