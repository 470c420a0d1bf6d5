package dev.logmesh.examples.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.logmesh.MeshNode;
import dev.logmesh.examples.ExampleOptions;
import dev.logmesh.examples.desktop.SharedList;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * The shared list of the desktop example in a browser: a node of the mesh that also serves a web page over HTTP.
 * The page is a stock {@code @logux/client} app ({@code examples/web/page/app.js}, bundled into this jar's
 * resources by {@code examples/web/build.sh}); it connects over WebSocket to this node as a Logux client and
 * shows the same {@code list/add} actions as every Swing window of the mesh, in the same order.
 *
 * <pre>
 * WebApp --name web [--port 7312] [--http-port 8080] [--peer ws://HOST:PORT] [--data DIR] [--no-mdns] ...
 * </pre>
 * The page at {@code http://HOST:HTTP_PORT/} connects to {@code ws://HOST:PORT} (the host the browser used, the
 * node's port); {@code ?server=ws://OTHER:PORT} points it at any other node of the mesh, {@code ?user=NAME}
 * names its user. Each change of the list is printed as {@code list <count> <text>|...}, as the desktop app does.
 */
public final class WebApp implements AutoCloseable {
    /** The page's files, in this package's resources. */
    static final List<String> FILES = List.of("index.html", "app.js");

    private final MeshNode node;
    private final HttpServer http;

    private WebApp(MeshNode node, HttpServer http) {
        this.node = node;
        this.http = http;
    }

    /**
     * Serves the page of a running node on {@code host:port} (0: any free port).
     *
     * @throws IOException if the port cannot be used
     */
    public static WebApp serve(MeshNode node, String host, int port) throws IOException {
        if (node.url() == null) {
            throw new IllegalArgumentException("the page's clients connect to the node: it must listen");
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        http.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "web-http");
            t.setDaemon(true);
            return t;
        }));
        int nodePort = node.url().getPort();
        String scheme = node.url().getScheme();
        http.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/config.json")) {
                    // the node that served the page, at the host name the browser used for it
                    String browserHost = hostOf(exchange);
                    send(exchange, 200, "application/json", ("{\"server\":\"" + scheme + "://" + browserHost + ":" + nodePort
                        + "\"}").getBytes(StandardCharsets.UTF_8));
                    return;
                }
                String file = path.equals("/") ? "index.html" : path.substring(1);
                if (!FILES.contains(file)) {
                    send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                try (InputStream in = WebApp.class.getResourceAsStream(file)) {
                    if (in == null) {
                        send(exchange, 500, "text/plain", ("missing resource " + file + ": run examples/web/build.sh")
                            .getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    send(exchange, 200, file.endsWith(".js") ? "text/javascript; charset=utf-8"
                        : "text/html; charset=utf-8", in.readAllBytes());
                }
            }
        });
        http.start();
        return new WebApp(node, http);
    }

    private static String hostOf(HttpExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || host.isBlank()) {
            return exchange.getLocalAddress().getHostString();
        }
        URI u = URI.create("http://" + host.strip());
        return u.getHost() != null ? u.getHost() : exchange.getLocalAddress().getHostString();
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Where the page is served. */
    public URI url() {
        InetSocketAddress a = http.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
        return URI.create("http://" + host + ":" + a.getPort() + "/");
    }

    /** The node behind the page. */
    public MeshNode node() {
        return node;
    }

    /** Stops serving (the node stays up). */
    @Override
    public void close() {
        http.stop(0);
    }

    public static void main(String[] args) throws Exception {
        ExampleOptions options;
        int httpPort = 8080;
        String httpHost = "0.0.0.0";
        try {
            options = ExampleOptions.parse(args, "web");
            List<String> rest = options.rest();
            for (int i = 0; i < rest.size(); i++) {
                switch (rest.get(i)) {
                    case "--http-port" -> httpPort = Integer.parseInt(rest.get(++i));
                    case "--http-host" -> httpHost = rest.get(++i);
                    default -> throw new IllegalArgumentException("unknown option " + rest.get(i));
                }
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            System.err.println("web: " + e.getMessage() + "\n" + ExampleOptions.HELP
                + "\n  --http-port PORT    port of the page (default 8080; 0: any)"
                + "\n  --http-host ADDR    address of the page (default 0.0.0.0)");
            System.exit(2);
            return;
        }
        MeshNode node = MeshNode.start(options.config());
        SharedList list = new SharedList(node);
        list.onChange(items -> System.out.println("list " + items.size() + " " + String.join("|",
            items.stream().map(SharedList.Item::text).toList())));
        WebApp web = serve(node, httpHost, httpPort);
        System.out.println("web " + web.url() + " node " + node.url());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            web.close();
            list.close();
            node.close();
            stop.countDown();
        }, "web-shutdown"));
        stop.await();
    }
}
