package dev.logmesh.internal.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.Message;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A link this node closes ({@link NettyConnection#close}) stays open after its close frame until the peer closes its
 * end (at most {@link NettyConnection#CLOSE_WAIT_MILLIS}), reading and dropping what the peer still sends, so the
 * peer reads this node's last messages. Before (session 32) the TCP connection closed as soon as the close frame was
 * written: with the peer's bytes unread, or still on their way, TCP reset it, and the peer's next write failed and
 * closed its end before it had read what came before the close (a third node's twin notice to a copy of a node: the
 * copy's session ended with "write failed: ... Connection reset by peer").
 */
class LinkCloseTest {

    /**
     * Both ends hold reading (so the peer's bytes wait unread at the closing end, and the closing end's last message
     * and close frame wait unread at the peer), the closing end sends its last words and closes, the peer writes and
     * then reads. Before, the peer's first or second write met the reset and it never got the last words (3 runs of
     * 3). On NIO only: with native epoll a reset makes Netty read whatever autoRead says.
     */
    @Test
    void thePeerOfALinkClosedOverItsUnreadBytesWritesOnAndReadsTheLastWords() throws Exception {
        EventLoopGroup group = NettyTransport.NIO.newGroup(1, new DefaultThreadFactory("close-test", true));
        try (SystemLoop loop = new SystemLoop("close-test-loop");
             WsTransport t = new WsTransport(loop, group, 1 << 20, null, null, "close-test")) {
            AtomicReference<NettyConnection> closer = new AtomicReference<>();
            WsTransportTest.Recorder closerEvents = new WsTransportTest.Recorder();
            URI url = t.listen("127.0.0.1", 0, c -> {
                closer.set((NettyConnection) c);
                c.start(closerEvents);
            });
            WsTransportTest.Recorder peerEvents = new WsTransportTest.Recorder();
            NettyConnection peer = (NettyConnection) t.dial(url);
            loop.execute(() -> peer.start(peerEvents));
            await().atMost(Duration.ofSeconds(10)).until(() -> peerEvents.events.contains("open") && closer.get() != null);
            closer.get().holdReading(true);
            peer.holdReading(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !closer.get().reading() && !peer.reading());
            // the peer's ping waits unread at the closing end
            assertTrue(peer.channel().writeAndFlush(new TextWebSocketFrame("[\"ping\",1]")).await().isSuccess());
            loop.execute(() -> {
                closer.get().send(new Message.Debug("error", "last words"));
                closer.get().close("done");
            });
            // the peer writes on (five pings, 100 ms apart, well within the closing end's wait for its close)
            AtomicInteger written = new AtomicInteger();
            await().atMost(Duration.ofSeconds(5)).until(() -> !peer.channel().writeAndFlush(
                new TextWebSocketFrame("[\"ping\",2]")).await().isSuccess() || written.incrementAndGet() == 5);
            peer.holdReading(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> peerEvents.events.stream()
                .anyMatch(e -> e.startsWith("close")));
            assertTrue(peerEvents.events.contains("message debug"), peerEvents.events.toString());
            // and the closing end ends as soon as the peer closed its end
            await().atMost(Duration.ofSeconds(10)).until(() -> closerEvents.events.contains("close: done"));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
