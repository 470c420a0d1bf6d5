package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The pause and resume hooks ({@link Ndjson#backpressure}) end in the state of the queue, whichever thread runs its
 * hook first. Before (session 35), the thread that filled the queue ran the pause hook after leaving the queue's
 * lock: when the writer emptied the queue and ran the resume hook in between, the pause came last and stayed, the
 * queue empty: a {@code logmesh node} stopped receiving for good (every session timed out, new ones never got past
 * their handshake), found in a trial of a 700,000-action catch-up on a loaded 2-core machine.
 */
class NdjsonPauseRaceTest {
    @Test
    void aPauseThatComesAfterTheWritersResumeIsUndone() throws Exception {
        StdoutBackpressureTest.StalledOutput held = new StdoutBackpressureTest.StalledOutput();
        AtomicBoolean paused = new AtomicBoolean();
        AtomicInteger pauses = new AtomicInteger();
        try (Ndjson out = new Ndjson(new PrintStream(held, false, StandardCharsets.UTF_8), false, true, 1 << 20, 4)) {
            out.backpressure(() -> {
                if (pauses.getAndIncrement() == 0) {
                    // the thread that filled the queue is descheduled here, and the writer empties the queue meanwhile
                    held.open.countDown();
                    await().atMost(Duration.ofSeconds(10)).until(() -> out.queuedBytes() == 0);
                }
                paused.set(true);
            }, () -> paused.set(false));
            out.line("first");
            assertTrue(held.writing.await(10, TimeUnit.SECONDS), "the writer took the first line");
            for (int i = 0; i < 5; i++) {
                out.line("line " + i); // the fifth waiting line fills the queue (bound: 4 lines)
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertFalse(paused.get(),
                "the node receives again once the queue is empty"));
            assertTrue(pauses.get() >= 1, "the queue was full once");
        }
    }
}
