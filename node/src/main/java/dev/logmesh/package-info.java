/**
 * The embedding API of logmesh: {@link dev.logmesh.MeshNode} (start, add, subscribe, ask/answer, close),
 * its settings {@link dev.logmesh.NodeConfig}, the value types {@link dev.logmesh.Action},
 * {@link dev.logmesh.Meta}, {@link dev.logmesh.Entry} and {@link dev.logmesh.ActionId}, and
 * {@link dev.logmesh.ReplicatedState}, a state folded from the log in created order, and the hooks of the node's
 * Logux clients ({@code @logux/client} apps): {@link dev.logmesh.TypeHooks}, {@link dev.logmesh.ChannelHooks},
 * {@link dev.logmesh.ClientContext}, {@link dev.logmesh.Recipients}, {@link dev.logmesh.NotFoundException}.
 *
 * <p>Everything else (the log, stores, protocol, sessions, transports) lives in sub-packages that an
 * application does not need; their APIs may change.
 */
package dev.logmesh;
