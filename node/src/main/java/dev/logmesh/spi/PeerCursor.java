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
