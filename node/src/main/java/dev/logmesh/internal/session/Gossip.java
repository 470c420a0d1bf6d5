package dev.logmesh.internal.session;

import dev.logmesh.ActionId;
import java.util.List;

/**
 * What a session asks of the node's gossip about its link (implemented by the mesh's Plumtree). Called on the
 * node's loop.
 */
public interface Gossip {
    /** Whether entries go to this peer as payload ({@code sync}) rather than as ids ({@code logmesh:ihave}). */
    boolean eager(String peer);

    /** A {@code sync} of the tree (not a graft answer) from this peer brought only entries the log had. */
    void duplicate(String peer);

    /** The peer sent {@code logmesh:prune}. */
    void pruned(String peer);

    /** The peer sent {@code logmesh:graft}. */
    void grafted(String peer);

    /**
     * A {@code sync} numbered 0 (a graft answer, or a reconciliation answer) from this peer was added to the log:
     * {@code fresh} of its entries were new to it, {@code duplicates} were there already.
     */
    void graftAnswered(String peer, int fresh, int duplicates);

    /** A {@code sync} of the tree (numbered above 0) from this peer brought these entries, which the log had. */
    void treeDuplicates(String peer, List<ActionId> ids);

    /** The peer announced these ids ({@code logmesh:ihave}), none of them in the log. */
    void announced(String peer, List<ActionId> ids);
}
