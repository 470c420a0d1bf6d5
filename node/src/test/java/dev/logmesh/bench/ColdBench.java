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
 *
 * <p>It starts as the command line does (and as docs/embedding.md, "Start-up time", tells an application to): SLF4J's
 * provider, Netty's logger and the JDK's selector provider named, so that none of them looks through every jar of the
 * class path at start (the CLI's {@code Main} names the first and the last; Netty logs through its slf4j-simple); a
 * property given on the command line wins. {@code scripts/bench-cold} also gives it the launcher's
 * {@code java.library.path}, where Netty finds its epoll library as a file instead of extracting it.
 *
 * <p>With {@code -Dcoldbench.alloc=true} (not for timing: the first entry then loads the management classes) it
 * also prints, on stderr after that line, the heap bytes the threads alive at the end allocated from the first entry
 * to the last, in all and per entry (JDK's {@code com.sun.management.ThreadMXBean}), and the CPU time of the node's
 * threads from their start.
 */
public final class ColdBench {
    private ColdBench() {
    }

    public static void main(String[] args) throws Exception {
        startAsTheCliDoes();
        URI url = URI.create(args[0]);
        long n = Long.parseLong(args[1]);
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong count = new AtomicLong();
        MeshNode b = MeshNode.start(NodeConfig.builder().name("bench-cold").mdns(false).host("127.0.0.1").port(0)
            .maxFrameBytes(16 << 20).memory().noListen().peer(url).build());
        boolean alloc = Boolean.getBoolean("coldbench.alloc");
        AtomicLong atFirst = new AtomicLong();
        b.subscribe(e -> true, e -> {
            long c = count.incrementAndGet();
            if (alloc && c == 1) {
                atFirst.set(allocatedBytes());
            }
            if (c == n) {
                done.countDown();
            }
        });
        boolean ok = done.await(300, TimeUnit.SECONDS);
        System.out.println("{\"ok\":" + ok + ",\"received\":" + count.get() + "}");
        System.out.flush();
        if (alloc) {
            // heap bytes allocated by the threads alive now (the loop and I/O threads of the catch-up; threads that
            // ended are not counted), from the first entry to the last, per entry after the first
            long bytes = allocatedBytes() - atFirst.get();
            System.err.println("{\"allocatedBytes\":" + bytes + ",\"bytesPerEntry\":" + bytes / Math.max(1, n - 1)
                + ",\"loopCpuMs\":" + loopCpuNanos() / 1_000_000 + "}");
        }
        // no orderly close (the figure ends at the last entry); exit, not halt: a class-data-sharing archive
        // asked for with -XX:ArchiveClassesAtExit is written at exit, and halt skips it
        System.exit(ok ? 0 : 1);
    }

    /**
     * The system properties the command line's {@code Main} sets before its first logger, each only when not set:
     * SLF4J's provider named (no binding here, so its no-operation one; unnamed, SLF4J looks for providers in every
     * jar, and finding none looks through them all again for an old binding), Netty's logger (SLF4J's, so its
     * messages go where logmesh's go; unnamed, with no SLF4J binding it looks for two others in every jar, then takes
     * the JDK's logging, whose start scans every jar once more), and on Linux the JDK's own selector provider (unnamed,
     * {@code SelectorProvider.provider()} looks for one in every jar). An application with an SLF4J binding names
     * that binding's provider, and Netty then logs through SLF4J.
     */
    private static void startAsTheCliDoes() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN"); // its note that it loads the named one
            }
        }
        // Netty's logging: with SLF4J's no-operation provider Netty looks for Log4j 2, then Log4j, through every
        // jar (two class look-ups that fail), and takes the JDK's logging, whose start looks through every jar
        // again (java.util.logging asks for a System.LoggerFinder with a ServiceLoader: 20-45 ms, cold47); named
        // here as SLF4J, which drops Netty's messages as it drops logmesh's (no binding)
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
            io.netty.util.internal.logging.Slf4JLoggerFactory.INSTANCE);
        String selector = "java.nio.channels.spi.SelectorProvider";
        String epoll = "sun.nio.ch.EPollSelectorProvider";
        if (System.getProperty(selector) == null && "Linux".equals(System.getProperty("os.name"))) {
            try {
                Class.forName(epoll, false, null);
                System.setProperty(selector, epoll);
            } catch (ClassNotFoundException | LinkageError e) {
                // not this JDK's: the JDK's own look-up then
            }
        }
    }

    /** CPU time of the node's threads (named {@code logmesh-...}: its loop, which is also its I/O thread), in ns. */
    private static long loopCpuNanos() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("logmesh")) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
