package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A line on stdin far longer than any action can be (a file without line breaks, a binary piped by mistake): it is
 * refused with its number and size once it passes a bound, without holding it in memory, and the lines after it are
 * added. Before, the reader kept the whole line (and then its decoded copy) in memory: a 128 MB line ran {@code
 * logmesh add} in a 64 MB heap out of memory, a stack trace and nothing added.
 */
class StdinLongLineTest {
    @TempDir
    Path dir;

    @Test
    void aLineFarOverTheFrameLimitIsRefusedAloneWithinASmallHeap() throws Exception {
        String data = dir.resolve("n").toString();
        Process p = new ProcessBuilder(CliProcess.command(List.of("-Xmx64m"), "add", "--data", data)).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write("{\"type\":\"before\"}\n{\"type\":\"long\",\"s\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 128; i++) {
                in.write(chunk);
            }
            in.write("\"}\n{\"type\":\"after\"}\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the process died before reading all of it: the assertions below say how
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "logmesh add did not exit in 60 s");
        String stderr = err.join();
        out.join();
        assertEquals(1, p.exitValue(), stderr);
        assertTrue(stderr.contains("line 2: "), stderr);
        assertTrue(stderr.contains("added 2 action(s), 1 bad line(s)"), stderr);
        CliTest.Run log = CliTest.run("", "log", "--data", data);
        List<String> types = CliTest.lines(log.out()).stream().map(l -> l.get(0).get("type").asText()).toList();
        assertEquals(List.of("before", "after"), types);
    }

    @Test
    void aLineOfTheBoundIsReadAndOneByteMoreIsRefused() throws Exception {
        String text = "0123456789\n0123456789\r\n0123456789a\nabc\n0123456789ab\r\nlast";
        Utf8Lines lines = new Utf8Lines(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 10);
        assertEquals("0123456789", lines.next().text());
        assertEquals("0123456789", lines.next().text()); // the CR is the line end's
        Utf8Lines.Line over = lines.next();
        assertEquals(null, over.text());
        assertTrue(over.error().startsWith("a line of 11 bytes, over the limit of 10 bytes"), over.error());
        assertEquals("abc", lines.next().text());
        assertEquals(null, lines.next().text());
        assertEquals("last", lines.next().text());
        assertEquals(null, lines.next());
    }

    /**
     * The same for {@code node}'s stdin: before, the stdin thread died of the out-of-memory error (a stack trace on
     * stderr) and the node went on without reading stdin: the line after it was never added.
     */
    @Test
    void aNodeGoesOnReadingStdinAfterALineFarOverTheLimit() throws Exception {
        try (CliProcess.Running node = new CliProcess.Running(List.of("-Xmx64m"), "node", "--memory", "--no-mdns",
            "--host", "127.0.0.1", "--port", "0", "--json")) {
            assertTrue(node.lineWith("\"event\":\"ready\"") != null);
            OutputStream in = node.process.getOutputStream();
            in.write("{\"type\":\"long\",\"s\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 32; i++) {
                in.write(chunk);
            }
            in.write("\"}\n{\"type\":\"after\"}\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            // read on another thread, so that a node that prints nothing more fails the test instead of hanging it
            CompletableFuture<String> error = CompletableFuture.supplyAsync(() -> line(node, "\"event\":\"error\""));
            String e = error.completeOnTimeout(null, 60, TimeUnit.SECONDS).join();
            assertTrue(e != null && e.contains("stdin line 1: a line of 33554454 bytes, over the limit"),
                e + "; stderr: " + (e == null ? node.stop() : ""));
            CompletableFuture<String> after = CompletableFuture.supplyAsync(() -> line(node, "\"type\":\"after\""));
            assertTrue(after.completeOnTimeout(null, 60, TimeUnit.SECONDS).join() != null,
                "no add event of the line after it; stderr: " + node.stop());
        }
    }

    private static String line(CliProcess.Running node, String text) {
        try {
            return node.lineWith(text);
        } catch (IOException e) {
            return null;
        }
    }
}
