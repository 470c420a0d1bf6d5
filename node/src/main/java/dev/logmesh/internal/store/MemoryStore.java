package dev.logmesh.internal.store;

import dev.logmesh.Criteria;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link Store} in memory, for tests and ephemeral nodes. Adding is O(1) per entry but for the reason index
 * (O(log n)): the {@code added} index appends, and the ids (seen and held) are one hash map. The created-order
 * map is kept up lazily: ids added since its last read wait in a list and go in at the next created-order read
 * or removal (O(log n) each, or O(n) in all when the map is empty and they arrive in created order, as a fresh
 * node's catch-up does), so a catch-up does not pay for an order nobody reads meanwhile. Reads and cleaning are
 * O(log n) per entry touched. {@link #forgetSeen} scans the seen ids: it is rare maintenance.
 * Nothing in memory is ever corrupt, so {@link #onCorrupt} listeners are never called; its epoch is new with
 * every instance, and its clock reservation lives as long as it does.
 *
 * <h2>Budget</h2>
 * A store may be given a budget of bytes ({@link #MemoryStore(long)}): the heap its log may take, as estimated by
 * {@link #entryBytes} and {@link #SEEN_ID_BYTES}. An {@link #add} that would take it over the budget is refused with
 * a {@link StoreException} as the {@link Store} contract's "Failures" say a full disk is: nothing of the call is
 * written, the counters stay as they were, and the same add works again once there is room, which cleaning makes
 * (an entry whose last reason is removed gives back its bytes; its id stays seen and keeps its {@link
 * #SEEN_ID_BYTES} until {@link #forgetSeen}). Only adds are refused: {@link #changeMeta} (a meta a few bytes longer),
 * cursors and state are taken over the budget (they are small and their callers have no way to go on without them).
 * A node makes its own memory store with a budget ({@code NodeConfig.Builder.memoryLimit}, by default a third of
 * the JVM's maximum heap), so that a flood of actions makes the node say "full" instead of ending it with an
 * {@link OutOfMemoryError}. {@link #MemoryStore()} has none (tests and simulations, which build many stores in
 * one JVM and hold what they add).
 *
 * <p>The estimate, per entry held: {@link #ENTRY_BYTES} for the objects around it (the entry, its meta and id, the
 * hash map's and the created-order tree's nodes, the {@code added} index's slot) plus the action's JSON text at one
 * byte per char (a JDK compact string: text beyond Latin-1 takes two bytes per char, so a log of such text takes up
 * to twice its estimate), {@link #REASON_BYTES} per reason and an estimate of custom meta values. Checked once
 * against the heap (session 42, {@code jcmd GC.class_histogram} of a {@code --memory} node flooded with 20,000-char
 * actions by {@code interop/edge/flood.mjs} until full): see the figure at {@link #ENTRY_BYTES}. Accounting is O(1)
 * per entry and allocates nothing (but for custom meta values, rare, whose trees are walked).
 */
public final class MemoryStore implements Store {
    /**
     * The estimated heap of one id in the seen index that holds no entry (a cleaned or reasonless id): the hash map's
     * node and table slot and the {@link ActionId} (its node id string is shared with the other ids of that node).
     */
    public static final long SEEN_ID_BYTES = 96;
    /**
     * The estimated heap of a held entry besides its action's text, its reasons and custom meta values: the {@link
     * Entry}, {@link Meta}, {@link dev.logmesh.Action} and text {@code String} objects, the created-order tree's node,
     * the {@code added} index's slot, and the seen index's share ({@link #SEEN_ID_BYTES}), which stays after a clean.
     * Checked against the heap in session 42: a {@code --memory} node with {@code -Xmx128m} (budget 41.3 MiB) flooded
     * with actions of 20,000 chars held 2,127 of them when full, estimated at 43.3 MB; {@code jcmd GC.class_histogram}
     * (after a full GC) counted 44.8 MB of {@code byte[]} in the whole heap (48.4 MiB used, the node's own ~5 MiB
     * included) and 102 KB of {@link Meta}: the estimate within about 1% of the log's heap for large actions. For
     * small ones it is an upper bound: {@code scripts/bench-sync} measures about 290 bytes of heap per entry of a small
     * action (100,000 entries after GC), which this estimates at about 370.
     */
    public static final long ENTRY_BYTES = 320;
    /** The estimated heap of one reason of a held entry: its slot in the reasons index and in the meta's list. */
    public static final long REASON_BYTES = 16;
    /** Where a user sets a node's budget, as the full store's message names it. */
    static final String HOW_TO_SET = "logmesh node --memory-limit SIZE, NodeConfig memoryLimit";
    /** {@link #budget} of a store without one. */
    public static final long NO_BUDGET = Long.MAX_VALUE;

    /** The most bytes {@link #used} may reach by an add; {@link #NO_BUDGET} for none. */
    private final long budget;
    /** The estimated bytes this store holds: {@link #entryBytes} per held entry, {@link #SEEN_ID_BYTES} per other id. */
    private long used;
    /** Held entries in created order, without those of {@link #unsorted}: read it through {@link #created()}. */
    private final TreeMap<ActionId, Entry> created = new TreeMap<>();
    /**
     * Ids added since {@link #created} was last brought up to date, in the order they were added. Brought up to date
     * when it holds more than {@link #MAX_UNSORTED} ids and twice the held entries: a node whose entries are cleaned
     * as they come, and which never reads the created order, would keep every id it ever added here.
     */
    private final ArrayList<ActionId> unsorted = new ArrayList<>();
    private static final int MAX_UNSORTED = 4096;
    private final AddedIndex byAdded = new AddedIndex();
    private final Map<String, SortedLongs> reasons = new HashMap<>();
    /**
     * Ids ever added (the seen index), each to its held entry, or to null when it is not held (removed, or added
     * without reasons); forgetting scans it (rare maintenance), adding and checking are O(1).
     */
    private Map<ActionId, Entry> ids = new HashMap<>();
    /** Held entries (the size of the log). */
    private long held;
    private final Map<String, PeerCursor> cursors = new HashMap<>();
    /** Client cursors ({@link Store#clientCursor}), least recently written first. */
    private final java.util.LinkedHashMap<String, Long> clients = new java.util.LinkedHashMap<>();
    private final Map<String, String> state = new HashMap<>();
    /** Gone marks ({@link Store#addGone}) per peer, kept in memory: they last as long as the store object. */
    private final Map<String, java.util.Set<ActionId>> gone = new HashMap<>();
    private long lastAdded;
    /** The {@code added} ranges skipped after power losses ({@link #skippedAdded}), pairs. */
    private long[] skippedAdded = NO_SKIPPED;
    /** High-water mark of id time parts added; {@link #forgetSeen} never lowers it (see {@link Store#maxSeenMs}). */
    private long maxSeenMs;
    /**
     * High-water marks of id time parts per node (see {@link Store#maxSeenMs(String)}), each in a cell of one that
     * {@link #add} raises in place (no boxed {@code Long} per entry); never shared with another store.
     */
    private final Map<String, long[]> maxSeenByNode = new HashMap<>();
    private long clockReservation;
    private final String epoch;

    /** An empty store with a new epoch and no budget (tests and simulations). */
    public MemoryStore() {
        this(Store.newEpoch());
    }

    /** An empty store with the given epoch and no budget (tests that assert exact frames). */
    public MemoryStore(String epoch) {
        this(epoch, NO_BUDGET);
    }

    /**
     * An empty store with a new epoch that refuses adds over a budget (see "Budget" above).
     *
     * @param budgetBytes the most estimated bytes its log may take, {@code > 0}; {@link #NO_BUDGET} for no bound
     * @throws IllegalArgumentException if {@code budgetBytes <= 0}
     */
    public MemoryStore(long budgetBytes) {
        this(Store.newEpoch(), budgetBytes);
    }

    private MemoryStore(String epoch, long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("a memory store's budget must be > 0 bytes, got " + budgetBytes);
        }
        this.epoch = java.util.Objects.requireNonNull(epoch, "epoch");
        this.budget = budgetBytes;
        state.put(EPOCH_KEY, epoch);
    }

    /** The most estimated bytes this store's log may take ({@link #NO_BUDGET}: no bound). Any thread. */
    public long budget() {
        return budget;
    }

    /**
     * The estimated bytes of the held entries alone ({@link #used} without the ids of entries no longer held, {@link
     * #SEEN_ID_BYTES} each): for advice on a budget.
     */
    public long heldBytes() {
        return used - (ids.size() - held) * SEEN_ID_BYTES;
    }

    /** The estimated bytes this store's log takes now: held entries and seen ids ("Budget" above). */
    public long used() {
        return used;
    }

    /**
     * The estimated heap of an entry held in a memory store ("Budget" above), without the seen index's share that
     * stays after a clean; pure, O(1) but for custom meta values. Any thread.
     */
    public static long entryBytes(Entry e) {
        Meta meta = e.meta();
        long n = ENTRY_BYTES - SEEN_ID_BYTES + e.action().toJson().length() + REASON_BYTES * meta.reasons().size();
        if (!meta.extra().isEmpty()) {
            for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> x : meta.extra().entrySet()) {
                n += 48 + x.getKey().length() + treeBytes(x.getValue());
            }
        }
        return n;
    }

    /** An estimate of a JSON tree's heap: a node object each, and its text. */
    private static long treeBytes(com.fasterxml.jackson.databind.JsonNode value) {
        if (value.isTextual()) {
            return 40L + value.textValue().length();
        }
        if (!value.isContainerNode()) {
            return 24;
        }
        long n = 56;
        if (value.isObject()) {
            for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> x : value.properties()) {
                n += 48 + x.getKey().length() + treeBytes(x.getValue());
            }
        } else {
            for (com.fasterxml.jackson.databind.JsonNode child : value) {
                n += 8 + treeBytes(child);
            }
        }
        return n;
    }

    /**
     * The room left in the budget as a write budget ({@link Store#writeBudget}) once less than {@link #HINT_BELOW} is
     * left, so that a node stores a large batch in parts that fit; {@link Long#MAX_VALUE} (any batch) before, and
     * without a budget. Not always the room: with a finite write budget every add of a batch first sums the encoded
     * size of its entries (a scan of each action's text), which cost the memory bulk benchmark about a fifth of its
     * receiving loop's time (session 42: 480k/s against 555k–608k/s before the budget).
     */
    @Override
    public long writeBudget() {
        long room = budget - used;
        return room >= HINT_BELOW ? Long.MAX_VALUE : Math.max(0, room);
    }

    /** Room below which {@link #writeBudget} answers the room left: 64 MiB, more than a peer's batch carries. */
    static final long HINT_BELOW = 64L << 20;

    /**
     * A copy of this store's content as a file backup would hold it: entries (with their {@code added}
     * numbers), seen ids, cursors (of peers and of clients), state and epoch, and the clock reservation. For tests of
     * restored backups
     * ({@link #restoredFrom}).
     */
    public MemoryStore backup() {
        MemoryStore b = new MemoryStore(epoch, budget);
        b.copyFrom(this);
        b.clockReservation = clockReservation;
        b.skippedAdded = skippedAdded;
        return b;
    }

    /**
     * A copy as {@code logmesh backup} makes it ({@code SqliteBackup}): {@link #backup}'s, under an epoch of its own
     * and without the client epochs (the records under {@link #CLIENT_EPOCH_PREFIX}): a client's position in an epoch
     * confirmed on the log the copy was taken of may name numbers the restored copy gives to other entries. For tests
     * of restored backups.
     */
    public MemoryStore backupCopy() {
        MemoryStore b = new MemoryStore(budget);
        b.copyFrom(this);
        b.clients.keySet().removeIf(k -> k.startsWith(CLIENT_EPOCH_PREFIX));
        b.clockReservation = clockReservation;
        b.skippedAdded = skippedAdded;
        return b;
    }

    /**
     * What a node finds when {@code backup} was restored over this store's data while the clock side file
     * survived, as the SQLite store then behaves: the backup's entries, seen ids, cursors and state, under a
     * new epoch (its {@code added} numbers are behind what was handed out, so peers must drop the cursors they
     * kept for this log), numbering continued after this store's (an {@code added} number a peer was told for
     * another entry is never reused) and this store's clock reservation (never an id issued before). For
     * tests of restored backups.
     */
    public MemoryStore restoredFrom(MemoryStore backup) {
        MemoryStore r = new MemoryStore(budget);
        r.copyFrom(backup);
        // as SqliteStore records the jump of a restored file (lossAtOpen): the numbers are skipped, not entries
        r.skippedAdded = SkippedRanges.add(backup.skippedAdded, backup.lastAdded, lastAdded);
        r.lastAdded = Math.max(backup.lastAdded, lastAdded);
        r.clockReservation = Math.max(backup.clockReservation, clockReservation);
        return r;
    }

    /**
     * What a power loss leaves of this store when {@code durable} was its newest durable state (a group commit's
     * image): that state, with its epoch and its {@code added} numbers, and this store's clock reservation (which a
     * durable store keeps in a side file it fsyncs at once). For tests of durability (the test kit's
     * {@code FaultyStore.durableImage}).
     */
    public MemoryStore afterPowerLoss(MemoryStore durable) {
        return afterPowerLoss(durable, 0);
    }

    /**
     * {@link #afterPowerLoss(MemoryStore)} of a store that also kept an {@code added} reservation in its side file
     * (SqliteStore, see {@code Store.sendableAdded}): numbering continues after {@code addedReservation} if the
     * durable state is behind it.
     */
    public MemoryStore afterPowerLoss(MemoryStore durable, long addedReservation) {
        MemoryStore r = durable.backup();
        r.clockReservation = Math.max(durable.clockReservation, clockReservation);
        r.skippedAdded = SkippedRanges.add(durable.skippedAdded, r.lastAdded, addedReservation);
        r.lastAdded = Math.max(r.lastAdded, addedReservation);
        return r;
    }

    /** Copies the content of {@code other} into this empty store, except its epoch. */
    private void copyFrom(MemoryStore other) {
        List<Entry> inAddedOrder = new ArrayList<>(other.created().values());
        inAddedOrder.sort(java.util.Comparator.comparingLong(e -> e.meta().added()));
        for (Entry e : inAddedOrder) {
            created.put(e.id(), e);
            byAdded.append(e.meta().added(), e);
            index(e.meta());
        }
        ids.putAll(other.ids);
        held = other.held;
        used = other.used;
        cursors.putAll(other.cursors);
        clients.putAll(other.clients);
        other.gone.forEach((peer, marks) -> gone.put(peer, new java.util.HashSet<>(marks)));
        other.state.forEach((k, v) -> {
            if (!EPOCH_KEY.equals(k)) {
                state.put(k, v);
            }
        });
        lastAdded = other.lastAdded;
        maxSeenMs = other.maxSeenMs;
        other.maxSeenByNode.forEach((node, max) -> maxSeenByNode.put(node, max.clone()));
    }

    /** The most entries {@link #expectAdds} sizes the indexes for: a hint from a peer is bounded (~24 MiB of index for them). */
    static final int MAX_EXPECTED = 1 << 20;

    /**
     * Sizes the seen ids' hash map, the {@code added} index and the list of ids waiting for the created order for
     * {@code entries} more (at most {@link #MAX_EXPECTED}, and no more than the budget's room holds ids), when they
     * hold fewer than that now: in a catch-up each grew by doubling, the hash map rehashing every id at each step
     * (~60 of ~520 bytes allocated an entry in a CLI dialer's catch-up of 50,000, docs/performance.md, "Session 53").
     * The reason sets are left to grow as they do: which reasons the entries carry is not known.
     */
    @Override
    public void expectAdds(long entries) {
        long room = budget == NO_BUDGET ? MAX_EXPECTED : Math.max(0, (budget - used) / SEEN_ID_BYTES);
        int more = (int) Math.min(Math.min(entries, MAX_EXPECTED), room);
        if (more <= ids.size()) {
            return; // nothing to gain: the map would resize at most once on the way
        }
        int capacity = (int) Math.min(1 << 30, (long) ((ids.size() + more) / 0.75) + 1);
        Map<ActionId, Entry> sized = new HashMap<>(capacity);
        sized.putAll(ids);
        ids = sized;
        byAdded.expect(more);
        unsorted.ensureCapacity(unsorted.size() + more);
    }

    /** Runs {@code action} with {@code value} at once: everything in memory is as durable as it gets. */
    @Override
    public <T> void whenDurable(java.util.function.Consumer<? super T> action, T value,
                                java.util.concurrent.Executor executor) {
        java.util.Objects.requireNonNull(executor, "executor");
        action.accept(value);
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreException if the entries not seen before would take the store over its budget ("Budget" above;
     *     nothing of the call is written)
     */
    @Override
    public List<Meta> add(List<Entry> entries) {
        // called once per batch, so this loop runs interpreted (see addOne): an array and an index, one call a turn
        Object[] given = entries.toArray(); // any List, in one call
        if (budget != NO_BUDGET) {
            checkRoom(given);
        }
        Meta[] result = new Meta[given.length];
        for (int i = 0; i < given.length; i++) {
            result[i] = addOne((Entry) given[i]);
        }
        return java.util.Arrays.asList(result);
    }

    /**
     * Refuses a batch whose new entries do not fit in the budget, before anything of it is written. First the bound of
     * the whole batch (no lookups); only when that does not fit, the entries not seen before (an id twice in the batch
     * counts twice: a batch refused so is sent again without its duplicate once the first one is in).
     */
    private void checkRoom(Object[] given) {
        long need = 0;
        for (Object o : given) {
            need += cost((Entry) o);
        }
        if (need <= budget - used) {
            return;
        }
        need = 0;
        int fresh = 0;
        for (Object o : given) {
            Entry e = (Entry) o;
            if (!ids.containsKey(e.id())) {
                need += cost(e);
                fresh++;
            }
        }
        if (need > budget - used) {
            throw new StoreException(fullMessage(fresh, need));
        }
    }

    /** What an entry not seen before adds to {@link #used}. */
    private static long cost(Entry e) {
        return e.meta().hasReasons() ? SEEN_ID_BYTES + entryBytes(e) : SEEN_ID_BYTES;
    }

    private String fullMessage(int entries, long need) {
        String refused = entries == 1 ? "an entry of " + mib(need) : "a batch of " + entries + " entries (" + mib(need)
            + ")";
        if (entries == 1 && need > budget) {
            // not "refused for good" (break46): its sender keeps it and sends it again, which a larger budget takes
            return "the memory store cannot take " + refused + ": more than its whole budget of " + mib(budget)
                + "; this node can store it only once it restarts with a larger budget (" + HOW_TO_SET + ")";
        }
        if (need > budget) {
            // not "full ... taken by 0 entries ... refused until entries are cleaned" (break47: an empty node said so
            // to a stock Logux client whose first frame held more than the budget): no clean makes room for it whole
            return "the memory store cannot take " + refused + " at once: more than its whole budget of " + mib(budget)
                + " (" + mib(used) + " taken now); it takes such a batch only in parts that fit (a logmesh peer sends "
                + "it so), or whole once the node restarts with a larger budget (" + HOW_TO_SET + ")";
        }
        // what takes the budget, in both parts: before (session 44) "held (5 entries)" read as if 5 entries took it
        // all, where the ids of cleaned actions did
        long forgotten = ids.size() - held;
        String heldText = held == 1 ? "1 entry" : held + " entries";
        String what = forgotten == 0 ? heldText
            : heldText + " (" + mib(heldBytes()) + ") and the ids of " + forgotten + " cleaned actions ("
                + mib(forgotten * SEEN_ID_BYTES) + ", " + SEEN_ID_BYTES + " bytes each, remembered for the seen "
                + "horizon so that one coming back is not applied again)";
        return "the memory store is full: " + mib(used) + " of its " + mib(budget) + " budget taken by " + what
            + ", no room for " + refused + "; adds are refused until entries are cleaned (their reasons removed)"
            + (forgotten == 0 ? "" : ", the ids older than the seen horizon are forgotten")
            + " or the node restarts with a larger budget (" + HOW_TO_SET + ")";
    }

    /** Bytes in MiB with one decimal ("95.8 MiB"), or KiB under a MiB. */
    public static String mib(long bytes) {
        if (bytes < 1 << 20) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /**
     * One entry of {@link #add}: its stored meta, or null for a seen id. A method of its own so that the JIT compiles
     * it after a few hundred entries: a loop body in a method called once per batch (a received {@code sync} of up to
     * 2000) stays interpreted until the loop's own on-stack replacement, tens of thousands of entries later, which
     * was most of a cold catch-up.
     */
    private Meta addOne(Entry e) {
        ActionId id = e.id();
        if (ids.containsKey(id)) {
            return null;
        }
        maxSeenMs = Math.max(maxSeenMs, id.ms());
        long[] nodeMax = maxSeenByNode.get(id.node());
        if (nodeMax == null) {
            maxSeenByNode.put(id.node(), new long[] {id.ms()});
        } else if (nodeMax[0] < id.ms()) {
            nodeMax[0] = id.ms();
        }
        Meta meta = e.meta();
        if (!meta.hasReasons()) {
            ids.put(id, null); // seen, not held
            used += SEEN_ID_BYTES;
            return meta.withAdded(0);
        }
        meta = meta.withAdded(++lastAdded);
        Entry stored = e.withMeta(meta);
        ids.put(id, stored);
        unsorted.add(id);
        held++;
        used += SEEN_ID_BYTES + entryBytes(stored);
        if (unsorted.size() > MAX_UNSORTED && unsorted.size() > 2 * held) {
            created(); // most of the ids waiting were removed since: bounded by what the log holds
        }
        byAdded.append(meta.added(), stored);
        index(meta);
        return meta;
    }

    private void index(Meta meta) {
        List<String> rs = meta.reasons();
        for (int i = 0; i < rs.size(); i++) { // indexed: no iterator for every entry added
            SortedLongs set = reasons.get(rs.get(i));
            if (set == null) {
                set = new SortedLongs();
                reasons.put(rs.get(i), set);
            }
            set.add(meta.added());
        }
    }

    private void unindex(Meta meta) {
        for (String r : meta.reasons()) {
            SortedLongs set = reasons.get(r);
            if (set != null) {
                set.remove(meta.added());
                if (set.isEmpty()) {
                    reasons.remove(r);
                }
            }
        }
    }

    /**
     * The held entries in created order: first puts in those added since the last call (in one O(n) build when the
     * map is empty and they came in created order, else one by one).
     */
    private NavigableMap<ActionId, Entry> created() {
        if (unsorted.isEmpty()) {
            return created;
        }
        if (created.isEmpty() && ascending(unsorted)) {
            // TreeMap.putAll of a sorted map into an empty one builds the tree in O(n) (buildFromSorted)
            java.util.SortedMap<ActionId, Entry> run = new SortedRun(unsorted, ids);
            created.putAll(run);
        } else {
            for (ActionId id : unsorted) {
                dev.logmesh.Entry e = ids.get(id);
                if (e != null) {
                    created.put(id, e);
                }
            }
        }
        unsorted.clear();
        return created;
    }

    /**
     * The held entries of a run of ids in strictly ascending created order, as the sorted map that lets
     * {@link TreeMap#putAll} build an empty tree in O(n); only {@code size}, {@code comparator} and iterating its
     * entries are used.
     */
    @SuppressWarnings("JdkObsolete") // TreeMap.putAll builds in O(n) from a SortedMap: that is the interface it checks
    private static final class SortedRun extends java.util.AbstractMap<ActionId, dev.logmesh.Entry>
        implements java.util.SortedMap<ActionId, dev.logmesh.Entry> {
        private final List<Map.Entry<ActionId, dev.logmesh.Entry>> entries;

        SortedRun(List<ActionId> run, Map<ActionId, dev.logmesh.Entry> ids) {
            entries = new ArrayList<>(run.size());
            for (ActionId id : run) {
                dev.logmesh.Entry e = ids.get(id);
                if (e != null) {
                    entries.add(new java.util.AbstractMap.SimpleImmutableEntry<>(id, e));
                }
            }
        }

        @Override
        public java.util.Set<Map.Entry<ActionId, dev.logmesh.Entry>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<ActionId, dev.logmesh.Entry>> iterator() {
                    return java.util.Collections.unmodifiableList(entries).iterator();
                }

                @Override
                public int size() {
                    return entries.size();
                }
            };
        }

        @Override
        public java.util.Comparator<? super ActionId> comparator() {
            return null; // natural order, as the created map's
        }

        @Override
        public java.util.SortedMap<ActionId, dev.logmesh.Entry> subMap(ActionId from, ActionId to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.SortedMap<ActionId, dev.logmesh.Entry> headMap(ActionId to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.SortedMap<ActionId, dev.logmesh.Entry> tailMap(ActionId from) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ActionId firstKey() {
            return entries.get(0).getKey();
        }

        @Override
        public ActionId lastKey() {
            return entries.get(entries.size() - 1).getKey();
        }
    }

    /** Whether the ids are in strictly ascending created order. */
    private static boolean ascending(List<ActionId> list) {
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i - 1).compareTo(list.get(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Ids waiting to go into the created order (for tests: it stays bounded by the held entries). */
    int unsortedIds() {
        return unsorted.size();
    }

    /** The held entry of an id, or null. */
    private Entry held(ActionId id) {
        return ids.get(id);
    }

    @Override
    public Optional<Entry> byId(ActionId id) {
        return Optional.ofNullable(held(id));
    }

    @Override
    public boolean has(ActionId id) {
        return held(id) != null;
    }

    @Override
    public boolean seen(ActionId id) {
        return ids.containsKey(id);
    }

    @Override
    public void forEachSeen(long fromMs, long toMs, java.util.function.Consumer<ActionId> consumer) {
        for (ActionId id : ids.keySet()) {
            if (id.ms() >= fromMs && id.ms() <= toMs) {
                consumer.accept(id);
            }
        }
    }

    @Override
    public boolean changeMeta(ActionId id, Meta meta) {
        Entry old = held(id);
        if (old == null) {
            return false;
        }
        if (!meta.hasReasons()) {
            throw new IllegalArgumentException("changeMeta needs reasons; use remove");
        }
        // the stored added is authoritative: a wrong one from a caller must not corrupt the indexes
        Meta m = meta.withAdded(old.meta().added());
        Entry updated = old.withMeta(m);
        unindex(old.meta());
        used += entryBytes(updated) - entryBytes(old);
        ids.put(id, updated);
        created.replace(id, updated); // (an id still in unsorted goes in with what ids holds then)
        byAdded.replace(m.added(), updated);
        index(m);
        return true;
    }

    @Override
    public Optional<Entry> remove(ActionId id) {
        Entry old = held(id);
        if (old == null) {
            return Optional.empty();
        }
        ids.put(id, null); // still seen
        held--;
        used -= entryBytes(old);
        created.remove(id); // (an id still in unsorted is skipped when it would go in: ids holds no entry for it)
        byAdded.remove(old.meta().added());
        unindex(old.meta());
        return Optional.of(old);
    }

    @Override
    public List<Entry> removeReason(String reason, Criteria criteria) {
        SortedLongs set = reasons.get(reason);
        List<Entry> removed = new ArrayList<>();
        if (set == null) {
            return removed;
        }
        if (criteria.id() != null) {
            Entry e = held(criteria.id());
            if (e != null && set.contains(e.meta().added()) && criteria.matches(e.id(), e.meta().added())) {
                dropReason(e, reason, removed);
            }
            return removed;
        }
        long max = Math.max(criteria.minAdded(), criteria.maxAdded());
        for (long added : set.range(criteria.minAdded(), max)) {
            Entry e = byAdded.get(added);
            if (criteria.matches(e.id(), added)) {
                dropReason(e, reason, removed);
            }
        }
        return removed;
    }

    private void dropReason(Entry e, String reason, List<Entry> removed) {
        List<String> rest = new ArrayList<>(e.meta().reasons());
        rest.remove(reason);
        if (rest.isEmpty()) {
            remove(e.id());
            removed.add(e);
        } else {
            changeMeta(e.id(), e.meta().withReasons(rest));
        }
    }

    @Override
    public List<Entry> page(Order order, boolean ascending, Object after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        if (order == Order.ADDED) {
            return byAdded.page(ascending, after == null ? null : Store.addedPosition(after), limit);
        }
        Iterator<Entry> it;
        {
            NavigableMap<ActionId, Entry> all = created();
            NavigableMap<ActionId, Entry> view = all;
            if (after != null) {
                ActionId pos = Store.createdPosition(after);
                view = ascending ? all.tailMap(pos, false) : all.headMap(pos, false);
            }
            it = (ascending ? view : view.descendingMap()).values().iterator();
        }
        List<Entry> page = new ArrayList<>(Math.min(limit, 16));
        while (it.hasNext() && page.size() < limit) {
            page.add(it.next());
        }
        return page;
    }

    @Override
    public List<Entry> withReason(String reason, long afterAdded, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        SortedLongs set = reasons.get(reason);
        List<Entry> page = new ArrayList<>();
        if (set == null) {
            return page;
        }
        set.forEachAbove(afterAdded, added -> {
            page.add(byAdded.get(added));
            return page.size() < limit;
        });
        return page;
    }

    @Override
    public long lastAdded() {
        return lastAdded;
    }

    @Override
    public long size() {
        return held;
    }

    @Override
    public long[] skippedAdded() {
        return skippedAdded.clone();
    }

    @Override
    public PeerCursor cursor(String peerNode) {
        return cursors.getOrDefault(peerNode, PeerCursor.NONE);
    }

    @Override
    public void setCursor(String peerNode, PeerCursor cursor) {
        cursors.put(peerNode, cursor);
    }

    @Override
    public java.util.OptionalLong clientCursor(String client) {
        Long acked = clients.get(java.util.Objects.requireNonNull(client, "client"));
        return acked == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(acked);
    }

    @Override
    public void setClientCursors(Map<String, Long> acked, int keep) {
        Store.requireClientCursors(acked, keep);
        acked.forEach((client, value) -> {
            clients.remove(client); // written now: the most recent
            clients.put(client, value);
        });
        if (clients.size() > keep) { // the oldest epochs first (Store#setClientCursors), then the oldest records
            var epochs = clients.keySet().iterator();
            while (clients.size() > keep && epochs.hasNext()) {
                if (epochs.next().startsWith(CLIENT_EPOCH_PREFIX)) {
                    epochs.remove();
                }
            }
            var oldest = clients.entrySet().iterator();
            while (clients.size() > keep) {
                oldest.next();
                oldest.remove();
            }
        }
    }

    @Override
    public Map<String, PeerCursor> cursors() {
        return Map.copyOf(cursors);
    }

    @Override
    public long forgetSeen(long beforeMs) {
        created(); // the ids waiting there would outlive their forgetting
        long count = 0;
        Iterator<Map.Entry<ActionId, Entry>> it = ids.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<ActionId, Entry> e = it.next();
            if (e.getKey().ms() < beforeMs && e.getValue() == null) {
                it.remove();
                count++;
            }
        }
        used -= count * SEEN_ID_BYTES;
        forgetGone(beforeMs);
        return count;
    }

    private void forgetGone(long beforeMs) {
        gone.values().removeIf(marks -> {
            marks.removeIf(id -> id.ms() < beforeMs);
            return marks.isEmpty();
        });
    }

    @Override
    public void addGone(String peer, java.util.Collection<ActionId> ids) {
        java.util.Objects.requireNonNull(peer, "peer");
        if (!ids.isEmpty()) {
            gone.computeIfAbsent(peer, p -> new java.util.HashSet<>()).addAll(ids);
        }
    }

    @Override
    public void removeGone(String peer, java.util.Collection<ActionId> ids) {
        java.util.Objects.requireNonNull(ids, "ids");
        java.util.Set<ActionId> marks = gone.get(java.util.Objects.requireNonNull(peer, "peer"));
        if (marks != null) {
            ids.forEach(marks::remove);
            if (marks.isEmpty()) {
                gone.remove(peer);
            }
        }
    }

    @Override
    public long removeGoneBefore(String peer, long beforeMs) {
        java.util.Set<ActionId> marks = gone.get(java.util.Objects.requireNonNull(peer, "peer"));
        if (marks == null) {
            return 0;
        }
        int before = marks.size();
        marks.removeIf(id -> id.ms() < beforeMs);
        if (marks.isEmpty()) {
            gone.remove(peer);
        }
        return (long) before - marks.size();
    }

    @Override
    public void forEachGone(long fromMs, long toMs, java.util.function.BiConsumer<String, ActionId> consumer) {
        java.util.Objects.requireNonNull(consumer, "consumer");
        for (Map.Entry<String, java.util.Set<ActionId>> e : List.copyOf(gone.entrySet())) {
            for (ActionId id : List.copyOf(e.getValue())) {
                if (id.ms() >= fromMs && id.ms() <= toMs) {
                    consumer.accept(e.getKey(), id);
                }
            }
        }
    }

    @Override
    public long maxSeenMs() {
        return maxSeenMs;
    }

    @Override
    public long maxSeenMs(String node) {
        long[] max = maxSeenByNode.get(node);
        return max == null ? 0 : max[0];
    }

    @Override
    public long clockReservation() {
        return clockReservation;
    }

    @Override
    public void reserveClock(long uptoMs) {
        clockReservation = Math.max(clockReservation, uptoMs);
    }

    /** Nothing to flush: recorded at once. */
    @Override
    public void reserveClockAhead(long uptoMs) {
        reserveClock(uptoMs);
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public boolean quarantine(ActionId id) {
        boolean wasHeld = remove(id).isPresent();
        boolean wasSeen = ids.containsKey(id);
        if (wasSeen) {
            ids.remove(id);
            used -= SEEN_ID_BYTES;
        }
        return wasSeen || wasHeld;
    }

    @Override
    public Optional<String> state(String key) {
        return Optional.ofNullable(state.get(key));
    }

    @Override
    public void setState(String key, String value) {
        state.put(Store.requireUserKey(key), java.util.Objects.requireNonNull(value, "value"));
    }

    @Override
    public void close() {
        // nothing to release
    }
}
