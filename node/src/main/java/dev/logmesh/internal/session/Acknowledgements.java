package dev.logmesh.internal.session;

import dev.logmesh.ActionId;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The inbound side's promise: a received {@code sync} or {@code logmesh:ihave} is answered with
 * {@code synced} (and the received cursor moved over it) only when it and every batch received before it
 * are complete, i.e. every id they carried is in the log, durably. So neither the answer nor the cursor ever
 * passes an entry this node lacks, and answers go out in the order the batches came.
 *
 * <p>Called on the node's loop only.
 */
final class Acknowledgements {
    /** One received batch: its {@code added} number and the ids of it not in the log yet. */
    private record Batch(long upTo, Set<ActionId> missing) {
    }

    /**
     * How many answered {@code added} numbers {@link #answeredBefore} remembers: a peer sends a batch again after
     * {@link Liveness#OVERTAKEN_GRACE_MILLIS} without its answer, so this covers a link answering up to ~1,000
     * batches a second; past that a batch sent again is taken for a new one (today's cost: a needless prune).
     */
    static final int REMEMBERED = 4096;

    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    /** The last {@link #REMEMBERED} answered numbers, a ring; null until {@link #remember} asks for it. */
    private long[] answered;
    private int answeredCount;

    /** A batch came; {@code missing} (which this class then owns) lists its ids not in the log. */
    void received(long upTo, Set<ActionId> missing) {
        batches.add(new Batch(upTo, missing));
    }

    /** An entry reached the log: it is no longer missing from any batch. */
    void arrived(ActionId id) {
        for (Batch b : batches) {
            b.missing.remove(id);
        }
    }

    /** Hands every complete batch at the head, oldest first, to {@code answer}, and forgets it. */
    void drain(LongConsumer answer) {
        while (!batches.isEmpty() && batches.peek().missing.isEmpty()) {
            long upTo = batches.poll().upTo;
            if (answered != null) {
                answered[answeredCount++ % REMEMBERED] = upTo;
            }
            answer.accept(upTo);
        }
    }

    /** From now on, answered numbers are remembered for {@link #answeredBefore} (32 KiB; mesh links only). */
    void remember() {
        if (answered == null) {
            answered = new long[REMEMBERED];
        }
    }

    /**
     * Whether a batch with this {@code added} number was answered before in this session, among the last
     * {@link #REMEMBERED}: the peer sent it again because the answer was lost (a logmesh peer's fast retransmit,
     * {@link Liveness#resendDue}), so the entries it carries again came first by this same link, not by another
     * path. A linear scan: called only for a batch that held duplicates.
     */
    boolean answeredBefore(long upTo) {
        if (answered == null) {
            return false;
        }
        for (int i = 0, n = Math.min(answeredCount, REMEMBERED); i < n; i++) {
            if (answered[i] == upTo) {
                return true;
            }
        }
        return false;
    }

    /** Whether every received batch was answered. */
    boolean isEmpty() {
        return batches.isEmpty();
    }

    /** Forgets every batch (the session ended; nothing of them is answered). */
    void clear() {
        batches.clear();
    }
}
