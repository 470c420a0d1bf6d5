/**
 * The Logux server role of a node towards its clients (peers that are not logmesh nodes: {@code @logux/client}
 * apps in browsers and Node.js, bare {@code @logux/core} nodes), as {@code @logux/server} 0.14 plays it and
 * {@code @logux/client} 0.23 relies on. Between logmesh nodes everything flows; filtering happens here, at the
 * edge. Pure logic: no I/O, no clock, no log; a session calls it on the node's loop thread.
 *
 * <ul>
 *   <li>{@link dev.logmesh.internal.edge.ClientId}: {@code userId:clientRandom:tabId} as Logux parses it.</li>
 *   <li>{@link dev.logmesh.internal.edge.EdgeMeta}: meta allowed across the edge ({@code id}, {@code time},
 *       {@code subprotocol}) and the check of a client's action ids.</li>
 *   <li>{@link dev.logmesh.internal.edge.Address}, {@link dev.logmesh.internal.edge.Delivery}: which entries
 *       go to which client ({@code nodes}, {@code clients}, {@code users}, {@code channels},
 *       {@code excludeClients}; the node option for unaddressed entries).</li>
 *   <li>{@link dev.logmesh.internal.edge.ClientEdge}: one connection's state: answers
 *       ({@code logux/processed}, {@code logux/undo}), subscriptions, hooks
 *       ({@link dev.logmesh.internal.edge.EdgeHooks}, {@link dev.logmesh.internal.edge.EdgeRules}).</li>
 *   <li>{@link dev.logmesh.internal.edge.UserTokens}: per-user tokens for keyed meshes.</li>
 * </ul>
 * Depends only on the value types of {@code dev.logmesh}, Jackson and {@code internal.callback} (which failures
 * of the application's hooks are the hook's own: an undo, not the end of the node). Sources read:
 * {@code @logux/server} {@code base-server/index.js}, {@code server-client/index.js},
 * {@code filtered-node/index.js}, {@code allowed-meta/index.js}; {@code @logux/client} {@code client/index.js}.
 */
package dev.logmesh.internal.edge;
