/**
 * The bounded-degree overlay: HyParView membership (Leitão, Pereira, Rodrigues, DSN 2007) as a pure state
 * machine, so that a node keeps sync sessions with a few peers (its active view) instead of with every peer on
 * the LAN, and discovery feeds it at a bounded rate and size. Internal to logmesh.
 *
 * <p>The surface is small: {@link dev.logmesh.internal.overlay.HyParView} (one node's views; the host calls its
 * inputs), the two interfaces the host implements, {@link dev.logmesh.internal.overlay.Sender} (messages and
 * sessions) and {@link dev.logmesh.internal.overlay.OverlayListener} (active view changes, bounds reached), the
 * settings {@link dev.logmesh.internal.overlay.OverlayConfig}, and the wire messages
 * {@link dev.logmesh.internal.overlay.HpvMessage} with their JSON shapes. Nothing here touches a socket, a clock
 * or a thread: the host (the node's loop) drives everything, which is also what lets a simulation drive
 * thousands of instances deterministically.
 *
 * <h2>Wiring it to a node</h2>
 * Everything below runs on the node's loop thread.
 * <ul>
 *   <li><b>Start:</b> {@code new HyParView(new PeerInfo(nodeId, myWsUrl), config, sender, new Random(),
 *       listener)}; call {@code tick()} every second.</li>
 *   <li><b>Discovery:</b> for every mDNS announcement, {@code candidate(nodeId, url)} (cheap, bounded; never
 *       dials by itself). For every {@code --peer URL}: dial it, learn its node id from the Logux handshake,
 *       report {@code sessionOpened(id)}, then {@code staticPeer(id, url)}.</li>
 *   <li><b>Sessions:</b> {@link dev.logmesh.internal.overlay.Sender#connect} opens a sync session;
 *       {@code sessionOpened(id)} once a session (either direction) is authenticated; {@code sessionClosed(id)}
 *       when it ends or the dial fails; {@link dev.logmesh.internal.overlay.Sender#disconnect} closes it after
 *       flushing. One session per peer; the contract is on {@link dev.logmesh.internal.overlay.Sender}.</li>
 *   <li><b>Messages:</b> send {@code ["logmesh:hpv", message.toJson()]} on the session; on receipt,
 *       {@code receive(peerId, HpvMessage.fromJson(object))}, answering an {@link IllegalArgumentException}
 *       with the session's {@code wrong-format} error. A {@code ShuffleReply} to a node without a session may go
 *       over a short-lived connection, or be dropped.</li>
 *   <li><b>Broadcast:</b> Plumtree's eager and lazy sets follow
 *       {@link dev.logmesh.internal.overlay.OverlayListener#activeAdded} and {@code activeRemoved}. Catch-up
 *       still comes from any session, whatever the topology.</li>
 *   <li><b>{@code logmesh peers}:</b> {@code activeView()}, {@code passiveView()}, {@code stats()}.</li>
 *   <li><b>Stop:</b> {@code leave()} tells the active peers and closes every session.</li>
 * </ul>
 *
 * <p>Threading: single-threaded. Every class is used on the node's loop thread only. Records are immutable and
 * may be shared.
 *
 * <p>Null: no parameter or return value is null unless its Javadoc says so.
 */
package dev.logmesh.internal.overlay;
