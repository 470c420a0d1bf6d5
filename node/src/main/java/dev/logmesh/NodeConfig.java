package dev.logmesh;

import dev.logmesh.internal.log.HybridClock;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.net.WsTransport;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.Store;
import dev.logmesh.spi.Transport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything a {@link MeshNode} is built from: immutable, validated by {@link Builder#build()}. Each
 * default is a {@code DEFAULT_*} constant here.
 *
 * <h2>What an application gets by default</h2>
 * The defaults are safe for a library inside an application: a node listens on {@value #DEFAULT_HOST} only
 * (reachable from this machine alone), does not announce itself or look for peers by mDNS, and has no mesh key
 * (an open mesh, which is harmless while only this machine can reach it). An application that wants a LAN mesh
 * says so: {@link Builder#lan()} (every interface and mDNS), or {@link Builder#host} and {@link Builder#mdns}
 * one by one, and should give a {@link Builder#key}. The command line ({@code logmesh node}) is such an
 * application: it listens on every interface with mDNS on unless told otherwise. A node without a key that is
 * reachable beyond loopback, or announces itself by mDNS, logs a warning through SLF4J (logger
 * {@code dev.logmesh.MeshNode}) when it starts, so the application's own logging shows it.
 */
public final class NodeConfig {
    /** Default mesh name: nodes of other meshes are ignored. */
    public static final String DEFAULT_MESH = "logmesh";
    /**
     * Default address to listen on: loopback only, so an application's node is not reachable from the network
     * unless it asks ({@link Builder#lan()}, {@link Builder#host}).
     */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The address {@link Builder#lan()} listens on: every interface. */
    public static final String LAN_HOST = "0.0.0.0";
    /** Default for mDNS: off; {@link Builder#lan()} or {@link Builder#mdns} turn it on. */
    public static final boolean DEFAULT_MDNS = false;
    /** Default port: 0 means any free port. */
    public static final int DEFAULT_PORT = 0;
    /** Default reason with which a node keeps every entry it has, so it can serve catch-up. */
    public static final String DEFAULT_KEEP_REASON = dev.logmesh.internal.protocol.EntrySize.DEFAULT_KEEP_REASON;
    /** Default horizon after which seen ids of cleaned entries may be forgotten: 30 days. */
    public static final Duration DEFAULT_SEEN_HORIZON = Duration.ofDays(30);
    /**
     * Default {@code env} header of a node without TLS: {@code development}, which {@code @logux/client} requires
     * of a server it reaches over plain {@code ws://} (it destroys itself otherwise), and {@code @logux/server}'s
     * own default. A node that listens with TLS says {@value #ENV_WITH_TLS}.
     */
    public static final String DEFAULT_ENV = "development";
    /** Default {@code env} header of a node that listens with TLS ({@code wss://}). */
    public static final String ENV_WITH_TLS = "production";
    /** Default for entries without an address: every client (see {@link Unaddressed}). */
    public static final Unaddressed DEFAULT_UNADDRESSED = Unaddressed.EVERY_CLIENT;
    /**
     * Largest default frame a Logux client's session takes once its {@code connect} is accepted: 100 MiB, what
     * {@code @logux/server} 0.14 takes (the {@code ws} package's {@code maxPayload} default). The default is this,
     * or a sixteenth of the JVM's largest heap if that is less ({@link #defaultMaxClientFrameBytes}), and never
     * below {@link #maxFrameBytes()}.
     */
    public static final int DEFAULT_MAX_CLIENT_FRAME_BYTES = WsTransport.DEFAULT_MAX_CLIENT_FRAME_BYTES;

    /**
     * The default client frame limit for a JVM whose largest heap is {@code maxHeapBytes}
     * ({@code Runtime.maxMemory()}): {@link #DEFAULT_MAX_CLIENT_FRAME_BYTES}, or a sixteenth of the heap if that is
     * less. A frame being read and decoded takes about 3 to 4 times its size of heap (its bytes, a copy, the action's
     * text, the undo that carries it back): a node with {@code -Xmx256m} survived a 60 MB client frame and stopped
     * with an {@code OutOfMemoryError} on a 90 MB one (session 26), so 100 MiB is only the default where the heap
     * holds several such frames at once. Pure.
     */
    public static int defaultMaxClientFrameBytes(long maxHeapBytes) {
        return (int) Math.max(0, Math.min(DEFAULT_MAX_CLIENT_FRAME_BYTES, maxHeapBytes / 16));
    }

    /**
     * The default budget of the memory store a node makes ({@link #memoryLimit()}) in a JVM whose largest heap is
     * {@code maxHeapBytes} ({@code Runtime.maxMemory()}): a third of it. The rest is for what the node and its
     * application hold besides the log: frames being read (a Logux client's up to {@link
     * #defaultMaxClientFrameBytes}, a sixteenth of the heap, each taking 3 to 4 times its size while decoded), the
     * collector's room, and a log whose text is beyond Latin-1 (two bytes per char where the estimate counts one).
     * With {@code -Xmx128m}, a {@code --memory} node flooded with actions of 20,000 chars held 2,127 of them,
     * refused the rest, and stayed up (session 42). Pure.
     */
    public static long defaultMemoryLimit(long maxHeapBytes) {
        return Math.max(1, maxHeapBytes / 3);
    }

    /**
     * The default node-wide budget of client frame bytes over {@link #maxFrameBytes()}
     * ({@link #clientFrameBudgetBytes()}) for a JVM whose largest heap is {@code maxHeapBytes}: an eighth of the heap,
     * and never less than {@code maxClientFrameBytes} (so one client frame at the limit is always taken). At 3 to 4
     * times a frame's size of heap while it is read, frames within the budget take at most about half the heap:
     * without it, 16 clients each sending a 15 MB frame at once stopped a {@code -Xmx256m} node with an
     * {@code OutOfMemoryError} (session 26). Pure.
     */
    public static long defaultClientFrameBudgetBytes(long maxHeapBytes, int maxClientFrameBytes) {
        return Math.max(maxClientFrameBytes, maxHeapBytes / 8);
    }

    /**
     * Which Logux clients of a node get the entries that are addressed to nobody (no {@code nodes},
     * {@code clients}, {@code users}, {@code channels} in their meta).
     */
    public enum Unaddressed {
        /**
         * Every client of the node (but the one that made the entry). The default: one person or one trusted team
         * running desktop nodes and opening a web page on any of them sees the same shared state without
         * addressing anything (the plain {@link MeshNode#add} of the desktop example adds unaddressed actions).
         */
        EVERY_CLIENT,
        /**
         * No client, as {@code @logux/server} does: for an application with several users, where every action a
         * user may see is addressed (by a {@link TypeHooks.Resend} hook or by the code that adds it).
         */
        NO_CLIENT
    }
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
    private final byte[] nextKey;
    private final int subprotocol;
    private final int minSubprotocol;
    private final int maxFrameBytes;
    private final int maxClientFrameBytes;
    private final long clientFrameBudgetBytes;
    private final long pingMillis;
    private final long timeoutMillis;
    private final String keepReason;
    private final Duration seenHorizon;
    private final long keepLast;
    private final Duration keepFor;
    private final long maxDriftMillis;
    private final boolean mdns;
    private final List<String> interfaces;
    private final java.util.function.Function<dev.logmesh.discovery.Announcement, dev.logmesh.discovery.Discovery> discovery;
    private final Path tlsCert;
    private final Path tlsKey;
    private final Path tlsTrust;
    private final String token;
    private final Loop loop;
    private final Function<Loop, Transport> transport;
    private final Store store;
    private final long upgradeTimeoutMillis;
    private final int maxPendingUpgrades;
    private final int clientCursors;
    private final long memoryLimit;
    private final java.util.Map<String, String> headers;
    private final Unaddressed unaddressed;
    private final int channelReplay;
    private final boolean commandLine;
    private final boolean strictClientHooks;
    private final boolean overlay;
    private final int maxActive;
    private final int passiveSize;
    private final io.micrometer.core.instrument.MeterRegistry meterRegistry;
    private final Duration presencePeriod;
    private final Duration scrubPeriod;
    private final java.net.InetSocketAddress statusPage;
    private final URI publicUrl;

    private NodeConfig(Builder b) {
        this.name = b.name;
        this.dataDir = b.dataDir;
        this.host = b.host;
        this.port = b.port;
        this.peers = List.copyOf(b.peers);
        this.mesh = b.mesh;
        this.key = b.key == null ? null : b.key.clone();
        this.nextKey = b.nextKey == null ? null : b.nextKey.clone();
        this.subprotocol = b.subprotocol;
        this.minSubprotocol = b.minSubprotocol;
        this.maxFrameBytes = b.maxFrameBytes;
        this.maxClientFrameBytes = b.maxClientFrameSet ? b.maxClientFrameBytes
            : Math.max(defaultMaxClientFrameBytes(Runtime.getRuntime().maxMemory()), b.maxFrameBytes);
        if (b.clientFrameBudgetBytes > 0 && b.clientFrameBudgetBytes < maxClientFrameBytes) {
            // checked here, where the client frame limit's default (from the heap) is known
            throw new IllegalArgumentException("client frame budget (clientFrameBudgetBytes) must be at least the "
                + "max client frame size (maxClientFrameBytes, --max-client-frame) of " + maxClientFrameBytes
                + " bytes, got " + b.clientFrameBudgetBytes);
        }
        this.clientFrameBudgetBytes = b.clientFrameBudgetBytes > 0 ? b.clientFrameBudgetBytes
            : defaultClientFrameBudgetBytes(Runtime.getRuntime().maxMemory(), maxClientFrameBytes);
        this.pingMillis = b.pingMillis;
        this.timeoutMillis = b.timeoutMillis;
        this.keepReason = b.keepReason;
        this.seenHorizon = b.seenHorizon;
        this.keepLast = b.keepLast;
        this.keepFor = b.keepFor;
        this.maxDriftMillis = b.maxDriftMillis;
        this.mdns = b.mdns;
        this.interfaces = List.copyOf(b.interfaces);
        this.discovery = b.discovery;
        this.tlsCert = b.tlsCert;
        this.tlsKey = b.tlsKey;
        this.tlsTrust = b.tlsTrust;
        this.token = b.token;
        this.loop = b.loop;
        this.transport = b.transport;
        this.store = b.store;
        this.upgradeTimeoutMillis = b.upgradeTimeoutMillis;
        this.maxPendingUpgrades = b.maxPendingUpgrades;
        this.clientCursors = b.clientCursors;
        this.memoryLimit = b.memoryLimit;
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put("env", b.tlsCert == null ? DEFAULT_ENV : ENV_WITH_TLS);
        h.putAll(b.headers);
        this.headers = java.util.Collections.unmodifiableMap(h);
        this.unaddressed = b.unaddressed;
        this.channelReplay = b.channelReplay;
        this.commandLine = b.commandLine;
        this.strictClientHooks = b.strictClientHooks;
        this.overlay = b.overlay;
        this.maxActive = b.maxActive;
        this.passiveSize = b.passiveSize;
        this.meterRegistry = b.meterRegistry;
        this.presencePeriod = b.presencePeriod;
        this.scrubPeriod = b.scrubPeriod;
        this.statusPage = b.statusPage;
        this.publicUrl = b.publicUrl;
    }

    /** Longest {@link #publicUrl()} of a node with mDNS, in UTF-8 bytes: a TXT entry {@code url=...} of 255 bytes. */
    public static final int MAX_ANNOUNCED_URL_BYTES = 251;

    /** Throws naming what is wrong with {@code url} as a {@link Builder#publicUrl}. */
    static void checkPublicUrl(URI url, boolean listens) {
        String scheme = url.getScheme();
        if (scheme == null || url.isOpaque() || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss"))) {
            throw new IllegalArgumentException("public URL must be ws://HOST:PORT or wss://HOST:PORT, got " + url);
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new IllegalArgumentException("public URL must name a host (ws://HOST:PORT), got " + url);
        }
        if (url.getPort() < 1 || url.getPort() > 65_535) {
            throw new IllegalArgumentException("public URL must give a port 1..65535 (ws://HOST:PORT), got " + url);
        }
        if (url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("public URL must have no query or fragment, got " + url);
        }
        if (!listens) {
            throw new IllegalArgumentException("a public URL is for a node that listens (no noListen()), got " + url);
        }
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A human name that starts the node id ({@code alice:Xk3v9QaB}); null for a random id. */
    public String name() {
        return name;
    }

    /** Directory of the durable log (SQLite), or null for a node that keeps its log in memory or in {@link #store()}. */
    public Path dataDir() {
        return dataDir;
    }

    /** Address to listen on, or null not to listen; default {@value #DEFAULT_HOST}. */
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

    /** The next mesh key, accepted and proved beside {@link #key()} while the mesh rotates to it, or null. */
    public byte[] nextKey() {
        return nextKey == null ? null : nextKey.clone();
    }

    /** This application's subprotocol version (0: none). */
    public int subprotocol() {
        return subprotocol;
    }

    /**
     * Lowest subprotocol accepted from peers, at most {@link #subprotocol()} ({@link Builder#build} refuses more: a
     * node would refuse peers of its own version; before session 28 it was taken).
     */
    public int minSubprotocol() {
        return minSubprotocol;
    }

    /** Largest frame accepted, in UTF-8 bytes (over any transport). */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * Largest frame a Logux client's session takes, in UTF-8 bytes of payload (a message's continuation frames
     * summed): from the moment the node accepts the client's {@code connect}. Before that, and on mesh sessions
     * throughout, {@link #maxFrameBytes()} holds, so a connection that has not logged in as a client cannot make
     * the node buffer more than that. A link this node dials takes frames up to this limit too, from its start
     * until its peer's {@code connected} shows a mesh peer ({@code logmesh} options; then {@link #maxFrameBytes()}):
     * a Logux server sends its catch-up, every entry for this node in one {@code sync} frame, right after
     * {@code connected}; the peer of a dialed link is one this node chose (a {@link Builder#peer} URL, a mesh node it
     * discovered), so the bound before the handshake that guards accepted links is relaxed there. At least {@link #maxFrameBytes()}; by default the larger of it and
     * {@link #defaultMaxClientFrameBytes} of this JVM's heap (100 MiB with a heap of 1.6 GB or more). A client's action larger than {@code EntrySize.maxEntry(maxFrameBytes)}
     * (one that no mesh frame could carry) is refused alone with a {@code logux/undo}, reason {@code error}.
     */
    public int maxClientFrameBytes() {
        return maxClientFrameBytes;
    }

    /**
     * Bytes of client frames over {@link #maxFrameBytes()} that the node's Logux client sessions may be reading at
     * once, all clients together (a message's continuation frames summed): a frame's bytes are counted from its
     * header until the node's loop has handled its message (or its link closed). A client's frame that would go over
     * is refused from its header, before it is buffered: {@code wrong-format} "the node is reading too many large
     * client frames ..." and a close; {@code @logux/client} reconnects and sends it again. Frames up to
     * {@link #maxFrameBytes()} never count. By default {@link #defaultClientFrameBudgetBytes} of this JVM's heap; at
     * least {@link #maxClientFrameBytes()} when set.
     */
    public long clientFrameBudgetBytes() {
        return clientFrameBudgetBytes;
    }

    /** Ping after this many ms of silence. */
    public long pingMillis() {
        return pingMillis;
    }

    /** A session whose answer is this late (ms) is closed. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /**
     * The largest {@link #maxDriftMillis()}: 100 years (36,500 days) in ms, as good as no bound. Before session 26
     * a larger one ({@code Long.MAX_VALUE} for "no bound") overflowed the clock's {@code now + maxDrift}: the node
     * then followed no received id, and issued ids that sorted before actions it had already received.
     */
    public static final long MAX_DRIFT_LIMIT_MILLIS = 36_500L * 24 * 60 * 60 * 1000;

    /** The reason with which this node keeps every entry, or null to keep only what the entries' reasons say. */
    public String keepReason() {
        return keepReason;
    }

    /**
     * Retention by count: the most entries the node keeps with its {@link #keepReason()}, {@code >= 0}; 0 (the
     * default) for no bound. Once the log holds more entries than this, the node removes its keep reason from the
     * oldest entries (created order) until it holds this many, as {@code keepLast} would: an entry left without
     * reasons is cleaned (a {@code clean} event), one an application keeps by a reason of its own stays (and counts).
     * The node cleans on its loop, at most {@link #RETENTION_BATCH} entries per loop turn, once a second and at once
     * when an add is refused because the log is full; a cleaned id stays in the seen index (an action that comes back
     * through a peer is not applied again) until {@link #seenHorizon()}. An entry is cleaned whether or not every peer
     * has it: a peer that was away while it was cleaned gets it from a node that still holds it, or not at all
     * (README, "Retention").
     */
    public long keepLast() {
        return keepLast;
    }

    /**
     * Retention by age: how long the node keeps an entry with its {@link #keepReason()}, counted from the time in the
     * entry's id (when it was created at its origin) to the time the seen sweep counts from (the wall clock, never
     * past a time the node can vouch for: docs/guarantees.md, "Clock steps"; a clock stepped forward cleans nothing
     * early), at least {@link #MIN_KEEP_FOR} and shorter than {@link #seenHorizon()} (under {@link #SHORT_KEEP_FOR}
     * the node warns at start); {@link Duration#ZERO} (the default) for no bound. Older entries lose the keep reason
     * as with {@link #keepLast()} (same pacing, same seen index).
     */
    public Duration keepFor() {
        return keepFor;
    }

    /**
     * The shortest {@link #keepFor()} other than 0: retention's period, 1 s. A shorter one cleans every entry at the
     * next run, within a second of its arrival: that keeps nothing, and is refused.
     */
    public static final Duration MIN_KEEP_FOR = Duration.ofSeconds(1);

    /**
     * A {@link #keepFor()} shorter than this, 1 min, is taken but makes the node warn at start (a WARN line): an entry
     * that arrives later than that after its origin made it (from a peer that was away or whose clock is behind this
     * node's) is cleaned at the next run, and a peer away that long gets the older entries from other nodes only.
     */
    public static final Duration SHORT_KEEP_FOR = Duration.ofMinutes(1);

    /**
     * A duration as the command line's duration options take it, exactly, so a user can paste it back: the largest of
     * {@code d}, {@code h}, {@code m}, {@code s}, {@code ms} that states it whole ("30d", "90s", "1500ms", "-5m"),
     * else ISO-8601 ("PT0.000001S"); "0" for zero. Package-private for the messages of the CLI and the node, which put
     * the option ({@code --keep-for}) beside the configuration's name ({@code keepFor}). Before (session 44) these
     * messages said "30 d" and "1 min", which no option takes.
     */
    static String words(Duration d) {
        if (d.isNegative()) {
            return "-" + words(d.negated());
        }
        if (d.isZero()) {
            return "0";
        }
        if (d.toNanosPart() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
        String[] units = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return ms / sizes[i] + units[i];
            }
        }
        return ms + "ms";
    }

    /**
     * The seen horizon advised beside a keep for that is not shorter than the seen horizon: twice the keep for, so that
     * an entry's id outlives it by as long again, at most 36500d (the CLI's bound).
     */
    static Duration longerHorizon(Duration keepFor) {
        return keepFor.compareTo(CLI_MOST_SEEN_HORIZON.dividedBy(2)) > 0 ? CLI_MOST_SEEN_HORIZON
            : keepFor.multipliedBy(2);
    }

    /** The longest {@code --seen-horizon} the command line takes, 36500d: the most the keep-for advice offers. */
    static final Duration CLI_MOST_SEEN_HORIZON = Duration.ofDays(36_500);

    /** The most entries retention ({@link #keepLast()}, {@link #keepFor()}) reads and cleans in one loop turn. */
    public static final int RETENTION_BATCH = 1_000;

    /**
     * How long seen ids of cleaned entries are remembered, {@code >= 0}; one beyond {@code Long.MAX_VALUE} ms
     * ({@code Duration.ofSeconds(Long.MAX_VALUE)}) means for as long as the log lasts (before session 26 the
     * node failed to start with an {@link ArithmeticException}).
     */
    public Duration seenHorizon() {
        return seenHorizon;
    }

    /**
     * How far ahead of this clock a received id may pull the id clock (ms), 0 to {@link #MAX_DRIFT_LIMIT_MILLIS};
     * 1 minute by default.
     */
    public long maxDriftMillis() {
        return maxDriftMillis;
    }

    /** Whether to announce this node and find peers by mDNS; default {@value #DEFAULT_MDNS}. */
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

    /** The loop the node runs on, or null for a loop thread of its own. See {@link Builder#loop}. */
    public Loop loop() {
        return loop;
    }

    /** Makes the node's transport, or null for logmesh's WebSocket transport. See {@link Builder#transport}. */
    public Function<Loop, Transport> transport() {
        return transport;
    }

    /** The store the node keeps its log in, or null to open one ({@link #dataDir()} or memory). */
    public Store store() {
        return store;
    }

    /**
     * How long (ms) an accepted connection may take to complete its WebSocket upgrade (and TLS handshake) before
     * it is closed, so idle or half-sent requests cannot hold file descriptors. Default
     * 10,000 (10 s).
     */
    public long upgradeTimeoutMillis() {
        return upgradeTimeoutMillis;
    }

    /**
     * The budget in bytes of the memory store the node makes when it has neither {@link #dataDir()} nor {@link
     * #store()}: the heap its log may take (an estimate: an entry's action text at a byte per char plus about 320
     * bytes, {@code MemoryStore}'s "Budget"). Once it is used, the node refuses what would go over it as a SQLite node
     * on a full disk does: a local add fails with a {@link dev.logmesh.StoreException} ("the memory store is full:
     * ..."), a peer's or a client's batch is not acknowledged (they keep it and send it again), {@link
     * MeshNode#health()} says not writable, and sessions and pings go on; entries cleaned (their reasons removed) give
     * room back. Default: {@link #defaultMemoryLimit} of {@code Runtime.maxMemory()}, a third of the heap, so that a
     * node cannot end with an {@link OutOfMemoryError} because of its log. A bound per node: nodes that share a JVM
     * each get their own (a simulation of dozens of nodes in one JVM sets a smaller one per node if its nodes could
     * together fill the heap).
     */
    public long memoryLimit() {
        return memoryLimit > 0 ? memoryLimit : defaultMemoryLimit(Runtime.getRuntime().maxMemory());
    }

    /**
     * How many accepted connections may be before their WebSocket upgrade at once; while as many are, the node
     * accepts no more (they wait in the system's listen backlog until those upgrade or reach the deadline; before
     * session 32 they were closed as soon as they were accepted). Default 64.
     */
    public int maxPendingUpgrades() {
        return maxPendingUpgrades;
    }

    /**
     * How many Logux clients' cursors the log keeps (per client id: the highest {@code added} it acknowledged here),
     * the most recently seen; a client forgotten among more recent ones is sent everything addressed to it again,
     * from the start of the log, at its next connect. Each record is a row in the SQLite file (100,000 clients
     * with ids like {@code user123456:Xk3v9QaB}: 6 MB), or an entry in the heap with a memory store. Default {@link Store#CLIENT_CURSORS}
     * (100,000); {@code > 0}.
     */
    public int clientCursors() {
        return clientCursors;
    }

    /**
     * The Logux {@code headers} this node sends to every peer before {@code connect}/{@code connected}:
     * {@code env} ({@value #DEFAULT_ENV} without TLS, {@value #ENV_WITH_TLS} with it, unless set) and those set with
     * {@link Builder#header}. With {@code env} {@code development}, a client whose action is refused also gets the
     * reason in a {@code debug} message.
     */
    public java.util.Map<String, String> headers() {
        return headers;
    }

    /** Which clients get entries that are addressed to nobody; default {@link #DEFAULT_UNADDRESSED}. */
    public Unaddressed unaddressed() {
        return unaddressed;
    }

    /** The largest {@link Builder#channelReplay}: 100,000 entries (a subscriber's replay reads up to 10 times that). */
    public static final int MAX_CHANNEL_REPLAY = 100_000;

    /** Default {@link #channelReplay()}: 1,000 entries. */
    public static final int DEFAULT_CHANNEL_REPLAY =
        dev.logmesh.internal.edge.EdgeOptions.DEFAULT_REPLAY.maxSent();

    /**
     * The most entries of the log the node sends a Logux client when it subscribes to a channel that has no
     * {@link ChannelHooks#load} hook (its default load); 0: none, the subscriber gets only what is added from then on
     * (as {@code @logux/server} without a load). Default {@value #DEFAULT_CHANNEL_REPLAY}. A client that resubscribes
     * with {@code since} gets the channel's entries created after it that it had not acknowledged on this node; a first
     * subscription, the channel's newest entries (its history). The node reads at most 10 times this many entries of
     * the log to find them, in created order from {@code since} (or back from the log's end), so a subscription costs
     * what was added since, never a scan of the whole log; what lies beyond is not sent (the node logs a warning).
     * Docs: docs/logux-apps.md, "What a subscriber gets".
     */
    public int channelReplay() {
        return channelReplay;
    }

    /**
     * Whether the node runs under the command line ({@code logmesh node}): its messages then name the command line's
     * options as the remedy (a replay cut at its bound: {@code --channel-replay N}), not an application's hooks and
     * setters. Default false.
     */
    public boolean commandLine() {
        return commandLine;
    }

    /**
     * Whether actions of types and subscriptions to channels without client hooks are refused
     * ({@code unknownType}, {@code wrongChannel}), as {@code @logux/server} does; default false: accepted.
     */
    public boolean strictClientHooks() {
        return strictClientHooks;
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

    /**
     * The Micrometer registry the node registers its meters in ({@code logmesh.*}, tagged with the node id; the
     * list is in the README's "Metrics"), or null for none (the default). The node removes its meters when it
     * closes; it never closes the registry.
     */
    public io.micrometer.core.instrument.MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /**
     * How often the node sends its presence record to the mesh (its id, name, URL, log size, add rate and links),
     * which every logmesh node forwards, so that each node knows the whole mesh ({@code logmesh status}, the status
     * page); {@link Duration#ZERO} turns presence off (the node neither sends nor forwards records). 100 ms
     * to 1 day when on. A record of a node not refreshed for 3 periods is dropped. Default
     * {@link #DEFAULT_PRESENCE_PERIOD} (5 s).
     */
    public Duration presencePeriod() {
        return presencePeriod;
    }

    /**
     * Where the node serves its read-only status page ({@code /}) and {@code /status.json} over HTTP, or null (the
     * default: no page). Use a loopback address unless every host that can reach it may see the mesh's node
     * names, links and recent actions; the page never shows the key.
     */
    public java.net.InetSocketAddress statusPage() {
        return statusPage;
    }

    /**
     * The URL other mesh nodes dial this node at, where it is not the one it listens on, or null (the default: the
     * listening URL). See {@link Builder#publicUrl}.
     */
    public URI publicUrl() {
        return publicUrl;
    }

    /**
     * How often the node reads its whole store to check it ({@link dev.logmesh.spi.Store#scrub}), so that an entry
     * damaged on disk where no read goes is found, taken out and brought back from a peer while peers still hold
     * it; {@link Duration#ZERO} turns scrubbing off. The first pass starts this long after the node's start, or 10 s
     * after it if that is sooner (past a cold start's catch-up); each pass reads 500 entries per loop turn, and
     * the next starts a period after one ends. At least 100 ms when on. Default {@link #DEFAULT_SCRUB_PERIOD}
     * (1 day). Only a store that can be damaged checks anything (SQLite: each row's checksum); a memory store's
     * scrub ends at once.
     */
    public Duration scrubPeriod() {
        return scrubPeriod;
    }

    /** Default scrub period: 1 day. */
    public static final Duration DEFAULT_SCRUB_PERIOD = Duration.ofDays(1);

    /** Default presence period: 5 s. */
    public static final Duration DEFAULT_PRESENCE_PERIOD = Duration.ofSeconds(5);

    /** The shortest presence period other than 0 (off): 100 ms. */
    public static final Duration MIN_PRESENCE_PERIOD = Duration.ofMillis(100);

    /** The longest presence period: 1 day (a node listed for up to 3 days after it left is no use). */
    public static final Duration MAX_PRESENCE_PERIOD = Duration.ofDays(1);

    /**
     * The shortest ping period a node takes, in ms: its peers end a session that pings more than
     * {@code SessionConfig.DEFAULT_MAX_PINGS_PER_SECOND} (20) times a second as a flood ({@code bruteforce}), and a
     * node pings after this long without traffic, so 100 ms stays at half that. Before (a breaker's run, session
     * 17), {@code --ping 10} was taken and every session of the node was ended by its peer within a second, again at
     * every redial.
     */
    public static final long MIN_PING_MILLIS = 100;

    /**
     * The shortest timeout a node takes, in ms: more than the gossip's graft delay
     * ({@code SessionConfig.DEFAULT_GRAFT_MILLIS}, 300 ms: an action announced but still missing that long is asked
     * for), which must come within the timeout.
     */
    public static final long MIN_TIMEOUT_MILLIS = SessionConfig.DEFAULT_GRAFT_MILLIS + 1;

    /** Builds a {@link NodeConfig}; every setter has the default named on the getter. */
    public static final class Builder {
        private String name;
        private Path dataDir;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private final List<URI> peers = new ArrayList<>();
        private String mesh = DEFAULT_MESH;
        private byte[] key;
        private byte[] nextKey;
        private int subprotocol;
        private int minSubprotocol;
        private int maxFrameBytes = WsTransport.DEFAULT_MAX_FRAME_BYTES;
        /** Not set ({@link #maxClientFrameSet} false): the larger of the heap's default and maxFrameBytes. */
        private int maxClientFrameBytes;
        /** Whether {@link #maxClientFrameBytes} was called (so that 0 is refused, not taken as unset). */
        private boolean maxClientFrameSet;
        /** 0: not set (the heap's default). */
        private long clientFrameBudgetBytes;
        private long pingMillis = SessionConfig.DEFAULT_PING_MILLIS;
        private long timeoutMillis = SessionConfig.DEFAULT_TIMEOUT_MILLIS;
        private String keepReason = DEFAULT_KEEP_REASON;
        private Duration seenHorizon = DEFAULT_SEEN_HORIZON;
        private long keepLast;
        private Duration keepFor = Duration.ZERO;
        private long maxDriftMillis = HybridClock.DEFAULT_MAX_DRIFT_MS;
        private boolean mdns = DEFAULT_MDNS;
        private final List<String> interfaces = new ArrayList<>();
        private java.util.function.Function<dev.logmesh.discovery.Announcement, dev.logmesh.discovery.Discovery> discovery;
        private Path tlsCert;
        private Path tlsKey;
        private Path tlsTrust;
        private String token;
        private Loop loop;
        private Function<Loop, Transport> transport;
        private Store store;
        private long upgradeTimeoutMillis = WsTransport.DEFAULT_UPGRADE_TIMEOUT_MILLIS;
        private int maxPendingUpgrades = WsTransport.DEFAULT_MAX_PENDING_UPGRADES;
        private int clientCursors = Store.CLIENT_CURSORS;
        /** 0: {@link #defaultMemoryLimit} (unless {@link #memoryLimitSet}). */
        private long memoryLimit;
        private boolean memoryLimitSet;
        private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        private Unaddressed unaddressed = DEFAULT_UNADDRESSED;
        private int channelReplay = DEFAULT_CHANNEL_REPLAY;
        private boolean commandLine;
        private boolean strictClientHooks;
        private boolean overlay = true;
        private int maxActive = DEFAULT_MAX_ACTIVE;
        private int passiveSize = DEFAULT_PASSIVE_SIZE;
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;
        private Duration presencePeriod = DEFAULT_PRESENCE_PERIOD;
        private Duration scrubPeriod = DEFAULT_SCRUB_PERIOD;
        private java.net.InetSocketAddress statusPage;
        private URI publicUrl;

        private Builder() {
        }

        /**
         * Runs the node on this loop instead of a loop thread of its own: every task of the node (sessions,
         * timers, subscribers, listeners) runs on it, one at a time, and its clock is the node's clock. The test
         * kit's {@code ManualLoop} makes a node deterministic: nothing runs and no time passes until the test
         * says so. The node never closes a loop it was given: close it after the node. Default: null, a loop
         * thread the node starts and closes itself.
         */
        public Builder loop(Loop value) {
            loop = value;
            return this;
        }

        /**
         * Carries the node's links over this transport instead of logmesh's WebSocket one (e.g. the test kit's
         * in-memory {@code LocalNetwork}, or another medium). The factory is called once at start with the
         * node's loop; the node encodes and decodes every frame, enforces {@link #maxFrameBytes} on what it
         * receives, and closes the transport when it closes. Peer URLs are the transport's business (any
         * absolute URI). The TLS settings are the WebSocket transport's and cannot be combined with it; mDNS
         * announces the listening port and dials {@code ws://} URLs, so turn it off ({@code mdns(false)}) unless
         * the transport speaks WebSocket. Default: null, WebSocket.
         */
        public Builder transport(Function<Loop, Transport> factory) {
            transport = factory;
            return this;
        }

        /**
         * Keeps the log in this store (an application's {@link Store}, or a test's store that outlives a
         * restart of the node) instead of opening SQLite under {@link #dataDir} or a memory store. The node
         * calls it from its loop only, and does not close it: close it after the node. A failure the node goes on
         * after is a {@link dev.logmesh.StoreException} (the call fails, nothing of it written: {@link Store}'s
         * "Failures"); an {@link Error} from the store ends the node, saying which store call threw it. Default: null.
         */
        public Builder store(Store value) {
            store = value;
            return this;
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

        /**
         * The name this node's id starts with ({@code alice} makes {@code alice:Xk3v9QaB}); null for a random id.
         *
         * @throws IllegalArgumentException from {@link #build()}: empty, longer than {@code Log.MAX_NAME_CHARS}, a
         *     space, blank or control character, an empty part between colons ({@code ":"}, {@code "a:"}), or with
         *     mDNS on more than {@code Log.MAX_MDNS_NAME_BYTES} UTF-8 bytes
         */
        public Builder name(String value) {
            name = value;
            return this;
        }

        /**
         * Keeps the log in SQLite under this directory ({@code log.db} and its side files, {@code status.json}). The
         * node creates it if missing, with its missing parents, with permissions 0700 (owner only); an existing
         * directory keeps its permissions. One process at a time: a second node on it, in this JVM or another,
         * fails to start with a {@link dev.logmesh.StoreException} that says the log is in use.
         */
        public Builder dataDir(Path value) {
            dataDir = value;
            return this;
        }

        /** Keeps the log in memory (the default when no data directory or store is set). */
        public Builder memory() {
            dataDir = null;
            store = null;
            return this;
        }

        /**
         * Keeps the log in memory with this budget of bytes ({@link NodeConfig#memoryLimit()}), instead of the default
         * third of the heap.
         *
         * @param bytes {@code > 0}; {@link #build} refuses other values, and this with a {@link #dataDir} or {@link
         *     #store} set after it
         */
        public Builder memoryLimit(long bytes) {
            memory();
            memoryLimit = bytes;
            memoryLimitSet = true;
            return this;
        }

        /** Listens on this address (IPv4 address or name; {@value #LAN_HOST}: every interface). */
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

        /**
         * The key the mesh rotates to, or null (the default): the node accepts peers and clients that prove either
         * key and proves both when it dials, so nodes that hold the old key alone, both, or the new key alone meet
         * while they restart one by one (README, "Rotating the key"); once every node holds both, each is restarted
         * with the new key as its {@link #key} and no next key.
         *
         * @throws IllegalArgumentException from {@link #build()}: empty, equal to the key, or given without a key
         */
        public Builder nextKey(byte[] value) {
            nextKey = value == null ? null : value.clone();
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

        /**
         * See {@link NodeConfig#maxClientFrameBytes()}: bytes, at least {@link #maxFrameBytes} ({@link #build}
         * refuses less, and 0 or less).
         */
        public Builder maxClientFrameBytes(int value) {
            maxClientFrameBytes = value;
            maxClientFrameSet = true;
            return this;
        }

        /**
         * See {@link NodeConfig#clientFrameBudgetBytes()}: bytes, at least the client frame limit ({@link #build}
         * refuses less, and 0 or less).
         */
        public Builder clientFrameBudgetBytes(long value) {
            if (value <= 0) {
                throw new IllegalArgumentException("client frame budget (clientFrameBudgetBytes) must be positive, got "
                    + value);
            }
            clientFrameBudgetBytes = value;
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

        /** Keeps at most this many entries by the keep reason, 0 for no bound; see {@link NodeConfig#keepLast()}. */
        public Builder keepLast(long value) {
            keepLast = value;
            return this;
        }

        /**
         * Keeps entries by the keep reason this long, {@link Duration#ZERO} for ever; see {@link NodeConfig#keepFor()}.
         * {@link #build()} refuses (IllegalArgumentException, naming the value and the rule) a negative one, one under
         * {@link NodeConfig#MIN_KEEP_FOR} but 0, and one not shorter than the seen horizon.
         */
        public Builder keepFor(Duration value) {
            keepFor = java.util.Objects.requireNonNull(value, "keepFor");
            return this;
        }

        /** See {@link NodeConfig#seenHorizon()}. */
        public Builder seenHorizon(Duration value) {
            seenHorizon = java.util.Objects.requireNonNull(value, "seenHorizon");
            return this;
        }

        /** See {@link NodeConfig#maxDriftMillis()}. */
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

        /** Announces this node and finds peers by mDNS (on {@link #interfaces}); default off. */
        public Builder mdns(boolean value) {
            mdns = value;
            return this;
        }

        /**
         * A node of a LAN mesh: listens on every interface ({@value #LAN_HOST}) and finds peers by mDNS, as
         * {@code logmesh node} does. Give the mesh a {@link #key} too: without one, anyone on the LAN may read and
         * add actions (the node logs a warning).
         */
        public Builder lan() {
            host = LAN_HOST;
            mdns = true;
            return this;
        }

        public Builder interfaces(List<String> values) {
            interfaces.addAll(values);
            return this;
        }

        // ---- connection guards (WebSocket listener)

        /** See {@link NodeConfig#upgradeTimeoutMillis()}; {@code > 0}. */
        public Builder upgradeTimeoutMillis(long value) {
            upgradeTimeoutMillis = value;
            return this;
        }

        /** See {@link NodeConfig#maxPendingUpgrades()}; {@code > 0}. */
        public Builder maxPendingUpgrades(int value) {
            maxPendingUpgrades = value;
            return this;
        }

        /** See {@link NodeConfig#clientCursors()}; {@code > 0} ({@link #build} refuses other values). */
        public Builder clientCursors(int value) {
            clientCursors = value;
            return this;
        }

        // ---- clients of the node (issue 11)

        /** Sends this Logux header to peers (e.g. {@code env}, to replace the default); see {@link #headers()}. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** See {@link NodeConfig#commandLine()}: set by {@code logmesh node}, not by an application. */
        public Builder commandLine(boolean value) {
            commandLine = value;
            return this;
        }

        /**
         * The most entries a subscriber to a channel without a load hook gets from the log, 0 for none; see
         * {@link NodeConfig#channelReplay()}.
         *
         * @throws IllegalArgumentException if negative or over 100,000
         */
        public Builder channelReplay(int maxEntries) {
            if (maxEntries < 0 || maxEntries > MAX_CHANNEL_REPLAY) {
                throw new IllegalArgumentException("channelReplay must be 0 (off) to " + MAX_CHANNEL_REPLAY
                    + " entries, got " + maxEntries);
            }
            channelReplay = maxEntries;
            return this;
        }

        /** Which clients get unaddressed entries; see {@link NodeConfig#unaddressed()}. */
        public Builder unaddressed(Unaddressed value) {
            unaddressed = Objects.requireNonNull(value, "unaddressed");
            return this;
        }

        /** Refuses client actions and subscriptions without hooks; see {@link NodeConfig#strictClientHooks()}. */
        public Builder strictClientHooks(boolean value) {
            strictClientHooks = value;
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

        /**
         * Registers the node's meters in the application's registry (Spring Boot's, Quarkus', a
         * {@code PrometheusMeterRegistry}, ...); see {@link NodeConfig#meterRegistry()}. Default: null, no meters.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            meterRegistry = registry;
            return this;
        }

        /** Bound on the overlay's passive view; see {@link NodeConfig#passiveSize()}. */
        public Builder passiveSize(int value) {
            passiveSize = value;
            return this;
        }

        /** Scrub period, or {@link Duration#ZERO} for none; see {@link NodeConfig#scrubPeriod()}. */
        public Builder scrubPeriod(Duration value) {
            scrubPeriod = java.util.Objects.requireNonNull(value, "scrubPeriod");
            return this;
        }

        /** Presence period, or {@link Duration#ZERO} for none; see {@link NodeConfig#presencePeriod()}. */
        public Builder presencePeriod(Duration value) {
            presencePeriod = java.util.Objects.requireNonNull(value, "presencePeriod");
            return this;
        }

        /**
         * Serves the status page at this address (port 0: any free port; {@link MeshNode#statusPage()} tells which),
         * or null for none; see {@link NodeConfig#statusPage()}.
         */
        public Builder statusPage(java.net.InetSocketAddress value) {
            statusPage = value;
            return this;
        }

        /**
         * The URL other mesh nodes dial this node at, for a node they cannot reach at the address and port it listens
         * on: behind a port forward, a container's port mapping, a TCP or TLS proxy ({@code ws://HOST:PORT}, or
         * {@code wss://HOST:PORT} where the proxy speaks TLS; a path is kept). The overlay tells it to other nodes
         * (HyParView's {@code JOIN}, {@code NEIGHBOR} and {@code SHUFFLE}), and the node's presence records carry it
         * ({@code logmesh status}); static peers ({@link #peer}) are dialed as given. mDNS announces it: the SRV port
         * is its port and a TXT entry {@code url} holds it, which the nodes that find this one dial instead of the
         * address and port they saw (before session 34 mDNS announced the listening port, so they dialed past the
         * forward or the proxy). A host of {@code 0.0.0.0} means "the address my sessions come from,
         * this port", as for a node listening on every interface. Null (the default): the listening URL.
         *
         * @throws IllegalArgumentException from {@link #build()}: not {@code ws://} or {@code wss://}, no host or no
         *     port, a query or fragment, a node that does not listen ({@link #noListen}), or with mDNS on, a URL
         *     longer than {@value NodeConfig#MAX_ANNOUNCED_URL_BYTES} UTF-8 bytes
         */
        public Builder publicUrl(URI value) {
            publicUrl = value;
            return this;
        }

        /**
         * Checks and freezes the settings.
         *
         * @throws IllegalArgumentException naming the first wrong setting
         */
        /**
         * The bytes of the {@code headers} frame these headers and the {@code env} header make ({@code
         * ["headers",{...}]}, UTF-8 JSON), counted here rather than written: Jackson's {@code ObjectMapper} would load
         * at every start (StartupPathTest).
         */
        private static long headersFrameBytes(java.util.Map<String, String> given) {
            java.util.Map<String, String> all = new java.util.LinkedHashMap<>();
            all.put("env", ENV_WITH_TLS.length() > DEFAULT_ENV.length() ? ENV_WITH_TLS : DEFAULT_ENV);
            all.putAll(given);
            long bytes = "[\"headers\",{}]".length() + (long) all.size() - 1; // the commas between the pairs
            for (java.util.Map.Entry<String, String> e : all.entrySet()) {
                bytes += jsonStringBytes(e.getKey()) + 1 + jsonStringBytes(e.getValue()); // "key":"value"
            }
            return bytes;
        }

        /**
         * The UTF-8 bytes of {@code s} as a JSON string with its quotes, at most (a control character counted as a
         * six-character escape).
         */
        private static long jsonStringBytes(String s) {
            long bytes = 2;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                bytes += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : c < 0x80 ? 1 : c < 0x800 ? 2
                    : Character.isSurrogate(c) ? 2 : 3; // a surrogate pair is 4 bytes: 2 for each half
            }
            return bytes;
        }

        public NodeConfig build() {
            if (name != null) {
                ActionId.requireNodeId(name);
                if (name.length() > dev.logmesh.internal.log.Log.MAX_NAME_CHARS) {
                    // before (session 29) built, and the node failed at start, its store open, with "node id is
                    // longer than 256 characters" out of the overlay
                    throw new IllegalArgumentException("name is " + name.length() + " characters long: at most "
                        + dev.logmesh.internal.log.Log.MAX_NAME_CHARS + " (the node id name:"
                        + "x".repeat(dev.logmesh.internal.log.Log.RANDOM_ID_CHARS) + " is at most "
                        + dev.logmesh.internal.overlay.PeerInfo.MAX_ID_LENGTH + " characters)");
                }
                String problem = dev.logmesh.internal.log.Log.nameProblem(name, mdns);
                if (problem != null) {
                    throw new IllegalArgumentException("name '" + name + "' " + problem);
                }
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
            dev.logmesh.internal.auth.MeshAuth.checkNext(key, nextKey);
            String subprotocols = dev.logmesh.internal.protocol.Subprotocols.problem(subprotocol, minSubprotocol,
                "subprotocol", "minSubprotocol");
            if (subprotocols != null) {
                throw new IllegalArgumentException(subprotocols);
            }
            if (maxFrameBytes < 1024) {
                throw new IllegalArgumentException("max frame size must be at least 1024 bytes");
            }
            if (maxClientFrameSet && maxClientFrameBytes < maxFrameBytes) {
                throw new IllegalArgumentException("max client frame size (maxClientFrameBytes, --max-client-frame) "
                    + "must be at least the max frame size (maxFrameBytes, --max-frame) of " + maxFrameBytes
                    + " bytes, got " + maxClientFrameBytes);
            }
            if (pingMillis < MIN_PING_MILLIS) {
                throw new IllegalArgumentException("ping must be at least " + MIN_PING_MILLIS + " ms (peers end a "
                    + "session that pings more than " + SessionConfig.DEFAULT_MAX_PINGS_PER_SECOND
                    + " times a second as a flood), got " + pingMillis);
            }
            if (timeoutMillis < MIN_TIMEOUT_MILLIS) {
                throw new IllegalArgumentException("timeout must be at least " + MIN_TIMEOUT_MILLIS + " ms (an "
                    + "action announced but missing for " + SessionConfig.DEFAULT_GRAFT_MILLIS + " ms is asked for, "
                    + "within the timeout), got " + timeoutMillis);
            }
            if (upgradeTimeoutMillis <= 0 || maxPendingUpgrades <= 0) {
                throw new IllegalArgumentException("upgrade timeout and max pending upgrades must be > 0");
            }
            if (memoryLimitSet && memoryLimit <= 0) {
                throw new IllegalArgumentException("a memory limit (memoryLimit, --memory-limit) must be more than 0 "
                    + "bytes, got " + memoryLimit);
            }
            if (memoryLimitSet && (dataDir != null || store != null)) {
                throw new IllegalArgumentException("a memory limit (memoryLimit, --memory-limit) bounds the memory "
                    + "store a node makes, but this node keeps its log " + (store != null ? "in the store it was given"
                    : "in " + dataDir) + ": give one or the other");
            }
            if (clientCursors <= 0) {
                throw new IllegalArgumentException("client cursors (how many Logux clients' cursors the log keeps) "
                    + "must be at least 1, got " + clientCursors);
            }
            if (maxDriftMillis < 0 || maxDriftMillis > MAX_DRIFT_LIMIT_MILLIS) {
                throw new IllegalArgumentException("max drift must be 0.." + MAX_DRIFT_LIMIT_MILLIS + " ms (100 years), "
                    + "got " + maxDriftMillis);
            }
            if (scrubPeriod.isNegative() || (!scrubPeriod.isZero() && scrubPeriod.compareTo(Duration.ofMillis(100)) < 0)) {
                throw new IllegalArgumentException("scrub period must be 0 (off) or at least 100 ms, got " + scrubPeriod);
            }
            if (seenHorizon.isNegative()) {
                throw new IllegalArgumentException("seen horizon must not be negative, got " + seenHorizon);
            }
            if (keepLast < 0) {
                throw new IllegalArgumentException("keep last (--keep-last) must be 0 (no bound) or more entries, got "
                    + keepLast);
            }
            if (keepFor.isNegative()) {
                throw new IllegalArgumentException("keep for (keepFor, --keep-for) " + words(keepFor) + " is negative: "
                    + "give how long to keep entries, from " + words(MIN_KEEP_FOR) + " to less than the seen horizon "
                    + "(seenHorizon, --seen-horizon) " + words(seenHorizon) + ", or 0 to keep them for ever");
            }
            if (!keepFor.isZero() && keepFor.compareTo(MIN_KEEP_FOR) < 0) {
                // retention runs once a second: everything would go at its next run, also what just arrived
                throw new IllegalArgumentException("keep for (keepFor, --keep-for) " + words(keepFor) + " is shorter "
                    + "than " + words(MIN_KEEP_FOR) + ", retention's period: every entry would be cleaned at the next "
                    + "run, within a second of its arrival, which keeps nothing; give " + words(MIN_KEEP_FOR)
                    + " or more (" + words(SHORT_KEEP_FOR) + " or more so that a peer away for a moment gets what it "
                    + "missed from this node), or 0 to keep entries for ever");
            }
            if (!keepFor.isZero() && keepFor.compareTo(seenHorizon) >= 0) {
                // the seen ids of entries cleaned at that age would be forgotten at once: a peer that still holds one
                // would have it applied again
                throw new IllegalArgumentException("keep for (keepFor, --keep-for) " + words(keepFor) + " must be "
                    + "shorter than the seen horizon (seenHorizon, --seen-horizon) " + words(seenHorizon) + ": how long "
                    + "the ids of cleaned entries are remembered, so that one coming back is not applied again; "
                    + (longerHorizon(keepFor).compareTo(keepFor) > 0
                        ? "give a longer seen horizon (--seen-horizon " + words(longerHorizon(keepFor))
                            + ", seenHorizon), or keep entries for less than " + words(seenHorizon)
                        // no longer one to advise on the command line (before, break45: "give a longer seen horizon
                        // (--seen-horizon 36500d, ...)" to a node at 36500d already)
                        : "keep entries for less than " + words(seenHorizon) + " (the command line's longest seen "
                            + "horizon is " + words(CLI_MOST_SEEN_HORIZON) + "; an application may give a seenHorizon "
                            + "longer than its keepFor)"));
            }
            if ((keepLast > 0 || !keepFor.isZero()) && keepReason == null) {
                throw new IllegalArgumentException("retention (keep last, keep for) removes the node's keep reason, but "
                    + "this node has none (keepReason(null)): clean with removeReason or keepLast instead");
            }
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new IllegalArgumentException("TLS needs both a certificate and a key");
            }
            if (store != null && dataDir != null) {
                throw new IllegalArgumentException("a node keeps its log in a data directory or in a given store, "
                    + "not both");
            }
            if (transport != null && (tlsCert != null || tlsTrust != null)) {
                throw new IllegalArgumentException("TLS settings are for the WebSocket transport, not a given one");
            }
            for (String h : headers.keySet()) {
                if (h.isEmpty()) {
                    throw new IllegalArgumentException("a header name must not be empty");
                }
            }
            long headerBytes = headersFrameBytes(headers);
            if (headerBytes > dev.logmesh.internal.protocol.MessageCodec.MAX_HEADERS_BYTES) {
                // before (break41's finding) such a node was built, and every peer refused its headers frame
                throw new IllegalArgumentException("the headers take " + headerBytes + " bytes in their frame, over the "
                    + dev.logmesh.internal.protocol.MessageCodec.MAX_HEADERS_BYTES + " bytes that peers take: send "
                    + "shorter ones");
            }
            if (maxActive < 1 || maxActive > dev.logmesh.internal.overlay.OverlayConfig.LIMIT_MAX_ACTIVE) {
                throw new IllegalArgumentException("max active must be 1.."
                    + dev.logmesh.internal.overlay.OverlayConfig.LIMIT_MAX_ACTIVE + ", got " + maxActive);
            }
            if (passiveSize < maxActive || passiveSize > 1024) {
                throw new IllegalArgumentException("passive size must be max active (" + maxActive + ")..1024, got "
                    + passiveSize);
            }
            if (publicUrl != null) {
                checkPublicUrl(publicUrl, host != null);
                int bytes = publicUrl.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                if (mdns && bytes > MAX_ANNOUNCED_URL_BYTES) {
                    throw new IllegalArgumentException("public URL is " + bytes + " bytes: mDNS announces it in a TXT "
                        + "entry, which holds at most " + MAX_ANNOUNCED_URL_BYTES + " (shorten it, or turn mDNS off), "
                        + "got " + publicUrl);
                }
            }
            if (presencePeriod.isNegative() || (!presencePeriod.isZero()
                && (presencePeriod.compareTo(MIN_PRESENCE_PERIOD) < 0
                    || presencePeriod.compareTo(MAX_PRESENCE_PERIOD) > 0))) {
                throw new IllegalArgumentException("presence period must be 0 (off) or a period from 100ms to 1d, got "
                    + presencePeriod);
            }
            for (URI p : peers) {
                String s = p.getScheme();
                if (transport != null) {
                    if (!p.isAbsolute()) {
                        throw new IllegalArgumentException("peer must be an absolute URI, got " + p);
                    }
                } else if ((!"ws".equalsIgnoreCase(s) && !"wss".equalsIgnoreCase(s)) || p.getHost() == null) {
                    throw new IllegalArgumentException("peer must be a ws://HOST:PORT or wss:// URL, got " + p);
                }
            }
            return new NodeConfig(this);
        }
    }
}
