package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrlHostTest {
    @Test
    void anIpv6LiteralGoesInBracketsOnceAndTheURLHasAHostAndAPort() {
        for (String host : new String[] {"::1", "[::1]", "fe80::1%eth0"}) {
            URI u = URI.create("ws://" + UrlHost.of(host).replace("%", "%25") + ":7001");
            assertEquals(7001, u.getPort(), u.toString());
            assertEquals(true, u.getHost().startsWith("["), u.toString());
        }
        assertEquals("127.0.0.1", UrlHost.of("127.0.0.1"));
        assertEquals("alice.lan", UrlHost.of("alice.lan"));
    }
}
