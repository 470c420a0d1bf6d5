package dev.logmesh.internal.net;

import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.MessageTransport;

import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.protocol.UrlHost;
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
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
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
 * <p>The node says where the channels run: on its own loop thread ({@link SystemLoop#ioGroup()}), so reading,
 * decoding, handling and writing need no hand-off between threads; or, for any other loop (a given one, a manual
 * one in tests), on a Netty thread of the transport's own that frames and decodes. Either way every
 * {@link MessageConnection.Handler} call runs as a task on the node's {@link Loop}.
 *
 * <h2>Connections before the upgrade</h2>
 * An accepted TCP connection costs a file descriptor from the moment it is accepted, but it is handed to the
 * node only once its WebSocket upgrade (and TLS handshake) completed. Until then the transport guards it
 * alone: it closes a connection that has not completed its upgrade within {@link Limits#upgradeTimeoutMillis()}
 * of being accepted (idle, or sending its request a byte at a time), and while {@link Limits#maxPendingUpgrades()}
 * are before their upgrade it stops accepting: the connections that come meanwhile wait in the listen backlog of the
 * system and are accepted, in the order they came, as those before them upgrade or are closed. So idle or half-sent
 * requests cannot exhaust the node's descriptors; the price is that a flood of them can delay a real peer's
 * connection until the deadline clears them. A burst of real connections (hundreds of Logux clients coming back
 * after a restart of their node) waits a moment rather than being closed: before session 32 every connection
 * accepted over the cap was closed at once, which a {@code @logux/client} in Node.js reports as "socket hang up" and
 * throws (its process ends unless the app catches the node's errors), where {@code @logux/server} took them all
 * ({@code UpgradeDeadlineTest}). Should more than the cap be accepted before accepting stops (those already accepted
 * by the system call that reached it), more than twice the cap (at least the cap and 16) are closed at once.
 */
public final class WsTransport implements MessageTransport {
    private static final Logger LOG = LoggerFactory.getLogger(WsTransport.class);

    /** Default largest frame accepted: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    /** Default largest frame a Logux client's session takes: 100 MiB, as {@code @logux/server} 0.14 ({@code ws}). */
    public static final int DEFAULT_MAX_CLIENT_FRAME_BYTES = 100 << 20;
    /** Bytes waiting to be written before a link counts as stuck and closes. */
    public static final long DEFAULT_MAX_PENDING_BYTES = 64L << 20;
    /** Default time an accepted connection has to complete its WebSocket upgrade: 10 s. */
    public static final long DEFAULT_UPGRADE_TIMEOUT_MILLIS = 10_000;
    /** Default number of accepted connections that may be before their upgrade at once. */
    public static final int DEFAULT_MAX_PENDING_UPGRADES = 64;
    /** Default bytes of received frames a link may have waiting for the node's loop before it stops reading. */
    public static final long DEFAULT_MAX_INBOUND_BYTES = 8L << 20;
    /** Default number of received messages a link may have waiting for the loop before it stops reading. */
    public static final int DEFAULT_MAX_INBOUND_MESSAGES = 4_096;
    /** How often at most the transport logs that it refused connections over the cap, or paused accepting. */
    private static final long REFUSAL_LOG_MILLIS = 10_000;

    /**
     * The transport's resource bounds.
     *
     * @param maxPendingBytes      bytes waiting to be written before a link counts as stuck and closes
     * @param maxInboundBytes      frame bytes a link may have waiting for the loop before it stops reading (it
     *                             reads again once both backlogs are down to half)
     * @param maxInboundMessages   messages a link may have waiting for the loop before it stops reading
     * @param upgradeTimeoutMillis time an accepted connection has to complete its WebSocket upgrade (and TLS
     *                             handshake); also the dialer's handshake timeout
     * @param maxPendingUpgrades   accepted connections that may be before their upgrade at once; more are
     *                             closed as soon as they are accepted
     */
    public record Limits(long maxPendingBytes, long maxInboundBytes, int maxInboundMessages,
                         long upgradeTimeoutMillis, int maxPendingUpgrades) {
        /** Every default. */
        public static final Limits DEFAULT = new Limits(DEFAULT_MAX_PENDING_BYTES, DEFAULT_MAX_INBOUND_BYTES,
            DEFAULT_MAX_INBOUND_MESSAGES, DEFAULT_UPGRADE_TIMEOUT_MILLIS, DEFAULT_MAX_PENDING_UPGRADES);

        /** @throws IllegalArgumentException for a bound that is not positive */
        public Limits {
            if (maxPendingBytes <= 0 || maxInboundBytes <= 0 || maxInboundMessages <= 0 || upgradeTimeoutMillis <= 0
                || maxPendingUpgrades <= 0) {
                throw new IllegalArgumentException("transport limits must be > 0");
            }
        }

        /** These limits with another upgrade deadline and cap. */
        public Limits withUpgrades(long timeoutMillis, int maxPending) {
            return new Limits(maxPendingBytes, maxInboundBytes, maxInboundMessages, timeoutMillis, maxPending);
        }

        /** These limits with another inbound backlog bound. */
        public Limits withInbound(long bytes, int messages) {
            return new Limits(maxPendingBytes, bytes, messages, upgradeTimeoutMillis, maxPendingUpgrades);
        }
    }

    private final Loop loop;
    private final int maxFrameBytes;
    /** The largest frame of an accepted link once its session is a Logux client's ({@link FrameLimit}). */
    private volatile int maxClientFrameBytes;
    /** This node's codec: one per transport, so one per node (its interner is the node's). */
    private final MessageCodec codec = new MessageCodec();
    private final Limits limits;
    /** Accepted connections whose upgrade has not completed; any thread. */
    private final java.util.concurrent.atomic.AtomicInteger preUpgrade = new java.util.concurrent.atomic.AtomicInteger();
    /** Connections refused over the hard bound since the last log line, and when that was; any thread. */
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private volatile long refusedLoggedAt = System.nanoTime() / 1_000_000 - REFUSAL_LOG_MILLIS;
    /** The listening channels, whose accepting {@link #updateAccepting()} pauses at the cap; guarded by itself. */
    private final List<Channel> listeners = new ArrayList<>();
    /** Whether the listeners accept (guarded by {@link #listeners}). */
    private boolean accepting = true;
    /** When accepting last paused, for the log line at most every {@link #REFUSAL_LOG_MILLIS} (guarded). */
    private long pausedLoggedAt = System.nanoTime() / 1_000_000 - REFUSAL_LOG_MILLIS;
    private final EventLoopGroup group;
    /** Whether {@link #group} was given (closed by its owner) rather than made by this transport. */
    private final boolean sharedGroup;
    /** Every channel of this transport (listener, accepted and dialed), closed by {@link #close()}. */
    private final ChannelGroup channels;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SslContext serverTls;
    /** Made at the first wss:// dial (null: refused): the JDK's trust store costs ~400 classes at start. */
    private final java.util.function.Supplier<SslContext> clientTls;

    /**
     * @param loop      the node's loop, where every connection event is delivered
     * @param ioGroup   the Netty event loop to put the channels on (the node's own {@link SystemLoop#ioGroup()},
     *                  not closed by the transport), or null for a Netty thread of this transport's own
     * @param serverTls TLS for the listener (wss), or null for plain ws
     * @param clientTls TLS settings for dialing wss:// URLs, or null to refuse them
     * @param name      names the transport's thread
     */
    public WsTransport(Loop loop, EventLoopGroup ioGroup, int maxFrameBytes, SslContext serverTls,
                       SslContext clientTls, String name) {
        this(loop, ioGroup, maxFrameBytes, serverTls, clientTls, name, Limits.DEFAULT);
    }

    /**
     * @param loop      the node's loop, where every connection event is delivered
     * @param ioGroup   the Netty event loop to put the channels on, or null for a Netty thread of this transport's own
     * @param serverTls TLS for the listener (wss), or null for plain ws
     * @param clientTls TLS settings for dialing wss:// URLs, or null to refuse them
     * @param name      names the transport's thread
     * @param limits    the transport's resource bounds
     */
    public WsTransport(Loop loop, EventLoopGroup ioGroup, int maxFrameBytes, SslContext serverTls,
                       SslContext clientTls, String name, Limits limits) {
        this(loop, ioGroup, maxFrameBytes, serverTls, clientTls == null ? null : () -> clientTls, name, limits);
    }

    /**
     * As {@link #WsTransport(Loop, EventLoopGroup, int, SslContext, SslContext, String, Limits)}, with the
     * dialer's TLS settings made when a wss:// URL is first dialed (a supplier that throws fails that dial with
     * its message).
     */
    public static WsTransport lazyClientTls(Loop loop, EventLoopGroup ioGroup, int maxFrameBytes,
                                            SslContext serverTls, java.util.function.Supplier<SslContext> clientTls,
                                            String name, Limits limits) {
        return new WsTransport(loop, ioGroup, maxFrameBytes, serverTls, clientTls, name, limits);
    }

    /**
     * The client frame limit, {@code bytes}, of this transport's links (by default the frame limit); set before
     * {@link #listen} and the first {@link #dial}. An accepted link takes frames up to it once its session is a Logux
     * client's ({@link MessageConnection#takeClientFrames}); before that, and on mesh links, the frame limit holds.
     * A dialed link takes frames up to it from the start, because the peer may be a Logux server whose catch-up
     * follows {@code connected} in one {@code sync} frame, until its session finds a mesh peer
     * ({@link MessageConnection#takeMeshFrames}): the peer of a dialed link is one the node chose, so the frame limit
     * before the handshake, which guards an accepted link against anyone who connects, is relaxed there.
     * {@link FrameLimit} reads the frame headers and refuses a larger frame before the decoder buffers it. Returns
     * this.
     *
     * @throws IllegalArgumentException if {@code bytes} is below the frame limit
     */
    public WsTransport clientFrames(int bytes) {
        if (bytes < maxFrameBytes) {
            throw new IllegalArgumentException("the client frame limit (" + bytes + " bytes) must be at least the "
                + "frame limit (" + maxFrameBytes + " bytes)");
        }
        maxClientFrameBytes = bytes;
        return this;
    }

    /**
     * {@link #clientFrames(int)}, and a node-wide budget: the accepted links' client messages over the frame limit
     * being read at once (from their frame headers until the node's loop has handled them) take at most
     * {@code budgetBytes} bytes together; a frame that would go over is refused from its header ({@code wrong-format}
     * and a close) before it is buffered. Set before {@link #listen}. Returns this.
     *
     * @throws IllegalArgumentException if {@code bytes} is below the frame limit, or {@code budgetBytes} below
     *     {@code bytes}
     */
    public WsTransport clientFrames(int bytes, long budgetBytes) {
        if (budgetBytes < bytes) {
            throw new IllegalArgumentException("the client frame budget (" + budgetBytes + " bytes) must be at least "
                + "the client frame limit (" + bytes + " bytes)");
        }
        clientFrames(bytes);
        clientFrameBudget = new FrameBudget(budgetBytes);
        return this;
    }

    /** The budget for client frames over the frame limit, shared by every accepted link, or null for none. */
    private volatile FrameBudget clientFrameBudget;

    /** Counts the bytes of every connection's frames, or null; set before the first listen or dial. */
    private volatile dev.logmesh.internal.protocol.WireStats stats;

    /** Counts the bytes of the frames of every connection made from now on into {@code value}; returns this. */
    public WsTransport countInto(dev.logmesh.internal.protocol.WireStats value) {
        stats = value;
        return this;
    }

    private WsTransport(Loop loop, EventLoopGroup ioGroup, int maxFrameBytes, SslContext serverTls,
                        java.util.function.Supplier<SslContext> clientTls, String name, Limits limits) {
        this.loop = Objects.requireNonNull(loop);
        this.limits = Objects.requireNonNull(limits);
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("max frame size must be at least 1024 bytes");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.maxClientFrameBytes = maxFrameBytes;
        this.serverTls = serverTls;
        this.clientTls = clientTls;
        NettyTransport.applyLeakDetection(); // the channels' buffers: off unless the process chose a level
        if (ioGroup != null) {
            this.group = ioGroup;
            this.sharedGroup = true;
        } else {
            this.group = NettyTransport.current().newGroup(1, r -> {
                Thread t = new Thread(r, "logmesh-net-" + name);
                t.setDaemon(true);
                return t;
            });
            this.sharedGroup = false;
        }
        this.channels = new DefaultChannelGroup("logmesh-" + name, group.next());
    }

    /**
     * Listens for WebSocket links; each accepted link is handed to {@code acceptor} on the node's loop
     * (already open: its handler's {@code onOpen} follows {@code start}).
     *
     * @return {@code ws://host:port} with the real port when {@code port} is 0, and a real address of this machine
     *     for a wildcard host ({@link Advertised})
     */
    @Override
    public URI listen(String host, int port, Consumer<MessageConnection> acceptor) throws java.io.IOException {
        InetSocketAddress bound;
        try {
            bound = bind(host, port, acceptor);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted while binding", e);
        } catch (Exception e) {
            // also Netty's checked bind failure (NativeIoException, "Address already in use"), which sync() rethrows
            // undeclared: it named neither the address nor the port (embed22, PortInUseTest)
            throw new java.io.IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        String h = bound.getAddress().isAnyLocalAddress() ? Advertised.wildcardHost()
            : bound.getAddress().getHostAddress();
        return URI.create((serverTls != null ? "wss://" : "ws://") + UrlHost.of(h) + ":" + bound.getPort());
    }

    private InetSocketAddress bind(String host, int port, Consumer<MessageConnection> acceptor) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(NettyTransport.of(group).serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    if (!admit(ch)) {
                        return;
                    }
                    pooledBuffers(ch);
                    channels.add(ch);
                    ChannelPipeline p = ch.pipeline();
                    if (serverTls != null) {
                        p.addLast(new TlsOnly(serverTls)); // the TLS handler once the first bytes are TLS
                    }
                    NettyConnection conn = new NettyConnection(loop, codec, maxFrameBytes, limits.maxPendingBytes(), limits, stats);
                    // Netty's decoder and aggregator take the largest frame this link may get; the link's own limit,
                    // raised if the session becomes a client's, is enforced from the frame headers, before them
                    int ceiling = maxClientFrameBytes;
                    p.addLast(conn.byteProgress());
                    p.addLast(conn.frameLimit(ceiling, clientFrameBudget));
                    p.addLast(new HttpServerCodec());
                    p.addLast(new HttpObjectAggregator(64 * 1024));
                    p.addLast(conn.frameErrors());
                    p.addLast(new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                        .websocketPath("/")
                        .checkStartsWith(true)
                        .handshakeTimeoutMillis(limits.upgradeTimeoutMillis())
                        .dropPongFrames(true)
                        .decoderConfig(WebSocketDecoderConfig.newBuilder()
                            .maxFramePayloadLength(ceiling)
                            .closeOnProtocolViolation(false)
                            .allowExtensions(false)
                            .withUTF8Validator(false) // NettyConnection checks whole frames, faster
                            .build())
                        .build()));
                    p.addLast(new WebSocketFrameAggregator(ceiling));
                    p.addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                discardAfterEachRead(ctx.pipeline());
                                upgraded(ctx.channel());
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
        synchronized (listeners) {
            listeners.add(serverChannel);
        }
        updateAccepting();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.debug("listening on {}", bound);
        return bound;
    }

    /**
     * Gives a link Netty's pooled buffer allocator (4.1's default), unless {@code io.netty.allocator.type} says
     * which one to use. Netty 4.2's default, the adaptive allocator, cost a cold dialer's loop ~10% of its samples
     * in a catch-up (its code interpreted, then compiled by C2 while the catch-up runs); with the pooled one the
     * loop's CPU and C2's in the CLI catch-up's window fell (docs/performance.md, the CLI catch-up's objects).
     * Set per channel, when it is made, so a node that never links pays nothing for it at start.
     */
    static void pooledBuffers(SocketChannel ch) {
        if (System.getProperty("io.netty.allocator.type") == null) {
            ch.config().setAllocator(io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        }
    }

    /**
     * Has the link's WebSocket frame decoder drop the bytes it has decoded after every read, not after 16 (Netty's
     * {@code ByteToMessageDecoder} default): in a catch-up the next frame is always partly read, so the decoder's
     * buffer kept 16 reads' worth of decoded frames, grew by doubling to 4 MiB and took a second 4 MiB pooled chunk,
     * which the JDK zeroes as it is made (~1,000 first touches of a page, ~20 ms of a cold dialer's loop on this VM:
     * docs/performance.md, "The CLI catch-up's stdout line"). Now that buffer holds about a frame and what follows it.
     * On the channel's event loop, once the handshake has put the decoder in the pipeline.
     */
    static void discardAfterEachRead(ChannelPipeline p) {
        if (p.get(io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder.class)
            instanceof io.netty.handler.codec.ByteToMessageDecoder d) {
            d.setDiscardAfterReads(1);
        }
    }

    /** Whether an accepted connection has not completed its upgrade yet (set on it while it has not). */
    private static final io.netty.util.AttributeKey<Boolean> PRE_UPGRADE =
        io.netty.util.AttributeKey.valueOf(WsTransport.class, "preUpgrade");

    /**
     * Takes an accepted connection in as "before its upgrade", with its deadline, and stops accepting once
     * {@link Limits#maxPendingUpgrades()} are before theirs; or closes it at once when more than {@link #hardBound()}
     * are (connections accepted before accepting stopped). On the channel's event loop.
     *
     * @return false if it was closed
     */
    // close() and schedule(): their outcome is the channel closing (counted by the close listener)
    @SuppressWarnings("FutureReturnValueIgnored")
    private boolean admit(SocketChannel ch) {
        int pending = preUpgrade.incrementAndGet();
        if (pending >= limits.maxPendingUpgrades()) {
            updateAccepting();
        }
        if (pending > hardBound()) {
            preUpgrade.decrementAndGet();
            ch.close();
            long n = refused.incrementAndGet();
            long now = System.nanoTime() / 1_000_000;
            if (now - refusedLoggedAt >= REFUSAL_LOG_MILLIS) {
                refusedLoggedAt = now;
                refused.addAndGet(-n);
                LOG.warn("closed {} connection(s) at once (the last from {}): {} others have not completed their "
                    + "WebSocket upgrade yet", n, ch.remoteAddress(), hardBound());
            }
            return false;
        }
        ch.attr(PRE_UPGRADE).set(Boolean.TRUE);
        ch.closeFuture().addListener(f -> leavePreUpgrade(ch));
        ch.eventLoop().schedule(() -> {
            if (ch.attr(PRE_UPGRADE).get() != null && ch.isOpen()) {
                LOG.debug("closing {}: no WebSocket upgrade within {} ms", ch.remoteAddress(),
                    limits.upgradeTimeoutMillis());
                ch.close();
            }
        }, limits.upgradeTimeoutMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    /** The connection's upgrade completed: it no longer counts against the cap nor has a deadline. */
    private void upgraded(Channel ch) {
        leavePreUpgrade(ch);
    }

    private void leavePreUpgrade(Channel ch) {
        if (ch.attr(PRE_UPGRADE).getAndSet(null) != null) {
            if (preUpgrade.decrementAndGet() < limits.maxPendingUpgrades() && !accepting()) {
                updateAccepting();
            }
        }
    }

    /** Connections before their upgrade past which one more accepted is closed at once. */
    private int hardBound() {
        int cap = limits.maxPendingUpgrades();
        return cap + Math.max(cap, 16);
    }

    private boolean accepting() {
        synchronized (listeners) {
            return accepting;
        }
    }

    /**
     * Has the listeners accept while fewer than the cap are before their upgrade, and not while as many are (the
     * system keeps the connections that come meanwhile in its listen backlog). Under the lock, from the count as it
     * is then: whichever call runs last saw every change made before it, so the listeners end as the count says.
     * Any thread.
     */
    private void updateAccepting() {
        synchronized (listeners) {
            boolean want = preUpgrade.get() < limits.maxPendingUpgrades();
            if (want == accepting) {
                return;
            }
            accepting = want;
            for (Channel l : listeners) {
                l.config().setAutoRead(want);
            }
            long now = System.nanoTime() / 1_000_000;
            if (!want && now - pausedLoggedAt >= REFUSAL_LOG_MILLIS) {
                pausedLoggedAt = now;
                LOG.info("{} connections have not completed their WebSocket upgrade yet: the next ones wait until "
                    + "they have (or are closed at the deadline of {} ms)", limits.maxPendingUpgrades(),
                    limits.upgradeTimeoutMillis());
            }
        }
    }

    /** Accepted connections that have not completed their upgrade (for tests and status); any thread. */
    public int pendingUpgrades() {
        return preUpgrade.get();
    }

    /**
     * Dials a {@code ws://} or {@code wss://} URL. The returned connection reports {@code onOpen} once the
     * WebSocket handshake completed, or {@code onClose} if it failed.
     */
    @Override
    public MessageConnection dial(URI url) {
        NettyConnection conn = new NettyConnection(loop, codec, maxFrameBytes, limits.maxPendingBytes(), limits, stats);
        // the peer may be a Logux server, whose catch-up after connected is one sync frame of any size: the link takes
        // frames up to the client frame limit until its session finds a mesh peer (NettyConnection.dialedFrameLimit)
        int ceiling = maxClientFrameBytes;
        boolean tls = "wss".equalsIgnoreCase(url.getScheme());
        if (!tls && !"ws".equalsIgnoreCase(url.getScheme())) {
            conn.failed("not a ws:// or wss:// URL");
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
            .channel(NettyTransport.of(group).socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    pooledBuffers(ch);
                    ChannelPipeline p = ch.pipeline();
                    if (tls) {
                        p.addLast(clientContext.newHandler(ch.alloc(), host, port));
                    }
                    p.addLast(conn.byteProgress());
                    p.addLast(conn.dialedFrameLimit(ceiling));
                    p.addLast(new HttpClientCodec());
                    p.addLast(new HttpObjectAggregator(64 * 1024));
                    p.addLast(conn.frameErrors());
                    p.addLast(new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                        .webSocketUri(url)
                        .maxFramePayloadLength(ceiling)
                        .withUTF8Validator(false) // NettyConnection checks whole frames, faster
                        .handshakeTimeoutMillis(limits.upgradeTimeoutMillis())
                        .dropPongFrames(true)
                        .build()));
                    p.addLast(new WebSocketFrameAggregator(ceiling));
                    p.addLast(new ChannelInboundHandlerAdapter() {
                        /** The upgrade completed; until then a failure is said with the URL, as a dial failure. */
                        private boolean upgraded;

                        @Override
                        @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): reported as channelInactive
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                upgraded = true;
                                discardAfterEachRead(ctx.pipeline());
                                conn.opened(ctx.channel());
                            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                                conn.failed("no WebSocket upgrade answer within " + limits.upgradeTimeoutMillis()
                                    + " ms (connected, but nothing answered: not a logmesh/Logux endpoint?)");
                                ctx.close();
                            }
                            super.userEventTriggered(ctx, evt);
                        }

                        @Override
                        @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): reported as channelInactive
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
                            if (upgraded) {
                                super.exceptionCaught(ctx, cause);
                                return;
                            }
                            conn.failed(beforeUpgrade(host, cause));
                            ctx.close();
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                            if (!upgraded) {
                                conn.failed("closed the connection before the WebSocket upgrade answered "
                                    + (tls ? "(not a logmesh/Logux endpoint?)"
                                        : "(not a logmesh/Logux endpoint, or a ws:// URL for a wss:// node? "
                                            + "dial it with wss://HOST:PORT)"));
                            }
                            super.channelInactive(ctx);
                        }
                    });
                    p.addLast(conn);
                }
            });
        // Resolved here, as Netty's default resolver would on the loop (the same blocking InetAddress lookup): that
        // resolver hangs a listener on the loop's termination, which Netty runs on its global executor, whose
        // non-daemon thread then outlived every close by up to 1 s (embed25; CloseLeavesNoThreadTest)
        InetSocketAddress address = resolve(host, port);
        if (address.isUnresolved()) {
            conn.failed("cannot connect: unknown host " + host + " (check the name, or give an IP address)");
            return conn;
        }
        ChannelFuture f = b.disableResolver().connect(address);
        channels.add(f.channel());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                if (isRefused(c)) {
                    conn.connectRefused();
                }
                // a URL without a port dials the scheme's default: said, since "ws://127.0.0.1" is mostly a port
                // forgotten (embed33: "connection refused (nothing listens on that port ...)" named no port)
                String noPort = url.getPort() > 0 ? "" : "; the URL names no port, so port " + port + " (the default "
                    + "of " + url.getScheme() + "://) was dialed: give the node's port, ws://HOST:PORT";
                conn.failed("cannot connect: " + (c == null ? "cancelled"
                    : c instanceof java.net.UnknownHostException ? "unknown host " + host
                        + " (check the name, or give an IP address)" : connectError(c) + noPort));
            }
        });
        return conn;
    }

    /**
     * The address of {@code host} (a name or a literal) and {@code port}, looked up now on this thread, or an
     * unresolved one for a name that does not resolve: one address, the first the system gives, as Netty's default
     * resolver ({@code DefaultNameResolver}) picks.
     */
    @SuppressWarnings("AddressSelection") // the address Netty's default resolver dialed: the first one
    private static InetSocketAddress resolve(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    /**
     * A dial's failure before its WebSocket upgrade completed, in one line, without the URL (whoever shows it
     * shows the URL next to it: the peers list, the redialer's warning): an HTTP server that is no WebSocket
     * endpoint ({@code python3 -m http.server}, a web page) answers the upgrade with its own status; a TLS
     * handshake fails for a certificate this node does not trust, or one for another host.
     *
     * @param host the host dialed
     */
    static String beforeUpgrade(String host, Throwable cause) {
        if (cause instanceof WebSocketClientHandshakeException h) {
            HttpResponse r = h.response();
            if (r != null && "tls".equals(r.headers().get(TlsOnly.HEADER))) {
                return "a wss:// node (it speaks TLS): dial it with wss://HOST:PORT";
            }
            if (r != null && r.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                return "not a logmesh/Logux WebSocket endpoint: it answered the upgrade with HTTP " + r.status().code()
                    + " (a WebSocket endpoint answers 101)";
            }
            return "not a logmesh/Logux WebSocket endpoint: a broken upgrade answer (" + h.getMessage() + ")";
        }
        String tls = NettyConnection.tlsHandshake(cause, host);
        if (tls != null) {
            return tls;
        }
        String what = NettyConnection.what(cause);
        return what.equals(String.valueOf(cause)) ? "connection error: " + what : what;
    }

    /**
     * Whether a failed TCP connect was refused (a reset: nothing listens at the port), not timed out or unroutable.
     * Netty says it as a {@code ConnectException} whose message ends in the OS's "Connection refused" (the JDK's
     * and the epoll transport's alike); its {@code ConnectTimeoutException} is one too, but not this.
     */
    static boolean isRefused(Throwable c) {
        return c instanceof java.net.ConnectException && !(c instanceof io.netty.channel.ConnectTimeoutException)
            && String.valueOf(c.getMessage()).contains("Connection refused");
    }

    /**
     * A failed TCP connect in words, without the address Netty appends ({@code finishConnect(..) failed: Connection
     * refused: /127.0.0.1:7001}): the URL is shown next to it.
     */
    static String connectError(Throwable c) {
        String m = String.valueOf(c.getMessage());
        m = m.replaceFirst("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ", "").replaceFirst(": [^ ]*/[0-9a-fA-F.:\\[\\]%]+:\\d+$", "");
        if (c instanceof io.netty.channel.ConnectTimeoutException) {
            return "no answer within 5 s (a host that is down, or a firewall that drops the packets)";
        }
        if (isRefused(c)) {
            return "connection refused (nothing listens on that port: not started yet, or another port?)";
        }
        return m.isEmpty() ? String.valueOf(c) : Character.toLowerCase(m.charAt(0)) + m.substring(1);
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
            // a given group is its owner's (the node loop's), closed with it
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
