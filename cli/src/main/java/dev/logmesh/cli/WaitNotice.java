package dev.logmesh.cli;

import dev.logmesh.MeshNode;
import dev.logmesh.OverlayView;
import java.net.Inet4Address;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * While a node has had no session yet, tells the user on stderr what it is doing: one human line at
 * {@link #AFTER_MILLIS} after {@code ready}, then at 10 s, 30 s and every minute until its first session
 * ("logmesh: no peer yet after 3 s: looking for nodes of mesh M by mDNS on 10.0.0.5; dialing ws://10.0.0.7:7000
 * (Connection refused; again in 2.1 s)"). Nothing goes to stdout, so {@code --json} output is unchanged; nothing
 * is printed once a session has connected, even if it ends later (the peer events say that). Logux clients count
 * for a node with nothing to look for ({@link #servesAlone}); a node that looks says whom it serves meanwhile.
 *
 * <p>Runs on a daemon thread of its own; {@link #connected()} may be called from any thread.
 */
final class WaitNotice {

    /** The first notice, after {@code ready}: a node started with others has its first session within ~1.5 s. */
    static final long AFTER_MILLIS = 3_000;

    /** Later notices, ms after {@code ready}; then every {@link #REPEAT_MILLIS}. */
    private static final long[] LATER_MILLIS = {10_000, 30_000};

    private static final long REPEAT_MILLIS = 60_000;

    private final MeshNode node;
    private final Consumer<String> err;
    private final AtomicBoolean connected = new AtomicBoolean();
    /** The last error event and how many came, since {@code ready} (see {@link #error}). */
    private final java.util.concurrent.atomic.AtomicReference<String> lastError =
        new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicInteger errors = new java.util.concurrent.atomic.AtomicInteger();
    /** The last refusal by or of each node (see {@link #refused}), at most {@link #MAX_REFUSALS} nodes. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private static final int MAX_REFUSALS = 1000;
    /** How {@link MeshNode.Listener#refused} starts a reason when this node refused the peer. */
    private static final String REFUSED_BY_THIS_NODE = "refused by this node";
    private final ScheduledExecutorService timer;
    private final long readyAt;
    private int sent;

    private WaitNotice(MeshNode node, Consumer<String> err) {
        this.node = node;
        this.err = err;
        this.readyAt = System.nanoTime() / 1_000_000; // time run: a clock set back must not hold the notices
        this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "logmesh-wait-notice");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the notices for a node that is ready now. */
    static WaitNotice start(MeshNode node, Consumer<String> err) {
        WaitNotice w = new WaitNotice(node, err);
        w.schedule(AFTER_MILLIS);
        return w;
    }

    /** A session connected: no more notices. */
    void connected() {
        if (connected.compareAndSet(false, true)) {
            timer.shutdownNow();
        }
    }

    /**
     * The node reported an error (its {@code error} event: a session failed, a store problem; not the words of a
     * refusal, {@link MeshNode.Listener#refusalError}, which {@link #refused} says once): the next
     * notice says the last one and how many came. Before (session 32, an operator's trial: a node whose clock was
     * 1 h ahead, on a keyed mesh of 9 nodes that refused each of its sessions for that) the notice kept saying
     * "looking for nodes of mesh logmesh by mDNS on 10.77.1.10" for minutes, as if it had found nobody.
     */
    void error(String message) {
        lastError.set(message);
        errors.incrementAndGet();
    }

    /**
     * A session with {@code nodeId} was refused ({@link MeshNode.Listener#refused}): the next notice says so of that
     * node instead of "connecting" (before, session 33, a node found by mDNS that refused this node, for another key,
     * a clock too far off or a twin id, was said to be "connecting" for as long as the node ran).
     */
    void refused(String nodeId, String reason) {
        if (refusals.size() < MAX_REFUSALS || refusals.containsKey(nodeId)) {
            refusals.put(nodeId, reason);
        }
    }

    /** Whether the notices have ended: a session connected, or the node serves Logux clients alone. Any thread. */
    boolean done() {
        return connected.get();
    }

    /** Stops the notices (the node is closing). */
    void stop() {
        timer.shutdownNow();
    }

    private void schedule(long atMillisAfterReady) {
        long delay = Math.max(0, readyAt + atMillisAfterReady - System.nanoTime() / 1_000_000);
        try {
            // shut down on connected() and stop(): nothing to cancel one by one
            @SuppressWarnings("unused")
            java.util.concurrent.ScheduledFuture<?> unused =
                timer.schedule(() -> notice(atMillisAfterReady), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // connected or stopped meanwhile
        }
    }

    private void notice(long atMillisAfterReady) {
        if (connected.get()) {
            return;
        }
        String line;
        try {
            List<MeshNode.PeerStatus> peers = node.peers().get(2, TimeUnit.SECONDS);
            OverlayView overlay = node.overlay().get(2, TimeUnit.SECONDS);
            List<String> clients = node.clients().get(2, TimeUnit.SECONDS);
            if (peers.stream().anyMatch(MeshNode.PeerStatus::connected)
                || servesAlone(node.mdnsInterfaces(), peers, overlay.passive(), clients)) {
                connected();
                return;
            }
            line = describe(atMillisAfterReady, node.mdnsInterfaces(), node.config().mesh(),
                node.url(), peers, overlay.passive(), Map.copyOf(refusals), errors.get(), lastError.get(),
                System.currentTimeMillis(), clients);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            line = null; // the node is closing, or its loop is busy: no notice this time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (line != null && !connected.get()) {
            err.accept(line);
        }
        long next = sent < LATER_MILLIS.length ? LATER_MILLIS[sent] : atMillisAfterReady + REPEAT_MILLIS;
        sent++;
        schedule(next);
    }

    /**
     * The notice for a node without a session: what it looks for (mDNS on which interfaces), whom it dials and how
     * that went, what it has found, or that it only waits to be dialled.
     *
     * @param waitedMillis time since {@code ready} (as said: the notice's planned time)
     * @param mdns the addresses mDNS runs on (empty: off)
     * @param mesh the mesh name
     * @param url the node's own URL, or null when it does not listen
     * @param peers the node's peer list ({@link MeshNode#peers()}): static peers carry their URL, last error and
     *     next dial time
     * @param found peers known but not connected (the overlay's passive view)
     * @param errors how many error events the node reported since {@code ready}
     * @param lastError the last of them, or null
     * @param now the current time, epoch ms (the next dial times are on the same clock)
     * @return one line, without a line break
     */
    static String describe(long waitedMillis, List<Inet4Address> mdns, String mesh, URI url,
                           List<MeshNode.PeerStatus> peers, List<String> found, int errors, String lastError,
                           long now) {
        return describe(waitedMillis, mdns, mesh, url, peers, found, Map.of(), errors, lastError, now);
    }

    /**
     * {@link #describe}, with the refusals this node knows of: {@code refused} holds the last refusal by or of each
     * node that refused this node or was refused by it (node id to {@link MeshNode.Listener#refused}'s reason);
     * those of {@code found} are said to refuse, not to be connecting, and the others are named too.
     */
    static String describe(long waitedMillis, List<Inet4Address> mdns, String mesh, URI url,
                           List<MeshNode.PeerStatus> peers, List<String> found, Map<String, String> refused,
                           int errors, String lastError, long now) {
        return describe(waitedMillis, mdns, mesh, url, peers, found, refused, errors, lastError, now, List.of());
    }

    /**
     * Whether a node serves Logux clients with nothing to look for: mDNS off, no {@code --peer}, no node found (a lone
     * node for apps, the README's "Logux apps" hub). Its notice would say "waiting for a node to dial" every minute
     * while its clients work: such a node is in use, and its notices end as at a first session (before, apps37, they
     * went on for as long as it ran). A node that looks for nodes or dials some goes on saying so, with its clients
     * ({@link #describe}).
     *
     * @param clients the node ids of the Logux clients connected now ({@link MeshNode#clients()})
     */
    static boolean servesAlone(List<Inet4Address> mdns, List<MeshNode.PeerStatus> peers, List<String> found,
                               List<String> clients) {
        return !clients.isEmpty() && mdns.isEmpty() && found.isEmpty() && peers.stream().allMatch(p -> p.url() == null);
    }

    /**
     * {@link #describe}, with the Logux clients the node serves now ({@code clients}, node ids): a node that serves
     * some says it has no mesh peer yet, and how many clients it serves (up to 3 named), where before (apps37) it said
     * "no peer yet" as if nothing were connected.
     */
    static String describe(long waitedMillis, List<Inet4Address> mdns, String mesh, URI url,
                           List<MeshNode.PeerStatus> peers, List<String> found, Map<String, String> refused,
                           int errors, String lastError, long now, List<String> clients) {
        List<String> parts = new ArrayList<>();
        if (!mdns.isEmpty()) {
            List<String> addrs = mdns.stream().map(Inet4Address::getHostAddress).toList();
            parts.add("looking for nodes of mesh " + mesh + " by mDNS on " + String.join(", ", addrs));
        }
        List<String> connecting = found.stream().filter(n -> !refused.containsKey(n)).toList();
        if (!connecting.isEmpty()) {
            parts.add("found " + String.join(", ", connecting.subList(0, Math.min(3, connecting.size())))
                + (connecting.size() > 3 ? " and " + (connecting.size() - 3) + " more" : "") + ", connecting");
        }
        // the nodes found first, then the others that refused this node or that it refused (they may have left the
        // passive view meanwhile)
        List<String> refusing = new ArrayList<>(found.stream().filter(refused::containsKey).toList());
        // a --peer URL that refused before a node answered is refused under its URL (session 35), one that answered
        // once under that node's id (session 36): its "dialing" part below says why and when again
        java.util.Set<String> dialed = new java.util.HashSet<>();
        for (MeshNode.PeerStatus p : peers) {
            if (p.url() != null && !p.connected()) {
                dialed.add(p.url().toString());
                dialed.add(p.nodeId());
            }
        }
        refusing.removeIf(dialed::contains);
        refused.keySet().stream().filter(n -> !refusing.contains(n) && !dialed.contains(n)).sorted()
            .forEach(refusing::add);
        for (String n : refusing.subList(0, Math.min(3, refusing.size()))) {
            String why = refused.get(n);
            parts.add(why.startsWith(REFUSED_BY_THIS_NODE)
                ? "this node refused " + n + why.substring(REFUSED_BY_THIS_NODE.length())
                : n + " " + why);
        }
        if (refusing.size() > 3) {
            parts.add("and " + (refusing.size() - 3) + " more nodes refused this node or were refused");
        }
        for (MeshNode.PeerStatus p : peers) {
            if (p.url() == null || p.connected()) {
                continue;
            }
            StringBuilder d = new StringBuilder("dialing ").append(p.url());
            if (p.lastError() != null) {
                d.append(" (").append(p.lastError());
                if (p.nextDialAt() >= 0) {
                    d.append(again(p.nextDialAt() - now));
                }
                d.append(')');
            } else {
                d.append(" (no answer yet)");
            }
            parts.add(d.toString());
        }
        if (parts.isEmpty()) {
            parts.add(url == null
                ? "mDNS is off and no --peer is given: nothing to dial"
                : "mDNS is off and no --peer is given: waiting for a node to dial " + url);
        }
        if (lastError != null) {
            parts.add((errors > 1 ? "the last of " + errors + " errors: " : "an error: ") + lastError);
        }
        if (clients.isEmpty()) {
            return "logmesh: no peer yet after " + seconds(waitedMillis) + ": " + String.join("; ", parts);
        }
        List<String> named = clients.stream().sorted().limit(3).toList();
        return "logmesh: no mesh peer yet after " + seconds(waitedMillis) + ", serving " + clients.size()
            + (clients.size() == 1 ? " Logux client (" : " Logux clients (") + String.join(", ", named)
            + (clients.size() > 3 ? " and " + (clients.size() - 3) + " more" : "") + "): " + String.join("; ", parts);
    }

    /**
     * When the next dial is, {@code inMillis} from now: {@code ; again in 2.1 s}; for a dial due now or overdue (the
     * loop has not run it yet) {@code ; dialing again now}, and {@code ; again in under 0.1 s} below that, where one
     * decimal would say {@code 0.0 s} (session 23: "again in 0.0 s" while the peer was being dialed).
     */
    static String again(long inMillis) {
        if (inMillis <= 0) {
            return "; dialing again now";
        }
        if (inMillis < 100) {
            return "; again in under 0.1 s";
        }
        return "; again in " + seconds(inMillis);
    }

    /** {@code 3 s}, {@code 2.1 s}: whole seconds from 10 s on, else one decimal. */
    private static String seconds(long millis) {
        if (millis >= 10_000 || millis % 1000 == 0) {
            return Math.round(millis / 1000.0) + " s";
        }
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
