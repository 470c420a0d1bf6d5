package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node on its own loop that dials at start makes the digests its first connection and first entry need (the WebSocket handshake's
 * SHA-1, the reconciliation index's SHA-256) on its loop thread while the starting thread still builds the node, so
 * the JDK's security providers are set up before the node dials, not between its dial and its first entry (cold47:
 * 10-30 ms of a cold catch-up). A fresh JVM, as the first digest of a process is the one that costs; the order of
 * {@code -Xlog:class+load} is the evidence: the digest classes load before Netty's {@code Bootstrap}, which the first
 * dial loads. Before, neither was loaded by then (the handshake made SHA-1, the first entry SHA-256). A node that only
 * listens does not make them before its ready line ({@code StartupPathTest} in the CLI).
 */
class DigestsWarmAtStartTest {

    @Test
    void theDigestsAreMadeBeforeTheFirstDial() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // a port nobody listens on once closed: the dial is refused
        }
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xshare:off", "-Xlog:class+load=info:stdout:none", "-Dslf4j.internal.verbosity=ERROR",
            "-cp", System.getProperty("java.class.path"), Probe.class.getName(), "ws://127.0.0.1:" + closed))
            .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        int dial = indexOf(lines, "io.netty.bootstrap.Bootstrap ");
        int sha1 = indexOf(lines, "sun.security.provider.SHA ");
        int sha256 = indexOf(lines, "sun.security.provider.SHA2$SHA256 ");
        assertTrue(dial >= 0, "the node did not dial: " + tail(lines));
        assertTrue(sha1 >= 0 && sha1 < dial, "SHA-1 not made before the first dial (line " + sha1 + ", dial " + dial
            + ")");
        assertTrue(sha256 >= 0 && sha256 < dial, "SHA-256 not made before the first dial (line " + sha256 + ", dial "
            + dial + ")");
    }

    private static int indexOf(List<String> lines, String className) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(className)) {
                return i;
            }
        }
        return -1;
    }

    private static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /**
     * The forked JVM: starts a memory node that dials URL (its start returns once the loop has run its first tasks,
     * the dial among them), then closes it.
     */
    static final class Probe {
        private Probe() {
        }

        public static void main(String[] args) throws IOException {
            MeshNode.start(NodeConfig.builder().name("warm").mdns(false).memory().noListen()
                .peer(URI.create(args[0])).build()).close();
        }
    }
}
