package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the edge scenario scripts of {@code interop/edge/} ({@code node client-node.mjs --url ...} and the others)
 * and reads their JSON lines, for the Java tests of a node's Logux server role. A scenario is a child process:
 * {@link #run} waits for its end and returns every line; {@link #start} leaves it running (the
 * {@code logux-server.mjs} and {@code fake-node.mjs} servers) and collects lines as they come.
 *
 * <p>{@link #require(boolean)} skips the calling test (a JUnit assumption) when Node.js, the packages or Chromium are
 * missing, or fails it under {@code LOGMESH_REQUIRE_ALL=1}; {@code interop/setup.sh} installs them.
 */
public final class EdgeScenarios {
    static final ObjectMapper JSON = new ObjectMapper();

    private EdgeScenarios() {
    }

    /** The interop/ folder above the working directory. */
    public static Path interopDir() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("interop/edge/client-node.mjs"))) {
                return p.resolve("interop");
            }
        }
        throw new IllegalStateException("no interop/edge/client-node.mjs above " + dir);
    }

    /** Why the scenarios cannot run here, or null. */
    static String missing(boolean browser) {
        Path interop = interopDir();
        for (String pkg : List.of("@logux/client", "@logux/server", "@logux/core", "esbuild", "ws")) {
            if (!Files.isRegularFile(interop.resolve("node_modules/" + pkg + "/package.json"))) {
                return "interop/node_modules lacks " + pkg + " (run interop/setup.sh)";
            }
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "`node --version` failed";
            }
        } catch (IOException e) {
            return "Node.js (`node`) is not on the PATH";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        if (browser && !Files.isExecutable(Path.of(chromium))) {
            return "no Chromium at " + chromium + " (run interop/setup.sh)";
        }
        return null;
    }

    /** Skips (or, under {@code LOGMESH_REQUIRE_ALL=1}, fails) the test when the scenarios cannot run. */
    public static void require(boolean browser) {
        String why = missing(browser);
        if (why == null) {
            return;
        }
        if ("1".equals(System.getenv("LOGMESH_REQUIRE_ALL"))) {
            fail("LOGMESH_REQUIRE_ALL=1 and the edge scenarios cannot run: " + why);
        }
        Assumptions.abort("edge scenarios skipped: " + why);
    }

    /** A running script and the JSON lines it printed so far. */
    public static final class Script implements AutoCloseable {
        private final Process process;
        private final List<JsonNode> lines = new CopyOnWriteArrayList<>();
        @SuppressWarnings("JdkObsolete") // appended by the reader thread, read by the test's: synchronized on purpose
        private final StringBuffer stderr = new StringBuffer();
        private final Thread reader;

        private Script(Process process, String name) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        try {
                            lines.add(JSON.readTree(line));
                        } catch (IOException e) {
                            lines.add(JSON.createObjectNode().put("raw", line));
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "edge-" + name);
            reader.setDaemon(true);
            reader.start();
            Thread err = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        stderr.append(line).append('\n');
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "edge-err-" + name);
            err.setDaemon(true);
            err.start();
        }

        /** The lines so far. */
        public List<JsonNode> lines() {
            return List.copyOf(lines);
        }

        /** What the script wrote on stderr. */
        public String stderr() {
            return stderr.toString();
        }

        /** The first line matching, waiting up to {@code timeout}. */
        public JsonNode await(Predicate<JsonNode> test, Duration timeout) {
            AtomicReference<JsonNode> found = new AtomicReference<>();
            try {
                Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
                    for (JsonNode l : lines) {
                        if (test.test(l)) {
                            found.set(l);
                            return true;
                        }
                    }
                    // the script ended and all it wrote is read: no line will come
                    return !process.isAlive() && !reader.isAlive();
                });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no matching line in " + timeout + "; lines " + lines + "; stderr " + stderr,
                    e);
            }
            if (found.get() == null) {
                throw new AssertionError("no matching line before the script ended; lines " + lines + "; stderr "
                    + stderr);
            }
            return found.get();
        }

        /** Writes one line to the script's stdin (a command of an interactive scenario). */
        public void send(String line) {
            try {
                process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("the script's stdin is closed; lines " + lines, e);
            }
        }

        /** Waits for the end; the exit code. */
        public int waitFor(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("script still running after " + timeout + "; lines " + lines);
            }
            reader.join(5_000);
            return process.exitValue();
        }

        /** Ends the script: stdin closed (the servers stop on EOF), then killed if it lingers. */
        @Override
        public void close() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts {@code node interop/edge/<script> args...}. */
    public static Script start(String script, String... args) throws IOException {
        Path dir = interopDir();
        List<String> cmd = new ArrayList<>(List.of("node", dir.resolve("edge").resolve(script).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
        return new Script(p, script);
    }

    /**
     * The outcome of a step scenario.
     *
     * @param exitCode the script's exit code (0: every step passed)
     * @param lines    every line it printed
     */
    public record Result(int exitCode, List<JsonNode> lines) {
        /** The final {@code done} line. */
        public JsonNode done() {
            JsonNode last = lines.isEmpty() ? null : lines.get(lines.size() - 1);
            if (last == null || !"done".equals(last.path("step").asText())) {
                throw new AssertionError("the scenario did not finish: " + lines);
            }
            return last;
        }

        /** The lines of failed steps. */
        public List<JsonNode> failures() {
            return lines.stream().filter(l -> l.has("ok") && !l.get("ok").asBoolean()
                && !"done".equals(l.path("step").asText())).toList();
        }

        /** The line of one step. */
        public JsonNode step(String name) {
            return lines.stream().filter(l -> name.equals(l.path("step").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + name + " in " + lines));
        }

        /** Fails with every failed step's error unless all passed. */
        public void assertPassed() {
            if (exitCode != 0 || !failures().isEmpty() || !done().path("ok").asBoolean()) {
                throw new AssertionError("scenario failed (exit " + exitCode + "): " + failures());
            }
        }
    }

    /** Runs a step scenario to its end. */
    public static Result run(Duration timeout, String script, String... args) throws IOException, InterruptedException {
        try (Script s = start(script, args)) {
            int code = s.waitFor(timeout);
            return new Result(code, s.lines());
        }
    }
}
