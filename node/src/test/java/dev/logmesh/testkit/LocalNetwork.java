package dev.logmesh.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.ActionId;
import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An in-memory network of hosts, each with an implementation of the public {@link Transport} SPI, so whole
 * {@code MeshNode}s run on it: {@code NodeConfig.builder().loop(loop).transport(net.transport("alice"))}.
 * A host listens at {@link #url url(name)} ({@code local://alice}); frames are JSON text, so every node encodes
 * and decodes every message it sends and receives, with its frame limit, as over a socket.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Everything runs on one loop (the test's {@link ManualLoop}), shared by every host: deliveries, opens
 *       and closes are tasks on it, so a run is deterministic. Randomness (latencies, the firewall's random
 *       choices) comes from one seeded {@link Random}.</li>
 *   <li>Links are WebSocket-like: ordered, after a latency fixed per link (see {@link #latency}), and a close
 *       reaches the other end after what was sent before it. {@link #down}, {@link #breakLinks} and the
 *       {@link Firewall}'s partitions cut links (both ends close at once, in-flight frames are lost).</li>
 *   <li>A dial to a host that is not listening, is down, or is partitioned from the dialer is refused: the
 *       connection reports {@code onClose} right after {@code start}.</li>
 *   <li>The {@link #firewall()} drops, delays, duplicates or reorders single frames by link and message type.</li>
 *   <li>{@link #traffic} counts, per host, frames by type and the entries carried in {@code sync} frames.</li>
 * </ul>
 */
public final class LocalNetwork {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper TREE = new ObjectMapper();

    private final Loop loop;
    private final Random random;
    private final Firewall firewall;
    private final Map<String, HostTransport> listening = new HashMap<>();
    /** Live links by host (both of a link's hosts); closed ones are pruned as new ones come. */
    private final Map<String, Set<Link>> links = new HashMap<>();
    private final Set<String> down = new HashSet<>();
    private final Map<String, Traffic> traffic = new TreeMap<>();
    private long minLatency;
    private long maxLatency;
    /** Bytes per second each direction of a new link carries, or 0: no cap. */
    private long bandwidth;
    /** Each host's loop cost per byte of a frame it sends or receives, in ns (0: free; see {@link #cpu}). */
    private long cpuNanosPerByte;
    /** Per host: when its loop is done with the frames it took so far (ns on the loop's clock). */
    private final Map<String, Long> busyNanos = new HashMap<>();
    /** Ids of the entries each host delivered to each other host in {@code sync} frames ("from to"), when recorded. */
    private Map<String, Set<ActionId>> entriesDelivered;
    /** Per link, when recorded: each end's node id and the link's {@code baseTime}, from connect and connected. */
    private final Map<Link, Handshake> handshakes = new HashMap<>();
    private final Link.Tap tap = new Link.Tap() {
        @Override
        public void sent(Link.End from, String frame) {
            traffic(from.address()).count(frame, true);
            if (entriesDelivered != null) {
                String type = type(frame);
                if (type.equals("connect") || type.equals("connected")) {
                    handshakes.computeIfAbsent(from.link(), k -> new Handshake()).sent(from, type, frame);
                }
            }
        }

        @Override
        public void delivered(Link.End to, String frame) {
            traffic(to.address()).count(frame, false);
            if (entriesDelivered != null && type(frame).equals("sync")) {
                Handshake h = handshakes.get(to.link());
                if (h == null || !h.nodes.containsKey(to.other())) {
                    throw new IllegalStateException("a sync frame before its sender's connect: " + frame);
                }
                syncIds(frame, h.nodes.get(to.other()), h.baseTime,
                    entriesDelivered.computeIfAbsent(to.other().address() + " " + to.address(), k -> new HashSet<>()));
            }
        }
    };

    /** A network on a manual loop, with the loop's seeded randomness. */
    public LocalNetwork(ManualLoop loop) {
        this(loop, loop.random());
    }

    /** A network on a loop, with this randomness (seed it, so a run replays). */
    public LocalNetwork(Loop loop, Random random) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.random = Objects.requireNonNull(random, "random");
        this.firewall = new Firewall(this, random);
    }

    /** The URL of a host on this network ({@code local://NAME}), for {@code NodeConfig.Builder.peer}. */
    public static URI url(String host) {
        return URI.create("local://" + host);
    }

    /**
     * A transport factory for the node living at {@code host}, for {@code NodeConfig.Builder.transport}. Each
     * call of the factory makes a new transport for that host (a node started again gets a fresh one).
     */
    public Function<Loop, Transport> transport(String host) {
        Objects.requireNonNull(host, "host");
        return nodeLoop -> new HostTransport(host);
    }

    /** The firewall of this network: faults by link and message type, partitions. */
    public Firewall firewall() {
        return firewall;
    }

    /**
     * Gives each new link a one-way latency drawn once, uniformly from {@code [minMillis, maxMillis]} (both
     * directions alike). Default 0. Links with different latencies make actions overtake each other across
     * paths, as in a real mesh.
     */
    public LocalNetwork latency(long minMillis, long maxMillis) {
        if (minMillis < 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("latency must be 0 <= min <= max, got " + minMillis + ", " + maxMillis);
        }
        minLatency = minMillis;
        maxLatency = maxMillis;
        return this;
    }

    /**
     * Caps each direction of every new link at {@code bytesPerSecond} (0, the default: no cap), as a slow link
     * or a throttling forwarder does: a frame of {@code n} bytes takes {@code n / cap} seconds to cross, the frames
     * behind it wait, and its bytes reach the other end in slices while it crosses.
     */
    public LocalNetwork bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0, got " + bytesPerSecond);
        }
        bandwidth = bytesPerSecond;
        return this;
    }

    /**
     * Gives every host a loop that spends {@code nanosPerByte} on each byte of every frame it sends or receives
     * (encoding, decoding, storing), one frame at a time (0, the default: handling is free). On 127.0.0.1 the
     * wire is nearly free and this is what makes a burst slow: a node's frames wait for the ones its loop handles
     * before them, so a copy relayed by a less busy node can overtake the origin's own. Applies to new links.
     */
    public LocalNetwork cpu(long nanosPerByte) {
        if (nanosPerByte < 0) {
            throw new IllegalArgumentException("cpu cost must be >= 0 ns a byte, got " + nanosPerByte);
        }
        cpuNanosPerByte = nanosPerByte;
        return this;
    }

    /** When each host's loop is done with the frames it took so far, in ns on the loop's clock (a cpu model). */
    private long spend(String host, long bytes, long atMillis) {
        long start = Math.max(atMillis * 1_000_000, busyNanos.getOrDefault(host, 0L));
        long end = start + bytes * cpuNanosPerByte;
        busyNanos.put(host, end);
        return (end + 999_999) / 1_000_000;
    }

    /** Takes a host off the network: its links break, nobody reaches it and it reaches nobody. */
    public void down(String host) {
        down.add(host);
        cutLinks(host, null, "network down at " + host);
    }

    /** Puts a host back on the network. */
    public void up(String host) {
        down.remove(host);
    }

    /** Whether a host is on the network (not {@link #down}). */
    public boolean isUp(String host) {
        return !down.contains(host);
    }

    /** Whether a node at {@code host} listens (its transport is open). */
    public boolean isListening(String host) {
        return listening.containsKey(host);
    }

    /**
     * Breaks the live links between two hosts (dropped connections: both ends close at once, in-flight frames
     * are lost); new dials between them work, so redialers reconnect.
     */
    public void breakLinks(String a, String b) {
        cutLinks(a, b, "link broken between " + a + " and " + b);
    }

    /** How many live links join the two hosts. */
    public int liveLinks(String a, String b) {
        int n = 0;
        for (Link l : links.getOrDefault(a, Set.of())) {
            if (!l.isClosed() && joins(l, a, b)) {
                n++;
            }
        }
        return n;
    }

    /** What a host sent and received over its whole life on this network (across restarts of its node). */
    public Traffic traffic(String host) {
        return traffic.computeIfAbsent(host, h -> new Traffic());
    }

    /** Hosts that sent or received anything, in name order. */
    public Set<String> hosts() {
        return Collections.unmodifiableSet(traffic.keySet());
    }

    /** Cuts the links of {@code host} (to {@code other} only, if not null). */
    void cutLinks(String host, String other, String reason) {
        Set<Link> of = links.get(host);
        if (of == null) {
            return;
        }
        for (Link l : new ArrayList<>(of)) {
            if (other == null || joins(l, host, other)) {
                l.cut(reason);
                forget(l);
            }
        }
    }

    private static boolean joins(Link l, String a, String b) {
        String x = l.left().address();
        String y = l.right().address();
        return (x.equals(a) && y.equals(b)) || (x.equals(b) && y.equals(a));
    }

    private void forget(Link l) {
        Set<Link> x = links.get(l.left().address());
        if (x != null) {
            x.remove(l);
        }
        Set<Link> y = links.get(l.right().address());
        if (y != null) {
            y.remove(l);
        }
    }

    private void remember(String host, Link l) {
        Set<Link> set = links.computeIfAbsent(host, h -> new LinkedHashSet<>());
        set.removeIf(Link::isClosed);
        set.add(l);
    }

    private Connection connect(String from, String to) {
        HostTransport target = listening.get(to);
        String refusal = null;
        if (target == null) {
            refusal = "connection refused: nothing listens at " + to;
        } else if (down.contains(to) || down.contains(from)) {
            refusal = "connection refused: " + (down.contains(from) ? from : to) + " is down";
        } else if (firewall.separated(from, to)) {
            refusal = "connection refused: " + from + " and " + to + " are partitioned";
        }
        if (refusal != null) {
            return new Link(loop, from, to, 0).left().refuse(refusal);
        }
        long latency = maxLatency == minLatency ? minLatency : minLatency + random.nextLong(maxLatency - minLatency + 1);
        Link link = new Link(loop, from, to, latency);
        link.bandwidth(bandwidth);
        link.shaper(firewall::fate);
        link.tap(tap);
        if (cpuNanosPerByte > 0) {
            link.cpu(this::spend);
        }
        remember(from, link);
        remember(to, link);
        Consumer<Connection> acceptor = target.acceptor;
        loop.execute(() -> acceptor.accept(link.right()));
        return link.left();
    }

    /** The message type of a frame: its first element ({@code sync}, {@code logmesh:ihave}), or "" if none. */
    public static String type(String frame) {
        int n = frame.length();
        int i = 0;
        while (i < n && Character.isWhitespace(frame.charAt(i))) {
            i++;
        }
        if (i >= n || frame.charAt(i) != '[') {
            return "";
        }
        i++;
        while (i < n && Character.isWhitespace(frame.charAt(i))) {
            i++;
        }
        if (i >= n || frame.charAt(i) != '"') {
            return "";
        }
        int start = ++i;
        while (i < n) {
            char c = frame.charAt(i);
            if (c == '"') {
                return frame.substring(start, i);
            }
            if (c == '\\') {
                break; // escapes: let the parser read it
            }
            i++;
        }
        try (JsonParser p = JSON.createParser(frame)) {
            if (p.nextToken() == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                return p.getText();
            }
        } catch (IOException e) {
            // not JSON
        }
        return "";
    }

    /**
     * From now on, records the id of every entry one host delivers to another in {@code sync} frames (parses each
     * delivered {@code sync} frame once more: for tests that must know which link carried an entry).
     */
    public LocalNetwork recordEntries() {
        if (entriesDelivered == null) {
            entriesDelivered = new HashMap<>();
        }
        return this;
    }

    /**
     * Whether {@code from} delivered the entry {@code id} to {@code to} in a {@code sync} frame since
     * {@link #recordEntries()}, over any of their links.
     *
     * @throws IllegalStateException if entries are not recorded
     */
    public boolean delivered(String from, String to, ActionId id) {
        if (entriesDelivered == null) {
            throw new IllegalStateException("call recordEntries() first");
        }
        return entriesDelivered.getOrDefault(from + " " + to, Set.of()).contains(id);
    }

    /**
     * Adds the ids of a {@code sync} frame's entries ({@code ["sync", added, action, meta, ...]}) to {@code out},
     * unshifted as {@code WireMeta} reads them: a number or {@code [ms, seq]} is the sender's own id, {@code [ms,
     * node, seq]} another node's, both shifted by the link's {@code baseTime}; a string is the id itself.
     */
    private static void syncIds(String frame, String sender, long baseTime, Set<ActionId> out) {
        JsonNode sync;
        try {
            sync = TREE.readTree(frame);
        } catch (IOException e) {
            throw new UncheckedIOException("a delivered sync frame is not JSON: " + frame, e);
        }
        for (int i = 3; i < sync.size(); i += 2) {
            JsonNode id = sync.get(i).get("id");
            if (id.isTextual()) {
                out.add(ActionId.parse(id.asText()));
            } else if (id.isNumber()) {
                out.add(ActionId.of(id.asLong() + baseTime, sender, 0));
            } else if (id.size() == 2) {
                out.add(ActionId.of(id.get(0).asLong() + baseTime, sender, id.get(1).asLong()));
            } else {
                out.add(ActionId.of(id.get(0).asLong() + baseTime, id.get(1).asText(), id.get(2).asLong()));
            }
        }
    }

    /** What a link's handshake said: each end's node id, and the {@code baseTime} of {@code connected}. */
    private static final class Handshake {
        final Map<Link.End, String> nodes = new HashMap<>();
        long baseTime;

        /** {@code ["connect", protocol, nodeId, ...]} or {@code ["connected", protocol, nodeId, [start, end], ...]}. */
        void sent(Link.End from, String type, String frame) {
            try {
                JsonNode m = TREE.readTree(frame);
                nodes.put(from, m.get(2).asText());
                if (type.equals("connected")) {
                    baseTime = m.get(3).get(1).asLong();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("a handshake frame is not JSON: " + frame, e);
            }
        }
    }

    /**
     * The number of entries in a {@code sync} frame ({@code ["sync", added, action, meta, ...]}): its top-level
     * elements, counted in one pass over the text (cheaper than a parser; the receiving node parses it anyway).
     */
    static int syncEntries(String frame) {
        int depth = 0;
        int commas = 0;
        boolean inString = false;
        for (int i = 0, n = frame.length(); i < n; i++) {
            char c = frame.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 1) {
                commas++;
            }
        }
        // ["sync", added, action, meta, ...]: commas + 1 elements
        return Math.max(0, (commas + 1 - 2) / 2);
    }

    /** Counts of one host's frames: by message type, and the entries in {@code sync} frames. */
    public static final class Traffic {
        private final Map<String, Long> sent = new HashMap<>();
        private final Map<String, Long> received = new HashMap<>();
        private final Map<String, Long> sentBytes = new HashMap<>();
        private final Map<String, Long> receivedBytes = new HashMap<>();
        private long entriesSent;
        private long entriesReceived;

        void count(String frame, boolean out) {
            String type = type(frame);
            (out ? sent : received).merge(type, 1L, Long::sum);
            (out ? sentBytes : receivedBytes).merge(type, (long) frame.length(), Long::sum);
            if (type.equals("sync")) {
                int n = syncEntries(frame);
                if (out) {
                    entriesSent += n;
                } else {
                    entriesReceived += n;
                }
            }
        }

        /** Frames of this type the host sent (accepted by its connections; dropped later or not). */
        public long sent(String type) {
            return sent.getOrDefault(type, 0L);
        }

        /** Frames of any type the host sent. */
        public long sentFrames() {
            return sent.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Frames of this type delivered to the host. */
        public long received(String type) {
            return received.getOrDefault(type, 0L);
        }

        /** Characters of the frames of this type the host sent (bytes, for the ASCII frames of the mesh). */
        public long sentBytes(String type) {
            return sentBytes.getOrDefault(type, 0L);
        }

        /** Characters of the frames of this type delivered to the host. */
        public long receivedBytes(String type) {
            return receivedBytes.getOrDefault(type, 0L);
        }

        /** Action entries the host sent in {@code sync} frames: the payload it transmitted. */
        public long entriesSent() {
            return entriesSent;
        }

        /** Action entries delivered to the host in {@code sync} frames. */
        public long entriesReceived() {
            return entriesReceived;
        }

        @Override
        public String toString() {
            return "sent " + new TreeMap<>(sent) + " (" + entriesSent + " entries), received " + new TreeMap<>(received)
                + " (" + entriesReceived + " entries)";
        }
    }

    /** The transport of one host. */
    private final class HostTransport implements Transport {
        private final String host;
        private Consumer<Connection> acceptor;
        private boolean closed;

        HostTransport(String host) {
            this.host = host;
        }

        @Override
        public URI listen(String bindHost, int port, Consumer<Connection> acceptor) throws IOException {
            if (closed) {
                throw new IOException("transport of " + host + " is closed");
            }
            HostTransport other = listening.get(host);
            if (other != null && other != this) {
                throw new IOException("address in use: " + host + " already listens on this network");
            }
            this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
            listening.put(host, this);
            return url(host);
        }

        @Override
        public Connection dial(URI url) {
            if (closed) {
                return new Link(loop, host, String.valueOf(url.getHost()), 0).left().refuse("transport closed");
            }
            if (url.getHost() == null) {
                return new Link(loop, host, "?", 0).left().refuse("not a host URL: " + url);
            }
            return connect(host, url.getHost());
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (loop.inLoop()) {
                closeNow();
                return;
            }
            // MeshNode.close closes its transport on the calling thread; the network's state is the loop's (another
            // node on a SystemLoop goes on meanwhile): before (session 31, CallbackErrorTest in CI) a close from the
            // test thread copied a host's links while the loop added one (ArrayIndexOutOfBoundsException)
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            try {
                loop.execute(() -> {
                    try {
                        closeNow();
                    } finally {
                        done.complete(null);
                    }
                });
                done.get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (RuntimeException | java.util.concurrent.TimeoutException
                     | java.util.concurrent.ExecutionException e) {
                closeNow(); // the loop is closed or stuck: nothing else changes the links then
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void closeNow() {
            if (listening.get(host) == this) {
                listening.remove(host);
            }
            cutLinks(host, null, "transport of " + host + " closed");
        }

        @Override
        public String toString() {
            return "LocalNetwork transport of " + host + (closed ? " (closed)" : "");
        }
    }
}
