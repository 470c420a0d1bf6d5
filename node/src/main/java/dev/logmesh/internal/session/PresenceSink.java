package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a session needs of the node's mesh presence (implemented by the mesh's {@code Presence}): the presence
 * records ({@code ["logmesh:presence", {...}]}) that arrive on the session. A session offers the {@code presence}
 * capability only when it has one, so stock Logux peers and older logmesh nodes never get these messages. Called
 * on the node's loop.
 */
public interface PresenceSink {
    /**
     * A presence record arrived on a connected session whose both sides offered the {@code presence} capability.
     * The sink checks the record's shape and drops (and counts) bad ones: presence is advisory and a record it
     * cannot read does not end the session.
     *
     * @param session the session it came on (its {@link SyncSession#peerNode()} is the authenticated sender)
     * @param record  the record (the second element of the message)
     */
    void received(SyncSession session, ObjectNode record);
}
