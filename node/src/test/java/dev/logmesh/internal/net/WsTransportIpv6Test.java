package dev.logmesh.internal.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
            List<String> server = new CopyOnWriteArrayList<>();
            URI url = t.listen("::1", 0, c -> c.start(recorder(server)));
            assertEquals("[0:0:0:0:0:0:0:1]", url.getHost(), url.toString());
            assertTrue(url.getPort() > 0, url.toString());
            List<String> client = new CopyOnWriteArrayList<>();
            MessageConnection c = t.dial(url);
            loop.execute(() -> c.start(recorder(client)));
            await().atMost(Duration.ofSeconds(10)).until(() -> client.contains("open"));
            loop.execute(() -> c.send(new Message.Ping(7)));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.contains("message ping"));
        }
    }

    private static MessageConnection.Handler recorder(List<String> events) {
        return new MessageConnection.Handler() {
            @Override
            public void onOpen() {
                events.add("open");
            }

            @Override
            public void onMessage(Message message) {
                events.add("message " + message.type());
            }

            @Override
            public void onBadInput(dev.logmesh.internal.protocol.ProtocolError error) {
                events.add("bad " + error.wireType());
            }

            @Override
            public void onClose(String reason) {
                events.add("close " + reason);
            }
        };
    }
}
