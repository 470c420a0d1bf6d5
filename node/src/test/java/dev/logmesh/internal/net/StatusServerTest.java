package dev.logmesh.internal.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The status page's server against hostile clients on 127.0.0.1: connections that never finish their request
 * (slowloris), oversized request lines and headers. Each must cost the server a bounded time and no thread, and
 * every other client must still get its answer.
 */
@Tag("slow")
class StatusServerTest {
    private StatusServer server;
    private URI url;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = StatusServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "status-test");
        server.route("/status.json", "application/json",
            () -> CompletableFuture.completedFuture("{\"ok\":true}".getBytes(StandardCharsets.UTF_8)));
        url = server.url().resolve("/status.json");
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        server.close();
    }

    /** A connection that sent this and then nothing more. */
    private Socket stalled(String partial) throws IOException {
        Socket s = new Socket(url.getHost(), url.getPort());
        sockets.add(s);
        OutputStream out = s.getOutputStream();
        out.write(partial.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    private HttpResponse<String> get() throws IOException, InterruptedException {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
            .send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The status line's code of a raw request. */
    private int raw(String request) throws IOException {
        try (Socket s = new Socket(url.getHost(), url.getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    @Test
    void clientsThatNeverFinishTheirRequestHoldUpNobody() throws Exception {
        // before: the JDK server read each request's headers on its one thread, so the first of these stopped it
        Socket first = stalled("GET /status.json HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < 20; i++) {
            stalled("GET /status.json HTTP/1.1\r\n");
        }
        HttpResponse<String> r = get();
        assertEquals(200, r.statusCode());
        assertEquals("{\"ok\":true}", r.body());
        // and each stalled connection is closed once its time to send a request is up
        first.setSoTimeout((int) (StatusServer.REQUEST_TIMEOUT_SECONDS + 5) * 1_000);
        InputStream in = first.getInputStream();
        await().atMost(Duration.ofSeconds(StatusServer.REQUEST_TIMEOUT_SECONDS + 5)).until(() -> in.read() == -1);
    }

    @Test
    void oversizedRequestsGetAnErrorAndTheServerGoesOn() throws Exception {
        String longPath = "/" + "a".repeat(StatusServer.MAX_INITIAL_LINE + 10);
        assertEquals(414, raw("GET " + longPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertEquals(431, raw("GET /status.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
            + "b".repeat(StatusServer.MAX_HEADERS + 10) + "\r\n\r\n"));
        assertEquals(413, raw("POST /status.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
            + (StatusServer.MAX_BODY + 1) + "\r\n\r\n"));
        assertEquals(405, raw("POST /status.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"));
        assertEquals(403, raw("GET /status.json HTTP/1.1\r\nHost: rebind.example\r\n\r\n"));
        assertEquals(404, raw("GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertEquals(200, get().statusCode());
    }

    @Test
    void aTakenPortIsAnIoException() throws Exception {
        int port = server.url().getPort();
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () ->
            StatusServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), "status-test-2"));
        assertTrue(String.valueOf(e.getMessage()).contains("in use"), String.valueOf(e.getMessage()));
    }
}
