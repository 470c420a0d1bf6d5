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

    /**
     * A tmpfs of its own for each test of a class ({@code @RegisterExtension final Tmpfs.Mount tmpfs = new
     * Tmpfs.Mount(3, "the full-disk test")}): mounted in a new temporary directory before each test ({@link
     * #mountOrSkip}: skipped without root), unmounted and removed after it, after the class's own
     * {@code @AfterEach} methods.
     */
    public static final class Mount implements org.junit.jupiter.api.extension.BeforeEachCallback,
        org.junit.jupiter.api.extension.AfterEachCallback {
        private final int mib;
        private final String what;
        private Path dir;
        private Path path;

        /**
         * @param mib  the tmpfs's size, MiB
         * @param what the test's name in the skip message
         */
        public Mount(int mib, String what) {
            this.mib = mib;
            this.what = what;
        }

        /** Where the tmpfs is mounted for the running test. */
        public Path path() {
            if (path == null) {
                throw new IllegalStateException("no tmpfs mounted (outside a test?)");
            }
            return path;
        }

        @Override
        public void beforeEach(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
            dir = Files.createTempDirectory("logmesh-tmpfs");
            mountOrSkip(dir, mib, what);
            path = dir;
        }

        @Override
        public void afterEach(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
            unmount(path);
            path = null;
            if (dir != null && !isMounted(dir)) {
                try (var files = Files.walk(dir)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
            dir = null;
        }
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

    /**
     * Mounts a tmpfs of {@code mib} MiB at {@code mount} (an existing directory), or skips the test ({@link
     * org.junit.jupiter.api.Assumptions#abort}) when it cannot (not root, no mount), failing it instead under {@code
     * LOGMESH_REQUIRE_ALL=1} (CI).
     *
     * @param what the test's name in the skip message
     */
    public static void mountOrSkip(Path mount, int mib, String what) throws IOException, InterruptedException {
        String why = null;
        String uid = run("id", "-u");
        if (!uid.startsWith("0\n")) {
            why = "not root (id -u: " + uid.strip() + "): cannot mount a tmpfs";
        } else {
            String out = run("mount", "-t", "tmpfs", "-o", "size=" + mib + "m", "tmpfs", mount.toString());
            if (!isMounted(mount)) {
                why = "mount -t tmpfs failed: " + out.strip();
            }
        }
        if (why != null) {
            if ("1".equals(System.getenv("LOGMESH_REQUIRE_ALL"))) {
                org.junit.jupiter.api.Assertions.fail("LOGMESH_REQUIRE_ALL=1 and " + what + " cannot run: " + why);
            }
            org.junit.jupiter.api.Assumptions.abort(what + " skipped: " + why);
        }
    }

    /** Unmounts what {@link #mountOrSkip} mounted (lazily if it is busy); nothing for null. */
    public static void unmount(Path mount) throws IOException, InterruptedException {
        if (mount != null && !run("umount", mount.toString()).endsWith("(exit 0)")) {
            run("umount", "-l", mount.toString());
        }
    }

    /**
     * Writes 4 KiB blocks of zeros to {@code filler} (created or appended to) until the file system has no room for
     * another: a full disk for the test. A block that fits only in part is left so. On the test's thread.
     */
    public static void fill(Path filler) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(filler.toFile(), "rw")) {
            f.seek(f.length());
            byte[] block = new byte[4096];
            while (true) {
                try {
                    f.write(block);
                } catch (IOException full) {
                    return; // ENOSPC, or no room for a whole block: what is wanted
                }
            }
        }
    }
}
