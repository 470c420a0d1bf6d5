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

    @Override
    public void peerFound(Peer peer) {
        if (closed) {
            return;
        }
        List<URI> urls = new ArrayList<>();
        for (InetSocketAddress a : peer.addresses()) {
            urls.add(URI.create("ws://" + UrlHost.of(a.getHostString()) + ":" + a.getPort()));
        }
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
