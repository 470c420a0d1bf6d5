package dev.logmesh.internal.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.testkit.ManualLoop;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@link WsTransport} without a network: the {@link MessageConnection} contract for dials that fail at once. */
class WsTransportTest {

    /** Records a connection's events (any thread reads them). */
    static final class Recorder implements MessageConnection.Handler {
        final List<String> events = new CopyOnWriteArrayList<>();
        /** Bytes reported so far ({@link #onBytes}); added on the loop, read anywhere. */
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        /** {@link #bytes} when each message arrived. */
        final List<Long> bytesAtMessages = new CopyOnWriteArrayList<>();

        @Override
        public void onBytes(long count) {
            bytes.addAndGet(count);
        }

        @Override
        public void onOpen() {
            events.add("open");
        }

        @Override
        public void onMessage(Message message) {
            bytesAtMessages.add(bytes.get());
            events.add("message " + message.type());
        }

        @Override
        public void onBadInput(ProtocolError error) {
            events.add("bad " + error.wireType());
        }

        @Override
        public void onClose(String reason) {
            events.add("close: " + reason);
        }
    }

    @Test
    void dialThatFailsBeforeStartStillReportsClose() {
        // The node calls dial() and then start(handler) in the same loop task (Redialer via SessionHub.open).
        // A failure reported before start must still reach the handler, or the session never ends and the
        // redialer never dials again (MessageConnection contract: onClose exactly once).
        ManualLoop loop = new ManualLoop();
        try (WsTransport t = new WsTransport(loop, null, 4096, null, null, "test")) {
            for (String url : List.of("http://127.0.0.1:1/", "wss://127.0.0.1:1/")) {
                MessageConnection c = t.dial(URI.create(url));
                Recorder r = new Recorder();
                c.start(r);
                loop.runAll();
                assertEquals(1, r.events.size(), url + ": " + r.events);
                assertEquals(true, r.events.get(0).startsWith("close: "), r.events.toString());
                assertEquals(false, c.send(new Message.Ping(0)), "a closed link accepts nothing");
            }
        }
    }

    @Test
    void linksUsePooledBuffers() throws Exception {
        // Netty 4.2's default, the adaptive allocator, cost a cold CLI dialer's loop ~10% of its catch-up (README,
        // "Performance", the CLI catch-up's objects and buffers): both ends of a link take the pooled one
        try (SystemLoop loop = new SystemLoop("pooled-test-loop");
             WsTransport t = new WsTransport(loop, null, 1 << 20, null, null, "pooled-test")) {
            NettyConnection[] ends = openLink(loop, t);
            assertSame(PooledByteBufAllocator.DEFAULT, ends[0].channel().alloc(), "the dialer's");
            assertSame(PooledByteBufAllocator.DEFAULT, ends[1].channel().alloc(), "the listener's");
        }
    }

    /**
     * Both ends' frame decoders drop decoded bytes after every read (Netty's default, 16 reads, let a catch-up's
     * decoder buffer grow to 4 MiB and take a second pooled chunk: docs/performance.md, "The CLI catch-up's stdout
     * line").
     */
    @Test
    void linksFrameDecodersDiscardAfterEachRead() throws Exception {
        try (SystemLoop loop = new SystemLoop("discard-test-loop");
             WsTransport t = new WsTransport(loop, null, 1 << 20, null, null, "discard-test")) {
            NettyConnection[] ends = openLink(loop, t);
            assertEquals(1, discardAfterReads(ends[0]), "the dialer's");
            assertEquals(1, discardAfterReads(ends[1]), "the listener's");
        }
    }

    /** A link of {@code t} to itself, open at both ends: {dialer's end, listener's end}. */
    private static NettyConnection[] openLink(SystemLoop loop, WsTransport t) throws Exception {
        List<MessageConnection> accepted = new CopyOnWriteArrayList<>();
        URI url = t.listen("127.0.0.1", 0, c -> {
            accepted.add(c);
            c.start(new Recorder());
        });
        Recorder client = new Recorder();
        MessageConnection c = t.dial(url);
        loop.execute(() -> c.start(client));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.events.contains("open") && !accepted.isEmpty());
        return new NettyConnection[] {(NettyConnection) c, (NettyConnection) accepted.get(0)};
    }

    /** The frame decoder's {@code discardAfterReads} (Netty keeps it private, with a setter only). */
    private static int discardAfterReads(NettyConnection c) throws Exception {
        Object decoder = c.channel().pipeline().get(io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder.class);
        java.lang.reflect.Field f = io.netty.handler.codec.ByteToMessageDecoder.class.getDeclaredField("discardAfterReads");
        f.setAccessible(true);
        return f.getInt(decoder);
    }

    /**
     * The bytes of a frame reach the session as they are read, ahead of the frame (on a slow link, while it
     * crosses): a frame of 300 kB is reported in full before its message, from the handler ahead of the decoders.
     */
    @Test
    void bytesReadAreReportedBeforeTheMessageTheyCarry() throws Exception {
        try (SystemLoop loop = new SystemLoop("bytes-test-loop");
             WsTransport t = new WsTransport(loop, null, 1 << 20, null, null, "bytes-test")) {
            Recorder server = new Recorder();
            URI url = t.listen("127.0.0.1", 0, c -> c.start(server));
            Recorder client = new Recorder();
            MessageConnection c = t.dial(url);
            loop.execute(() -> c.start(client));
            await().atMost(Duration.ofSeconds(10)).until(() -> client.events.contains("open"));
            String text = "x".repeat(300_000);
            loop.execute(() -> c.send(new Message.Debug("error", text)));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events.contains("message debug"));
            assertTrue(server.bytesAtMessages.get(0) >= text.length(), server.bytesAtMessages + " " + server.events);
        }
    }

    /**
     * Listens on {@code host} (any port), dials the URL the transport returns and sends a ping over it: the URL is
     * returned once the listening side got the ping (up to 10 s each step).
     */
    static URI listenDialAndPing(SystemLoop loop, WsTransport t, String host) throws Exception {
        Recorder server = new Recorder();
        URI url = t.listen(host, 0, c -> c.start(server));
        Recorder client = new Recorder();
        MessageConnection c = t.dial(url);
        loop.execute(() -> c.start(client));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.events.contains("open"));
        loop.execute(() -> c.send(new Message.Ping(7)));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.events.contains("message ping"));
        return url;
    }
}
