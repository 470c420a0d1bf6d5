/**
 * Sync sessions (Logux protocol 5 on one {@link dev.logmesh.sync.Connection}), the per-node
 * {@link dev.logmesh.sync.SessionHub} that gossips every added entry to every session, redialing, and the
 * mesh key's proofs. Internal to logmesh (public for the node's other packages and the test kit).
 */
package dev.logmesh.sync;
