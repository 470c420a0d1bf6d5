package dev.logmesh.internal.net;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A node-wide budget of bytes for the Logux client frames over the frame limit that the node's accepted links are
 * reading at once ({@code NodeConfig.clientFrameBudgetBytes}): each link's {@link FrameLimit} takes a message's
 * bytes from it when the message's frame headers bring it over the frame limit, and gives them back once the node's
 * loop has handled the message, or the link has closed. Each client's frame is bounded by the client frame limit,
 * but many clients at once were not: 16 clients each sending a 15 MB frame stopped a {@code -Xmx256m} node with an
 * {@code OutOfMemoryError} (session 26). Lock-free; any thread.
 */
final class FrameBudget {
    private final long bytes;
    private final AtomicLong left;

    /** @param bytes the budget, in bytes (positive) */
    FrameBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a frame budget must be positive, got " + bytes);
        }
        this.bytes = bytes;
        this.left = new AtomicLong(bytes);
    }

    /** The whole budget, in bytes. */
    long bytes() {
        return bytes;
    }

    /** Bytes not taken now. */
    long left() {
        return left.get();
    }

    /** Takes {@code n} bytes if that many are left. @return whether it took them */
    boolean take(long n) {
        long l;
        do {
            l = left.get();
            if (n > l) {
                return false;
            }
        } while (!left.compareAndSet(l, l - n));
        return true;
    }

    /** Gives back {@code n} bytes taken before. */
    void give(long n) {
        left.addAndGet(n);
    }
}
