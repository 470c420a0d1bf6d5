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
 * beyond its reservation, it records a new reservation ({@link #RESERVE_AHEAD_MS} further) through the
 * {@code reserve} callback (the store keeps it durably, outside its WAL), and a restarted clock starts after the
 * reservation. A received id beyond the drift bound is recorded only up to the bound, so the bound holds across
 * restarts too (issue 10, fault 4). The price: after a restart the first ids may be up to
 * {@link #RESERVE_AHEAD_MS} ahead of the wall clock; and one fsync per {@link #RESERVE_AHEAD_MS} of clock
 * progress while the node issues or receives new ids.
 *
 * <p>Not thread-safe: owned by the node's loop.
 */
public final class HybridClock {
    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);

    /** Default bound on how far a received id may pull the clock ahead of the wall clock: 1 minute. */
    public static final long DEFAULT_MAX_DRIFT_MS = 60_000;

    /** How far past what it needs the clock reserves at a time (ms): one durable write per this much progress. */
    public static final long RESERVE_AHEAD_MS = 1_000;

    private final String node;
    private final LongSupplier wall;
    private final long maxDrift;
    private long lastMs;
    private long lastSeq = -1;
    private long seenMs = -1;
    private long reserved;
    private final LongConsumer reserve;
    /** Drift warnings: the first is logged, then at most one a minute with the count of those not logged. */
    private long driftLoggedAt = Long.MIN_VALUE;
    private long driftUnlogged;
    private long driftLogged;

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
     *                 needed it throws and the clock is unchanged)
     */
    public HybridClock(String node, LongSupplier wall, long maxDrift, long startMs, long reserved,
                       LongConsumer reserve) {
        this.node = ActionId.requireNodeId(node);
        this.reserved = reserved;
        this.reserve = java.util.Objects.requireNonNull(reserve, "reserve");
        this.wall = wall;
        if (maxDrift < 0) {
            throw new IllegalArgumentException("maxDrift must be >= 0");
        }
        this.maxDrift = maxDrift;
        this.lastMs = Math.max(0, startMs);
        // startMs counts as seen: the last run may have issued (startMs, node, k) for any k, and a restart
        // does not know k, so the first id must move to startMs + 1 or it could repeat or precede an old id
        // (a repeated id would even be dropped as a duplicate).
        this.seenMs = startMs > 0 ? startMs : -1;
    }

    /** This clock's node id. */
    public String node() {
        return node;
    }

    /** Issues the next id: strictly after every id issued or observed before. */
    public ActionId next() {
        // seenMs + 1: an id with the same ms as a received one could sort before it by node id.
        long ms = Math.max(wall.getAsLong(), Math.max(lastMs, seenMs + 1));
        reserveUpTo(ms);
        if (ms == lastMs) {
            lastSeq++;
        } else {
            lastMs = ms;
            lastSeq = 0;
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
     * it. An id beyond the drift bound is not followed (and logged): it cannot have come from this clock.
     *
     * @return whether the id was within the drift bound
     */
    public boolean observeOwn(ActionId own) {
        if (!own.node().equals(node)) {
            throw new IllegalArgumentException(own + " is not an id of " + node);
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

    /** Makes sure ids up to {@code ms} are reserved, reserving {@link #RESERVE_AHEAD_MS} further if not. */
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

    private void reserveUpTo(long ms) {
        if (ms > reserved) {
            long upTo = ms + RESERVE_AHEAD_MS;
            reserve.accept(upTo);
            reserved = upTo;
        }
    }
}
