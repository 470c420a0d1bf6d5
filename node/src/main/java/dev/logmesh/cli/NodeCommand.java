package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.StoreException;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.net.WsTransport;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh node}: runs a node until SIGTERM/SIGINT. */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a node until SIGTERM or SIGINT.",
        "stdin: JSON lines, each an action object or an [action, meta] pair, added as local actions "
            + "(EOF on stdin does not stop the node).",
        "stdout on a terminal: readable lines (ready with the node id and URL, peers connected and disconnected, "
            + "each action as time, origin node, type and JSON; during a catch-up of "
            + HumanOutput.CATCH_UP_THRESHOLD + "+ entries from a peer, progress done/total and rate instead of "
            + "each action).",
        "stdout otherwise, or with --json: one JSON object per line with an \"event\" field: ready, add, peer, "
            + "error. Logs go to stderr."})
final class NodeCommand implements Callable<Integer> {

    @Option(names = "--name", paramLabel = "NAME",
        description = "Name of this node; its id is NAME:random, kept across restarts. Default: node.")
    String name = "node";

    @Option(names = "--data", paramLabel = "DIR",
        description = "Directory of the durable log (SQLite). Default: $XDG_DATA_HOME/logmesh/NAME "
            + "(~/.local/share/logmesh/NAME).")
    Path data;

