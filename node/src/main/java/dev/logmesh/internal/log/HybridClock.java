package dev.logmesh.internal.log;

import dev.logmesh.ActionId;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues action ids from a hybrid logical clock.
 *
 * <p>The time part of a new id is {@code max(wall clock, last ms issued, 1 + largest ms seen in received ids)},
 * so it never goes backwards and an action created after another was received sorts after it, even when
 * the sender's clock is ahead of ours. Within one millisecond the {@code seq} part counts up (protocol 5).
 *
 * <p>A received id more than {@code maxDrift} ms ahead of our wall clock pulls the clock only up to
 * {@code wall + maxDrift}: the next local id has that time part (and a warning is logged): one peer with a wild clock must not drag every node's
 * ids years ahead. For such an action the causality promise is weakened to "sorts after everything
 * received from well-behaved peers".
 *
 * <h2>Across restarts</h2>
 * The clock never issues an id at or before one it issued before, and keeps causality with what it received,
 * also after a restart, by <em>reserving</em> ahead: before it issues an id, or takes note of a received one,
 * beyond its reservation, it records a new reservation through the {@link Reservations} (the store keeps it
 * durably, outside its WAL), and a restarted clock starts after the reservation. A received id beyond the drift
 * bound is recorded only up to the bound, so the bound holds across restarts too (issue 10, fault 4).
 *
 * <p>How far (see {@link #reservationFor}): up to {@link #RESERVE_AHEAD_MS} ahead of the <em>wall clock</em>, at least
 * {@link #MIN_RESERVE_AHEAD_MS} past the clock ({@link #RESERVE_AHEAD_MS} once a peer's ids pulled it more than that
 * past where this life started), but never past {@code wall + maxDrift - margin} (the <em>cap</em>;
 * {@code margin = min(}{@link #DRIFT_MARGIN_MS}{@code , maxDrift / 2)}) except by {@link #RESERVE_STEP_MS} past a
 * clock that is already there. A restarted clock starts at the last reservation, so the cap is what keeps a node's
 * own ids inside the drift bound its peers apply: restarts in quick succession (each life reserving past where the
 * last one started) carry the clock at most to the cap; past it, a life reserves one step past where it started, and
 * the next starts no sooner than a step later by the wall clock (a process restart takes longer). So the reservation
 * stays at most {@link #RESERVE_STEP_MS} past the cap and a node's own ids at most 1 ms past it
 * ({@code HybridClockProperties}), unless a peer's id pulled them further (up to the bound), restarts came less than a
 * step apart, or the wall clock stepped back (the ids stay ahead of it by the step). Session 21
 * (a restart storm: 20 restarts 0.9 s apart in the test kit, 30 {@code kill -9} in 90 s in {@code scripts/chaos}):
 * the reservation was relative to the clock ({@code min(ms + 10 s, wall + maxDrift + 1 s)}, at least
 * {@code ms + 1 s}), each life started up to 10 s further, and a node's ids ran 46-60.1 s ahead of its wall clock,
 * past the bound, where a peer follows them only to its bound and so creates its next action with an id that sorts
 * before the one it received.
 *
 * <p>The clock renews its reservation <em>ahead</em> of need (issue 12: the flush of a slow disk must not stall the
 * loop): once less than half of {@link #RESERVE_AHEAD_MS} is left, it asks for a new one
 * ({@link Reservations#reserveAhead}), which the store makes durable on a thread of its own; the clock waits
 * ({@link Reservations#reserve}) only when it overtakes a reservation whose renewal has not finished, i.e. when the
 * disk takes longer than half the window to flush a renewal. The price: after a restart the first ids may be up to
 * {@link #RESERVE_AHEAD_MS} ahead of the wall clock (more after restarts in quick succession, up to the cap); and one
 * flush per half window of clock progress while the node issues or receives new ids: once per 5 s at the wall clock
 * or following a peer's ids ahead of it, but about once per 50 ms while they keep it past the cap (a peer whose clock
 * is more than {@code maxDrift - margin} ahead of ours); with a drift bound under 11 s the window shrinks to
 * {@code maxDrift - margin} (at least {@link #RESERVE_STEP_MS}).
 *
 * <h2>Ids ahead of the wall clock</h2>
 * A node restored from a backup (its store and side file as they were some time ago) starts from the reservation it
 * had then, as it did in the life the backup lost: a new id whose time part is ahead of the wall clock (still inside
 * that reservation, or pulled ahead by a peer whose clock is ahead) may have been issued in the lost life too, with
 * the same {@code seq} from 0, for another action; the two actions would then share one id, and every node would
 * keep the one it got first (a breaker's run: 50 of 50 ids issued again after a restore, each node missing the other
 * half). So a time part ahead of the wall clock starts its {@code seq} at this life's own random base
 * ({@link #AHEAD_SEQ_MIN} plus up to 2<sup>30</sup>) instead of 0: two lives share such an id only if their bases
 * fall within as many ids of each other, and an id at the wall clock (seq from 0) never meets one of them. Ids at
 * the wall clock cannot repeat a lost life's: that life ran earlier, so its time parts at or behind its own wall
 * clock are behind this one's (a wall clock stepped back puts the clock ahead of it, which takes the base too).
 *
 * <p>Not thread-safe: owned by the node's loop.
 */
public final class HybridClock {
    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);

    /** Default bound on how far a received id may pull the clock ahead of the wall clock: 1 minute. */
    public static final long DEFAULT_MAX_DRIFT_MS = 60_000;

    /**
     * How far ahead of the wall clock the clock reserves at a time (ms); renewed when half of it is left: one durable
     * write per half of this much progress. 10 s: a renewal made off the loop has 5 s to reach the disk before the
     * clock would wait for it (a disk that takes 2 s per flush, behind a group commit's flush of 2 s, still makes
     * it), and it stays far below the drift bound that other nodes accept ({@link #DEFAULT_MAX_DRIFT_MS}); the
     * cost is that the first ids after a restart may be up to 10 s ahead of the wall clock (their seq counts up
     * meanwhile; the created order is unchanged). Never past the cap (see "Across restarts").
     */
    public static final long RESERVE_AHEAD_MS = 10_000;

    /**
     * The least a reservation reaches past the time part that needed it (ms) while that is below the cap and within
     * {@link #RESERVE_AHEAD_MS} of where this life started (see "Across restarts"): a restarted clock starts at the
     * last life's reservation, up to {@link #RESERVE_AHEAD_MS} ahead of the wall clock, and reserving only this much
     * past it (not {@link #RESERVE_AHEAD_MS}) keeps lives a second or more apart from carrying the clock further.
     */
    public static final long MIN_RESERVE_AHEAD_MS = 1_000;

    /**
     * How far a reservation reaches past a clock that is at or past the cap (ms): the least that keeps renewals to one
     * per step of clock progress (never one per id), and less than a process takes to restart, so that restarts do not
     * carry the clock further ahead of the wall clock (each life starts at most one step past where the last one's
     * reservation was, and the wall clock moved on more than that meanwhile).
     */
    public static final long RESERVE_STEP_MS = 100;

    /**
     * The most that reservations stay inside the drift bound (ms): the cap is {@code wall + maxDrift - margin}, with
     * {@code margin = min(DRIFT_MARGIN_MS, maxDrift / 2)}; it leaves room for {@link #RESERVE_STEP_MS} past the cap
     * and for the clock of a peer a little behind ours.
     */
    public static final long DRIFT_MARGIN_MS = 1_000;

    /** The least {@code seq} of the first id in a millisecond ahead of the wall clock (see "Ids ahead of the wall clock"). */
    public static final long AHEAD_SEQ_MIN = 1L << 20;

    /**
     * Where the clock's reservation is kept (the store, see {@code Store#reserveClock}); called on the clock's thread.
     */
    public interface Reservations {
        /** The reservation that is durable now (ms), 0 if none. */
        long durable();

        /**
         * Records a reservation of at least {@code upTo} durably and returns when it is (blocks on a flush).
         *
         * @throws RuntimeException if it cannot be recorded (the clock then issues nothing)
         */
        void reserve(long upTo);

        /**
         * Asks for a reservation of {@code upTo} to be recorded off the caller's thread; returns at once.
         * {@link #durable} tells when it is done; a failure shows only as a reservation that does not grow (the
         * clock then reserves itself when it needs one).
         */
        void reserveAhead(long upTo);

        /** The old shape: every reservation is made at once by {@code reserve}, none ahead. */
        static Reservations blocking(long reserved, LongConsumer reserve) {
            java.util.Objects.requireNonNull(reserve, "reserve");
            long[] made = {reserved};
            return new Reservations() {
                @Override
                public long durable() {
                    return made[0];
                }

                @Override
                public void reserve(long upTo) {
                    reserve.accept(upTo);
                    made[0] = Math.max(made[0], upTo);
                }

                @Override
                public void reserveAhead(long upTo) {
                    // none ahead
                }
            };
        }
    }

    private final String node;
    private final LongSupplier wall;
    private final long maxDrift;
    /** {@code min(DRIFT_MARGIN_MS, maxDrift / 2)}: how far inside the drift bound reservations stop. */
    private final long margin;
    /** Where this life's clock started (the {@code startMs} given): see {@link #reservationFor}. */
    private final long lifeStartMs;
    private long lastMs;
    private long lastSeq = -1;
    private long seenMs = -1;
    /** The reservation known to be durable. */
    private long reserved;
    /** The largest reservation asked for ahead (at least {@link #reserved}). */
    private long askedAhead;
    /**
     * The smallest ms for which {@link #reserveUpTo} has anything to do (past {@link #reserved}, or less than half of
     * {@link #RESERVE_AHEAD_MS} left before {@link #askedAhead}); a function of those two, set where they change.
     */
    private long renewFrom = Long.MIN_VALUE;
    private final Reservations reservations;
    /** Drift warnings: the first is logged, then at most one a minute with the count of those not logged. */
    private long driftLoggedAt = Long.MIN_VALUE;
    private long driftUnlogged;
    private long driftLogged;
    /** This life's {@code seq} for the first id of a millisecond ahead of the wall clock. */
    private final long aheadSeq;

    /**
     * @param node     this node's id
     * @param wall     the wall clock in ms
     * @param maxDrift how far ahead of the wall clock a received id may pull this clock, in ms
     * @param startMs  the largest id time part this node issued or saw before (from its store), or 0; every
     *                 id issued has a larger time part, so a restart never repeats or precedes an old id even
     *                 if the wall clock went back
     */
    public HybridClock(String node, LongSupplier wall, long maxDrift, long startMs) {
        this(node, wall, maxDrift, startMs, Long.MAX_VALUE, ms -> { });
    }

    /**
     * A clock that reserves ahead; see "Across restarts".
     *
     * @param startMs  as in {@link #HybridClock(String, LongSupplier, long, long)}; at least {@code reserved}
     * @param reserved the reservation made before (0 if none)
     * @param reserve  records a new reservation durably before the clock uses it; may throw (then the call that
     *                 needed it throws and the clock is unchanged); no reservation is made ahead
     */
    public HybridClock(String node, LongSupplier wall, long maxDrift, long startMs, long reserved,
                       LongConsumer reserve) {
        this(node, wall, maxDrift, startMs, reserved, Reservations.blocking(reserved, reserve));
    }

    /**
     * A clock that reserves ahead of need through {@code reservations}; see "Across restarts".
     *
     * @param startMs  as in {@link #HybridClock(String, LongSupplier, long, long)}; at least {@code reserved}
     * @param reserved the reservation made before (0 if none)
     */
    public HybridClock(String node, LongSupplier wall, long maxDrift, long startMs, long reserved,
                       Reservations reservations) {
        this(node, wall, maxDrift, startMs, reserved, reservations, lifeDraw(node, startMs, reserved, wall.getAsLong()));
    }

    /**
     * This life's draw for the {@code seq} base: the node, where its clock starts, and the wall clock's ms when it
     * starts, mixed (SplitMix64's finalizer). Two lives of one node that start from the same backup start at
     * different wall times, so their bases are unrelated; a simulation's run replays from its seed.
     */
    static long lifeDraw(String node, long startMs, long reserved, long wallMs) {
        long z = node.hashCode() * 0x9E3779B97F4A7C15L ^ startMs * 0xBF58476D1CE4E5B9L ^ reserved * 0x94D049BB133111EBL
            ^ wallMs;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * As {@link #HybridClock(String, LongSupplier, long, long, long, Reservations)}, with this life's random draw for
     * the {@code seq} base of ids ahead of the wall clock (see "Ids ahead of the wall clock"; the other constructors
     * take {@link #lifeDraw}).
     */
    public HybridClock(String node, LongSupplier wall, long maxDrift, long startMs, long reserved,
                       Reservations reservations, long lifeDraw) {
        this.aheadSeq = AHEAD_SEQ_MIN + (lifeDraw & ((1L << 30) - 1));
        this.node = ActionId.requireNodeId(node);
        this.reserved = reserved;
        this.askedAhead = reserved;
        this.reservations = java.util.Objects.requireNonNull(reservations, "reservations");
        this.wall = wall;
        if (maxDrift < 0) {
            throw new IllegalArgumentException("maxDrift must be >= 0");
        }
        this.maxDrift = maxDrift;
        this.margin = Math.min(DRIFT_MARGIN_MS, maxDrift / 2);
        this.lastMs = Math.max(0, startMs);
        this.lifeStartMs = lastMs;
        // startMs counts as seen: the last run may have issued (startMs, node, k) for any k, and a restart
        // does not know k, so the first id must move to startMs + 1 or it could repeat or precede an old id
        // (a repeated id would even be dropped as a duplicate).
        this.seenMs = startMs > 0 ? startMs : -1;
    }

    /**
     * Makes sure the next id is reserved (waiting for the store if not) and asks for the next reservation ahead if half
     * of it is used: for a log just opened, off the loop, so that its first id need not wait for the disk.
     *
     * @throws RuntimeException if the store cannot record it (as {@link #next} would)
     */
    public void reserveNext() {
        reserveUpTo(Math.max(wall.getAsLong(), Math.max(lastMs, seenMs + 1)));
    }

    /**
     * A time in ms for a number that must keep growing over restarts, also with the wall clock set back (mesh
     * presence's {@code seq}): {@code max(wall, last id's ms, last seen ms + 1)}, reserved as an id's is, so that a
     * later life's clock, which starts at the reservation, gives a larger one. Issues no id. May wait for the store,
     * as {@link #next} does, when the wall clock overtook a reservation whose renewal has not finished.
     *
     * @throws RuntimeException if the store cannot record the reservation (as {@link #next} would)
     */
    public long reservedNow() {
        long ms = Math.max(wall.getAsLong(), Math.max(lastMs, seenMs + 1));
        reserveUpTo(ms);
        return ms;
    }

    /** This clock's node id. */
    public String node() {
        return node;
    }

    /** Issues the next id: strictly after every id issued or observed before. */
    public ActionId next() {
        // seenMs + 1: an id with the same ms as a received one could sort before it by node id.
        long now = wall.getAsLong();
        long ms = Math.max(now, Math.max(lastMs, seenMs + 1));
        reserveUpTo(ms);
        if (ms == lastMs) {
            lastSeq++;
        } else {
            lastMs = ms;
            lastSeq = ms > now ? aheadSeq : 0; // ahead of the wall clock: a lost life may have used this ms
        }
        return new ActionId(lastMs, node, lastSeq);
    }

    /**
     * Takes note of a received id, so that ids issued later sort after it (within the drift bound).
     *
     * @return whether the id was within the drift bound
     */
    public boolean observe(ActionId received) {
        long now = wall.getAsLong();
        long ms = received.ms();
        boolean ok = true;
        if (ms > now + maxDrift) {
            warnDrift(now, "id " + received + " is " + (ms - now) + " ms ahead of this node's clock (bound " + maxDrift
                + " ms): clock advanced only to the bound");
            // next() issues seenMs + 1, so the next local id lands exactly on the bound, not one past it.
            ms = now + maxDrift - 1;
            ok = false;
        }
        if (ms > seenMs) {
            reserveUpTo(ms + 1); // the next id will be past it
            seenMs = ms;
        }
        return ok;
    }

    /**
     * Takes note of an id of this node that did not come from this clock (given by the application, or one of its
     * own actions coming back from a peer after its store lost it), so that no id issued later repeats or precedes
     * it. An id at or before the last one this clock issued needs nothing (every id this clock issues comes here
     * too, through the log's add); one past it and beyond the drift bound is not followed (and logged): it cannot
     * have come from this clock. Before (clock40) the bound was checked first: after the wall clock was set back by
     * more than the bound, the clock (which never goes back) issued ids that far ahead, and every add logged
     * "own id ... ahead of this node's clock ...: not followed" about the id the clock had just issued.
     *
     * @return whether the id was within the drift bound or not past this clock
     */
    public boolean observeOwn(ActionId own) {
        if (!own.node().equals(node)) {
            throw new IllegalArgumentException(own + " is not an id of " + node);
        }
        if (own.ms() < lastMs || (own.ms() == lastMs && own.seq() <= lastSeq)) {
            return true; // issued by this clock, or behind it: nothing to follow
        }
        long now = wall.getAsLong();
        if (own.ms() > now + maxDrift) {
            warnDrift(now, "own id " + own + " is " + (own.ms() - now) + " ms ahead of this node's clock (bound "
                + maxDrift + " ms): not followed");
            return false;
        }
        if (own.ms() > lastMs || (own.ms() == lastMs && own.seq() > lastSeq)) {
            reserveUpTo(own.ms());
            lastMs = own.ms();
            lastSeq = own.seq();
        }
        return true;
    }

    /**
     * Logs an id beyond the drift bound: the first at once, then at most one line a minute that also counts
     * those not logged, so a peer with a wild clock (every one of its ids) cannot flood the log.
     */
    private void warnDrift(long now, String what) {
        if (driftLogged > 0 && now - driftLoggedAt < 60_000) {
            driftUnlogged++;
            return;
        }
        LOG.warn("{}{}", what, driftUnlogged == 0 ? "" : " (and " + driftUnlogged + " more such ids in the last minute)");
        driftLoggedAt = now;
        driftUnlogged = 0;
        driftLogged++;
    }

    /** How many drift warnings were logged (for tests of the rate limit). */
    long driftWarningsLogged() {
        return driftLogged;
    }

    /**
     * Makes sure ids up to {@code ms} are reserved: from the renewal asked ahead if it is durable by now, else by
     * waiting for a new reservation ({@link #reservationFor}); then asks ahead once less than half of that is left.
     *
     * <p>One comparison on the path of every id; the renewal is a method of its own. Before, its two tests were
     * inlined into {@code Log.add} and the callers C2 compiled it into, and the first time a branch of them was taken
     * (the first renewal, 5 s in; the first use of it, 10 s in) those callers were deoptimized and ran interpreted
     * until compiled again: a burst of slow adds 10 s after start, which fell at the start of the benchmarks' rtt
     * window (issue 12; see docs/performance.md, "Deoptimization at 10 s"). Now only this test is inlined, and it
     * turns true at the first renewal, in the warm-up.
     */
    private void reserveUpTo(long ms) {
        if (ms >= renewFrom) {
            renew(ms);
        }
    }

    private void renew(long ms) {
        if (ms > reserved) {
            reserved = Math.max(reserved, reservations.durable());
            if (ms > reserved) {
                long upTo = reservationFor(ms);
                reservations.reserve(upTo);
                reserved = upTo;
                askedAhead = Math.max(askedAhead, upTo);
            }
        }
        if (askedAhead - ms < RESERVE_AHEAD_MS / 2) {
            long upTo = reservationFor(ms);
            if (askedAhead - ms < (upTo - ms) / 2) {
                askedAhead = upTo;
                reservations.reserveAhead(upTo);
            }
        }
        // ms > reserved, or askedAhead - ms < RESERVE_AHEAD_MS / 2; saturated (a clock without reservations has
        // Long.MAX_VALUE for both)
        long pastReserved = reserved == Long.MAX_VALUE ? Long.MAX_VALUE : reserved + 1;
        renewFrom = Math.min(pastReserved, askedAhead - RESERVE_AHEAD_MS / 2 + 1);
    }

    /**
     * How far to reserve when the clock is at {@code ms} (all in ms):
     * {@code max(ms + RESERVE_STEP_MS, min(max(ms + past, wall + RESERVE_AHEAD_MS), cap))} with
     * {@code cap = wall + maxDrift - margin}, {@code past = RESERVE_AHEAD_MS} once {@code ms} is more than that past
     * where this life started (a peer's ids pulled it there, or the wall clock), else {@link #MIN_RESERVE_AHEAD_MS}.
     * A restarted clock starts at its last reservation, so a reservation of {@code ms + RESERVE_AHEAD_MS} for a clock
     * still where its life started carried each life 10 s further ahead than the last, and the cap was 1 s past the
     * drift bound (session 21). Past the cap it reaches only one step past {@code ms}; see "Across restarts".
     */
    private long reservationFor(long ms) {
        long now = wall.getAsLong();
        long cap = saturatedAdd(now, maxDrift - margin);
        long past = ms - lifeStartMs > RESERVE_AHEAD_MS ? RESERVE_AHEAD_MS : MIN_RESERVE_AHEAD_MS;
        long wanted = Math.max(ms + past, saturatedAdd(now, RESERVE_AHEAD_MS));
        return Math.max(ms + RESERVE_STEP_MS, Math.min(wanted, cap));
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (b < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }
}
