package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.testkit.CapturedLogs;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * embed22's trial: a subscriber that throws on every entry logged a stack trace per entry (a catch-up of 100,000
 * entries through it: 100,000 traces). Now the first failure is logged with its trace, a second as one line, and the
 * rest are counted until {@link MeshNode.FailureLog#QUIET_NANOS} has passed, then said with the next one logged.
 */
class SubscriberFailureLogTest {
    /** A subscriber with a name to find in the log. */
    record Failing(String name, AtomicInteger calls) implements Consumer<Entry> {
        @Override
        public void accept(Entry e) {
            calls.incrementAndGet();
            throw new IllegalStateException("app bug #" + calls.get());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void aSubscriberFailingOnEveryEntryIsLoggedTwiceNotPerEntry() throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        Failing sub = new Failing("flooding-subscriber-22", new AtomicInteger());
        try (CapturedLogs.Tally errors = CapturedLogs.tally(Level.ERROR, "flooding-subscriber-22");
             MeshNode node = MeshNode.start(NodeConfig.builder().name("app").memory().mdns(false).noListen().build())) {
            node.subscribe(e -> true, sub);
            for (int i = 0; i < 200; i++) {
                node.add(Action.ofType("x")).get(10, TimeUnit.SECONDS); // failed 200 times before: one trace each
            }
            node.add(Action.ofType("last")).get(10, TimeUnit.SECONDS);
            assertEquals(201, sub.calls().get(), "the subscriber got every entry");
            assertEquals(2, errors.count(), "the first failure and one line for the rest");
        }
    }

    @Test
    void afterTheQuietTimeTheNextFailureIsLoggedWithTheCountNotLogged() {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        AtomicLong now = new AtomicLong(0);
        MeshNode.FailureLog log = new MeshNode.FailureLog("quiet-subscriber-22", now::get);
        Entry e = new Entry(Action.ofType("x"), Meta.of(ActionId.of(1, "a", 0), 1, java.util.List.of()));
        try (CapturedLogs.Tally all = CapturedLogs.tally(Level.ERROR, "quiet-subscriber-22");
             CapturedLogs.Tally counted = CapturedLogs.tally(Level.ERROR, "quiet-subscriber-22",
                 "9 failure(s) since the last one logged")) {
            for (int i = 0; i < 10; i++) {
                log.failed(e, new IllegalStateException("bug"));
                now.addAndGet(1_000_000_000L);
            }
            assertEquals(2, all.count());
            now.addAndGet(MeshNode.FailureLog.QUIET_NANOS);
            log.failed(e, new IllegalStateException("bug"));
            assertEquals(3, all.count());
            assertEquals(1, counted.count(), "the next one logged says how many were not");
        }
    }
}
