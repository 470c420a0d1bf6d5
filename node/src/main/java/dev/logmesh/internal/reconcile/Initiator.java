package dev.logmesh.internal.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The side of a reconciliation session that starts it and learns the differences (Negentropy protocol v1's
 * client; the algorithm is Meyer 2022, "Range-Based Set Reconciliation").
 *
 * <pre>{@code
 * Initiator session = Initiator.create(index, options);
 * byte[] msg = session.initiate();
 * while (msg != null) {
 *     byte[] answer = send(msg);            // the peer's Responder.reconcile(msg)
 *     Round round = session.reconcile(answer);
 *     push(round.have());                   // what the peer lacks
 *     pull(round.need());                   // what this side lacks
 *     msg = round.reply();
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #initiate()} once, then {@link #reconcile(byte[])} with each answer until a
 * {@link Round} has no reply. A session is cheap; after an error or a timeout, drop it and start a new one.
 *
 * <p>Threads: not thread-safe. Call it on the node's loop thread, the one that changes the storage; the
 * storage may change between two calls (the differences are then those of the sets as they were when each
 * range was compared), never during one.
 *
 * <p>Memory: besides the messages, the ids of the differences reported so far, 32 bytes each, so each is
 * reported once.
 */
public final class Initiator {
    private enum State { NEW, WAITING, DONE }

    private final RangeEngine engine;
    private final SeenIds reported = new SeenIds();
    private State state = State.NEW;

    private Initiator(ItemStorage storage, ReconcileOptions options) {
        this.engine = new RangeEngine(storage, options);
    }

    /** A session over {@code storage} with {@code options} (frame limit and cutoff). */
    public static Initiator create(ItemStorage storage, ReconcileOptions options) {
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(options, "options");
        return new Initiator(storage, options);
    }

    /**
     * The first message of the session. It is small (at most 16 fingerprints or 31 ids, about 1 KB) whatever
     * the frame limit.
     *
     * @throws IllegalStateException if called twice
     */
    public byte[] initiate() {
        if (state != State.NEW) {
            throw new IllegalStateException("initiate() was already called on this session");
        }
        state = State.WAITING;
        return engine.initiate();
    }

    /**
     * Processes the responder's answer to the last message sent.
     *
     * @return the next message to send, or none when the session is complete, and the differences found
     * @throws ReconcileException    if the answer is malformed ({@code MALFORMED}) or in another protocol version
     *                               ({@code UNSUPPORTED_VERSION}); the session cannot continue
     * @throws IllegalStateException before {@link #initiate()} or after the session completed
     */
    public Round reconcile(byte[] answer) {
        Objects.requireNonNull(answer, "answer");
        if (state != State.WAITING) {
            throw new IllegalStateException(state == State.NEW ? "call initiate() first" : "the session is complete");
        }
        List<Item> have = new ArrayList<>();
        List<Need> need = new ArrayList<>();
        byte[] out = engine.process(answer, new RangeEngine.Differences() {
            @Override
            public void have(Item item) {
                if (reported.add(item.id())) {
                    have.add(item);
                }
            }

            @Override
            public void need(ItemId id, long minTimestamp, long maxTimestamp) {
                if (reported.add(id)) {
                    need.add(new Need(id, minTimestamp, maxTimestamp));
                }
            }
        });
        if (out.length == 1) {
            state = State.DONE;
            out = null;
        }
        return new Round(out, have, need);
    }

    /** Whether the last round had no reply: the sets are reconciled. */
    public boolean isDone() {
        return state == State.DONE;
    }
}
