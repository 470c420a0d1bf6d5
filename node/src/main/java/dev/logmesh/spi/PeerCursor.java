package dev.logmesh.spi;

/**
 * How far sync with one peer got, persisted with the log and keyed by the peer's node id.
 *
 * @param received the highest {@code added} of the peer's log that this node processed
 * @param sent     the highest {@code added} of this node's log that the peer acknowledged
 */
public record PeerCursor(long received, long sent) {
    /** No sync yet. */
    public static final PeerCursor NONE = new PeerCursor(0, 0);

    /**
     * The record's equality, written out: the generated one goes through method handles, slow until compiled, and the
     * log compares cursors at every {@code sync} and {@code synced} from a node's first second.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof PeerCursor c && received == c.received && sent == c.sent;
    }

    /** The record's hash (31 × that of {@code received}, plus that of {@code sent}), written out as {@link #equals}. */
    @Override
    public int hashCode() {
        return Long.hashCode(received) * 31 + Long.hashCode(sent);
    }

    public PeerCursor {
        if (received < 0 || sent < 0) {
            throw new IllegalArgumentException("cursor values must be >= 0");
        }
    }

    /** This cursor with {@code received} raised to at least {@code value}. */
    public PeerCursor withReceived(long value) {
        return value > received ? new PeerCursor(value, sent) : this;
    }

    /** This cursor with {@code sent} raised to at least {@code value}. */
    public PeerCursor withSent(long value) {
        return value > sent ? new PeerCursor(received, value) : this;
    }
}
