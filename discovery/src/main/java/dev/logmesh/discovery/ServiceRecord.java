package dev.logmesh.discovery;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One resolved mDNS service instance as one interface saw it, stripped of JmDNS types so that
 * {@link PeerTracker} can be tested without sockets.
 *
 * @param instanceName the mDNS instance name (by our convention the node id, but never assumed)
 * @param txt the TXT entries; empty when JmDNS has not received the TXT record yet
 * @param addresses the A records of the service's host; may be empty
 * @param port the SRV port
 */
record ServiceRecord(String instanceName, Map<String, String> txt, List<InetAddress> addresses,
        int port) {

    ServiceRecord {
        Objects.requireNonNull(instanceName, "instanceName");
        txt = Map.copyOf(txt);
        addresses = List.copyOf(addresses);
    }
}
