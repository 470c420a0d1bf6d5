/**
 * One sync session with one peer over one message connection
 * ({@link dev.logmesh.internal.session.SyncSession}): handshake and authentication, time fix, the send
 * pump, inbound acknowledgement, liveness (ping/pong, timeouts), and its settings
 * ({@link dev.logmesh.internal.session.SessionConfig}). Sessions know their log and their connection, not
 * the mesh around them. Owned by the node's loop.
 */
package dev.logmesh.internal.session;
