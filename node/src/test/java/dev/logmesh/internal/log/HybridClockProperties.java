package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * One node's clock through random sequences of ids issued, ids received, wall clock steps (forward and back), renewals
 * made durable by the store's thread or not, and restarts (a crash: renewals asked ahead and not yet durable are
 * lost; the next life starts from the durable reservation, as {@code Log.clockStart} does): its ids strictly increase
 * across lives, and its lead stays inside the drift bound (session 21: a restart storm carried a node's ids past it).
 *
 * <p>The lead is measured against {@code T}, the wall clock as it would read had it never stepped back (a wall clock
 * stepped back leaves the clock ahead of it by the step, by design). With peers whose ids are at most
 * {@code T + maxDrift - margin} (the cap: what this clock keeps its own ids to) the node's ids stay at most 1 ms past
 * the cap; with wild peers too (ids far past the bound, which the clock follows only to its bound), at most
 * {@code T + maxDrift} (or the cap + 1 ms, with a bound under 2 ms). A restart takes more than {@link HybridClock#RESERVE_STEP_MS} (a process restart does).
 * Every renewal moves the reservation on by at least half a step: never one per id.
 */
class HybridClockProperties {
    private static final long START = 1_700_000_000_000L;

    private enum Kind { ISSUE, ADVANCE, STEP_BACK, STEP_FORWARD, OBSERVE, OBSERVE_WILD, FLUSH, RESTART }

    /** One step; {@code amount} is read by each kind in its own way. */
    private record Step(Kind kind, long amount) {
    }

    @Provide
    Arbitrary<List<Step>> wellBehaved() {
        return steps(false);
    }

    @Provide
    Arbitrary<List<Step>> withWildPeers() {
        return steps(true);
    }

    private static Arbitrary<List<Step>> steps(boolean wild) {
        // each kind as often as it is listed
        List<Kind> weights = new ArrayList<>();
        addTimes(weights, Kind.ISSUE, 6);
        addTimes(weights, Kind.ADVANCE, 4);
        addTimes(weights, Kind.STEP_BACK, 1);
        addTimes(weights, Kind.STEP_FORWARD, 1);
        addTimes(weights, Kind.OBSERVE, 4);
        addTimes(weights, Kind.FLUSH, 3);
        addTimes(weights, Kind.RESTART, 5);
        addTimes(weights, Kind.OBSERVE_WILD, wild ? 2 : 0);
        Arbitrary<Kind> kinds = Arbitraries.of(weights);
        Arbitrary<Long> amounts = Arbitraries.longs().between(0, 1L << 40);
        return Combinators.combine(kinds, amounts).as(Step::new).list().ofMinSize(1).ofMaxSize(200);
    }

    private static void addTimes(List<Kind> to, Kind kind, int times) {
        for (int i = 0; i < times; i++) {
            to.add(kind);
        }
    }

    @Property(seed = "21", tries = 2000)
    void idsIncreaseAndStayWithinTheCapThroughRestarts(@ForAll("wellBehaved") List<Step> steps,
                                                       @ForAll("drifts") long maxDrift) {
        long margin = Math.min(HybridClock.DRIFT_MARGIN_MS, maxDrift / 2);
        run(steps, maxDrift, maxDrift - margin + 1);
    }

    @Property(seed = "21", tries = 2000)
    void withWildPeersIdsStillIncreaseAndStayWithinTheBound(@ForAll("withWildPeers") List<Step> steps,
                                                            @ForAll("drifts") long maxDrift) {
        long margin = Math.min(HybridClock.DRIFT_MARGIN_MS, maxDrift / 2);
        run(steps, maxDrift, Math.max(maxDrift, maxDrift - margin + 1)); // 1 ms past the cap: only if maxDrift < 2
    }

    @Provide
    Arbitrary<Long> drifts() {
        return Arbitraries.oneOf(Arbitraries.just(HybridClock.DEFAULT_MAX_DRIFT_MS),
            Arbitraries.of(0L, 1L, 500L, 2_000L, 10_000L, 600_000L), Arbitraries.longs().between(0, 120_000));
    }

    /** The store's side of the reservations: durable, asked ahead (made durable by FLUSH, lost by a crash). */
    private static final class Side implements HybridClock.Reservations {
        long durable;
        long asked;
        long pending;

        @Override
        public long durable() {
            return durable;
        }

        @Override
        public void reserve(long upTo) {
            assertTrue(upTo >= durable + HybridClock.RESERVE_STEP_MS,
                "a reservation waited for moves on by at least a step: " + durable + " to " + upTo);
            durable = upTo;
            asked = Math.max(asked, upTo);
        }

        @Override
        public void reserveAhead(long upTo) {
            assertTrue(upTo >= asked + HybridClock.RESERVE_STEP_MS / 2,
                "a renewal asked ahead moves on by at least half a step: " + asked + " to " + upTo);
            asked = upTo;
            pending = Math.max(pending, upTo);
        }

        void flush() {
            durable = Math.max(durable, pending);
        }

        void crash() {
            pending = 0;
            asked = durable;
        }
    }

    private static void run(List<Step> steps, long maxDrift, long leadBound) {
        long[] wall = {START};
        long t = START; // the wall clock had it never stepped back: T >= wall
        Side side = new Side();
        HybridClock clock = open(wall, maxDrift, side, 0);
        ActionId last = null;
        int life = 0;
        for (Step s : steps) {
            long a = s.amount();
            switch (s.kind()) {
                case ISSUE -> {
                    for (long i = 0; i <= a % 3; i++) {
                        ActionId id = clock.next();
                        assertTrue(last == null || last.isBefore(id), "life " + life + ": " + last + " then " + id);
                        assertTrue(id.ms() - t <= leadBound, "life " + life + ": " + id + " is " + (id.ms() - t)
                            + " ms ahead of the wall clock, past " + leadBound + " (drift bound " + maxDrift + ")");
                        last = id;
                    }
                }
                case ADVANCE -> {
                    long dt = a % 15_000;
                    wall[0] += dt;
                    t += dt;
                }
                case STEP_BACK -> wall[0] -= a % (3 * Math.max(1, maxDrift) + 5_000);
                case STEP_FORWARD -> {
                    wall[0] += a % (3 * Math.max(1, maxDrift) + 5_000);
                    t = Math.max(t, wall[0]);
                }
                case OBSERVE -> {
                    // a peer's id: anywhere from well behind to the cap of a clock like this one (by T)
                    long margin = Math.min(HybridClock.DRIFT_MARGIN_MS, maxDrift / 2);
                    long back = 2 * maxDrift + 20_000;
                    long ms = t + maxDrift - margin - a % (back + 1);
                    if (ms > 0) {
                        clock.observe(new ActionId(ms, "peer", a & 0xff));
                    }
                }
                case OBSERVE_WILD -> clock.observe(new ActionId(wall[0] + maxDrift + 1 + a % (1L << 36), "wild", 0));
                case FLUSH -> side.flush();
                case RESTART -> {
                    side.crash();
                    long dt = HybridClock.RESERVE_STEP_MS + 1 + a % 5_000; // a process restart takes longer
                    wall[0] += dt;
                    t += dt;
                    life++;
                    clock = open(wall, maxDrift, side, life);
                }
            }
        }
    }

    /** As {@code Log} opens a clock: from the durable reservation, reserving at once. */
    private static HybridClock open(long[] wall, long maxDrift, Side side, int life) {
        HybridClock clock = new HybridClock("me", () -> wall[0], maxDrift, side.durable, side.durable, side, life);
        clock.reserveNext();
        return clock;
    }
}
