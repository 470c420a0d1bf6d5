/**
 * The network transport and the production loop: WebSocket on Netty
 * ({@link dev.logmesh.internal.net.WsTransport}, text frames, a frame size limit, TLS), its connections, and
 * {@link dev.logmesh.internal.net.SystemLoop}, the node's loop thread, on which the channels run too. An
 * adapter plugged in by the facade: it uses the protocol and nothing of the session or the mesh.
 */
package dev.logmesh.internal.net;
