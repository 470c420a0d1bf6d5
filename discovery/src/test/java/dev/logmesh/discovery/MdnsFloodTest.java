package dev.logmesh.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.jmdns.impl.DNSCache;
import javax.jmdns.impl.DNSEntry;
import javax.jmdns.impl.DNSRecord;
import javax.jmdns.impl.JmDNSImpl;
import javax.jmdns.impl.constants.DNSRecordClass;
import javax.jmdns.impl.constants.DNSRecordType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A flood of announced names costs a bounded heap: JmDNS (bound to 127.0.0.1 only, on the test port 15353) is fed
 * well-formed records of 1,000 services of our type with a TTL of an hour, as a forger's unsolicited responses
 * reach its cache (cache add, then the listeners told). The discovery keeps at most {@code maxServices} of them in
 * JmDNS's cache and reports at most that many peers; the names seen first stay.
 */
@Tag("slow")
class MdnsFloodTest {

    private static final int FORGED = 1_000;
    private static final int MAX = 50;

    @BeforeAll
    static void checkIsolation() {
        assertEquals("15353", System.getProperty("net.mdns.port"),
                "tests must not use the real mDNS port; run through Maven (see discovery/pom.xml)");
    }

    @Test
    void forgedNamesBeyondTheLimitLeaveJmdnsCacheAndAreNotReported() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String mesh = "flood-" + tag;
        // this run's names only: other test JVMs on this machine announce on 127.0.0.1:15353 too, and the limit
        // (rightly) counts their services; the assertions count the forged names and this node's
        String forged = "forged-" + tag + "-";
        RecordingListener listener = new RecordingListener();
        MdnsDiscovery d = MdnsDiscovery.builder(Announcement.of("victim-" + tag, mesh, 5, 7001))
                .addInterface("127.0.0.1")
                .maxServices(MAX)
                .build();
        try {
            d.start(listener);
            JmDNSImpl jmdns = (JmDNSImpl) d.endpoints().get(0).jmdns();
            long now = System.currentTimeMillis();
            for (int i = 0; i < FORGED; i++) {
                String instance = forged + i + "." + MdnsDiscovery.SERVICE_TYPE;
                List<DNSRecord> records = List.of(
                        new DNSRecord.Service(instance, DNSRecordClass.CLASS_IN, true, 3600, 0, 0, 7001,
                                "forged" + i + ".local."),
                        new DNSRecord.Text(instance, DNSRecordClass.CLASS_IN, true, 3600,
                                text("node=forged" + i, "mesh=" + mesh, "proto=5")),
                        new DNSRecord.Pointer(MdnsDiscovery.SERVICE_TYPE, DNSRecordClass.CLASS_IN, false, 3600,
                                instance));
                for (DNSRecord r : records) {
                    jmdns.getCache().addDNSEntry(r);
                    jmdns.updateRecord(now, r, JmDNSImpl.Operation.Add);
                }
            }
            // at most MAX names left, with no SRV or TXT of a dropped one (removal runs on another thread)
            await().atMost(Duration.ofSeconds(60)).until(() -> instances(jmdns.getCache(), forged) <= MAX
                    && instanceRecords(jmdns.getCache(), forged).size() <= 2 * MAX);
            assertTrue(instanceRecords(jmdns.getCache(), forged).contains(forged + "0." + MdnsDiscovery.SERVICE_TYPE),
                    "the first name seen stays");
            await().atMost(Duration.ofSeconds(60)).until(() -> listener.current().size() <= MAX);
        } finally {
            d.close();
        }
    }

    /**
     * SRV and TXT records without a PTR (a forger that sends them alone; records of a dropped name that were on
     * their way) are limited too: before, they stayed for their TTL whatever their number (a CI run: 139 of them
     * for 60 s and more after the flood).
     */
    @Test
    void srvAndTxtRecordsWithoutAPointerBeyondTheLimitLeaveJmdnsCache() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String mesh = "flood-" + tag;
        String forged = "orphan-" + tag + "-";
        MdnsDiscovery d = MdnsDiscovery.builder(Announcement.of("victim-" + tag, mesh, 5, 7001))
                .addInterface("127.0.0.1")
                .maxServices(MAX)
                .build();
        try {
            d.start(new RecordingListener());
            JmDNSImpl jmdns = (JmDNSImpl) d.endpoints().get(0).jmdns();
            long now = System.currentTimeMillis();
            for (int i = 0; i < FORGED; i++) {
                String instance = forged + i + "." + MdnsDiscovery.SERVICE_TYPE;
                List<DNSRecord> records = List.of(
                        new DNSRecord.Service(instance, DNSRecordClass.CLASS_IN, true, 3600, 0, 0, 7001,
                                "orphan" + i + ".local."),
                        new DNSRecord.Text(instance, DNSRecordClass.CLASS_IN, true, 3600,
                                text("node=orphan" + i, "mesh=" + mesh, "proto=5")));
                for (DNSRecord r : records) {
                    jmdns.getCache().addDNSEntry(r);
                    jmdns.updateRecord(now, r, JmDNSImpl.Operation.Add);
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> instanceRecords(jmdns.getCache(), forged).isEmpty());
        } finally {
            d.close();
        }
    }

    /** The names of the SRV and TXT records in the cache that start with {@code prefix}, lower-cased. */
    private static List<String> instanceRecords(DNSCache cache, String prefix) {
        List<String> out = new ArrayList<>();
        for (DNSEntry e : cache.allValues()) {
            if ((e.getRecordType() == DNSRecordType.TYPE_SRV || e.getRecordType() == DNSRecordType.TYPE_TXT)
                    && e.getName().toLowerCase(java.util.Locale.ROOT).startsWith(prefix)) {
                out.add(e.getName().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return out;
    }

    /** Instances of our type in the cache whose name starts with {@code prefix} (PTR records of the type). */
    private static int instances(DNSCache cache, String prefix) {
        int n = 0;
        for (DNSEntry e : cache.getDNSEntryList(MdnsDiscovery.SERVICE_TYPE)) {
            if (e.getRecordType() == DNSRecordType.TYPE_PTR && e instanceof DNSRecord r
                    && r.getServiceInfo(false).getQualifiedName().toLowerCase(java.util.Locale.ROOT)
                            .startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    /** A TXT record's data: each string prefixed by its length. */
    private static byte[] text(String... strings) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b.length);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }
}
