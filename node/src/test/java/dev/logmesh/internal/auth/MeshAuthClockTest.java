package dev.logmesh.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A dialer's proof refused for its time says whose clock is off, which way and by how much. Session 32, an
 * operator's trial (10 nodes in network namespaces, a keyed mesh, one node started 1 h ahead with libfaketime):
 * every node printed "proof timestamp outside the 300000 ms window (clocks too far apart?)", which did not say which
 * machine's clock was wrong; before the fix these asserts failed with that text.
 */
class MeshAuthClockTest {

    private static final byte[] KEY = "a key of the mesh".getBytes(StandardCharsets.UTF_8);
    private static final long NOW = 1_796_400_000_000L;

    private static String refusal(long dialerOffMillis) {
        MeshAuth dialer = new MeshAuth(KEY, "lan", MeshAuth.DEFAULT_WINDOW, () -> NOW + dialerOffMillis);
        MeshAuth listener = new MeshAuth(KEY, "lan", MeshAuth.DEFAULT_WINDOW, () -> NOW);
        ObjectNode proof = MeshAuth.newObject();
        dialer.putConnectProof(proof, "d:1", null, dialer.nonce());
        return listener.checkConnect(proof, "d:1", "l:1");
    }

    @Test
    void aProofFromAClockOutsideTheWindowSaysWhichWayAndHowFar() {
        assertEquals("the dialer's clock is 60 min ahead of this node's: a mesh proof may be at most 5 min off; set "
            + "the clocks right (NTP)", refusal(3_600_000));
        assertEquals("the dialer's clock is 6 min behind this node's: a mesh proof may be at most 5 min off; set the "
            + "clocks right (NTP)", refusal(-361_000));
        assertEquals("the dialer's clock is 3 h ahead of this node's: a mesh proof may be at most 5 min off; set the "
            + "clocks right (NTP)", refusal(3 * 3_600_000 + 5_000));
        assertNull(refusal(299_000), "inside the window: accepted");
    }

    @Test
    void spansAreSaidInTheirUnit() {
        assertEquals("2.5 s", MeshAuth.span(2_500));
        assertEquals("90 s", MeshAuth.span(90_400));
        assertEquals("5 min", MeshAuth.span(300_000));
        assertEquals("2 h", MeshAuth.span(7_200_000));
    }
}
