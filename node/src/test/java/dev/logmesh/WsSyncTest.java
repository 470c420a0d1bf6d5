package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.session.SyncSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real WebSockets on 127.0.0.1 (ephemeral ports): two {@link MeshNode}s sync both ways, a restarted node
 * reconnects and nothing already delivered is sent again; frames a node cannot take (over the size limit,
 * binary) get {@code wrong-format} and a closed link while the node keeps serving. The raw peer is the JDK's
 * {@link java.net.http.WebSocket}.
 */
@Tag("slow")
class WsSyncTest {
    static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    MeshNode start(NodeConfig.Builder b) throws Exception {
        MeshNode n = MeshNode.start(b.host("127.0.0.1").mdns(false).ping(500, 2_000).build());
        toClose.add(n);
        return n;
    }

    /** Runs on the node's loop and waits for the answer. */
    static <T> T onLoop(MeshNode node, Supplier<T> task) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        node.loop().execute(() -> f.complete(task.get()));
        return f.get(5, TimeUnit.SECONDS);
    }

    static long sentTo(MeshNode node, String peer) throws Exception {
        return onLoop(node, () -> {
            SyncSession s = node.hub().session(peer);
            return s == null ? -1L : s.sentEntries();
        });
    }

    static List<String> types(MeshNode node) throws Exception {
        return node.entries().get(5, TimeUnit.SECONDS).stream().map(e -> e.action().type()).toList();
    }

    @Test
    void twoNodesSyncAndARestartedNodeGetsOnlyWhatItLacks() throws Exception {
        MeshNode b = start(NodeConfig.builder().name("b").memory());
        Map<ActionId, AtomicInteger> addsAtB = new ConcurrentHashMap<>();
        b.subscribe(e -> true, e -> addsAtB.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet());
        NodeConfig.Builder aConfig = NodeConfig.builder().name("a").dataDir(dir.resolve("a")).peer(b.url());
        MeshNode a = start(aConfig);
        String aId = a.nodeId();

        a.add(Action.ofType("a/1")).get(5, TimeUnit.SECONDS);
        b.add(Action.ofType("b/1")).get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> types(a).size() == 2 && types(b).size() == 2);
        assertEquals(1, sentTo(a, b.nodeId()));
        assertEquals(1, sentTo(b, aId));

        // a goes away; b writes meanwhile; a comes back on the same data dir and writes too
        a.close();
        toClose.remove(a);
        await().atMost(WAIT).until(() -> onLoop(b, () -> b.hub().connectedPeers().isEmpty()));
        b.add(Action.ofType("b/2")).get(5, TimeUnit.SECONDS);
        MeshNode a2 = start(aConfig);
        assertEquals(aId, a2.nodeId(), "same node id after a restart");
        a2.add(Action.ofType("a/2")).get(5, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> types(a2).size() == 4 && types(b).size() == 4);
        assertEquals(types(a2), types(b), "same entries, same order");
        await().atMost(WAIT).until(() -> sentTo(b, aId) >= 1 && sentTo(a2, b.nodeId()) >= 1);
        assertEquals(1, sentTo(b, aId), "b sent only b/2 again");
        assertEquals(1, sentTo(a2, b.nodeId()), "a sent only a/2 again");
        addsAtB.forEach((id, n) -> assertEquals(1, n.get(), id + " applied once at b"));
        assertEquals(4, addsAtB.size());
    }

    /** A raw WebSocket peer that records what it receives. */
    static final class RawPeer implements WebSocket.Listener {
        final List<String> received = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        static RawPeer connect(URI url) throws Exception {
            RawPeer p = new RawPeer();
            p.ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(url, p).get(5, TimeUnit.SECONDS);
            return p;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }

    void assertStillServes(MeshNode node) throws Exception {
        RawPeer client = RawPeer.connect(node.url());
        client.ws.sendText("[\"connect\",5,\"client:1\",0]", true).get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> client.received.size() >= 2);
        // a Logux client: the node's headers (env), then connected
        assertEquals("[\"headers\",{\"env\":\"development\"}]", client.received.get(0));
        assertTrue(client.received.get(1).startsWith("[\"connected\",5,\"" + node.nodeId() + "\","),
            client.received.toString());
        client.ws.sendText("[\"sync\",1,{\"type\":\"c/1\"},{\"id\":0,\"time\":0}]", true).get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> client.received.contains("[\"synced\",1]"));
        assertTrue(types(node).contains("c/1"));
        client.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // the node closes on this frame: the send may or may not complete
    void oversizedFrameGetsWrongFormatAndTheNodeKeepsRunning() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").memory().maxFrameBytes(4096));
        RawPeer peer = RawPeer.connect(node.url());
        peer.ws.sendText("[\"connect\",5,\"" + "x".repeat(5000) + "\",0]", true);
        peer.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("[\"error\",\"wrong-format\",\"frame over the limit of 4096 bytes\"]"), peer.received);
        assertEquals(0L, (long) node.entries().get().size());
        assertStillServes(node);
    }

    /** A raw Logux client (protocol 5, user alice) whose {@code connect} the node has answered. */
    private static RawPeer loggedInClient(MeshNode node) throws Exception {
        RawPeer client = RawPeer.connect(node.url());
        client.ws.sendText("[\"connect\",5,\"alice:c1:t\",0]", true).get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> client.received.size() >= 2);
        return client;
    }

    /**
     * A Logux client ({@code @logux/client} 0.23, no frame limit of its own; {@code @logux/server} takes frames up to
     * the {@code ws} default of 100 MiB) that adds one action over the node's frame limit. What the node does now:
     * {@code wrong-format} "frame over the limit" and a closed session, so the client reconnects and sends the same
     * frame again at every reconnect (its catch-up puts every unsent action into one {@code sync}), forever: none of
     * its later actions is ever processed (seen in session 25 with a stock {@code Client} and a 2 MB action against
     * {@code logmesh node}: wrong-format, reconnect, wrong-format, ... every ~150 ms; the next small action's
     * {@code sync()} never resolved). Wanted: the over-limit action undone alone (as a too-deep one is, reason
     * {@code error}), the session going on.
     */
    @Test
    @Disabled("session 25 (apps25), not fixed: the frame decoder (Netty's, maxFramePayloadLength) drops an over-limit "
        + "frame unread, so the node cannot name the action to undo; needs a decoder that skims an over-limit text "
        + "frame for the ids of its entries (the meta after each action) without keeping it, on client sessions")
    void aClientsActionOverTheFrameLimitIsUndoneAloneAndTheSessionGoesOn() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").memory().maxFrameBytes(4096));
        RawPeer client = loggedInClient(node);
        client.ws.sendText("[\"sync\",1,{\"type\":\"big\",\"s\":\"" + "x".repeat(5000)
            + "\"},{\"id\":[1,5],\"time\":1}]", true);
        client.ws.sendText("[\"sync\",2,{\"type\":\"small\"},{\"id\":[2,6],\"time\":2}]", true);
        await().atMost(WAIT).until(() -> client.closed.isDone()
            || client.received.stream().anyMatch(f -> f.contains("logux/processed")));
        assertFalse(client.closed.isDone(), "the session ended: " + client.received);
        assertTrue(client.received.stream().anyMatch(f -> f.contains("\"logux/undo\"") && f.contains(" alice:c1:t 5\"")),
            client.received.toString());
        assertEquals(List.of("small"), types(node));
    }

    /**
     * The same limit with small actions: an offline-first app's {@code @logux/client} (protocol 5) sends all the actions
     * it added offline in one {@code sync} when it connects, so about 4,000 actions of 260 bytes (1 MiB; 3,700 were
     * processed, 4,200 were not) end the session with {@code wrong-format}, at every reconnect, and none of them is ever processed (session 25: a stock
     * {@code Client} with 6,000 such actions against {@code logmesh node}: wrong-format 17 times in 15 s, 0 of the
     * 6,000 {@code sync()} promises settled; against {@code @logux/server} 0.14 all 6,000 processed in 2.1 s).
     */
    @Test
    @Disabled("session 25 (apps25), not fixed: a client session needs a frame limit of its own (as @logux/server's "
        + "100 MiB), above the mesh's --max-frame, decided after the connect; the frame decoder's limit is fixed when "
        + "the pipeline is built, before the node knows the peer is a client")
    void aClientsCatchUpOfManySmallActionsOverTheFrameLimitIsProcessed() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").memory().maxFrameBytes(4096));
        RawPeer client = loggedInClient(node);
        StringBuilder sync = new StringBuilder("[\"sync\",40");
        for (int i = 0; i < 40; i++) {
            sync.append(",{\"type\":\"offline/add\",\"text\":\"").append("y".repeat(100)).append("\"},{\"id\":[1,")
                .append(i).append("],\"time\":1}");
        }
        client.ws.sendText(sync.append(']').toString(), true);
        await().atMost(WAIT).until(() -> client.closed.isDone()
            || client.received.stream().filter(f -> f.contains("logux/processed")).count() == 40);
        assertFalse(client.closed.isDone(), "the session ended: " + client.received);
        assertEquals(40, types(node).size());
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // the node closes on this frame: the send may or may not complete
    void binaryFrameGetsWrongFormat() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").memory());
        RawPeer peer = RawPeer.connect(node.url());
        peer.ws.sendBinary(ByteBuffer.wrap("[\"connect\",5,\"x\",0]".getBytes(StandardCharsets.UTF_8)), true);
        peer.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("[\"error\",\"wrong-format\",\"binary frame\"]"), peer.received);
        assertStillServes(node);
    }

    @Test
    void textFrameThatIsNotUtf8GetsWrongFormat() throws Exception {
        // ["connect",5,"a\xC3\x28",0]: a two-byte lead followed by a byte that cannot continue it
        byte[] payload = "[\"connect\",5,\"a__\",0]".getBytes(StandardCharsets.US_ASCII);
        payload[14] = (byte) 0xC3;
        payload[15] = (byte) 0x28;
        assertNotUtf8IsWrongFormat(payload);
    }

    /**
     * A sync frame is read in one pass that checks its UTF-8 itself (MessageCodec.decodeCommon, no separate
     * check first): a string of an action that is not UTF-8 (here an overlong "/", which a lenient decoder reads as
     * one) still gets wrong-format, as every other frame does.
     */
    @Test
    void syncFrameThatIsNotUtf8GetsWrongFormat() throws Exception {
        byte[] payload = "[\"sync\",1,{\"type\":\"a\",\"x\":\"a__\"},{\"id\":[1,\"n\",0],\"time\":1}]"
            .getBytes(StandardCharsets.US_ASCII);
        payload[28] = (byte) 0xC0;
        payload[29] = (byte) 0xAF;
        assertNotUtf8IsWrongFormat(payload);
    }

    @SuppressWarnings("StringConcatToTextBlock") // HTTP lines end in \r\n: clearer as escapes
    private void assertNotUtf8IsWrongFormat(byte[] payload) throws Exception {
        // a client library cannot send this, so the frame is made by hand on a plain socket
        MeshNode node = start(NodeConfig.builder().name("n").memory());
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), node.url().getPort())) {
            s.setSoTimeout((int) WAIT.toMillis());
            java.io.OutputStream out = s.getOutputStream();
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
            byte[] mask = {1, 2, 3, 4};
            out.write(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length)});
            out.write(mask);
            for (int i = 0; i < payload.length; i++) {
                out.write(payload[i] ^ mask[i % 4]);
            }
            out.flush();
            assertEquals(0x81, in.readUnsignedByte(), "a text frame back");
            byte[] answer = new byte[in.readUnsignedByte()];
            in.readFully(answer);
            assertEquals("[\"error\",\"wrong-format\",\"text frame that is not UTF-8\"]",
                new String(answer, StandardCharsets.UTF_8));
            assertEquals(0x88, in.readUnsignedByte(), "then a close frame");
        }
        assertEquals(0L, (long) node.entries().get().size());
        assertStillServes(node);
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // the node closes on this frame: the send may or may not complete
    void badJsonOverTheWireGetsWrongFormat() throws Exception {
        MeshNode node = start(NodeConfig.builder().name("n").memory());
        RawPeer peer = RawPeer.connect(node.url());
        peer.ws.sendText("{oops", true);
        peer.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("[\"error\",\"wrong-format\",\"{oops\"]"), peer.received);
        assertStillServes(node);
    }

    @Test
    void dialerOfADeadPortKeepsRedialingAndConnectsWhenThePeerAppears() throws Exception {
        // a port nothing listens on: the dial fails fast, and the redialer must keep trying
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        MeshNode a = start(NodeConfig.builder().name("a").memory().peer(URI.create("ws://127.0.0.1:" + port)));
        a.add(Action.ofType("a/1")).get(5, TimeUnit.SECONDS);
        MeshNode b = start(NodeConfig.builder().name("b").memory().port(port));
        await().atMost(WAIT).until(() -> types(b).contains("a/1"));
    }
}
