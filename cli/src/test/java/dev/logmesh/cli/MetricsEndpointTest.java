package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code --metrics}' endpoint on 127.0.0.1 against a client that never finishes its request. */
@Tag("slow")
class MetricsEndpointTest {

    @Test
    void aClientThatNeverFinishesItsRequestHoldsUpNoScrape() throws Exception {
        try (MetricsEndpoint endpoint = new MetricsEndpoint()) {
            URI url = endpoint.start("127.0.0.1", 0);
            // before: the JDK server read this request's headers on its one thread, and every scrape waited
            try (Socket stalled = new Socket(url.getHost(), url.getPort())) {
                stalled.getOutputStream().write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                stalled.getOutputStream().flush();
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url)
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertTrue(r.body().contains("jvm_memory_used_bytes"), r.body());
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
            }
        }
    }

    @Test
    void aScrapeNamingTheHostByNameIsAnswered() throws Exception {
        try (MetricsEndpoint endpoint = new MetricsEndpoint()) {
            URI url = endpoint.start("127.0.0.1", 0);
            // Prometheus sends the target's host name: the status page's rebinding check does not apply here
            try (Socket s = new Socket(url.getHost(), url.getPort())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: metrics.example:" + url.getPort()
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("200", head.substring(9, 12));
            }
        }
    }

    /** {@code --metrics ::1:PORT} prints a URL that can be scraped (before: {@code http://::1:PORT/metrics}). */
    @Test
    void anIpv6EndpointPrintsAUrlThatCanBeScraped() throws Exception {
        try (MetricsEndpoint endpoint = new MetricsEndpoint()) {
            URI url = endpoint.start("::1", 0);
            assertEquals("[::1]", url.getHost(), url.toString());
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
        }
    }
}
