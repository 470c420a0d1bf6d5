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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyConnection#holdReading} on real sockets, on each transport: while the node holds, nothing more is read
 * from the peer, even when the peer sends and then closes (epoll reports the peer's close with EPOLLRDHUP whether or
 * not the channel reads; NIO's selector does not watch a channel that does not read).
 */
class HeldReadingOnSocketsTest {

    @Test
    @Disabled("fault, not fixed: on native epoll a held channel (autoRead off) reads all the peer sent once the peer "
        + "closes: Netty's EPOLLRDHUP handling reads until EOF whatever autoRead says (netty#3709), NIO does not; what "
        + "the hold lets in is bounded by the socket's receive buffer. Needs a design decision (accept and document, "
        + "or close a held channel's input differently)")
    void aHeldConnectionReadsNothingWhenItsPeerSendsAndCloses() throws Exception {
        for (NettyTransport kind : NettyTransport.values()) {
            if (kind == NettyTransport.EPOLL && !Epoll.isAvailable()) {
                continue;
            }
            EventLoopGroup group = kind.newGroup(1, new DefaultThreadFactory("held-test-" + kind, true));
            try (SystemLoop loop = new SystemLoop("held-test-loop");
                 WsTransport t = new WsTransport(loop, group, 1 << 20, null, null, "held-" + kind)) {
                List<String> server = new CopyOnWriteArrayList<>();
                AtomicReference<NettyConnection> accepted = new AtomicReference<>();
                URI url = t.listen("127.0.0.1", 0, c -> {
                    NettyConnection nc = (NettyConnection) c;
                    nc.holdReading(true);
                    accepted.set(nc);
                    c.start(recorder(server));
                });
                List<String> client = new CopyOnWriteArrayList<>();
                MessageConnection c = t.dial(url);
                loop.execute(() -> c.start(recorder(client)));
                await().atMost(Duration.ofSeconds(10)).until(() -> client.contains("open"));
                await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() != null && !accepted.get().reading());
                loop.execute(() -> {
                    for (int i = 0; i < 100; i++) {
                        c.send(new Message.Ping(i));
                    }
                    c.close("done");
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> client.stream().anyMatch(e -> e.startsWith("close")));
                // held: the pings stay in the socket while the node holds, whatever the transport
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> server.stream().noneMatch(e -> e.startsWith("message")));
                accepted.get().holdReading(false);
                await().atMost(Duration.ofSeconds(10))
                    .until(() -> server.stream().filter(e -> e.startsWith("message")).count() == 100);
                assertEquals(100, server.stream().filter(e -> e.startsWith("message")).count(), kind + ": " + server);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
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
                events.add("close: " + reason);
            }
        };
    }
}
