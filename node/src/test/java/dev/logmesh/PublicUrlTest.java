package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A node reachable only at another address than it listens on ({@link NodeConfig.Builder#publicUrl}): the overlay
 * tells other nodes that address, so the sessions they open to it go through the port forward in front of it, and
 * its presence record (what {@code logmesh status} shows of it elsewhere) carries it. Real nodes over real
 * WebSockets on 127.0.0.1, the forward a plain TCP relay.
 */
class PublicUrlTest {

    /** A TCP port forward on 127.0.0.1 to a port set later, counting the connections it relays. */
    static final class Forward implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        volatile int target;

        Forward() throws IOException {
            Thread t = new Thread(this::acceptLoop, "forward " + server.getLocalPort());
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                    accepted.incrementAndGet();
                    sockets.add(in);
                    sockets.add(out);
                    pump(in, out);
                    pump(out, in);
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16 * 1024];
                try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                    for (int n; (n = i.read(buf)) >= 0; ) {
                        o.write(buf, 0, n);
                        o.flush();
                    }
                } catch (IOException e) {
                    // either side closed
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "pump");
            t.setDaemon(true);
            t.start();
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                closeQuietly(s);
            }
        }
    }

    static NodeConfig.Builder local(String name) {
        return NodeConfig.builder().name(name).memory().host("127.0.0.1").port(0).mdns(false);
    }

    static boolean connected(MeshNode node, String peer) {
        return node.peers().join().stream().anyMatch(p -> p.nodeId().equals(peer) && p.connected());
    }

    @Test
    void overlayPeersDialANodeAtItsPublicUrlAndPresenceCarriesIt() throws Exception {
        // a's public URL leads nowhere, so the a-b session can only be one a opens: no race with b dialing a
        int nowhere;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = s.getLocalPort();
        }
        try (Forward forward = new Forward();
             MeshNode c = MeshNode.start(local("c").build());
             MeshNode a = MeshNode.start(local("a").peer(c.url())
                 .publicUrl(URI.create("ws://127.0.0.1:" + nowhere)).build())) {
            await().atMost(20, TimeUnit.SECONDS).until(() -> connected(a, c.nodeId()));
            URI pub = URI.create("ws://127.0.0.1:" + forward.port());
            try (MeshNode b = MeshNode.start(local("b").peer(c.url()).publicUrl(pub).build())) {
                forward.target = b.url().getPort();
                // c forwards b's JOIN to a, whose active view holds only c: a adds b and dials the address it was told
                await().atMost(30, TimeUnit.SECONDS).until(() -> connected(a, b.nodeId()));
                assertTrue(forward.accepted.get() >= 1, "a dialed b past its port forward, at " + b.url());
                a.add(Action.ofType("public/ping")).join();
                await().atMost(20, TimeUnit.SECONDS).until(() -> b.entries().join().stream()
                    .anyMatch(e -> e.action().type().equals("public/ping")));
                // b's presence record, as c shows it
                await().atMost(30, TimeUnit.SECONDS).until(() -> pub.toString().equals(urlOf(c, b.nodeId())));
                JsonNode own = b.status().get(10, TimeUnit.SECONDS);
                assertEquals(pub.toString(), own.path("publicUrl").asText());
                assertEquals(b.url().toString(), own.path("url").asText());
            }
        }
    }

    /** The URL node {@code of} has in {@code at}'s status (its presence record), or null. */
    static String urlOf(MeshNode at, String of) throws Exception {
        for (JsonNode n : at.status().get(10, TimeUnit.SECONDS).path("mesh").path("nodes")) {
            if (of.equals(n.path("node").asText(null))) {
                return n.path("url").asText(null);
            }
        }
        return null;
    }

    @Test
    void aPublicUrlIsCheckedWhenTheConfigIsBuilt() {
        String[][] cases = {
            {"http://127.0.0.1:7001", "ws://HOST:PORT or wss://HOST:PORT"},
            {"ws://127.0.0.1", "port 1..65535"},
            {"ws:///x", "name a host"},
            {"ws://127.0.0.1:7001/?a=1", "no query or fragment"},
            {"ws://127.0.0.1:7001#f", "no query or fragment"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> local("x").publicUrl(URI.create(c[0])).build(), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(c[0]), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> local("x").noListen().publicUrl(URI.create("ws://h:1")).build());
        assertTrue(e.getMessage().contains("listens"), e.getMessage());
        assertEquals(URI.create("wss://proxy.lan:443/mesh"),
            local("x").publicUrl(URI.create("wss://proxy.lan:443/mesh")).build().publicUrl());
        assertEquals(null, local("x").build().publicUrl());
    }
}
