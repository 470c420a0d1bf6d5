package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StepPaceTest {

    private long now;

    /** A step that reads {@code rows} rows of {@code nanosPerRow} each, on the fake clock. */
    private int step(StepPace pace, long nanosPerRow) {
        int rows = pace.limit();
        long started = pace.start();
        now += rows * nanosPerRow;
        pace.took(started, rows);
        return rows;
    }

    @Test
    void theFirstStepAsksForTheFloorAndFastRowsGrowItTwofoldAStepUpToTheCeiling() {
        StepPace pace = new StepPace(16, 500, () -> now);
        assertEquals(16, pace.limit());
        step(pace, 100); // 1.6 us for 16 rows: far under the target
        assertEquals(32, pace.limit());
        step(pace, 100);
        assertEquals(64, pace.limit());
        for (int i = 0; i < 10; i++) {
            step(pace, 100);
        }
        assertEquals(500, pace.limit());
    }

    @Test
    void slowRowsShrinkTheStepToTheTargetTime() {
        StepPace pace = new StepPace(16, 500, () -> now);
        for (int i = 0; i < 10; i++) {
            step(pace, 100);
        }
        assertEquals(500, pace.limit());
        // the disk slows down: 10 us a row (500 rows would hold the loop 5 ms)
        step(pace, 10_000);
        assertEquals(StepPace.TARGET_NANOS / 10_000, pace.limit());
        for (int i = 0; i < 5; i++) {
            long before = now;
            step(pace, 10_000);
            assertTrue(now - before <= StepPace.TARGET_NANOS, "a step took " + (now - before) + " ns");
        }
    }

    @Test
    void rowsSlowerThanTheTargetStillMoveTheFloorAStep() {
        StepPace pace = new StepPace(16, 500, () -> now);
        step(pace, 1_000_000);
        assertEquals(16, pace.limit());
    }

    @Test
    void aStepTooFastToMeasureGrows() {
        StepPace pace = new StepPace(16, 500, () -> now);
        pace.took(pace.start(), 16);
        assertEquals(32, pace.limit());
    }

    @Test
    void bounds() {
        assertThrows(IllegalArgumentException.class, () -> new StepPace(0, 10, () -> 0));
        assertThrows(IllegalArgumentException.class, () -> new StepPace(10, 9, () -> 0));
    }
}
