/**
 * The public API of logmesh: the facade and the values an application uses.
 *
 * <ul>
 *   <li>Facade: {@link dev.logmesh.MeshNode} (start, add, subscribe, ask/answer, close), its settings
 *       {@link dev.logmesh.NodeConfig}, and {@link dev.logmesh.ReplicatedState}, a state folded from the log
 *       in created order.</li>
 *   <li>Values: {@link dev.logmesh.Action}, {@link dev.logmesh.ActionId}, {@link dev.logmesh.Meta},
 *       {@link dev.logmesh.Entry}, {@link dev.logmesh.Criteria}, a peer's status, and the exception
 *       {@link dev.logmesh.StoreException}. Values are immutable and depend on nothing else of logmesh.</li>
 *   <li>Hooks for the node's Logux clients ({@code @logux/client} apps): {@link dev.logmesh.TypeHooks},
 *       {@link dev.logmesh.ChannelHooks}, {@link dev.logmesh.ClientContext}, {@link dev.logmesh.Recipients},
 *       {@link dev.logmesh.NotFoundException}.</li>
 * </ul>
 *
 * <p>What an application may implement is in {@link dev.logmesh.spi}. Everything under
 * {@code dev.logmesh.internal} is not API: it may change in any release. A test
 * ({@code ArchitectureTest}) fails the build when another type appears here or an import points the wrong way.
 */
package dev.logmesh;
