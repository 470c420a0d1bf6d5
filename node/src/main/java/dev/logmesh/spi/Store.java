package dev.logmesh.spi;

import dev.logmesh.Criteria;
import dev.logmesh.StoreException;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.List;
import java.util.Optional;

/**
 * Where a log keeps its entries, its per-peer cursors and its index of seen ids.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Called from one thread at a time (the node's loop); implementations need not be thread-safe.
 *       Calls may block on I/O; they throw {@link StoreException} when the storage fails, and then
 *       nothing of that call was written.</li>
 *   <li>{@link #add} is atomic: all entries of a batch are committed together or none is. When it
 *       returns, what it reports as added is durable (for durable stores).</li>
 *   <li>Every id ever added stays in the seen index after its entry is cleaned, until
 *       {@link #forgetSeen} drops it, so an action that comes back is recognised.</li>
 *   <li>{@code added} numbers are assigned by the store: 1, 2, 3, …, strictly increasing, never reused,
 *       also across reopening.</li>
 * </ul>
 * A contract test suite ({@code StoreContract} in the test kit) checks every implementation.
 */
public interface Store extends AutoCloseable {

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

    /** The cursor for a peer, {@link PeerCursor#NONE} if none was saved. */
    PeerCursor cursor(String peerNode);

    /** Saves the cursor for a peer. */
    void setCursor(String peerNode, PeerCursor cursor);

    /** All saved cursors by peer node id. */
    java.util.Map<String, PeerCursor> cursors();

    /**
     * Forgets seen ids whose time part is below {@code beforeMs} and that are no longer in the log.
     *
     * @return how many ids were forgotten
     */
    long forgetSeen(long beforeMs);

    /**
     * The largest id time part ever added (issued or received), or 0. It is a high-water mark:
     * {@link #forgetSeen} does not lower it, so a restarted clock never issues an id at or before an old one.
     */
    long maxSeenMs();

    /** A small persistent value of the node (node id, peer addresses, …), if set. */
    Optional<String> state(String key);

    /** Sets a small persistent value. */
    void setState(String key, String value);

    /** Flushes and releases the storage; idempotent. */
    @Override
    void close();

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
}
