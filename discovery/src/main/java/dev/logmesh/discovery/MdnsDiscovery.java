package dev.logmesh.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery by multicast DNS (DNS-SD), built on JmDNS, on explicitly chosen IPv4 interfaces.
 *
 * <h2>What goes on the wire</h2>
 *
 * <p>Service type {@value #SERVICE_TYPE}; instance name = node id; SRV port = {@link
 * Announcement#port()}; TXT = {@value #TXT_NODE} (node id), {@value #TXT_MESH} (mesh name),
 * {@value #TXT_PROTOCOL} (protocol version) plus {@link Announcement#extra()}.
 *
 * <h2>What is reported</h2>
 *
 * <ul>
 *   <li>Only nodes of the same mesh with a complete TXT record ({@code node}, {@code mesh}, {@code
 *       proto}); never this node itself.
 *   <li>Peers are deduplicated by TXT node id across interfaces and repeated resolutions: {@link
 *       Listener#peerFound} is called once per node id, and again only when the merged {@link Peer}
 *       changes (addresses seen on any interface, protocol or TXT).
 *   <li>{@link Listener#peerLost} is called when no interface sees the node any more: after its
 *       goodbye (typically 3 s with the default cache cleaning) or when its records expire (up to an
 *       hour for a node that crashed: JmDNS's default TTL). It is a hint; liveness must come from
 *       sessions.
 *   <li>At most {@link Builder#maxServices} services of our type are kept per interface, in JmDNS's
 *       cache and here: beyond that, the first seen stay and the others are dropped (and reported
 *       lost if they were reported), so forged announcements of thousands of names cost a bounded
 *       heap.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * <p>Callbacks run on the executor given to {@link Builder#callbackExecutor}, serialized; by
 * default on a dedicated daemon thread named {@code logmesh-discovery-<nodeId>}. Per interface,
 * JmDNS runs four threads (one of them not a daemon); a daemon cleaner thread cleans the caches if
 * {@link Builder#cacheCleanInterval} is positive and keeps them within {@link Builder#maxServices}
 * (once a period, and after every 64 services added during a burst). {@link #close()} ends all of them before returning,
 * except the callback thread when {@code close()} is called from a callback.
 *
 * <h2>Timing</h2>
 *
 * <p>JmDNS instances are created and a query sent at {@link #start}, before this node registers,
 * so a newcomer usually finds running nodes in about a second; they find the newcomer when its
 * announcement completes, about 4 s after start. {@link #close()} takes about 2 s (JmDNS's goodbye
 * sequence), whatever the number of interfaces: they are closed in parallel.
 *
 * <h2>Test isolation</h2>
 *
 * <p>The mDNS port is JVM-wide: the system property {@code net.mdns.port} (default 5353), read
 * once when JmDNS's classes load. Tests should set it to another port and use a random mesh name.
 */
public final class MdnsDiscovery implements Discovery {

    /** The DNS-SD service type announced and browsed. */
    public static final String SERVICE_TYPE = "_logmesh._tcp.local.";

    /** TXT key of the node id. */
    public static final String TXT_NODE = "node";

    /** TXT key of the mesh name. */
    public static final String TXT_MESH = "mesh";

    /** TXT key of the protocol version (a decimal integer). */
    public static final String TXT_PROTOCOL = "proto";

    /**
     * Default {@link Builder#maxServices}: at most this many services of our type are kept per interface (JmDNS's
     * cache and this discovery's state), so forged announcements cost a bounded heap.
     */
    public static final int DEFAULT_MAX_SERVICES = 256;

    /** Default period of cache cleaning: makes goodbyes take effect in about 3 s instead of 3–13 s. */
    public static final Duration DEFAULT_CACHE_CLEAN_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(MdnsDiscovery.class);

    /** Services added to the caches between two applications of the limit during a burst. */
    private static final int LIMIT_EVERY_ADDED = 64;

    /** How long close() waits for each interface (JmDNS needs about 2 s, plus thread joins). */
    private static final long CLOSE_TIMEOUT_MILLIS = 15_000;

    /** Makes JmDNS instance names unique in the JVM, so their threads can be told apart. */
    private static final AtomicLong INSTANCES = new AtomicLong();

    private enum State { NEW, STARTED, CLOSED }

    private final Announcement announcement;
    private final List<Inet4Address> interfaces;
    private final Executor callbackExecutor;
    private final Duration cacheCleanInterval;
    private final int maxServices;
    /** Whether the limit of services was reported (once). Cleaner thread only. */
    private boolean warnedLimit;
    /**
     * Services added to a JmDNS cache since the limit was last applied: a burst of announcements gets the limit
     * applied after every {@link #LIMIT_EVERY_ADDED} of them, not only once a second.
     */
    private final java.util.concurrent.atomic.AtomicInteger addedSinceLimit =
            new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean limitQueued =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** The cleaner once started (read by JmDNS's threads, so volatile). */
    private volatile ScheduledExecutorService limiter;

    // All mutable fields below are guarded by "this".
    private State state = State.NEW;
    private ExecutorService ownCallbackExecutor;
    private SerialExecutor callbacks;
    private ScheduledExecutorService cleaner;
    private MdnsEndpoint.Sink sink;

    /** Open endpoints. Written under "this"; read by the cleaner thread. */
    private final List<MdnsEndpoint> endpoints = new java.util.concurrent.CopyOnWriteArrayList<>();

    private MdnsDiscovery(Builder b, List<Inet4Address> interfaces) {
        this.announcement = b.announcement;
        this.interfaces = interfaces;
        this.callbackExecutor = b.callbackExecutor;
        this.cacheCleanInterval = b.cacheCleanInterval;
        this.maxServices = b.maxServices;
    }

    /**
     * Starts building a discovery that announces {@code announcement}.
     *
     * @throws NullPointerException if {@code announcement} is null
     */
    public static Builder builder(Announcement announcement) {
        return new Builder(announcement);
    }

    /**
     * The addresses used when no interface is configured: every IPv4 address of every interface
     * that is up, supports multicast, and is neither loopback nor point-to-point. Only reads the
     * interface list; sends nothing.
     *
     * @throws UncheckedIOException if the interfaces cannot be listed
     */
    public static List<Inet4Address> defaultInterfaceAddresses() {
        return Interfaces.defaults(Interfaces.system());
    }

    /** What this discovery announces. */
    public Announcement announcement() {
        return announcement;
    }

    /** The IPv4 addresses this discovery binds to, one JmDNS each, chosen at build time. */
    public List<Inet4Address> interfaces() {
        return interfaces;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Creates one JmDNS per {@linkplain #interfaces() interface}, starts browsing on each, then
     * registers this node on each. Callbacks arrive as described in the class documentation.
     */
    @Override
    public synchronized void start(Listener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (state != State.NEW) {
            throw new IllegalStateException("already " + state.name().toLowerCase(Locale.ROOT));
        }
        state = State.STARTED;
        Executor executor = callbackExecutor;
        if (executor == null) {
            String threadName = "logmesh-discovery-" + announcement.nodeId();
            ownCallbackExecutor = Executors.newSingleThreadExecutor(r -> daemon(r, threadName));
            executor = ownCallbackExecutor;
        }
        SerialExecutor serial = new SerialExecutor(executor);
        callbacks = serial;
        PeerTracker tracker = new PeerTracker(announcement.nodeId(), announcement.mesh(), listener,
                maxServices * interfaces.size());
        sink = new MdnsEndpoint.Sink() {
            @Override
            public void resolved(String source, ServiceRecord record) {
                serial.execute(() -> tracker.resolved(source, record));
            }

            @Override
            public void removed(String source, String instanceName) {
                serial.execute(() -> tracker.removed(source, instanceName));
            }

            @Override
            public void added(String source) {
                ScheduledExecutorService l = limiter;
                if (addedSinceLimit.incrementAndGet() >= LIMIT_EVERY_ADDED && l != null
                        && limitQueued.compareAndSet(false, true)) {
                    try {
                        l.execute(MdnsDiscovery.this::limitServices);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        limitQueued.set(false); // closing
                    }
                }
            }
        };
        try {
            for (Inet4Address address : interfaces) {
                endpoints.add(MdnsEndpoint.open(address, jmdnsName(), sink));
            }
            for (MdnsEndpoint endpoint : endpoints) {
                endpoint.register(announcement);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        // the cleaner also keeps the services per interface within maxServices, so it runs even without cleaning
        long period = cacheCleanInterval.isZero() ? 1_000 : cacheCleanInterval.toMillis();
        boolean clean = !cacheCleanInterval.isZero();
        cleaner = Executors.newSingleThreadScheduledExecutor(
                r -> daemon(r, "logmesh-discovery-cleaner-" + announcement.nodeId()));
        // the task catches its own failures, and close() shuts the executor down: no need for its future
        Future<?> unused = cleaner.scheduleWithFixedDelay(() -> {
            if (clean) {
                for (MdnsEndpoint endpoint : endpoints) {
                    try {
                        endpoint.cleanCache();
                    } catch (RuntimeException e) {
                        LOG.debug("cleanCache on {} failed", endpoint, e);
                    }
                }
            }
            limitServices();
        }, period, period, TimeUnit.MILLISECONDS);
        limiter = cleaner;
        LOG.info("mDNS discovery of node {} in mesh {} on {}", announcement.nodeId(),
                announcement.mesh(), interfaces);
    }

    /**
     * {@inheritDoc}
     *
     * <p>On every interface in parallel, restarts mDNS: the JmDNS instance is closed (goodbyes) and
     * a fresh one queries and announces again. (Unregistering and registering again on the same
     * JmDNS instance was measured not to announce the service again at all.) Blocks about 2 s;
     * peers see this node again about 4 s later, and usually report it lost in between.
     *
     * @throws UncheckedIOException if mDNS could not be restarted on an interface; the other
     *     interfaces are restarted, and the failed one stays closed
     */
    @Override
    public synchronized void reannounce() {
        if (state == State.NEW) {
            throw new IllegalStateException("not started");
        }
        if (state == State.CLOSED) {
            return;
        }
        List<MdnsEndpoint> old = List.copyOf(endpoints);
        List<Throwable> failures = inParallel("reannounce", old, endpoint -> {
            endpoint.close();
            try {
                MdnsEndpoint fresh = MdnsEndpoint.open(endpoint.address(), jmdnsName(), sink);
                endpoints.add(fresh);
                fresh.register(announcement);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        endpoints.removeAll(old);
        if (!failures.isEmpty()) {
            UncheckedIOException e =
                    new UncheckedIOException(new IOException("reannounce failed on some interface"));
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Keeps at most {@link #maxServices} services in each endpoint's JmDNS cache ({@link
     * MdnsEndpoint#limitInstances}); warns the first time. On the cleaner thread only.
     */
    private void limitServices() {
        limitQueued.set(false);
        addedSinceLimit.set(0);
        for (MdnsEndpoint endpoint : endpoints) {
            try {
                int removed = endpoint.limitInstances(maxServices, announcement.nodeId());
                if (removed > 0 && !warnedLimit) {
                    warnedLimit = true;
                    LOG.warn("mDNS on {}: more than {} services announced; keeping the first {} seen and "
                            + "dropping the others (forged announcements?)", endpoint.source(), maxServices,
                            maxServices);
                }
            } catch (RuntimeException e) {
                LOG.debug("limiting the services on {} failed", endpoint, e);
            }
        }
    }

    /** The open endpoints, one per interface (for tests of this package). */
    List<MdnsEndpoint> endpoints() {
        return List.copyOf(endpoints);
    }

    /** A JmDNS instance (and host) name unique in this JVM, so its threads can be told apart. */
    private String jmdnsName() {
        return "logmesh-" + hostLabel(announcement.nodeId()) + "-" + INSTANCES.incrementAndGet();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Stops cache cleaning and callback delivery, then closes every JmDNS in parallel (each
     * sends goodbyes for this node) and waits for their threads to end.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (cleaner != null) {
            cleaner.shutdownNow();
        }
        if (callbacks != null) {
            callbacks.shutdown();
        }
        inParallel("close", endpoints, MdnsEndpoint::close);
        endpoints.clear();
        if (cleaner != null) {
            await(cleaner);
        }
        if (ownCallbackExecutor != null) {
            ownCallbackExecutor.shutdown();
            if (!callbacks.inTask()) {
                await(ownCallbackExecutor);
            }
        }
    }

    /**
     * Runs {@code action} on each endpoint, each on its own short-lived daemon thread (JmDNS's
     * close and unregister block two seconds each), and waits for all. Returns the failures.
     */
    private static List<Throwable> inParallel(
            String what, List<MdnsEndpoint> targets, java.util.function.Consumer<MdnsEndpoint> action) {
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (MdnsEndpoint endpoint : targets) {
            Thread t = daemon(() -> {
                try {
                    action.accept(endpoint);
                } catch (RuntimeException e) {
                    LOG.warn("{} failed on {}", what, endpoint, e);
                    failures.add(e);
                }
            }, "logmesh-discovery-" + what + "-" + endpoint.source());
            threads.add(t);
            t.start();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            try {
                t.join(CLOSE_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (t.isAlive()) {
                LOG.warn("{} still running after {} ms: {}", what, CLOSE_TIMEOUT_MILLIS, t.getName());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return failures;
    }

    private static void await(ExecutorService executor) {
        try {
            if (!executor.awaitTermination(CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("discovery executor did not terminate in {} ms", CLOSE_TIMEOUT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A DNS host label derived from a node id: letters, digits and '-', at most 40 characters. */
    static String hostLabel(String nodeId) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < nodeId.length() && sb.length() < 40; i++) {
            char c = nodeId.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(ok ? c : '-');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "MdnsDiscovery[" + announcement.nodeId() + "@" + announcement.mesh() + " on "
                + interfaces + "]";
    }

    /**
     * Configuration of an {@link MdnsDiscovery}. Not thread-safe; {@link #build()} may be called more
     * than once, each call making an independent discovery.
     */
    public static final class Builder {

        private final Announcement announcement;
        private final List<String> interfaceSpecs = new ArrayList<>();
        private Executor callbackExecutor;
        private Duration cacheCleanInterval = DEFAULT_CACHE_CLEAN_INTERVAL;
        private int maxServices = DEFAULT_MAX_SERVICES;

        private Builder(Announcement announcement) {
            this.announcement = Objects.requireNonNull(announcement, "announcement");
        }

        /**
         * Adds an interface to announce and browse on: an IPv4 literal ({@code 192.168.1.20}), which
         * must be an address of an interface that is up, or an interface name ({@code eth0}: all its
         * IPv4 addresses). Loopback ({@code 127.0.0.1} or {@code lo}) is used only if given here.
         * Without any, {@link MdnsDiscovery#defaultInterfaceAddresses()} applies. IPv6 is not
         * supported (JmDNS is single-family per instance, and IPv6 instances rename services).
         *
         * @throws NullPointerException if {@code spec} is null
         */
        public Builder addInterface(String spec) {
            interfaceSpecs.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /**
         * Replaces the configured interfaces; see {@link #addInterface}. An empty list means the
         * defaults.
         *
         * @throws NullPointerException if {@code specs} or an element is null
         */
        public Builder interfaces(List<String> specs) {
            List<String> copy = List.copyOf(specs);
            interfaceSpecs.clear();
            interfaceSpecs.addAll(copy);
            return this;
        }

        /**
         * Where listener callbacks run. They are serialized (never concurrent, in event order) even
         * if {@code executor} runs tasks concurrently. Default: a dedicated daemon thread owned, and
         * stopped on close, by the discovery. A caller's executor is never shut down by the discovery.
         *
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * How often to expire stale mDNS cache entries, which makes departed peers reported sooner
         * (JmDNS alone does it every 10 s). {@link Duration#ZERO} disables it. Default {@link
         * #DEFAULT_CACHE_CLEAN_INTERVAL}.
         *
         * @throws IllegalArgumentException if negative, or positive but under 10 ms
         */
        public Builder cacheCleanInterval(Duration interval) {
            if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 10)) {
                throw new IllegalArgumentException("cache clean interval must be 0 or >= 10 ms");
            }
            this.cacheCleanInterval = interval;
            return this;
        }

        /**
         * Most services of our type kept per interface, default {@link #DEFAULT_MAX_SERVICES}. JmDNS keeps every
         * announced name until the TTL its sender chose (an hour by default), about 5–10 KB of heap each; beyond
         * this many, the names seen first stay and the others are dropped from JmDNS's cache about once a second
         * (by the cleaner thread), so forged announcements of thousands of names cost a bounded heap. A real node
         * dropped that way is still found through the mesh's own peer exchange.
         *
         * @throws IllegalArgumentException if under 1
         */
        public Builder maxServices(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxServices must be at least 1");
            }
            this.maxServices = max;
            return this;
        }

        /**
         * Resolves the interfaces and builds the discovery. Opens nothing: sockets and threads are
         * created by {@link MdnsDiscovery#start}.
         *
         * @throws IllegalArgumentException if a configured interface matches nothing usable
         * @throws IllegalStateException if no interface is configured and there is no default one
         * @throws UncheckedIOException if the interfaces cannot be listed
         */
        public MdnsDiscovery build() {
            List<Interfaces.NetIf> system = Interfaces.system();
            List<Inet4Address> chosen = interfaceSpecs.isEmpty()
                    ? Interfaces.defaults(system)
                    : Interfaces.resolve(interfaceSpecs, system);
            if (chosen.isEmpty()) {
                throw new IllegalStateException("no usable IPv4 multicast interface is up; "
                        + "configure one explicitly (an address or an interface name)");
            }
            return new MdnsDiscovery(this, chosen);
        }
    }
}
