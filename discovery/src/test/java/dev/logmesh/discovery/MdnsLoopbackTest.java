package dev.logmesh.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real mDNS, JmDNS bound to 127.0.0.1 only: never a real interface. The surefire configuration
 * moves mDNS to port 15353 ({@code net.mdns.port}) and each run uses its own random mesh names, so
 * concurrent runs and a desktop's mDNS responder never see these nodes.
 */
@Tag("slow")
class MdnsLoopbackTest {

    private static final Logger LOG = LoggerFactory.getLogger(MdnsLoopbackTest.class);
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    private final List<MdnsDiscovery> opened = new ArrayList<>();

    @BeforeAll
    static void checkIsolation() {
        assertEquals("15353", System.getProperty("net.mdns.port"),
                "tests must not use the real mDNS port; run through Maven (see discovery/pom.xml)");
    }

    @AfterEach
    void closeAll() {
        closeInParallel(opened);
    }

    private MdnsDiscovery open(String nodeId, String mesh, int port, Map<String, String> extra,
            RecordingListener listener) throws Exception {
        MdnsDiscovery d = MdnsDiscovery.builder(new Announcement(nodeId, mesh, 5, port, extra))
                .addInterface("127.0.0.1")
                .cacheCleanInterval(Duration.ofMillis(250))
                .build();
        opened.add(d);
        d.start(listener);
        return d;
    }

    @Test
    void nodesOfAMeshFindEachOtherAndIgnoreThemselvesAndOtherMeshes() throws Exception {
        String mesh = "m-" + RUN;
        String other = "o-" + RUN;
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        RecordingListener c = new RecordingListener();
        RecordingListener d = new RecordingListener();
        long t0 = System.nanoTime();
        open("a-" + RUN, mesh, 7001, Map.of("tls", "0"), a);
        MdnsDiscovery bd = open("b-" + RUN, mesh, 7002, Map.of(), b);
        open("c-" + RUN, other, 7003, Map.of(), c);
        open("d-" + RUN, other, 7004, Map.of(), d);

        // c and d prove that the other mesh is on the wire while a and b find each other
        await().atMost(PATIENCE).until(() -> a.current().containsKey("b-" + RUN)
                && b.current().containsKey("a-" + RUN)
                && c.current().containsKey("d-" + RUN)
                && d.current().containsKey("c-" + RUN));
        LOG.info("4 nodes found each other in {} ms", (System.nanoTime() - t0) / 1_000_000);

        assertEquals(Set.of("b-" + RUN), a.current().keySet());
        assertEquals(Set.of("a-" + RUN), b.current().keySet());
        assertEquals(Set.of("d-" + RUN), c.current().keySet());
        assertEquals(Set.of("c-" + RUN), d.current().keySet());
        for (RecordingListener l : List.of(a, b, c, d)) {
            assertEquals(1, l.found().size(), "one report per peer: " + l.events);
            assertTrue(l.threads.stream().allMatch(n -> n.startsWith("logmesh-discovery-")),
                    "callbacks on our own thread: " + l.threads);
        }
        Peer seenByB = b.current().get("a-" + RUN);
        assertEquals(mesh, seenByB.mesh());
        assertEquals(5, seenByB.protocol());
        assertEquals(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 7001)), seenByB.addresses());
        assertEquals("0", seenByB.txt().get("tls"));

        // b leaves: its goodbye makes a report it lost (a hint only, but it does come on loopback)
        long t1 = System.nanoTime();
        bd.close();
        long closeMs = (System.nanoTime() - t1) / 1_000_000;
        await().atMost(PATIENCE).until(() -> a.lost().contains("b-" + RUN));
        LOG.info("close took {} ms; a saw b lost {} ms after close began", closeMs,
                (System.nanoTime() - t1) / 1_000_000);
        assertEquals(Map.of(), a.current());
    }

    @Test
    void aNewcomerFindsARunningNodeQuickly() throws Exception {
        String mesh = "n-" + RUN;
        RecordingListener witness = new RecordingListener();
        RecordingListener newcomer = new RecordingListener();
        open("old-" + RUN, mesh, 7011, Map.of(), new RecordingListener());
        open("w-" + RUN, mesh, 7013, Map.of(), witness);
        // the running node is announced once another node has resolved it
        await().atMost(PATIENCE).until(() -> witness.current().containsKey("old-" + RUN));

        long t0 = System.nanoTime();
        open("new-" + RUN, mesh, 7012, Map.of(), newcomer);
        await().atMost(PATIENCE).until(() -> newcomer.current().containsKey("old-" + RUN));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("newcomer found the running node in {} ms", ms);
        // the query sent at start is answered long before the newcomer's own announcement (about
        // 4 s) completes: finding running nodes does not wait for it
        assertTrue(ms < 3_000, "newcomer took " + ms + " ms");
    }

    @Test
    void aReannouncedNodeCanStillBeFound() throws Exception {
        String mesh = "r-" + RUN;
        RecordingListener a = new RecordingListener();
        MdnsDiscovery bd = open("b-" + RUN, mesh, 7022, Map.of(), new RecordingListener());
        open("a-" + RUN, mesh, 7021, Map.of(), a);
        await().atMost(PATIENCE).until(() -> a.current().containsKey("b-" + RUN));

        long t0 = System.nanoTime();
        bd.reannounce();
        LOG.info("reannounce took {} ms", (System.nanoTime() - t0) / 1_000_000);

        // b answers again under its node id: a node started now finds it
        RecordingListener c = new RecordingListener();
        open("c-" + RUN, mesh, 7023, Map.of(), c);
        await().atMost(PATIENCE).until(() -> c.current().containsKey("b-" + RUN)
                && a.current().containsKey("b-" + RUN));
        LOG.info("a's view of b across the reannounce: {}", a.events);
    }

    static void closeInParallel(List<MdnsDiscovery> discoveries) {
        List<Thread> threads = new ArrayList<>();
        for (MdnsDiscovery d : discoveries) {
            Thread t = new Thread(d::close, "test-close");
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        discoveries.clear();
    }
}
