package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    /** Runs tasks only when asked, so the test decides the interleaving. */
    private static final class ManualExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        void runAll() {
            while (!tasks.isEmpty()) {
                tasks.poll().run();
            }
        }
    }

    @Test
    void runsInOrderWithOneDelegateTaskAtATime() {
        ManualExecutor manual = new ManualExecutor();
        SerialExecutor serial = new SerialExecutor(manual);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            serial.execute(() -> ran.add(n));
        }

        assertEquals(1, manual.tasks.size());
        manual.runAll();
        assertEquals(List.of(0, 1, 2, 3, 4), ran);

        serial.execute(() -> ran.add(5));
        manual.runAll();
        assertEquals(List.of(0, 1, 2, 3, 4, 5), ran);
    }

    @Test
    void aFailingTaskDoesNotStopTheNext() {
        ManualExecutor manual = new ManualExecutor();
        SerialExecutor serial = new SerialExecutor(manual);
        List<String> ran = new ArrayList<>();
        serial.execute(() -> {
            throw new IllegalStateException("boom");
        });
        serial.execute(() -> ran.add("next"));
        manual.runAll();

        assertEquals(List.of("next"), ran);
    }

    @Test
    void shutdownDropsPendingAndLaterTasks() {
        ManualExecutor manual = new ManualExecutor();
        SerialExecutor serial = new SerialExecutor(manual);
        List<String> ran = new ArrayList<>();
        serial.execute(() -> ran.add("pending"));
        serial.shutdown();
        serial.execute(() -> ran.add("late"));
        manual.runAll();

        assertEquals(List.of(), ran);
    }

    @Test
    void knowsWhenCalledFromATask() {
        ManualExecutor manual = new ManualExecutor();
        SerialExecutor serial = new SerialExecutor(manual);
        List<Boolean> inside = new ArrayList<>();
        serial.execute(() -> inside.add(serial.inTask()));
        manual.runAll();

        assertEquals(List.of(true), inside);
        assertFalse(serial.inTask());
        assertTrue(manual.tasks.isEmpty());
    }
}
