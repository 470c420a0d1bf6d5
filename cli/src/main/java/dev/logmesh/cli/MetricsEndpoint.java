package dev.logmesh.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * {@code logmesh node --metrics [HOST:]PORT}: the node's meters (and the JVM's memory, threads, CPU and uptime) in
 * Prometheus' text format at {@code http://HOST:PORT/metrics}, on the JDK's HTTP server. {@link #scrape()} makes
 * the same text in one call, for any other server that wants to serve it.
 *
 * <p>Threads: the server answers on one daemon thread of its own; a scrape reads the node's counters without
 * touching its loop.
 */
final class MetricsEndpoint implements AutoCloseable {
    /** The path the text is served at. */
    static final String PATH = "/metrics";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private HttpServer server;
    private java.util.concurrent.ExecutorService executor;

    MetricsEndpoint() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** The registry the node's meters go into. */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Every meter in Prometheus' text format (version 0.0.4). */
    String scrape() {
        return registry.scrape();
    }

    /**
     * Serves {@link #PATH} on this address.
     *
     * @return the URL of the endpoint
     * @throws IOException if the address cannot be bound
     */
    URI start(String host, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        executor = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "logmesh-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(PATH, exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                if ("HEAD".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        InetSocketAddress bound = server.getAddress();
        return URI.create("http://" + host + ":" + bound.getPort() + PATH);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        registry.close();
    }
}
