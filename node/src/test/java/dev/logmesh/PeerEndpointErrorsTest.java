package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.logmesh.testkit.CapturedLogs;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/**
 * A {@code --peer} URL that is no logmesh/Logux WebSocket endpoint: each case gives a one-line error that says
 * what was found there (the peers list's last error, shown next to the URL), and the peer is dialed again with
 * backoff. The redialer's warning names the URL once (session 22: it named it twice, once of its own and once in
 * the transport's error, and the peers list and the CLI's "no peer yet" line did the same).
 */
@Tag("slow")
class PeerEndpointErrorsTest {

    /**
     * A node listening with TLS on a self-signed certificate made for {@code host} (its PEM files in {@code dir});
     * closing it closes the node and deletes the certificate's own temporary files.
     */
    @SuppressWarnings("deprecation") // Netty 4.2 moved test certificates to netty-pkitesting; this one still works
    record TlsNode(MeshNode node, Path certFile, SelfSignedCertificate cert) implements AutoCloseable {
        static TlsNode start(Path dir, String host) throws Exception {
            SelfSignedCertificate cert = new SelfSignedCertificate(host);
            try {
                Path certFile = Files.copy(cert.certificate().toPath(), dir.resolve("cert.pem"));
                Path keyFile = Files.copy(cert.privateKey().toPath(), dir.resolve("key.pem"));
                return new TlsNode(MeshNode.start(local("s").tls(certFile, keyFile).build()), certFile, cert);
            } catch (Exception | Error e) {
                cert.delete();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                node.close();
            } finally {
                cert.delete();
            }
        }
    }

    private static NodeConfig.Builder local(String name) {
        return NodeConfig.builder().name(name).memory().host("127.0.0.1").port(0).mdns(false);
    }

    /**
     * Waits for the peer's last error and its next dial, checks the error is one readable line without the URL
     * (every place that shows it shows the URL next to it), and that the redialer's warning names the URL once.
     */
    private static String errorOf(MeshNode node, URI url, Duration within) {
        await().atMost(within).until(() -> {
            MeshNode.PeerStatus p = NodeInternals.peerStatus(node, url);
            return p != null && p.lastError() != null && p.nextDialAt() > 0;
        });
        String error = NodeInternals.peerStatus(node, url).lastError();
        assertFalse(error.contains(url.getHost() + ":" + url.getPort()), "the URL is said next to it: " + error);
        assertFalse(error.contains("Exception") || error.contains("\n") || error.contains("sun.security"),
            "one readable line: " + error);
        if (CapturedLogs.active()) {
            await().atMost(Duration.ofSeconds(5)).until(() ->
                !CapturedLogs.matching(Level.WARN, "cannot reach peer " + url).isEmpty());
            for (CapturedLogs.Event e : CapturedLogs.matching(Level.WARN, "cannot reach peer " + url)) {
                String m = e.message();
                assertEquals(m.indexOf(url.getHost() + ":" + url.getPort()),
                    m.lastIndexOf(url.getHost() + ":" + url.getPort()), "the URL once: " + m);
                assertTrue(m.contains(error), "with the reason: " + m);
            }
        }
        return error;
    }

