package dev.logmesh.internal.session;

/**
 * The numbers a node tells a Logux client (the {@code added} of its {@code sync}, {@code ping} and {@code pong}),
 * which the client keeps as {@code lastReceived} (the highest it processed) and sends back in {@code connect.synced}:
 * a position of this log tagged with a client epoch, {@code epoch * 2^40 + added}, below 2^53 so that JavaScript holds
 * it exactly. Epoch 0 is an untagged number (a plain {@code added}, as nodes before session 38 sent and as a node
 * still sends when it cannot tag: an epoch above {@link #MAX_EPOCH}, or a log past {@link #MAX_POSITION}). See
 * "Clients' positions" in {@link SyncSession}. Pure functions.
 */
final class ClientPositions {
    /** The bits of a tagged number that hold the position. */
    static final int POSITION_BITS = 40;
    /** The largest position a tagged number holds (about 1.1e12 entries of a log). */
    static final long MAX_POSITION = (1L << POSITION_BITS) - 1;
    /** The largest epoch: a tagged number stays below 2^53, JavaScript's exact integers. */
    static final long MAX_EPOCH = (1L << (53 - POSITION_BITS)) - 1;

    private ClientPositions() {
    }

    /** The number for {@code position} in {@code epoch}; the position itself for epoch 0. */
    static long tag(long epoch, long position) {
        if (epoch == 0) {
            return position;
        }
        if (epoch < 0 || epoch > MAX_EPOCH || position < 0 || position > MAX_POSITION) {
            throw new IllegalArgumentException("cannot tag position " + position + " with epoch " + epoch);
        }
        return (epoch << POSITION_BITS) | position;
    }

    /** The epoch of a number a client sent back (0: untagged, or no number a node tags). */
    static long epoch(long number) {
        return number <= 0 || number >= 1L << 53 ? 0 : number >>> POSITION_BITS;
    }

    /** The position of a number a client sent back (the number itself when untagged). */
    static long position(long number) {
        return epoch(number) == 0 ? number : number & MAX_POSITION;
    }

    /** Whether positions up to {@code lastAdded} can be tagged with {@code epoch}. */
    static boolean fits(long epoch, long lastAdded) {
        return epoch > 0 && epoch <= MAX_EPOCH && lastAdded <= MAX_POSITION;
    }
}
