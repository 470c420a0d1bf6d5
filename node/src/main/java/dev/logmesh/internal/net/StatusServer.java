package dev.logmesh.internal.net;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small read-only HTTP server for a node's status page: a table of routes (exact paths), each answering
 * {@code GET} and {@code HEAD} with a body its supplier makes. Other methods get 405, other paths 404.
 *
 * <p>It runs on the JDK's {@code com.sun.net.httpserver} with one thread of its own (daemon): a status page is
 * polled by a person's browser, so one thread is plenty and it never touches the node's loop directly (suppliers
 * return futures the node completes on its loop; a request waits at most {@link #ANSWER_TIMEOUT_SECONDS}).
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

    private record Route(String contentType, Supplier<CompletableFuture<byte[]>> body) {
    }

    private final HttpServer server;
    private final ExecutorService thread;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    private StatusServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /**
     * Listens at {@code address} (port 0: a free port).
     *
     * @throws IOException if the address cannot be bound
     */
    public static StatusServer start(InetSocketAddress address, String threadName) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        StatusServer s = new StatusServer(server, thread);
        server.createContext("/", s::handle);
        server.setExecutor(thread);
        server.start();
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
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort() + "/");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            if (!hostAllowed(ex.getRequestHeaders().getFirst("Host"))) {
                text(ex, 403, "forbidden host");
                return;
            }
            String method = ex.getRequestMethod();
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                text(ex, 405, "read-only");
                return;
            }
            Route r = routes.get(ex.getRequestURI().getPath());
            if (r == null) {
                text(ex, 404, "not found");
                return;
            }
            byte[] body;
            try {
                body = r.body().get().get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                text(ex, 503, "interrupted");
                return;
            } catch (Exception e) {
                LOG.debug("status page {} failed: {}", ex.getRequestURI(), e.toString());
                text(ex, 500, "unavailable: " + e.getClass().getSimpleName());
                return;
            }
            String type = r.contentType();
            if ((type.startsWith("text/") || type.contains("json")) && !type.contains("charset")) {
                type += "; charset=utf-8";
            }
            ex.getResponseHeaders().set("Content-Type", type);
            if (type.startsWith("text/html")) {
                // the page is self-contained: its own inline script and style, and fetches from here only
                ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; connect-src 'self'; "
                    + "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:");
            }
            if (head) {
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
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

    private static void text(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** Stops listening and ends its thread; idempotent. */
    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
