package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start/stop cycles leave no thread behind (JmDNS's "State.Timer" thread is not a daemon, so a
 * leak would also keep a JVM alive). JmDNS bound to 127.0.0.1 only, on the test mDNS port.
 *
 * <p>A JmDNS close takes two seconds (its goodbye sequence), so 50 sequential cycles would take
 * 100 s: the cycles run {@value #CONCURRENT} at a time, which also exercises concurrent starts and
 * closes.
 */
@Tag("slow")
class MdnsThreadLeakTest {

    private static final Logger LOG = LoggerFactory.getLogger(MdnsThreadLeakTest.class);
    private static final int CYCLES = 50;
    private static final int CONCURRENT = 10;

    @BeforeAll
    static void checkIsolation() {
        assertEquals("15353", System.getProperty("net.mdns.port"),
                "tests must not use the real mDNS port; run through Maven (see discovery/pom.xml)");
    }

    /** Live threads of JmDNS and of this library, by name. */
    private static Map<String, Integer> discoveryThreads() {
        Map<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && (n.contains("JmDNS") || n.startsWith("SocketListener(")
                    || n.startsWith("logmesh-"))) {
                names.merge(n, 1, Integer::sum);
            }
        }
        return names;
    }

    /**
     * Names of the live threads of the JVM but those the JDK starts and keeps on its own (the common
     * fork-join pool's workers idle for a minute; the attach listener answers a jstack).
     */
    private static java.util.List<String> otherThreads() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && !n.startsWith("ForkJoinPool.commonPool-worker") && !n.equals("Attach Listener")) {
                names.add(n);
            }
        }
        java.util.Collections.sort(names);
        return names;
    }

    @Test
    void fiftyStartStopCyclesLeaveNoThreads() throws Exception {
        String mesh = "leak-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Integer> before = discoveryThreads();
        int totalBefore = Thread.activeCount();
        java.util.List<String> othersBefore = otherThreads();
        int jvmBefore = java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount();
        AtomicInteger maxDuring = new AtomicInteger();
        AtomicInteger cycle = new AtomicInteger();
        CyclicBarrier allStarted = new CyclicBarrier(CONCURRENT,
                () -> maxDuring.accumulateAndGet(discoveryThreads().values().stream()
                        .mapToInt(Integer::intValue).sum(), Math::max));
        long t0 = System.nanoTime();
        List<Long> closeMillis = new java.util.concurrent.CopyOnWriteArrayList<>();

        // the test's own workers: a pool's worker is still alive for a moment after awaitTermination
        // returns (the pool terminates once each worker has left its loop, before its thread ends), so
        // they are joined before the JVM's threads are compared
        List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENT, r -> {
            Thread t = new Thread(r, "leak-test-worker-" + workers.size());
            workers.add(t);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int worker = 0; worker < CONCURRENT; worker++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < CYCLES / CONCURRENT; i++) {
                        MdnsDiscovery d = MdnsDiscovery.builder(
                                        Announcement.of("cycle-" + cycle.incrementAndGet(), mesh, 5, 7100 + i))
                                .addInterface("127.0.0.1")
                                .cacheCleanInterval(Duration.ofMillis(250))
                                .build();
                        d.start(new RecordingListener());
                        allStarted.await(60, TimeUnit.SECONDS); // all ten alive at once: threads counted
                        long c0 = System.nanoTime();
                        d.close();
                        closeMillis.add((System.nanoTime() - c0) / 1_000_000);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
            for (Thread t : workers) {
                t.join(TimeUnit.MINUTES.toMillis(1));
            }
        }
        long elapsed = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(CYCLES, cycle.get());
        // the test can fail: while running, each discovery had its own JmDNS threads (socket listener,
        // two timers; the callback and JmDNS pool threads start lazily, with the first event)
        assertTrue(maxDuring.get() >= CONCURRENT * 3,
                "expected at least 3 JmDNS threads per running discovery, saw " + maxDuring.get());
        // close() waits for every thread: none may be left, without waiting here
        assertEquals(before, discoveryThreads());
        LOG.info("{} cycles ({} at a time) in {} ms; close took {}..{} ms; up to {} discovery threads "
                        + "at once; threads in main group before {} after {}; in the JVM before {} after {}",
                CYCLES, CONCURRENT, elapsed,
                closeMillis.stream().mapToLong(Long::longValue).min().orElse(-1),
                closeMillis.stream().mapToLong(Long::longValue).max().orElse(-1), maxDuring.get(),
                totalBefore, Thread.activeCount(), jvmBefore,
                java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount());
        assertEquals(othersBefore, otherThreads(), "the JVM's threads, but the JDK's own pools");
    }
}
