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

    private final ArrayDeque<Batch> batches = new ArrayDeque<>();

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
            answer.accept(batches.poll().upTo);
        }
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
