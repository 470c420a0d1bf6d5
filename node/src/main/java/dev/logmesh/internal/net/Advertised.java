package dev.logmesh.internal.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/**
 * The address a node listening on a wildcard ({@code 0.0.0.0}) tells others to dial: a real IPv4 address of this
 * machine, so a URL copied from {@code ready} or the status file works from another host. Prefers a private
 * (site-local) address of an up, non-loopback, non-point-to-point interface, then any such address, and falls
 * back to 127.0.0.1 only on a machine with no other.
 */
final class Advertised {
    private Advertised() {
    }

    static String wildcardHost() {
        String any = null;
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.isPointToPoint() || ni.isVirtual()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress() && !a.isLoopbackAddress()) {
                        if (a.isSiteLocalAddress()) {
                            return a.getHostAddress();
                        }
                        if (any == null) {
                            any = a.getHostAddress();
                        }
                    }
                }
            }
        } catch (SocketException e) {
            // cannot list interfaces: loopback below
        }
        return any != null ? any : "127.0.0.1";
    }
}
