package dev.logmesh.internal.reconcile;

import java.util.List;

/**
 * What one message taught the initiator: the reply to send (or none, when the sets are reconciled), and
 * the differences found in this message.
 *
 * <p>Over a whole session, the {@code have} lists add up to exactly the items this side holds and the peer
 * lacks, and the {@code need} lists to exactly the ids the peer holds and this side lacks, each reported
 * once (the initiator drops repeats). Both are relative to the two sets as they were while the session ran.
 *
 * <p>Immutable but for the reply array, which is handed over to the caller; safe to pass to another thread.
 */
public final class Round {
    private final byte[] reply;
    private final List<Item> have;
    private final List<Need> need;

    Round(byte[] reply, List<Item> have, List<Need> need) {
        this.reply = reply;
        this.have = List.copyOf(have);
        this.need = List.copyOf(need);
    }

    /**
     * The message to send to the responder, or {@code null} when reconciliation is complete. The array is
     * the caller's: the engine keeps no reference to it.
     */
    public byte[] reply() {
        return reply;
    }

    /** Whether the session is over: there is no reply to send. */
    public boolean isDone() {
        return reply == null;
    }

    /** Items this side holds that the peer lacks, found in this message, in item order per range. */
    public List<Item> have() {
        return have;
    }

    /** Ids the peer holds that this side lacks, found in this message, in the peer's order. */
    public List<Need> need() {
        return need;
    }

    @Override
    public String toString() {
        return "Round[reply=" + (reply == null ? "none" : reply.length + " bytes") + ", have=" + have.size()
            + ", need=" + need.size() + "]";
    }
}
