package dev.logmesh.spi;

import dev.logmesh.Criteria;
import dev.logmesh.StoreException;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where a log keeps its entries, its per-peer cursors, its per-client cursors and its index of seen ids.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Called from one thread at a time (the node's loop); implementations need not be thread-safe.
 *       Calls may block on I/O.</li>
 *   <li>{@link #add} is atomic: all entries of a batch, their seen ids and (with {@link #add(List, java.util.Map)})
 *       the cursors are committed together or none is. When it returns, what it reports as added is
 *       <em>committed</em>: every later call sees it (dedupe included), and it survives the death of the process.
 *       It is <em>durable</em> (survives a power loss too) once {@link #whenDurable} says so, which for a store
 *       with group commit is a little later; commits become durable in the order they were made.</li>
 *   <li>Every id ever added stays in the seen index after its entry is cleaned, until
 *       {@link #forgetSeen} drops it, so an action that comes back is recognised.</li>
 *   <li>{@code added} numbers are assigned by the store: 1, 2, 3, …, strictly increasing, never reused,
 *       also across reopening.</li>
 *   <li>A store has an {@link #epoch}: a random identity of this log, made with the store and kept with it.</li>
 * </ul>
 *
 * <h2>Corrupt entries</h2>
 * A durable store checks every entry it reads (SqliteStore: a CRC-32C checksum over the row, and that it parses).
 * An entry that fails is never returned and never stops a read: {@link #page}, {@link #byId}, {@link #withReason}
 * and the log's iteration skip it (a page is still full unless the log ends), and it is reported once to the
 * {@link #onCorrupt} listeners with its id. A store that can write then <em>quarantines</em> it
 * ({@link #quarantine}): the entry leaves the log and its id leaves the seen index, so the copy a peer holds is
 * accepted again when it comes (through anti-entropy: cursors have moved past it). The repaired entry then gets a
 * new {@code added} and fires {@code add} again on that node.
 *
 * <h2>Failures</h2>
 * A call that cannot complete because of the storage (disk full, I/O error, corrupt file) throws
 * {@link StoreException}, whose message names the file and the cause in plain words (a full disk says "the disk is
 * full"; a memory store over its budget, its full disk, says "the memory store is full: ..."). Then:
 * <ul>
 *   <li><b>Nothing of that call was written</b>: no entry, no seen id, no cursor, no state, also not after a
 *       restart; the counters ({@link #lastAdded}, {@link #size}, {@link #maxSeenMs}) are as before the call. An id
 *       of a failed {@code add} is not seen, so the same entry sent again is accepted.</li>
 *   <li><b>The store stays usable</b>: the next call works as soon as the cause is gone (space freed), without
 *       reopening; while it is not gone, each call fails the same way. A store never continues in a state where
 *       part of a call could be committed.</li>
 *   <li><b>The caller decides</b>: a node must acknowledge nothing of a failed add and say so (an {@code error}
 *       event); the peer sends it again later.</li>
 * </ul>
 * A durable store cannot always know whether a commit whose final flush failed (an I/O error at fsync, not a full
 * disk) reached the disk: such a batch may be found after a restart, whole (never in part), and its ids seen.
 *
 * <p>A call of a closed store ({@link #close}) throws {@link IllegalStateException}, and {@link #isClosed} says so: a
 * node whose store is closed under it says that in one line and stops.
 *
 * <p>An {@link Error} thrown by a call (an {@code assert}, a missing class, an {@code OutOfMemoryError}) ends the node
 * that made it: the node cannot know what the store holds after it. It logs one ERROR line naming the store's class,
 * the call and where it was thrown, closes, and its {@code whenClosed()} fails with the Error.
 *
 * <p>A contract test suite ({@code StoreContract} in the test kit) checks every implementation; {@code FaultyStore}
 * in the test kit wraps any store to make calls fail as a full disk or a failing commit does.
 */
public interface Store extends AutoCloseable {

    /** State key under which a store keeps its {@link #epoch}; reserved ({@link #setState} refuses it). */
    String EPOCH_KEY = "epoch";

    /** The state key under which a store may keep its {@link #skippedAdded} ranges (kept by the store). */
    String SKIPPED_ADDED_KEY = "logmesh.skippedAdded";

    /**
     * An entry found corrupt: it failed its checksum or did not parse.
     *
     * @param added   its {@code added} number (the row's key)
     * @param id      its id as stored, or null when the id itself is unreadable
     * @param problem what was wrong, in plain words
     */
    record Corruption(long added, ActionId id, String problem) {
        public Corruption {
            Objects.requireNonNull(problem, "problem");
        }
    }

    /**
     * Adds a batch atomically. Each entry whose id was seen before (or appears earlier in the same batch)
     * is skipped. Each other entry is marked seen; it is stored, with the next {@code added}, only if it
     * has reasons.
     *
     * @param entries entries whose {@code meta.added} is ignored
     * @return per entry, in order: the stored meta (with {@code added}; {@code added == 0} if it had no
     *     reasons and was only marked seen), or {@code null} for a duplicate
     */
    List<Meta> add(List<Entry> entries);

    /**
     * {@link #add} and {@link #setCursors} as one atomic write (durable stores: one transaction). Cursors are
     * saved as given (the caller keeps them from moving backwards).
     */
    default List<Meta> add(List<Entry> entries, java.util.Map<String, PeerCursor> cursors) {
        List<Meta> result = add(entries);
        setCursors(cursors);
        return result;
    }

    /** Saves several cursors at once (durable stores: one transaction). */
    default void setCursors(java.util.Map<String, PeerCursor> cursors) {
        cursors.forEach(this::setCursor);
    }

    /**
     * Runs {@code action} once every write this store committed before the call is durable (survives a power
     * loss): what acknowledges anything to a peer, a client or the application waits for it. Callbacks run in the
     * order they were registered. If everything is durable already and no earlier callback waits, {@code action}
     * runs at once on the calling thread (a memory store, which has nothing more to wait for, always does so);
     * otherwise it runs later through {@code executor} (the node's loop). It never runs after the store lost the
     * ability to promise durability (a failed fsync: its writes then fail with {@link StoreException}) or after
     * {@code executor} refuses tasks (the loop ended).
     *
     * <p>Called on the store's thread (the node's loop).
     *
     * @param action   what to run; it runs once at most
     * @param executor where it runs when it cannot run at once
     */
    default void whenDurable(Runnable action, java.util.concurrent.Executor executor) {
        Objects.requireNonNull(executor, "executor");
        action.run();
    }

    /**
     * A hint: about {@code entries} more entries are on their way (a peer's catch-up, as the peer's handshake counts
     * it), so that a store that grows its indexes by doubling (copying all it holds at each step) may size them once
     * instead. Nothing is reserved or promised, and a wrong hint costs some memory or nothing: a store bounds what it
     * sizes for. The default ignores it. Called on the store's thread (the node's loop).
     *
     * @param entries how many entries are expected (a count; 0 or less: none)
     */
    default void expectAdds(long entries) {
    }

    /**
     * {@link #whenDurable(Runnable, java.util.concurrent.Executor)} of {@code action.accept(value)}: the same order,
     * thread and guarantees. What a call per entry uses (a subscription's delivery): a store that is durable at once
     * (the memory store) calls {@code action} without making a {@link Runnable} an entry; the default wraps it (a
     * {@code Runnable} a call) and calls {@link #whenDurable(Runnable, java.util.concurrent.Executor)}, so a store
     * that overrides only that one keeps its order and guarantees here.
     *
     * <p>Called on the store's thread (the node's loop).
     *
     * @param action   what to run with {@code value}; it runs once at most
     * @param value    its argument
     * @param executor where it runs when it cannot run at once
     * @param <T>      the argument's type
     */
    default <T> void whenDurable(Consumer<? super T> action, T value, java.util.concurrent.Executor executor) {
        // a class, not a lambda capturing value: until C2 has compiled the caller, a capturing lambda is made through
        // its call site's method handle (a call into the VM per object: 5% of a cold CLI catch-up's loop samples,
        // docs/performance.md, "Session 24"); a new is a bump of the thread's buffer in any tier
        whenDurable(new Runnable() {
            @Override
            public void run() {
                action.accept(value);
            }
        }, executor);
    }

    /**
     * The highest {@code added} whose commit is durable ({@link #whenDurable}); {@link #lastAdded} for a store that is
     * durable at once. Sessions number what they send to peers only up to it, so that no peer's cursor ever holds an
     * {@code added} that a power loss could take back and hand to another entry.
     */
    default long durableAdded() {
        return lastAdded();
    }

    /**
     * The highest {@code added} of this log that a session may number and send to a peer that reconciles with this
     * node (a logmesh peer with anti-entropy), durable or not yet: at least {@link #durableAdded}, at most
     * {@link #lastAdded}. A store with group commit answers {@code max(durableAdded, min(lastAdded, R))}, where R is
     * its durable <em>added reservation</em>: a number it has recorded, durably and outside its log, that no
     * {@code added} it assigns after a restart will be at or below (SqliteStore: the side file). So an entry sent
     * before it was durable and then lost by a power loss never has its number given to another entry: a peer's
     * cursor ("this node's entries up to N received") never skips a later entry, and the lost entry itself, which the
     * peer keeps, comes back through reconciliation (see {@code SyncSession}, Durability). The default is
     * {@link #durableAdded}: nothing is sent before it is durable.
     *
     * <p>Called on the store's thread (the node's loop).
     */
    default long sendableAdded() {
        return durableAdded();
    }

    /**
     * How many bytes of entries (their encoded size, a bound: {@code EntrySize}) one {@link #add} should carry at most
     * for this store to stay writable: {@link Long#MAX_VALUE} (the default) when any size is fine. A store short of
     * space answers less, so that a node stores a large batch in several adds, each a transaction of its own (an entry
     * larger than the budget is still added alone). Every path that adds batches honours it: a peer's {@code sync}
     * (break39), a Logux client's {@code sync} and {@code logmesh add}'s batches of lines (disk40); a batch is still
     * acknowledged (a peer's {@code synced}, a client's answers) only once all of it is durable. A hint: a larger add is
     * still taken, or fails as any add does. SqliteStore answers an eighth of the free space while less than 256 MiB
     * is free: SQLite can empty its write-ahead log only with room for what the log adds to the main file, and one
     * transaction of a 1 MiB batch on a nearly full disk could take that room for good.
     *
     * <p>Called on the store's thread (the node's loop), before each add of a batch.
     */
    default long writeBudget() {
        return Long.MAX_VALUE;
    }

    /** The entry with this id, if it is in the log now. */
    Optional<Entry> byId(ActionId id);

    /** Whether an entry with this id is in the log now. */
    default boolean has(ActionId id) {
        return byId(id).isPresent();
    }

    /** Whether this id was added, now or before (and not forgotten), whether or not it is still in the log. */
    boolean seen(ActionId id);

    /**
     * Hands every id of the seen index (entries in the log and ids cleaned since, until forgotten) whose time
     * part is in {@code [fromMs, toMs]} to {@code consumer}, in no particular order. For set reconciliation,
     * which builds its index once at start (may take a while for millions of ids) and resolves the few ids
     * a round finds.
     *
     * @throws dev.logmesh.StoreException if the storage fails
     */
    void forEachSeen(long fromMs, long toMs, java.util.function.Consumer<ActionId> consumer);

    /**
     * Replaces the meta of an entry in the log; {@code id}, {@code time} and {@code added} must be those of
     * the stored meta (the caller checks). Reasons must not be empty: use {@link #remove}.
     *
     * @return whether the entry was found
     */
    boolean changeMeta(ActionId id, Meta meta);

    /** Removes an entry from the log (its id stays seen). @return the removed entry, if it was there */
    Optional<Entry> remove(ActionId id);

    /**
     * Removes a reason from every entry that has it and matches the criteria. Entries left without reasons
     * are removed from the log.
     *
     * @return the entries that were removed, with their last stored meta (which still lists {@code reason}),
     *     in added order
     */
    List<Entry> removeReason(String reason, Criteria criteria);

    /**
     * One page of entries in an order.
     *
     * @param order      created or added order
     * @param ascending  oldest first when true
     * @param after      start strictly after this position (exclusive), or null for the start; for
     *                   {@link Order#ADDED} an {@code added} value ({@link Long}), for {@link Order#CREATED}
     *                   an {@link ActionId}
     * @param limit      at most this many entries, {@code > 0}
     * @return up to {@code limit} entries; fewer only when the log has no more in that direction (corrupt entries
     *     are skipped, not counted)
     * @throws IllegalArgumentException if {@code limit <= 0} or {@code after} is of the wrong type
     */
    List<Entry> page(Order order, boolean ascending, Object after, int limit);

    /**
     * Entries in the log with the given reason, in added order, after {@code afterAdded}, at most {@code limit}.
     *
     * @throws IllegalArgumentException if {@code limit <= 0}
     */
    List<Entry> withReason(String reason, long afterAdded, int limit);

    /** The highest {@code added} ever assigned (also of entries cleaned since), or 0. */
    long lastAdded();

    /** How many entries are in the log now. */
    long size();

    /**
     * The {@code added} numbers this log skipped: never given to an entry (a restart after anything but a clean
     * close continues after the store's {@code added} reservation, see {@link #sendableAdded}), as pairs
     * {@code {after0, upTo0, after1, upTo1, ...}}: the numbers {@code n} with {@code after < n <= upTo}, ranges in
     * ascending order, apart. Progress and status figures subtract them so that they count entries, not numbers
     * ({@link #countSkipped}). The default is none (a store whose numbers have no gaps but removed entries).
     *
     * <p>Called on the store's thread (the node's loop).
     */
    default long[] skippedAdded() {
        return NO_SKIPPED;
    }

    /** {@link #skippedAdded} of a store that skipped none. */
    long[] NO_SKIPPED = new long[0];

    /**
     * How many numbers in {@code (from, to]} lie in the skipped ranges {@code skipped} (pairs as {@link
     * #skippedAdded} gives them); 0 when {@code to <= from}. So {@code to - from - countSkipped(...)} is how many
     * entries were numbered in that range (entries removed since included).
     *
     * @throws IllegalArgumentException if {@code skipped} has an odd length
     */
    static long countSkipped(long[] skipped, long from, long to) {
        if (skipped.length % 2 != 0) {
            throw new IllegalArgumentException("skipped ranges come in pairs, got " + skipped.length + " numbers");
        }
        long n = 0;
        for (int i = 0; i < skipped.length; i += 2) {
            long lo = Math.max(from, skipped[i]);
            long hi = Math.min(to, skipped[i + 1]);
            if (hi > lo) {
                n += hi - lo;
            }
        }
        return n;
    }

    /** The cursor for a peer, {@link PeerCursor#NONE} if none was saved. */
    PeerCursor cursor(String peerNode);

    /** Saves the cursor for a peer. */
    void setCursor(String peerNode, PeerCursor cursor);

    /** All saved cursors by peer node id. */
    java.util.Map<String, PeerCursor> cursors();

    /**
     * The start of the keys under which the client cursor records hold client epochs ({@code Log.clientEpochKey}):
     * {@code "e "}, which no client id's key has (a client id has no space; a digest key starts {@code "sha-256 "}).
     */
    String CLIENT_EPOCH_PREFIX = "e ";

    /** How many client cursors a log keeps by default ({@link #setClientCursors}): the most recently written. */
    int CLIENT_CURSORS = 100_000;

    /**
     * The cursor kept for a Logux client of this node (a peer that is no logmesh node): the highest {@code added} of
     * this log that the client acknowledged ({@code synced}) in a session with this node, or empty when there is no
     * record (never served, evicted, or a store that keeps none). Keyed by the client id ({@code user:client}, the
     * node id without its tab: {@code @logux/client} shares its log and its cursor between the tabs of a browser),
     * or, for an id longer than 64 chars, by its digest ({@code Log.clientKey}: keys of at most 64 chars).
     * A session starts a client's catch-up after the smaller of this and the client's own {@code connect.synced},
     * and after 0 when there is none (see {@code SyncSession}, "Clients' cursors"). The same records hold, under keys
     * that start with {@code "e "} ({@code Log.clientEpochKey}), the client epoch confirmed for a client node
     * ({@code SyncSession}, "Clients' positions"); a store keeps them as the others, but drops them first when over
     * its bound ({@link #setClientCursors}). The default keeps none.
     *
     * <p>Called on the store's thread (the node's loop).
     *
     * @throws dev.logmesh.StoreException if the storage fails
     */
    default java.util.OptionalLong clientCursor(String client) {
        Objects.requireNonNull(client, "client");
        return java.util.OptionalLong.empty();
    }

    /**
     * Saves client cursors ({@link #clientCursor}) as given (the caller keeps them from moving backwards), in one
     * write (durable stores: one transaction, durable in commit order like any other), and keeps only the {@code keep}
     * most recently written records: older ones are dropped, the client epochs' (keys starting with {@link
     * #CLIENT_EPOCH_PREFIX}) before any client id's, so a client that was away longest starts again from 0 (it is
     * sent more, never less). A {@code @logux/client} tab has a node id of its own at each page load, so epochs come
     * and go with page loads while a client id's record is what a returning browser needs: dropped in one order
     * with them, 100,000 page loads would have pushed out the record of every client away longer than that. A store restored from a backup restores these records with its log, so none is
     * above the restored log's {@code added} numbers. The default keeps none.
     *
     * @param acked per client id, the highest {@code added} it acknowledged
     * @param keep  how many records to keep at most, {@code > 0}
     * @throws IllegalArgumentException if {@code keep <= 0} or a value is negative
     * @throws dev.logmesh.StoreException if the storage fails (nothing of the call was written)
     */
    default void setClientCursors(java.util.Map<String, Long> acked, int keep) {
        requireClientCursors(acked, keep);
    }

    /** Checks the arguments of {@link #setClientCursors}. */
    static void requireClientCursors(java.util.Map<String, Long> acked, int keep) {
        if (keep <= 0) {
            throw new IllegalArgumentException("keep must be > 0, got " + keep);
        }
        acked.forEach((client, value) -> {
            Objects.requireNonNull(client, "client");
            if (value == null || value < 0) {
                throw new IllegalArgumentException("a client cursor must be >= 0, got " + value + " for " + client);
            }
        });
    }

    /**
     * Forgets seen ids whose time part is below {@code beforeMs} and that are no longer in the log, and the gone marks
     * ({@link #addGone}) below {@code beforeMs}.
     *
     * @return how many ids were forgotten
     */
    long forgetSeen(long beforeMs);

    /**
     * What one {@link #forgetSeenBatch} did.
     *
     * @param forgotten how many ids it forgot
     * @param last      the last id it looked at, where the next batch starts; null when the sweep is done
     */
    record ForgetBatch(long forgotten, ActionId last) {
    }

    /**
     * {@link #forgetSeen} in small steps, so that maintenance never holds the store (and the node's loop) for long:
     * looks at up to {@code limit} seen ids in created order after {@code after} (null: from the first) whose time
     * part is below {@code beforeMs}, and forgets those that are no longer in the log, in one transaction, with up to
     * {@code limit} gone marks ({@link #addGone}) below {@code beforeMs} (marks a sweep leaves are forgotten by the
     * next one; readers skip marks below their own cutoff). A sweep
     * calls it again with the returned {@link ForgetBatch#last} until that is null. The default forgets everything
     * at once (a memory store's scan) and reports the sweep done.
     *
     * @throws IllegalArgumentException if {@code limit <= 0}
     * @throws StoreException if the storage fails (nothing of the batch was written)
     */
    default ForgetBatch forgetSeenBatch(long beforeMs, ActionId after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        return new ForgetBatch(forgetSeen(beforeMs), null);
    }

    /**
     * Records gone marks: ids that {@code peer} (a node id) answered {@code gone} for in set reconciliation (it saw
     * them and cleaned them, so it cannot send them) and that this node lacks. They are a cache of answers, not part of
     * the log: the reconciler counts them as known in its rounds with that peer only, so that a restart does not ask
     * the peer for all of them once more (see {@code Reconciler}, "Gone marks"). A mark already kept is kept once.
     * A durable store writes them as it writes everything else (SqliteStore: one transaction, made durable by its
     * group commit, never an fsync on the calling thread); losing the last ones in a power loss costs a round's
     * traffic, never an action. {@link #forgetSeen} and {@link #forgetSeenBatch} forget marks below their cutoff as
     * they forget seen ids. The default keeps none (each restart asks again).
     *
     * <p>Called on the store's thread (the node's loop).
     *
     * @throws StoreException if the storage fails (nothing of the call was written)
     */
    default void addGone(String peer, java.util.Collection<ActionId> ids) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(ids, "ids");
    }

    /**
     * Drops the gone marks ({@link #addGone}) of {@code peer} for these ids (the peer lacks them now, or the bound
     * dropped them); ids without a mark are ignored. Called on the store's thread.
     *
     * @throws StoreException if the storage fails (nothing of the call was written)
     */
    default void removeGone(String peer, java.util.Collection<ActionId> ids) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(ids, "ids");
    }

    /**
     * Drops the gone marks ({@link #addGone}) of {@code peer} whose time part is below {@code beforeMs}
     * ({@link Long#MAX_VALUE}: all of that peer's). Called on the store's thread.
     *
     * @return how many marks were dropped
     * @throws StoreException if the storage fails (nothing of the call was written)
     */
    default long removeGoneBefore(String peer, long beforeMs) {
        Objects.requireNonNull(peer, "peer");
        return 0;
    }

    /**
     * Hands every gone mark ({@link #addGone}) whose time part is in {@code [fromMs, toMs]} to {@code consumer} as
     * (peer, id), in no particular order. A durable store skips a row it cannot read (logged with the file and the
     * row: a wrong type, an unreadable node id) and goes on. Called on the store's thread; the reconciler loads the
     * marks at start.
     *
     * @throws StoreException if the storage fails
     */
    default void forEachGone(long fromMs, long toMs, java.util.function.BiConsumer<String, ActionId> consumer) {
        Objects.requireNonNull(consumer, "consumer");
    }

    /**
     * The largest id time part ever added (issued or received), or 0. It is a high-water mark: {@link #forgetSeen}
     * does not lower it. It counts ids of peers with wild clocks too, so it is not a clock seed by itself (issue 10,
     * fault 4): the log's clock starts from {@link #maxSeenMs(String)} of its own node and
     * {@link #clockReservation()}.
     */
    long maxSeenMs();

    /**
     * The largest time part of an id of {@code node} ever added here (issued by this node or received), or 0; a
     * high-water mark that {@link #forgetSeen} and {@link #quarantine} do not lower.
     */
    long maxSeenMs(String node);

    /**
     * How far this node's clock has been allowed to issue ids: the largest time part it may have used, or 0 if it
     * never reserved. See {@link #reserveClock}.
     */
    default long clockReservation() {
        return 0;
    }

    /**
     * Records, durably, that the node's clock may issue ids with time parts up to {@code uptoMs}; never lowers
     * the reservation. The log's clock reserves ahead (up to 10 s ahead of the wall clock, never past its drift bound
     * less a margin; see {@code HybridClock}) before it issues an id or takes note of a received one beyond the
     * reservation, and starts after the reservation when it is opened again.
     * A durable store keeps it where the loss of its last transactions does not take it (SqliteStore: a small
     * side file, fsynced), so that a node whose store lost them (a deleted WAL after a crash) never issues an id
     * it issued before (issue 10, fault 11). A store that forgets everything at restart need not keep it.
     *
     * @throws StoreException if it cannot be recorded; the clock then issues nothing
     */
    default void reserveClock(long uptoMs) {
    }

    /**
     * Asks for the clock reservation to be raised to {@code uptoMs} off the calling thread (the node's loop), and
     * returns at once: the log's clock renews its reservation this way before it needs it, so that a slow disk's
     * flush does not stall the loop, and waits in {@link #reserveClock} only if it overtakes a renewal that has not
     * finished. {@link #clockReservation()} reports the reservation once it is durable. A failure is not reported
     * here (the next {@link #reserveClock} reports it). Default: nothing (the clock then reserves in
     * {@link #reserveClock} when it needs to).
     */
    default void reserveClockAhead(long uptoMs) {
    }

    /**
     * This log's identity: random, made with the store, kept with it (also under the state key
     * {@link #EPOCH_KEY}) and the same across restarts. A new or wiped store has a new epoch, and so has a store
     * that found at open that it lost transactions it had committed (SqliteStore, see its docs). Sessions send it
     * so that a peer drops the cursors it kept for this node when they were kept for another epoch: they describe
     * another log, whose {@code added} numbers mean other entries.
     */
    String epoch();

    /**
     * Registers a listener for corrupt entries (see "Corrupt entries" above), called once per entry on the thread
     * that made the call that found it, after that call; a listener that throws is logged and ignored.
     *
     * @return a handle that unregisters the listener
     */
    default Runnable onCorrupt(Consumer<Corruption> listener) {
        Objects.requireNonNull(listener, "listener");
        return () -> { };
    }

    /**
     * One step of a scrub: reads up to {@code limit} entries with {@code added} above {@code afterAdded}, in
     * {@code added} order, only to check them, so that a row damaged where no read goes (an old entry that no peer
     * and no application asks for) is found while peers still hold a copy, and not when it is the last one. A
     * corrupt entry is handled as any read handles it (see "Corrupt entries" above: reported through
     * {@link #onCorrupt} and taken out of the log and the seen index, so that reconciliation brings a peer's copy).
     * A node calls it on its loop, one step per turn, from its start and then daily ({@code MeshNode}, "Scrub");
     * the term and the idea are a storage system's (ZFS's and Ceph's scrubs). The default checks nothing (a memory
     * store has no disk to damage it) and says the scrub is done.
     *
     * @param afterAdded the last {@code added} the step before checked (0 to start)
     * @param limit      at most this many entries, {@code > 0}
     * @return the {@code added} of the last entry checked; -1 when there is none above {@code afterAdded} (the
     *         scrub is done); {@code afterAdded} itself when the store is busy (nothing read: try again later)
     * @throws IllegalArgumentException if {@code limit <= 0}
     * @throws StoreException if the storage fails
     */
    default long scrub(long afterAdded, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        return -1;
    }

    /** What one step of a scrub of the seen index did ({@link #scrubSeen}). */
    enum ScrubStep {
        /** Rows were checked and more are left: call again with {@code fromStart} false. */
        MORE,
        /** Nothing was read: the store is busy (a batch written behind); call again later with the same arguments. */
        BUSY,
        /** The pass is done: no row is left after the last one checked. */
        DONE
    }

    /**
     * One step of a scrub of the seen index (the ids of cleaned actions, and of those added without reasons): checks
     * up to {@code limit} of its rows after the last one the step before checked, in key order, so that a row damaged
     * while the node runs is found then, and not at the next open (a durable store checks every row at its open). A
     * damaged row is repaired or set aside as at the open, in its own transaction, and said at WARN: a seen id that
     * no longer reads as itself would let a peer's copy of a cleaned action be stored and applied a second time. The
     * store keeps the position of the pass; {@code fromStart} begins a new one. A node calls it on its loop, one step
     * per turn, after each scrub of the entries ({@code MeshNode}, "Scrub"). The default checks nothing (a memory
     * store has no disk to damage it).
     *
     * @param fromStart whether to begin a new pass at the first row
     * @param limit     at most this many rows, {@code > 0}
     * @throws IllegalArgumentException if {@code limit <= 0}
     * @throws StoreException if the storage fails
     */
    default ScrubStep scrubSeen(boolean fromStart, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        return ScrubStep.DONE;
    }

    /**
     * A scrub whose reads run on a thread other than the node's loop ({@link Scrubber}), or null when this store has
     * none: the node then runs {@link #scrub} and {@link #scrubSeen} on its loop, as before. A store whose reads can run
     * beside its owner's writes (SqliteStore: a read-only connection of its own, which WAL lets read while the owner
     * writes) returns one, so that a scrub pass no longer holds the loop (issue 12: a peer's round trip waited for each
     * step). Called on the owner's thread (the loop); each call opens a new one, which the caller closes. The default
     * has none (a memory store has no disk to damage it, and its scrub checks nothing).
     *
     * @throws StoreException if the store has one but cannot open it now (the node then scrubs on its loop)
     */
    default Scrubber scrubber() {
        return null;
    }

    /**
     * A reader of pages ({@link #page}) for a thread other than the owner's, or null when this store has none: the
     * node then reads a subscription's channel replay on its loop, as before. A store whose reads can run beside its
     * owner's writes (SqliteStore: a read-only connection of its own, which WAL lets read while the owner writes)
     * returns one, so that a subscription's replay (up to 10,000 entries read, tens of ms on a large log) does not
     * hold the node's loop. Called on the owner's thread (the loop); each call opens a new one, which the caller
     * closes. The default has none (a memory store's pages are read from memory, within the loop's turn).
     *
     * @throws StoreException if the store has one but cannot open it now (the node then reads on its loop)
     */
    default PageReader pageReader() {
        return null;
    }

    /**
     * Reads pages of the store on a thread other than the owner's ({@link #pageReader}). Each page reads what was
     * committed when it began (its own snapshot, ended with the page, so no snapshot holds up the owner's writes or
     * checkpoints beyond a page): an entry the owner added is seen once it is durable ({@link #whenDurable}). A row
     * found corrupt is skipped and not reported (the owner reports it when its own read meets it). Not thread-safe:
     * called by one thread at a time, never the owner's; {@link #close} may come from another thread once no call
     * runs.
     */
    interface PageReader extends AutoCloseable {

        /**
         * As {@link Store#page}; blocks the calling thread for the read.
         *
         * @throws StoreException if the storage fails (the next call may succeed)
         * @throws IllegalStateException if the reader or its store is closed
         */
        List<Entry> page(Order order, boolean ascending, Object after, int limit);

        /** Closes the reader's own resources (SqliteStore: its connection); idempotent. */
        @Override
        void close();
    }

    /**
     * Settles what a step of a {@link Scrubber} found ({@link ScrubRead#suspects()}), on the owner's thread (the loop):
     * each suspect is read again through the owner's own connection, and only one that is still there and still
     * damaged is handled as the scrub handles it ({@link #scrub}: a corrupt entry is reported through
     * {@link #onCorrupt} and set aside; {@link #scrubSeen}: a damaged seen id is repaired or set aside). An entry or a
     * seen id removed or rewritten since the scrubber read it is left alone: the scrubber's read is a snapshot that
     * the owner's writes may have moved past. The default does nothing (a store without a scrubber has no suspects).
     *
     * @param suspects what {@link Scrubber#next} returned, from a scrubber of this store
     * @throws StoreException if the storage fails (the suspects are found again by the next pass)
     */
    default void settleScrub(List<Suspect> suspects) {
        Objects.requireNonNull(suspects, "suspects");
    }

    /**
     * A row a {@link Scrubber} read and found damaged, for {@link #settleScrub} of the same store; its contents are the
     * store's own (opaque to the node).
     */
    interface Suspect {
    }

    /**
     * What one step of a {@link Scrubber} did.
     *
     * @param rows     how many rows (entries or seen ids) it read, {@code >= 0}
     * @param done     whether the pass is done (nothing is left after the last row read); the next call begins a new
     *                 pass at the first entry
     * @param suspects the rows it found damaged, for {@link #settleScrub} on the owner's thread; empty for none
     */
    record ScrubRead(int rows, boolean done, List<Suspect> suspects) {
        public ScrubRead {
            if (rows < 0) {
                throw new IllegalArgumentException("rows must be >= 0, got " + rows);
            }
            suspects = List.copyOf(suspects);
        }
    }

    /**
     * The reading half of a scrub ({@link #scrubber}): reads the whole store in steps, first the entries in
     * {@code added} order, then the seen index in key order, and checks each row as {@link #scrub} and
     * {@link #scrubSeen} do, writing nothing. Each step reads what was committed when it began (a snapshot of its own,
     * ended with the step, so it holds up neither the owner's writes nor its checkpoints for longer than a step): an
     * entry committed while a pass runs is read by a later step of that pass (its {@code added} is above every one read
     * before), or else by the next pass. Not thread-safe: called by one thread at a time, never the owner's (the node
     * runs it on a scrub thread of its own); {@link #close} may come from another thread once no call runs.
     */
    interface Scrubber extends AutoCloseable {

        /**
         * Reads and checks the next at most {@code limit} rows of the pass; blocks the calling thread for the read
         * (about 0.1-1 us a row from the page cache, more from the disk).
         *
         * @param limit at most this many rows, {@code > 0}
         * @throws IllegalArgumentException if {@code limit <= 0}
         * @throws StoreException if the storage fails (the pass can go on with the next call)
         * @throws IllegalStateException if the scrubber or its store is closed
         */
        ScrubRead next(int limit);

        /** Closes the scrubber's own resources (SqliteStore: its connection); idempotent. */
        @Override
        void close();
    }

    /**
     * Takes an entry out of the log <em>and</em> its id out of the seen index, as a store does by itself with an
     * entry it finds corrupt: the store no longer holds it nor remembers it, so the same id is accepted again
     * when a peer sends it (with a new {@code added}). A durable store keeps the removed row aside for
     * inspection (SqliteStore: table {@code quarantine}). {@code added} numbers are not reused and
     * {@link #maxSeenMs} marks are not lowered.
     *
     * @return whether the id was in the log or in the seen index
     */
    boolean quarantine(ActionId id);

    /** A small persistent value of the node (node id, peer addresses, …), if set. */
    Optional<String> state(String key);

    /**
     * Sets a small persistent value.
     *
     * @throws IllegalArgumentException for the reserved key {@link #EPOCH_KEY}
     */
    void setState(String key, String value);

    /** Flushes and releases the storage; idempotent. */
    @Override
    void close();

    /**
     * Whether {@link #close} was called: the calls of a closed store throw {@link IllegalStateException}. A node asks
     * when a call of its store throws something else than {@link StoreException}, to tell a store closed under it (its
     * application closed the store it gave the node before the node: a misuse, after which the node stops) from a
     * failed write (which it goes on after). The default answers false (a store that cannot tell: such an exception is
     * then taken as a failed write). Any thread.
     */
    default boolean isClosed() {
        return false;
    }

    /** A {@link #page} position for {@link Order#ADDED}: any integral {@link Number}. */
    static long addedPosition(Object after) {
        if (after instanceof Long || after instanceof Integer) {
            return ((Number) after).longValue();
        }
        throw new IllegalArgumentException("an ADDED position must be a Long, got " + after.getClass().getName());
    }

    /** A {@link #page} position for {@link Order#CREATED}: an {@link ActionId}. */
    static ActionId createdPosition(Object after) {
        if (after instanceof ActionId id) {
            return id;
        }
        throw new IllegalArgumentException("a CREATED position must be an ActionId, got "
            + after.getClass().getName());
    }

    /**
     * A new random epoch: 16 characters of {@code [0-9A-Za-z_-]} (96 bits), from {@code /dev/urandom} (or a
     * {@link SecureRandom} where there is none): a memory store makes one as it is built, before its node listens,
     * and a {@code SecureRandom}'s first instance costs 15–40 ms of set-up (docs/performance.md, Start-up).
     */
    static String newEpoch() {
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
        byte[] random = new byte[16];
        try (java.io.InputStream in = new java.io.FileInputStream("/dev/urandom")) {
            if (in.readNBytes(random, 0, random.length) != random.length) {
                throw new java.io.IOException("/dev/urandom ended");
            }
        } catch (java.io.IOException | SecurityException e) {
            new SecureRandom().nextBytes(random);
        }
        StringBuilder sb = new StringBuilder(16);
        for (byte b : random) {
            sb.append(alphabet.charAt(b & 63));
        }
        return sb.toString();
    }

    /** Refuses the keys a store keeps for itself ({@link #EPOCH_KEY}). */
    static String requireUserKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.equals(EPOCH_KEY) || key.equals(SKIPPED_ADDED_KEY)) {
            throw new IllegalArgumentException("state key \"" + key + "\" is kept by the store");
        }
        return key;
    }
}
