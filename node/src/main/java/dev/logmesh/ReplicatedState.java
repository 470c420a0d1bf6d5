package dev.logmesh;

import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Order;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A state computed from a node's log the same way on every node: the fold, with an application's reducer,
 * of all matching actions in <em>created</em> order ({@link ActionId} order), whatever order they arrived in.
 *
 * <pre>{@code
 * ReplicatedState<List<String>> items = ReplicatedState.create(node, e -> e.action().type().equals("item/add"),
 *     List.of(), (list, e) -> append(list, e.action().get("text").asText()));
 * items.listen(list -> SwingUtilities.invokeLater(() -> view.show(list)));
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>States are immutable.</b> The reducer gets a state and an entry and returns a new state; it must
 *       not modify the state it got (that state may be a checkpoint that is reused later), must be a pure
 *       function of its arguments (no clock, no randomness) so that every node computes the same thing,
 *       and must not block. {@code List.copyOf}, records and persistent collections fit.</li>
 *   <li><b>Order.</b> An action that arrives in order (its id sorts after the newest applied one) is
 *       applied at once. A late one (an older id: a peer that was offline, another path through the mesh)
 *       makes the helper <em>replay</em>: it goes back to the newest checkpoint older than the late action
 *       and folds the log again from there in created order ({@link Log#entries(Order, boolean, Object)}).
 *       Late actions added in one batch (a sync chunk) cause one replay, at the end of the batch.</li>
 *   <li><b>Checkpoints.</b> Every {@code checkpointEvery} applied actions the helper keeps
 *       {@code (id, state)}; at most {@code maxCheckpoints} of them (the oldest go first), plus the
 *       initial state. Memory is therefore bounded by {@code maxCheckpoints + 2} states; a replay reads at
 *       most the entries after the chosen checkpoint (the whole log if the late action is older than every
 *       kept checkpoint).</li>
 *   <li><b>Threads.</b> The reducer and listeners run on the node's loop thread. {@link #state()} may be
 *       read from any thread (it is the latest published state). Listeners get every new state once per
 *       change, and the current state when they register.</li>
 * </ul>
 *
 * <h2>Cleaning</h2>
 * A replay can only use what is still in the log. If the application cleans an action X (removes its
 * last reason), a replay from a checkpoint older than X would miss X. So the helper never replays from
 * before the newest cleaned matching action: when one is cleaned it drops the checkpoints older than it
 * and the initial state, never checkpoints before it, and, if no checkpoint is left, checkpoints the
 * current state (which already contains X). A later action
 * that is older than every remaining checkpoint ("beyond the cleaning horizon") cannot be put in its
 * place any more: the helper folds it on top of the current state, logs a warning and counts it in
 * {@link #lateBeyondHorizon()}. Nodes may then disagree. To avoid it, clean only actions older than the
 * longest time a peer can stay offline, or keep every action (the node's default keep reason does).
 * The same holds for a node started without a keep reason, which stores only actions that have reasons.
 *
 * <h2>Failure modes</h2>
 * A reducer that throws leaves the state as it was before that action (the action is skipped, and the
 * error is logged); since every node skips it the same way, states still agree. A filter that throws skips
 * the entry the same way. Listeners that throw are logged and ignored. Either way the node's other subscribers
 * of the entry (and of the rest of its batch) still get it. After {@link #close()} nothing changes any more.
 *
 * @param <S> the state type, immutable
 */
public final class ReplicatedState<S> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedState.class);

    /** Default number of applied actions between two checkpoints. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 1_000;
    /** Default number of checkpoints kept (besides the initial state). */
    public static final int DEFAULT_MAX_CHECKPOINTS = 32;

    private final MeshNode node;
    private final Log log;
    private final Predicate<Entry> filter;
    private final S initial;
    private final BiFunction<S, Entry, S> reducer;
    private final int checkpointEvery;
    private final int maxCheckpoints;
    private final List<Consumer<S>> listeners = new CopyOnWriteArrayList<>();
    /** Whether the first fold ran (and so gave its state to the listeners registered by then). Loop only. */
    private boolean begun;

    // Owned by the node's loop thread:
    /** The fold of every applied action up to {@link #lastId}. */
    private S current;
    /** Id of the newest applied action, or null. */
    private ActionId lastId;
    /** Applied actions since the last checkpoint. */
    private int sinceCheckpoint;
    /** Checkpoints by the id of the last action they contain. */
    private final TreeMap<ActionId, S> checkpoints = new TreeMap<>();
    /**
     * The newest cleaned action that the state contains, or null: replays must start at a checkpoint at
     * or after it (the log no longer has it), and never from the initial state.
     */
    private ActionId cleanedUpTo;
    /** Entries added while a replay is pending, by id; non-null exactly when a replay is scheduled. */
    private TreeMap<ActionId, Entry> pending;
    /** The oldest late id waiting for the pending replay. */
    private ActionId dirtyFrom;
    private Runnable offAdd;
    private Runnable offClean;
    private boolean closed;
    private long replays;
    private long beyondHorizon;

    /** The latest state, published for other threads. */
    private volatile S published;

    private ReplicatedState(MeshNode node, Predicate<Entry> filter, S initial, BiFunction<S, Entry, S> reducer,
                            int checkpointEvery, int maxCheckpoints) {
        this.node = node;
        this.log = node.log();
        this.filter = filter;
        this.initial = initial;
        this.reducer = reducer;
        this.checkpointEvery = checkpointEvery;
        this.maxCheckpoints = maxCheckpoints;
        this.current = initial;
        this.published = initial;
    }

    /**
     * {@link #create(MeshNode, Predicate, Object, BiFunction, int, int)} with the default checkpoint
     * spacing and count.
     */
    public static <S> ReplicatedState<S> create(MeshNode node, Predicate<Entry> filter, S initial,
                                                BiFunction<S, Entry, S> reducer) {
        return create(node, filter, initial, reducer, DEFAULT_CHECKPOINT_EVERY, DEFAULT_MAX_CHECKPOINTS);
    }

    /**
     * Starts folding a node's log: first the actions already in it, then every matching action added later.
     * The first fold runs on the node's loop; until it ran, {@link #state()} is {@code initial} (listeners
     * get the folded state as soon as it is ready).
     *
     * @param filter          which entries are folded (e.g. by action type); called on the loop
     * @param initial         the state before any action
     * @param reducer         {@code (state, entry) -> new state}; pure, non-blocking, must not modify its input
     * @param checkpointEvery applied actions between checkpoints, {@code >= 1}
     * @param maxCheckpoints  checkpoints kept, {@code >= 1}
     * @throws IllegalArgumentException for a bad count
     * @throws IllegalStateException    if the node is closed
     */
    public static <S> ReplicatedState<S> create(MeshNode node, Predicate<Entry> filter, S initial,
                                                BiFunction<S, Entry, S> reducer, int checkpointEvery,
                                                int maxCheckpoints) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(reducer, "reducer");
        if (checkpointEvery < 1 || maxCheckpoints < 1) {
            throw new IllegalArgumentException("checkpointEvery and maxCheckpoints must be >= 1");
        }
        if (node.isClosed()) {
            // its loop runs nothing any more: the state would stay the initial one without a word
            throw new IllegalStateException("node is closed: a state on it would never be folded");
        }
        ReplicatedState<S> s = new ReplicatedState<>(node, filter, initial, reducer, checkpointEvery,
            maxCheckpoints);
        node.onLoop(s::begin);
        return s;
    }

    private void begin() {
        if (closed) {
            return;
        }
        // Registering and reading the log in one loop task: no entry is missed or folded twice.
        // one failing filter or reducer must not stop the node's other subscribers of the entry or its batch
        offAdd = log.onAdd(MeshNode.isolated(this, this::added));
        offClean = log.onClean(MeshNode.isolated(this, this::cleaned));
        for (Entry e : log.entries(Order.CREATED, true, null)) {
            if (filter.test(e)) {
                apply(e);
            }
        }
        begun = true;
        publish();
    }

    /** The latest state; any thread. */
    public S state() {
        return published;
    }

    /**
     * Calls {@code listener} on the node's loop once with the current state (the folded one, also when
     * {@code listen} is called right after {@link #create}, before the first fold ran) and then once with each
     * new state.
     *
     * @return a subscription that ends the calls
     */
    public MeshNode.Subscription listen(Consumer<S> listener) {
        Objects.requireNonNull(listener, "listener");
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        node.loop().execute(() -> {
            if (ended.get() || closed) {
                return;
            }
            listeners.add(listener);
            if (ended.get()) {
                listeners.remove(listener); // ended on another thread meanwhile
            } else if (begun) {
                call(listener, current); // else the first fold gives it its first state
            }
        });
        return () -> {
            ended.set(true);
            listeners.remove(listener);
        };
    }

    /** How many late actions could not be put in order because older actions were cleaned (see class doc). */
    public long lateBeyondHorizon() {
        return beyondHorizon;
    }

    /** How many replays ran (for tests); loop thread. */
    long replays() {
        return replays;
    }

    /** Checkpoint ids, oldest first (for tests); loop thread. */
    List<ActionId> checkpointIds() {
        return new ArrayList<>(checkpoints.keySet());
    }

    /** Stops following the log; the state stays as it is. Any thread; idempotent. */
    @Override
    public void close() {
        listeners.clear();
        node.onLoop(() -> {
            closed = true;
            if (offAdd != null) {
                offAdd.run();
                offClean.run();
            }
            checkpoints.clear();
            pending = null;
        });
    }

    // ---------------------------------------------------------------- on the loop

    private void added(Entry e) {
        if (closed || !filter.test(e)) {
            return;
        }
        if (pending != null) {
            pending.put(e.id(), e);
            if (lastId != null && e.id().isBefore(lastId) && e.id().isBefore(dirtyFrom)) {
                dirtyFrom = e.id();
            }
            return;
        }
        if (lastId == null || lastId.isBefore(e.id())) {
            apply(e);
            publish();
            return;
        }
        // Late: wait for the rest of the batch (the store has it already), then replay once.
        pending = new TreeMap<>();
        pending.put(e.id(), e);
        dirtyFrom = e.id();
        node.loop().execute(this::replay);
    }

    private void cleaned(Entry e) {
        if (closed || !filter.test(e)) {
            return;
        }
        if (cleanedUpTo == null || cleanedUpTo.isBefore(e.id())) {
            cleanedUpTo = e.id();
        }
        checkpoints.headMap(cleanedUpTo, false).clear();
        if (checkpoints.isEmpty() && pending == null && lastId != null && !lastId.isBefore(cleanedUpTo)) {
            // The current state contains everything up to lastId: a valid start for later replays.
            checkpoints.put(lastId, current);
            sinceCheckpoint = 0;
        }
    }

    private void replay() {
        TreeMap<ActionId, Entry> late = pending;
        pending = null;
        if (closed || late == null) {
            return;
        }
        Map.Entry<ActionId, S> from = checkpoints.lowerEntry(dirtyFrom);
        if (from == null && cleanedUpTo != null) {
            beyondHorizon(late);
            return;
        }
        replays++;
        ActionId after = from == null ? null : from.getKey();
        current = from == null ? initial : from.getValue();
        lastId = after;
        sinceCheckpoint = 0;
        checkpoints.tailMap(dirtyFrom, true).clear();
        // Merge the log (created order) with entries of the batch that the store may not hold.
        // (every pending id is at or after dirtyFrom, so after the checkpoint)
        Iterator<Entry> extra = late.values().iterator();
        Entry next = extra.hasNext() ? extra.next() : null;
        for (Entry e : log.entries(Order.CREATED, true, after)) {
            while (next != null && next.id().isBefore(e.id())) {
                apply(next);
                next = extra.hasNext() ? extra.next() : null;
            }
            if (next != null && next.id().equals(e.id())) {
                next = extra.hasNext() ? extra.next() : null;
            }
            if (filter.test(e)) {
                apply(e);
            }
        }
        while (next != null) {
            apply(next);
            next = extra.hasNext() ? extra.next() : null;
        }
        publish();
    }

    private void beyondHorizon(SortedMap<ActionId, Entry> late) {
        for (Entry e : late.values()) {
            if (lastId != null && !lastId.isBefore(e.id())) {
                beyondHorizon++;
                LOG.warn("action {} arrived after older actions were cleaned: folded out of order", e.id());
            }
            apply(e);
        }
        publish();
    }

    private void apply(Entry e) {
        try {
            current = reducer.apply(current, e);
        } catch (RuntimeException ex) {
            LOG.error("reducer failed on {}; the action is skipped", e.id(), ex);
        }
        if (lastId == null || lastId.isBefore(e.id())) {
            lastId = e.id();
        }
        if (++sinceCheckpoint >= checkpointEvery && (cleanedUpTo == null || !lastId.isBefore(cleanedUpTo))) {
            sinceCheckpoint = 0;
            checkpoints.put(lastId, current);
            if (checkpoints.size() > maxCheckpoints) {
                checkpoints.pollFirstEntry();
            }
        }
    }

    private void publish() {
        published = current;
        for (Consumer<S> l : listeners) {
            call(l, current);
        }
    }

    private void call(Consumer<S> listener, S state) {
        try {
            listener.accept(state);
        } catch (RuntimeException ex) {
            LOG.error("state listener {} failed at {}", listener, lastId, ex);
        }
    }
}
