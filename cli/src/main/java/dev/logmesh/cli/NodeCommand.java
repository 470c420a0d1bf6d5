package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.StoreException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh node}: runs a node until SIGTERM/SIGINT. */
@Command(name = "node", mixinStandardHelpOptions = true, versionProvider = Version.class, abbreviateSynopsis = true,
    sortOptions = false,
    description = {"Run a node until SIGTERM or SIGINT.",
        "stdin: JSON lines, each an action object or an [action, meta] pair, added as local actions and kept as "
            + "typed (numbers exactly); one JSON value per line (NDJSON: a line of two is refused whole; blank "
            + "lines and a byte order mark are skipped). EOF on stdin does not stop the node.",
        "stdout on a terminal: readable lines (ready with the node id and URL, peers connected and disconnected, "
            + "each action as time, origin node, type and JSON; during a catch-up of "
            + HumanOutput.CATCH_UP_THRESHOLD + "+ entries from a peer, progress done/total and rate instead of "
            + "each action).",
        "stdout otherwise, or with --json: one JSON object per line with an \"event\" field: ready (with "
            + "\"keyId\", the id of the mesh key: the same on every node given the same key; \"nextKeyId\" with "
            + "--next-key-file), add, peer, "
            + "refused (a session refused: \"node\" (or the --peer URL), \"reason\": \"refused this node: ...\" "
            + "or \"refused by this node: ...\"; an error event says it in words too), error, health (the log "
            + "became unwritable, or writable again: \"writable\", \"problem\"), progress "
            + "(a catch-up this node receives from a peer: \"peer\", \"done\", \"total\" (entries of the peer's log "
            + "beyond what this node had processed of it when the session began: what the peer may send this node, "
            + "not what this node sends it, which the peer's own progress counts; entries the peer cleaned meanwhile "
            + "count, and done jumps past them), \"rate\" per "
            + "second; at most twice a second and once when done = total; the sending node prints none). Logs go "
            + "to stderr; "
            + "while the node has had no session, a line there says what it does (3 s after ready, then at 10 s, "
            + "30 s and every minute).",
        "A reader of stdout that falls behind slows the node down instead of filling its memory: while "
            + "the output waits, the node stops receiving from its peers (they keep their actions) and stops "
            + "reading stdin; no event is ever dropped.",
        "Exit status: 143 after SIGTERM, 130 after SIGINT (128 + the signal's number, as the JVM ends after its "
            + "shutdown: a clean stop, every acknowledged action durable), 2 for bad options or a log that cannot "
            + "be opened, 1 when the node "
            + "stopped on a fatal error (an error event says which) or because its stdout could not be written "
            + "(a full disk, a reader that went away; stderr says so)."})
final class NodeCommand implements Callable<Integer> {

    /** The name of a node (and of a log {@code add} creates) without {@code --name}: its id is {@code node:random}. */
    static final String DEFAULT_NAME = "node";

    /** The library's settings with every default: the defaults of the options below, shown by --help. */
    private static final NodeConfig DEFAULTS = NodeConfig.builder().build();

    @Option(names = "--name", paramLabel = "NAME",
        description = "Name of this node; its id is NAME:random, kept across restarts. A data directory that has a "
            + "log keeps the node id it was made with: without --name the node runs as that id. Default for a new "
            + "log: " + DEFAULT_NAME + ".")
    String name;

    @Option(names = "--data", paramLabel = "DIR",
        description = {"Directory of the durable log (SQLite).", // a line of its own: picocli would break "~/."
            "Default: $HOME/.local/share/logmesh/NAME, or $XDG_DATA_HOME/logmesh/NAME where XDG_DATA_HOME is set "
            + "(an absolute path)."})
    Path data;

    @Option(names = "--memory", description = "Keep the log in memory only (lost at exit), at most --memory-limit of "
        + "it: once that is used, actions are refused (the node stays up, says it is not writable, and takes them again "
        + "when entries are cleaned: give --keep-last or --keep-for so that the node cleans its oldest).")
    boolean memory;

    @Option(names = "--memory-limit", paramLabel = "SIZE", converter = Checks.ByteSize.class,
        description = "With --memory: the heap the log may take, in bytes or with a unit (k, m, g: KiB, MiB, GiB; "
            + "256m). Default: a third of the JVM's largest heap (-Xmx; for scripts/logmesh, LOGMESH_JAVA_OPTS).")
    Long memoryLimit;

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep at most the newest N actions (created "
        + "order): the node cleans older ones, a batch per turn of its loop, once a second and at once when an add "
        + "finds the log full. A cleaned action is not applied again if it comes back (its id is remembered for "
        + "--seen-horizon, 30 days by default). An action made here (stdin, a Logux client) waits until a mesh peer has it when the node has "
        + "peers to expect; others are cleaned whether or not every peer has them: a peer away while one was cleaned "
        + "gets it from another node that still holds it, or not at all. Default: 0, keep everything.")
    long keepLast;

