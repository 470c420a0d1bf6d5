package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The clock's reservations (issue 10, faults 4 and 11): when it reserves, how far, and what a failure does. */
class HybridClockTest {
    private static final long DRIFT = 60_000;
    private final AtomicLong wall = new AtomicLong(1_000_000);
    private final List<Long> reservations = new ArrayList<>();
    private boolean failing;

    private HybridClock clock(long start, long reserved) {
        return new HybridClock("me", wall::get, DRIFT, start, reserved, ms -> {
            if (failing) {
                throw new StoreException("cannot reserve (test)");
            }
            reservations.add(ms);
        });
    }

    @Test
    void reservesAheadOncePerStepOfProgress() {
        HybridClock clock = clock(0, 0);
        clock.next();
        assertEquals(List.of(1_000_000 + HybridClock.RESERVE_AHEAD_MS), reservations);
        for (int i = 0; i < 100; i++) {
            clock.next();
            wall.addAndGet(5);
        }
        assertEquals(1, reservations.size(), "500 ms of ids within one reservation");
        wall.addAndGet(HybridClock.RESERVE_AHEAD_MS);
        clock.next();
        assertEquals(2, reservations.size());
    }

    /** Issue 12: the clock renews ahead of need, and waits for the store only if a renewal is not durable in time. */
    @Test
    void renewsAheadAndWaitsOnlyWhenItOvertakesARenewalNotYetDurable() {
        List<Long> waited = new ArrayList<>();
        List<Long> ahead = new ArrayList<>();
        long[] durable = {0};
        HybridClock clock = new HybridClock("me", wall::get, DRIFT, 0, 0, new HybridClock.Reservations() {
            @Override
            public long durable() {
                return durable[0];
            }

            @Override
            public void reserve(long upTo) {
                waited.add(upTo);
                durable[0] = Math.max(durable[0], upTo);
            }

            @Override
            public void reserveAhead(long upTo) {
                ahead.add(upTo);
            }
        });
        clock.next();
        assertEquals(List.of(1_000_000 + HybridClock.RESERVE_AHEAD_MS), waited, "the first: nothing to wait less for");
        wall.addAndGet(HybridClock.RESERVE_AHEAD_MS / 2 + 1);
        clock.next();
        assertEquals(List.of(wall.get() + HybridClock.RESERVE_AHEAD_MS), ahead, "half left: a renewal asked ahead");
        durable[0] = ahead.get(0); // the store's thread made it durable
        wall.addAndGet(HybridClock.RESERVE_AHEAD_MS);
        clock.next();
        assertEquals(1, waited.size(), "past the first reservation without waiting: the renewal was durable");
        assertEquals(2, ahead.size(), "and the next renewal asked ahead");
        wall.addAndGet(HybridClock.RESERVE_AHEAD_MS);
        clock.next();
        assertEquals(2, waited.size(), "a renewal not durable in time: the clock waits for its own reservation");
        assertEquals(wall.get() + HybridClock.RESERVE_AHEAD_MS, waited.get(1));
    }

    @Test
    void aReceivedIdIsReservedOnlyUpToTheBound() {
        HybridClock clock = clock(0, 0);
        assertFalse(clock.observe(new ActionId(wall.get() + 100 * DRIFT, "wild", 0)));
        assertEquals(List.of(wall.get() + DRIFT + HybridClock.MIN_RESERVE_AHEAD_MS), reservations,
            "the wild time is never recorded, only the bound (and the reservation reaches only a little past it)");
        assertTrue(clock.observe(new ActionId(wall.get() + 10, "peer", 0)));
        assertEquals(1, reservations.size(), "within the reservation: no write");
    }

    @Test
    void aFailedReservationIssuesNothingAndChangesNothing() {
        HybridClock clock = clock(0, 0);
        failing = true;
        assertThrows(StoreException.class, clock::next);
        assertThrows(StoreException.class, () -> clock.observe(new ActionId(wall.get() + 10, "peer", 0)));
        failing = false;
        assertEquals(new ActionId(wall.get(), "me", 0), clock.next(), "the first id issued, seq 0");
    }

    @Test
    void aRestartedClockStartsAfterItsReservation() {
        HybridClock clock = clock(5_000_000, 5_000_000);
        ActionId first = clock.next();
        assertEquals(5_000_001, first.ms(), "after the reservation, though the wall clock is behind it");
        assertEquals(List.of(5_000_001 + HybridClock.MIN_RESERVE_AHEAD_MS), reservations,
            "a clock past the drift bound from the wall reserves only a little ahead");
    }

    @Test
    void ownIdsFromOutsideMoveTheClockPastThem() {
        HybridClock clock = clock(0, 0);
        ActionId comeBack = new ActionId(wall.get() + 500, "me", 7);
        assertTrue(clock.observeOwn(comeBack));
        ActionId next = clock.next();
        assertTrue(comeBack.isBefore(next), comeBack + " then " + next);
        assertFalse(clock.observeOwn(new ActionId(wall.get() + 10 * DRIFT, "me", 0)), "beyond the bound");
        assertTrue(clock.next().ms() <= wall.get() + DRIFT);
        assertThrows(IllegalArgumentException.class, () -> clock.observeOwn(new ActionId(1, "other", 0)));
    }

    /** A peer with a wild clock: every one of its ids is beyond the bound; the log gets one line a minute. */
    @Test
    void driftWarningsAreRateLimited() {
        HybridClock clock = clock(wall.get(), 0);
        for (int i = 0; i < 10_000; i++) {
            clock.observe(new ActionId(wall.get() + 10 * DRIFT, "wild", i));
        }
        assertEquals(1, clock.driftWarningsLogged(), "10,000 wild ids in the same minute: one line");
        wall.addAndGet(60_000);
        clock.observe(new ActionId(wall.get() + 10 * DRIFT, "wild", 0));
        assertEquals(2, clock.driftWarningsLogged(), "a minute later: the next line, with the count");
    }
}
