package dev.logmesh;

import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.net.WsTransport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link MeshNode} is built from: immutable, validated by {@link Builder#build()}. Each
 * default is a {@code DEFAULT_*} constant here and is what the command line uses too.
 */
public final class NodeConfig {
    /** Default mesh name: nodes of other meshes are ignored. */
    public static final String DEFAULT_MESH = "logmesh";
    /** Default address to listen on: every interface. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default port: 0 means any free port. */
    public static final int DEFAULT_PORT = 0;
    /** Default reason with which a node keeps every entry it has, so it can serve catch-up. */
    public static final String DEFAULT_KEEP_REASON = "mesh";
    /** Default horizon after which seen ids of cleaned entries may be forgotten: 30 days. */
    public static final Duration DEFAULT_SEEN_HORIZON = Duration.ofDays(30);
    /** Default bound on the overlay's active view: the sync sessions a node keeps with other mesh nodes. */
    public static final int DEFAULT_MAX_ACTIVE = dev.logmesh.internal.overlay.OverlayConfig.DEFAULT_MAX_ACTIVE;
    /** Default bound on the overlay's passive view: known mesh nodes to replace active ones with. */
    public static final int DEFAULT_PASSIVE_SIZE = dev.logmesh.internal.overlay.OverlayConfig.DEFAULT_MAX_PASSIVE;

    private final String name;
    private final Path dataDir;
    private final String host;
    private final int port;
    private final List<URI> peers;
    private final String mesh;
    private final byte[] key;
    private final int subprotocol;
    private final int minSubprotocol;
    private final int maxFrameBytes;
    private final long pingMillis;
    private final long timeoutMillis;
    private final String keepReason;
    private final Duration seenHorizon;
    private final long maxDriftMillis;
    private final boolean mdns;
    private final List<String> interfaces;
    private final java.util.function.Function<dev.logmesh.discovery.Announcement, dev.logmesh.discovery.Discovery> discovery;
    private final Path tlsCert;
    private final Path tlsKey;
    private final Path tlsTrust;
    private final String token;
    private final boolean overlay;
    private final int maxActive;
    private final int passiveSize;

    private NodeConfig(Builder b) {
        this.name = b.name;
        this.dataDir = b.dataDir;
        this.host = b.host;
        this.port = b.port;
        this.peers = List.copyOf(b.peers);
        this.mesh = b.mesh;
        this.key = b.key == null ? null : b.key.clone();
        this.subprotocol = b.subprotocol;
        this.minSubprotocol = b.minSubprotocol;
        this.maxFrameBytes = b.maxFrameBytes;
        this.pingMillis = b.pingMillis;
        this.timeoutMillis = b.timeoutMillis;
        this.keepReason = b.keepReason;
        this.seenHorizon = b.seenHorizon;
        this.maxDriftMillis = b.maxDriftMillis;
        this.mdns = b.mdns;
        this.interfaces = List.copyOf(b.interfaces);
        this.discovery = b.discovery;
        this.tlsCert = b.tlsCert;
        this.tlsKey = b.tlsKey;
        this.tlsTrust = b.tlsTrust;
        this.token = b.token;
        this.overlay = b.overlay;
        this.maxActive = b.maxActive;
        this.passiveSize = b.passiveSize;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A human name that starts the node id ({@code alice:Xk3v9QaB}); null for a random id. */
    public String name() {
        return name;
    }

    /** Directory of the durable log (SQLite), or null for a node that keeps its log in memory. */
    public Path dataDir() {
        return dataDir;
    }

    /** Address to listen on, or null not to listen. */
    public String host() {
        return host;
    }

    /** Port to listen on; 0 = any free port. */
    public int port() {
        return port;
    }

    /** Static peers to dial and keep dialing. */
    public List<URI> peers() {
        return peers;
    }

    /** The mesh name. */
    public String mesh() {
        return mesh;
    }

    /** The mesh key, or null for an open mesh. */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** This application's subprotocol version (0: none). */
    public int subprotocol() {
        return subprotocol;
    }

    /** Lowest subprotocol accepted from peers. */
    public int minSubprotocol() {
        return minSubprotocol;
    }

    /** Largest WebSocket frame accepted, in bytes. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Ping after this many ms of silence. */
    public long pingMillis() {
        return pingMillis;
    }

    /** A session whose answer is this late (ms) is closed. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** The reason with which this node keeps every entry, or null to keep only what the entries' reasons say. */
    public String keepReason() {
        return keepReason;
    }

    /** How long seen ids of cleaned entries are remembered. */
    public Duration seenHorizon() {
        return seenHorizon;
    }

    /** How far ahead of this clock a received id may pull the id clock (ms). */
    public long maxDriftMillis() {
        return maxDriftMillis;
    }

    /** Whether to find peers by mDNS. */
    public boolean mdns() {
        return mdns;
    }

    /** Interfaces (IPv4 addresses or names) for mDNS; empty: every up, non-loopback IPv4 interface. */
    public List<String> interfaces() {
        return interfaces;
    }

    /**
     * How the node finds peers: given this node's announcement, the {@link dev.logmesh.discovery.Discovery}
     * to start (called once at start, on the starting thread), or null for mDNS on {@link #interfaces()}
     * (when {@link #mdns()} is on). A custom discovery runs whether or not {@link #mdns()} is on.
     */
    public java.util.function.Function<dev.logmesh.discovery.Announcement, dev.logmesh.discovery.Discovery> discovery() {
        return discovery;
    }

    /** PEM certificate chain for listening with TLS ({@code wss://}), or null for plain {@code ws://}. */
    public Path tlsCert() {
        return tlsCert;
    }

    /** PEM (PKCS#8) private key of {@link #tlsCert()}, or null. */
    public Path tlsKey() {
        return tlsKey;
    }

    /** PEM certificates trusted when dialing {@code wss://} peers, or null for the JDK's default trust. */
    public Path tlsTrust() {
        return tlsTrust;
    }

    /**
     * A token sent in {@code connect} when this node dials (what a Logux server such as {@code @logux/server}
     * checks), or null.
     */
    public String token() {
        return token;
    }

    /**
     * Whether the node joins the bounded-degree overlay (default on): it keeps sync sessions with at most
     * {@link #maxActive()} other mesh nodes (its active view) and knows up to {@link #passiveSize()} more, instead
     * of a session with every node it discovers. Stock Logux peers are not part of it. Needs a listening node;
     * nodes with it off still sync with nodes that have it on, outside their overlay.
     */
    public boolean overlay() {
        return overlay;
    }

    /**
     * The bound on the overlay's active view, 1 to 32: at most this many sessions with other mesh nodes carry
     * entries, plus a few short-lived ones while the overlay looks for peers. A mesh of up to
     * {@code maxActive + 1} nodes is a full mesh. Static peers count toward it. Default
     * {@value #DEFAULT_MAX_ACTIVE}.
     */
    public int maxActive() {
        return maxActive;
    }

    /** The bound on the overlay's passive view, {@link #maxActive()} to 1024. Default {@value #DEFAULT_PASSIVE_SIZE}. */
    public int passiveSize() {
        return passiveSize;
    }

    /** Builds a {@link NodeConfig}; every setter has the default named on the getter. */
    public static final class Builder {
        private String name;
        private Path dataDir;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private final List<URI> peers = new ArrayList<>();
        private String mesh = DEFAULT_MESH;
        private byte[] key;
        private int subprotocol;
        private int minSubprotocol;
        private int maxFrameBytes = WsTransport.DEFAULT_MAX_FRAME_BYTES;
        private long pingMillis = SessionConfig.DEFAULT_PING_MILLIS;
        private long timeoutMillis = SessionConfig.DEFAULT_TIMEOUT_MILLIS;
        private String keepReason = DEFAULT_KEEP_REASON;
        private Duration seenHorizon = DEFAULT_SEEN_HORIZON;
        private long maxDriftMillis = HybridClock.DEFAULT_MAX_DRIFT_MS;
        private boolean mdns = true;
        private final List<String> interfaces = new ArrayList<>();
        private java.util.function.Function<dev.logmesh.discovery.Announcement, dev.logmesh.discovery.Discovery> discovery;
        private Path tlsCert;
        private Path tlsKey;
        private Path tlsTrust;
        private String token;
        private boolean overlay = true;
        private int maxActive = DEFAULT_MAX_ACTIVE;
        private int passiveSize = DEFAULT_PASSIVE_SIZE;

        private Builder() {
        }

        /** Sends this token in {@code connect} when dialing (for Logux servers that require one). */
        public Builder token(String value) {
            token = value;
            return this;
        }

        /** Listens with TLS using this PEM certificate chain and PKCS#8 key. */
        public Builder tls(Path cert, Path key) {
            tlsCert = cert;
            tlsKey = key;
            return this;
        }

        /** Trusts these PEM certificates when dialing {@code wss://} peers (e.g. the mesh's own CA). */
        public Builder tlsTrust(Path trust) {
            tlsTrust = trust;
            return this;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        /** Keeps the log in SQLite under this directory. */
        public Builder dataDir(Path value) {
            dataDir = value;
            return this;
        }

        /** Keeps the log in memory (the default when no data directory is set). */
        public Builder memory() {
            dataDir = null;
            return this;
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        /** Does not listen: the node only dials. */
        public Builder noListen() {
            host = null;
            return this;
        }

        public Builder peer(URI url) {
            peers.add(Objects.requireNonNull(url));
            return this;
        }

        public Builder peers(List<URI> urls) {
            urls.forEach(this::peer);
            return this;
        }

        public Builder mesh(String value) {
            mesh = value;
            return this;
        }

        public Builder key(byte[] value) {
            key = value == null ? null : value.clone();
            return this;
        }

        public Builder subprotocol(int value) {
            subprotocol = value;
            return this;
        }

        public Builder minSubprotocol(int value) {
            minSubprotocol = value;
            return this;
        }

        public Builder maxFrameBytes(int value) {
            maxFrameBytes = value;
            return this;
        }

        public Builder ping(long pingMs, long timeoutMs) {
            pingMillis = pingMs;
            timeoutMillis = timeoutMs;
            return this;
        }

        public Builder keepReason(String value) {
            keepReason = value;
            return this;
        }

        public Builder seenHorizon(Duration value) {
            seenHorizon = value;
            return this;
        }

        public Builder maxDriftMillis(long value) {
            maxDriftMillis = value;
            return this;
        }

        /**
         * A discovery of the application's own (a static list, another mechanism) instead of mDNS; see
         * {@link NodeConfig#discovery()}. The discovery must deliver its events on the executor it is given by
         * the node (its callback executor), or on any thread if it has none: the node hands them to its loop.
         */
        public Builder discovery(
            java.util.function.Function<dev.logmesh.discovery.Announcement, dev.logmesh.discovery.Discovery> factory) {
            discovery = factory;
            return this;
        }

        public Builder mdns(boolean value) {
            mdns = value;
            return this;
        }

        public Builder interfaces(List<String> values) {
            interfaces.addAll(values);
            return this;
        }

        /** Joins the bounded-degree overlay (true, the default) or keeps a session with every peer found. */
        public Builder overlay(boolean value) {
            overlay = value;
            return this;
        }

        /** Bound on the overlay's active view; see {@link NodeConfig#maxActive()}. */
        public Builder maxActive(int value) {
            maxActive = value;
            return this;
        }

        /** Bound on the overlay's passive view; see {@link NodeConfig#passiveSize()}. */
        public Builder passiveSize(int value) {
            passiveSize = value;
            return this;
        }

        /**
         * Checks and freezes the settings.
         *
         * @throws IllegalArgumentException naming the first wrong setting
         */
        public NodeConfig build() {
            if (name != null) {
                ActionId.requireNodeId(name);
            }
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            if (mesh == null || mesh.isBlank()) {
                throw new IllegalArgumentException("mesh name must not be empty");
            }
            if (key != null && key.length == 0) {
                throw new IllegalArgumentException("mesh key must not be empty");
            }
            if (subprotocol < 0 || minSubprotocol < 0) {
                throw new IllegalArgumentException("subprotocol must be >= 0");
            }
            if (maxFrameBytes < 1024) {
                throw new IllegalArgumentException("max frame size must be at least 1024 bytes");
            }
            if (pingMillis <= 0 || timeoutMillis <= 0) {
                throw new IllegalArgumentException("ping and timeout must be > 0");
            }
            if (seenHorizon.isNegative()) {
                throw new IllegalArgumentException("seen horizon must not be negative");
            }
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new IllegalArgumentException("TLS needs both a certificate and a key");
            }
            if (maxActive < 1 || maxActive > dev.logmesh.internal.overlay.OverlayConfig.LIMIT_MAX_ACTIVE) {
                throw new IllegalArgumentException("max active must be 1.."
                    + dev.logmesh.internal.overlay.OverlayConfig.LIMIT_MAX_ACTIVE + ", got " + maxActive);
            }
            if (passiveSize < maxActive || passiveSize > 1024) {
                throw new IllegalArgumentException("passive size must be max active (" + maxActive + ")..1024, got "
                    + passiveSize);
            }
            for (URI p : peers) {
                String s = p.getScheme();
                if (!"ws".equalsIgnoreCase(s) && !"wss".equalsIgnoreCase(s) || p.getHost() == null) {
                    throw new IllegalArgumentException("peer must be a ws://HOST:PORT or wss:// URL, got " + p);
                }
            }
            return new NodeConfig(this);
        }
    }
}
