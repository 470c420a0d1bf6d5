/**
 * What an application may implement or supply to a node, each with its contract (which thread calls it,
 * whether it blocks or throws, and what happens after close): {@link dev.logmesh.spi.Store} (where the log
 * keeps its entries; with {@link dev.logmesh.spi.Order} and {@link dev.logmesh.spi.PeerCursor}),
 * {@link dev.logmesh.spi.Loop} (the node's one thread and clock), and {@link dev.logmesh.spi.Transport} with
 * {@link dev.logmesh.spi.Connection} (links to peers carrying text frames). Discovery of peers is the
 * {@code logmesh-discovery} module's {@code Discovery} interface.
 *
 * <p>The SPIs use the values of {@link dev.logmesh} and nothing internal.
 */
package dev.logmesh.spi;
