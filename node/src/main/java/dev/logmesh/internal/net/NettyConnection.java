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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MessageConnection} over a Netty WebSocket channel: one JSON message per text frame.
 *
 * <p>The channel's thread decodes each frame from its bytes ({@link MessageCodec#decode(byte[], int, int)})
 * and posts the result to the node's loop as a task, in arrival order (on a {@link dev.logmesh.internal.net.SystemLoop}
 * that is the same thread, so the post wakes nobody). Sends come from the loop and are encoded straight
 * into a buffer and written without blocking; if more than
 * {@code maxPendingBytes} wait to be written, the peer is not reading and the link closes.
 *
 * <h2>Errors</h2>
 * {@link #send} never throws (the {@link MessageConnection} contract): a message that cannot be encoded, a link
 * that is closed or a peer that does not read all make it return {@code false}, and every failure but the first
 * (a closed link) closes the link, reported as {@link Handler#onClose} with the reason. An {@link Error} caught
 * in the pipeline (out of memory while decoding) is not a link problem: it is rethrown on the node's loop, which
 * ends the node.
 *
 * <h2>Inbound backpressure</h2>
 * Decoded messages wait for the loop as tasks. Their frame bytes and count are tracked from decoding until the
 * session has handled them; over {@code maxInboundBytes} or {@code maxInboundMessages} the channel stops
 * reading (Netty {@code autoRead} off, so TCP pushes back on the peer) until the loop has worked the backlog
 * down to half of both. {@link #holdReading} stops reading for another reason: the node asked to receive
 * nothing for now ({@link ReceiveGate}); {@link #pauseReading} for a third: the session handles a large message in
 * slices, and the messages it got meanwhile count in the backlog (and the client frame budget) until it resumes.
 * Nothing read is ever dropped.
 */
final class NettyConnection extends SimpleChannelInboundHandler<WebSocketFrame> implements MessageConnection {
    private static final Logger LOG = LoggerFactory.getLogger(NettyConnection.class);

    private final Loop loop;
    /** The node's codec (decodes on the channel's thread; thread-safe). */
    private final MessageCodec codec;
    private final int maxFrameBytes;
    private final long maxPendingBytes;
    private final long maxInboundBytes;
    private final int maxInboundMessages;
    /** Frame bytes decoded and posted to the loop, not yet handled there; any thread. */
    private final AtomicLong inboundBytes = new AtomicLong();
    /** Messages decoded and posted to the loop, not yet handled there; any thread. */
    private final AtomicInteger inboundMessages = new AtomicInteger();
    /** Whether reading is off because of the inbound backlog; the channel's event loop only (read elsewhere). */
    private volatile boolean backlogged;
    /** Whether reading is off because the node holds received messages ({@link #holdReading}); any thread. */
    private volatile boolean held;
    /** Whether reading is off because the session is still handling an earlier message ({@link #pauseReading}). */
    private volatile boolean sessionPaused;
    /**
     * Sizes of the messages handed to the session while it paused reading, which it still holds (a frame it handles in
     * slices, messages waiting behind it): they count in the inbound backlog and the client frame budget until it
     * resumes reading. The node's loop only.
     */
    private final java.util.ArrayDeque<Integer> kept = new java.util.ArrayDeque<>();
    private final AtomicLong pending = new AtomicLong();
    /**
     * Bytes read from the peer and not yet reported to the loop ({@link #byteProgress}); added on the channel's
     * event loop, taken on the node's loop. Non-zero means a report task is on its way.
     */
    private final AtomicLong unreportedBytes = new AtomicLong();
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
        this(loop, codec, maxFrameBytes, maxPendingBytes, WsTransport.Limits.DEFAULT);
    }

    /**
     * @param limits the inbound backlog bounds ({@link WsTransport.Limits#maxInboundBytes()},
     *               {@link WsTransport.Limits#maxInboundMessages()})
     */
    NettyConnection(Loop loop, MessageCodec codec, int maxFrameBytes, long maxPendingBytes, WsTransport.Limits limits) {
        this(loop, codec, maxFrameBytes, maxPendingBytes, limits, null);
    }

    /** @param stats counts the bytes of frames sent and received, or null */
    NettyConnection(Loop loop, MessageCodec codec, int maxFrameBytes, long maxPendingBytes, WsTransport.Limits limits,
                    dev.logmesh.internal.protocol.WireStats stats) {
        this.stats = stats;
        this.codec = codec;
        this.loop = loop;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPendingBytes = maxPendingBytes;
        this.maxInboundBytes = limits.maxInboundBytes();
        this.maxInboundMessages = limits.maxInboundMessages();
    }

    // ------------------------------------------------------------ MessageConnection (node loop)

    /** Counts frame bytes, or null. Set at construction; read on the channel's thread. */
    private final dev.logmesh.internal.protocol.WireStats stats;
    /**
     * The link's frame limit ({@link #frameLimit} for an accepted link, {@link #dialedFrameLimit} for a dialed one),
     * or null (Netty's decoder's only).
     */
    private volatile FrameLimit frameLimit;
    /** What {@link #takeClientFrames} raises {@link #frameLimit} to (a dialed link's starts at it). */
    private volatile int maxClientFrameBytes;

    /**
     * A handler to put ahead of the HTTP and WebSocket decoders of an accepted link (after TLS, with the decoder and
     * aggregator built for {@code maxClientFrameBytes}): it holds the link to this connection's frame limit until the
     * session makes it a client's ({@link #takeClientFrames}), then to {@code maxClientFrameBytes}. Call once.
     */
    ChannelInboundHandlerAdapter frameLimit(int maxClientFrameBytes) {
        return frameLimit(maxClientFrameBytes, null);
    }

    /**
     * {@link #frameLimit(int)} with the node's budget for client frames over the frame limit being read at once
     * ({@link FrameBudget}), or null for none: a message's bytes count from its header until its handler has run.
     */
    ChannelInboundHandlerAdapter frameLimit(int maxClientFrameBytes, FrameBudget budget) {
        FrameLimit f = new FrameLimit(maxFrameBytes, budget);
        this.maxClientFrameBytes = maxClientFrameBytes;
        this.frameLimit = f;
        return f;
    }

    /**
     * A handler to put ahead of the HTTP and WebSocket decoders of a dialed link (after TLS, with the decoder and
     * aggregator built for {@code maxClientFrameBytes}): it holds the link to {@code maxClientFrameBytes} from the
     * start, until the session finds a mesh peer ({@link #takeMeshFrames}), then to this connection's frame limit.
     * A dialed peer may be a Logux server, whose catch-up after {@code connected} is one {@code sync} frame of any
     * size, read before the node's loop could raise a limit; and the peer is one this node chose to dial (a
     * {@code --peer} URL, a mesh node it discovered), so the frame limit is not needed before the handshake as it
     * is on an accepted link, where anyone may connect. Call once.
     */
    ChannelInboundHandlerAdapter dialedFrameLimit(int maxClientFrameBytes) {
        FrameLimit f = new FrameLimit(maxClientFrameBytes, true);
        this.maxClientFrameBytes = maxClientFrameBytes;
        this.frameLimit = f;
        return f;
    }

    /** Raises the link's frame limit to the client frame limit (an accepted link's; a dialed one is at it). */
    @Override
    public void takeClientFrames() {
        FrameLimit f = frameLimit;
        if (f != null) {
            f.raise(maxClientFrameBytes);
        }
    }

    /** Lowers the link's frame limit to the frame limit (a dialed link's, whose peer is a mesh peer). */
    @Override
    public void takeMeshFrames() {
        FrameLimit f = frameLimit;
        if (f != null) {
            f.lower(maxFrameBytes);
        }
    }

    /** A data message of {@code bytes} was handled or refused: its bytes of the frame budget go back. Any thread. */
    private void frameDone(int bytes) {
        FrameLimit f = frameLimit;
        if (f != null) {
            f.handled(bytes);
        }
    }

    /** The link's frame limit now, in bytes (for tests and errors); any thread. */
    int frameLimitNow() {
        FrameLimit f = frameLimit;
        return f != null ? f.limit() : maxFrameBytes;
    }

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

    /**
     * Encodes a message straight into a buffer and writes it without blocking. Never throws: returns false when
     * the link is not open (nothing else happens: its {@code onClose} comes or came on its own), and closes the
     * link and returns false when the message cannot be encoded or the peer does not read.
     */
    @Override
    public boolean send(Message message) {
        Channel ch = channel;
        if (closed.get() || ch == null || !ch.isActive()) {
            return false;
        }
        ByteBuf buf = null;
        try {
            // UTF-8 straight into a pooled buffer: no string, no second copy
            buf = ch.alloc().buffer(256);
            MessageCodec.encode(message, new ByteBufOutputStream(buf));
            long size = buf.readableBytes();
            if (stats != null) {
                stats.bytesOut(size);
            }
            if (pending.addAndGet(size) > maxPendingBytes) {
                pending.addAndGet(-size);
                buf.release();
                buf = null;
                closeWith("peer does not read: over " + maxPendingBytes + " bytes wait to be sent");
                return false;
            }
            ByteBuf frame = buf;
            buf = null; // the write owns it now, and releases it whatever happens
            ch.writeAndFlush(new TextWebSocketFrame(frame)).addListener(f -> {
                pending.addAndGet(-size);
                if (!f.isSuccess()) {
                    closeWith("write failed: " + f.cause());
                }
            });
            return true;
        } catch (IOException | RuntimeException e) {
            if (buf != null) {
                buf.release();
            }
            LOG.warn("cannot send {} to {}: {}", message.type(), remoteAddress(), e.toString());
            closeWith("cannot send " + message.type() + ": " + e);
            return false;
        }
    }

    @Override
    public void close(String reason) {
        closeWith(reason, true);
    }

    /**
     * How long a link this node closes stays open after its close frame, waiting for the peer to close its end
     * (RFC 6455 §7.1.1: a peer answers a close frame and the server closes the TCP connection first), while what
     * the peer still sends is read and dropped: closed with unread bytes, or under bytes still on their way, TCP
     * resets the connection, and a peer whose write meets the reset closes its link before it has read this node's
     * last messages (a twin notice, an {@code error}). A peer that does not close within it is closed on. Only for
     * a close the node asks for ({@link #close}); a link that fails (a peer that does not read, a message that cannot
     * be encoded, an I/O error) closes at once.
     */
    static final long CLOSE_WAIT_MILLIS = 2_000;

    /** Closes the link at once (after its close frame): it failed. */
    private void closeWith(String reason) {
        closeWith(reason, false);
    }

    /**
     * Closes the link after its close frame: at once, or ({@code awaitPeer}) once the peer closed its end, reading on
     * meanwhile, within {@link #CLOSE_WAIT_MILLIS}.
     */
    private void closeWith(String reason, boolean awaitPeer) {
        if (closed.compareAndSet(false, true)) {
            closeReason = reason;
            Channel ch = channel;
            if (ch != null && ch.isActive()) {
                // onClose follows from channelInactive. Before (session 32) the TCP connection was closed as soon as
                // the close frame was written: a copy of a node told of its twin had its link reset under a write
                // of its own, and dropped the notice unread ("write failed: Connection reset by peer")
                ch.writeAndFlush(new CloseWebSocketFrame()).addListener(f -> awaitPeerClose(ch,
                    awaitPeer && f.isSuccess()));
                if (awaitPeer) {
                    checkReadingLater(); // reads on (and drops) whatever the backlog or a hold had stopped
                }
            } else {
                deliverClose(reason);
            }
        }
    }

    /**
     * After this node's close frame: closes the channel once the peer did or in time ({@code wait}: the frame was
     * written and the close was asked for), else at once.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // ch.close(): its outcome arrives as channelInactive
    private static void awaitPeerClose(Channel ch, boolean wait) {
        if (!wait || !ch.isActive()) {
            ch.close();
            return;
        }
        io.netty.util.concurrent.Future<?> deadline = ch.eventLoop().schedule(() -> ch.close(), CLOSE_WAIT_MILLIS,
            java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
    }

    /**
     * Stops reading from the peer (true) or lets reading resume (false, once the inbound backlog allows): the
     * node holds received messages ({@link ReceiveGate}). Any thread.
     */
    void holdReading(boolean hold) {
        held = hold;
        checkReadingLater();
    }

    /**
     * Stops reading from the peer (true) or lets reading resume (false, once nothing else stops it): the session is
     * handling a large message in slices. Apart from {@link #holdReading}. Any thread.
     */
    @Override
    public void pauseReading(boolean paused) {
        if (sessionPaused != paused) {
            sessionPaused = paused;
            if (!paused) {
                while (!kept.isEmpty()) {
                    int size = kept.poll();
                    handled(size);
                    frameDone(size);
                }
            }
            checkReadingLater();
        }
    }

    /** Runs {@link #checkReading} on the channel's event loop (nothing to do once that loop has stopped). */
    private void checkReadingLater() {
        Channel ch = channel;
        if (ch != null) {
            try {
                ch.eventLoop().execute(this::checkReading);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the transport is closed: the channel reads nothing any more anyway
            }
        }
    }

    /** Whether the channel reads now (for tests and logs); any thread. */
    boolean reading() {
        Channel ch = channel;
        return ch != null && ch.config().isAutoRead();
    }

    /** Frame bytes decoded and not yet handled on the loop (for tests); any thread. */
    long inboundBytes() {
        return inboundBytes.get();
    }

    /** A decoded message is on its way to the loop; on the channel's event loop. */
    private void queued(int bytes) {
        inboundBytes.addAndGet(bytes);
        inboundMessages.incrementAndGet();
        checkReading();
    }

    /** A message reached its handler; on the node's loop. */
    private void handled(int bytes) {
        long b = inboundBytes.addAndGet(-bytes);
        int n = inboundMessages.decrementAndGet();
        if (backlogged && b <= maxInboundBytes / 2 && n <= maxInboundMessages / 2) {
            checkReadingLater();
        }
    }

    /**
     * Turns reading off or on: off while the node holds messages or the backlog is over its bounds, on again
     * once neither holds and the backlog is down to half (hysteresis, so it does not flap per message). On the
     * channel's event loop.
     */
    private void checkReading() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        long b = inboundBytes.get();
        int n = inboundMessages.get();
        boolean over = backlogged
            ? b > maxInboundBytes / 2 || n > maxInboundMessages / 2
            : b > maxInboundBytes || n > maxInboundMessages;
        if (over != backlogged) {
            backlogged = over;
            LOG.debug("{}: {} reading ({} bytes, {} messages wait for the loop)", remoteAddress(),
                over ? "stopped" : "resumed", b, n);
        }
        boolean read = closed.get() || (!over && !held && !sessionPaused); // a closing link reads until the peer closes (closeWith)
        if (ch.config().isAutoRead() != read) {
            ch.config().setAutoRead(read);
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

    @Override
    public String remoteEndpoint() {
        Channel ch = channel;
        return endpoint(ch == null ? null : ch.remoteAddress());
    }

    @Override
    public String localEndpoint() {
        Channel ch = channel;
        return ch == null ? null : endpoint(ch.localAddress());
    }

    /** {@code 127.0.0.1:40122}, {@code [::1]:40122}. */
    private static String endpoint(SocketAddress a) {
        if (a instanceof InetSocketAddress isa) {
            String host = isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + isa.getPort();
        }
        return String.valueOf(a);
    }

    // ------------------------------------------------------------ Netty side (event loop threads)

    /** The link's channel once it opened, else null (for tests). */
    Channel channel() {
        return channel;
    }

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

    /** Whether the dial's TCP connect was refused ({@link #refused()}); set before {@link #failed}. */
    private volatile boolean connectRefused;

    @Override
    public boolean refused() {
        return connectRefused;
    }

    /** Called by the transport when the TCP connect was refused, before {@link #failed}. */
    void connectRefused() {
        connectRefused = true;
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
            int size = content.readableBytes();
            if (stats != null) {
                stats.bytesIn(size);
            }
            if (size >= OFF_LOOP_DECODE_BYTES || (decoding != null && !decoding.isDone())) {
                // a client's large frame (a catch-up of what it added offline, up to the client frame limit) is
                // decoded off this thread, which serves every socket and the node's loop; the frames read after it
                // wait their turn behind it, so the session gets them in order
                queued(size);
                content.retain();
                // (a decode that failed in a way decodeOffLoop did not catch must not stop the frames behind it)
                CompletableFuture<Void> before = decoding == null ? CompletableFuture.completedFuture(null)
                    : decoding.exceptionally(failed -> null);
                decoding = before.thenRunAsync(() -> decodeOffLoop(content, size), DECODER);
                return;
            }
            Message m;
            try {
                m = decode(content, size, true);
            } catch (ProtocolError e) {
                frameDone(size);
                deliver(h -> h.onBadInput(e));
                return;
            }
            queued(size);
            post(m, size);
        } else if (frame instanceof BinaryWebSocketFrame) {
            frameDone(frame.content().readableBytes());
            ProtocolError e = ProtocolError.wrongFormat("binary frame",
                "binary frames are not part of protocol 5: send JSON in text frames");
            deliver(h -> h.onBadInput(e));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.close();
        }
    }

    /**
     * Frames of this many bytes or more are decoded off the channel's thread ({@link #DECODER}): only a client's
     * frame is this large (a mesh frame is at most {@code --max-frame}, 1 MiB by default). A frame of 100 MiB (the
     * client frame limit) held the thread that serves every socket and the node's loop for 1-4 s in its decode
     * alone, a time the loop's slow-task warning did not see (session 34).
     */
    static final int OFF_LOOP_DECODE_BYTES = 1 << 20;

    /**
     * Decodes large frames ({@link #OFF_LOOP_DECODE_BYTES}), one at a time for all the JVM's links (their bytes are
     * bounded by the node's client frame budget); its daemon thread ends after a second without work, so a closed
     * node leaves none.
     */
    private static final java.util.concurrent.ExecutorService DECODER = decoder();

    private static java.util.concurrent.ExecutorService decoder() {
        java.util.concurrent.ThreadPoolExecutor e = new java.util.concurrent.ThreadPoolExecutor(1, 1, 1,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "logmesh-frame-decoder");
                t.setDaemon(true);
                return t;
            });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /**
     * The decode of this link's last frame handed to {@link #DECODER}, or null: the frames read after it are decoded
     * behind it (in order) until it is done. The channel's event loop only.
     */
    private CompletableFuture<Void> decoding;

    /**
     * Decodes a frame of {@code size} bytes on {@link #DECODER} (already counted as {@link #queued}) and hands the
     * message, or the bad input, to the node's loop; releases {@code content}.
     */
    private void decodeOffLoop(ByteBuf content, int size) {
        Message m;
        ProtocolError bad = null;
        try {
            m = decode(content, size, false);
        } catch (ProtocolError e) {
            m = null;
            bad = e;
        } catch (RuntimeException e) {
            LOG.warn("cannot decode a frame of {} bytes from {}: {}", size, remoteAddress(), e.toString());
            m = null;
            bad = ProtocolError.wrongFormat("frame that cannot be decoded", "a frame that cannot be decoded: " + e);
        } catch (Error e) {
            // out of memory while decoding: not a link problem, the node's loop ends the node (the class docs)
            loop.execute(() -> {
                throw e;
            });
            return;
        } finally {
            content.release();
        }
        if (bad != null) {
            ProtocolError error = bad;
            loop.execute(() -> {
                handled(size);
                frameDone(size);
                Handler h = handler;
                if (h != null) {
                    h.onBadInput(error);
                }
            });
        } else {
            post(m, size);
        }
    }

    /**
     * Decodes a text frame's {@code size} bytes (on the channel's thread, or on {@link #DECODER} for a large frame).
     * On the channel's thread ({@code channelThread}) a frame in a direct buffer is copied into {@link #SCRATCH}.
     * A catch-up's frames, and the synced of each round trip, in one pass: the scan checks every byte's UTF-8 as it
     * goes, so a frame it takes needs no separate pass (that pass was a fifth of the loop thread's samples in a cold
     * CLI catch-up).
     *
     * @throws ProtocolError the frame is not valid UTF-8, or not a message
     */
    private Message decode(ByteBuf content, int size, boolean channelThread) throws ProtocolError {
        byte[] bytes;
        int offset;
        if (content.hasArray()) {
            bytes = content.array();
            offset = content.arrayOffset() + content.readerIndex();
        } else if (channelThread) {
            bytes = scratch(size);
            content.getBytes(content.readerIndex(), bytes, 0, size);
            offset = 0;
        } else {
            bytes = ByteBufUtil.getBytes(content);
            offset = 0;
        }
        Message m = codec.decodeCommon(bytes, offset, size);
        if (m != null) {
            return m;
        }
        if (!ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
            // (Netty's per-frame validator is off: this check reads 8 bytes at a time while they are ASCII)
            throw ProtocolError.wrongFormat("text frame that is not UTF-8", "a text frame that is not valid UTF-8");
        }
        return codec.decodeStreaming(bytes, offset, size);
    }

    /**
     * Each I/O thread's copy of the last frame it decoded from a buffer without an array (a pooled direct buffer, as
     * the epoll and NIO transports read into): {@link #decode} copies the frame there, not into a new array a frame.
     * Nothing decoded keeps the array (the scanner and the streaming decoder copy out what a message holds: action
     * texts, ids, strings), so the next frame on the thread may overwrite it. In a catch-up that new array was the
     * largest allocation a received entry caused (its share of a ~180 KB frame, ~90 bytes an entry of ~610 in a CLI
     * dialer's catch-up; fresh heap the kernel zeroes: docs/performance.md, "Session 53"). Grown to the largest frame
     * decoded on the thread, which is below {@link #OFF_LOOP_DECODE_BYTES} (larger ones are decoded on
     * {@link #DECODER}, each into an array of its own): under 1 MiB an I/O thread. Read and written only by the
     * thread that owns it (the channel's event loop, the node's loop).
     */
    private static final io.netty.util.concurrent.FastThreadLocal<byte[]> SCRATCH =
        new io.netty.util.concurrent.FastThreadLocal<>() {
            @Override
            protected byte[] initialValue() {
                return new byte[16 * 1024];
            }
        };

    /** This thread's {@link #SCRATCH}, of at least {@code size} bytes (its contents undefined). */
    private static byte[] scratch(int size) {
        byte[] b = SCRATCH.get();
        if (b.length < size) {
            b = new byte[Math.max(size, Math.min(OFF_LOOP_DECODE_BYTES, b.length * 2))];
            SCRATCH.set(b);
        }
        return b;
    }

    /** Hands a decoded message of {@code size} frame bytes (counted as {@link #queued}) to the node's loop. */
    private void post(Message message, int size) {
        loop.execute(() -> {
            try {
                Handler h = handler;
                if (h != null) {
                    h.onMessage(message);
                }
            } finally {
                if (sessionPaused) {
                    kept.add(size); // the session still holds it (in slices, or waiting behind such a frame)
                } else {
                    handled(size);
                    frameDone(size);
                }
            }
        });
    }

    /** A connection error as a person reads it (the peers list shows it as the link's last error). */
    static String describe(Throwable cause) {
        return "connection error: " + what(cause);
    }

    /** What went wrong, as a person reads it: {@link #describe} without its lead. */
    static String what(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof io.netty.handler.ssl.NotSslRecordException) {
                // the TLS side of the link got plain bytes: a wss:// URL for a ws:// node, or plain ws:// to TLS
                return "the other end does not speak TLS: a wss:// URL for a ws:// node? (dial it with ws://HOST:PORT)";
            }
        }
        String tls = tlsHandshake(cause, null);
        return tls != null ? tls : String.valueOf(cause);
    }

    /**
     * A dialer's failed TLS handshake as a person reads it, with what to do, or null if {@code cause} is none. The
     * JDK says these as {@code SSLHandshakeException: PKIX path building failed: ...}; the certificate checks are
     * told apart by the exceptions in the cause chain (an untrusted chain fails building its certification path,
     * RFC 5280 §6; an expired one fails its validity check; a host name it does not hold fails the endpoint
     * identification of RFC 2818 §3.1, a {@code CertificateException} whose message names the host).
     *
     * @param host the host dialed (named in a host name mismatch), or null
     */
    static String tlsHandshake(Throwable cause, String host) {
        javax.net.ssl.SSLHandshakeException handshake = null;
        boolean expired = false;
        boolean untrusted = false;
        java.security.cert.CertificateException hostname = null;
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof javax.net.ssl.SSLHandshakeException h && handshake == null) {
                handshake = h;
            } else if (c instanceof java.security.cert.CertificateExpiredException
                || c instanceof java.security.cert.CertificateNotYetValidException) {
                expired = true;
            } else if (c instanceof java.security.cert.CertPathBuilderException
                || c instanceof java.security.cert.CertPathValidatorException) {
                untrusted = true;
            } else if (c instanceof java.security.cert.CertificateException e && String.valueOf(e.getMessage())
                .matches("(?s)No (subject alternative|name matching|subject alternative DNS name).*")) {
                hostname = e;
            }
        }
        if (handshake == null) {
            return null;
        }
        if (expired) {
            return "its TLS certificate has expired or is not valid yet: the peer needs a current certificate "
                + "(and this machine the right time)";
        }
        if (untrusted) {
            return "its TLS certificate is not trusted, self-signed or from an unknown authority: trust it with "
                + "--tls-trust FILE, a PEM file of that certificate or its authority's (NodeConfig.Builder.tlsTrust "
                + "in the library; README, Security)";
        }
        if (hostname != null) {
            return "its TLS certificate is not for host " + (host != null ? host : "in the URL") + ", "
                + hostname.getMessage().replaceFirst("^No", "no") + ": dial it by a name its certificate holds, or "
                + "give it a certificate for that host";
        }
        return "TLS handshake failed: " + handshake.getMessage();
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): its outcome arrives as channelInactive
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (badFrame(cause)) {
            return;
        }
        closeWith(describe(cause));
        ctx.close();
        if (cause instanceof Error error) {
            // out of memory (or worse) while reading: not this link's problem but the node's; the loop ends it
            loop.execute(() -> {
                throw error;
            });
        }
    }

    /**
     * A handler to put ahead of the HTTP and WebSocket decoders (after TLS): it counts the bytes read from the
     * peer and reports them to the session ({@link Handler#onBytes}), so a large frame that takes seconds to cross
     * a slow link keeps the session alive while it arrives (see {@code Liveness}). Reads are coalesced: one loop
     * task at most waits at a time, carrying every byte read since the last one; it runs before the task of any
     * frame those bytes complete.
     */
    ChannelInboundHandlerAdapter byteProgress() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf b) {
                    bytesRead(b.readableBytes());
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    /** Counts bytes read; on the channel's event loop. */
    private void bytesRead(int n) {
        if (n > 0 && unreportedBytes.getAndAdd(n) == 0) {
            loop.execute(() -> {
                long count = unreportedBytes.getAndSet(0);
                Handler h = handler;
                if (h != null && count > 0 && !closed.get()) {
                    h.onBytes(count);
                }
            });
        }
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
        String what = cause instanceof FrameLimit.BudgetSpent ? cause.getMessage()
            : cause instanceof TooLongFrameException || String.valueOf(cause.getMessage()).contains("length")
            ? "frame over the limit of " + frameLimitNow() + " bytes" : "broken WebSocket frame: " + cause.getMessage();
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
