package dev.logmesh.internal.reconcile;

/**
 * Settings of one side of a reconciliation session. Immutable; build from {@link #DEFAULT} with the
 * {@code with...} methods.
 *
 * @param frameSizeLimit the largest message this side sends, in bytes of the binary message (before
 *                       {@link WireText} encoding; {@link WireText#frameSizeLimitFor} converts a text
 *                       budget); {@code 0} for no limit, else at least {@link #MIN_FRAME_SIZE_LIMIT}. A
 *                       smaller limit means more rounds, never a wrong result.
 * @param cutoffMs       only items with {@code timestamp >= cutoffMs} take part, on this side; {@code 0} for all.
 *                       An initiator also tells the responder, with a leading Skip range {@code [0, cutoffMs)},
 *                       so a responder that was given no cutoff (or a smaller one) ignores older items too.
 *                       Nodes forget ids older than their horizon at different times, so the initiator
 *                       should use the larger horizon of the two.
 */
public record ReconcileOptions(int frameSizeLimit, long cutoffMs) {

    /**
     * The smallest frame limit with which every message still makes progress: the version byte, one
     * pending Skip range (44 bytes), the largest output of one range (an id list of 31 ids under a bound of
     * 43 bytes: 1,037 bytes) and the 200 bytes that protocol v1 keeps free for the closing Fingerprint range.
     * The reference implementations refuse limits under 4,096.
     */
    public static final int MIN_FRAME_SIZE_LIMIT = 1 + 44 + 1037 + 200;

    /** No frame limit, no cutoff. */
    public static final ReconcileOptions DEFAULT = new ReconcileOptions(0, 0);

    public ReconcileOptions {
        if (frameSizeLimit != 0 && frameSizeLimit < MIN_FRAME_SIZE_LIMIT) {
            throw new IllegalArgumentException("frameSizeLimit must be 0 (none) or at least " + MIN_FRAME_SIZE_LIMIT
                + ", got " + frameSizeLimit);
        }
        if (cutoffMs < 0) {
            throw new IllegalArgumentException("cutoffMs must be >= 0, got " + cutoffMs);
        }
    }

    /** These options with another frame limit (bytes, {@code 0} for none). */
    public ReconcileOptions withFrameSizeLimit(int limit) {
        return new ReconcileOptions(limit, cutoffMs);
    }

    /** These options with another cutoff (ms, {@code 0} for none). */
    public ReconcileOptions withCutoffMs(long cutoff) {
        return new ReconcileOptions(frameSizeLimit, cutoff);
    }
}
