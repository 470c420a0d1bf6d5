package dev.logmesh.internal.protocol;

import java.util.concurrent.atomic.LongAdder;

/**
 * A node's running totals of what crossed its links, read by its metrics ({@code logmesh.*} meters).
 *
 * <p>Threads: written by the node's loop (sessions) and by the transport's I/O threads (bytes), read by any
 * thread (a metrics scrape). Each total is a {@link LongAdder}: one uncontended add per {@code sync} message or
 * frame, no allocation, no lock; a read may miss an add in flight.
 */
public final class WireStats {
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder entriesAdded = new LongAdder();
    private final LongAdder entriesSent = new LongAdder();
    private final LongAdder entriesReceived = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder catchUpLag = new LongAdder();

    /** {@code n} bytes of frames received (UTF-8 payload, before decoding). */
    public void bytesIn(long n) {
        bytesIn.add(n);
    }

    /** {@code n} bytes of frames sent (UTF-8 payload). */
    public void bytesOut(long n) {
        bytesOut.add(n);
    }

    /** {@code n} entries were added to the log at this node (its API, its Logux clients). */
    public void added(long n) {
        entriesAdded.add(n);
    }

    /** {@code n} entries went out in a {@code sync} message (or as ids only, to a Plumtree lazy link). */
    public void sent(long n) {
        entriesSent.add(n);
    }

    /** {@code added} entries from a peer were new to this log and added; {@code dropped} it had already seen. */
    public void received(long added, long dropped) {
        entriesReceived.add(added);
        duplicates.add(dropped);
    }

    /** The catch-up lag (positions of peers' logs this node has still to receive) changed by {@code delta}. */
    public void lag(long delta) {
        catchUpLag.add(delta);
    }

    /** Bytes received so far. */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Bytes sent so far. */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Entries added at this node so far. */
    public long entriesAdded() {
        return entriesAdded.sum();
    }

    /** Entries sent to peers so far. */
    public long entriesSent() {
        return entriesSent.sum();
    }

    /** Entries received from peers and added to the log so far. */
    public long entriesReceived() {
        return entriesReceived.sum();
    }

    /** Entries received from peers that the log had seen already. */
    public long duplicates() {
        return duplicates.sum();
    }

    /** The sum over connected peers of what this node has still to receive of their logs, in positions. */
    public long catchUpLag() {
        return catchUpLag.sum();
    }
}
