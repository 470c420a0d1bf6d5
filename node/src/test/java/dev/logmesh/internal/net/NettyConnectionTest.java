package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.testkit.ManualLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyConnection} on an {@link EmbeddedChannel} and a manual loop: the {@code send} contract (never
 * throws; a failure is {@code false} and a close) and the bound on received messages waiting for the loop
 * (issue 10, faults 7 and 8).
 */
class NettyConnectionTest {
    static final dev.logmesh.internal.protocol.MessageCodec CODEC = new dev.logmesh.internal.protocol.MessageCodec();
    final ManualLoop loop = new ManualLoop();
    final WsTransportTest.Recorder events = new WsTransportTest.Recorder();

    /** An open connection on an embedded channel, started with {@link #events}. */
    EmbeddedChannel open(NettyConnection conn) {
        EmbeddedChannel ch = new EmbeddedChannel(conn);
        conn.opened(ch);
        conn.start(events);
        loop.runAll();
        assertEquals(List.of("open"), events.events);
        return ch;
    }

    /** An action nested deeper than Jackson writes (1000 levels): it cannot be encoded. */
    /** A custom meta value nested deeper than any JSON writer or reader takes (an action can no longer be). */
    static ObjectNode tooDeep() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode n = root;
        for (int i = 0; i < 1_500; i++) {
            n = n.putObject("a");
        }
        return root;
    }

    @Test
    void aMessageThatCannotBeEncodedIsRefusedAndClosesTheLinkWithoutThrowing() {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = open(conn);
        Message.Sync sync = new Message.Sync(1, List.of(new Message.WireEntry(Action.ofType("deep"),
            dev.logmesh.internal.protocol.WireMeta.toWire(new dev.logmesh.Meta(
                dev.logmesh.ActionId.parse("1 a 0"), 1, 0, List.of(), 0, java.util.Map.of("deep", tooDeep())), "b", 0,
                0))));
        // MessageConnection contract: send never throws
        assertFalse(conn.send(sync), "not accepted");
        ch.runPendingTasks();
        loop.runAll();
        assertEquals(2, events.events.size(), events.events.toString());
        assertTrue(events.events.get(1).startsWith("close: cannot send sync"), events.events.toString());
        assertFalse(conn.send(new Message.Ping(1)), "a closed link accepts nothing");
    }

    @Test
    void aLinkWhosePeerDoesNotReadRefusesAndCloses() {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 1_024);
        EmbeddedChannel ch = open(conn);
        assertTrue(conn.send(new Message.Debug("error", "x".repeat(100))));
        assertFalse(conn.send(new Message.Debug("error", "x".repeat(2_000))), "over the pending bytes");
        ch.runPendingTasks();
        loop.runAll();
        assertTrue(events.events.get(events.events.size() - 1).startsWith("close: peer does not read"),
            events.events.toString());
        assertFalse(conn.send(new Message.Ping(1)));
    }

    @Test
    void sendOnALinkThatIsClosedReturnsFalse() {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = open(conn);
        ch.close();
        loop.runAll();
        assertFalse(conn.send(new Message.Ping(1)));
        assertEquals(List.of("open", "close: connection closed by peer"), events.events);
    }

    /**
     * Frames in direct buffers (as the epoll and NIO transports read them) are copied into the I/O thread's one scratch
     * array, which the next frame overwrites: the messages decoded from it must hold none of it. Three frames read
     * before the loop runs any of them, the later ones shorter, then a malformed one: each message as its frame said.
     */
    @Test
    void messagesDecodedFromDirectBuffersKeepNothingOfTheScratchTheNextFrameOverwrites() throws Exception {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        List<Message> got = new java.util.ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(conn);
        conn.opened(ch);
        conn.start(new dev.logmesh.internal.protocol.MessageConnection.Handler() {
            @Override
            public void onOpen() {
            }

            @Override
            public void onMessage(Message message) {
                got.add(message);
            }

            @Override
            public void onBadInput(dev.logmesh.internal.protocol.ProtocolError error) {
                got.add(null);
            }

            @Override
            public void onClose(String reason) {
            }
        });
        loop.runAll();
        StringBuilder long1 = new StringBuilder("[\"sync\",3");
        for (int i = 0; i < 300; i++) {
            long1.append(",{\"type\":\"long/").append(i).append("\",\"text\":\"").append("x".repeat(i % 7))
                .append("\"},{\"id\":\"").append(1000 + i).append(" far ").append(i).append("\",\"time\":")
                .append(1000 + i).append(",\"reasons\":[\"keep\"]}");
        }
        List<String> frames = List.of(long1.append(']').toString(),
            "[\"sync\",4,{\"type\":\"b\"},{\"id\":\"5 near 0\",\"time\":5}]", "[\"synced\",4]",
            "[\"sync\",5,{\"type\":\"c\"");
        for (String f : frames) {
            io.netty.buffer.ByteBuf direct = io.netty.buffer.Unpooled.directBuffer();
            direct.writeCharSequence(f, java.nio.charset.StandardCharsets.UTF_8);
            assertFalse(direct.hasArray(), "a direct buffer, as the transports read into");
            ch.writeInbound(new TextWebSocketFrame(direct));
        }
        assertEquals(List.of(), got, "none handled before the loop runs: all four frames read first");
        loop.runAll();
        assertEquals(4, got.size(), got.toString());
        for (int i = 0; i < 3; i++) {
            assertEquals(CODEC.decode(frames.get(i)), got.get(i), "frame " + i);
        }
        assertNull(got.get(3), "the cut frame is bad input");
    }

    @Test
    void receivedMessagesWaitingForTheLoopAreBoundedInCountByNotReading() {
        // default limits: 4096 messages or 8 MiB wait for the loop before the channel stops reading
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = open(conn);
        for (int i = 0; i < 4_096; i++) {
            ch.writeInbound(new TextWebSocketFrame("[\"ping\"," + i + "]"));
        }
        assertTrue(ch.config().isAutoRead(), "at the bound: still reading");
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",4096]"));
        assertFalse(ch.config().isAutoRead(), "over it: the channel stops reading, TCP pushes back on the peer");

        loop.runAll(); // the loop catches up
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead(), "reading again once the loop caught up");
        assertEquals(1 + 4_097, events.events.size(), "every message reached the handler, none dropped");
        assertEquals("message ping", events.events.get(4_097));
    }

    @Test
    void receivedMessagesWaitingForTheLoopAreBoundedInBytesByNotReading() {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = open(conn);
        String big = "[\"debug\",\"error\",\"" + "x".repeat(512 * 1024) + "\"]";
        int sent = 0;
        while (ch.config().isAutoRead() && sent < 100) {
            ch.writeInbound(new TextWebSocketFrame(big));
            sent++;
        }
        assertEquals(16, sent, "just over 8 MiB of frames wait, then reading stops");
        loop.runAll();
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        assertEquals(1 + sent, events.events.size());
    }

    @Test
    void readingStaysOffWhileTheNodeHoldsMessagesAndComesBackWhenItLetsGo() {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = open(conn);
        conn.holdReading(true);
        ch.runPendingTasks();
        assertFalse(ch.config().isAutoRead());
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",1]"));
        loop.runAll();
        ch.runPendingTasks();
        assertFalse(ch.config().isAutoRead(), "the backlog is empty but the node still holds");
        conn.holdReading(false);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
    }

    /**
     * A session that handles a message in slices pauses reading ({@link NettyConnection#pauseReading}): the messages
     * it got meanwhile count in the inbound backlog (and a client frame's bytes in the node's budget) until it
     * resumes, and the receive gate letting go ({@link NettyConnection#holdReading}) does not resume its link. Without
     * the count a paused session's messages left the backlog and the budget at once, while it still held them.
     */
    @Test
    void aSessionThatPausesReadingKeepsItsMessagesCountedUntilItResumes() {
        NettyConnection conn = new NettyConnection(loop, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = new EmbeddedChannel(conn);
        conn.opened(ch);
        List<String> got = new java.util.ArrayList<>();
        conn.start(new dev.logmesh.internal.protocol.MessageConnection.Handler() {
            @Override
            public void onOpen() {
            }

            @Override
            public void onMessage(Message m) {
                got.add(m.type());
                conn.pauseReading(true); // handled in slices: the session keeps it, and what follows
            }

            @Override
            public void onBadInput(dev.logmesh.internal.protocol.ProtocolError e) {
            }

            @Override
            public void onClose(String reason) {
            }
        });
        loop.runAll();
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",1]"));
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",2]"));
        loop.runAll();
        ch.runPendingTasks();
        assertEquals(List.of("ping", "ping"), got);
        assertFalse(ch.config().isAutoRead(), "the session paused reading");
        assertEquals(2L * "[\"ping\",1]".length(), conn.inboundBytes(), "both count: the session still holds them");
        conn.holdReading(true);
        conn.holdReading(false); // the receive gate's reason, not the session's
        ch.runPendingTasks();
        assertFalse(ch.config().isAutoRead(), "the gate letting go does not resume a paused session's link");
        conn.pauseReading(false);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        assertEquals(0, conn.inboundBytes());
    }

    /**
     * A frame of {@link NettyConnection#OFF_LOOP_DECODE_BYTES} or more (a client's catch-up) is decoded off the
     * channel's thread, the thread that serves every socket and the node's loop; the frames read after it reach the
     * session after it, in order, each once, and the backlog counts them all until they are handled. Before (session
     * 34) every frame was decoded on the channel's thread: "the large frame was decoded on the channel's thread".
     */
    @Test
    void aLargeFrameIsDecodedOffTheChannelsThreadAndTheFramesAfterItFollowInOrder() {
        java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Map<Runnable, Thread> postedBy = new java.util.concurrent.ConcurrentHashMap<>();
        dev.logmesh.spi.Loop recording = new dev.logmesh.spi.Loop() {
            @Override
            public long now() {
                return 0;
            }

            @Override
            public void execute(Runnable task) {
                postedBy.put(task, Thread.currentThread());
                tasks.add(task);
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean inLoop() {
                return true;
            }
        };
        NettyConnection conn = new NettyConnection(recording, CODEC, 1 << 20, 64L << 20);
        EmbeddedChannel ch = new EmbeddedChannel(conn);
        conn.opened(ch);
        List<String> got = new java.util.ArrayList<>();
        List<Thread> decodedOn = new java.util.ArrayList<>();
        Runnable[] running = {null};
        conn.start(new dev.logmesh.internal.protocol.MessageConnection.Handler() {
            @Override
            public void onOpen() {
            }

            @Override
            public void onMessage(Message m) {
                decodedOn.add(postedBy.get(running[0]));
                got.add(m instanceof Message.Sync s ? "sync " + s.entries().size() : m.type() + " "
                    + ((Message.Ping) m).synced());
            }

            @Override
            public void onBadInput(dev.logmesh.internal.protocol.ProtocolError e) {
                got.add("bad " + e);
            }

            @Override
            public void onClose(String reason) {
            }
        });
        Runnable drain = () -> {
            for (Runnable t; (t = tasks.poll()) != null; ) {
                running[0] = t;
                t.run();
            }
        };
        drain.run();
        StringBuilder big = new StringBuilder("[\"sync\",20000");
        for (int i = 0; i < 20_000; i++) {
            big.append(",{\"type\":\"offline/add\",\"text\":\"").append("x".repeat(50)).append("\"},{\"id\":[")
                .append(i + 1).append(",0],\"time\":").append(i + 1).append('}');
        }
        String frame = big.append(']').toString();
        assertTrue(frame.length() >= NettyConnection.OFF_LOOP_DECODE_BYTES, frame.length() + " bytes");
        Thread channelThread = Thread.currentThread(); // the embedded channel's
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",1]"));
        ch.writeInbound(new TextWebSocketFrame(frame));
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",2]"));
        ch.writeInbound(new TextWebSocketFrame("[\"ping\",3]"));
        assertEquals(frame.length() + 3L * "[\"ping\",1]".length(), conn.inboundBytes(), "all count in the backlog");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> tasks.size() >= 4);
        drain.run();

        assertEquals(List.of("ping 1", "sync 20000", "ping 2", "ping 3"), got, "in order, each once");
        assertTrue(decodedOn.get(1) != channelThread, "the large frame was decoded on the channel's thread");
        assertEquals(channelThread, decodedOn.get(0), "a small frame is decoded where it is read");
        assertEquals(0, conn.inboundBytes(), "the backlog is empty once they are handled");
        assertTrue(ch.config().isAutoRead());
    }
}
