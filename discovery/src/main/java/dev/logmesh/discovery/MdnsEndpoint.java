package dev.logmesh.discovery;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import javax.jmdns.impl.DNSCache;
import javax.jmdns.impl.DNSEntry;
import javax.jmdns.impl.DNSRecord;
import javax.jmdns.impl.JmDNSImpl;
import javax.jmdns.impl.constants.DNSRecordType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JmDNS instance bound to one IPv4 address, plus our service on it.
 *
 * <p>JmDNS calls {@link ServiceListener} methods on its own single "JmDNS pool" thread. They only
 * convert the event to a {@link ServiceRecord} and hand it to the {@link Sink}, which must not
 * block. JmDNS creates four threads per instance, named after the instance: {@code
 * SocketListener(name)}, {@code JmDNS(name).Timer}, {@code JmDNS(name).State.Timer} (not a
 * daemon: a JVM does not exit while it lives) and {@code JmDNS pool-N-thread-1}. {@link #close()}
 * waits for all of them to end.
 *
 * <p>Thread-safety: {@link #register} and {@link #close} are called by the
 * owning {@link MdnsDiscovery} under its lock; {@link #cleanCache} by its cleaner thread.
 */
final class MdnsEndpoint implements ServiceListener {

    private static final Logger LOG = LoggerFactory.getLogger(MdnsEndpoint.class);

    /** How long to wait for each JmDNS thread to end after close. */
    private static final long THREAD_JOIN_MILLIS = 5_000;

    /** Receives events from the JmDNS pool thread; must return quickly. */
    interface Sink {
        void resolved(String source, ServiceRecord record);

        void removed(String source, String instanceName);

        /** A service instance was added to JmDNS's cache (before it is resolved). */
        default void added(String source) {
        }
    }

    private final Inet4Address address;
    private final String name;
    private final String source;
    private final Sink sink;
    private final JmDNS jmdns;

    /** The JmDNS pool thread, once seen in a callback, so close() can wait for it. */
    private volatile Thread poolThread;

    /**
     * Instances of our service type in JmDNS's cache (lower-cased qualified names), in the order they were first
     * seen: the first ones stay when there are too many ({@link #limitInstances}). Cleaner thread only.
     */
    private final Map<String, Boolean> firstSeen = new LinkedHashMap<>();

    private MdnsEndpoint(Inet4Address address, String name, Sink sink, JmDNS jmdns) {
        this.address = address;
        this.name = name;
        this.source = address.getHostAddress();
        this.sink = sink;
        this.jmdns = jmdns;
    }

    /**
     * Creates a JmDNS bound to {@code address} under the explicit {@code name} (also its host name,
     * so JmDNS needs no reverse DNS lookup), and starts listening for {@link
     * MdnsDiscovery#SERVICE_TYPE}: that sends a query at once, so existing nodes answer in well
     * under a second.
     */
    static MdnsEndpoint open(Inet4Address address, String name, Sink sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        InetAddress bound = Interfaces.named(name, address.getAddress());
        // probes and announcements at RFC 6762's pace (about 1 s to be seen, not JmDNS's 4 s): ProbeTiming
        ProbeTiming.claim(name);
        JmDNS jmdns;
        try {
            jmdns = JmDNS.create(bound, name);
        } finally {
            ProbeTiming.release(name);
        }
        MdnsEndpoint endpoint = new MdnsEndpoint(address, name, sink, jmdns);
        jmdns.addServiceListener(MdnsDiscovery.SERVICE_TYPE, endpoint);
        LOG.debug("mDNS on {} as {}", endpoint.source, name);
        return endpoint;
    }

    /** The address this endpoint is bound to (as text), used as the event source key. */
    String source() {
        return source;
    }

    /**
     * Registers {@code announcement} on this interface with a fresh {@link ServiceInfo} (one info
     * cannot be registered on two JmDNS instances). Does not wait for probing to finish.
     */
    void register(Announcement announcement) throws IOException {
        ServiceInfo info = ServiceInfo.create(
                MdnsDiscovery.SERVICE_TYPE, announcement.nodeId(), announcement.port(), 0, 0,
                announcement.txt());
        jmdns.registerService(info);
        // JmDNS silently renames on a conflict ("X (2)"): read the name back, never assume it.
        if (!info.getName().equals(announcement.nodeId())) {
            LOG.warn("mDNS on {} registered node {} as '{}': another service uses that name "
                    + "(is the node id unique?)", source, announcement.nodeId(), info.getName());
        }
    }

    /** Expires stale cache entries now instead of at JmDNS's 10 s reaper tick. */
    void cleanCache() {
        if (jmdns instanceof JmDNSImpl impl) {
            impl.cleanCache();
        }
    }

    /**
     * Keeps at most {@code max} instances of {@link MdnsDiscovery#SERVICE_TYPE} in JmDNS's cache, so that forged
     * announcements of thousands of names cost a bounded heap: JmDNS itself keeps every announced name (its cache
     * records, and per name a service info in each listener's state and a resolver) until the TTL the sender
     * chose. The instances seen first stay (this node's own always); the others are removed the way JmDNS removes
     * an expired record (listeners are told, so their per-name state goes too, and the tracker reports the peer
     * lost), with their SRV target's address records when no kept instance uses that host. A removed name that is
     * announced again is cached again until the next call. Called by the cleaner thread.
     *
     * @param max most instances kept, at least 1
     * @param own this node's instance name (never removed), or null
     * @return how many instances were removed
     */
    int limitInstances(int max, String own) {
        if (!(jmdns instanceof JmDNSImpl impl)) {
            return 0;
        }
        DNSCache cache = impl.getCache();
        String ownKey = own == null ? null : (own + "." + MdnsDiscovery.SERVICE_TYPE).toLowerCase(Locale.ROOT);
        Map<String, DNSRecord> pointers = new LinkedHashMap<>();
        for (DNSEntry e : List.copyOf(cache.getDNSEntryList(MdnsDiscovery.SERVICE_TYPE))) {
            if (e instanceof DNSRecord r && e.getRecordType() == DNSRecordType.TYPE_PTR) {
                String instance = r.getServiceInfo(false).getQualifiedName().toLowerCase(Locale.ROOT);
                pointers.put(instance, r);
            }
        }
        firstSeen.keySet().retainAll(pointers.keySet());
        if (ownKey != null && pointers.containsKey(ownKey)) {
            firstSeen.putIfAbsent(ownKey, Boolean.TRUE);
        }
        for (String instance : pointers.keySet()) {
            firstSeen.putIfAbsent(instance, Boolean.TRUE);
        }
        int orphans = removeOrphans(impl, cache, max, pointers.keySet());
        if (firstSeen.size() <= max) {
            return orphans;
        }
        List<String> kept = new ArrayList<>(max);
        List<String> excess = new ArrayList<>();
        if (ownKey != null && firstSeen.containsKey(ownKey)) {
            kept.add(ownKey);
        }
        for (String instance : firstSeen.keySet()) {
            if (instance.equals(ownKey)) {
                continue;
            }
            (kept.size() < max ? kept : excess).add(instance);
        }
        java.util.Set<String> keptHosts = new java.util.HashSet<>();
        for (String instance : kept) {
            keptHosts.addAll(servers(cache, instance));
        }
        long now = System.currentTimeMillis();
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (String instance : excess) {
            hosts.addAll(servers(cache, instance));
            remove(impl, cache, now, pointers.get(instance));
            for (DNSEntry e : List.copyOf(cache.getDNSEntryList(instance))) {
                remove(impl, cache, now, e);
            }
            firstSeen.remove(instance);
        }
        hosts.removeAll(keptHosts);
        for (String host : hosts) {
            for (DNSEntry e : List.copyOf(cache.getDNSEntryList(host))) {
                if (e.getRecordType() == DNSRecordType.TYPE_A || e.getRecordType() == DNSRecordType.TYPE_AAAA) {
                    remove(impl, cache, now, e);
                }
            }
        }
        return excess.size();
    }

    /**
     * Removes the SRV and TXT records of instances of our type that have no PTR record in the cache, when there are
     * more than {@code max} instances with such records: such records are never limited by their PTR (a forger may
     * send SRV and TXT alone, and a record of a dropped instance that was on its way when it was dropped came
     * without it; a CI run kept 139 of them for the records' hour). Below the limit nothing is touched: a response's
     * SRV and TXT may be cached a moment before its PTR. Called by the cleaner thread.
     *
     * @param withPointer the lower-cased instances that have a PTR record now
     * @return how many instances' records were removed
     */
    private static int removeOrphans(JmDNSImpl impl, DNSCache cache, int max, java.util.Set<String> withPointer) {
        String suffix = "." + MdnsDiscovery.SERVICE_TYPE.toLowerCase(Locale.ROOT);
        Map<String, List<DNSEntry>> byInstance = new LinkedHashMap<>();
        for (DNSEntry e : cache.allValues()) {
            if (e.getRecordType() == DNSRecordType.TYPE_SRV || e.getRecordType() == DNSRecordType.TYPE_TXT) {
                String name = e.getName().toLowerCase(Locale.ROOT);
                if (name.endsWith(suffix)) {
                    byInstance.computeIfAbsent(name, k -> new ArrayList<>()).add(e);
                }
            }
        }
        if (byInstance.size() <= max) {
            return 0;
        }
        long now = System.currentTimeMillis();
        int removed = 0;
        for (Map.Entry<String, List<DNSEntry>> instance : byInstance.entrySet()) {
            if (!withPointer.contains(instance.getKey())) {
                for (DNSEntry e : instance.getValue()) {
                    remove(impl, cache, now, e);
                }
                removed++;
            }
        }
        return removed;
    }

    /** The lower-cased SRV targets of an instance in the cache. */
    private static List<String> servers(DNSCache cache, String instance) {
        List<String> out = new ArrayList<>();
        for (DNSEntry e : List.copyOf(cache.getDNSEntryList(instance))) {
            if (e instanceof DNSRecord r && e.getRecordType() == DNSRecordType.TYPE_SRV) {
                String server = r.getServiceInfo(false).getServer();
                if (server != null && !server.isEmpty()) {
                    out.add(server.toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    /** Removes a cached record as JmDNS's own reaper removes an expired one: listeners first, then the cache. */
    private static void remove(JmDNSImpl impl, DNSCache cache, long now, DNSEntry e) {
        if (e instanceof DNSRecord r) {
            impl.updateRecord(now, r, JmDNSImpl.Operation.Remove);
            cache.removeDNSEntry(r);
        }
    }

    /** The JmDNS instance (for tests of this package). */
    JmDNS jmdns() {
        return jmdns;
    }

    /**
     * Stops listening, closes JmDNS (which sends goodbyes for our service and takes about two
     * seconds) and waits until JmDNS's threads have ended. Never throws.
     */
    void close() {
        try {
            jmdns.removeServiceListener(MdnsDiscovery.SERVICE_TYPE, this);
            jmdns.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing mDNS on {} failed", source, e);
        }
        joinThreads();
    }

    private void joinThreads() {
        List<Thread> ours = new ArrayList<>();
        String marker = "(" + name + ")";
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains(marker)) {
                ours.add(t);
            }
        }
        Thread pool = poolThread;
        if (pool != null) {
            ours.add(pool);
        }
        for (Thread t : ours) {
            if (t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(THREAD_JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                LOG.warn("JmDNS thread {} still alive {} ms after close", t.getName(), THREAD_JOIN_MILLIS);
            }
        }
    }

    @Override
    public void serviceAdded(ServiceEvent event) {
        poolThread = Thread.currentThread();
        LOG.trace("{}: added {}", source, event.getName());
        sink.added(source);
        // Nothing to do: for a type with a ServiceListener, JmDNS 3.6 resolves each added instance
        // itself (measured: serviceResolved follows within milliseconds, once with an empty TXT, then
        // with the TXT). requestServiceInfo() would only block this thread and duplicate the events.
    }

    @Override
    public void serviceRemoved(ServiceEvent event) {
        poolThread = Thread.currentThread();
        LOG.trace("{}: removed {}", source, event.getName());
        sink.removed(source, event.getName());
    }

    @Override
    public void serviceResolved(ServiceEvent event) {
        poolThread = Thread.currentThread();
        ServiceInfo info = event.getInfo();
        LOG.trace("{}: resolved {} {}", source, event.getName(), info);
        if (info == null) {
            return;
        }
        try {
            sink.resolved(source, toRecord(event.getName(), info));
        } catch (RuntimeException e) {
            LOG.debug("ignoring unreadable service {} on {}", event.getName(), source, e);
        }
    }

    static ServiceRecord toRecord(String instanceName, ServiceInfo info) {
        Map<String, String> txt = new LinkedHashMap<>();
        for (String key : Collections.list(info.getPropertyNames())) {
            String value = info.getPropertyString(key);
            txt.put(key, value == null ? "" : value);
        }
        List<InetAddress> addresses = List.of(info.getInet4Addresses());
        return new ServiceRecord(instanceName, txt, addresses, info.getPort());
    }

    @Override
    public String toString() {
        return "MdnsEndpoint[" + source + " as " + name + "]";
    }

    Inet4Address address() {
        return address;
    }
}
