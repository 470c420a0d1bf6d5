package dev.logmesh.internal.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
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
            WsTransportTest.Recorder serverEvents = new WsTransportTest.Recorder();
            List<String> server = serverEvents.events;
            URI url = t.listen("::1", 0, c -> c.start(serverEvents));
            assertEquals("[0:0:0:0:0:0:0:1]", url.getHost(), url.toString());
            assertTrue(url.getPort() > 0, url.toString());
            WsTransportTest.Recorder clientEvents = new WsTransportTest.Recorder();
            List<String> client = clientEvents.events;
            MessageConnection c = t.dial(url);
            loop.execute(() -> c.start(clientEvents));
            await().atMost(Duration.ofSeconds(10)).until(() -> client.contains("open"));
            loop.execute(() -> c.send(new Message.Ping(7)));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.contains("message ping"));
        }
    }
}
