package dev.logmesh.discovery;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a node announces about itself: its identity, its mesh, the protocol it speaks and the
 * TCP port where it accepts sessions.
 *
 * <p>An immutable value, validated at construction (so a bad announcement fails where it is
 * built, not on the network):
 *
 * <ul>
 *   <li>{@code nodeId}: 1 to {@value #MAX_NODE_ID_BYTES} UTF-8 bytes, no whitespace or control
 *       characters (the mDNS instance name is the node id, and a DNS label holds at most 63
 *       bytes; Logux ids are space-separated, so a node id cannot contain a space);
 *   <li>{@code mesh}: 1 to {@value #MAX_MESH_BYTES} UTF-8 bytes, no whitespace or control
 *       characters;
 *   <li>{@code protocol}: at least 1;
 *   <li>{@code port}: 1 to 65535;
 *   <li>{@code extra}: additional TXT entries. Keys are 1 to {@value #MAX_EXTRA_KEY_LENGTH}
 *       printable US-ASCII characters without {@code '='} or space (RFC 6763 §6.4), and must not
 *       be one of the {@linkplain #RESERVED_KEYS reserved keys}. Each {@code key=value} entry
 *       fits in 255 bytes and all entries together, reserved ones included, in {@value
 *       #MAX_TXT_BYTES} bytes, so the record fits in one packet.
 * </ul>
 *
 * @param nodeId this node's unique id
 * @param mesh the name of the mesh this node belongs to; nodes of other meshes are ignored
 * @param protocol the protocol version this node speaks
 * @param port the TCP port where this node accepts sessions
 * @param extra additional TXT entries (copied; never null in the record)
 */
public record Announcement(
        String nodeId, String mesh, int protocol, int port, Map<String, String> extra) {

    /** Longest node id, in UTF-8 bytes: one DNS label. */
    public static final int MAX_NODE_ID_BYTES = 63;

    /** Longest mesh name, in UTF-8 bytes. */
    public static final int MAX_MESH_BYTES = 63;

    /** Longest key of an extra TXT entry, in characters. */
    public static final int MAX_EXTRA_KEY_LENGTH = 32;

    /** Largest total size of the TXT record, in bytes (each entry counts its length byte). */
    public static final int MAX_TXT_BYTES = 1300;

    /** TXT keys that discovery sets itself and that {@code extra} must not use. */
    public static final Set<String> RESERVED_KEYS =
            Set.of(MdnsDiscovery.TXT_NODE, MdnsDiscovery.TXT_MESH, MdnsDiscovery.TXT_PROTOCOL);

    /**
     * Validates and copies the fields.
     *
     * @throws NullPointerException if a field or an extra key or value is null
     * @throws IllegalArgumentException if a field breaks the rules in the class description
     */
    public Announcement {
        requireToken(Objects.requireNonNull(nodeId, "nodeId"), "nodeId", MAX_NODE_ID_BYTES);
        requireToken(Objects.requireNonNull(mesh, "mesh"), "mesh", MAX_MESH_BYTES);
        if (protocol < 1) {
            throw new IllegalArgumentException("protocol must be >= 1: " + protocol);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535: " + port);
        }
        extra = Map.copyOf(Objects.requireNonNull(extra, "extra"));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            requireExtraKey(e.getKey());
        }
        int total = 0;
        for (Map.Entry<String, String> e : txt(nodeId, mesh, protocol, extra).entrySet()) {
            int entry = utf8Length(e.getKey()) + 1 + utf8Length(e.getValue());
            if (entry > 255) {
                throw new IllegalArgumentException("TXT entry longer than 255 bytes: " + e.getKey());
            }
            total += entry + 1;
        }
        if (total > MAX_TXT_BYTES) {
            throw new IllegalArgumentException(
                    "TXT record too large: " + total + " bytes > " + MAX_TXT_BYTES);
        }
    }

    /**
     * An announcement without extra TXT entries.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public static Announcement of(String nodeId, String mesh, int protocol, int port) {
        return new Announcement(nodeId, mesh, protocol, port, Map.of());
    }

    /**
     * The full TXT record announced for this node: the reserved keys ({@code node}, {@code mesh},
     * {@code proto}) plus the extras.
     */
    public Map<String, String> txt() {
        return txt(nodeId, mesh, protocol, extra);
    }

    private static Map<String, String> txt(
            String nodeId, String mesh, int protocol, Map<String, String> extra) {
        var all = new java.util.TreeMap<String, String>(extra);
        all.put(MdnsDiscovery.TXT_NODE, nodeId);
        all.put(MdnsDiscovery.TXT_MESH, mesh);
        all.put(MdnsDiscovery.TXT_PROTOCOL, Integer.toString(protocol));
        return Map.copyOf(all);
    }

    /** True if {@code s} is usable as a node id or mesh name (see the class description). */
    static boolean isToken(String s, int maxBytes) {
        if (s == null || s.isEmpty() || utf8Length(s) > maxBytes) {
            return false;
        }
        return s.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)
                || Character.isSpaceChar(c));
    }

    private static void requireToken(String s, String what, int maxBytes) {
        if (!isToken(s, maxBytes)) {
            throw new IllegalArgumentException(what + " must be 1.." + maxBytes
                    + " UTF-8 bytes without whitespace or control characters: '" + s + "'");
        }
    }

    private static void requireExtraKey(String key) {
        Objects.requireNonNull(key, "extra key");
        if (key.isEmpty() || key.length() > MAX_EXTRA_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "extra key must be 1.." + MAX_EXTRA_KEY_LENGTH + " characters: '" + key + "'");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= 0x20 || c > 0x7e || c == '=') {
                throw new IllegalArgumentException(
                        "extra key must be printable US-ASCII without '=' or space: '" + key + "'");
            }
        }
        if (RESERVED_KEYS.contains(key.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("extra key is reserved: '" + key + "'");
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