    @Option(names = "--keep-for", paramLabel = "DURATION", converter = KeepFor.class, description = "Clean actions "
        + "created longer ago than this (500ms, 90s, 5m, 1h, 7d or ISO-8601 P7D), shorter than --seen-horizon (the ids "
        + "of cleaned actions are remembered that long, 30 days by default); cleaned as with --keep-last. Default: 0, "
        + "keep everything.")
    java.time.Duration keepFor = java.time.Duration.ZERO;

    @Option(names = "--seen-horizon", paramLabel = "DURATION", converter = SeenHorizon.class, description = "How long "
        + "the ids of cleaned actions are remembered (counted from their creation), so that one coming back through a "
        + "peer is not applied again; from 1m to 36500d. A shorter one frees a --memory node's budget sooner (each id "
        + "takes about 96 bytes), but an action cleaned and forgotten that a peer sends again (a peer away longer than "
        + "this) is applied again. Longer than --keep-for. Default: 30d.")
    java.time.Duration seenHorizon = NodeConfig.DEFAULT_SEEN_HORIZON;

    /** The command line is a LAN node: every interface and mDNS (the library's defaults are loopback, no mDNS). */
    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on. Default: ${DEFAULT-VALUE} "
        + "(every interface; the library's default is " + NodeConfig.DEFAULT_HOST + ").")
    String host = NodeConfig.LAN_HOST;

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on; 0 = any free port. "
        + "Default: ${DEFAULT-VALUE}.")
    int port = NodeConfig.DEFAULT_PORT;

    @Option(names = "--peer", paramLabel = "URL", converter = Checks.PeerUrl.class, description = "A peer to dial and keep dialing, "
        + "ws://HOST:PORT (repeatable).")
    List<URI> peers = new ArrayList<>();

    @Option(names = "--public-url", paramLabel = "URL", converter = Checks.PeerUrl.class, description = "The URL other "
        + "mesh nodes dial this node at, where it is not the one it listens on (a port forward, a container's port "
        + "mapping, a proxy): ws://HOST:PORT, wss:// where the proxy speaks TLS. The overlay and `status` tell it to "
        + "others, and mDNS announces this URL (its port as the SRV port), which the nodes that find it dial. Default: "
        + "the listening URL.")
    URI publicUrl;

    @Option(names = "--mesh", paramLabel = "NAME", description = "Mesh name; nodes of other meshes are refused. "
        + "Default: ${DEFAULT-VALUE}.")
    String mesh = NodeConfig.DEFAULT_MESH;

    @Option(names = "--key", paramLabel = "SECRET", description = "The mesh's secret key (visible in the process "
        + "list: prefer --key-file). Without a key the mesh is open to anyone who can reach it.")
    String key;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding the mesh's secret key (one line).")
    Path keyFile;

    @Option(names = "--next-key-file", paramLabel = "FILE", description = "File holding the key the mesh rotates to, "
        + "beside --key-file: the node accepts peers and clients with either key and proves both when it dials. "
        + "Rotate without a split: restart each node with --next-key-file NEW, then each with --key-file NEW alone "
        + "(README, \"Rotating the key\").")
    Path nextKeyFile;

    /** The key read from {@link #nextKeyFile}, or null. */
    byte[] nextSecret;

    @Option(names = "--subprotocol", paramLabel = "N", description = "This application's subprotocol version. "
        + "Default: 0 (none).")
    int subprotocol;

    @Option(names = "--min-subprotocol", paramLabel = "N", description = "Refuse peers with a lower subprotocol. "
        + "Default: 0.")
    int minSubprotocol;

    @Option(names = "--max-frame", paramLabel = "BYTES", description = "Largest WebSocket frame accepted (from "
        + "Logux clients: --max-client-frame, once their connect is accepted); the largest action (with its meta) "
        + "is this less 64 bytes. Default: ${DEFAULT-VALUE}.")
    int maxFrame = DEFAULTS.maxFrameBytes();

    @Option(names = "--max-client-frame", paramLabel = "BYTES", description = "Largest WebSocket frame a Logux "
        + "client's session takes once the node has accepted its connect, and a link to a Logux server the node "
        + "dials (its catch-up after connected); before a client's connect, and on mesh sessions, --max-frame "
        + "holds; a client's action larger than --max-frame allows is undone alone. At least "
        + "--max-frame. Default: 104857600 (100 MiB, as @logux/server), or 1/16 of the JVM's heap if less (a frame "
        + "being read takes 3-4 times its size of heap), or --max-frame if larger.")
    Integer maxClientFrame;

    @Option(names = "--client-frame-budget", paramLabel = "BYTES", description = "Bytes of client frames larger "
        + "than --max-frame that the node reads at once, over all clients; a frame that would pass it is refused "
        + "from its header (the client tries again later). At least --max-client-frame. Default: 1/8 of the JVM's "
        + "heap, or --max-client-frame if larger.")
    Long clientFrameBudget;

    @Option(names = "--ping", paramLabel = "MS", description = "Ping a peer after this many ms of silence "
        + "(at least 100: peers take more than 20 pings a second for a flood). Default: ${DEFAULT-VALUE}.")
    long ping = DEFAULTS.pingMillis();

    @Option(names = "--timeout", paramLabel = "MS", description = "Drop a peer whose answer is this many ms late "
        + "(at least 301). Default: ${DEFAULT-VALUE}.")
    long timeout = DEFAULTS.timeoutMillis();

    @Option(names = "--max-drift", paramLabel = "DURATION", converter = MaxDrift.class,
        description = "How far ahead of this node's clock a peer's action id may pull the ids this node makes "
            + "(an id further ahead pulls them only this far, and is logged): 500ms, 90s, 5m, 1h or ISO-8601 "
            + "(PT1M). Default: 1m.")
    java.time.Duration maxDrift = java.time.Duration.ofMillis(DEFAULTS.maxDriftMillis());

    @Option(names = "--no-mdns", description = "Do not find peers by mDNS (use --peer). Default: mDNS on (the "
        + "library's default is off).")
    boolean noMdns;

    @Option(names = "--interface", paramLabel = "ADDR", description = "Interface (IPv4 address or name) for mDNS "
        + "(repeatable). Default: every up, non-loopback IPv4 interface.")
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Listen with TLS (wss://): PEM certificate "
        + "chain. Needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM (PKCS#8) private key for --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-trust", paramLabel = "FILE", description = "PEM certificates to trust when dialing "
        + "wss:// peers. Default: the JDK's trusted authorities.")
    Path tlsTrust;

    @Option(names = "--timestamps", description = "Add a \"ts\" field to every stdout event: the wall-clock time "
        + "it was printed, in microseconds since the epoch (for latency measurements).")
    boolean timestamps;

    @Option(names = "--after", paramLabel = "ADDED", description = "First print (as add events) the log's entries "
        + "whose meta.added is above ADDED, in added order, then the new ones: a reader that keeps its own state "
        + "passes the added of the last add event it applied, and gets each entry once across restarts and crashes "
        + "(0: the whole log). Default: only new entries.")
    Long after;

    @Option(names = "--token", paramLabel = "TOKEN", description = "A token to send when dialing a Logux server "
        + "that requires one (e.g. @logux/server); logmesh peers authenticate with the mesh key instead.")
    String token;

    @Option(names = "--json", description = "JSON lines on stdout even on a terminal.")
    boolean json;

    @Option(names = "--metrics", paramLabel = "[HOST:]PORT", description = "Serve the node's metrics in Prometheus' "
        + "text format at http://HOST:PORT/metrics (HOST default 127.0.0.1; PORT 0: any free port, told in the "
        + "ready event's \"metrics\" field). Default: off.")
    String metrics;

    /** The registry of {@code --metrics}, or null. */
    private io.micrometer.core.instrument.MeterRegistry meterRegistry;

    // ---- clients of the node (issue 11)

    @Option(names = "--header", paramLabel = "NAME=VALUE", description = "A Logux header to send to peers and "
        + "clients (repeatable). Default env: " + NodeConfig.DEFAULT_ENV + " (" + NodeConfig.ENV_WITH_TLS
        + " with --tls-cert); a @logux/client on ws:// needs env=development.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--unaddressed", paramLabel = "WHO", description = "Which Logux clients get actions addressed "
        + "to nobody (no nodes/clients/users/channels in the meta): EVERY_CLIENT or NO_CLIENT (as @logux/server). "
        + "Default: ${DEFAULT-VALUE}.")
    NodeConfig.Unaddressed unaddressed = NodeConfig.DEFAULT_UNADDRESSED;

    // ---- the overlay (issue 13)

    @Option(names = "--max-active", paramLabel = "N", description = "Overlay: sessions kept with other mesh nodes "
        + "(the active view; static peers count). A mesh of up to N+1 nodes is a full mesh. Default: ${DEFAULT-VALUE}.")
    int maxActive = NodeConfig.DEFAULT_MAX_ACTIVE;

    @Option(names = "--passive-size", paramLabel = "N", description = "Overlay: known mesh nodes kept to replace "
        + "active ones with (the passive view). Default: ${DEFAULT-VALUE}.")
    int passiveSize = NodeConfig.DEFAULT_PASSIVE_SIZE;

    @Option(names = "--client-cursors", paramLabel = "N", description = "Logux clients whose cursor (what each "
        + "acknowledged) the log keeps, the most recently seen; one forgotten is sent everything addressed to it "
        + "again. At least 1. Default: ${DEFAULT-VALUE}.")
    int clientCursors = DEFAULTS.clientCursors();

    @Option(names = "--channel-replay", paramLabel = "N", description = "The most actions of a channel's history a "
        + "Logux client gets when it subscribes (after a reconnect: what it missed since; the first time: the "
        + "channel's newest), found among at most 10 times N actions of the log; 0: none, only what comes after the "
        + "subscription, as @logux/server without a load. 0 to " + NodeConfig.MAX_CHANNEL_REPLAY
        + ". Default: ${DEFAULT-VALUE}.")
    int channelReplay = NodeConfig.DEFAULT_CHANNEL_REPLAY;

    @Option(names = "--no-overlay", description = "Keep a session with every mesh node found, as before the overlay.")
    boolean noOverlay;

    // ---- seeing the mesh (issue 14)

    @Option(names = "--http", paramLabel = "[HOST:]PORT", converter = HttpAddress.class, description = "Serve a "
        + "read-only status page (the mesh as a live graph, log sizes, lag, recent actions) and /status.json at "
        + "http://HOST:PORT/; HOST defaults to 127.0.0.1 (this machine only); PORT 0 = any free port (its URL is "
        + "logged and written to the status file). Anyone who can reach it sees node names, links and recent actions.")
    java.net.InetSocketAddress http;

    @Option(names = "--presence-period", paramLabel = "DURATION", converter = PresencePeriod.class,
        description = "How often this node tells the mesh it is there (its log size, add rate, links), for "
            + "`logmesh status` and the status page on every node: " + Checks.PRESENCE_PERIOD_VALUES + " (500ms, "
            + "90s, 5m, 1h or ISO-8601 PT5S; off: neither sent nor forwarded). Default: 5s. Beyond 100 known nodes "
            + "a node sends its record less often, in proportion (1,000 nodes: every 10 periods).")
    java.time.Duration presencePeriod = NodeConfig.DEFAULT_PRESENCE_PERIOD;

    @Override
    // JDK 17: a null console means stdout is not a terminal (Console.isTerminal, which JDK 22 needs, is not in 17)
    @SuppressWarnings("SystemConsoleNull")
    public Integer call() throws Exception {
        boolean terminal = !json && System.console() != null;
        // JSON lines are UTF-8 whatever the locale; a terminal's lines are in its charset
        Ndjson out = new Ndjson(System.out, !terminal, timestamps, true);
        // terminal lines go through the same bounded writer: a terminal on hold must not block the loop
        HumanOutput human = terminal ? new HumanOutput(out::line, java.time.ZoneId.systemDefault()) : null;
        if (memory && data != null) {
            throw new UsageError("--memory and --data " + data + " conflict: give --memory (a log in memory, lost at "
                + "exit) or --data DIR (a durable log), not both");
        }
        if (memoryLimit != null && !memory) {
            throw new UsageError("--memory-limit " + memoryLimit + " bounds a log in memory: give it with --memory "
                + "(a log on disk, --data DIR, is bounded by its disk)");
        }
        if (data != null) {
            Checks.dataDir(data);
        }
        if (name != null) {
            Checks.nodeName(name, !noMdns);
        }
        Checks.port(port);
        Checks.host(host);
        if (publicUrl != null) {
            Checks.publicUrl(publicUrl);
        }
        Checks.interfaces(interfaces);
        if (http != null) {
            Checks.httpAddress(http);
        }
        Checks.presencePeriod(presencePeriod);
        Checks.pingAndTimeout(ping, timeout);
        Checks.clientCursors(clientCursors);
        Checks.channelReplay(channelReplay);
        Checks.maxFrame(maxFrame);
        Checks.maxClientFrame(maxFrame, maxClientFrame);
        Checks.clientFrameBudget(clientFrameBudget, maxClientFrame, maxFrame);
        Checks.overlay(maxActive, passiveSize);
        Checks.subprotocols(subprotocol, minSubprotocol);
        Checks.tlsAndMesh(tlsCert, tlsKey, mesh);
        if (keepLast < 0) {
            throw new UsageError("--keep-last " + keepLast + ": give how many actions to keep, 1 or more (0: all)");
        }
        if (seenHorizon.compareTo(SeenHorizon.MIN) < 0) {
            // the ids of actions cleaned at once would be forgotten at the next sweep: exactly once would hold for
            // hardly any time
            long ms = seenHorizon.toMillis();
            throw new UsageError("--seen-horizon " + (ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms") + " is shorter than "
                + "1m: give how long the ids of cleaned actions are remembered, from 1m to 36500d");
        }
        if (after != null && after < 0) {
            throw new UsageError("--after " + after + ": give the added number of an entry, 0 or more");
        }
        byte[] secret;
        try {
            secret = readKey();
            nextSecret = readNextKey(secret);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        Path dir = memory ? null : (data != null ? data : defaultDataDir(name != null ? name : DEFAULT_NAME));
        String[] metricsAt = metrics == null ? null : Checks.metricsAddress(metrics);
        MetricsEndpoint endpoint = null;
        java.net.URI metricsUrl = null;
        if (metricsAt != null) {
            endpoint = new MetricsEndpoint();
            try {
                metricsUrl = endpoint.start(metricsAt[0], Integer.parseInt(metricsAt[1]));
            } catch (IOException | RuntimeException e) {
                endpoint.close();
                System.err.println("logmesh: " + Checks.bindFailure(e, "--metrics " + metrics, metricsAt[0] + ":"
                    + metricsAt[1], "--metrics"));
                return 2;
            }
            meterRegistry = endpoint.registry();
        }
        NodeConfig config;
        try {
            config = config(secret, dir);
        } catch (IllegalArgumentException e) {
            if (endpoint != null) {
                endpoint.close();
            }
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        MeshNode node;
        // what the node does while it has no session yet, on stderr (WaitNotice); set once the node is ready
        java.util.concurrent.atomic.AtomicReference<WaitNotice> waiting = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            node = MeshNode.start(config, List.of(new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    if (connected) {
                        Main.SessionHeld.mark();
                    }
                    WaitNotice w = waiting.get();
                    if (connected && w != null) {
                        w.connected();
                    }
                    if (human != null) {
                        human.peer(nodeId, connected);
                        return;
                    }
                    ObjectNode n = out.event("peer");
                    n.put("state", connected ? "connected" : "disconnected");
                    n.put("node", nodeId);
                    out.print(n);
                }

                /**
                 * A refused session: a {@code refused} event on stdout with the node (or the {@code --peer} URL) and
                 * why, for scripts; a terminal shows the refusal's error line instead (refusalError below), which
                 * says it in words with what to do. Before (session 36) neither output had it.
                 */
                @Override
                public void refused(String nodeId, String reason) {
                    WaitNotice w = waiting.get();
                    if (w != null) {
                        w.refused(nodeId, reason);
                    }
                    if (human == null) {
                        ObjectNode n = out.event("refused");
                        n.put("node", nodeId);
                        n.put("reason", reason);
                        out.print(n);
                    }
                }

                /** The words of a refusal: an error event as any, but the "no peer yet" line names it once. */
                @Override
                public void refusalError(String message) {
                    if (human != null) {
                        human.error(message);
                        return;
                    }
                    out.error(message);
                }

                @Override
                public void error(String message) {
                    WaitNotice w = waiting.get();
                    if (w != null) {
                        w.error(message);
                    }
                    if (human != null) {
                        human.error(message);
                        return;
                    }
                    out.error(message);
                }

                /** A warning: a {@code warn} event (before, session 44, an {@code error} one), not an error. */
                @Override
                public void warning(String message) {
                    if (human != null) {
                        human.warning(message);
                        return;
                    }
                    out.warning(message);
                }

                /** The end of what an error said (a full peer has room again): a {@code notice} event. */
                @Override
                public void notice(String message) {
                    if (human != null) {
                        human.notice(message);
                        return;
                    }
                    out.notice(message);
                }

                @Override
                public void catchUp(String nodeId, long done, long total, double perSecond) {
                    if (human != null) {
                        human.catchUp(nodeId, done, total, perSecond, System.nanoTime() / 1_000_000);
                        return;
                    }
                    ObjectNode n = out.event("progress");
                    n.put("peer", nodeId);
                    n.put("done", done);
                    n.put("total", total);
                    n.put("rate", Math.round(perSecond));
                    out.print(n);
                }

                @Override
                public void health(dev.logmesh.NodeHealth health) {
                    if (human != null) {
                        human.health(health);
                        return;
                    }
                    ObjectNode n = out.event("health");
                    n.put("writable", health.writable());
                    if (!health.writable()) {
                        n.put("problem", health.problem());
                    }
                    out.print(n);
                }
            }));
        } catch (StoreException | IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
            if (endpoint != null) {
                endpoint.close();
            }
            System.err.println("logmesh: " + Errors.oneLine(e instanceof dev.logmesh.StatusPageException
                ? Checks.bindFailure(e, "--http " + http.getHostString() + ":" + http.getPort(),
                    http.getHostString() + ":" + http.getPort(), "--http")
                : Checks.startFailure(e, host, port)));
            return 2;
        }
        warnings(secret == null);
        // a full stdout pauses what the node takes in from its peers until it drains
        out.backpressure(node::pauseReceiving, node::resumeReceiving);
        // a stdout that cannot be written (a full disk, a reader that went away: `logmesh node | head`) stops the
        // node with exit status 1: its events are what it is run for, and each would be dropped unseen from then on
        out.onBroken(() -> {
            System.err.println("logmesh: cannot write stdout (a full disk, or its reader went away): stopping the node");
            Thread stop = new Thread(() -> closeSaying(node), "logmesh-stop"); // not the writer: a close may print lines
            stop.start();
        });
        if (after != null) {
            node.subscribe(after, e -> true, human != null ? human::add : out::add);
        } else {
            node.subscribe(e -> true, human != null ? human::add : out::add);
        }
        CompletableFuture<Void> ended = node.whenClosed();
        MetricsEndpoint served = endpoint;
        AtomicReference<StdinAdds> stdinAdds = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            WaitNotice w = waiting.get();
            if (w != null) {
                w.stop();
            }
            StdinAdds adds = stdinAdds.get();
            if (adds != null) {
                try {
                    // lines held for a full disk are not added now: say which, not drop them unseen
                    String unadded = adds.stop(2_000);
                    if (unadded != null) {
                        System.err.println(unadded);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            closeSaying(node);
            if (served != null) {
                served.close();
            }
            out.close();
        }, "logmesh-shutdown"));
        java.util.function.Consumer<String> errors;
        if (human != null) {
            human.ready(node.nodeId(), node.url(), dir, node.keyId(), node.nextKeyId());
            if (metricsUrl != null) {
                System.err.println("logmesh: metrics at " + metricsUrl);
            }
            errors = human::error;
        } else {
            ObjectNode ready = out.event("ready");
            ready.put("node", node.nodeId());
            if (node.url() != null) {
                ready.put("url", node.url().toString());
            }
            if (dir != null) {
                ready.put("data", dir.toString());
            }
            if (metricsUrl != null) {
                ready.put("metrics", metricsUrl.toString());
            }
            if (node.keyId() != null) {
                ready.put("keyId", node.keyId()); // to compare with the key ids a refusal for another key names
            }
            if (node.nextKeyId() != null) {
                ready.put("nextKeyId", node.nextKeyId());
            }
            out.print(ready);
            errors = out::error;
        }
        if (name == null && dir != null && !node.nodeId().startsWith(DEFAULT_NAME + ":")) {
            // no --name, a log made under another name: it runs as the id kept there, said once (stdout unchanged)
            System.err.println("logmesh: running as " + node.nodeId() + ", the node id kept in " + dir
                + " (no --name given)");
        }
        waiting.set(WaitNotice.start(node, System.err::println));
        // a line the log cannot take (a full disk) is held and stdin paused until it is added: one event, no loss
        StdinAdds adds = new StdinAdds(node::add, errors, System.err::println, StdinAdds.RETRY_MILLIS);
        stdinAdds.set(adds);
        // stdin on a thread of its own: the node can end (fatal error) while stdin stays open
        Thread stdin = new Thread(() -> {
            try {
                readStdin(adds, out, errors, maxFrame);
            } catch (IOException e) {
                errors.accept("cannot read stdin: " + e.getMessage());
            }
        }, "logmesh-stdin");
        stdin.setDaemon(true);
        stdin.start();
        return awaitEnd(ended, out);
    }

    /**
     * The warnings of a node that started: an open mesh (no key), a status page other hosts reach. Said once the node
     * runs, not before its start is refused for another reason (before, session 28, a locked or damaged data
     * directory printed the open-mesh warning, then the error that stopped the start).
     */
    private void warnings(boolean open) {
        if (open) {
            System.err.println("WARNING: no mesh key. This mesh is OPEN: anyone who can reach this node can read "
                + "and add actions. Use --key-file FILE to require the key.");
        }
        if (http != null && (http.getAddress() == null || !http.getAddress().isLoopbackAddress())) {
            System.err.println("WARNING: the status page on " + http.getHostString() + ":" + http.getPort()
                + " is reachable from other hosts: whoever reaches it sees node names, links and recent actions. "
                + "Use --http PORT (127.0.0.1) unless that is what you want.");
        }
    }

    /**
     * Waits until the node has closed: 0 after a close (the JVM exits with 143 or 130 anyway after SIGTERM or SIGINT,
     * since a signal started its shutdown), 1 when a fatal error ended it (its
     * error event is on stdout already; what is queued is written first, for up to a few seconds) or when its stdout
     * could not be written ({@link Ndjson#broken}).
     */
    static int awaitEnd(CompletableFuture<Void> ended, Ndjson out) {
        try {
            ended.join();
            return out.broken() ? 1 : 0;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            out.close();
            return 1;
        }
    }

    /**
     * Closes the node; a close that fails (the store's last commit or its file on a disk gone bad) is one
     * {@code logmesh:} line on stderr, not a stack trace from the shutdown thread (a breaker's run, session 28: a
     * foreign WAL's SQLITE_CORRUPT at close printed {@code Exception in thread "logmesh-shutdown"} and its trace).
     * What the failed close could not write is what its store says it is; the data directory is left as it is.
     */
    static void closeSaying(AutoCloseable node) {
        try {
            node.close();
        } catch (Exception e) { // a RuntimeException (StoreException) from close: the JVM is ending anyway
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            System.err.println("logmesh: closing the node failed: " + why.replace('\n', ' '));
        }
    }

    /** The node's configuration from the options. */
    NodeConfig config(byte[] secret, Path dir) {
        NodeConfig.Builder b = NodeConfig.builder().name(idName(name, dir)).dataDir(dir).host(host).port(port).peers(peers)
            .mesh(mesh).key(secret).nextKey(nextSecret).subprotocol(subprotocol).minSubprotocol(minSubprotocol).maxFrameBytes(maxFrame)
            .ping(ping, timeout).mdns(!noMdns).interfaces(interfaces).tls(tlsCert, tlsKey).tlsTrust(tlsTrust)
            // at most 36500d (MaxDrift): whole milliseconds, no overflow
            .token(token).maxDriftMillis(java.util.concurrent.TimeUnit.MILLISECONDS.convert(maxDrift))
            .unaddressed(unaddressed)
            .overlay(!noOverlay).maxActive(maxActive).passiveSize(passiveSize).clientCursors(clientCursors).channelReplay(channelReplay)
            .commandLine(true).meterRegistry(meterRegistry)
            .presencePeriod(presencePeriod).statusPage(http).publicUrl(publicUrl);
        if (maxClientFrame != null) {
            b.maxClientFrameBytes(maxClientFrame);
        }
        if (memoryLimit != null) {
            b.memoryLimit(memoryLimit);
        }
        b.keepLast(keepLast).keepFor(keepFor).seenHorizon(seenHorizon);
        if (clientFrameBudget != null) {
            b.clientFrameBudgetBytes(clientFrameBudget);
        }
        for (String h : headers) {
            int eq = h.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--header must be NAME=VALUE, got " + h);
            }
            b.header(h.substring(0, eq), h.substring(eq + 1));
        }
        return b.build();
    }

    /** The next key ({@code --next-key-file}), or null; checked beside the current key {@code secret}. */
    private byte[] readNextKey(byte[] secret) {
        if (nextKeyFile == null) {
            return null;
        }
        if (secret == null) {
            throw new IllegalArgumentException("--next-key-file needs --key-file (the current key): an open mesh "
                + "takes a key by a restart of every node with --key-file");
        }
        byte[] next = Checks.keyFile(nextKeyFile, "--next-key-file", System.err::println);
        if (java.security.MessageDigest.isEqual(secret, next)) {
            throw new IllegalArgumentException("--next-key-file " + nextKeyFile + " holds the same key as "
                + (keyFile != null ? "--key-file " + keyFile : "--key") + ": give the new key as the next key");
        }
        return next;
    }

    private byte[] readKey() throws IOException {
        if (key != null && keyFile != null) {
            throw new IllegalArgumentException("give --key or --key-file, not both");
        }
        if (key != null) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException("--key must not be empty");
            }
            return key.getBytes(StandardCharsets.UTF_8);
        }
        if (keyFile != null) {
            return Checks.keyFile(keyFile, System.err::println);
        }
        return null;
    }

    /**
     * The name a node is configured with: {@code --name} when given (a log made under another name keeps its id,
     * and the node warns); without it, none for a data directory that has a log (the node runs as the id kept
     * there, without a warning: before, session 22, it was started as {@value #DEFAULT_NAME} and warned that
     * this name was not used), else {@value #DEFAULT_NAME} (a new log's id is {@code node:random}).
     */
    static String idName(String name, Path dir) {
        if (name != null) {
            return name;
        }
        return dir != null && hasLog(dir) ? null : DEFAULT_NAME;
    }

    /** Whether {@code dir} holds a log (a {@code log.db} that is not empty), whose node id the node keeps. */
    static boolean hasLog(Path dir) {
        try {
            return java.nio.file.Files.size(dir.resolve(AddCommand.LOG_FILE)) > 0;
        } catch (IOException e) {
            return false; // none (or unreadable: the store says so at open)
        }
    }

    static Path defaultDataDir(String name) {
        return defaultDataDir(name, System::getenv, System.getProperty("user.home"));
    }

    /**
     * The XDG Base Directory Specification's data directory, {@code logmesh/NAME} in it: {@code $XDG_DATA_HOME} when it
     * is an absolute path (the specification ignores a relative one), else {@code $HOME/.local/share}, else (no
     * absolute {@code HOME}) the JVM's {@code user.home}, which Java takes from the password database, not from
     * {@code HOME}: before session 20 it was used alone, so {@code HOME=/srv/x logmesh node} put the log in the
     * account's home instead.
     */
    static Path defaultDataDir(String name, java.util.function.UnaryOperator<String> env, String userHome) {
        String xdg = env.apply("XDG_DATA_HOME");
        Path base;
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            base = Path.of(xdg);
        } else {
            String home = env.apply("HOME");
            base = Path.of(home != null && !home.isBlank() && Path.of(home).isAbsolute() ? home : userHome, ".local",
                "share");
        }
        return base.resolve("logmesh").resolve(name);
    }

    private static void readStdin(StdinAdds adds, Ndjson out, java.util.function.Consumer<String> errors,
        int maxFrame) throws IOException {
        Ndjson.readLines(System.in, Utf8Lines.maxLineBytes(maxFrame), new Ndjson.LineHandler() {
            @Override
            public void line(int number, Action action, JsonNode meta) {
                try {
                    out.awaitRoom(); // stdout is full: stop reading stdin until it drains (the pipe pushes back)
                    adds.add(number, action, meta);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void bad(int number, String reason) {
                errors.accept("stdin line " + number + ": " + reason);
            }
        });
    }

    /** {@code [HOST:]PORT} of {@code --http}; the host defaults to 127.0.0.1; the port in the digits 0-9. */
    static final class HttpAddress implements picocli.CommandLine.ITypeConverter<java.net.InetSocketAddress> {
        @Override
        public java.net.InetSocketAddress convert(String value) {
            String v = value.strip();
            int colon = v.lastIndexOf(':');
            String host = colon < 0 ? "127.0.0.1" : v.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            String portText = v.substring(colon + 1);
            if (Checks.hasOtherDigits(portText)) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "': port "
                    + Checks.notAsciiDigits(portText, "a number"));
            }
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("expected [HOST:]PORT, got " + value);
            }
            if (port < 0 || port > 65_535 || host.isEmpty()) {
                throw new picocli.CommandLine.TypeConversionException("expected [HOST:]PORT with PORT 0..65535, got "
                    + value);
            }
            return new java.net.InetSocketAddress(host, port);
        }
    }

    /**
     * A duration as {@code 500ms}, {@code 90s}, {@code 5m}, {@code 2h}, {@code 1d} or ISO-8601 ({@code PT1M}), at most
     * the option's bound. A well-formed duration above it, also one too large for a {@link java.time.Duration} or a
     * long number of units, is refused as out of range with the bound, and one with digits other than 0-9 as not a
     * duration (before, session 28, {@code --presence-period 99999999999999999999s} was "not a duration", and
     * {@code --max-drift 99999999999999d} was echoed as 9223372036854775807 ms, the saturated milliseconds).
     */
    abstract static class DurationConverter implements picocli.CommandLine.ITypeConverter<java.time.Duration> {
        private static final java.util.regex.Pattern SHORT = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h|d)");
        private final java.time.Duration max;
        private final String maxText;

        DurationConverter(java.time.Duration max, String maxText) {
            this.max = max;
            this.maxText = maxText;
        }

        @Override
        public java.time.Duration convert(String value) {
            if (Checks.hasOtherDigits(value)) {
                throw new picocli.CommandLine.TypeConversionException(Checks.notAsciiDigits(value, "a duration"));
            }
            String v = value.strip().toLowerCase(java.util.Locale.ROOT);
            if ("0".equals(v)) {
                return java.time.Duration.ZERO;
            }
            // a sign before a duration (-5m, -PT5M): refused as negative, not as "not a duration" (before, session
            // 43, --keep-for -5m was "not a duration")
            boolean minus = v.startsWith("-") && v.length() > 1;
            String unsigned = minus ? value.strip().substring(1) : value.strip();
            String u = minus ? v.substring(1) : v;
            java.time.Duration d;
            try {
                d = u.startsWith("p") ? iso(unsigned) : shortForm(u);
                if (minus && !d.isZero()) {
                    d = d.negated();
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // well-formed (the digits are 0-9), beyond a long number of units or a Duration's seconds
                throw outOfRange(value);
            } catch (RuntimeException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a duration: give a "
                    + "number and a unit (500ms, 90s, 5m, 1h, 1d) or ISO-8601 (PT1M)");
            }
            if (d.isNegative()) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is negative: " + whatToGive());
            }
            if (d.compareTo(max) > 0) {
                throw outOfRange(value);
            }
            return d;
        }

        /** What a user may give instead of a negative duration. */
        String whatToGive() {
            return "give 0 or more, up to " + maxText;
        }

        private picocli.CommandLine.TypeConversionException outOfRange(String value) {
            return new picocli.CommandLine.TypeConversionException("'" + value + "' is out of range: at most "
                + maxText);
        }

        /** ISO-8601; a number too large for its field fails with the {@link ArithmeticException} it caused. */
        private static java.time.Duration iso(String text) {
            try {
                return java.time.Duration.parse(text);
            } catch (java.time.format.DateTimeParseException e) {
                if (e.getCause() instanceof ArithmeticException a) {
                    throw a;
                }
                if (e.getCause() instanceof NumberFormatException n) {
                    throw n; // digits (0-9, its pattern's) beyond a long
                }
                throw e;
            }
        }

        private static java.time.Duration shortForm(String v) {
            java.util.regex.Matcher m = SHORT.matcher(v);
            if (!m.matches()) {
                throw new IllegalArgumentException();
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(n);
                case "s" -> java.time.Duration.ofSeconds(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofDays(n);
            };
        }
    }

    /** {@code --max-drift}: at most {@link NodeConfig#MAX_DRIFT_LIMIT_MILLIS}, 100 years. */
    static final class MaxDrift extends DurationConverter {
        MaxDrift() {
            super(java.time.Duration.ofMillis(NodeConfig.MAX_DRIFT_LIMIT_MILLIS), "36500d (100 years, as good as no "
                + "bound)");
        }
    }

    /**
     * {@code --keep-for}: at most 36500d here; shorter than {@code --seen-horizon} (30 days by default) and at least 1s,
     * both by the node's configuration ({@link NodeConfig#keepFor()}), whose message names both options.
     */
    static final class KeepFor extends DurationConverter {
        KeepFor() {
            super(SeenHorizon.MAX, "36500d, and shorter than --seen-horizon (30d by default)");
        }

        /** As {@link NodeConfig#keepFor()}'s rule; one under 1s is refused by the node's configuration. */
        @Override
        String whatToGive() {
            return "give how long to keep actions, from 1s to less than --seen-horizon (30d by default), or 0 to keep "
                + "them for ever";
        }
    }

    /**
     * {@code --seen-horizon}: at most 36500d (100 years, as good as for ever); under {@link #MIN}, 1 min, is refused by
     * {@link NodeCommand#call} (a line that only parses, as {@code NodeArgs}' tests do, may hold less).
     */
    static final class SeenHorizon extends DurationConverter {
        static final java.time.Duration MIN = java.time.Duration.ofMinutes(1);
        static final java.time.Duration MAX = java.time.Duration.ofDays(36_500);

        SeenHorizon() {
            super(MAX, "36500d (100 years, as good as for ever)");
        }

        @Override
        String whatToGive() {
            return "give how long the ids of cleaned actions are remembered, from 1m to 36500d";
        }
    }

    /** {@code --presence-period}: at most {@link Checks#MAX_PRESENCE_PERIOD}, 1 day ({@link Checks#presencePeriod}). */
    static final class PresencePeriod extends DurationConverter {
        PresencePeriod() {
            super(Checks.MAX_PRESENCE_PERIOD, "1d (give " + Checks.PRESENCE_PERIOD_VALUES + ")");
        }
    }
}
