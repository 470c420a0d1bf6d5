package dev.logmesh.transport;

import dev.logmesh.protocol.Message;
import dev.logmesh.protocol.MessageCodec;
import dev.logmesh.protocol.ProtocolError;
import dev.logmesh.sync.Connection;
import dev.logmesh.time.Loop;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Connection} over a Netty WebSocket channel: one JSON message per text frame.
 *
 * <p>Netty's thread decodes each frame ({@link MessageCodec#decode}) and posts the result to the node's
 * loop, in arrival order. Sends come from the loop and are written without blocking; if more than
 * {@code maxPendingBytes} wait to be written, the peer is not reading and the link closes.
 */
final class NettyConnection extends SimpleChannelInboundHandler<WebSocketFrame> implements Connection {
    private final Loop loop;
    private final int maxFrameBytes;
    private final long maxPendingBytes;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean closeDelivered = new AtomicBoolean();
    private volatile Channel channel;
    private volatile Handler handler;
    private volatile boolean open;
    private volatile boolean startedOpen;
    private volatile String closeReason;
    /**
     * Events that happened before {@link #start} (a listener's peer may send {@code connect} before the
     * node's loop has made the session; a dial may fail before it): delivered in order right after start.
     * Null once started. Guarded by {@code this}.
     */
    private java.util.List<java.util.function.Consumer<Handler>> early = new java.util.ArrayList<>();

    NettyConnection(Loop loop, int maxFrameBytes, long maxPendingBytes) {
        this.loop = loop;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPendingBytes = maxPendingBytes;
    }

    // ------------------------------------------------------------ Connection (node loop)

    @Override
    public void start(Handler h) {
        synchronized (this) {
            this.handler = h;
            if (open) {
                deliverOpen();
            }
            for (java.util.function.Consumer<Handler> e : early) {
                loop.execute(() -> e.accept(h));
            }
            early = null;
        }
    }

    /** Posts an event to the handler on the loop, in order; before {@link #start} it waits in {@link #early}. */
    private void deliver(java.util.function.Consumer<Handler> event) {
        Handler h;
        synchronized (this) {
            if (early != null) {
                early.add(event);
                return;
            }
            h = handler;
        }
        loop.execute(() -> event.accept(h));
    }

    @Override
    public boolean send(Message message) {
        Channel ch = channel;
        if (closed.get() || ch == null || !ch.isActive()) {
            return false;
        }
        String text = MessageCodec.encode(message);
        long size = text.length();
        if (pending.addAndGet(size) > maxPendingBytes) {
            close("peer does not read: over " + maxPendingBytes + " bytes wait to be sent");
            return false;
        }
        ch.writeAndFlush(new TextWebSocketFrame(text)).addListener(f -> {
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
        synchronized (this) {
            this.open = true;
            if (handler != null) {
                deliverOpen();
            }
        }
    }

    /** Called with this object's lock held. */
    private void deliverOpen() {
        if (startedOpen) {
            return;
        }
        startedOpen = true;
        Handler h = handler;
        loop.execute(h::onOpen);
    }

    /** Called by the transport when the connection could not be established. */
    void failed(String reason) {
        closed.set(true);
        deliverClose(reason);
    }

    private void deliverClose(String reason) {
        if (closeDelivered.compareAndSet(false, true)) {
            deliver(h -> h.onClose(reason));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (closed.get()) {
            return;
        }
        if (frame instanceof TextWebSocketFrame text) {
            String s = text.text();
            Message m;
            try {
                m = MessageCodec.decode(s);
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
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if ((cause instanceof TooLongFrameException || cause instanceof CorruptedWebSocketFrameException
            || cause instanceof CorruptedFrameException)) {
            String what = cause instanceof TooLongFrameException || String.valueOf(cause.getMessage()).contains("length")
                ? "frame over the limit of " + maxFrameBytes + " bytes" : "broken WebSocket frame: " + cause.getMessage();
            ProtocolError e = ProtocolError.wrongFormat(what, what);
            deliver(h -> h.onBadInput(e));
            return;
        }
        closeWith("connection error: " + cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed.set(true);
        String r = closeReason;
        deliverClose(r != null ? r : "connection closed by peer");
        super.channelInactive(ctx);
    }
}
