package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code logmesh node} whose stdout cannot be written: a full disk ({@code logmesh node --json > events.ndjson}, here
 * {@code /dev/full}) or a reader that went away ({@code logmesh node | head -1}). Before, {@code System.out} kept the
 * error to itself and the node ran on, every event dropped unseen (its help says none ever is). Now it says so on
 * stderr and stops with exit status 1.
 */
class NodeStdoutErrorTest {
    private static final String[] NODE = {"node", "--memory", "--no-mdns", "--host", "127.0.0.1", "--port", "0",
        "--json"};


    @Test
    void aFullDiskStopsTheNode() throws Exception {
        Process p = new ProcessBuilder(CliProcess.command(NODE)).redirectOutput(new File("/dev/full")).start();
        try {
            CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the node ran on with its stdout full");
            assertEquals(1, p.exitValue(), err.join());
            assertTrue(err.join().contains("cannot write stdout"), err.join());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aReaderThatGoesAwayStopsTheNode() throws Exception {
        Process p = new ProcessBuilder(CliProcess.command(NODE)).start();
        try {
            CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                String ready = out.readLine();
                assertTrue(ready != null && ready.contains("\"ready\""), ready + err.getNow(""));
            } // as head -1: the pipe's read end closes
            OutputStream in = p.getOutputStream();
            in.write("{\"type\":\"after\"}\n".getBytes(StandardCharsets.UTF_8)); // an event to print
            in.flush();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the node ran on with nobody reading its stdout");
            assertEquals(1, p.exitValue(), err.join());
            assertTrue(err.join().contains("cannot write stdout"), err.join());
        } finally {
            p.destroyForcibly();
        }
    }
}
