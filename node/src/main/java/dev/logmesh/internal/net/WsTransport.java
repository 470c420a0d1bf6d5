package dev.logmesh.internal.net;

import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.MessageTransport;

import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.spi.Loop;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket transport on Netty: a listener that hands each accepted link to the node, and a dialer.
 * Text frames only, one JSON message per frame, any URL path, no WebSocket subprotocol (as Logux).
 *
 * <p>On a {@link SystemLoop} the channels run on the loop's own thread ({@link SystemLoop#ioGroup()}), so
 * reading, decoding, handling and writing need no hand-off between threads. On any other loop (a manual one in
 * tests) the transport has a Netty thread of its own that frames and decodes; either way every
 * {@link MessageConnection.Handler} call runs as a task on the node's {@link Loop}.
 */
public final class WsTransport implements MessageTransport {
    private static final Logger LOG = LoggerFactory.getLogger(WsTransport.class);

    /** Default largest frame accepted: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    /** Bytes waiting to be written before a link counts as stuck and closes. */
    public static final long DEFAULT_MAX_PENDING_BYTES = 64L << 20;

    private final Loop loop;
    private final int maxFrameBytes;
    /** This node's codec: one per transport, so one per node (its interner is the node's). */
    private final MessageCodec codec = new MessageCodec();
    private final EventLoopGroup group;
    /** Whether {@link #group} is the node loop's (closed with the loop) rather than this transport's. */
    private final boolean sharedGroup;
    /** Every channel of this transport (listener, accepted and dialed), closed by {@link #close()}. */
    private final ChannelGroup channels;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SslContext serverTls;
    /** Made at the first wss:// dial (null: refused): the JDK's trust store costs ~400 classes at start. */
    private final java.util.function.Supplier<SslContext> clientTls;

    /**
     * @param serverTls TLS for the listener (wss), or null for plain ws
     * @param clientTls TLS settings for dialing wss:// URLs, or null to refuse them
     */
    public WsTransport(Loop loop, int maxFrameBytes, SslContext serverTls, SslContext clientTls, String name) {
        this(loop, maxFrameBytes, serverTls, clientTls == null ? null : () -> clientTls, name);
    }

    /**
     * As {@link #WsTransport(Loop, int, SslContext, SslContext, String)}, with the dialer's TLS settings made
     * when a wss:// URL is first dialed (a supplier that throws fails that dial with its message).
     */
    public static WsTransport lazyClientTls(Loop loop, int maxFrameBytes, SslContext serverTls,
                                            java.util.function.Supplier<SslContext> clientTls, String name) {
        return new WsTransport(loop, maxFrameBytes, serverTls, clientTls, name);
    }

    private WsTransport(Loop loop, int maxFrameBytes, SslContext serverTls,
                        java.util.function.Supplier<SslContext> clientTls, String name) {
        this.loop = Objects.requireNonNull(loop);
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("max frame size must be at least 1024 bytes");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.serverTls = serverTls;
        this.clientTls = clientTls;
        if (loop instanceof SystemLoop sl) {
            this.group = sl.ioGroup();
            this.sharedGroup = true;
        } else {
            this.group = new MultiThreadIoEventLoopGroup(1, r -> {
                Thread t = new Thread(r, "logmesh-net-" + name);
                t.setDaemon(true);
                return t;
            }, NioIoHandler.newFactory());
            this.sharedGroup = false;
        }
        this.channels = new DefaultChannelGroup("logmesh-" + name, group.next());
    }

