/**
 * Finds the other nodes of a mesh on the local network: announce this node, report peers that
 * appear and disappear.
 *
 * <p>This package is a small standalone library. It knows nothing of logs, sessions or
 * protocols beyond the few fields it announces. The public API is:
 *
 * <ul>
 *   <li>{@link dev.logmesh.discovery.Discovery}: the lifecycle ({@code start}, {@code
 *       reannounce}, {@code close}) and the {@link dev.logmesh.discovery.Discovery.Listener}
 *       that receives peers;
 *   <li>{@link dev.logmesh.discovery.Announcement}: what this node announces;
 *   <li>{@link dev.logmesh.discovery.Peer}: what is reported about another node;
 *   <li>{@link dev.logmesh.discovery.MdnsDiscovery}: multicast DNS (JmDNS) on chosen IPv4
 *       interfaces;
 *   <li>{@link dev.logmesh.discovery.StaticDiscovery}: a fixed list of addresses.
 * </ul>
 *
 * <p>Discovery only proposes candidates. Whether a candidate is alive, and which node really
 * answers at an address, is for a session over the network to prove.
 */
package dev.logmesh.discovery;
