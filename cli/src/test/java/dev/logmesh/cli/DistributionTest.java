package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user installs it: {@code target/logmesh-VERSION.tar.gz} unpacked, {@code bin/logmesh node}
 * run twice, the two nodes sync. Runs in the {@code package} phase (after the assembly); run alone with
 * {@code mvn -o -pl cli -am package -Dtest=DistributionTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class DistributionTest {
    static Path home;

    @TempDir
    static Path unpacked;

    @BeforeAll
    static void unpack() throws Exception {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        Path archive;
        try (Stream<Path> files = Files.list(target)) {
            archive = files.filter(p -> p.getFileName().toString().matches("logmesh-[0-9].*\\.tar\\.gz"))
                .findFirst().orElse(null);
        }
        if (archive == null && !"1".equals(System.getenv("LOGMESH_REQUIRE_ALL"))) {
            Assumptions.abort("no target/logmesh-*.tar.gz: the distribution is made by mvn package");
        }
        assertNotNull(archive, "target/logmesh-*.tar.gz");
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", unpacked.toString())
            .inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tar.exitValue());
        String dir = archive.getFileName().toString().replace(".tar.gz", "");
        home = unpacked.resolve(dir);
    }

    /**
     * The distribution's {@code bin/logmesh} with these arguments, on this JVM's JDK, its class-data archive in a
     * cache folder of the test's (not the user's {@code ~/.cache}).
     */
    static ProcessBuilder launcher(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/logmesh").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("XDG_CACHE_HOME", unpacked.resolve("cache").toString());
        pb.environment().remove("LOGMESH_JAVA_OPTS");
        pb.environment().remove("LOGMESH_CDS");
        return pb;
    }

    /** A process of the distribution's launcher, its stdout lines read as they come. */
    static final class Launched implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final java.util.concurrent.CompletableFuture<String> err;

        Launched(String... args) throws IOException {
            process = launcher(args).start();
            pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), lines);
            err = stderrOf(process);
        }

        /** All that {@code process} writes on stderr, read on a daemon thread, once the stream ends. */
        static java.util.concurrent.CompletableFuture<String> stderrOf(Process process) {
            java.util.concurrent.CompletableFuture<String> err = new java.util.concurrent.CompletableFuture<>();
            Thread e = new Thread(() -> {
                try {
                    err.complete(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    err.complete("");
                }
            });
            e.setDaemon(true);
            e.start();
            return err;
        }

        private static void pump(BufferedReader in, BlockingQueue<String> to) {
            Thread t = new Thread(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        to.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        /** The first stdout line containing {@code text} within 30 s. */
        JsonNode await(String text) throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.contains(text)) {
                    return MetaJson.reader().readTree(line);
                }
                if (line == null && !process.isAlive()) {
                    break;
                }
            }
            close();
            throw new AssertionError("no line with " + text + "; stderr: " + err.getNow("(still open)"));
        }

        void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void theArchiveHoldsALauncherTheLibrariesAndAUnit() {
        assertTrue(Files.isExecutable(home.resolve("bin/logmesh")));
        assertTrue(Files.isRegularFile(home.resolve("share/logmesh.service")));
        assertTrue(Files.isRegularFile(home.resolve("README.md")));
        // the README links into docs/: the pages travel with it
        for (String page : new String[] {"running", "mesh", "embedding", "guarantees", "logux-apps"}) {
            assertTrue(Files.isRegularFile(home.resolve("docs/" + page + ".md")), page);
        }
        // loaded from java.library.path by bin/logmesh, so a start does not extract it (StartupPathTest)
        assertTrue(Files.isRegularFile(home.resolve("lib/native/libnetty_transport_native_epoll_x86_64.so")));
        // the native epoll transport's jar (Linux x86-64) travels with the classes that load it (NettyTransport)
        for (String jar : new String[] {"logmesh-cli-", "logmesh-node-", "logmesh-discovery-", "picocli-",
            "netty-transport-classes-epoll-", "netty-transport-native-epoll-"}) {
            try (Stream<Path> libs = Files.list(home.resolve("lib"))) {
                assertTrue(libs.anyMatch(p -> p.getFileName().toString().startsWith(jar)), jar + " in lib/");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Every relative link of the archive's pages leads to a file in the archive, but for those into what the README's
     * Install section names as in the source repository only (examples/, interop/, scripts/): a page added to docs/
     * and linked but not shipped fails here.
     */
    @Test
    void theArchivesPagesLinkIntoTheArchive() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
        List<String> broken = new ArrayList<>();
        List<Path> pages = new ArrayList<>(List.of(home.resolve("README.md")));
        try (Stream<Path> docs = Files.list(home.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                String to = m.group(1);
                if (to.contains("://") || to.startsWith("mailto:")) {
                    continue;
                }
                Path target = page.getParent().resolve(to).normalize();
                String inHome = home.relativize(target).toString();
                if (inHome.startsWith("examples/") || inHome.startsWith("interop/") || inHome.startsWith("scripts/")) {
                    continue;
                }
                if (!Files.exists(target)) {
                    broken.add(home.relativize(page) + " -> " + to);
                }
            }
        }
        assertEquals(List.of(), broken, "links of the archive's pages to files not in it");
        assertTrue(Files.readString(home.resolve("README.md")).contains("source repository only"),
            "the README says which of its links lead outside the archive");
    }

    /** The README's quick start, from the distribution (ports chosen by the system instead of 7001/7002). */
    @Test
    void twoNodesOfTheDistributionSync() throws Exception {
        try (Launched alice = new Launched("node", "--name", "alice", "--no-mdns", "--host", "127.0.0.1",
                 "--port", "0", "--memory", "--json")) {
            String url = alice.await("\"ready\"").get("url").asText();
            try (Launched bob = new Launched("node", "--name", "bob", "--no-mdns", "--host", "127.0.0.1",
                     "--port", "0", "--memory", "--json", "--peer", url)) {
                bob.await("\"connected\"");
                bob.send("{\"type\":\"chat/add\",\"text\":\"hello\"}");
                JsonNode add = alice.await("chat/add");
                assertEquals("hello", add.get("action").get("text").asText());
                alice.send("{\"type\":\"chat/add\",\"text\":\"hi bob\"}");
                assertEquals("hi bob", bob.await("hi bob").get("action").get("text").asText());
            }
        }
    }

    @Test
    void theCliJarRunsWithJavaDashJar() throws Exception {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        Path jar;
        try (Stream<Path> files = Files.list(target)) {
            jar = files.filter(p -> p.getFileName().toString().matches("logmesh-cli-.*\\.jar")
                && !p.getFileName().toString().endsWith("-tests.jar")).findFirst().orElseThrow();
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
            jar.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("logmesh "), out);
    }

    /** A --peer nothing answers is in {@code logmesh peers} of the running node, with its error and next dial. */
    @Test
    void anUnreachablePeerIsShownByPeers(@TempDir Path data) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String peer = "ws://127.0.0.1:" + closed;
        try (Launched node = new Launched("node", "--name", "n", "--no-mdns", "--host", "127.0.0.1", "--port", "0",
                 "--data", data.toString(), "--json", "--key", "k", "--peer", peer)) {
            node.await("\"ready\"");
            // the status file is written once a second: ask again until it lists the peer's failed dial
            String out = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> {
                    Process p = launcher("peers", "--data", data.toString(), "--json").start();
                    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    p.waitFor(20, TimeUnit.SECONDS);
                    return text;
                }, text -> text.contains("lastError"));
            JsonNode line = MetaJson.reader().readTree(out.strip().split("\n", -1)[0]);
            assertEquals(peer, line.get("node").asText(), out);
            assertEquals(peer, line.get("url").asText(), out);
            assertTrue(line.hasNonNull("lastError"), out);
            assertTrue(line.get("nextDialAt").asLong() > 0, out);
        }
    }

    /**
     * Start-up (issue 12): a {@code node} run lists the classes it loads; once it has ended, a static archive is made
     * from that list in the background (from a run that held a sync session: here two that sync; a lone node's list
     * is dumped at its third run, {@link LauncherTest}), in the user's cache (here the test's), and later runs of any
     * subcommand map
     * it (picocli's classes too: class file version 49, which only a static archive takes on JDK 17), with nothing
     * of it on stdout; {@code LOGMESH_CDS=off} turns it off. The faults of this path: {@link LauncherTest}.
     */
    @Test
    void aNodeRunMakesTheArchiveThatLaterRunsMap() throws Exception {
        Path cache = unpacked.resolve("cache").resolve("logmesh");
        try (Launched node = new Launched("node", "--name", "cds", "--no-mdns", "--host", "127.0.0.1", "--port", "0",
                 "--memory", "--json")) {
            String url = node.await("\"ready\"").get("url").asText();
            try (Launched peer = new Launched("node", "--name", "cds-peer", "--no-mdns", "--host", "127.0.0.1",
                     "--port", "0", "--memory", "--json", "--peer", url)) {
                peer.await("\"connected\"");
            }
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
            .pollInterval(java.time.Duration.ofMillis(200)).until(() -> {
                try (Stream<Path> files = Files.list(cache)) {
                    return files.anyMatch(p -> p.getFileName().toString().matches("cds-[0-9]+-[0-9]+\\.jsa"));
                }
            });
        Path loads = unpacked.resolve("class-load.txt");
        ProcessBuilder traced = launcher("--version");
        traced.environment().put("LOGMESH_JAVA_OPTS", "-Xlog:class+load=info:file=" + loads);
        String mapped = versionRun(traced);
        assertTrue(mapped.matches("logmesh [^\\n]+\\n"), "only the version on stdout: " + mapped);
        String log = Files.readString(loads);
        assertTrue(log.contains("picocli.CommandLine source: shared objects file"), "picocli from the archive");
        assertTrue(log.contains("dev.logmesh.cli.Main source: shared objects file"), "the CLI from the archive");
        // picocli's handler interfaces, which Main's handlers implement: a lambda on them (class file version 49)
        // made the dump link and leave them out, so every start looked for them in the jars one by one
        assertTrue(log.contains("picocli.CommandLine$IParameterExceptionHandler source: shared objects file"),
            "picocli's handler interfaces from the archive");
        assertTrue(log.contains("picocli.CommandLine$IExecutionExceptionHandler source: shared objects file"),
            "picocli's handler interfaces from the archive");

        ProcessBuilder off = launcher("--version");
        off.environment().put("LOGMESH_CDS", "off");
        off.environment().put("LOGMESH_JAVA_OPTS", "-Xlog:class+load=info:file=" + loads);
        versionRun(off);
        assertFalse(Files.readString(loads).contains("dev.logmesh.cli.Main source: shared objects file"),
            "LOGMESH_CDS=off: no archive");
    }

    /** Runs {@code pb} to its end (30 s at most); its stdout. */
    private static String versionRun(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
