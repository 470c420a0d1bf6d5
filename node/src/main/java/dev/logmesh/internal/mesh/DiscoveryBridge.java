package dev.logmesh.internal.mesh;

import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.protocol.UrlHost;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.spi.Loop;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what a {@link Discovery} reports into dialers: a peer found gets a {@link Redialer} (or new URLs for
 * the one it has); a peer lost is only a hint (its dialer stops retrying, a live session stays until its
 * pings fail). Discovery gives candidates; a session proves them.
 *
 * <p>The discovery calls back on the node's loop (it is given the loop as its callback executor); every
 * method here runs there, except {@link #close}.
 */
public final class DiscoveryBridge implements Discovery.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryBridge.class);

    private final PeerTable peers;
    private final Loop loop;
    private final Log log;
    private final Function<URI, MessageConnection> dial;
    private final Random random;
    private final Consumer<String> onError;
    /** Dialers of peers found by discovery, by node id; owned by the loop. */
    private final Map<String, Redialer> discovered = new HashMap<>();
    /** [overlay hook] The node's overlay, or null: then every identified peer found is dialled, as before. */
    private final Overlay overlay;
    private boolean closed;
    /** Where the dialers of identified peers tell a refusal in words ({@link Redialer#refusalsTo}), or null. */
    private Consumer<String> onRefusal;

    public DiscoveryBridge(PeerTable peers, Loop loop, Log log, Function<URI, MessageConnection> dial, Random random,
                           Consumer<String> onError) {
        this(peers, loop, log, dial, random, onError, null);
    }

    /**
     * [overlay hook] With an overlay, a peer that discovery identifies (mDNS) is only a candidate for it
     * ({@link Overlay#discovered}): the overlay decides whom to dial. Bare addresses (a static discovery) are
     * still dialled, as static peers of the overlay.
     */
    public DiscoveryBridge(PeerTable peers, Loop loop, Log log, Function<URI, MessageConnection> dial, Random random,
                           Consumer<String> onError, Overlay overlay) {
        this.overlay = overlay;
        this.peers = peers;
        this.loop = loop;
        this.log = log;
        this.dial = dial;
        this.random = random;
        this.onError = onError;
    }

    /**
     * Tells the dialers of identified peers (whose refused sessions the node names by their node id) to say a refusal
     * to {@code words} ({@link Redialer#refusalsTo}); bare addresses keep the error callback. Call before any peer is
     * found.
     *
     * @return this
     */
    public DiscoveryBridge refusalsTo(Consumer<String> words) {
        onRefusal = words;
        return this;
    }

    /**
     * TXT key of the URL a node's peers must dial it at, its public URL ({@code NodeConfig.Builder.publicUrl}:
     * {@code ws://HOST:PORT} or {@code wss://HOST:PORT}, a path kept), announced only by a node that has one; its SRV
     * port is then that URL's port. A host of {@code 0.0.0.0} means "where the announcement came from".
     */
    public static final String TXT_URL = "url";

    /**
     * The URLs to dial {@code peer} at, in the order discovery gives its addresses: its announced {@link #TXT_URL}
     * when that is a {@code ws://} or {@code wss://} URL with a host and a port (with host {@code 0.0.0.0}: each
     * address discovery saw it at, with that URL's scheme, port and path), else {@code ws://ADDRESS:PORT} of each
     * address (the SRV port). Before session 34 a node behind a port forward or a TLS proxy was announced only by
     * its listening port, so nodes that found it by mDNS dialed past its forward or its proxy.
     */
    static List<URI> dialUrls(Peer peer) {
        URI announced = announcedUrl(peer.txt().get(TXT_URL));
        List<URI> urls = new ArrayList<>();
        if (announced != null && !"0.0.0.0".equals(announced.getHost())) {
            urls.add(announced);
            return urls;
        }
        for (InetSocketAddress a : peer.addresses()) {
            if (announced == null) {
                urls.add(URI.create("ws://" + UrlHost.of(a.getHostString()) + ":" + a.getPort()));
            } else {
                urls.add(URI.create(announced.getScheme() + "://" + UrlHost.of(a.getHostString()) + ":"
                    + announced.getPort() + (announced.getRawPath() == null ? "" : announced.getRawPath())));
            }
        }
        return urls;
    }

    /** {@code text} as a URL to dial, or null when it is absent or not a ws/wss URL with a host and a port. */
    private static URI announcedUrl(String text) {
        if (text == null) {
            return null;
        }
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if ((scheme.equals("ws") || scheme.equals("wss")) && u.getHost() != null && u.getPort() > 0
                && u.getPort() <= 65_535 && u.getRawQuery() == null && u.getRawFragment() == null) {
                return u;
            }
        } catch (java.net.URISyntaxException e) {
            // not a URL: dial the announced address and port
        }
        LOG.debug("ignoring an announced {} that is not ws://HOST:PORT or wss://HOST:PORT: {}", TXT_URL, text);
        return null;
    }

    @Override
    public void peerFound(Peer peer) {
        if (closed) {
            return;
        }
        List<URI> urls = dialUrls(peer);
        if (overlay != null && peer.isIdentified()) {
            overlay.discovered(peer.nodeId(), urls.get(0).toString());
            return;
        }
        // A bare address (a static discovery) is known by its address until a session names the node.
        String key = peer.isIdentified() ? peer.nodeId() : "@" + urls.get(0);
        Redialer r = discovered.get(key);
        if (r != null && !r.stopped()) {
            r.setUrls(urls);
            return;
        }
        LOG.debug("found {} at {}", key, urls);
        r = new Redialer(peers, loop, log, urls, peer.nodeId(), dial, new Random(random.nextLong()), onError);
        if (overlay != null) {
            r.onPeer(overlay::staticConnected);
        }
        if (onRefusal != null && peer.isIdentified()) {
            r.refusalsTo(onRefusal);
        }
        discovered.put(key, r);
        r.start();
    }

    @Override
    public void peerLost(String nodeId) {
        if (overlay != null) {
            overlay.lost(nodeId);
        }
        Redialer r = discovered.remove(nodeId);
        if (r != null) {
            // Only a hint: a live session stays until its pings fail.
            r.stop(false);
        }
    }

    /** Stops every dialer it made. Call on the loop. */
    public void close() {
        closed = true;
        discovered.values().forEach(Redialer::stop);
        discovered.clear();
    }
}
