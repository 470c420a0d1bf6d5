package dev.logmesh.internal.mesh;

import dev.logmesh.spi.Store;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The time the seen horizon counts from: the hourly sweep that forgets seen ids older than the horizon, and the
 * reconciliation cutoff ({@link Reconciler#cutoff()}, the index loaded at start, its trim). It is the wall clock, but
 * never past a time this node can vouch for: the last such time plus the time that passed since on the monotonic
 * clock. A time it can vouch for is
 * <ul>
 *   <li>at start, the one its log recorded in the last life ({@link #STATE_KEY}, written at start, every minute
 *       while the node runs and at close, so a kill loses at most a minute of it),
 *       or for a log written before that key existed the clock reservation its log had at open (its wall clock
 *       then, up to the reservation's 10 s ahead); a new log has none and takes its wall clock;</li>
 *   <li>the wall clock whenever a peer's clock agrees with it within the drift bound ({@link #peerClock}).</li>
 * </ul>
 * So a node started with its clock far ahead (wrong at boot, a VM started from an old snapshot) keeps the seen ids of
 * the actions it cleaned: before (clock40) its first sweep took every one of them for older than the horizon and
 * forgot it, and once its clock was set right a peer that held them gave them to it again (each applied twice). A
 * node that was really off for longer than the horizon forgets the old ids at its first sweep once a peer agrees with
 * its clock; with no peer to agree, one horizon of uptime later at most (bounded memory either way). A clock set back
 * moves the time back at once; time a machine spent suspended counts once a peer agrees (the monotonic clock stops
 * meanwhile). When every peer's clock is as wrong as this node's, nothing tells: the wall clock is believed.
 *
 * <p>Not thread-safe: owned by the node's loop (the constructor runs before the loop starts).
 */
public final class HorizonClock {

    /** State key under which the log keeps the last time this clock vouched for (ms, decimal). */
    public static final String STATE_KEY = "horizonTime";
    /**
     * State key under which the log keeps whether a peer's clock has ever agreed with this node's ({@code "1"} or
     * {@code "0"}; absent in a log written before session 51, which counts as agreed): see {@link #confirmed()}.
     */
    public static final String CONFIRMED_KEY = "horizonConfirmed";

    private final LongSupplier wall;
    private final LongSupplier monotonic;
    private final long maxDriftMillis;
    /** A time this node can vouch for (ms on the wall clock's scale), and the monotonic clock when it was. */
    private long base;
    private long monotonicBase;
    /** Whether a peer's clock has agreed with this node's, in this life or a recorded one ({@link #confirmed()}). */
    private boolean confirmed;
    /** {@link #confirmed} as this life last kept it in the log (-1: not yet, else 0 or 1): written on a change only. */
    private int confirmedKept = -1;

    /**
     * @param wall           the node's wall clock, ms
     * @param monotonic      the loop's monotonic clock, ms
     * @param recorded       the time the log recorded in the last life (see {@link #recorded}), ms; 0: none
     * @param maxDriftMillis how far a peer's clock may be from this node's for the two to agree (--max-drift), ms
     */
    public HorizonClock(LongSupplier wall, LongSupplier monotonic, long recorded, long maxDriftMillis) {
        this(wall, monotonic, recorded, recorded > 0, maxDriftMillis);
    }

    /**
     * As {@link #HorizonClock(LongSupplier, LongSupplier, long, long)}, with whether a peer's clock had agreed by the
     * recorded time ({@link #recordedConfirmed}).
     */
    public HorizonClock(LongSupplier wall, LongSupplier monotonic, long recorded, boolean recordedConfirmed,
                        long maxDriftMillis) {
        this.wall = wall;
        this.monotonic = monotonic;
        this.maxDriftMillis = maxDriftMillis;
        this.base = recorded > 0 ? recorded : wall.getAsLong();
        this.monotonicBase = monotonic.getAsLong();
        this.confirmed = recorded > 0 && recordedConfirmed;
    }

    /**
     * Whether the log's record says a peer's clock had agreed with this node's ({@link #CONFIRMED_KEY}): "0" is no,
     * anything else yes, so a log that recorded a time before that key existed (its node ran before session 51)
     * counts as confirmed. A log with no recorded time is not confirmed whatever this says (the constructor).
     */
    public static boolean recordedConfirmed(Store store) {
        return !store.state(CONFIRMED_KEY).orElse("1").equals("0");
    }

    /**
     * Whether a peer's clock has agreed with this node's within the drift bound, in this life or before the recorded
     * time: only then does this node trust its horizon over a peer's in a reconciliation round (see {@code
     * Reconciler#responder}). A new log whose peers all disagree with its clock cannot tell which side is wrong.
     */
    public boolean confirmed() {
        return confirmed;
    }

    /**
     * The time a log recorded for this clock in its last life: {@link #STATE_KEY}, else {@code reservationAtOpen}
     * (the log's clock reservation before this start reserved, see {@code Log#clockReservationAtOpen}), else 0.
     */
    public static long recorded(Store store, long reservationAtOpen) {
        Optional<String> kept = store.state(STATE_KEY);
        if (kept.isPresent()) {
            try {
                long t = Long.parseLong(kept.get());
                if (t > 0) {
                    return t;
                }
            } catch (NumberFormatException e) {
                // not ours to read: the reservation stands in
            }
        }
        return Math.max(0, reservationAtOpen);
    }

    /** The time the horizon counts from, ms: the wall clock, never past {@link #vouched()}. */
    public long now() {
        return Math.min(wall.getAsLong(), vouched());
    }

    /** The last time this node could vouch for plus the monotonic time since, ms. */
    public long vouched() {
        return base + Math.max(0, monotonic.getAsLong() - monotonicBase);
    }

    /** How far the wall clock reads ahead of {@link #vouched()}, ms (negative: behind). */
    public long wallAhead() {
        return wall.getAsLong() - vouched();
    }

    /**
     * A peer's clock reads {@code offsetMillis} behind this node's (this node's clock − the peer's, as a session
     * measured it): within the drift bound either way, the wall clock is a time this node can vouch for from now on.
     *
     * @return whether the two clocks agreed
     */
    public boolean peerClock(long offsetMillis) {
        if (offsetMillis < -maxDriftMillis || offsetMillis > maxDriftMillis) {
            return false;
        }
        base = wall.getAsLong();
        monotonicBase = monotonic.getAsLong();
        confirmed = true;
        return true;
    }

    /**
     * Keeps {@link #now()} and {@link #confirmed()} with the log for the next start ({@link #recorded}, {@link
     * #recordedConfirmed}); a failure is the caller's to say.
     */
    public void record(Store store) {
        store.setState(STATE_KEY, Long.toString(now()));
        int value = confirmed ? 1 : 0;
        if (value != confirmedKept) {
            store.setState(CONFIRMED_KEY, Integer.toString(value)); // once a life and on a change, not every minute
            confirmedKept = value;
        }
    }
}
