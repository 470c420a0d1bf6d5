/**
 * Authentication beside the protocol: the mesh key's mutual proofs carried in {@code connect} and
 * {@code connected} options ({@link dev.logmesh.internal.auth.MeshAuth}) and the brute-force limiter for
 * failed attempts ({@link dev.logmesh.internal.auth.Bruteforce}). Used by sessions; knows nothing of them.
 */
package dev.logmesh.internal.auth;
