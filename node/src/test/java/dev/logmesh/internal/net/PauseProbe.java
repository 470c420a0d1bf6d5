package dev.logmesh.internal.net;

import dev.logmesh.testkit.CapturedLogs;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Run in a JVM of its own by {@link ProcessPauseWarningTest}: a loop runs one task that keeps the CPU busy (never
 * blocks) until a line comes on stdin; prints {@code busy} when the task runs, then, after the loop has closed,
 * every WARN line the node's code logged, one per line, prefixed {@code WARN }.
 */
final class PauseProbe {
    private PauseProbe() {
    }

    private static volatile boolean ended;

    public static void main(String[] args) throws IOException, InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        try (SystemLoop loop = new SystemLoop("pause-probe")) {
            loop.execute(() -> {
                System.out.println("busy");
                System.out.flush();
                long spins = 0;
                while (!ended) {
                    spins++; // busy, not blocked: the node's own kind of long task, cut short by the test
                    Thread.onSpinWait();
                }
                if (spins < 0) {
                    System.out.println(spins);
                }
                done.countDown();
            });
            System.in.read();
            ended = true;
            if (!done.await(30, TimeUnit.SECONDS)) {
                System.out.println("the task did not end");
            }
            // the loop thread says a slow task after it returns: give it its turn before closing
            CountDownLatch after = new CountDownLatch(1);
            loop.execute(after::countDown);
            after.await(30, TimeUnit.SECONDS);
        }
        for (CapturedLogs.Event e : CapturedLogs.events()) {
            if (e.level() == org.slf4j.event.Level.WARN) {
                System.out.println("WARN " + e.message());
            }
        }
    }
}
