package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * A transport listening on a given IPv6 address ({@code --host ::1}) says where it listens with a URL that can be
 * dialed: the node prints it ({@code ready}) and advertises it to the overlay, whose peers dial it back.
 */
class WsTransportIpv6Test {

    @Test
    void theUrlOfAnIpv6ListenerHasItsHostInBracketsAndDials() throws Exception {
        try (SystemLoop loop = new SystemLoop("ipv6-test-loop");
             WsTransport t = new WsTransport(loop, null, 1 << 20, null, null, "ipv6-test")) {
            URI url = WsTransportTest.listenDialAndPing(loop, t, "::1");
            assertEquals("[0:0:0:0:0:0:0:1]", url.getHost(), url.toString());
            assertTrue(url.getPort() > 0, url.toString());
        }
    }
}
