package dev.logmesh;

import dev.logmesh.internal.callback.Callbacks;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.Order;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
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
 *   <li><b>Folding in slices.</b> A fold (the first one, of the log a node has at start, and each replay) runs
 *       on the loop in slices of at most 1,024 log entries or 10 ms (a slice ends after the entry during which
 *       the 10 ms passed, so a slow reducer makes a slice longer by one call), each slice one loop task; between
 *       two slices the loop does its socket I/O and its other tasks (pings, syncs, adds, other sessions). Before
 *       (session 23), a fold was one task: 1.5-1.8 s for 200,000 entries in a SQLite log at a node's start (a cold
 *       JVM; 0.75 s warm), during which the node answered nothing; now pings wait at most 18-41 ms during it (README,
 *       "Embedding"). Actions added or cleaned while a fold runs are folded exactly once, in created order:
 *       one newer than the fold's position waits for the fold to reach it, one older makes the next slice go
 *       back to the checkpoint before it, one cleaned from the log before the fold read it is folded from the
 *       copy the helper kept. {@link #state()} and the listeners change only when a fold has finished: nobody
 *       sees a partly folded state, and actions added during a fold show with its end.</li>
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
 * {@link #lateBeyondHorizon()}. The checkpoints lack such an action, so the horizon then moves up to the
 * newest action folded (the helper checkpoints the state there and drops the older checkpoints): a later
 * late action older than that is folded on top too. (Before, session 23, a later replay started from an
 * older checkpoint and lost the actions folded on top.) Nodes may then disagree. To avoid it, clean only
 * actions older than the longest time a peer can stay offline, or keep every action (the node's default
 * keep reason does).
 * The same holds for a node started without a keep reason, which stores only actions that have reasons.
 *
 * <h2>Failure modes</h2>
 * A reducer that throws leaves the state as it was before that action (the action is skipped, and the
 * error is logged); since every node skips it the same way, states still agree. A filter that throws skips
 * the entry the same way. Listeners that throw are logged and ignored. "Throws" means a {@link RuntimeException} or
 * an {@link Error} that says nothing of the JVM's health ({@link AssertionError}, {@link StackOverflowError}, {@link
 * NoClassDefFoundError}, ...; before session 27 such an Error ended the node); an {@link OutOfMemoryError} or
 * another {@link VirtualMachineError} ends the node. Either way the node's other subscribers
 * of the entry (and of the rest of its batch) still get it. After {@link #close()}, or the node's close, nothing
 * changes any more and no listener is called (also not for the rest of a batch whose listener closed the node).
 *
 * @param <S> the state type, immutable
 */
public final class ReplicatedState<S> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedState.class);

    /** Default number of applied actions between two checkpoints. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 1_000;
    /** Default number of checkpoints kept (besides the initial state). */
    public static final int DEFAULT_MAX_CHECKPOINTS = 32;
    /**
     * Most entries read from the log in one slice of a fold (one loop task); 1024 is two of the log's pages. At
     * about 4 µs an entry (a SQLite log, a small reducer) a slice takes about 4 ms.
     */
    static final int DEFAULT_SLICE_ENTRIES = 1024;
    /**
     * Longest a slice of a fold reads on, ms by the loop's clock ({@link Loop#now()}): 10 ms, so
     * that a slow reducer cannot hold the loop much longer (a slice ends after the entry during which this passed).
     * The test kit's manual loop stands still during a task: there slices end by count only, and a run stays
     * the same from its seed.
     */
    static final long SLICE_MILLIS = 10;

    private final MeshNode node;
    private final Log log;
    private final Predicate<Entry> filter;
    private final S initial;
    private final BiFunction<S, Entry, S> reducer;
    private final int checkpointEvery;
    private final int maxCheckpoints;
    private final int sliceEntries;
    /** Failures of the filter, logged boundedly; loop only. */
    private final MeshNode.FailureLog filterFailures;
    /** The reducer's failures, logged bounded: a reducer failing on every entry of a fold logged a trace each. */
    private final MeshNode.FailureLog reducerFailures;
    /** Each state listener's failures, logged bounded (each log used on the loop only; removed with its listener). */
    private final Map<Consumer<S>, MeshNode.FailureLog> listenerFailures =
        new java.util.concurrent.ConcurrentHashMap<>();
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
     * The newest cleaned action that the state contains, or the newest action folded when late actions were
     * folded on top (beyond this horizon), or null: replays must start at a checkpoint at or after it (the log
     * no longer has the cleaned action; the checkpoints before it lack the actions folded on top), and never
     * from the initial state.
     */
    private ActionId horizon;
    /**
     * Non-null exactly while a fold runs (the first one, or a replay): the matching entries it has yet to fold that
     * the log may not give it, by id. These are the ones added after {@link #position} (merged as the fold reaches
     * them) and the late ones (older than {@link #lastId}; the next slice goes back to a checkpoint before them),
     * and the ones cleaned from the log after {@link #position} before the fold read them.
     */
    private TreeMap<ActionId, Entry> pending;
    /** While a fold runs: the id of the last log entry it read (matching or not), or null before the first. */
    private ActionId position;
    /** While a fold runs: the oldest late id that the next slice must go back for, or null. */
    private ActionId dirtyFrom;
    /** The next slice of the fold, scheduled on the loop, or null. */
    private Loop.Cancellable next;
    private Runnable offAdd;
    private Runnable offClean;
    private boolean closed;
    private long replays;
    /**
     * Late actions folded out of order: written on the loop, read on any thread ({@link #lateBeyondHorizon()}; a
     * plain long before session 26, which a thread polling it might never see change).
     */
    private final AtomicLong beyondHorizon = new AtomicLong();

    /** The latest state, published for other threads. */
    private volatile S published;

    private ReplicatedState(MeshNode node, Predicate<Entry> filter, S initial, BiFunction<S, Entry, S> reducer,
                            int checkpointEvery, int maxCheckpoints, int sliceEntries) {
        this.node = node;
        this.log = node.log();
        this.filter = filter;
        this.initial = initial;
        this.reducer = reducer;
        this.checkpointEvery = checkpointEvery;
        this.maxCheckpoints = maxCheckpoints;
        this.sliceEntries = sliceEntries;
        // named for what they are: the filter's were logged as "subscriber ..." until session 28
        this.filterFailures = new MeshNode.FailureLog("state filter", filter, System::nanoTime);
        this.reducerFailures = new MeshNode.FailureLog("state reducer", reducer, System::nanoTime);
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
     * The first fold runs on the node's loop in slices (class doc, "Folding in slices"); until it finished,
     * {@link #state()} is {@code initial} (listeners get the folded state as soon as it is ready, not before).
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
        return create(node, filter, initial, reducer, checkpointEvery, maxCheckpoints, DEFAULT_SLICE_ENTRIES);
    }

    /** As the public {@code create}, with at most {@code sliceEntries} log entries per slice of a fold (tests). */
    static <S> ReplicatedState<S> create(MeshNode node, Predicate<Entry> filter, S initial,
                                         BiFunction<S, Entry, S> reducer, int checkpointEvery, int maxCheckpoints,
                                         int sliceEntries) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(reducer, "reducer");
        if (checkpointEvery < 1 || maxCheckpoints < 1 || sliceEntries < 1) {
            throw new IllegalArgumentException("checkpointEvery, maxCheckpoints and sliceEntries must be >= 1");
        }
        if (node.isClosed()) {
            // its loop runs nothing any more: the state would stay the initial one without a word
            throw new IllegalStateException("node is closed: a state on it would never be folded");
        }
        ReplicatedState<S> s = new ReplicatedState<>(node, filter, initial, reducer, checkpointEvery,
            maxCheckpoints, sliceEntries);
        node.onLoop(s::begin);
        return s;
    }

    private void begin() {
        if (closed) {
            return;
        }
        // Registering and starting the fold in one loop task: an entry added from now on is either read by the
        // fold from the log or given to added(), which keeps it for the fold (pending) or folds it in order.
        // one failing filter or reducer must not stop the node's other subscribers of the entry or its batch
        offAdd = log.onAdd(MeshNode.isolated(this, this::added));
        offClean = log.onClean(MeshNode.isolated(this, this::cleaned));
        pending = new TreeMap<>();
        position = null;
        fold();
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
     * @throws IllegalStateException if the node is closed (the listener would never be called)
     */
    public MeshNode.Subscription listen(Consumer<S> listener) {
        Objects.requireNonNull(listener, "listener");
        if (node.isClosed()) {
            // its loop runs nothing any more: before (embed25) the listener was silently never called
            throw new IllegalStateException("node is closed: a listener of its state would never be called");
        }
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        node.loop().execute(() -> {
            if (ended.get() || closed) {
                return;
            }
            listeners.add(listener);
            if (ended.get()) {
                listeners.remove(listener); // ended on another thread meanwhile
            } else if (begun) {
                call(listener, published); // else the first fold gives it its first state (and a replay running
                                           // now, its next one: current is the replay's partial state)
            }
        });
        return () -> {
            ended.set(true);
            listeners.remove(listener);
            listenerFailures.remove(listener);
        };
    }

    /**
     * How many late actions could not be put in order because older actions were cleaned (see class doc). Any
     * thread (the loop counts them).
     */
    public long lateBeyondHorizon() {
        return beyondHorizon.get();
    }

    /** How many replays ran (for tests); loop thread. */
    long replays() {
        return replays;
    }

    /** Checkpoint ids, oldest first (for tests); loop thread. */
    List<ActionId> checkpointIds() {
        return new ArrayList<>(checkpoints.keySet());
    }

    /**
     * Stops following the log; the state stays as it is (a fold running stops at the end of its slice, and
     * {@link #state()} keeps the state published before it). Any thread; idempotent.
     */
    @Override
    public void close() {
        listeners.clear();
        node.onLoop(() -> {
            closed = true;
            if (offAdd != null) {
                offAdd.run();
                offClean.run();
            }
            if (next != null) {
                next.cancel(); // a fold running stops here
                next = null;
            }
            checkpoints.clear();
            pending = null;
        });
    }

    // ---------------------------------------------------------------- on the loop

    private void added(Entry e) {
        if (closed || node.callbacksStopped() || !matches(e)) {
            return;
        }
        if (pending != null) {
            if (position == null || position.isBefore(e.id())) {
                pending.put(e.id(), e); // ahead of the fold: merged when the fold gets there
            } else if (lastId == null || lastId.isBefore(e.id())) {
                apply(e); // behind the fold's read position but after every action folded: in order now
            } else {
                pending.put(e.id(), e); // late: the next slice goes back to a checkpoint before it
                if (dirtyFrom == null || e.id().isBefore(dirtyFrom)) {
                    dirtyFrom = e.id();
                }
            }
            return;
        }
        if (lastId == null || lastId.isBefore(e.id())) {
            apply(e);
            publish();
            return;
        }
        // Late: a replay, which is a fold from the checkpoint before it. Its first slice runs after the rest of
        // the batch was added (the store has it already), so a batch of late actions makes one replay.
        pending = new TreeMap<>();
        pending.put(e.id(), e);
        dirtyFrom = e.id();
        position = lastId;
        next = node.loop().schedule(0, this::fold);
    }

    private void cleaned(Entry e) {
        if (closed || !matches(e)) {
            return;
        }
        if (pending != null && (position == null || position.isBefore(e.id()))) {
            // in the log when the fold began, gone before the fold read it: folded from here (once; an entry added
            // and cleaned during the fold is here already)
            pending.put(e.id(), e);
        }
        if (horizon == null || horizon.isBefore(e.id())) {
            horizon = e.id();
        }
        checkpoints.headMap(horizon, false).clear();
        if (checkpoints.isEmpty() && pending == null && lastId != null && !lastId.isBefore(horizon)) {
            // The current state contains everything up to lastId: a valid start for later replays.
            checkpoints.put(lastId, current);
            sinceCheckpoint = 0;
        }
    }

    /**
     * One slice of the fold (the first one at start, or a replay): goes back to a checkpoint if a late action
     * arrived, then reads the log in created order after {@link #position}, merging the pending entries, for at most
     * {@link #sliceEntries} entries or {@link #SLICE_MILLIS}; then either schedules the next slice or, at the end of
     * the log, folds the pending entries left, publishes and ends the fold.
     */
    private void fold() {
        next = null;
        if (closed || pending == null) {
            return;
        }
        if (dirtyFrom != null) {
            rewind();
        }
        Loop loop = node.loop();
        long started = loop.monotonicMillis();
        int n = 0;
        for (Entry e : log.entries(Order.CREATED, true, position)) {
            n += applyPendingBefore(e.id());
            pending.remove(e.id()); // the log's copy is folded: once
            position = e.id();
            if (matches(e)) {
                apply(e);
            }
            if (++n >= sliceEntries || loop.monotonicMillis() - started >= SLICE_MILLIS) {
                // schedule, not execute: Netty runs tasks posted with execute() up to 64 at a time (or for 1 s)
                // before it reads sockets again; a scheduled task waits for the next turn of the loop, after its I/O
                next = loop.schedule(0, this::fold);
                return;
            }
        }
        for (Entry e : pending.values()) {
            apply(e);
        }
        pending = null;
        position = null;
        if (horizon != null && checkpoints.isEmpty() && lastId != null && !lastId.isBefore(horizon)) {
            checkpoints.put(lastId, current); // as cleaned() does when no fold runs
            sinceCheckpoint = 0;
        }
        begun = true;
        publish();
    }

    /** Folds and forgets the pending entries older than {@code id}, in order. @return how many */
    private int applyPendingBefore(ActionId id) {
        int n = 0;
        while (!pending.isEmpty() && pending.firstKey().isBefore(id)) {
            apply(pending.pollFirstEntry().getValue());
            n++;
        }
        return n;
    }

    /**
     * Restarts the fold at the newest checkpoint older than {@link #dirtyFrom}, or, when the cleaning horizon
     * forbids going back that far, folds the late entries on top of the current state.
     */
    private void rewind() {
        ActionId late = dirtyFrom;
        dirtyFrom = null;
        Map.Entry<ActionId, S> from = checkpoints.lowerEntry(late);
        if (from == null && horizon != null) {
            // every late entry is at or before position (the others are ahead, and wait for the fold)
            SortedMap<ActionId, Entry> behind = pending.headMap(position, true);
            for (Entry e : behind.values()) {
                beyondHorizon.incrementAndGet();
                LOG.warn("action {} arrived after older actions were cleaned: folded out of order", e.id());
                apply(e);
            }
            behind.clear();
            if (lastId != null) {
                // The checkpoints lack the actions just folded on top, so a replay from one of them would lose
                // them (before, session 23: a later late action that replayed from a checkpoint dropped them from
                // the state). The state now is the start of later replays, and the horizon moves up to it.
                if (horizon.isBefore(lastId)) {
                    horizon = lastId;
                }
                checkpoints.clear();
                if (horizon.equals(lastId)) { // else a cleaned action ahead of the fold is the horizon
                    checkpoints.put(lastId, current);
                    sinceCheckpoint = 0;
                }
            }
            return;
        }
        replays++;
        ActionId after = from == null ? null : from.getKey();
        current = from == null ? initial : from.getValue();
        lastId = after;
        position = after;
        sinceCheckpoint = 0;
        checkpoints.tailMap(late, true).clear();
    }

    /** The filter's verdict; a filter that throws skips the entry (logged, bounded). */
    private boolean matches(Entry e) {
        try {
            return filter.test(e);
        } catch (RuntimeException | Error ex) {
            Callbacks.rethrowFatal(ex);
            filterFailures.failed(e, ex);
            return false;
        }
    }

    private void apply(Entry e) {
        try {
            current = reducer.apply(current, e);
        } catch (RuntimeException | Error ex) {
            Callbacks.rethrowFatal(ex);
            reducerFailures.failed(e, ex); // the action is skipped: the state stays as it was before it
        }
        if (lastId == null || lastId.isBefore(e.id())) {
            lastId = e.id();
        }
        if (++sinceCheckpoint >= checkpointEvery && (horizon == null || !lastId.isBefore(horizon))) {
            sinceCheckpoint = 0;
            checkpoints.put(lastId, current);
            if (checkpoints.size() > maxCheckpoints) {
                checkpoints.pollFirstEntry();
            }
        }
    }

    private void publish() {
        if (node.callbacksStopped()) {
            return; // the node closed during this task (a listener closed it): the state stays as published
        }
        published = current;
        for (Consumer<S> l : listeners) {
            call(l, current);
        }
    }

    private void call(Consumer<S> listener, S state) {
        try {
            listener.accept(state);
        } catch (RuntimeException | Error ex) {
            Callbacks.rethrowFatal(ex);
            listenerFailures.computeIfAbsent(listener, l -> new MeshNode.FailureLog("state listener", l, System::nanoTime))
                .failedAt(lastId, ex);
        }
    }
}
