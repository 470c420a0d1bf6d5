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
                URI.create("ws://10.77.1.1:7000"), List.of(), List.of(), 0));
        assertEquals("logmesh: no peer yet after 10 s: looking for nodes of mesh lan by mDNS on 10.0.0.1; "
                + "found a:1, b:2, c:3 and 1 more, connecting",
            WaitNotice.describe(10_000, List.of(ip(10, 0, 0, 1)), "lan", URI.create("ws://10.0.0.1:7000"), List.of(),
                List.of("a:1", "b:2", "c:3", "d:4"), 0));
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
                List.of(), now));
    }

    @Test
    void saysWhenNothingCanFindAPeer() {
        assertEquals("logmesh: no peer yet after 3 s: mDNS is off and no --peer is given: waiting for a node to dial "
                + "ws://127.0.0.1:7001",
            WaitNotice.describe(3_000, List.of(), "m", URI.create("ws://127.0.0.1:7001"), List.of(), List.of(), 0));
    }
}
