package dev.logmesh.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the tests that mount a small tmpfs of their own (a full disk, a read-only mount) share; they need root. */
public final class Tmpfs {
    private Tmpfs() {
    }

    /** Whether a tmpfs is mounted at {@code mount}, by {@code /proc/self/mounts}. */
    public static boolean isMounted(Path mount) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
            .anyMatch(l -> l.split(" ", -1)[1].equals(mount.toString()) && l.split(" ", -1)[2].equals("tmpfs"));
    }

    /**
     * Runs a command (30 s at most) and returns its output with {@code " (exit N)"} appended, or
     * {@code "<command> hung"}.
     */
    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return command[0] + " hung";
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + " (exit " + p.exitValue() + ")";
    }
}
