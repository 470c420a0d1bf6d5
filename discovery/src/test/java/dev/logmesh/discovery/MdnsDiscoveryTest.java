package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.jmdns.ServiceInfo;
import org.junit.jupiter.api.Test;

/** MdnsDiscovery without opening anything: configuration, naming, conversion of JmDNS data. */
class MdnsDiscoveryTest {

    private static final Announcement ALICE = Announcement.of("alice", "home", 5, 7001);

    @Test
    void buildResolvesLoopbackOnlyWhenAsked() {
        MdnsDiscovery d = MdnsDiscovery.builder(ALICE).addInterface("127.0.0.1").build();

        assertEquals(List.of(Interfaces.named(null, new byte[] {127, 0, 0, 1})), d.interfaces());
        assertEquals(ALICE, d.announcement());
        d.close(); // never started: nothing to release, no exception
        d.close();
    }

    @Test
    void buildRejectsUnusableInterfaces() {
        assertThrows(IllegalArgumentException.class,
                () -> MdnsDiscovery.builder(ALICE).addInterface("no-such-if0").build());
        assertThrows(IllegalArgumentException.class,
                () -> MdnsDiscovery.builder(ALICE).addInterface("192.0.2.254").build());
        assertThrows(IllegalArgumentException.class,
                () -> MdnsDiscovery.builder(ALICE).cacheCleanInterval(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class,
                () -> MdnsDiscovery.builder(ALICE).cacheCleanInterval(Duration.ofMillis(5)));
        assertThrows(NullPointerException.class, () -> MdnsDiscovery.builder(null));
    }

    @Test
    void lifecycleRulesBeforeStart() throws Exception {
        MdnsDiscovery d = MdnsDiscovery.builder(ALICE).addInterface("127.0.0.1").build();
        assertThrows(IllegalStateException.class, d::reannounce);
        assertThrows(NullPointerException.class, () -> d.start(null));
        d.close();
        assertThrows(IllegalStateException.class, () -> d.start(new RecordingListener()));
        d.reannounce(); // after close: nothing to do
    }

    @Test
    void hostLabelIsDnsSafe() {
        assertEquals("alice-1", MdnsDiscovery.hostLabel("alice_1"));
        assertEquals("n-d-t", MdnsDiscovery.hostLabel("nœd:t"));
        assertEquals(40, MdnsDiscovery.hostLabel("x".repeat(63)).length());
    }

    @Test
    void convertsServiceInfoToARecord() {
        Map<String, Object> props = new java.util.HashMap<>(
                Map.of("node", "alice", "mesh", "home", "proto", "5", "k", "v"));
        props.put("flag", null); // a key without value: JmDNS reads it back as "true"
        ServiceInfo info = ServiceInfo.create(MdnsDiscovery.SERVICE_TYPE, "alice", 7001, 0, 0, props);

        ServiceRecord r = MdnsEndpoint.toRecord("alice", info);

        assertEquals("alice", r.instanceName());
        assertEquals(7001, r.port());
        assertEquals(Map.of("node", "alice", "mesh", "home", "proto", "5", "k", "v", "flag", "true"),
                r.txt());
        assertEquals(List.<InetAddress>of(), r.addresses());
    }

    @Test
    void convertsAnEmptyTxt() {
        ServiceInfo info = ServiceInfo.create(MdnsDiscovery.SERVICE_TYPE, "bob", 7002, "");

        assertEquals(Map.of(), MdnsEndpoint.toRecord("bob", info).txt());
    }
}
