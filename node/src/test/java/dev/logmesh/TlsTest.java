package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss:// between two real nodes on 127.0.0.1, with a self-signed certificate the dialer trusts. */
@Tag("slow")
class TlsTest {

    @Test
    @SuppressWarnings("deprecation") // Netty 4.2 moved test certificates to netty-pkitesting; this one still works
    void nodesSyncOverTlsAndAnUntrustedCertificateIsRefused(@TempDir Path dir) throws Exception {
        SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
        Path certFile = Files.copy(cert.certificate().toPath(), dir.resolve("cert.pem"));
        Path keyFile = Files.copy(cert.privateKey().toPath(), dir.resolve("key.pem"));
        try (MeshNode server = MeshNode.start(NodeConfig.builder().name("s").mdns(false).host("127.0.0.1")
            .tls(certFile, keyFile).build())) {
            assertTrue(server.url().toString().startsWith("wss://"), server.url().toString());
            URI url = URI.create("wss://localhost:" + server.url().getPort());
            Set<String> trustedPeers = ConcurrentHashMap.newKeySet();
            try (MeshNode trusting = MeshNode.start(NodeConfig.builder().name("t").mdns(false).noListen()
                    .peer(url).tlsTrust(certFile).build(), List.of(listener(trustedPeers)));
                 MeshNode untrusting = MeshNode.start(NodeConfig.builder().name("u").mdns(false).noListen()
                    .peer(url).build())) {
                Meta m = server.add(Action.ofType("over/tls")).get();
                await().atMost(Duration.ofSeconds(15)).until(() -> trusting.byId(m.id()).get().isPresent());
                assertEquals(Set.of(server.nodeId()), trustedPeers);
                // the node without the certificate in its trust never gets a session
                assertTrue(untrusting.byId(m.id()).get().isEmpty());
                // its --peer is listed by the URL alone (no node answered there), never connected
                List<MeshNode.PeerStatus> peers = untrusting.peers().get();
                assertTrue(peers.stream().noneMatch(MeshNode.PeerStatus::connected), peers.toString());
                assertTrue(peers.stream().allMatch(p -> url.equals(p.url()) && url.toString().equals(p.nodeId())),
                    peers.toString());
            }
        } finally {
            cert.delete();
        }
    }

    private static MeshNode.Listener listener(Set<String> peers) {
        return new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (connected) {
                    peers.add(nodeId);
                }
            }
        };
    }
}
