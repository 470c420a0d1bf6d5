package dev.logmesh.internal.session;

import dev.logmesh.internal.auth.Bruteforce;
import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.protocol.WireStats;

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
 * @param maxFrameBytes    the largest frame this node accepts, in UTF-8 bytes; told to logmesh peers
 *                         ({@code logmesh.maxFrame}) and, with theirs, the bound of every frame sent
 * @param maxClientFrameBytes the largest frame a Logux client's session takes and sends, in UTF-8 bytes (the
 *                         transport raises the link's limit to it when the session accepts the client's
 *                         {@code connect}); at least {@code maxFrameBytes}; 0 in the builder: {@code maxFrameBytes}
 * @param reconcileMillis  how often a dialer runs a set reconciliation round with a logmesh peer that offers
 *                         it (jittered ±20%; the first once the catch-up is done); 0 turns it off
 * @param edge             how sessions serve Logux clients and talk to Logux servers (null: {@link EdgeConfig#DEFAULT})
 * @param stats            the node's counters that sessions add to (entries sent and received, catch-up lag), or
 *                         null for none
 * @param hookErrors       the node's limit on ERROR lines for application hooks that throw on clients' actions
 *                         ({@code ClientRole}); the builder makes one, {@code with...} copies keep it
 * @param receiveSlice     at most this many entries of a received {@code sync} are handled in one task of the loop;
 *                         a larger frame (a Logux client's catch-up, up to the client frame limit) is handled in
 *                         slices of this many, the loop serving its other work between them (see
 *                         {@code SyncSession}, "Large frames")
 * @param clientEpochs     whether the numbers told to Logux clients are positions tagged with a client epoch, so that
 *                         a client's {@code connect.synced} can be trusted where this node issued it (see
 *                         {@code SyncSession}, "Clients' positions"); off by default (and in the wire tests: plain
 *                         {@code added} numbers), on in {@code MeshNode}
 */
public record SessionConfig(String mesh, int subprotocol, int minSubprotocol, MeshAuth auth, Bruteforce bruteforce,
                            String token, long pingMillis, long timeoutMillis, int chunkEntries, int chunkBytes,
                            int window, int maxPingsPerSecond, ObjectNode headers,
                            boolean plumtree, long graftMillis, boolean announceLastAdded, int maxFrameBytes,
                            int maxClientFrameBytes, long reconcileMillis, EdgeConfig edge, WireStats stats,
                            LineLimit hookErrors, int receiveSlice, boolean clientEpochs) {

    /** Ping after 4 s of silence, so a dead peer is noticed within ~13 s (ping + timeout + a tick). */
    public static final long DEFAULT_PING_MILLIS = 4_000;
    /** Close a session whose answer is 8 s late. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 8_000;
    /**
     * The slowest link a session works over, in bytes per second: 16 KiB/s. A link slower than that is treated as
     * dead: an answer owed behind {@code n} bytes in flight ({@code synced}, or a {@code pong} whose ping went out
     * behind them) is given up {@code timeout + n / 16 KiB/s} after it was due to start (a full 1 MiB frame:
     * timeout + 64 s), and the session ends with a {@code timeout}. With nothing in flight the deadline is the
     * timeout, as in Logux. See {@code Liveness}.
     */
    public static final long MIN_LINK_BYTES_PER_SECOND = 16 * 1024;
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
    /** The default frame limit: 1 MiB, as the WebSocket transport's. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    /** A reconciliation round every 30 s per link: cheap when nothing differs (one round trip). */
    public static final long DEFAULT_RECONCILE_MILLIS = 30_000;
    /**
     * Entries of a received {@code sync} handled in one loop task: 2,000, a full chunk of a logmesh peer's (so a mesh
     * frame of {@link #DEFAULT_CHUNK_ENTRIES} is one task, as before). A Logux client's entry costs the loop about
     * 50 µs here (its checks, the store, its answer), so a slice holds the loop for about 0.1 s.
     */
    public static final int DEFAULT_RECEIVE_SLICE = 2000;
    /** The smallest frame limit allowed. */
    public static final int MIN_FRAME_BYTES = 1024;

    public SessionConfig {
        if (pingMillis <= 0 || timeoutMillis <= 0) {
            throw new IllegalArgumentException("ping and timeout must be > 0");
        }
        if (receiveSlice <= 0) {
            throw new IllegalArgumentException("receive slice must be > 0");
        }
        if (chunkEntries <= 0 || chunkBytes <= 0 || window <= 0) {
            throw new IllegalArgumentException("chunk sizes and window must be > 0");
        }
        String subprotocols = dev.logmesh.internal.protocol.Subprotocols.problem(subprotocol, minSubprotocol,
            "subprotocol", "minSubprotocol");
        if (subprotocols != null) {
            throw new IllegalArgumentException(subprotocols);
        }
        if (reconcileMillis < 0) {
            throw new IllegalArgumentException("reconcile period must be >= 0");
        }
        if (maxFrameBytes < MIN_FRAME_BYTES) {
            throw new IllegalArgumentException("frame limit must be >= " + MIN_FRAME_BYTES + " bytes");
        }
        maxClientFrameBytes = maxClientFrameBytes == 0 ? maxFrameBytes : maxClientFrameBytes;
        if (maxClientFrameBytes < maxFrameBytes) {
            throw new IllegalArgumentException("client frame limit must be >= the frame limit (" + maxFrameBytes
                + " bytes), got " + maxClientFrameBytes);
        }
        if (graftMillis <= 0 || graftMillis >= timeoutMillis) {
            throw new IllegalArgumentException("graft delay must be > 0 and below the timeout");
        }
        edge = edge == null ? EdgeConfig.DEFAULT : edge;
    }

    /** Defaults for an open mesh of this name. */
    public static SessionConfig defaults(String mesh) {
        return builder(mesh).build();
    }

    /** A builder with the defaults for an open mesh of this name. */
    public static Builder builder(String mesh) {
        return new Builder(mesh);
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder(mesh);
        b.subprotocol = subprotocol;
        b.minSubprotocol = minSubprotocol;
        b.auth = auth;
        b.bruteforce = bruteforce;
        b.token = token;
        b.pingMillis = pingMillis;
        b.timeoutMillis = timeoutMillis;
        b.chunkEntries = chunkEntries;
        b.chunkBytes = chunkBytes;
        b.window = window;
        b.maxPingsPerSecond = maxPingsPerSecond;
        b.headers = headers;
        b.plumtree = plumtree;
        b.graftMillis = graftMillis;
        b.announceLastAdded = announceLastAdded;
        b.maxFrameBytes = maxFrameBytes;
        b.maxClientFrameBytes = maxClientFrameBytes;
        b.reconcileMillis = reconcileMillis;
        b.edge = edge;
        b.stats = stats;
        b.hookErrors = hookErrors;
        b.receiveSlice = receiveSlice;
        b.clientEpochs = clientEpochs;
        return b;
    }

    public SessionConfig withAuth(MeshAuth newAuth, Bruteforce newBruteforce) {
        return toBuilder().auth(newAuth, newBruteforce).build();
    }

    public SessionConfig withSubprotocol(int value, int min) {
        return toBuilder().subprotocol(value, min).build();
    }

    public SessionConfig withTiming(long ping, long timeout) {
        return toBuilder().timing(ping, timeout).build();
    }

    public SessionConfig withChunks(int entries, int bytes, int newWindow) {
        return toBuilder().chunks(entries, bytes, newWindow).build();
    }

    public SessionConfig withToken(String newToken) {
        return toBuilder().token(newToken).build();
    }

    public SessionConfig withPlumtree(boolean enabled, long graft) {
        return toBuilder().plumtree(enabled, graft).build();
    }

    public SessionConfig withAnnounceLastAdded(boolean enabled) {
        return toBuilder().announceLastAdded(enabled).build();
    }

    public SessionConfig withHeaders(ObjectNode newHeaders) {
        return toBuilder().headers(newHeaders).build();
    }

    public SessionConfig withEdge(EdgeConfig newEdge) {
        return toBuilder().edge(newEdge).build();
    }

    public SessionConfig withStats(WireStats newStats) {
        return toBuilder().stats(newStats).build();
    }

    public SessionConfig withClientEpochs(boolean enabled) {
        return toBuilder().clientEpochs(enabled).build();
    }

    public SessionConfig withReceiveSlice(int entries) {
        return toBuilder().receiveSlice(entries).build();
    }

    /** Builds a {@link SessionConfig}; starts from the defaults. Not thread-safe. */
    public static final class Builder {
        private final String mesh;
        private int subprotocol;
        private int minSubprotocol;
        private MeshAuth auth;
        private Bruteforce bruteforce;
        private String token;
        private long pingMillis = DEFAULT_PING_MILLIS;
        private long timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
        private int chunkEntries = DEFAULT_CHUNK_ENTRIES;
        private int chunkBytes = DEFAULT_CHUNK_BYTES;
        private int window = DEFAULT_WINDOW;
        private int maxPingsPerSecond = DEFAULT_MAX_PINGS_PER_SECOND;
        private ObjectNode headers;
        private boolean plumtree = true;
        private long graftMillis = DEFAULT_GRAFT_MILLIS;
        private boolean announceLastAdded;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int maxClientFrameBytes;
        private long reconcileMillis = DEFAULT_RECONCILE_MILLIS;
        private EdgeConfig edge;
        private WireStats stats;
        private LineLimit hookErrors;
        private int receiveSlice = DEFAULT_RECEIVE_SLICE;
        private boolean clientEpochs;

        private Builder(String mesh) {
            this.mesh = mesh;
        }

        public Builder auth(MeshAuth value, Bruteforce failures) {
            this.auth = value;
            this.bruteforce = failures;
            return this;
        }

        public Builder subprotocol(int value, int min) {
            this.subprotocol = value;
            this.minSubprotocol = min;
            return this;
        }

        public Builder timing(long ping, long timeout) {
            this.pingMillis = ping;
            this.timeoutMillis = timeout;
            return this;
        }

        public Builder chunks(int entries, int bytes, int inFlight) {
            this.chunkEntries = entries;
            this.chunkBytes = bytes;
            this.window = inFlight;
            return this;
        }

        public Builder token(String value) {
            this.token = value;
            return this;
        }

        public Builder maxPingsPerSecond(int value) {
            this.maxPingsPerSecond = value;
            return this;
        }

        public Builder plumtree(boolean enabled, long graft) {
            this.plumtree = enabled;
            this.graftMillis = graft;
            return this;
        }

        public Builder announceLastAdded(boolean enabled) {
            this.announceLastAdded = enabled;
            return this;
        }

        /** The largest frame accepted, in UTF-8 bytes (see {@link SessionConfig#maxFrameBytes}). */
        public Builder maxFrameBytes(int value) {
            this.maxFrameBytes = value;
            return this;
        }

        /** The largest frame of a client's session (see {@link SessionConfig#maxClientFrameBytes}); 0: maxFrameBytes. */
        public Builder maxClientFrameBytes(int value) {
            this.maxClientFrameBytes = value;
            return this;
        }

        /** How often to reconcile (see {@link SessionConfig#reconcileMillis}); 0 turns it off. */
        public Builder reconcileMillis(long value) {
            this.reconcileMillis = value;
            return this;
        }

        public Builder headers(ObjectNode value) {
            this.headers = value;
            return this;
        }

        /** How sessions serve Logux clients and talk to Logux servers; default {@link EdgeConfig#DEFAULT}. */
        public Builder edge(EdgeConfig value) {
            this.edge = value;
            return this;
        }

        /** Entries of a received {@code sync} per loop task (see {@link SessionConfig#receiveSlice}). */
        public Builder receiveSlice(int entries) {
            this.receiveSlice = entries;
            return this;
        }

        /** Whether Logux clients are told tagged positions (see {@link SessionConfig#clientEpochs}); default false. */
        public Builder clientEpochs(boolean value) {
            this.clientEpochs = value;
            return this;
        }

        /** The node's counters sessions add to; default null (none). */
        public Builder stats(WireStats value) {
            this.stats = value;
            return this;
        }

        /**
         * Builds the config.
         *
         * @throws IllegalArgumentException as the record's constructor
         */
        public SessionConfig build() {
            return new SessionConfig(mesh, subprotocol, minSubprotocol, auth, bruteforce, token, pingMillis,
                timeoutMillis, chunkEntries, chunkBytes, window, maxPingsPerSecond, headers, plumtree, graftMillis,
                announceLastAdded, maxFrameBytes, maxClientFrameBytes, reconcileMillis, edge, stats,
                hookErrors != null ? hookErrors : new LineLimit(ClientRole.HOOK_ERROR_EVERY_MILLIS), receiveSlice,
                clientEpochs);
        }
    }
}