    @Option(names = "--memory", description = "Keep the log in memory only (lost at exit).")
    boolean memory;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String host = NodeConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on; 0 = any free port. "
        + "Default: ${DEFAULT-VALUE}.")
    int port = NodeConfig.DEFAULT_PORT;

    @Option(names = "--peer", paramLabel = "URL", description = "A peer to dial and keep dialing, "
        + "ws://HOST:PORT (repeatable).")
    List<URI> peers = new ArrayList<>();

    @Option(names = "--mesh", paramLabel = "NAME", description = "Mesh name; nodes of other meshes are refused. "
        + "Default: ${DEFAULT-VALUE}.")
    String mesh = NodeConfig.DEFAULT_MESH;

    @Option(names = "--key", paramLabel = "SECRET", description = "The mesh's secret key (visible in the process "
        + "list: prefer --key-file). Without a key the mesh is open to anyone who can reach it.")
    String key;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding the mesh's secret key.")
    Path keyFile;

    @Option(names = "--subprotocol", paramLabel = "N", description = "This application's subprotocol version. "
        + "Default: 0 (none).")
    int subprotocol;

    @Option(names = "--min-subprotocol", paramLabel = "N", description = "Refuse peers with a lower subprotocol. "
        + "Default: 0.")
    int minSubprotocol;

    @Option(names = "--max-frame", paramLabel = "BYTES", description = "Largest WebSocket frame accepted. "
        + "Default: ${DEFAULT-VALUE}.")
    int maxFrame = WsTransport.DEFAULT_MAX_FRAME_BYTES;

    @Option(names = "--ping", paramLabel = "MS", description = "Ping a peer after this many ms of silence. "
        + "Default: ${DEFAULT-VALUE}.")
    long ping = SessionConfig.DEFAULT_PING_MILLIS;

    @Option(names = "--timeout", paramLabel = "MS", description = "Drop a peer whose answer is this many ms late. "
        + "Default: ${DEFAULT-VALUE}.")
    long timeout = SessionConfig.DEFAULT_TIMEOUT_MILLIS;

    @Option(names = "--no-mdns", description = "Do not find peers by mDNS (use --peer).")
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

    @Option(names = "--token", paramLabel = "TOKEN", description = "A token to send when dialing a Logux server "
        + "that requires one (e.g. @logux/server); logmesh peers authenticate with the mesh key instead.")
    String token;

    @Option(names = "--json", description = "JSON lines on stdout even on a terminal.")
    boolean json;

    // [overlay options]
    @Option(names = "--max-active", paramLabel = "N", description = "Overlay: sessions kept with other mesh nodes "
        + "(the active view; static peers count). A mesh of up to N+1 nodes is a full mesh. Default: ${DEFAULT-VALUE}.")
    int maxActive = NodeConfig.DEFAULT_MAX_ACTIVE;

    @Option(names = "--passive-size", paramLabel = "N", description = "Overlay: known mesh nodes kept to replace "
        + "active ones with (the passive view). Default: ${DEFAULT-VALUE}.")
    int passiveSize = NodeConfig.DEFAULT_PASSIVE_SIZE;

    @Option(names = "--no-overlay", description = "Keep a session with every mesh node found, as before the overlay.")
    boolean noOverlay;

    @Override
    public Integer call() throws Exception {
        Ndjson out = new Ndjson(System.out, timestamps, true);
        HumanOutput human = !json && System.console() != null
            ? new HumanOutput(System.out, java.time.ZoneId.systemDefault()) : null;
        byte[] secret;
        try {
            secret = readKey();
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        Path dir = memory ? null : (data != null ? data : defaultDataDir(name));
        NodeConfig config;
        try {
            config = NodeConfig.builder().name(name).dataDir(dir).host(host).port(port).peers(peers).mesh(mesh)
                .key(secret).subprotocol(subprotocol).minSubprotocol(minSubprotocol).maxFrameBytes(maxFrame)
                .ping(ping, timeout).mdns(!noMdns).interfaces(interfaces).tls(tlsCert, tlsKey).tlsTrust(tlsTrust)
                .token(token).overlay(!noOverlay).maxActive(maxActive).passiveSize(passiveSize).build();
        } catch (IllegalArgumentException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        if (secret == null) {
            System.err.println("WARNING: no mesh key. This mesh is OPEN: anyone who can reach this node can read "
                + "and add actions. Use --key-file FILE to require the key.");
        }
        MeshNode node;
        try {
            node = MeshNode.start(config, List.of(new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    if (human != null) {
                        human.peer(nodeId, connected);
                        return;
                    }
                    ObjectNode n = out.event("peer");
                    n.put("state", connected ? "connected" : "disconnected");
                    n.put("node", nodeId);
                    out.print(n);
                }

                @Override
                public void error(String message) {
                    if (human != null) {
                        human.error(message);
                        return;
                    }
                    out.error(message);
                }
            }));
        } catch (StoreException | IOException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        node.subscribe(e -> true, human != null ? human::add : out::add);
        if (human != null) {
            java.util.concurrent.ScheduledExecutorService poll = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "logmesh-progress");
                    t.setDaemon(true);
                    return t;
                });
            poll.scheduleWithFixedDelay(() -> node.peers().thenAccept(p ->
                human.progress(p, System.currentTimeMillis())), 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            out.close();
            stopped.countDown();
        }, "logmesh-shutdown"));
        if (human != null) {
            human.ready(node.nodeId(), node.url(), dir);
            readStdin(node, human::error);
            stopped.await();
            return 0;
        }
        ObjectNode ready = out.event("ready");
        ready.put("node", node.nodeId());
        if (node.url() != null) {
            ready.put("url", node.url().toString());
        }
        if (dir != null) {
            ready.put("data", dir.toString());
        }
        out.print(ready);
        readStdin(node, out::error);
        stopped.await();
        return 0;
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
            String s = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("key file " + keyFile + " is empty");
            }
            return s.getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }

    static Path defaultDataDir(String name) {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local",
            "share");
        return base.resolve("logmesh").resolve(name);
    }

    private static void readStdin(MeshNode node, java.util.function.Consumer<String> errors) throws IOException {
        Ndjson.readLines(System.in, new Ndjson.LineHandler() {
            @Override
            public void line(int number, Action action, JsonNode meta) {
                node.add(action, meta).whenComplete((added, err) -> {
                    if (err != null) {
                        Throwable c = err.getCause() != null ? err.getCause() : err;
                        errors.accept("stdin line " + number + ": " + c.getMessage());
                    }
                });
            }

            @Override
            public void bad(int number, String reason) {
                errors.accept("stdin line " + number + ": " + reason);
            }
        });
    }
}
