package dev.logmesh.internal.protocol;

/**
 * The host part of a URL that this node prints, advertises or dials: an IPv6 literal goes in brackets (RFC 3986,
 * section 3.2.2), so that {@code ws://[::1]:7001} has a host and a port, where {@code ws://::1:7001} has neither
 * (Java's {@link java.net.URI} then reads no host, and nobody can dial it). Stateless; any thread.
 */
public final class UrlHost {
    private UrlHost() {
    }

    /**
     * {@code host} as a URL's host: an IP address, a host name, or an IPv6 literal with or without its brackets.
     *
     * @return {@code [host]} for an IPv6 literal without brackets, else {@code host} as it is
     */
    public static String of(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
