package dev.logmesh.internal.session;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.internal.reconcile.Initiator;
import dev.logmesh.internal.reconcile.Item;
import dev.logmesh.internal.reconcile.Need;
import dev.logmesh.internal.reconcile.Responder;
import java.util.Collection;
import java.util.List;

/**
 * What a session needs of the node's set reconciliation (implemented by the mesh's {@code Reconciler}, which
 * keeps the index of every id this node holds or has seen). Called on the node's loop.
 */
public interface Reconciliation {

    /** The lower time bound of the ids a round compares now (ids older than it may be forgotten). */
    long cutoff();

    /**
     * A new initiating round with {@code peer} (its node id) over the ids from {@code cutoffMs} on, within
     * {@code frameSizeLimit} bytes: the ids this node has seen, and those {@code peer} answered {@code gone} for.
     */
    Initiator initiator(String peer, long cutoffMs, int frameSizeLimit);

    /** A responder to {@code peer} over the same ids as {@link #initiator}, within {@code frameSizeLimit} bytes. */
    Responder responder(String peer, long cutoffMs, int frameSizeLimit);

    /**
     * Entries and ids of items this node holds: what it can send, and what it has only seen (cleaned since).
     *
     * @param entries the entries in the log
     * @param gone    ids seen here but no longer in the log
     */
    record Resolved(List<Entry> entries, List<ActionId> gone) {
    }

    /**
     * Resolves items this node holds (the {@code have} of a round with {@code peer}): {@code peer} lacks them, so
     * any of them it had answered gone for is no mark for it any more (a wiped or restored peer).
     */
    Resolved resolve(String peer, Collection<Item> items);

    /** Resolves needs {@code peer} sent ({@code logmesh:want}); as {@link #resolve}, its marks among them go. */
    Resolved resolveNeeds(String peer, Collection<Need> needs);

    /**
     * {@code peer} says these ids were cleaned there ({@code logmesh:gone}): count them as known in rounds with
     * {@code peer} only, so those stop finding them, while rounds with any other peer still do (one may hold them).
     */
    void known(String peer, Collection<ActionId> ids);

    /**
     * How many sessions in a row with {@code peer}, while it ran as {@code instance} (its open log's random token, or
     * null), ended on a round it left unanswered while it went on answering pings ({@link #roundEnded}); 0 once a
     * round with it completed, or for another instance (a restart, perhaps an upgrade). The default keeps none.
     */
    default int unansweredRounds(String peer, String instance) {
        return 0;
    }

    /** Records how a round with {@code peer} ended: answered (the count goes back to 0) or not (one more). */
    default void roundEnded(String peer, String instance, boolean answered) {
    }

    /**
     * Whether the node has yet to say that {@code peer} (as {@code instance}) leaves its rounds unanswered
     * ({@link #unansweredRounds}): true the first time it is asked for such a run of sessions, false after, until the
     * peer answers a round or runs as another instance. The default keeps nothing and says it every time.
     */
    default boolean sayUnansweredOnce(String peer, String instance) {
        return true;
    }
}
