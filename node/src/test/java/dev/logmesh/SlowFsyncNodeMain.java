package dev.logmesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The node process of {@link SlowFsyncProcessTest}: a node named {@code slow} that keeps its log in SQLite under the
 * directory given (as the CLI does with {@code --data}), on 127.0.0.1 without mDNS. It prints {@code ready <url>}
 * once it listens, runs until its standard input ends, then closes. Around its serving time it appends the lines
 * {@code --- serving} and {@code --- closing} to the shim's log (the file named by {@code SLOWFSYNC_LOG}), so that the
 * test can tell the flushes of the opening and the clean close from those made while it served peers.
 */
public final class SlowFsyncNodeMain {
    private SlowFsyncNodeMain() {
    }

    /** {@code args[0]}: the data directory. */
    public static void main(String[] args) throws IOException {
        Path data = Path.of(args[0]);
        String log = System.getenv("SLOWFSYNC_LOG");
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("slow").dataDir(data).host("127.0.0.1")
                .port(0).mdns(false).ping(500, 8_000).build())) {
            mark(log, "--- serving\n");
            System.out.println("ready " + node.url());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the test closes our standard input
            }
            mark(log, "--- closing\n");
        }
        System.out.println("closed");
        System.out.flush();
    }

    private static void mark(String log, String line) throws IOException {
        if (log != null) {
            Files.writeString(Path.of(log), line, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        }
    }
}
