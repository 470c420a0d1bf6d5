package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a session needs of the node's overlay membership (implemented by the mesh's {@code Overlay}, which runs
 * HyParView): the overlay messages ({@code logmesh:hpv}) that arrive on the session. A session offers the
 * {@code hpv} capability only when it has one; on a link where both sides offered it, the session starts
 * {@linkplain SyncSession#hold held} (it sends no entries) until the overlay makes the peer active. Called on
 * the node's loop. [overlay hook]
 */
public interface Membership {
    /**
     * An overlay message arrived on a connected session whose both sides offered the {@code hpv} capability.
     *
     * @param session the session it came on (its {@link SyncSession#peerNode()} is the authenticated sender)
     * @param message the message object (the second element of {@code ["logmesh:hpv", {...}]})
     * @throws IllegalArgumentException if the object's shape is wrong: the session answers {@code wrong-format}
     *     and closes
     */
    void received(SyncSession session, ObjectNode message);
}
