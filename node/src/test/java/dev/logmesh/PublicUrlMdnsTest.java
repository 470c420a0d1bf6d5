package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node behind a port forward, with mDNS on 127.0.0.1 (the test JVM's port 15353): it announces its public URL, and
 * the node that finds it dials that URL, through the forward. Before session 34 mDNS announced the listening port,
 * and the finder dialed past the forward (0 connections through it).
 */
@Tag("slow")
class PublicUrlMdnsTest {
    private final String mesh = "pub-" + UUID.randomUUID().toString().substring(0, 8);

    private NodeConfig.Builder mdns(String name) {
        return NodeConfig.builder().name(name).mesh(mesh).memory().host("127.0.0.1").port(0).mdns(true)
            .interfaces(List.of("127.0.0.1"));
    }

    @Test
    void aNodeFoundByMdnsIsDialedAtItsPublicUrl() throws Exception {
        // a's public URL leads nowhere, so the only session is the one a opens to b
        int nowhere;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = s.getLocalPort();
        }
        try (PublicUrlTest.Forward forward = new PublicUrlTest.Forward()) {
            URI pub = URI.create("ws://127.0.0.1:" + forward.port());
            try (MeshNode b = MeshNode.start(mdns("b").publicUrl(pub).build())) {
                forward.target = b.url().getPort();
                try (MeshNode a = MeshNode.start(mdns("a").publicUrl(URI.create("ws://127.0.0.1:" + nowhere))
                    .build())) {
                    await().atMost(30, TimeUnit.SECONDS).until(() -> PublicUrlTest.connected(a, b.nodeId()));
                    assertTrue(forward.accepted.get() >= 1,
                        "a dialed b at " + b.url() + ", not through its forward " + pub);
                    a.add(Action.ofType("public/mdns")).join();
                    await().atMost(20, TimeUnit.SECONDS).until(() -> b.entries().join().stream()
                        .anyMatch(e -> e.action().type().equals("public/mdns")));
                }
            }
        }
    }

    @Test
    void aPublicUrlTooLongForATxtEntryIsRefusedWithMdnsOn() {
        URI longUrl = URI.create("ws://h:1/" + "p".repeat(300));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> mdns("x").publicUrl(longUrl).build());
        assertTrue(e.getMessage().contains("at most 251"), e.getMessage());
        assertEquals(longUrl, mdns("x").mdns(false).publicUrl(longUrl).build().publicUrl());
    }
}
