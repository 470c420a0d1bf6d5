package dev.logmesh.internal.reconcile;

import java.util.Objects;

/**
 * The side of a reconciliation session that answers (Negentropy protocol v1's server; the algorithm is
 * Meyer 2022, "Range-Based Set Reconciliation"). It learns nothing itself: the initiator learns both
 * directions of the difference and asks for, or pushes, the items.
 *
 * <p>A responder keeps no state between messages, so one instance may answer every message of a session,
 * and a session costs no memory while the initiator thinks. Give it the same cutoff as the initiator, none (the
 * initiator's messages skip what lies before its cutoff anyway), or its own when that is later: what lies before
 * it is then settled, whatever the initiator holds there (see {@link RangeEngine}).
 *
 * <p>Threads: not thread-safe. Call it on the node's loop thread, the one that changes the storage.
 */
public final class Responder {
    private final RangeEngine engine;

    private Responder(ItemStorage storage, ReconcileOptions options) {
        this.engine = new RangeEngine(storage, options);
    }

    /** A responder over {@code storage} with {@code options} (frame limit and cutoff). */
    public static Responder create(ItemStorage storage, ReconcileOptions options) {
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(options, "options");
        return new Responder(storage, options);
    }

    /**
     * The answer to an initiator's message; never null, at most the frame limit long. A message in another
     * protocol version (0x60..0x6F) is answered with the single byte {@code 0x61}, the version this side
     * speaks, as the spec asks.
     *
     * @throws ReconcileException ({@code MALFORMED}) if the message is not a protocol v1 message
     */
    public byte[] reconcile(byte[] message) {
        Objects.requireNonNull(message, "message");
        return engine.process(message, null);
    }
}