    /**
     * Listens for WebSocket links; each accepted link is handed to {@code acceptor} on the node's loop
     * (already open: its handler's {@code onOpen} follows {@code start}).
     *
     * @return {@code ws://host:port} with the real port when {@code port} is 0, and 127.0.0.1 for a wildcard
     *     host
     */
    @Override
    public URI listen(String host, int port, Consumer<MessageConnection> acceptor) throws java.io.IOException {
        InetSocketAddress bound;
        try {
            bound = bind(host, port, acceptor);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted while binding", e);
        } catch (RuntimeException e) {
            throw new java.io.IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        String h = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        return URI.create((serverTls != null ? "wss://" : "ws://") + h + ":" + bound.getPort());
    }

    private InetSocketAddress bind(String host, int port, Consumer<MessageConnection> acceptor) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    channels.add(ch);
                    ChannelPipeline p = ch.pipeline();
                    if (serverTls != null) {
                        p.addLast(serverTls.newHandler(ch.alloc()));
                    }
                    NettyConnection conn = new NettyConnection(loop, codec, maxFrameBytes, DEFAULT_MAX_PENDING_BYTES);
                    p.addLast(new HttpServerCodec());
                    p.addLast(new HttpObjectAggregator(64 * 1024));
                    p.addLast(conn.frameErrors());
                    p.addLast(new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                        .websocketPath("/")
                        .checkStartsWith(true)
                        .handshakeTimeoutMillis(10_000)
                        .dropPongFrames(true)
                        .decoderConfig(WebSocketDecoderConfig.newBuilder()
                            .maxFramePayloadLength(maxFrameBytes)
                            .closeOnProtocolViolation(false)
                            .allowExtensions(false)
                            .withUTF8Validator(false) // NettyConnection checks whole frames, faster
                            .build())
                        .build()));
                    p.addLast(new WebSocketFrameAggregator(maxFrameBytes));
                    p.addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                conn.opened(ctx.channel());
                                loop.execute(() -> acceptor.accept(conn));
                            }
                            super.userEventTriggered(ctx, evt);
                        }
                    });
                    p.addLast(conn);
                }
            });
        Channel serverChannel = b.bind(host, port).sync().channel();
        channels.add(serverChannel);
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.debug("listening on {}", bound);
        return bound;
    }

    /**
     * Dials a {@code ws://} or {@code wss://} URL. The returned connection reports {@code onOpen} once the
     * WebSocket handshake completed, or {@code onClose} if it failed.
     */
    @Override
    public MessageConnection dial(URI url) {
        NettyConnection conn = new NettyConnection(loop, codec, maxFrameBytes, DEFAULT_MAX_PENDING_BYTES);
        boolean tls = "wss".equalsIgnoreCase(url.getScheme());
        if (!tls && !"ws".equalsIgnoreCase(url.getScheme())) {
            conn.failed("not a ws:// or wss:// URL: " + url);
            return conn;
        }
        if (tls && clientTls == null) {
            conn.failed("wss:// is not configured on this node");
            return conn;
        }
        SslContext clientContext;
        try {
            clientContext = tls ? clientTls.get() : null;
        } catch (RuntimeException e) {
            conn.failed("cannot use TLS: " + e.getMessage());
            return conn;
        }
        int port = url.getPort() > 0 ? url.getPort() : (tls ? 443 : 80);
        String host = url.getHost();
        Bootstrap b = new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ChannelPipeline p = ch.pipeline();
                    if (tls) {
                        p.addLast(clientContext.newHandler(ch.alloc(), host, port));
                    }
                    p.addLast(new HttpClientCodec());
                    p.addLast(new HttpObjectAggregator(64 * 1024));
                    p.addLast(conn.frameErrors());
                    p.addLast(new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                        .webSocketUri(url)
                        .maxFramePayloadLength(maxFrameBytes)
                        .withUTF8Validator(false) // NettyConnection checks whole frames, faster
                        .handshakeTimeoutMillis(10_000)
                        .dropPongFrames(true)
                        .build()));
                    p.addLast(new WebSocketFrameAggregator(maxFrameBytes));
                    p.addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): reported as channelInactive
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                conn.opened(ctx.channel());
                            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                                conn.failed("WebSocket handshake with " + url + " timed out");
                                ctx.close();
                            }
                            super.userEventTriggered(ctx, evt);
                        }
                    });
                    p.addLast(conn);
                }
            });
        ChannelFuture f = b.connect(host, port);
        channels.add(f.channel());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                conn.failed("cannot connect to " + url + ": " + (c == null ? "cancelled" : c.getMessage()));
            }
        });
        return conn;
    }

    /** Stops listening, closes every link and releases the threads (waits up to 5 s). */
    @Override
    public void close() {
        if (closed.getAndSet(true) || group.isShuttingDown()) {
            return;
        }
        io.netty.util.concurrent.Future<?> f = channels.close();
        if (!group.next().inEventLoop()) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (!sharedGroup) {
            // a shared group is the node loop's, closed with the loop
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
