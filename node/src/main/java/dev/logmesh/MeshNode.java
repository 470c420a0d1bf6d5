package dev.logmesh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.discovery.Announcement;
import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.MdnsDiscovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.log.Criteria;
import dev.logmesh.log.Log;
import dev.logmesh.log.MemoryStore;
import dev.logmesh.log.MetaJson;
import dev.logmesh.log.PeerCursor;
import dev.logmesh.log.SqliteStore;
import dev.logmesh.log.Store;
import dev.logmesh.protocol.Message;
import dev.logmesh.protocol.ProtocolError;
import dev.logmesh.sync.Bruteforce;
import dev.logmesh.sync.MeshAuth;
import dev.logmesh.sync.Redialer;
import dev.logmesh.sync.SessionConfig;
import dev.logmesh.sync.SessionHub;
import dev.logmesh.sync.SyncSession;
import dev.logmesh.time.Loop;
import dev.logmesh.time.SystemLoop;
import dev.logmesh.transport.WsTransport;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logmesh node: a durable (or in-memory) action log, synced with peers over Logux protocol 5.
 *
 * <pre>{@code
 * try (MeshNode node = MeshNode.start(NodeConfig.builder().name("alice").dataDir(dir).build())) {
 *     node.subscribe(e -> true, e -> System.out.println(e.action()));
 *     node.add(Action.parse("{\"type\":\"chat/add\",\"text\":\"hi\"}")).join();
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * Each node runs one loop thread that owns its log, sessions and peers. Public methods may be called from
 * any thread: they post to the loop and return a {@link CompletableFuture} completed there. Subscribers and
 * listeners are called on the loop thread, one entry at a time, in the order entries are added to this
 * node's log: they must not block (hand work to your own executor, e.g. the UI thread).
 *
 * <h2>Lifecycle</h2>
 * {@link #start} opens the log, listens and dials; {@link #close} closes sessions, stops listening, closes
 * the store and releases every thread, socket and file.
 */
public final class MeshNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshNode.class);
    private static final long HOUR = 3_600_000L;

    /** Node events other than added entries; called on the loop. */
    public interface Listener {
        /** A peer's first session is up ({@code connected}) or its last one ended. */
        default void peer(String nodeId, boolean connected) {
        }

        /**
         * A peer confirmed ({@code synced}) that it committed this node's entries up to {@code added}
         * ({@link Meta#added()} numbers of this log). Called often: keep it cheap.
         */
        default void acknowledged(String nodeId, long added) {
        }

        /** Something went wrong that a person may need to act on (the node goes on). */
        default void error(String message) {
        }
    }

    /** A subscription; {@link #close} ends it. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** What this node knows of a peer. */
    public record PeerStatus(String nodeId, boolean connected, long theirAddedProcessed, long oursAcknowledged,
                             long behind) {
    }

    private final NodeConfig config;
    private final SystemLoop loop;
    private final Log log;
    private final SessionHub hub;
    private final WsTransport transport;
    private final List<Redialer> dialers = new ArrayList<>();
    /** Dialers of peers found by discovery, by node id; owned by the loop. */
    private final Map<String, Redialer> discovered = new java.util.HashMap<>();
    private final SecureRandom seed = new SecureRandom();
    private volatile Discovery discovery;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile URI url;
    private volatile boolean closed;

    private MeshNode(NodeConfig config, SystemLoop loop, Log log, SslContext serverTls, SslContext clientTls) {
        this.config = config;
        this.loop = loop;
        this.log = log;
        SessionConfig sc = SessionConfig.defaults(config.mesh())
            .withSubprotocol(config.subprotocol(), config.minSubprotocol())
            .withTiming(config.pingMillis(), config.timeoutMillis());
        if (config.key() != null) {
            sc = sc.withAuth(new MeshAuth(config.key(), config.mesh(), MeshAuth.DEFAULT_WINDOW, loop::now),
                new Bruteforce(Bruteforce.DEFAULT_LIMIT, Bruteforce.DEFAULT_PERIOD, loop::now));
        }
        this.hub = new SessionHub(log, loop, sc);
        this.transport = new WsTransport(loop, config.maxFrameBytes(), serverTls, clientTls, log.nodeId());
        hub.addListener(new SessionHub.Listener() {
            @Override
            public void peerConnected(String peerNode, SyncSession session) {
                listeners.forEach(l -> l.peer(peerNode, true));
            }

            @Override
            public void peerDisconnected(String peerNode) {
                listeners.forEach(l -> l.peer(peerNode, false));
            }

            @Override
            public void acknowledged(String peerNode, long added) {
                listeners.forEach(l -> l.acknowledged(peerNode, added));
            }

            @Override
            public void sessionClosed(SyncSession session, ProtocolError error, String reason) {
                if (error != null && error.type() != ProtocolError.Type.TIMEOUT) {
                    String who = session.peerNode() != null ? session.peerNode() : session.connection().remoteAddress();
                    fireError("session with " + who + " ended: " + error.wireType()
                        + (error.isReceived() ? " (sent by the peer)" : "") + ": " + error.getMessage());
                }
            }
        });
    }

    /**
     * Starts a node: opens its log (creating the data directory), listens and dials its static peers.
     *
     * @throws IOException if the data directory or the port cannot be used
     * @throws dev.logmesh.log.StoreException if the log file is corrupt, foreign or in use by another process
     */
    public static MeshNode start(NodeConfig config) throws IOException {
        return start(config, List.of());
    }

    /** Starts a node and registers listeners before anything happens (so no event is missed). */
    public static MeshNode start(NodeConfig config, List<Listener> initial) throws IOException {
        Store store;
        if (config.dataDir() != null) {
            Files.createDirectories(config.dataDir());
            store = SqliteStore.open(config.dataDir().resolve("log.db"));
        } else {
            store = new MemoryStore();
        }
        SystemLoop loop = null;
        try {
            Log log = Log.open(store, config.name(), System::currentTimeMillis, config.maxDriftMillis());
            loop = new SystemLoop("logmesh-" + log.nodeId());
            if (config.keepReason() != null) {
                String keep = config.keepReason();
                log.onPreAdd((action, meta) -> {
                    if (meta.reasons().contains(keep)) {
                        return meta;
                    }
                    List<String> rs = new ArrayList<>(meta.reasons());
                    rs.add(keep);
                    return meta.withReasons(rs);
                });
            }
            MeshNode node = new MeshNode(config, loop, log, null, null);
            node.listeners.addAll(initial);
            try {
                node.begin();
            } catch (IOException | RuntimeException e) {
                node.close();
                throw e;
            }
            return node;
        } catch (IOException | RuntimeException e) {
            if (loop != null) {
                loop.close();
            }
            store.close(); // idempotent: node.close() may have closed it
            throw e;
        }
    }

    private void begin() throws IOException {
        if (config.host() != null) {
            InetSocketAddress bound;
            try {
                bound = transport.listen(config.host(), config.port(), conn ->
                    hub.open(conn, SyncSession.Role.LISTENER, null, null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while binding", e);
            } catch (RuntimeException e) {
                transport.close();
                throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
            }
            String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
            url = URI.create("ws://" + host + ":" + bound.getPort());
        }
        call(() -> {
            for (URI peer : config.peers()) {
                Redialer d = new Redialer(hub, loop, log, peer, transport::dial, new java.util.Random(seed.nextLong()),
                    this::fireError);
                dialers.add(d);
                d.start();
            }
            loop.schedule(HOUR, this::forgetSeen);
            return null;
        }).join();
        if (config.mdns()) {
            if (url == null) {
                throw new IOException("mDNS announces the listening port: a node without one cannot use mDNS");
            }
            startDiscovery();
        }
    }

    private void startDiscovery() throws IOException {
        Announcement me = Announcement.of(log.nodeId(), config.mesh(), Message.PROTOCOL, url.getPort());
        MdnsDiscovery d = MdnsDiscovery.builder(me).interfaces(config.interfaces()).callbackExecutor(loop).build();
        discovery = d;
        LOG.info("mDNS on {}", d.interfaces());
        d.start(new Discovery.Listener() {
            @Override
            public void peerFound(Peer peer) {
                if (closed || !peer.isIdentified()) {
                    return;
                }
                List<URI> urls = new ArrayList<>();
                for (InetSocketAddress a : peer.addresses()) {
                    urls.add(URI.create("ws://" + a.getAddress().getHostAddress() + ":" + a.getPort()));
                }
                if (urls.isEmpty()) {
                    return;
                }
                Redialer r = discovered.get(peer.nodeId());
                if (r != null && !r.stopped()) {
                    r.setUrls(urls);
                    return;
                }
                LOG.debug("found {} at {}", peer.nodeId(), urls);
                r = new Redialer(hub, loop, log, urls, peer.nodeId(), transport::dial,
                    new java.util.Random(seed.nextLong()), MeshNode.this::fireError);
                discovered.put(peer.nodeId(), r);
                r.start();
            }

            @Override
            public void peerLost(String nodeId) {
                Redialer r = discovered.remove(nodeId);
                if (r != null) {
                    // Only a hint: a live session stays until its pings fail.
                    r.stop(false);
                }
            }
        });
    }

    private void forgetSeen() {
        long n = log.forgetSeen(config.seenHorizon().toMillis());
        if (n > 0) {
            LOG.info("forgot {} seen ids older than {}", n, config.seenHorizon());
        }
        loop.schedule(HOUR, this::forgetSeen);
    }

    private void fireError(String message) {
        LOG.warn(message);
        listeners.forEach(l -> l.error(message));
    }

    private <T> CompletableFuture<T> call(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IllegalStateException("node is closed"));
            return f;
        }
        loop.execute(() -> {
            try {
                f.complete(task.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** This node's id. */
    public String nodeId() {
        return log.nodeId();
    }

    /** The URL peers can dial ({@code ws://host:port}), or null if the node does not listen. */
    public URI url() {
        return url;
    }

    /** The settings this node was started with. */
    public NodeConfig config() {
        return config;
    }

    /** Adds a listener for peer and error events. */
    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Adds a local action (optimistic: it is in the local log when the future completes; sync follows).
     *
     * @return the added meta; fails with {@link IllegalArgumentException} for a bad action
     */
    public CompletableFuture<Meta> add(Action action) {
        return add(action, List.of());
    }

    /** Adds a local action with reasons (the node's keep reason is added to them). */
    public CompletableFuture<Meta> add(Action action, List<String> reasons) {
        return call(() -> log.add(action, reasons));
    }

    /**
     * Adds a local action with a partial meta as a user gives it: optional {@code id}, {@code time},
     * {@code reasons}, {@code subprotocol} and custom keys.
     *
     * @return the added meta, or null if an entry with that id was already applied here
     */
    public CompletableFuture<Meta> add(Action action, JsonNode partialMeta) {
        return call(() -> log.add(MetaJson.draft(log, action, partialMeta, List.of())));
    }

    /**
     * Calls {@code consumer} for every entry added to this node's log from now on, local or received, that
     * matches {@code filter}: once per entry, on the node's loop thread, in the order entries are added here.
     */
    public Subscription subscribe(Predicate<Entry> filter, Consumer<Entry> consumer) {
        Runnable off = log.onAdd(e -> {
            if (filter.test(e)) {
                try {
                    consumer.accept(e);
                } catch (RuntimeException ex) {
                    LOG.error("subscriber failed on {}", e.id(), ex);
                }
            }
        });
        return off::run;
    }

    /** {@link #subscribe} for one action type. */
    public Subscription subscribe(String type, Consumer<Entry> consumer) {
        return subscribe(e -> e.action().type().equals(type), consumer);
    }

    /** The whole log in created order (the same on every node). */
    public CompletableFuture<List<Entry>> entries() {
        return call(() -> {
            List<Entry> out = new ArrayList<>();
            log.entries().forEach(out::add);
            return out;
        });
    }

    /** The entry with this id, if it is in the log. */
    public CompletableFuture<java.util.Optional<Entry>> byId(ActionId id) {
        return call(() -> log.byId(id));
    }

    /** Changes meta keys of an entry, as {@link Log#changeMeta(ActionId, Map)}. */
    public CompletableFuture<Boolean> changeMeta(ActionId id, Map<String, JsonNode> diff) {
        return call(() -> log.changeMeta(id, diff));
    }

    /** Removes a reason, as {@link Log#removeReason}. @return how many entries were cleaned */
    public CompletableFuture<Integer> removeReason(String reason, Criteria criteria) {
        return call(() -> log.removeReason(reason, criteria));
    }

    /** Peers this node has synced with or is connected to, with how far behind they are. */
    public CompletableFuture<List<PeerStatus>> peers() {
        return call(() -> {
            List<PeerStatus> out = new ArrayList<>();
            long last = log.lastAdded();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String p : hub.connectedPeers()) {
                PeerCursor c = log.cursor(p);
                out.add(new PeerStatus(p, true, c.received(), c.sent(), Math.max(0, last - c.sent())));
                seen.add(p);
            }
            log.store().cursors().forEach((p, c) -> {
                if (!seen.contains(p)) {
                    out.add(new PeerStatus(p, false, c.received(), c.sent(), Math.max(0, last - c.sent())));
                }
            });
            return out;
        });
    }

    /** The loop that owns this node's state (for tests and advanced embedding). */
    Loop loop() {
        return loop;
    }

    /**
     * Closes sessions, stops listening and dialing, closes the log's store and stops the loop thread.
     * Idempotent; waits up to a few seconds.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        Discovery d = discovery;
        Thread discoveryClose = null;
        if (d != null) {
            // JmDNS takes ~2 s to send its goodbyes: do it while the sessions close.
            discoveryClose = new Thread(d::close, "logmesh-discovery-close");
            discoveryClose.start();
        }
        CompletableFuture<Void> done = call(() -> {
            dialers.forEach(Redialer::stop);
            discovered.values().forEach(Redialer::stop);
            hub.close();
            return null;
        });
        closed = true;
        try {
            done.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing sessions took too long: {}", e.toString());
        }
        transport.close();
        loop.close();
        log.close();
        if (discoveryClose != null) {
            try {
                discoveryClose.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
