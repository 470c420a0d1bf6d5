package dev.logmesh.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The command line run as a process from this build's class path, as a user runs it. */
final class CliProcess {
    record Result(int code, String out, String err) {
    }

    private CliProcess() {
    }

    static List<String> command(String... args) {
        return command(List.of(), args);
    }

    /** The command with options for the JVM ({@code jvmOptions}) before the class path. */
    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // as the launchers: Netty's epoll library from cli/target/native (unpack-native), not extracted at start
        Path nativeDir = Path.of("target", "native").toAbsolutePath();
        cmd.add("-Djava.library.path=" + nativeDir);
        // and SQLite's where it is this machine's (the launchers' test): not a copy in /tmp per killed process
        if (java.nio.file.Files.exists(Path.of("/lib64/ld-linux-x86-64.so.2"))
            && java.nio.file.Files.isRegularFile(nativeDir.resolve("libsqlitejdbc.so"))) {
            cmd.add("-Dorg.sqlite.lib.path=" + nativeDir);
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.logmesh.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Reads {@code in} to its end on another thread, as UTF-8 (empty if reading fails). */
    static java.util.concurrent.CompletableFuture<String> readAll(java.io.InputStream in) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** Runs to the end with {@code stdin} as input (at most 60 s). */
    static Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(args)).start();
        try {
            p.getOutputStream().write(stdin);
            p.getOutputStream().close();
            // outputs are small: read after exit would risk a full pipe only for large outputs
            java.util.concurrent.CompletableFuture<String> out = read(p.getInputStream());
            java.util.concurrent.CompletableFuture<String> err = read(p.getErrorStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("logmesh " + String.join(" ", args) + " did not exit in 60 s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } finally {
            p.destroyForcibly();
        }
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(new byte[0], args);
    }

    private static java.util.concurrent.CompletableFuture<String> read(java.io.InputStream in) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** A node running until {@link #close()}: stdout lines are read as they come. */
    static final class Running implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        /**
         * Stderr as read so far, by a thread of its own: {@link Process#destroy} closes the streams, so a read of
         * stderr to its end after it lost what had come (it came back empty).
         */
        private final StringBuilder errText = new StringBuilder(); // guarded by itself
        private final Thread errReader;

        Running(String... args) throws IOException {
            this(List.of(), args);
        }

        /** A node whose JVM runs with {@code jvmOptions}. */
        Running(List<String> jvmOptions, String... args) throws IOException {
            process = new ProcessBuilder(command(jvmOptions, args)).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            errReader = new Thread(() -> {
                try (java.io.Reader r = new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)) {
                    char[] buf = new char[4096];
                    int n;
                    while ((n = r.read(buf)) > 0) {
                        synchronized (errText) {
                            errText.append(buf, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // closed by destroy: what came before is kept
                }
            }, "cli-stderr");
            errReader.setDaemon(true);
            errReader.start();
        }

        /** What the node wrote on stderr so far. */
        String err() {
            synchronized (errText) {
                return errText.toString();
            }
        }

        /** The next stdout line that contains {@code text} (null at the end of the output). */
        String lineWith(String text) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.contains(text)) {
                    return line;
                }
            }
            return null;
        }

        /** Stops the node (SIGTERM) and returns what it wrote on stderr. */
        String stop() {
            process.destroy();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
            try {
                errReader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return err();
        }

        @Override
        public void close() {
            stop();
        }
    }
}
