/**
 * The mesh around a node's sessions: the peer table and gossip over the sessions
 * ({@link dev.logmesh.internal.mesh.SessionHub}), redial with backoff
 * ({@link dev.logmesh.internal.mesh.Redialer}), and the bridge from discovery to dialing. Transport-agnostic:
 * it dials through the protocol's message transport, never the network package. Owned by the node's loop.
 */
package dev.logmesh.internal.mesh;
