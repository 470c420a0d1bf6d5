/**
 * The bounded-degree overlay: HyParView membership (Leitão, Pereira, Rodrigues, DSN 2007) as a pure state
 * machine, so that a node keeps sync sessions with a few peers (its active view) instead of with every peer on
 * the LAN, and discovery feeds it at a bounded rate and size. Internal to logmesh.
 *
 * <p>The public surface is small: {@link dev.logmesh.internal.overlay.HyParView} (one node's views; the host
 * calls its inputs), the two interfaces the host implements, {@link dev.logmesh.internal.overlay.Sender}
 * (messages and sessions) and {@link dev.logmesh.internal.overlay.OverlayListener} (active view changes, bounds
 * reached), the settings {@link dev.logmesh.internal.overlay.OverlayConfig}, and the wire messages
 * {@link dev.logmesh.internal.overlay.HpvMessage} with their JSON shapes. Nothing here touches a socket, a clock
 * or a thread: the host (the node's loop) drives everything, which is also what lets a simulation drive
 * thousands of instances deterministically.
 *
 * <p>Threading: single-threaded. Every class is used on the node's loop thread only. Records are immutable and
 * may be shared.
 *
 * <p>Null: no parameter or return value is null unless its Javadoc says so.
 */
package dev.logmesh.internal.overlay;
