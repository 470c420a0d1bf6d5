package dev.logmesh.cli;

import dev.logmesh.internal.net.StatusServer;
import dev.logmesh.internal.protocol.UrlHost;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * {@code logmesh node --metrics [HOST:]PORT}: the node's meters (and the JVM's memory, threads, CPU and uptime) in
 * Prometheus' text format at {@code http://HOST:PORT/metrics}, on the node's small HTTP server (the status
 * page's, without its Host check: Prometheus names the target by its host name). {@link #scrape()} makes
 * the same text in one call, for any other server that wants to serve it.
 *
 * <p>Threads: the server answers on one daemon thread of its own and parses requests without blocking (a client
 * that sends slowly holds up no scrape); a scrape reads the node's counters without touching its loop.
 */
final class MetricsEndpoint implements AutoCloseable {
    /** The path the text is served at. */
    static final String PATH = "/metrics";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private StatusServer server;

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
        // the node's small HTTP server: requests parsed without blocking, so a slow client holds up no scrape
        server = StatusServer.start(new InetSocketAddress(host, port), "logmesh-metrics", false);
        server.route(PATH, "text/plain; version=0.0.4; charset=utf-8",
            () -> CompletableFuture.completedFuture(scrape().getBytes(StandardCharsets.UTF_8)));
        return URI.create("http://" + UrlHost.of(host) + ":" + server.url().getPort() + PATH);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        registry.close();
    }
}
