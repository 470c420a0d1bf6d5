package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real-network end-to-end scenarios of {@code scripts/test-netns.sh}: nodes in network namespaces
 * that find each other by mDNS only (a 3-host chain, a 5-host line, a partition that heals). The script
 * needs root and {@code ip netns}: elsewhere it reports SKIPPED and this test is skipped with its reason,
 * except with {@code LOGMESH_REQUIRE_ALL=1} (CI), where the script fails instead. The nodes run from this
 * build's class path.
 */
@Tag("slow")
class NetnsEndToEndTest {

    @Test
    void chainLineAndPartitionOverMdnsInNamespaces() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/test-netns.sh");
        Path log = Files.createTempFile("netns-e2e", ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        pb.environment().put("LOGMESH_CLASSPATH", classPath());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(400, TimeUnit.SECONDS), "test-netns.sh did not finish in 400 s");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Assumptions.assumeFalse(out.startsWith("SKIPPED"), out.strip());
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("netns: 3 passed, 0 failed"), out);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /**
     * The bounded-degree overlay on a real LAN, the bounded version of {@code scripts/test-netns-overlay.sh}: 8 nodes
     * (separate JVMs, -Xmx96m) that find each other by mDNS only hold at most maxActive + maxPendingSessions
     * sessions each, 200 actions from random nodes reach all 8 exactly once in the same order, 2 are killed and
     * the rest stay connected and converge; a node under forged mDNS announcements of 3,000 nodes keeps its
     * sockets, threads and heap under the script's bounds and syncs.
     */
    @Test
    void overlayOnALanAndUnderForgedAnnouncementsInNamespaces() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/test-netns-overlay.sh");
        Path log = Files.createTempFile("netns-overlay", ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "-n", "8", "-a", "200", "-k", "2")
            .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LOGMESH_CLASSPATH", classPath());
        pb.environment().put("LOGMESH_NETNS_TIMEOUT", "780");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(800, TimeUnit.SECONDS), "test-netns-overlay.sh did not finish in 800 s");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Assumptions.assumeFalse(out.startsWith("SKIPPED"), out.strip());
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("netns overlay: 2 passed, 0 failed"), out);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /** The class path of this JVM, expanded from surefire's manifest-only jar if that is what it is. */
    private static String classPath() throws Exception {
        String cp = System.getProperty("java.class.path");
        String[] parts = cp.split(File.pathSeparator, -1);
        if (parts.length == 1 && parts[0].endsWith(".jar")) {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(parts[0])) {
                String manifestCp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                if (manifestCp != null) {
                    StringBuilder sb = new StringBuilder();
                    for (String u : manifestCp.split(" ", -1)) {
                        if (!u.isBlank()) {
                            if (sb.length() > 0) {
                                sb.append(File.pathSeparator);
                            }
                            sb.append(new File(new java.net.URI(u)).getPath());
                        }
                    }
                    return sb.toString();
                }
            }
        }
        return cp;
    }
}
