package dev.logmesh.discovery;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A fixed list of peer addresses, such as {@code --peer} options: a second {@link Discovery}
 * behind the same interface, usable with or without mDNS (for example, to reach a relay beyond
 * the LAN).
 *
 * <p>Announces nothing. At {@link #start} it reports each distinct address once, in the given
 * order, as an {@linkplain Peer#unidentified unidentified} {@link Peer}: the node behind an address
 * is unknown until a session says so. It never calls {@link Listener#peerLost}; {@link
 * #reannounce()} does nothing. Addresses may be {@linkplain InetSocketAddress#createUnresolved
 * unresolved}; resolving host names is the dialer's job.
 *
 * <p>Callbacks run on the executor given to the constructor, serialized; by default on a
 * short-lived daemon thread named {@code logmesh-static-discovery}, which ends when the
 * reports are delivered. Once {@link #close()} has returned, no callback starts.
 */
public final class StaticDiscovery implements Discovery {

    private final List<InetSocketAddress> addresses;
    private final Executor callbackExecutor;

    // Guarded by "this".
    private boolean started;
    private boolean closed;
    private SerialExecutor callbacks;
    private ExecutorService ownExecutor;

    /**
     * A static discovery that reports {@code addresses} on a thread of its own.
     *
     * @throws NullPointerException if {@code addresses} or an element is null
     */
    public StaticDiscovery(List<InetSocketAddress> addresses) {
        this(addresses, null);
    }

    /**
     * A static discovery that reports {@code addresses} on {@code callbackExecutor} (which it never
     * shuts down), or on a thread of its own if {@code callbackExecutor} is null.
     *
     * @throws NullPointerException if {@code addresses} or an element is null
     */
    public StaticDiscovery(List<InetSocketAddress> addresses, Executor callbackExecutor) {
        this.addresses = List.copyOf(new LinkedHashSet<>(List.copyOf(addresses)));
        this.callbackExecutor = callbackExecutor;
    }

    /** The distinct configured addresses, in order. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Schedules one {@code peerFound} per address and returns without waiting for them. Never
     * throws {@link java.io.IOException}.
     */
    @Override
    public synchronized void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        Executor executor = callbackExecutor;
        if (executor == null) {
            ownExecutor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "logmesh-static-discovery");
                t.setDaemon(true);
                return t;
            });
            executor = ownExecutor;
        }
        callbacks = new SerialExecutor(executor);
        List<Peer> peers = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            peers.add(Peer.unidentified(address));
        }
        for (Peer peer : peers) {
            callbacks.execute(() -> listener.peerFound(peer));
        }
        if (ownExecutor != null) {
            ownExecutor.shutdown(); // runs what is queued, then its thread ends
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Does nothing: there is nothing to announce.
     */
    @Override
    public synchronized void reannounce() {
        if (!started && !closed) {
            throw new IllegalStateException("not started");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (callbacks != null) {
            callbacks.shutdown();
        }
        if (ownExecutor != null && !callbacks.inTask()) {
            try {
                ownExecutor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "StaticDiscovery" + addresses;
    }
}
