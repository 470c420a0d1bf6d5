package dev.logmesh.internal.net;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.spi.Loop;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MessageConnection} over a Netty WebSocket channel: one JSON message per text frame.
 *
 * <p>The channel's thread decodes each frame from its bytes ({@link MessageCodec#decode(byte[], int, int)})
 * and posts the result to the node's loop as a task, in arrival order (on a {@link dev.logmesh.internal.net.SystemLoop}
 * that is the same thread, so the post wakes nobody). Sends come from the loop and are encoded straight
 * into a buffer and written without blocking; if more than
 * {@code maxPendingBytes} wait to be written, the peer is not reading and the link closes.
 */
final class NettyConnection extends SimpleChannelInboundHandler<WebSocketFrame> implements MessageConnection {
    private final Loop loop;
    /** The node's codec (decodes on the channel's thread; thread-safe). */
    private final MessageCodec codec;
    private final int maxFrameBytes;
    private final long maxPendingBytes;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean closeDelivered = new AtomicBoolean();
    private volatile Channel channel;
    private volatile Handler handler;
    private volatile boolean open;
    private final AtomicBoolean startedOpen = new AtomicBoolean();
    private volatile String closeReason;
    /** A close that reached the loop before {@link #start}; touched on the loop only. */
    private String closeBeforeStart;

    NettyConnection(Loop loop, MessageCodec codec, int maxFrameBytes, long maxPendingBytes) {
        this.codec = codec;
        this.loop = loop;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPendingBytes = maxPendingBytes;
    }

    // ------------------------------------------------------------ MessageConnection (node loop)

    @Override
    public void start(Handler h) {
        this.handler = h;
        if (closeBeforeStart != null) {
            // the link failed before anyone listened (e.g. a refused dial): onClose is still owed
            String reason = closeBeforeStart;
            closeBeforeStart = null;
            loop.execute(() -> h.onClose(reason));
            return;
        }
        if (open && startedOpen.compareAndSet(false, true)) {
            // Already open (an accepted link): open now, on the loop, before any frame task that is queued
            // behind the acceptor; posting it would let the peer's first message overtake it.
            h.onOpen();
        }
    }

    @Override
    public boolean send(Message message) {
        Channel ch = channel;
        if (closed.get() || ch == null || !ch.isActive()) {
            return false;
        }
        // UTF-8 straight into a pooled buffer: no string, no second copy
        ByteBuf buf = ch.alloc().buffer(256);
        try {
            MessageCodec.encode(message, new ByteBufOutputStream(buf));
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new IllegalStateException("cannot encode " + message.type(), e);
        }
        long size = buf.readableBytes();
        if (pending.addAndGet(size) > maxPendingBytes) {
            buf.release();
            pending.addAndGet(-size);
            close("peer does not read: over " + maxPendingBytes + " bytes wait to be sent");
            return false;
        }
        ch.writeAndFlush(new TextWebSocketFrame(buf)).addListener(f -> {
            pending.addAndGet(-size);
            if (!f.isSuccess()) {
                closeWith("write failed: " + f.cause());
            }
        });
        return true;
    }

    @Override
    public void close(String reason) {
        closeWith(reason);
    }

    private void closeWith(String reason) {
        if (closed.compareAndSet(false, true)) {
            closeReason = reason;
            Channel ch = channel;
            if (ch != null && ch.isActive()) {
                ch.writeAndFlush(new CloseWebSocketFrame()).addListener(ChannelFutureListener.CLOSE);
            } else {
                deliverClose(reason);
            }
        }
    }

    @Override
    public String remoteAddress() {
        Channel ch = channel;
        SocketAddress a = ch == null ? null : ch.remoteAddress();
        if (a instanceof InetSocketAddress isa) {
            return isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
        }
        return String.valueOf(a);
    }

    // ------------------------------------------------------------ Netty side (event loop threads)

    /** Called by the transport once the WebSocket handshake completed on this channel. */
    void opened(Channel ch) {
        this.channel = ch;
        this.open = true;
        if (handler != null) {
            deliverOpen();
        }
    }

    private void deliverOpen() {
        if (startedOpen.compareAndSet(false, true)) {
            deliver(Handler::onOpen);
        }
    }

    /** Called by the transport when the connection could not be established. */
    void failed(String reason) {
        closed.set(true);
        deliverClose(reason);
    }

    private void deliverClose(String reason) {
        if (closeDelivered.compareAndSet(false, true)) {
            loop.execute(() -> {
                Handler h = handler;
                if (h != null) {
                    h.onClose(reason);
                } else {
                    closeBeforeStart = reason;
                }
            });
        }
    }

    /**
     * Runs an event on the loop, reading {@link #handler} there: a listener's handler is set by a loop task
     * posted before any frame's (the acceptor's), so reading it on the Netty thread could see null.
     */
    private void deliver(java.util.function.Consumer<Handler> event) {
        loop.execute(() -> {
            Handler h = handler;
            if (h != null) {
                event.accept(h);
            }
        });
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): its outcome arrives as channelInactive
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (closed.get()) {
            return;
        }
        if (frame instanceof TextWebSocketFrame text) {
            ByteBuf content = text.content();
            if (!ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
                // (Netty's per-frame validator is off: this check reads 8 bytes at a time while they are ASCII)
                ProtocolError e = ProtocolError.wrongFormat("text frame that is not UTF-8",
                    "a text frame that is not valid UTF-8");
                deliver(h -> h.onBadInput(e));
                return;
            }
            Message m;
            try {
                if (content.hasArray()) {
                    m = codec.decode(content.array(), content.arrayOffset() + content.readerIndex(),
                        content.readableBytes());
                } else {
                    m = codec.decode(ByteBufUtil.getBytes(content), 0, content.readableBytes());
                }
            } catch (ProtocolError e) {
                deliver(h -> h.onBadInput(e));
                return;
            }
            deliver(h -> h.onMessage(m));
        } else if (frame instanceof BinaryWebSocketFrame) {
            ProtocolError e = ProtocolError.wrongFormat("binary frame",
                "binary frames are not part of protocol 5: send JSON in text frames");
            deliver(h -> h.onBadInput(e));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.close();
        }
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): its outcome arrives as channelInactive
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (badFrame(cause)) {
            return;
        }
        closeWith("connection error: " + cause);
        ctx.close();
    }

    /**
     * A handler to put just before Netty's WebSocket protocol handler: that handler closes the channel at once
     * on any exception, so a frame over the limit or a broken frame would never get its {@code wrong-format}
     * answer. This one takes those exceptions first and hands them to the session, which answers and closes
     * (the frame decoder discards the rest of the input meanwhile).
     */
    ChannelInboundHandlerAdapter frameErrors() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (!badFrame(cause)) {
                    ctx.fireExceptionCaught(cause);
                }
            }
        };
    }

    /** Reports a frame-level error as bad input. @return false if {@code cause} is not one */
    private boolean badFrame(Throwable cause) {
        if (!(cause instanceof TooLongFrameException || cause instanceof CorruptedWebSocketFrameException
            || cause instanceof CorruptedFrameException)) {
            return false;
        }
        if (closed.get()) {
            return true;
        }
        String what = cause instanceof TooLongFrameException || String.valueOf(cause.getMessage()).contains("length")
            ? "frame over the limit of " + maxFrameBytes + " bytes" : "broken WebSocket frame: " + cause.getMessage();
        ProtocolError e = ProtocolError.wrongFormat(what, what);
        deliver(h -> h.onBadInput(e));
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed.set(true);
        String r = closeReason;
        deliverClose(r != null ? r : "connection closed by peer");
        super.channelInactive(ctx);
    }
}
