package dev.logmesh.internal.reconcile;

import java.util.Objects;

/**
 * A reconciliation message from the peer that this side cannot process. The session is over: the caller
 * reports it to the peer as a wrong-format error and may start a new session later.
 *
 * <p>Unchecked, because it always comes from input the peer sent, never from this node's state.
 */
public final class ReconcileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the message was refused. */
    public enum Reason {
        /** Not a protocol v1 message: truncated, an unknown mode, a prefix over 32 bytes, a bad varint. */
        MALFORMED,
        /** The responder answered with another protocol version (its reply names the highest it has). */
        UNSUPPORTED_VERSION
    }

    private final Reason reason;

    /** A refusal for {@code reason}, with a detail for logs. */
    public ReconcileException(Reason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the message was refused. */
    public Reason reason() {
        return reason;
    }
}
