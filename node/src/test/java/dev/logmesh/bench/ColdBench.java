package dev.logmesh.bench;

import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The logmesh dialer of {@code scripts/bench-cold} (a benchmark, not a test): a fresh process that embeds a
 * memory-store node, dials URL once and pulls N actions, as an app meets a mesh at start. Prints one JSON line
 * when its log holds N and exits at once, so the caller times process start to the last entry committed.
 *
 * <pre>
 *   ColdBench URL N
 * </pre>
 */
public final class ColdBench {
    private ColdBench() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        long n = Long.parseLong(args[1]);
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong count = new AtomicLong();
        MeshNode b = MeshNode.start(NodeConfig.builder().name("bench-cold").mdns(false).host("127.0.0.1").port(0)
            .maxFrameBytes(16 << 20).memory().noListen().peer(url).build());
        b.subscribe(e -> true, e -> {
            if (count.incrementAndGet() == n) {
                done.countDown();
            }
        });
        boolean ok = done.await(300, TimeUnit.SECONDS);
        System.out.println("{\"ok\":" + ok + ",\"received\":" + count.get() + "}");
        System.out.flush();
        // no orderly close (the figure ends at the last entry); exit, not halt: a class-data-sharing archive
        // asked for with -XX:ArchiveClassesAtExit is written at exit, and halt skips it
        System.exit(ok ? 0 : 1);
    }
}
