package dev.logmesh.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * A stock {@code @logux/core} 0.10.0 peer: {@code node interop/peer.mjs ...} as a child process, driven by
 * NDJSON commands on its stdin; its NDJSON events (stdout) are collected by a reader thread.
 *
 * <p>{@link #requireNode()} decides whether interop tests can run: without {@code node} on the PATH they
 * are skipped (a JUnit assumption) unless {@code LOGMESH_REQUIRE_ALL=1}, where they fail. It installs
 * {@code interop/node_modules} with {@code npm ci} once per JVM when it is missing.
 */
public final class JsPeer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(20);

    private static final Object SETUP_LOCK = new Object();
    private static String setupError;
    private static boolean setupDone;

    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    @SuppressWarnings("JdkObsolete") // appended by the stderr reader thread, read by the test: synchronized on purpose
    private final StringBuffer stderr = new StringBuffer();
    private final Thread reader;
    private final Thread errReader;

    private JsPeer(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.reader = new Thread(() -> readEvents(process.getInputStream()), "jspeer-" + name);
        this.errReader = new Thread(() -> readStderr(process.getErrorStream()), "jspeer-err-" + name);
        reader.setDaemon(true);
        errReader.setDaemon(true);
        reader.start();
        errReader.start();
    }

    /** The repository's interop/ folder (Maven runs tests in node/; the IDE may run them at the root). */
    public static Path interopDir() {
        String base = System.getProperty("basedir", System.getProperty("user.dir"));
        Path dir = Path.of(base).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("interop/peer.mjs"))) {
                return p.resolve("interop");
            }
        }
        throw new IllegalStateException("no interop/peer.mjs above " + dir);
    }

    static boolean requireAll() {
        return "1".equals(System.getenv("LOGMESH_REQUIRE_ALL"));
    }

    /**
     * Skips the calling test (or fails it under {@code LOGMESH_REQUIRE_ALL=1}) when Node.js is missing or
     * the interop harness cannot be installed. Installs it with {@code npm ci} when needed, once per JVM.
     */
    public static void requireNode() {
        synchronized (SETUP_LOCK) {
            if (!setupDone) {
                setupError = setUp();
                setupDone = true;
            }
        }
        if (setupError != null) {
            if (requireAll()) {
                fail("LOGMESH_REQUIRE_ALL=1 and the interop harness is not usable: " + setupError);
            }
            Assumptions.abort("interop tests skipped: " + setupError);
        }
    }

    private static String setUp() {
        String version;
        try {
            version = run(List.of("node", "--version"), null, 30).strip();
        } catch (IOException e) {
            return "Node.js (`node`) is not on the PATH (" + e.getMessage() + ")";
        }
        Path dir = interopDir();
        if (Files.isRegularFile(dir.resolve("node_modules/@logux/core/package.json"))
            && Files.isRegularFile(dir.resolve("node_modules/ws/package.json"))) {
            return null;
        }
        try {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), dir, 300);
        } catch (IOException e) {
            return "Node.js " + version + " found, but `npm ci` in " + dir + " failed: " + e.getMessage();
        }
        return null;
    }

    /** Runs a command to its end; its output, or an IOException saying why it failed. */
    private static String run(List<String> cmd, Path dir, long seconds) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        try {
            byte[] out;
            Thread drain;
            ByteCollector c = new ByteCollector(p.getInputStream());
            drain = new Thread(c, "run-" + cmd.get(0));
            drain.setDaemon(true);
            drain.start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", cmd) + " took longer than " + seconds + " s");
            }
            drain.join(5_000);
            out = c.bytes();
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static final class ByteCollector implements Runnable {
        private final InputStream in;
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        ByteCollector(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        }

        synchronized byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Starts {@code node peer.mjs ARGS} in interop/ (call {@link #requireNode()} first). */
    public static JsPeer start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("node");
        cmd.add("peer.mjs");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(interopDir().toFile()).start();
        return new JsPeer(name, p);
    }

    /** Starts a stock ClientNode dialing {@code url} (Reconnect with short delays for tests). */
    public static JsPeer client(String nodeId, String url, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("client", "--url", url, "--node-id", nodeId,
            "--min-delay", "100", "--max-delay", "300"));
        args.addAll(List.of(more));
        JsPeer p = start(nodeId, args.toArray(String[]::new));
        p.awaitEvent("ready", e -> true);
        return p;
    }

    /** Starts a stock ServerNode on 127.0.0.1:{@code port} (0: any) and waits until it listens. */
    public static JsPeer server(String nodeId, int port, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("server", "--node-id", nodeId, "--port", String.valueOf(port)));
        args.addAll(List.of(more));
        JsPeer p = start(nodeId, args.toArray(String[]::new));
        p.awaitEvent("ready", e -> true);
        return p;
    }

    private void readEvents(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    events.add(JSON.readTree(line));
                } catch (IOException e) {
                    ObjectNode n = JSON.createObjectNode();
                    n.put("event", "unparsable");
                    n.put("line", line);
                    events.add(n);
                }
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    private void readStderr(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                stderr.append(line).append('\n');
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    /**
     * Sends one command object, as UTF-8 from Jackson's UTF-8 generator, which writes a surrogate in a string as an
     * escape (an unpaired one has no UTF-8 form: {@code toString().getBytes} sent {@code ?} for it).
     */
    public synchronized void send(ObjectNode cmd) {
        try {
            stdin.write(JSON.writeValueAsBytes(cmd));
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException(name + ": cannot write to peer.mjs (exited? " + describe() + ")", e);
        }
    }

    /** Sends {@code {"cmd": NAME}}. */
    public void command(String cmd) {
        ObjectNode n = JSON.createObjectNode();
        n.put("cmd", cmd);
        send(n);
    }

    /** Adds an action to the JS log. */
    public void add(ObjectNode action) {
        ObjectNode n = JSON.createObjectNode();
        n.put("cmd", "add");
        n.set("action", action);
        send(n);
    }

    /** Every event so far. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Events of one kind that match. */
    public List<JsonNode> events(String event, Predicate<JsonNode> test) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : events) {
            if (event.equals(e.path("event").asText()) && test.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    public int count(String event, Predicate<JsonNode> test) {
        return events(event, test).size();
    }

    /** Waits for the first matching event (from the start of the process). */
    public JsonNode awaitEvent(String event, Predicate<JsonNode> test) {
        return awaitCount(event, test, 1).get(0);
    }

    /** Waits until at least {@code n} events match; returns them. */
    public List<JsonNode> awaitCount(String event, Predicate<JsonNode> test, int n) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
            .alias(name + ": " + n + " '" + event + "' events (" + describe() + ")")
            .until(() -> count(event, test) >= n || !process.isAlive());
        List<JsonNode> got = events(event, test);
        if (got.size() < n) {
            fail(name + " exited before " + n + " '" + event + "' events: " + describe());
        }
        return got;
    }

    /** The ids ({@code meta.id}) of every {@code add} event, in order, duplicates kept. */
    public List<String> addedIds() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : events("add", x -> true)) {
            out.add(e.path("meta").path("id").asText());
        }
        return out;
    }

    /** The process id. */
    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** A short description for failure messages: state, exit code, stderr tail, last events. */
    public String describe() {
        String err = stderr.toString();
        if (err.length() > 2000) {
            err = "..." + err.substring(err.length() - 2000);
        }
        List<JsonNode> all = events();
        List<JsonNode> last = all.subList(Math.max(0, all.size() - 8), all.size());
        return (process.isAlive() ? "running" : "exited " + process.exitValue()) + ", stderr: " + err.strip()
            + ", last events: " + last;
    }

    /** Ends the process: stdin EOF (peer.mjs exits), then destroy, then destroyForcibly. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the process at once (SIGKILL), like a crash. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