    @Test
    void aPlainHttpServerIsNamedAsNoWebSocketEndpoint() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            byte[] body = "<html>a directory listing</html>".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        URI url = URI.create("ws://127.0.0.1:" + http.getAddress().getPort() + "/");
        try (CapturedLogs.Tally said = CapturedLogs.tally(Level.WARN, "cannot reach peer " + url,
                 "not a logmesh/Logux WebSocket endpoint: it answered the upgrade with HTTP 200",
                 "dialing it again with back-off");
             MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
            String error = errorOf(node, url, Duration.ofSeconds(15));
            assertTrue(error.startsWith("not a logmesh/Logux WebSocket endpoint: it answered the upgrade with HTTP 200"),
                error);
            if (CapturedLogs.active()) {
                // the redialer's one warning per outage, with the reason, as for other failures
                await().atMost(Duration.ofSeconds(5)).until(() -> said.count() == 1);
            }
        } finally {
            http.stop(0);
        }
    }

    /** Nothing listens: said in words, without Netty's {@code finishConnect(..) failed with error(-111)}. */
    @Test
    void aPortWhereNothingListensIsSaidRefused() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed again: nothing listens there (for the few seconds of the test)
        }
        URI url = URI.create("ws://127.0.0.1:" + port);
        try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
            String error = errorOf(node, url, Duration.ofSeconds(15));
            assertTrue(error.startsWith("cannot connect: connection refused (nothing listens on that port"), error);
        }
    }

    /**
     * embed33: a peer URL without a port ({@code ws://127.0.0.1}, the port forgotten) dials port 80, ws://'s default,
     * and the refusal now says so. Before: "cannot connect: connection refused (nothing listens on that port: not
     * started yet, or another port?)" of a URL that names no port.
     */
    @Test
    void aUrlWithoutAPortSaysWhichPortItDialed() throws Exception {
        URI url = URI.create("ws://127.0.0.1");
        try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
            String error = errorOf(node, url, Duration.ofSeconds(15));
            org.junit.jupiter.api.Assumptions.assumeTrue(error.startsWith("cannot connect"),
                "something answers on 127.0.0.1:80 here: " + error);
            assertTrue(error.endsWith("; the URL names no port, so port 80 (the default of ws://) was dialed: give "
                + "the node's port, ws://HOST:PORT"), error);
        }
    }

    @Test
    void aPortThatAcceptsAndClosesIsSaidSo() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.shutdownOutput(); // an orderly close (FIN) before any answer
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "accept-and-close");
            t.setDaemon(true);
            t.start();
            URI url = URI.create("ws://127.0.0.1:" + server.getLocalPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
                String error = errorOf(node, url, Duration.ofSeconds(15));
                assertTrue(error.contains("closed the connection before the WebSocket upgrade"), error);
            }
        }
    }

    @Test
    void aPortThatNeverAnswersTimesOutAfterTheUpgradeTimeout() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept()); // and never answers
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "accept-and-hold");
            t.setDaemon(true);
            t.start();
            URI url = URI.create("ws://127.0.0.1:" + server.getLocalPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).upgradeTimeoutMillis(1_000).build())) {
                String error = errorOf(node, url, Duration.ofSeconds(15));
                assertTrue(error.contains("no WebSocket upgrade answer within 1000 ms"), error);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void wsToATlsNodeIsSaidSo(@TempDir Path dir) throws Exception {
        try (TlsNode tls = TlsNode.start(dir, "localhost")) {
            URI url = URI.create("ws://127.0.0.1:" + tls.node().url().getPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
                String error = errorOf(node, url, Duration.ofSeconds(15));
                // the TLS listener answers plain text with a 400 that says so (session 22: it closed without a
                // byte, and the dialer could only guess "not a logmesh/Logux endpoint, or a ws:// URL for ...?")
                assertEquals("a wss:// node (it speaks TLS): dial it with wss://HOST:PORT", error);
            }
        }
    }

    @Test
    void wssToAPlainNodeNamesTheUrl() throws Exception {
        try (MeshNode plain = MeshNode.start(local("plain").build())) {
            URI url = URI.create("wss://127.0.0.1:" + plain.url().getPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
                String error = errorOf(node, url, Duration.ofSeconds(15));
                assertTrue(error.startsWith("the other end does not speak TLS"), error);
            }
        }
    }

    /**
     * A {@code wss://} peer whose certificate this node does not trust (self-signed, no {@code tlsTrust}): one line
     * saying so and what to do, not {@code SSLHandshakeException: PKIX path building failed: ...} (session 22).
     */
    @Test
    void wssToAnUntrustedCertificateSaysToTrustIt(@TempDir Path dir) throws Exception {
        try (TlsNode tls = TlsNode.start(dir, "localhost")) {
            URI url = URI.create("wss://localhost:" + tls.node().url().getPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).build())) {
                String error = errorOf(node, url, Duration.ofSeconds(15));
                assertTrue(error.startsWith("its TLS certificate is not trusted"), error);
                assertTrue(error.contains("--tls-trust FILE") && error.contains("tlsTrust"), error);
                assertFalse(error.contains("PKIX") || error.contains("certpath"), error);
            }
        }
    }

    /** A trusted certificate made for another host name than the URL's: said as such (hostnames are verified). */
    @Test
    void wssToACertificateForAnotherHostSaysSo(@TempDir Path dir) throws Exception {
        try (TlsNode tls = TlsNode.start(dir, "mesh.example.org")) {
            URI url = URI.create("wss://127.0.0.1:" + tls.node().url().getPort());
            try (MeshNode node = MeshNode.start(local("a").peers(List.of(url)).tlsTrust(tls.certFile()).build())) {
                String error = errorOf(node, url, Duration.ofSeconds(15));
                assertTrue(error.startsWith("its TLS certificate is not for host 127.0.0.1"), error);
            }
        }
    }
}
