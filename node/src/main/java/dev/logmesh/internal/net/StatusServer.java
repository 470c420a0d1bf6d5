package dev.logmesh.internal.net;

import dev.logmesh.internal.protocol.UrlHost;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small read-only HTTP server for a node's status page: a table of routes (exact paths), each answering
 * {@code GET} and {@code HEAD} with a body its supplier makes. Other methods get 405, other paths 404.
 *
 * <p>It runs on Netty with one event-loop thread of its own (daemon), apart from the node's loop: suppliers return
 * futures the node completes on its loop, and a request waits at most {@link #ANSWER_TIMEOUT_SECONDS} for one.
 * Requests are parsed without blocking, so a client that opens a connection and sends its request slowly, or never
 * (slowloris), holds no thread: its connection is closed {@link #REQUEST_TIMEOUT_SECONDS} after it opened unless a
 * whole request came (the JDK's {@code com.sun.net.httpserver}, used before, reads headers on its executor thread,
 * so one such connection stopped the page for everyone). One request per connection ({@code Connection: close}):
 * the page polls once a second. A request line over {@link #MAX_INITIAL_LINE} bytes, headers over
 * {@link #MAX_HEADERS} or a body over {@link #MAX_BODY} get an error status and a closed connection.
 *
 * <p>Against DNS rebinding (a web page of another site that resolves its name to 127.0.0.1 and reads this
 * server), a request whose {@code Host} is not an IP address or {@code localhost} gets 403: a browser sends the
 * name it resolved, so a page of another site never gets an answer.
 *
 * <p>Routes may be added while the server runs ({@link #route}), from any thread: the node mounts {@code /} and
 * {@code /status.json}; more (metrics) can be mounted the same way.
 */
public final class StatusServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);

    /** How long a request waits for its body, seconds. */
    public static final long ANSWER_TIMEOUT_SECONDS = 10;

    /** How long a connection may take to send a whole request before it is closed, seconds. */
    public static final long REQUEST_TIMEOUT_SECONDS = 10;

    /** Longest request line (method, path, version), bytes. */
    public static final int MAX_INITIAL_LINE = 4096;

    /** Largest header block, bytes. */
    public static final int MAX_HEADERS = 8192;

    /** Largest request body read (and then refused with 405: the server takes none), bytes. */
    public static final int MAX_BODY = 8192;

    private record Route(String contentType, Supplier<CompletableFuture<byte[]>> body) {
    }

    private final EventLoopGroup group;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    /** The listening channel; set once by {@link #start}. */
    private volatile Channel channel;

    /** Whether requests must name this machine by address or as localhost in {@code Host} (see the class notes). */
    private final boolean checkHost;

    private StatusServer(EventLoopGroup group, boolean checkHost) {
        this.group = group;
        this.checkHost = checkHost;
    }

    /**
     * Listens at {@code address} (port 0: a free port), refusing requests whose {@code Host} is a name (DNS
     * rebinding, see the class notes).
     *
     * @throws IOException if the address cannot be bound (in use, not of this machine, unresolved)
     */
    public static StatusServer start(InetSocketAddress address, String threadName) throws IOException {
        return start(address, threadName, true);
    }

    /**
     * Listens at {@code address} (port 0: a free port).
     *
     * @param checkHost false to answer whatever {@code Host} a request names: for a scrape endpoint (Prometheus
     *                  sends the target's host name), whose text no web page gets to read anyway (no CORS)
     * @throws IOException if the address cannot be bound (in use, not of this machine, unresolved)
     */
    public static StatusServer start(InetSocketAddress address, String threadName, boolean checkHost)
        throws IOException {
        EventLoopGroup group = NettyTransport.current().newGroup(1, new DefaultThreadFactory(threadName, true));
        StatusServer s = new StatusServer(group, checkHost);
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NettyTransport.of(group).serverChannel())
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_BODY))
                        .addLast(new HttpObjectAggregator(MAX_BODY)).addLast(s.new Handler());
                }
            });
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            Throwable c = bound.cause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(c instanceof java.nio.channels.UnresolvedAddressException
                ? "unresolved address " + address.getHostString() : String.valueOf(c), c);
        }
        s.channel = bound.channel();
        return s;
    }

    /**
     * Mounts a route: {@code GET path} answers 200 with the body {@code body} makes (in UTF-8 for text types), or
     * 500 if the future fails or does not complete in time. Replaces a route of the same path.
     *
     * @param path        an exact path starting with {@code /}
     * @param contentType e.g. {@code "application/json"}; {@code ; charset=utf-8} is added to {@code text/*} and JSON
     * @param body        called on the server's thread once per request
     */
    public StatusServer route(String path, String contentType, Supplier<CompletableFuture<byte[]>> body) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a path starts with /, got " + path);
        }
        routes.put(path, new Route(Objects.requireNonNull(contentType, "contentType"),
            Objects.requireNonNull(body, "body")));
        return this;
    }

    /** The address it listens at: {@code http://HOST:PORT/}. */
    public URI url() {
        InetSocketAddress a = (InetSocketAddress) channel.localAddress();
        return URI.create("http://" + UrlHost.of(a.getAddress().getHostAddress()) + ":" + a.getPort() + "/");
    }

    /** One connection: a deadline for its request, then one answer and a close. On the server's thread. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        /** Closes the connection if no whole request came in time; null once one came. */
        private ScheduledFuture<?> deadline;

        @Override
        @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): its outcome arrives as channelInactive
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            deadline = ctx.executor().schedule(() -> {
                LOG.debug("status page: no whole request from {} in {} s: closed", ctx.channel().remoteAddress(),
                    REQUEST_TIMEOUT_SECONDS);
                ctx.close();
            }, REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            cancelDeadline();
            super.channelInactive(ctx);
        }

        private void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        @Override
        @SuppressWarnings("FutureReturnValueIgnored") // the answer's callback writes and closes; nothing to join
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            cancelDeadline();
            boolean head = HttpMethod.HEAD.equals(req.method());
            if (!req.decoderResult().isSuccess()) {
                Throwable c = req.decoderResult().cause();
                HttpResponseStatus st = c instanceof io.netty.handler.codec.TooLongFrameException
                    ? (String.valueOf(c.getMessage()).contains("line") ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE) : HttpResponseStatus.BAD_REQUEST;
                text(ctx, st, "bad request", head);
                return;
            }
            if (checkHost && !hostAllowed(req.headers().get(HttpHeaderNames.HOST))) {
                text(ctx, HttpResponseStatus.FORBIDDEN, "forbidden host", head);
                return;
            }
            if (!head && !HttpMethod.GET.equals(req.method())) {
                FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain",
                    "read-only\n".getBytes(StandardCharsets.UTF_8), false);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                send(ctx, r);
                return;
            }
            Route route = routes.get(new QueryStringDecoder(req.uri()).path());
            if (route == null) {
                text(ctx, HttpResponseStatus.NOT_FOUND, "not found", head);
                return;
            }
            CompletableFuture<byte[]> body;
            try {
                body = route.body().get();
            } catch (RuntimeException e) {
                body = CompletableFuture.failedFuture(e);
            }
            body.orTimeout(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS).whenComplete((bytes, err) ->
                ctx.executor().execute(() -> {
                    if (err != null) {
                        Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                            ? err.getCause() : err;
                        LOG.debug("status page {} failed: {}", req.uri(), c.toString());
                        text(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "unavailable: "
                            + c.getClass().getSimpleName(), head);
                        return;
                    }
                    String type = route.contentType();
                    FullHttpResponse r = response(HttpResponseStatus.OK, type, bytes, head);
                    if (type.startsWith("text/html")) {
                        // the page is self-contained: its own inline script and style, and fetches from here only
                        r.headers().set("Content-Security-Policy", "default-src 'none'; connect-src 'self'; "
                            + "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:");
                    }
                    send(ctx, r);
                }));
        }

        @Override
        @SuppressWarnings("FutureReturnValueIgnored") // ctx.close(): its outcome arrives as channelInactive
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("status page connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, byte[] body,
                                             boolean head) {
        String type = contentType;
        if ((type.startsWith("text/") || type.contains("json")) && !type.contains("charset")) {
            type += "; charset=utf-8";
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
            .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
            .set("X-Content-Type-Options", "nosniff")
            .set("Referrer-Policy", "no-referrer")
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    private static void text(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean head) {
        send(ctx, response(status, "text/plain", (text + "\n").getBytes(StandardCharsets.UTF_8), head));
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the listener closes the connection once the answer is out
    private static void send(ChannelHandlerContext ctx, FullHttpResponse r) {
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /** Whether a request's Host names this machine by address or as localhost (see the class notes). */
    static boolean hostAllowed(String host) {
        if (host == null || host.isEmpty()) {
            return true; // HTTP/1.0 without Host: no browser sends that
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && isIpLiteral(h.substring(1, end));
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return "localhost".equals(h) || h.endsWith(".localhost") || isIpLiteral(h);
    }

    private static boolean isIpLiteral(String h) {
        if (h.matches("[0-9.]+")) {
            return h.chars().filter(c -> c == '.').count() == 3;
        }
        if (h.matches("[0-9a-f:.]+") && h.contains(":")) {
            try {
                InetAddress.getByName(h); // a literal: parsed, never resolved
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /** Stops listening, closes its connections and ends its thread; idempotent. */
    @Override
    public void close() {
        Channel c = channel;
        if (c != null) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
