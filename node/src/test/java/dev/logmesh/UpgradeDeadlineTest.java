package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 12: TCP connections that never complete their WebSocket upgrade (idle, or half an HTTP request)
 * held a file descriptor each for good. Raw sockets on 127.0.0.1 against a node with a short upgrade deadline and
 * a small cap: the node closes them by the deadline, accepts no more while the cap is reached (the next ones wait,
 * and are served once the deadline cleared the others), and still serves a real peer (whose upgraded session
 * outlives the deadline). Session 32: a burst of connections over the cap, each with a whole upgrade request, is
 * served, none closed (before, every one accepted over the cap was closed at once: 150 {@code @logux/client}s
 * started at once in one Node.js process against one node got "socket hang up", which the client throws, and the
 * process ended).
 */
@Tag("slow")
class UpgradeDeadlineTest {
    static final long DEADLINE = 2_000;
    static final int CAP = 8;

    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    MeshNode start(NodeConfig.Builder b) throws IOException {
        MeshNode n = MeshNode.start(b.host("127.0.0.1").port(0).mdns(false).memory().build());
        toClose.add(n);
        return n;
    }

    Socket connect(MeshNode node) throws IOException {
        Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), node.url().getPort());
        toClose.add(s);
        return s;
    }

    /** Whether the node closed this socket within {@code millis} (end of stream), reading what it sent. */
    static boolean closedWithin(Socket s, long millis) throws IOException {
        s.setSoTimeout((int) millis);
        InputStream in = s.getInputStream();
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // closed with a reset
        }
    }

    @Test
    void connectionsThatNeverUpgradeAreClosedByTheDeadlineAndThoseOverTheCapWait() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").upgradeTimeoutMillis(DEADLINE).maxPendingUpgrades(CAP));
        try (Socket warm = connect(node)) { // a first complete upgrade: the node's first one loads its classes
            upgrade(warm);
        }
        long opened = System.nanoTime();
        List<Socket> pending = new ArrayList<>();
        for (int i = 0; i < CAP / 2; i++) {
            pending.add(connect(node)); // idle: not a byte sent
        }
        for (int i = 0; i < CAP / 2; i++) {
            Socket s = connect(node); // half an HTTP request header, never finished
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            pending.add(s);
        }
        // the node has accepted them all before the next ones
        await().atMost(Duration.ofSeconds(10)).until(() -> node.pendingUpgrades() == CAP);
        // over the cap: not accepted while the cap is reached (neither answered nor closed), whole requests waiting
        List<Socket> over = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = connect(node);
            s.getOutputStream().write(UPGRADE);
            s.getOutputStream().flush();
            over.add(s);
        }
        for (Socket s : over) {
            assertEquals(null, head(s, DEADLINE / 6), "a connection over the cap waits");
        }
        assertEquals(CAP, node.pendingUpgrades(), "no more accepted than the cap");
        // the others: closed by the deadline
        for (Socket s : pending) {
            assertTrue(closedWithin(s, DEADLINE * 4), "a connection that did not upgrade is closed");
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
        assertTrue(tookMillis >= DEADLINE - 50, "not before the deadline: " + tookMillis + " ms");
        // then the ones that waited are accepted and upgraded
        for (Socket s : over) {
            String head = head(s, DEADLINE * 2);
            assertTrue(head != null && head.startsWith("HTTP/1.1 101"), "a connection that waited is served: " + head);
        }

        // and a real peer still gets in, and stays past the deadline once upgraded
        MeshNode peer = start(NodeConfig.builder().name("p").noListen().peer(node.url()));
        node.add(Action.ofType("still/serves")).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> peer.entries().get().size() == 1);
        // an upgraded session has no deadline: still connected all through twice the deadline
        await().during(Duration.ofMillis(DEADLINE * 2)).atMost(Duration.ofMillis(DEADLINE * 3))
            .until(() -> {
                List<MeshNode.PeerStatus> peers = node.peers().get(5, TimeUnit.SECONDS);
                return peers.size() == 1 && peers.get(0).connected();
            });
        peer.add(Action.ofType("after/deadline")).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.entries().get().size() == 2);
    }

    @Test
    void aBurstOfConnectionsOverTheCapIsServedNoneClosed() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").maxPendingUpgrades(CAP));
        List<Socket> burst = new ArrayList<>();
        for (int i = 0; i < CAP * 5; i++) {
            burst.add(connect(node)); // all connected before any sends its request: five times the cap at once
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.pendingUpgrades() == CAP);
        assertFalse(closedWithin(burst.get(burst.size() - 1), 1_000), "the last one waits, not closed");
        List<String> failed = new ArrayList<>();
        for (Socket s : burst) {
            try {
                s.getOutputStream().write(UPGRADE);
                s.getOutputStream().flush();
            } catch (IOException closed) {
                failed.add("closed before its request: " + closed.getMessage());
            }
        }
        int served = 0;
        for (Socket s : burst) {
            String head = head(s, 10_000);
            if (head != null && head.startsWith("HTTP/1.1 101")) {
                served++;
            } else {
                failed.add(String.valueOf(head));
            }
        }
        assertEquals(CAP * 5, served, "every connection of the burst upgraded; not: " + failed);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.pendingUpgrades() == 0);
    }

    /**
     * The HTTP head the node answered on {@code s} (up to its blank line), or null when it sent nothing within
     * {@code millis} or closed the connection first.
     */
    static String head(Socket s, long millis) throws IOException {
        s.setSoTimeout((int) millis);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        try {
            while (head.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.append((char) b);
            }
        } catch (SocketTimeoutException e) {
            return head.length() == 0 ? null : head.toString();
        } catch (IOException reset) {
            return null;
        }
        return head.toString();
    }

    @Test
    void aSlowButCompleteUpgradeWithinTheDeadlineIsServed() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").upgradeTimeoutMillis(2_000).maxPendingUpgrades(CAP));
        Socket s = connect(node);
        upgrade(s); // a trickle, 20 bytes every 20 ms, well within the deadline
        assertTrue(!closedWithin(s, 3_000), "upgraded: no deadline any more");
    }

    static final byte[] UPGRADE = """
        GET / HTTP/1.1\r
        Host: 127.0.0.1\r
        Upgrade: websocket\r
        Connection: Upgrade\r
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
        Sec-WebSocket-Version: 13\r
        \r
        """.getBytes(StandardCharsets.US_ASCII);

    /** Completes a WebSocket upgrade on a raw socket, sending the request in small pieces. */
    static void upgrade(Socket s) throws Exception {
        for (int i = 0; i < UPGRADE.length; i += 20) {
            s.getOutputStream().write(UPGRADE, i, Math.min(20, UPGRADE.length - i));
            s.getOutputStream().flush();
            Thread.sleep(20);
        }
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    }
}
