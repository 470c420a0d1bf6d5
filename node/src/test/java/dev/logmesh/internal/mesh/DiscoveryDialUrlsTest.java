package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.discovery.Peer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a node found by mDNS is dialed: at the public URL it announces (TXT {@code url}) when it has one, else at the
 * addresses and SRV port discovery saw. Before session 34 always the latter, past a node's port forward or proxy.
 */
class DiscoveryDialUrlsTest {
    private static Peer peer(Map<String, String> extraTxt) {
        var txt = new java.util.HashMap<String, String>(Map.of("node", "b:12345678", "mesh", "m", "proto", "5"));
        txt.putAll(extraTxt);
        return new Peer("b:12345678", "m", 5, List.of(new InetSocketAddress("10.0.0.7", 8443),
            new InetSocketAddress("192.168.1.7", 8443)), txt);
    }

    @Test
    void anAnnouncedPublicUrlIsDialedAsItIs() {
        assertEquals(List.of(URI.create("wss://proxy.lan:443/mesh")),
            DiscoveryBridge.dialUrls(peer(Map.of("url", "wss://proxy.lan:443/mesh"))));
        assertEquals(List.of(URI.create("ws://10.0.0.9:7100")),
            DiscoveryBridge.dialUrls(peer(Map.of("url", "ws://10.0.0.9:7100"))));
    }

    @Test
    void anAnnouncedUrlOnAnyAddressIsDialedAtEachAddressSeen() {
        assertEquals(List.of(URI.create("wss://10.0.0.7:8443/m"), URI.create("wss://192.168.1.7:8443/m")),
            DiscoveryBridge.dialUrls(peer(Map.of("url", "wss://0.0.0.0:8443/m"))));
    }

    @Test
    void withoutAUsableUrlTheAddressesAndPortSeenAreDialed() {
        List<URI> seen = List.of(URI.create("ws://10.0.0.7:8443"), URI.create("ws://192.168.1.7:8443"));
        assertEquals(seen, DiscoveryBridge.dialUrls(peer(Map.of())));
        for (String bad : List.of("http://10.0.0.9:80", "ws://10.0.0.9", "ws://h:1/?q", "not a url", "ws:x")) {
            assertEquals(seen, DiscoveryBridge.dialUrls(peer(Map.of("url", bad))), bad);
        }
    }
}
