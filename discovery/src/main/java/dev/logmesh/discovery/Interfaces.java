package dev.logmesh.discovery;

import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Chooses the IPv4 addresses that mDNS binds to. Pure functions over a snapshot of the interfaces
 * ({@link NetIf}), so the rules are testable without touching the network.
 */
final class Interfaces {

    private Interfaces() {}

    /**
     * A snapshot of one network interface.
     *
     * @param name the interface name ({@code eth0})
     * @param up whether the interface is up
     * @param loopback whether it is a loopback interface
     * @param pointToPoint whether it is a point-to-point link (typically a VPN tunnel)
     * @param multicast whether it supports multicast
     * @param addresses its addresses, any family
     */
    record NetIf(String name, boolean up, boolean loopback, boolean pointToPoint, boolean multicast,
            List<InetAddress> addresses) {
        NetIf {
            Objects.requireNonNull(name, "name");
            addresses = List.copyOf(addresses);
        }
    }

    /** A snapshot of this machine's interfaces. Sends nothing on the network. */
    static List<NetIf> system() {
        try {
            List<NetIf> all = new ArrayList<>();
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                all.add(new NetIf(ni.getName(), ni.isUp(), ni.isLoopback(), ni.isPointToPoint(),
                        ni.supportsMulticast(), Collections.list(ni.getInetAddresses())));
            }
            return all;
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot list network interfaces", e);
        }
    }

    /**
     * The default choice: every IPv4 address of every interface that is up, multicast-capable, not
     * loopback and not point-to-point, in interface order, without duplicates.
     */
    static List<Inet4Address> defaults(List<NetIf> interfaces) {
        Set<Inet4Address> chosen = new LinkedHashSet<>();
        for (NetIf ni : interfaces) {
            if (ni.up() && ni.multicast() && !ni.loopback() && !ni.pointToPoint()) {
                chosen.addAll(ipv4(ni));
            }
        }
        return List.copyOf(chosen);
    }

    /**
     * Resolves explicit choices. Each spec is an IPv4 literal ({@code 192.168.1.20}, which must be an
     * address of an interface that is up) or an interface name ({@code eth0}, meaning all its IPv4
     * addresses; the interface must be up and have one). Loopback is allowed here, multicast flag or
     * not: Linux's {@code lo} lacks the flag yet carries mDNS to the same host. Never does a DNS
     * lookup.
     *
     * @throws IllegalArgumentException if a spec matches nothing usable
     */
    static List<Inet4Address> resolve(List<String> specs, List<NetIf> interfaces) {
        Set<Inet4Address> chosen = new LinkedHashSet<>();
        for (String spec : specs) {
            String s = Objects.requireNonNull(spec, "interface").trim();
            byte[] literal = parseIpv4(s);
            if (literal != null) {
                chosen.add(findAddress(literal, s, interfaces));
            } else {
                chosen.addAll(findInterface(s, interfaces));
            }
        }
        return List.copyOf(chosen);
    }

    private static Inet4Address findAddress(byte[] literal, String spec, List<NetIf> interfaces) {
        for (NetIf ni : interfaces) {
            for (Inet4Address a : ipv4(ni)) {
                if (java.util.Arrays.equals(a.getAddress(), literal)) {
                    if (!ni.up()) {
                        throw new IllegalArgumentException(
                                "interface " + ni.name() + " of address " + spec + " is down");
                    }
                    return a;
                }
            }
        }
        throw new IllegalArgumentException("no interface has the address " + spec);
    }

    private static List<Inet4Address> findInterface(String name, List<NetIf> interfaces) {
        for (NetIf ni : interfaces) {
            if (ni.name().equals(name)) {
                if (!ni.up()) {
                    throw new IllegalArgumentException("interface " + name + " is down");
                }
                List<Inet4Address> v4 = ipv4(ni);
                if (v4.isEmpty()) {
                    throw new IllegalArgumentException("interface " + name + " has no IPv4 address");
                }
                return v4;
            }
        }
        throw new IllegalArgumentException(
                "not an IPv4 address nor an interface name: '" + name + "' (IPv6 is not supported)");
    }

    /** The IPv4 addresses of {@code ni}, rebuilt without a host name (no reverse lookup later). */
    private static List<Inet4Address> ipv4(NetIf ni) {
        List<Inet4Address> v4 = new ArrayList<>();
        for (InetAddress a : ni.addresses()) {
            if (a instanceof Inet4Address) {
                v4.add(named(null, a.getAddress()));
            }
        }
        return v4;
    }

    /**
     * An IPv4 address carrying {@code hostName}, so that nothing ever does a reverse DNS lookup on
     * it ({@code null}: no name, and {@code getHostName()} would look one up; only for values).
     */
    static Inet4Address named(String hostName, byte[] address) {
        try {
            return (Inet4Address) InetAddress.getByAddress(hostName, address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 address", e);
        }
    }

    /** The four bytes of a strict dotted-quad IPv4 literal, or null if {@code s} is not one. */
    static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            bytes[i] = (byte) v;
        }
        return bytes;
    }
}
