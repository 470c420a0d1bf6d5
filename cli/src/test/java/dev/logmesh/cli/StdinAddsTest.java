package dev.logmesh.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Lines the log cannot take (a full disk) are held and added once it can, each once and in order, with one error
 * event for the outage; a line the node refuses is still its own error.
 */
class StdinAddsTest {
    @Test
    void linesAFullLogCannotTakeAreHeldAndAddedOnceInOrderWithOneEvent() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        List<Integer> added = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        ExecutorService nodeLoop = Executors.newSingleThreadExecutor();
        StdinAdds adds = new StdinAdds((action, meta) -> {
            if (full.get()) {
                // failed at once, so the reader is held before it reads line 51 (a loop that fails it later lets
                // the reader read on meanwhile: those lines are held too, but the pause below would be a race)
                return CompletableFuture.failedFuture(new StoreException("add failed on log.db: the disk is full"));
            }
            return CompletableFuture.supplyAsync(() -> {
                if (action.type().equals("bad")) {
                    throw new IllegalArgumentException("not an action");
                }
                if (full.get()) {
                    throw new StoreException("add failed on log.db: the disk is full");
                }
                added.add(action.json().get("i").asInt());
                return null;
            }, nodeLoop);
        }, errors::add, notices::add, 5);
        Thread stdin = new Thread(() -> {
            try {
                for (int i = 1; i <= 200; i++) {
                    if (i == 50) {
                        full.set(true);
                    }
                    adds.add(i, action(i == 20 ? "bad" : "t", i), null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stdin.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> errors.size() == 2);
        // in either order: line 50 fails at once on this thread, line 20 on the fake loop, maybe later (a node's
        // loop fails them in stdin's order); the held-lines event is said at the failure (session 36)
        assertTrue(errors.contains("stdin line 20: not an action"), errors.toString());
        String held = errors.stream().filter(e -> e.startsWith("the log cannot be written (add failed on log.db: "
            + "the disk is full): ")).findFirst().orElseThrow(() -> new AssertionError(errors.toString()));
        assertTrue(held.contains("not added yet"), held);
        // the reader is paused: nothing more is taken while the log is full
        assertTrue(stdin.isAlive());
        full.set(false);
        stdin.join(10_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> added.size() == 199);
        assertEquals(IntStream.rangeClosed(1, 200).filter(i -> i != 20).boxed().toList(), added);
        assertEquals(2, errors.size(), errors.toString());
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).startsWith("logmesh: the log can be written again: the "), notices.get(0));
        nodeLoop.shutdown();
    }

    /**
     * Once the log takes a held line again, the other held lines go to the node together, in order, up to
     * {@link StdinAdds#BATCH} at a time, not each after the commit of the one before it. Session 37 (ops37):
     * StdinFullDiskTest's node took up to a minute to add its held lines on a loaded machine (load 11 of 2 cores,
     * 63 s), one commit round trip after another; here the fake node completes no add by itself, so the
     * one-at-a-time retry has one add under way and no more.
     */
    @Test
    void theHeldLinesGoTogetherOnceTheLogTakesOneAgain() throws Exception {
        List<Call> calls = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        StdinAdds adds = new StdinAdds(recording(calls), errors::add, notices::add, 5, 60_000);
        Thread stdin = reading(adds, 40);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 40);
        // the disk is full: the node fails line 1 and every add behind it
        for (Call c : calls) {
            c.done().completeExceptionally(new StoreException("add failed on log.db: the disk is full"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> errors.size() == 1 && calls.size() == 41);
        assertEquals(1, calls.get(40).line(), "the first held line is tried alone while the log may still be full");
        calls.get(40).done().completeExceptionally(new StoreException("add failed on log.db: the disk is full"));
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 42);
        assertEquals(1, calls.get(41).line(), "still alone while it fails");
        calls.get(41).done().complete(null); // space is back
        // the next 32 at once, in order, none of them completed yet
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 42 + StdinAdds.BATCH);
        assertEquals(IntStream.rangeClosed(2, 33).boxed().toList(), lines(calls, 42, 74));
        // the disk fills again at line 20: the node fails it and the adds behind it, which stay held in their place
        calls.subList(42, 60).forEach(c -> c.done().complete(null));
        calls.subList(60, 74).forEach(c -> c.done().completeExceptionally(new StoreException("the disk is full")));
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 75);
        assertEquals(20, calls.get(74).line(), "the first line still held is tried alone");
        calls.get(74).done().complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 95);
        assertEquals(IntStream.rangeClosed(21, 40).boxed().toList(), lines(calls, 75, 95));
        calls.subList(75, 95).forEach(c -> c.done().complete(null));
        await().atMost(Duration.ofSeconds(10)).until(() -> notices.size() == 1);
        assertTrue(notices.get(0).startsWith("logmesh: the log can be written again: the 40 held stdin lines were "
            + "added after "), notices.get(0));
        stdin.join(10_000);
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(95, calls.size(), "each held line given again once it was the log's turn, no more");
    }

    private static List<Integer> lines(List<Call> calls, int from, int to) {
        return calls.subList(from, to).stream().map(Call::line).toList();
    }

    /**
     * An add the node never answers (a stored line whose commit never becomes durable: after a failed fsync of the
     * store no add is acknowledged any more) is said in one error event, and a stop says it may be in the log. Before
     * (session 38) the held lines waited for it without a bound and without a word (held for good, stdin never read
     * again), and a stop named it among the lines "not added": given again, it could be in the log twice.
     */
    @Test
    void anAddTheNodeNeverAnswersIsSaidAndAStopSaysItMayBeInTheLog() throws Exception {
        List<Call> calls = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        StdinAdds adds = new StdinAdds(recording(calls), errors::add, s -> { }, 5, 200);
        reading(adds, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 3);
        // line 1 is stored but never acknowledged; line 2 meets a full disk, and line 3 behind it is failed too
        calls.get(1).done().completeExceptionally(new StoreException("the disk is full"));
        calls.get(2).done().completeExceptionally(new StoreException("not added, since an add before it failed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> errors.size() == 2);
        assertTrue(errors.get(0).startsWith("the log cannot be written (the disk is full): 2 stdin lines (from line "
            + "2)"), errors.toString());
        assertEquals("stdin line 1: the node has not answered its add for 200 ms (the node acknowledges an add once "
            + "its log has made it durable; its log on stderr says why it cannot): the held stdin lines wait for that "
            + "answer, and stdin is not read meanwhile", errors.get(1));
        String said = adds.stop(100);
        assertTrue(said.startsWith("logmesh: stopped with 2 held stdin lines not added (lines 2, 3; "), said);
        assertTrue(said.endsWith("; and the node had not answered the add of stdin line 1: it may be in the log or "
            + "not (look with logmesh log before giving it again)"), said);
        assertEquals(2, errors.size(), errors.toString());

        // a held line's own add without an answer is said the same way
        List<Call> calls2 = new CopyOnWriteArrayList<>();
        List<String> errors2 = new CopyOnWriteArrayList<>();
        StdinAdds adds2 = new StdinAdds(recording(calls2), errors2::add, s -> { }, 5, 200);
        reading(adds2, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls2.size() == 1);
        calls2.get(0).done().completeExceptionally(new StoreException("the disk is full"));
        await().atMost(Duration.ofSeconds(10)).until(() -> calls2.size() == 2); // the retry, never answered
        await().atMost(Duration.ofSeconds(10)).until(() -> errors2.size() == 2);
        assertTrue(errors2.get(1).startsWith("stdin line 1: the node has not answered its add for 200 ms"),
            errors2.get(1));
        String said2 = adds2.stop(100);
        assertEquals("logmesh: stopped while the node had not answered the add of stdin line 1: it may be in the log "
            + "or not (look with logmesh log before giving it again); nothing after line 1 was read", said2);
    }

    private record Call(int line, CompletableFuture<Void> done) {
    }

    /** A fake node that records each add and completes none by itself. */
    private static StdinAdds.Adder recording(List<Call> calls) {
        return (action, meta) -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            calls.add(new Call(action.json().get("i").asInt(), f));
            return f;
        };
    }

    /** A stdin thread that gives lines 1 to {@code lines} (a daemon: it may stay held). */
    private static Thread reading(StdinAdds adds, int lines) {
        Thread stdin = new Thread(() -> {
            try {
                for (int i = 1; i <= lines; i++) {
                    adds.add(i, action("t", i), null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stdin.setDaemon(true);
        stdin.start();
        return stdin;
    }

    /**
     * A node stopped (SIGTERM) while lines are held says which were not added, and no retry that meets the closed node
     * says they were added. Before (break34) the held lines were dropped without a word: on a full tmpfs, SIGTERM with
     * 2 held lines printed nothing about them.
     */
    @Test
    void aStopWhileLinesAreHeldSaysWhichWereNotAdded() throws Exception {
        AtomicBoolean full = new AtomicBoolean(true);
        AtomicBoolean closed = new AtomicBoolean();
        List<Integer> added = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        ExecutorService nodeLoop = Executors.newSingleThreadExecutor();
        StdinAdds adds = new StdinAdds((action, meta) -> CompletableFuture.supplyAsync(() -> {
            if (closed.get()) {
                throw new IllegalStateException("node is closed");
            }
            if (full.get() && action.json().get("i").asInt() >= 4) { // the disk fills at line 4
                throw new StoreException("add failed on log.db: the disk is full");
            }
            added.add(action.json().get("i").asInt());
            return null;
        }, nodeLoop), errors::add, notices::add, 5);
        Thread stdin = new Thread(() -> {
            try {
                for (int i = 1; i <= 10; i++) {
                    adds.add(i, action("t", i), null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stdin.setDaemon(true);
        stdin.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> errors.size() == 1);
        String said = adds.stop(2_000);
        closed.set(true);
        full.set(false);
        // the lines read before the first failure came back are held too (4 to 10, or fewer): each is named
        assertTrue(said != null && said.matches("logmesh: stopped with \\d+ held stdin lines? not added \\(lines? 4[,;].*"
            + "the log could not be written: add failed on log.db: the disk is full\\); nothing after line \\d+ was read: "
            + "give (it|them) and the lines after line \\d+ to the node again"), said);
        // the retries have stopped: the closed node's refusal is no line's error, and no notice says they were added
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertEquals(1, errors.size(), errors.toString());
            assertEquals(List.of(), notices, "no notice that held lines were added");
        });
        assertEquals(List.of(1, 2, 3), added);
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(List.of(), notices, "no notice that held lines were added");
        nodeLoop.shutdown();
    }

    /**
     * Session 35 (ops35): a held line, added again once the log could take it, came after a later line that the node
     * had already queued when the held one failed (it still fitted, or space had come back), and the held-lines event
     * came after the node's "writable again" health line. On a real node whose second write fails, with lines 2 to 5
     * queued behind line 1 (a subscriber holds the loop): the log holds them in stdin's order, and the event comes
     * before the node says it can write again.
     */
    @Test
    void aHeldLineGoesBeforeTheLinesReadAfterItOnARealNode() throws Exception {
        dev.logmesh.testkit.FaultyStore disk =
            new dev.logmesh.testkit.FaultyStore(new dev.logmesh.internal.store.MemoryStore());
        List<String> events = new CopyOnWriteArrayList<>();
        dev.logmesh.MeshNode.Listener health = new dev.logmesh.MeshNode.Listener() {
            @Override
            public void health(dev.logmesh.NodeHealth h) {
                events.add("health writable=" + h.writable());
            }
        };
        java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
        try (dev.logmesh.MeshNode node = dev.logmesh.MeshNode.start(dev.logmesh.NodeConfig.builder().name("ops")
            .mdns(false).host("127.0.0.1").port(0).store(disk).build(), List.of(health))) {
            node.subscribe(e -> e.action().json().get("i").asInt() == 1, e -> {
                try { // the loop waits here until lines 2 to 5 are queued behind line 1
                    queued.await();
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
            StdinAdds adds = new StdinAdds(node::add, events::add, events::add, 5);
            disk.failWrite(2); // line 2 meets a full disk; lines 3 to 5 would fit
            for (int i = 1; i <= 5; i++) {
                adds.add(i, action("t", i), null);
            }
            queued.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> node.entries().get().size() == 5);
            assertEquals(List.of(1, 2, 3, 4, 5),
                node.entries().get().stream().map(e -> e.action().json().get("i").asInt()).toList());
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 4);
            assertEquals("health writable=false", events.get(0), events.toString());
            assertTrue(events.get(1).startsWith("the log cannot be written ("), events.toString());
            assertTrue(events.get(1).endsWith("): 4 stdin lines (from line 2) not added yet; they are held and stdin is "
                + "not read until they are added, in order, once the log can be written (tried every 5 ms)"),
                events.toString());
            assertEquals("health writable=true", events.get(2), events.toString());
            assertTrue(events.get(3).startsWith("logmesh: the log can be written again: the 4 held stdin lines were "
                + "added after "), events.toString());
        }
    }

    /** One held line is "it", not "they" (before, session 35: "1 stdin line (line 3) ...; they are held ..."). */
    @Test
    void oneHeldLineIsSaidInTheSingular() throws Exception {
        AtomicBoolean full = new AtomicBoolean(true);
        List<String> errors = new CopyOnWriteArrayList<>();
        StdinAdds adds = new StdinAdds((action, meta) -> full.getAndSet(false)
            ? CompletableFuture.failedFuture(new StoreException("the disk is full")) : CompletableFuture.completedFuture(null),
            errors::add, s -> { }, 5);
        adds.add(3, action("t", 3), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> errors.size() == 1);
        assertEquals("the log cannot be written (the disk is full): 1 stdin line (line 3) not added yet; it is held and "
            + "stdin is not read until it is added, once the log can be written (tried every 5 ms)", errors.get(0));
    }

    /**
     * Session 36 (ops36): the held-lines event was said by a thread of its own once the adds under way had ended, so the
     * node's loop could print a "writable again" health line first (a peer's entry added right after the failure,
     * once space came back), and the event then said the log could not be written after the node said it could.
     * Here the loop of a fake node fails line 1 and, as its next task, says it can write again. Before the fix:
     * "expected: <the log cannot be written ...> but was: <health writable=true>".
     */
    @Test
    void theHeldLinesEventComesBeforeWhatTheLoopDoesAfterTheFailure() throws Exception {
        ExecutorService nodeLoop = Executors.newSingleThreadExecutor();
        List<String> out = new CopyOnWriteArrayList<>();
        // the disk stays full for this test (no retry succeeds, no notice): only the event and the loop's line
        StdinAdds adds = new StdinAdds((action, meta) -> CompletableFuture.supplyAsync(() -> {
            throw new StoreException("the disk is full");
        }, nodeLoop), out::add, out::add, 60_000);
        try {
            adds.add(1, action("t", 1), null);
            nodeLoop.execute(() -> out.add("health writable=true")); // the loop's next task: a peer's entry added
            await().atMost(Duration.ofSeconds(10)).until(() -> out.size() >= 2);
            assertEquals("the log cannot be written (the disk is full): 1 stdin line (line 1) not added yet; it is held "
                + "and stdin is not read until it is added, once the log can be written (tried every 60000 ms)",
                out.get(0), out.toString());
            assertEquals("health writable=true", out.get(1), out.toString());
        } finally {
            String unused = adds.stop(0); // ends the retries
            nodeLoop.shutdown();
        }
    }

    private static Action action(String type, int i) {
        return Action.of(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", type).put("i", i));
    }
}
