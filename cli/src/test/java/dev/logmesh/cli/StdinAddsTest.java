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
        StdinAdds adds = new StdinAdds((action, meta) -> CompletableFuture.supplyAsync(() -> {
            if (action.type().equals("bad")) {
                throw new IllegalArgumentException("not an action");
            }
            if (full.get()) {
                throw new StoreException("add failed on log.db: the disk is full");
            }
            added.add(action.json().get("i").asInt());
            return null;
        }, nodeLoop), errors::add, notices::add, 5);
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
        assertEquals("stdin line 20: not an action", errors.get(0));
        assertTrue(errors.get(1).startsWith("the log cannot be written (add failed on log.db: the disk is full): "),
            errors.get(1));
        assertTrue(errors.get(1).contains("not added yet"), errors.get(1));
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

    private static Action action(String type, int i) {
        return Action.of(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", type).put("i", i));
    }
}
