package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interface selection on invented interface lists: nothing is bound, nothing is sent. */
class InterfacesTest {

    private static InetAddress v4(int a, int b, int c, int d) {
        return Interfaces.named(null, new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    }

    private static InetAddress v6LinkLocal() throws Exception {
        byte[] b = new byte[16];
        b[0] = (byte) 0xfe;
        b[1] = (byte) 0x80;
        b[15] = 1;
        return Inet6Address.getByAddress(null, b, 2);
    }

    private final List<Interfaces.NetIf> machine;

    InterfacesTest() throws Exception {
        machine = List.of(
                new Interfaces.NetIf("lo", true, true, false, false, List.of(v4(127, 0, 0, 1))),
                new Interfaces.NetIf("eth0", true, false, false, true,
                        List.of(v6LinkLocal(), v4(192, 0, 2, 2))),
                new Interfaces.NetIf("eth1", true, false, false, true,
                        List.of(v4(198, 51, 100, 2), v4(198, 51, 100, 3))),
                new Interfaces.NetIf("eth2", false, false, false, true, List.of(v4(203, 0, 113, 2))),
                new Interfaces.NetIf("tun0", true, false, true, true, List.of(v4(10, 8, 0, 2))),
                new Interfaces.NetIf("dummy0", true, false, false, false, List.of(v4(10, 9, 0, 2))),
                new Interfaces.NetIf("eth3", true, false, false, true, List.of(v6LinkLocal())));
    }

    @Test
    void defaultsAreUpMulticastNonLoopbackIpv4() {
        assertEquals(List.of(v4(192, 0, 2, 2), v4(198, 51, 100, 2), v4(198, 51, 100, 3)),
                Interfaces.defaults(machine));
    }

    @Test
    void defaultsMayBeEmpty() {
        assertEquals(List.of(), Interfaces.defaults(machine.subList(0, 1)));
    }

    @Test
    void loopbackOnlyWhenExplicit() {
        assertEquals(List.of(v4(127, 0, 0, 1)), Interfaces.resolve(List.of("127.0.0.1"), machine));
        assertEquals(List.of(v4(127, 0, 0, 1)), Interfaces.resolve(List.of("lo"), machine));
    }

    @Test
    void resolvesLiteralsAndNamesWithoutDuplicates() {
        assertEquals(List.of(v4(198, 51, 100, 3), v4(198, 51, 100, 2), v4(192, 0, 2, 2)),
                Interfaces.resolve(List.of("198.51.100.3", "eth1", " eth0 ", "192.0.2.2"), machine));
    }

    @Test
    void resolvedAddressesCarryNoHostName() {
        Inet4Address a = Interfaces.resolve(List.of("eth0"), machine).get(0);
        // toString shows "hostname/literal"; an empty host name means no lookup was made or stored
        assertEquals("/192.0.2.2", a.toString());
    }

    @Test
    void rejectsWhatCannotBeUsed() {
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("192.0.2.99"), machine));
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("wlan9"), machine));
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("eth2"), machine));
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("203.0.113.2"), machine));
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("eth3"), machine));
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("fe80::1"), machine));
        assertThrows(IllegalArgumentException.class,
                () -> Interfaces.resolve(List.of("example.org"), machine));
    }

    @Test
    void parsesOnlyStrictDottedQuads() {
        assertArrayEquals(new byte[] {10, 0, 0, (byte) 255}, Interfaces.parseIpv4("10.0.0.255"));
        assertNull(Interfaces.parseIpv4("10.0.0"));
        assertNull(Interfaces.parseIpv4("10.0.0.256"));
        assertNull(Interfaces.parseIpv4("10.0.0.1.2"));
        assertNull(Interfaces.parseIpv4("10..0.1"));
        assertNull(Interfaces.parseIpv4("10.0.0.-1"));
        assertNull(Interfaces.parseIpv4("0x0a.0.0.1"));
        assertNull(Interfaces.parseIpv4("eth0"));
    }

    @Test
    void realDefaultsAreIpv4AndNeverLoopback() {
        // reads this machine's interface list only; creates no JmDNS and sends nothing
        for (Inet4Address a : MdnsDiscovery.defaultInterfaceAddresses()) {
            assertFalse(a.isLoopbackAddress(), a.toString());
        }
    }
}
