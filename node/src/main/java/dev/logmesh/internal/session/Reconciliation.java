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

    /** A new initiating round over the ids from {@code cutoffMs} on, within {@code frameSizeLimit} bytes. */
    Initiator initiator(long cutoffMs, int frameSizeLimit);

    /** A responder over the ids from {@code cutoffMs} on, within {@code frameSizeLimit} bytes. */
    Responder responder(long cutoffMs, int frameSizeLimit);

    /**
     * Entries and ids of items this node holds: what it can send, and what it has only seen (cleaned since).
     *
     * @param entries the entries in the log
     * @param gone    ids seen here but no longer in the log
     */
    record Resolved(List<Entry> entries, List<ActionId> gone) {
    }

    /** Resolves items this node holds (the {@code have} of a round). */
    Resolved resolve(Collection<Item> items);

    /** Resolves needs a peer sent ({@code logmesh:want}). */
    Resolved resolveNeeds(Collection<Need> needs);

    /**
     * {@code peer} says these ids were cleaned there ({@code logmesh:gone}): count them as known, so rounds with it
     * stop wanting them, and ask the other peers for them once ({@link #toAsk}): one of them may hold them.
     */
    void known(String peer, Collection<ActionId> ids);

    /**
     * Ids another peer answered {@code gone} for that this node still lacks and has not asked {@code peer} for yet,
     * oldest first; each is returned once per peer (and session). Rounds cannot find them any more (they count as known here), so
     * the session asks for them with {@code logmesh:want}: a peer that holds one sends it, one that cleaned it says
     * {@code gone}. Each is returned once per peer until {@link #forgetAsked}.
     */
    List<ActionId> toAsk(String peer);

    /**
     * The session with {@code peer} ended: the wants it sent for {@link #toAsk}'s ids may have been lost with it, so
     * its next session is given them again.
     */
    void forgetAsked(String peer);
}
