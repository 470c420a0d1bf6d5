package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** The rules of {@link DurabilityQueue}: order, at-once when durable, never after a failure. */
class DurabilityQueueTest {
    /** An executor that keeps tasks until the test runs them. */
    static final class Held implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            while (!tasks.isEmpty()) {
                tasks.poll().run();
            }
        }
    }

    @Test
    void aCallbackRunsAtOnceWhenEverythingIsDurableAndWaitsOtherwise() {
        DurabilityQueue q = new DurabilityQueue(0);
        Held loop = new Held();
        List<String> ran = new ArrayList<>();
        q.whenDurable(() -> ran.add("nothing committed"), loop);
        assertEquals(List.of("nothing committed"), ran, "at once, on the calling thread");

        long first = q.committed(3);
        q.whenDurable(() -> ran.add("after 1"), loop);
        long second = q.committed(5);
        q.whenDurable(() -> ran.add("after 2"), loop);
        assertEquals(0, q.durableAdded(), "nothing durable yet");
        loop.runAll();
        assertEquals(1, ran.size());

        q.durableUpTo(first);
        assertEquals(3, q.durableAdded());
        loop.runAll();
        assertEquals(List.of("nothing committed", "after 1"), ran, "only what commit 1 covers");

        q.durableUpTo(second);
        loop.runAll();
        assertEquals(List.of("nothing committed", "after 1", "after 2"), ran);
        assertEquals(5, q.durableAdded());
        assertTrue(q.allDurable());
    }

    @Test
    void aPromisedCommitHoldsTheCallbacksAfterItAndIsMadeDurableOnlyOnceMade() {
        DurabilityQueue q = new DurabilityQueue(0);
        Held loop = new Held();
        List<String> ran = new ArrayList<>();
        long seq = q.promise(64); // the write-behind: numbered on the loop, committed by the store's thread later
        q.whenDurable(() -> ran.add("after the batch"), loop);
        assertEquals(0, q.committedSeq(), "a writer has nothing to flush yet");
        q.durableUpTo(seq); // a flush that started before the commit was made covers nothing of it
        loop.runAll();
        assertEquals(List.of(), ran);
        assertEquals(0, q.durableAdded());

        q.committedUpTo(seq);
        assertEquals(seq, q.committedSeq());
        q.durableUpTo(q.committedSeq());
        loop.runAll();
        assertEquals(List.of("after the batch"), ran);
        assertEquals(64, q.durableAdded());
    }

    @Test
    void aCallbackNeverOvertakesOneThatWasHandedOutAndHasNotRunYet() {
        DurabilityQueue q = new DurabilityQueue(0);
        Held loop = new Held();
        List<Integer> ran = new ArrayList<>();
        long seq = q.committed(1);
        q.whenDurable(() -> ran.add(1), loop);
        q.durableUpTo(seq); // callback 1 is handed to the loop, not run yet
        q.whenDurable(() -> ran.add(2), loop); // all durable now, but 1 has not run: 2 must wait behind it
        assertEquals(List.of(), ran);
        loop.runAll();
        assertEquals(List.of(1, 2), ran);
    }

    @Test
    void afterAFailureNothingRunsAnyMore() {
        DurabilityQueue q = new DurabilityQueue(0);
        Held loop = new Held();
        List<Integer> ran = new ArrayList<>();
        long seq = q.committed(1);
        q.whenDurable(() -> ran.add(1), loop);
        q.fail(new IOException("fsync: input/output error"));
        q.durableUpTo(seq);
        q.whenDurable(() -> ran.add(2), loop);
        loop.runAll();
        assertEquals(List.of(), ran);
        assertEquals(0, q.durableAdded());
        assertFalse(q.failure() == null);
    }

    @Test
    void callbacksOfAClosedExecutorAreDroppedAndLaterOnesStillRun() {
        DurabilityQueue q = new DurabilityQueue(0);
        List<Integer> ran = new ArrayList<>();
        long seq = q.committed(1);
        q.whenDurable(() -> ran.add(1), task -> {
            throw new RejectedExecutionException("closed");
        });
        q.durableUpTo(seq);
        Held loop = new Held();
        long next = q.committed(2);
        q.whenDurable(() -> ran.add(2), loop);
        q.durableUpTo(next);
        loop.runAll();
        assertEquals(List.of(2), ran);
    }

    @Test
    void aLoopThatDropsTasksSilentlyHoldsUpOnlyItsOwnCallbacks() {
        DurabilityQueue q = new DurabilityQueue(0);
        List<Integer> ran = new ArrayList<>();
        Executor closedLoop = task -> { }; // a closed SystemLoop drops what it is given
        long seq = q.committed(1);
        q.whenDurable(() -> ran.add(1), closedLoop);
        q.durableUpTo(seq);
        q.whenDurable(() -> ran.add(2), closedLoop); // behind the dropped task: never runs
        Held next = new Held(); // the next node on the same store
        long again = q.committed(2);
        q.whenDurable(() -> ran.add(3), next);
        q.durableUpTo(again);
        next.runAll();
        assertEquals(List.of(3), ran);
        q.whenDurable(() -> ran.add(4), next);
        assertEquals(List.of(3, 4), ran, "its lane is idle and everything durable: at once");
    }
}
