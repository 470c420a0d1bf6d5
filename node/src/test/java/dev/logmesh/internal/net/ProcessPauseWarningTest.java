package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A node whose process is stopped (SIGSTOP, a suspended VM, a long collection) while its loop runs a task must not
 * blame the application for the time. Before (break37, a CLI node stopped with SIGSTOP for 25 s): "one task held the
 * node loop ... for 25012 ms ... A subscriber, listener, answerer, state reducer or hook must not block (sleep,
 * I/O, a lock, waiting for another thread)", though no application code ran at all.
 */
class ProcessPauseWarningTest {

    @Test
    void aProcessStoppedInATaskIsSaidAsAPauseNotBlamedOnTheApplication() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/kill")), "needs /bin/kill to send SIGSTOP and SIGCONT");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dslf4j.provider=dev.logmesh.testkit.CapturedLogs", "-cp", System.getProperty("java.class.path"),
            PauseProbe.class.getName())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream in = p.getOutputStream()) {
            assertEquals("busy", out.readLine());
            String pid = Long.toString(p.pid());
            signal("-STOP", pid);
            try {
                // the fault itself: the process stays stopped this long (longer than a slow task's 2 s), whatever
                // the test's JVM does meanwhile; nothing to wait for but the time
                Thread.sleep(SystemLoop.SLOW_TASK_MILLIS + 1_500);
            } finally {
                signal("-CONT", pid);
            }
            in.write('\n');
            in.flush();
            String said = out.lines().collect(Collectors.joining("\n"));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), said);
            assertTrue(!said.contains("must not block"), said);
            assertTrue(said.contains("WARN this process did not run for about"), said);
            assertEquals(1, said.split("did not run", -1).length - 1, "said once: " + said);
        } finally {
            p.destroyForcibly();
        }
    }

    private static void signal(String which, String pid) throws Exception {
        Process k = new ProcessBuilder("/bin/kill", which, pid).inheritIO().start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0, "kill " + which + " " + pid);
    }
}
