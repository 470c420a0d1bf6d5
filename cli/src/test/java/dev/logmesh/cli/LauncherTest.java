package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The launchers' class-data sharing under faults a hostile tester found (issue 12 follow-up): both launchers
 * ({@code scripts/logmesh} in a checkout, the distribution's {@code bin/logmesh}), the dev launcher also in a
 * folder whose path holds a space, on this JVM's JDK and on JDK 25 where it is installed. Each node run listens
 * on 127.0.0.1 with mDNS off and a key (so a clean run prints nothing on stderr). Runs in the {@code package}
 * phase (it needs the jars and the distribution's archive); alone: {@code mvn -o -pl cli -am package
 * -Dgroups=launcher} (its tag; {@code -Dtest} would run it in the {@code test} phase too, before the archive is
 * made).
 */
@Tag("slow")
@Tag("launcher")
class LauncherTest {
    private static final Path MODULE = Path.of(System.getProperty("user.dir"));
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    private static final String[] NODE = {"node", "--name", "t", "--memory", "--no-mdns", "--host", "127.0.0.1",
        "--port", "0", "--json", "--key", "k"};
    /**
     * Classes an archive made from a node run holds on every JDK, and one made from {@code --version} does not (a
     * static dump also takes the classes that verifying the listed ones loads: {@code MeshNode} is among them).
     */
    // a class of each part a node run loads: the launcher, the log, Netty (a node's loop is a lone
    // SingleThreadIoEventLoop since session 25; no MultithreadEventLoopGroup is loaded any more)
    private static final String[] NODE_CLASSES = {"dev.logmesh.cli.Main", "dev.logmesh.internal.store.MemoryStore",
        "io.netty.channel.SingleThreadIoEventLoop"};

    @TempDir
    Path tmp;

    /**
     * Waits (60 s at most) until no dumper writes under the test's folder: no run file (a dump pending), class list
     * or temporary archive (a dump running; the dumper removes both when it ends). A dumper outlives the node run
     * that started it, and one still busy when the test ended made the folder's deletion fail (seen once in
     * {@code theDumperIsNotAChildOfTheNode} under load: "DirectoryNotEmptyException ... install/cache/logmesh").
     */
    @AfterEach
    void noDumperLeft() {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> !dumperFiles(tmp));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // a test that left garbage on purpose: the folder's deletion says what is left
        }
    }

    static boolean dumperFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(p -> p.getFileName().toString())
                .anyMatch(n -> n.matches(".*\\.jsa\\.[0-9]+\\.(run|classlist|tmp)"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return true; // a file removed during the walk: a dumper at work
        }
    }

    /** Waits (60 s at most) until no dumper is pending or running under {@code dir} ({@link #dumperFiles}). */
    static void awaitNoDumper(Path dir) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .until(() -> !dumperFiles(dir));
    }

    /** The names of the files under {@code dir} (any depth) whose name ends with {@code suffix}. */
    static List<String> filesEndingWith(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    /** The JDKs to run on: this JVM's, and JDK 25 where it is installed. */
    static Stream<Path> jdks() {
        Path here = Path.of(System.getProperty("java.home"));
        return Files.isExecutable(JDK25.resolve("bin/java")) && !here.equals(JDK25)
            ? Stream.of(here, JDK25) : Stream.of(here);
    }

    /** An installed launcher: the command, its environment, and the folder its archives go to. */
    record Install(Path launcher, Map<String, String> env, Path cache) {
        ProcessBuilder command(Map<String, String> extraEnv, String... args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(launcher.toString());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().keySet().removeIf(k -> k.startsWith("LOGMESH_") || k.equals("JAVA_HOME")
                || k.equals("XDG_CACHE_HOME"));
            pb.environment().putAll(env);
            pb.environment().putAll(extraEnv);
            return pb;
        }
    }

    /** The distribution unpacked into {@code dir}, run on {@code jdk}, its cache under {@code dir}. */
    static Install dist(Path dir, Path jdk) throws Exception {
        Path archive;
        try (Stream<Path> files = Files.list(MODULE.resolve("target"))) {
            archive = files.filter(p -> p.getFileName().toString().matches("logmesh-[0-9].*\\.tar\\.gz"))
                .findFirst().orElseThrow(() -> new AssertionError("no target/logmesh-*.tar.gz: run mvn package"));
        }
        Files.createDirectories(dir);
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", dir.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tar.exitValue());
        Path home = dir.resolve(archive.getFileName().toString().replace(".tar.gz", ""));
        Path cache = dir.resolve("cache");
        return new Install(home.resolve("bin/logmesh"),
            Map.of("JAVA_HOME", jdk.toString(), "XDG_CACHE_HOME", cache.toString()), cache);
    }

    /** A checkout in {@code dir} as scripts/logmesh sees one: its scripts and the CLI's built jars. */
    static Install dev(Path dir, Path jdk) throws IOException {
        Path scripts = MODULE.getParent().resolve("scripts");
        Files.createDirectories(dir.resolve("scripts/lib"));
        Files.copy(scripts.resolve("logmesh"), dir.resolve("scripts/logmesh"), StandardCopyOption.COPY_ATTRIBUTES);
        try (Stream<Path> libs = Files.list(scripts.resolve("lib"))) {
            for (Path p : (Iterable<Path>) libs.filter(p -> p.toString().endsWith(".sh"))::iterator) {
                Files.copy(p, dir.resolve("scripts/lib").resolve(p.getFileName()));
            }
        }
        Path target = dir.resolve("cli/target");
        Files.createDirectories(target.resolve("lib"));
        try (Stream<Path> jars = Files.list(MODULE.resolve("target"))) {
            for (Path p : (Iterable<Path>) jars.filter(p -> p.getFileName().toString().matches("logmesh-cli-.*\\.jar")
                && !p.toString().endsWith("-tests.jar"))::iterator) {
                Files.copy(p, target.resolve(p.getFileName()));
            }
        }
        try (Stream<Path> jars = Files.list(MODULE.resolve("target/lib"))) {
            for (Path p : (Iterable<Path>) jars::iterator) {
                Files.copy(p, target.resolve("lib").resolve(p.getFileName()));
            }
        }
        // the native libraries as the build leaves them (unpack-native)
        Files.createDirectories(target.resolve("native"));
        try (Stream<Path> libs = Files.list(MODULE.resolve("target/native"))) {
            for (Path p : (Iterable<Path>) libs::iterator) {
                Files.copy(p, target.resolve("native").resolve(p.getFileName()));
            }
        }
        return new Install(dir.resolve("scripts/logmesh"), Map.of("LOGMESH_JAVA", jdk.resolve("bin/java").toString()),
            target);
    }

    /** A launched process, its stdout lines read as they come and its stderr kept. */
    static final class Run implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final CompletableFuture<String> err;

        Run(ProcessBuilder pb) throws IOException {
            process = pb.start();
            Thread out = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                lines.add("\u0000end");
            });
            out.setDaemon(true);
            out.start();
            err = DistributionTest.Launched.stderrOf(process);
        }

        /** Waits (30 s at most) for the {@code ready} line. */
        Run awaitReady() throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.contains("\"ready\"")) {
                    return this;
                }
                if ("\u0000end".equals(line)) {
                    break;
                }
            }
            process.destroyForcibly();
            throw new AssertionError("no ready line; stderr: " + stderr());
        }

        /** Waits (30 s at most) for a stdout line holding {@code part}; that line. */
        String awaitLine(String part) throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.contains(part)) {
                    return line;
                }
                if ("\u0000end".equals(line)) {
                    break;
                }
            }
            process.destroyForcibly();
            throw new AssertionError("no line with " + part + "; stderr: " + stderr());
        }

        /** SIGTERM, then the exit code (the node's clean stop: 143). */
        int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("did not stop in 30 s");
            }
            return process.exitValue();
        }

        /** What it wrote on stderr (after its end; 30 s at most, as a dumper must not hold the stream open). */
        String stderr() {
            try {
                return err.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("stderr still open 30 s later (a process of the launcher holds it)", e);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** A node started to {@code ready} and stopped; its stderr must be empty and its exit the clean stop's. */
    static void nodeRun(Install in, Map<String, String> env) throws Exception {
        try (Run r = new Run(in.command(env, NODE))) {
            r.awaitReady();
            int code = r.stop();
            String err = r.stderr();
            assertEquals("", err, "stderr of a node run");
            assertEquals(143, code, "exit of a node stopped by SIGTERM; stderr: " + err);
        }
    }

    /**
     * Two nodes that sync: a listener, and a dialer ({@code --peer} the listener's URL, {@code dialerEnv} added to
     * its environment) stopped once its {@code peer connected} line is out, then the listener; both stderr empty,
     * both exits the clean stop's.
     */
    static void syncedPair(Install in, Map<String, String> dialerEnv) throws Exception {
        try (Run listener = new Run(in.command(Map.of(), NODE))) {
            String ready = listener.awaitLine("\"ready\"");
            String url = ready.replaceAll(".*\"url\":\"([^\"]+)\".*", "$1");
            List<String> dialerArgs = new ArrayList<>(List.of(NODE));
            dialerArgs.addAll(List.of("--peer", url));
            try (Run dialer = new Run(in.command(dialerEnv, dialerArgs.toArray(String[]::new)))) {
                dialer.awaitLine("\"connected\"");
                assertEquals(143, dialer.stop(), "the dialer's exit; stderr: " + dialer.stderr());
                assertEquals("", dialer.stderr(), "stderr of the dialer");
            }
            assertEquals(143, listener.stop(), "the listener's exit; stderr: " + listener.stderr());
            assertEquals("", listener.stderr(), "stderr of the listener");
        }
    }

    /** Whether a node run of {@code in} loads each of {@code classes} from a class-data sharing archive. */
    boolean nodeMaps(Install in, String... classes) throws Exception {
        Path loads = Files.createTempFile(tmp, "class-load", ".txt");
        nodeRun(in, Map.of("LOGMESH_JAVA_OPTS", "-Xlog:class+load=info:file=" + loads));
        String log = Files.readString(loads);
        for (String c : classes) {
            if (!log.contains(c + " source: shared objects file")) {
                return false;
            }
        }
        return true;
    }

    /** Node runs until one maps {@code classes} from an archive (a dump takes a few seconds in the background). */
    void awaitNodeMaps(Install in, String... classes) {
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
            .until(() -> nodeMaps(in, classes));
    }

    /** The running {@code java -Xshare:dump} of an archive under {@code cache}, if any (the JVM, not a shell). */
    static Optional<ProcessHandle> dump(Path cache) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/java")
            && p.info().commandLine().map(c -> c.contains("-Xshare:dump") && c.contains(cache.toString()))
                .orElse(false)).findFirst();
    }

    /** Node runs until a dump of {@code in} is seen (60 s at most); that dump. */
    static ProcessHandle awaitDump(Install in) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            nodeRun(in, Map.of());
            try {
                Optional<ProcessHandle> seen = Awaitility.await().atMost(Duration.ofSeconds(10))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> dump(in.cache()), d -> d.isPresent() || !dumperFiles(in.cache()));
                if (seen.isPresent()) {
                    return seen.get();
                }
                // the dumper ended without a dump: a session-less run's list (the third is dumped)
            } catch (org.awaitility.core.ConditionTimeoutException notYet) {
                // a launcher that dumps on the run after the training one: run a node again
            }
        }
        throw new AssertionError("no dump of an archive under " + in.cache());
    }

    /** The processes whose parent is {@code pid} (zombies included: from /proc). */
    static List<String> children(long pid) throws IOException {
        List<String> kids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs.filter(p -> p.getFileName().toString().matches("[0-9]+"))::iterator) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
                if (Long.parseLong(f[1]) == pid) {
                    kids.add(stat.substring(0, stat.lastIndexOf(')') + 1) + " " + f[0]);
                }
            }
        }
        return kids;
    }

    /**
     * A node run that held no sync session (a lone first node, as the README's quick start starts alice; a peer not
     * up yet) leaves no archive, and the next node run trains again; the third such run in a row is dumped, so a node
     * that never has peers gets an archive too, and its count goes with it. Before (session 51), the first run's list
     * was dumped whatever the run did ("an archive after session-less run 1" failed): an archive without the ~220
     * classes of a catch-up, kept until a jar or the JDK changed, and each later dialer's first action came ~100 ms
     * later (docs/performance.md).
     */
    @ParameterizedTest
    @MethodSource("installs")
    void aRunThatHeldNoSessionTrainsAgainUntilTheThird(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        for (int run = 1; run <= 2; run++) {
            nodeRun(in, Map.of());
            awaitNoDumper(in.cache());
            assertEquals(List.of(), filesEndingWith(in.cache(), ".jsa"), "an archive after session-less run " + run);
        }
        nodeRun(in, Map.of());
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
            .until(() -> !filesEndingWith(in.cache(), ".jsa").isEmpty());
        awaitNoDumper(in.cache());
        assertEquals(List.of(), filesEndingWith(in.cache(), ".lone"), "the count once the archive is made");
        awaitNodeMaps(in, NODE_CLASSES);
    }

    /**
     * A node run that held a sync session is dumped at once, as before, even after a session-less one (its count
     * then goes): from that pair's lists an archive is made, and a later dialer loads its session classes from it
     * (before the archive, and in one trained by a lone run, they came from the jars).
     */
    @ParameterizedTest
    @MethodSource("installs")
    void aRunThatSyncedIsDumpedAtOnce(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        nodeRun(in, Map.of());
        awaitNoDumper(in.cache());
        assertEquals(List.of(), filesEndingWith(in.cache(), ".jsa"), "an archive after a session-less run");
        syncedPair(in, Map.of());
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
            .until(() -> !filesEndingWith(in.cache(), ".jsa").isEmpty());
        awaitNoDumper(in.cache());
        assertEquals(List.of(), filesEndingWith(in.cache(), ".lone"), "the count once the archive is made");
        Path loads = tmp.resolve("dialer-class-load.txt");
        syncedPair(in, Map.of("LOGMESH_JAVA_OPTS", "-Xlog:class+load=info:file=" + loads));
        String log = Files.readString(loads);
        for (String c : List.of("dev.logmesh.internal.session.Handshake", "dev.logmesh.internal.protocol.SyncScanner",
            "io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker", "dev.logmesh.cli.Main$SessionHeld")) {
            assertTrue(log.contains(c + " source: shared objects file"), c + " from the archive");
        }
    }

    /**
     * A checkout whose path holds a space: a node starts to {@code ready} (the options were split on the blank),
     * nothing of the archive on stderr on either JDK (JDK 25 printed lines at every start), and the user's
     * {@code LOGMESH_JAVA_OPTS} come after the launcher's (its {@code -Xlog} here: before, the launcher's
     * {@code -Xlog:disable} came last and turned it off), and a later node run maps the archive the first made.
     */
    @ParameterizedTest
    @MethodSource("jdks")
    void theDevLauncherInAPathWithASpace(Path jdk) throws Exception {
        Install in = dev(tmp.resolve("a checkout"), jdk);
        nodeRun(in, Map.of());
        if (javaFeature(jdk) >= 18) {
            awaitNodeMaps(in, NODE_CLASSES);
        } else {
            // JDK 17 maps the archive but loads no class of a class path holding a space from it (its shared path
            // table and the class loader's URL, "a%20checkout", do not match; JDK 25 does): the archive is opened
            Path log = tmp.resolve("cds.txt");
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    Files.deleteIfExists(log);
                    nodeRun(in, Map.of("LOGMESH_JAVA_OPTS", "-Xlog:cds=info:file=" + log));
                    return Files.readString(log).contains("Opened archive " + in.cache().resolve("cds"));
                });
        }
        nodeRun(in, Map.of());
    }

    /**
     * A fresh clone (no build yet): {@code scripts/logmesh} builds the CLI with Maven, then runs it. Here {@code mvn}
     * is a stub on the {@code PATH} that puts the built jars in place. Before, the launcher's jar lookup ended with a
     * failed test under {@code set -e}, so with no jar it exited 1 at once, silently, and the README's quick start
     * did nothing in a fresh clone.
     */
    @Test
    void aCheckoutWithNoBuildIsBuiltFirst() throws Exception {
        Install in = dev(tmp.resolve("clone"), Path.of(System.getProperty("java.home")));
        Path target = tmp.resolve("clone/cli/target");
        Path built = tmp.resolve("built");
        Files.move(target, built);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path called = tmp.resolve("mvn-called");
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho \"$@\" > '" + called + "'\ncp -r '" + built + "' '" + target + "'\n");
        assertTrue(mvn.toFile().setExecutable(true));
        ProcessBuilder pb = in.command(Map.of(), "--version");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        try (Run r = new Run(pb)) {
            assertTrue(r.process.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
            String err = r.stderr();
            assertEquals(0, r.process.exitValue(), "exit; stderr: " + err);
            assertTrue(err.contains("logmesh: building"), "says it builds: " + err);
            assertTrue(Files.readString(called).contains("package"), "ran mvn package");
            String line = r.lines.poll(10, TimeUnit.SECONDS);
            assertTrue(line != null && line.startsWith("logmesh "), "the version: " + line);
        }
    }

    /**
     * A build that leaves the CLI's jar as it was (Maven does not rewrite a jar whose own module did not change, as
     * after an edit in {@code node/src/main}) is not started again at every run: the launcher used to compare the
     * sources with the jar's time only, so each start after such an edit ran {@code mvn package} again (a
     * helper's chaos run failed to connect while its nodes were busy rebuilding).
     */
    @Test
    void aBuildThatLeavesTheJarAsItWasIsNotRunAgain() throws Exception {
        Stale st = staleCheckout();
        Install in = st.in();
        Path bin = st.bin();
        Path called = st.called();
        Path mvn = st.mvn();
        // an up-to-date build: it writes nothing (Maven's jar plugin keeps a jar whose content did not change)
        Files.writeString(mvn, "#!/bin/sh\necho \"$@\" >> '" + called + "'\n");
        assertTrue(mvn.toFile().setExecutable(true));
        for (int run = 1; run <= 2; run++) {
            ProcessBuilder pb = in.command(Map.of(), "--version");
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            try (Run r = new Run(pb)) {
                assertTrue(r.process.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
                assertEquals(0, r.process.exitValue(), "exit; stderr: " + r.stderr());
            }
        }
        assertEquals(1, Files.readAllLines(called).size(), "mvn runs once for one edit, not at every start");
    }

    /**
     * Two starts while the jar is stale (README's quick start: alice, then bob in a second terminal, during the first
     * build) run one build: the second waits for it and finds the jar fresh. Before (break34) both ran {@code mvn
     * package} at once in the same target directories.
     */
    @Test
    void twoStartsDuringOneBuildRunOneBuild() throws Exception {
        Stale st = staleCheckout();
        Install in = st.in();
        Path jar = st.jar();
        Path bin = st.bin();
        Path called = st.called();
        Path mvn = st.mvn();
        // a build of 3 s that writes the jar, long enough for the second start to come while it runs
        Files.writeString(mvn, "#!/bin/sh\necho \"$@\" >> '" + called + "'\nsleep 3\ntouch '" + jar + "'\n");
        assertTrue(mvn.toFile().setExecutable(true));
        List<Run> runs = new ArrayList<>();
        try {
            for (int run = 1; run <= 2; run++) {
                ProcessBuilder pb = in.command(Map.of(), "--version");
                pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
                runs.add(new Run(pb));
                if (run == 1) {
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(called)); // the first build runs
                }
            }
            for (Run r : runs) {
                assertTrue(r.process.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
                assertEquals(0, r.process.exitValue(), "exit; stderr: " + r.stderr());
            }
        } finally {
            for (Run r : runs) {
                r.close();
            }
        }
        assertEquals(1, Files.readAllLines(called).size(), "one build for two starts: " + Files.readAllLines(called));
    }

    /** A dev checkout whose jar is older than an edit in {@code node/src/main}, and where a stub {@code mvn} goes. */
    record Stale(Install in, Path jar, Path bin, Path called, Path mvn) {
    }

    /** {@link Stale}: the launcher finds its jar stale; {@code mvn} (to write) in {@code bin}, logging to {@code called}. */
    private Stale staleCheckout() throws Exception {
        Install in = dev(tmp.resolve("clone"), Path.of(System.getProperty("java.home")));
        Path source = Files.createDirectories(tmp.resolve("clone/node/src/main")).resolve("Edited.java");
        Files.writeString(source, "// edited after the last build\n");
        Path jar;
        try (Stream<Path> jars = Files.list(tmp.resolve("clone/cli/target"))) {
            jar = jars.filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        return new Stale(in, jar, bin, tmp.resolve("mvn-called"), bin.resolve("mvn"));
    }

    private static int javaFeature(Path jdk) throws IOException {
        for (String line : Files.readAllLines(jdk.resolve("release"))) {
            if (line.startsWith("JAVA_VERSION=\"")) {
                return Integer.parseInt(line.substring(14).split("[.\"]", -1)[0]);
            }
        }
        throw new AssertionError("no JAVA_VERSION in " + jdk.resolve("release"));
    }

    /**
     * A node run that maps the archive loads the classes of the class path's jars from it before its {@code ready}
     * line, on every JDK and with both launchers, and sets up no FFM downcall. A few may come from the jars: picocli's
     * two handler interfaces (old class files, which a dump skips once linked), and classes of a path that depends on
     * timing, which the training run may not have taken (Netty's {@code AbstractBootstrap$PendingRegistrationPromise}
     * when a channel's registration is not done at once, seen once on JDK 25). (JDK classes may come from
     * {@code lib/modules}: JFR's
     * event classes are never archived, and the security providers a lookup walks vary from run to run on a
     * loaded machine; spun classes, such as lambda forms and proxies, are never in a static archive.) Before, on JDK
     * 25 Netty, which there gives up
     * {@code sun.misc.Unsafe} unless the JVM allows it, set up its buffer cleaner through FFM downcalls
     * ({@code CleanerJava24Linker}: ~50 lambda-form classes and ~300 more JIT compiles before {@code ready}).
     */
    @ParameterizedTest
    @MethodSource("installsAndJdks")
    void aNodeRunLoadsItsClassesFromTheArchive(String kind, Path jdk) throws Exception {
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        nodeRun(in, Map.of());
        awaitNodeMaps(in, NODE_CLASSES);
        List<String> notShared = new ArrayList<>();
        List<String> ffm = new ArrayList<>();
        try (Run r = new Run(in.command(Map.of("LOGMESH_JAVA_OPTS", "-Xlog:class+load=info:stdout"), NODE))) {
            while (true) {
                String line = r.lines.poll(30, TimeUnit.SECONDS);
                assertTrue(line != null && !"\u0000end".equals(line), "no ready line; stderr: " + r.err);
                if (line.contains("\"ready\"")) {
                    break;
                }
                int at = line.indexOf(" source: ");
                if (at < 0) {
                    continue;
                }
                String source = line.substring(at + 9);
                String name = line.substring(line.lastIndexOf("] ", at) + 2, at);
                boolean picocli = source.matches("file:.*/picocli-[^/]*\\.jar")
                    && name.matches("picocli\\.CommandLine\\$I\\w+Handler");
                if (name.contains("DowncallStub") || name.contains("CleanerJava24Linker")) {
                    ffm.add(name);
                } else if (source.startsWith("file:") && !picocli) {
                    notShared.add(name + " " + source);
                }
            }
            assertEquals(143, r.stop());
        }
        assertEquals(List.of(), ffm, "FFM downcalls set up before ready");
        assertTrue(notShared.size() <= 5, "jar classes a node loads before ready not from the archive: " + notShared);
    }

    static Stream<Arguments> installsAndJdks() {
        return installs().flatMap(kind -> jdks().map(jdk -> Arguments.of(kind, jdk)));
    }

    /**
     * The distribution's archive is trained by a node run, not by whatever subcommand ran first: after
     * {@code --version} then {@code node}, node runs map the node's classes.
     */
    @ParameterizedTest
    @MethodSource("jdks")
    void theDistributionsArchiveIsTrainedByANodeRun(Path jdk) throws Exception {
        Install in = dist(tmp.resolve("install"), jdk);
        for (int i = 0; i < 2; i++) {
            Process p = in.command(Map.of(), "--version").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(out.matches("logmesh [^\\n]+\\n"), out);
        }
        awaitNodeMaps(in, NODE_CLASSES);
    }

    /**
     * A {@code node} line that never starts a node ({@code --help}, a mistyped option) is no training run: its class
     * list (picocli's usage, no node) was dumped into an archive that every later node run mapped, with the node's
     * classes loaded from the jars (942 of them, seen in session 10). Later node runs map the node's classes.
     */
    @Test
    void aNodeLineThatStartsNoNodeDoesNotTrain() throws Exception {
        Install in = dist(tmp.resolve("install"), Path.of(System.getProperty("java.home")));
        for (String[] args : List.of(new String[] {"node", "--help"}, new String[] {"node", "--no-such-option"})) {
            Process p = in.command(Map.of(), args).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> !dumperFiles(tmp)); // its dumper has decided
        }
        awaitNodeMaps(in, NODE_CLASSES);
    }

    /**
     * Both launchers run every subcommand but {@code node} on C1 only ({@code -XX:TieredStopAtLevel=1}: they never
     * warm up, and C2's compiles took a core from them), a node with tiered compilation (it runs for months), and the
     * user's {@code LOGMESH_JAVA_OPTS} still win. Seen by the JVM's own {@code -XX:+PrintFlagsFinal} on stdout.
     */
    @ParameterizedTest
    @MethodSource("installs")
    void theShortCommandsRunOnC1OnlyANodeTiered(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        Map<String, String> flags = Map.of("LOGMESH_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        assertEquals("1 {command line}", tieredStop(in, flags, "add", "--help"));
        assertEquals("1 {command line}", tieredStop(in, flags, "--version"));
        assertEquals("4 {default}", tieredStop(in, flags, "node", "--help"));
        assertEquals("4 {command line}", tieredStop(in,
            Map.of("LOGMESH_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:TieredStopAtLevel=4"), "log", "--help"));
    }

    /**
     * Both launchers give the JVM {@code -XX:+UseTransparentHugePages} where the kernel gives transparent huge pages on
     * request ({@code [madvise]} in {@code /sys/kernel/mm/transparent_hugepage/enabled}), for every subcommand, and the
     * user's {@code LOGMESH_JAVA_OPTS} still win; elsewhere the JVM's default. On a VM whose free memory goes back to
     * the host each first touch of a 4 KiB page cost ~20 us, most of a cold catch-up's loop (docs/performance.md).
     */
    @ParameterizedTest
    @MethodSource("installs")
    void theHeapTakesHugePagesWhereTheKernelGivesThemOnRequest(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        Path sys = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        boolean onRequest = Files.isReadable(sys) && Files.readString(sys).contains("[madvise]");
        String expected = onRequest ? "true {command line}" : "false {default}";
        Map<String, String> flags = Map.of("LOGMESH_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        assertEquals(expected, flag(in, flags, "UseTransparentHugePages", "node", "--help"));
        assertEquals(expected, flag(in, flags, "UseTransparentHugePages", "add", "--help"));
        assertEquals("false {command line}", flag(in,
            Map.of("LOGMESH_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:-UseTransparentHugePages"), "UseTransparentHugePages",
            "node", "--help"));
    }

    /**
     * Both launchers turn Netty's JFR events off ({@code -Dio.netty.jfr.enabled=false}), for every subcommand, and the
     * user's {@code LOGMESH_JAVA_OPTS} still win: Netty 4.2's buffer allocators check their events at a link's first
     * buffers, and that first check made the event classes and started JFR's metadata, 65-100 ms of a dialer's loop
     * before its first entry (docs/performance.md, "The CLI catch-up's stdout line").
     */
    @ParameterizedTest
    @MethodSource("installs")
    void nettysJfrEventsAreOffUnlessTheUserTurnsThemOn(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        Map<String, String> show = Map.of("LOGMESH_JAVA_OPTS", "-XshowSettings:properties");
        assertEquals("false", property(in, show, "io.netty.jfr.enabled", "node", "--help"));
        assertEquals("false", property(in, show, "io.netty.jfr.enabled", "add", "--help"));
        assertEquals("true", property(in,
            Map.of("LOGMESH_JAVA_OPTS", "-XshowSettings:properties -Dio.netty.jfr.enabled=true"),
            "io.netty.jfr.enabled", "node", "--help"));
    }

    /** The value of system property {@code name} that a launcher run printed ({@code -XshowSettings:properties}). */
    private static String property(Install in, Map<String, String> env, String name, String... args) throws Exception {
        Process p = in.command(env, args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return err.lines().map(String::strip).filter(l -> l.startsWith(name + " = ")).findFirst()
            .map(l -> l.substring(name.length() + 3))
            .orElse("(not set)");
    }

    /**
     * A C/POSIX locale ({@code LANG=C}, no {@code LC_ALL}: containers, services, cron) reads arguments as UTF-8 through
     * either launcher: its character type becomes C.UTF-8 (as Python's PEP 538), so {@code user-token --user José}
     * signs {@code José}, the same token as in a UTF-8 locale; before, the JVM read {@code Jos??} and the CLI refused
     * it (exit 2). {@code LC_ALL=C} is the user's choice and is kept: refused. The bytes come from {@code printf}, as
     * a terminal gives them, whatever this JVM's own locale.
     */
    @ParameterizedTest
    @MethodSource("installs")
    void aCLocaleReadsArgumentsAsUtf8(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        Path key = tmp.resolve("mesh.key");
        Files.writeString(key, "c2VjcmV0LWtleS1vZi10aGUtbWVzaC0wMTIzNDU2Nzg5\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String args = "user-token --key-file '" + key + "' --user \"$(printf 'Jos\\303\\251')\"";
        String[] utf8 = inLocale(in, Map.of("LANG", "C.UTF-8"), args);
        assertEquals("0", utf8[0], utf8[2]);
        String[] c = inLocale(in, Map.of("LANG", "C"), args);
        assertEquals("0", c[0], c[2]);
        assertEquals(utf8[1], c[1], "another user id was signed");
        String[] none = inLocale(in, Map.of(), args);
        assertEquals(utf8[1], none[1], none[2]);
        String[] all = inLocale(in, Map.of("LC_ALL", "C", "LANG", "C.UTF-8"), args);
        assertEquals("2", all[0], all[1] + all[2]);
        assertTrue(all[2].contains("LANG=C.UTF-8"), all[2]);
    }

    /** Runs the launcher with {@code args} (shell words) and only {@code locale} of the locale variables. */
    private static String[] inLocale(Install in, Map<String, String> locale, String args) throws Exception {
        ProcessBuilder pb = in.command(Map.of());
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        pb.environment().putAll(locale);
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$0\" " + args + " </dev/null"));
        cmd.add(pb.command().get(0));
        pb.command(cmd);
        Process p = pb.start();
        CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), out, err.join()};
    }

    /** The value and origin of {@code TieredStopAtLevel} that a launcher run printed (its flags on stdout). */
    private static String tieredStop(Install in, Map<String, String> env, String... args) throws Exception {
        return flag(in, env, "TieredStopAtLevel", args);
    }

    /** The value and origin of the JVM flag {@code name} that a launcher run printed (its flags on stdout). */
    private static String flag(Install in, Map<String, String> env, String name, String... args) throws Exception {
        Process p = in.command(env, args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out.lines().filter(l -> l.contains(" " + name + " ")).findFirst()
            .map(l -> l.replaceAll(".*= *([0-9a-z]+) .*\\{product\\} (\\{[^}]*\\}).*", "$1 $2"))
            .orElseThrow(() -> new AssertionError("no " + name + " in " + out));
    }

    /**
     * A dump killed (kill -9, as a reboot does) is made again by a later run: its lock does not stick (the kernel
     * releases an flock), and it is not taken for a failed dump. A node run mapping the CLI's classes says the dump
     * was made (a node run loads no picocli class since {@link NodeArgs}: {@code DistributionTest} checks that the
     * archive still holds them, for the other subcommands).
     */
    @ParameterizedTest
    @MethodSource("installs")
    void aKilledDumpIsMadeAgain(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        ProcessHandle dump = awaitDump(in);
        dump.destroyForcibly();
        dump.onExit().get(30, TimeUnit.SECONDS);
        awaitNodeMaps(in, "dev.logmesh.cli.NodeArgs", "dev.logmesh.cli.Main", "dev.logmesh.internal.store.MemoryStore");
    }

    /**
     * A node with a SQLite store, run by either launcher and killed with -9, leaves nothing in the temporary folder:
     * the launchers point sqlite-jdbc at the library shipped beside Netty's (lib/native). Before, sqlite-jdbc wrote a
     * fresh ~1 MiB copy of its library there at each start and deleted it only at a normal exit, so every node killed
     * with -9 or by the OOM killer left one for good (706 MiB of them on this machine in 37 sessions of tests).
     * Linux x86-64 with glibc only: elsewhere the launchers leave sqlite-jdbc to its own extraction.
     */
    @ParameterizedTest
    @MethodSource("installs")
    void aKilledNodeLeavesNoSqliteLibraryInTheTemporaryFolder(String kind) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/lib64/ld-linux-x86-64.so.2")), "Linux x86-64, glibc");
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        Path temp = Files.createDirectories(tmp.resolve("java-tmp"));
        Path data = tmp.resolve("data");
        try (Run r = new Run(in.command(Map.of("LOGMESH_JAVA_OPTS", "-Djava.io.tmpdir=" + temp), "node", "--name", "t",
            "--data", data.toString(), "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--json", "--key", "k"))) {
            r.awaitReady();
            assertTrue(Files.exists(data), "the node opened its store in " + data);
            assertEquals(List.of(), sqliteFiles(temp), "while the node runs");
            r.process.destroyForcibly();
            assertTrue(r.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(List.of(), sqliteFiles(temp), "after kill -9");
        }
    }

    private static List<String> sqliteFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sqlite-")).sorted().toList();
        }
    }

    static Stream<String> installs() {
        return Stream.of("dist", "dev");
    }

    /**
     * A jar that changes while the dump runs (here: its mtime set back an hour, as a copy that keeps the mtime of
     * its source does) must not leave an archive the JVM refuses at every start: later node runs map an archive.
     */
    @Test
    void aJarChangedWhileTheDumpRanIsNoLoss() throws Exception {
        Install in = dist(tmp.resolve("install"), Path.of(System.getProperty("java.home")));
        ProcessHandle dump = awaitDump(in);
        Path lib = in.launcher().getParent().getParent().resolve("lib");
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path jar : (Iterable<Path>) jars.filter(p -> p.toString().endsWith(".jar"))::iterator) {
                Files.setLastModifiedTime(jar,
                    FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 3_600_000));
            }
        }
        dump.onExit().get(60, TimeUnit.SECONDS);
        awaitNodeMaps(in, "dev.logmesh.cli.NodeArgs", "dev.logmesh.cli.Main", "dev.logmesh.internal.store.MemoryStore");
    }

    /**
     * The cache on a full filesystem (a 256 KiB tmpfs, filled, in a mount namespace of the test's): node runs
     * stop as they do without class-data sharing (exit 143, nothing on stderr). Before, the archive dumped at the
     * node's exit failed and the JVM exited 1 with a VM error.
     */
    @ParameterizedTest
    @MethodSource("jdks")
    void aFullCacheDiskChangesNothing(Path jdk) throws Exception {
        Assumptions.assumeTrue(unshareWorks(), "unshare -rm (a user and mount namespace) is not allowed here");
        Install in = dist(tmp.resolve("install"), jdk);
        Files.createDirectories(in.cache());
        for (int i = 0; i < 3; i++) {
            List<String> cmd = new ArrayList<>(List.of("unshare", "-rm", "sh", "-c",
                "mount -t tmpfs -o size=256k tmpfs \"$0\" && head -c 300000 /dev/zero > \"$0/fill\" 2>/dev/null; "
                    + "exec \"$@\"", in.cache().toString()));
            cmd.addAll(in.command(Map.of(), NODE).command());
            ProcessBuilder pb = in.command(Map.of());
            pb.command(cmd);
            try (Run r = new Run(pb)) {
                r.awaitReady();
                int code = r.stop();
                String err = r.stderr();
                assertEquals("", err, "stderr of run " + i);
                assertEquals(143, code, "exit of run " + i + "; stderr: " + err);
            }
        }
    }

    private static boolean unshareWorks() {
        try {
            Process p = new ProcessBuilder("unshare", "-rm", "true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Nodes started together, three rounds: nothing on their stderr (before: "mv: cannot stat ..." races). */
    @ParameterizedTest
    @MethodSource("installs")
    void parallelStartsAreQuiet(String kind) throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Install in = "dev".equals(kind) ? dev(tmp.resolve("checkout"), jdk) : dist(tmp.resolve("install"), jdk);
        for (int round = 0; round < 3; round++) {
            List<Run> runs = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    runs.add(new Run(in.command(Map.of(), NODE)));
                }
                for (Run r : runs) {
                    r.awaitReady();
                }
                for (Run r : runs) {
                    assertEquals(143, r.stop());
                    assertEquals("", r.stderr(), "round " + round);
                }
            } finally {
                runs.forEach(Run::close);
            }
        }
        awaitNodeMaps(in, NODE_CLASSES);
    }

    /**
     * The dumper is never a child of the node (before, the distribution's dump subshell was, and stayed a zombie
     * once done): while node runs train and map, and once the archive is made, the node has no child process.
     */
    @Test
    void theDumperIsNotAChildOfTheNode() throws Exception {
        Install in = dist(tmp.resolve("install"), Path.of(System.getProperty("java.home")));
        for (int i = 0; i < 3; i++) {
            try (Run r = new Run(in.command(Map.of(), NODE))) {
                r.awaitReady();
                long pid = r.process.pid();
                assertEquals(List.of(), children(pid), "children of the node, run " + i);
                // the dump (started by this run or the one before) ends with the node still running
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> dump(in.cache()).isEmpty());
                assertEquals(List.of(), children(pid), "children of the node once the dump is over, run " + i);
                assertEquals(143, r.stop());
            }
        }
    }
}
