package dev.logmesh.internal.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageConnection;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyConnection#holdReading} on real sockets, on each transport, when the peer sends and then closes: on NIO
 * nothing more is read while the node holds (its selector does not watch a channel that does not read); on native
 * epoll the peer's close (EPOLLRDHUP) makes Netty read to the end of the stream whatever autoRead says (netty#3709),
 * so what the peer had sent comes in at once: at most the socket's receive buffer, which
 * {@code MeshNode.pauseReceiving} documents. On both, every message arrives once, in order, and nothing is lost.
 */
class HeldReadingOnSocketsTest {

    @Test
    void aHeldConnectionWhosePeerSendsAndClosesLosesNothing() throws Exception {
        for (NettyTransport kind : NettyTransport.values()) {
            if (kind == NettyTransport.EPOLL && !Epoll.isAvailable()) {
                continue;
            }
            EventLoopGroup group = kind.newGroup(1, new DefaultThreadFactory("held-test-" + kind, true));
            try (SystemLoop loop = new SystemLoop("held-test-loop");
                 WsTransport t = new WsTransport(loop, group, 1 << 20, null, null, "held-" + kind)) {
                WsTransportTest.Recorder serverEvents = new WsTransportTest.Recorder();
                List<String> server = serverEvents.events;
                AtomicReference<NettyConnection> accepted = new AtomicReference<>();
                URI url = t.listen("127.0.0.1", 0, c -> {
                    NettyConnection nc = (NettyConnection) c;
                    nc.holdReading(true);
                    accepted.set(nc);
                    c.start(serverEvents);
                });
                WsTransportTest.Recorder clientEvents = new WsTransportTest.Recorder();
                List<String> client = clientEvents.events;
                MessageConnection c = t.dial(url);
                loop.execute(() -> c.start(clientEvents));
                await().atMost(Duration.ofSeconds(10)).until(() -> client.contains("open"));
                await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() != null && !accepted.get().reading());
                loop.execute(() -> {
                    for (int i = 0; i < 100; i++) {
                        c.send(new Message.Ping(i));
                    }
                    c.close("done");
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> client.stream().anyMatch(e -> e.startsWith("close")));
                if (kind == NettyTransport.NIO) {
                    // held: the pings stay in the socket while the node holds
                    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                        .until(() -> server.stream().noneMatch(e -> e.startsWith("message")));
                }
                accepted.get().holdReading(false);
                await().atMost(Duration.ofSeconds(10))
                    .until(() -> server.stream().filter(e -> e.startsWith("message")).count() == 100);
                assertEquals(100, server.stream().filter(e -> e.startsWith("message")).count(), kind + ": " + server);
                assertEquals(1, server.stream().filter(e -> e.startsWith("close")).count(), kind + ": " + server);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }
}
