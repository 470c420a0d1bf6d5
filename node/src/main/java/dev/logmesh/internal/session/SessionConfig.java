package dev.logmesh.internal.session;

import dev.logmesh.internal.auth.Bruteforce;
import dev.logmesh.internal.auth.MeshAuth;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Settings of sync sessions, shared by all sessions of a node.
 *
 * @param mesh             mesh name, sent to peers; a peer of another mesh is refused
 * @param subprotocol      this application's subprotocol version (0: none)
 * @param minSubprotocol   the lowest subprotocol accepted from a peer (0: any)
 * @param auth             the mesh key's proofs, or null for an open mesh
 * @param bruteforce       failure accounting for listeners, or null
 * @param token            a token to send when dialing a stock Logux server, or null
 * @param pingMillis       send a ping after this long without traffic
 * @param timeoutMillis    close when a pong, {@code connected}, {@code connect} or {@code synced} is this late
 * @param chunkEntries     at most this many entries in one {@code sync}
 * @param chunkBytes       about this many bytes at most in one {@code sync} (one larger entry goes alone)
 * @param window           at most this many {@code sync} messages waiting for {@code synced}
 * @param maxPingsPerSecond more pings than this from a peer in one second close the session
 * @param headers          headers to send before connect/connected, or null
 * @param plumtree         whether to offer Plumtree gossip (payload on a spanning tree, ids elsewhere) to
 *                         peers that offer it too
 * @param graftMillis      how long an announced id may stay missing before it is requested (graft)
 * @param announceLastAdded whether {@code connect}/{@code connected} carry this log's {@code lastAdded} in the
 *                         mesh options ({@code logmesh.lastAdded}), so the peer can show catch-up progress;
 *                         off by default (and in the wire tests), on in {@code MeshNode}
 */
public record SessionConfig(String mesh, int subprotocol, int minSubprotocol, MeshAuth auth, Bruteforce bruteforce,
                            String token, long pingMillis, long timeoutMillis, int chunkEntries, int chunkBytes,
                            int window, int maxPingsPerSecond, ObjectNode headers,
                            boolean plumtree, long graftMillis, boolean announceLastAdded) {

    /** Ping after 4 s of silence, so a dead peer is noticed within ~13 s (ping + timeout + a tick). */
    public static final long DEFAULT_PING_MILLIS = 4_000;
    /** Close a session whose answer is 8 s late. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 8_000;
    /** Entries per sync message: small enough for any frame limit, large enough for bulk speed. */
    public static final int DEFAULT_CHUNK_ENTRIES = 2000;
    /** Bytes per sync message, well under the default 1 MiB frame limit. */
    public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;
    /** Sync messages in flight. */
    public static final int DEFAULT_WINDOW = 8;
    /** Pings per second before a peer counts as flooding. */
    public static final int DEFAULT_MAX_PINGS_PER_SECOND = 20;
    /**
     * An announced id still missing after this long is requested: well above a LAN's delivery time along the
     * tree, well below the session timeout.
     */
    public static final long DEFAULT_GRAFT_MILLIS = 300;

    public SessionConfig {
        if (pingMillis <= 0 || timeoutMillis <= 0) {
            throw new IllegalArgumentException("ping and timeout must be > 0");
        }
        if (chunkEntries <= 0 || chunkBytes <= 0 || window <= 0) {
            throw new IllegalArgumentException("chunk sizes and window must be > 0");
        }
        if (subprotocol < 0 || minSubprotocol < 0) {
            throw new IllegalArgumentException("subprotocol must be >= 0");
        }
        if (graftMillis <= 0 || graftMillis >= timeoutMillis) {
            throw new IllegalArgumentException("graft delay must be > 0 and below the timeout");
        }
    }

    /** Defaults for an open mesh of this name. */
    public static SessionConfig defaults(String mesh) {
        return new SessionConfig(mesh, 0, 0, null, null, null, DEFAULT_PING_MILLIS, DEFAULT_TIMEOUT_MILLIS,
            DEFAULT_CHUNK_ENTRIES, DEFAULT_CHUNK_BYTES, DEFAULT_WINDOW, DEFAULT_MAX_PINGS_PER_SECOND, null, true,
            DEFAULT_GRAFT_MILLIS, false);
    }

    public SessionConfig withAuth(MeshAuth newAuth, Bruteforce newBruteforce) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, newAuth, newBruteforce, token, pingMillis,
            timeoutMillis, chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, plumtree, graftMillis, announceLastAdded);
    }

    public SessionConfig withSubprotocol(int value, int min) {
        return new SessionConfig(mesh, value, min, auth, bruteforce, token, pingMillis, timeoutMillis,
            chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, plumtree, graftMillis, announceLastAdded);
    }

    public SessionConfig withTiming(long ping, long timeout) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, token, ping, timeout,
            chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, plumtree, graftMillis, announceLastAdded);
    }

    public SessionConfig withChunks(int entries, int bytes, int newWindow) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, token, pingMillis,
            timeoutMillis, entries, bytes, newWindow, maxPingsPerSecond, headers, plumtree, graftMillis, announceLastAdded);
    }

    public SessionConfig withToken(String newToken) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, newToken, pingMillis,
            timeoutMillis, chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, plumtree, graftMillis, announceLastAdded);
    }

    public SessionConfig withPlumtree(boolean enabled, long graft) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, token, pingMillis,
            timeoutMillis, chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, enabled, graft, announceLastAdded);
    }

    public SessionConfig withAnnounceLastAdded(boolean enabled) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, token, pingMillis,
            timeoutMillis, chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, plumtree, graftMillis,
            enabled);
    }

    public SessionConfig withHeaders(ObjectNode newHeaders) {
        return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, token, pingMillis,
            timeoutMillis, chunkEntries, chunkBytes, window, maxPingsPerSecond, newHeaders, plumtree, graftMillis, announceLastAdded);
    }
}
