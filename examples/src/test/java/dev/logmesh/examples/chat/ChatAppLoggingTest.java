package dev.logmesh.examples.chat;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A new user's trial (session 20): the examples' programs ran without an SLF4J binding, so SLF4J printed "No SLF4J
 * providers were found" and dropped every message of the node: {@code ChatApp --peer ws://127.0.0.1:PORT} to a port
 * where nothing listens said nothing at all, for as long as it ran. The examples now bring {@code slf4j-simple} at
 * runtime (copied to {@code examples/target/lib} with the rest of their class path). This runs {@code ChatApp} as
 * its README does, a process of its own, on the module's class path.
 */
class ChatAppLoggingTest {
    @Test
    void aPeerThatCannotBeReachedIsSaidOnStderr() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed again: nothing listens there (for the few seconds of the test)
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChatApp.class.getName(),
            "--name", "carol", "--host", "127.0.0.1", "--peer", "ws://127.0.0.1:" + port, "--no-mdns")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream(); // its methods are synchronized
        Thread reader = drain(p.getErrorStream(), stderr);
        Supplier<String> err = () -> stderr.toString(StandardCharsets.UTF_8);
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertTrue(
                err.get().contains("cannot reach peer ws://127.0.0.1:" + port),
                "stderr (" + (p.isAlive() ? "running" : "ended") + "): " + err.get()));
        } finally {
            try (OutputStream in = p.getOutputStream()) {
                in.write("/quit\n".getBytes(StandardCharsets.UTF_8)); // leaves as a user does
            } catch (IOException gone) {
                // it ended already
            }
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            reader.join(5_000);
        }
        assertFalse(List.of(err.get().split("\n")).stream().anyMatch(l -> l.startsWith("SLF4J")), err);
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream into) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    into.write(buf, 0, n);
                }
            } catch (IOException ended) {
                // the process ended
            }
        }, "chat-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
