package dev.logmesh.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.jmdns.JmDNS;
import javax.jmdns.impl.DNSTaskStarter;
import javax.jmdns.impl.JmDNSImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes started together (nobody announced yet to answer their start-up query) see each other once their own
 * announcements go out: about 1 s after start at RFC 6762's pace ({@link ProbeTiming}), where JmDNS's own
 * schedule for a fresh instance took 4.0 s. Real mDNS on 127.0.0.1 only, port 15353 (see discovery/pom.xml).
 */
@Tag("slow")
class MdnsStartTogetherTest {

    private static final Logger LOG = LoggerFactory.getLogger(MdnsStartTogetherTest.class);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    private final List<MdnsDiscovery> opened = new ArrayList<>();

    @BeforeAll
    static void checkIsolation() {
        MdnsLoopbackTest.checkIsolation();
    }

    @AfterEach
    void closeAll() {
        MdnsLoopbackTest.closeInParallel(opened);
    }

    @Test
    void threeNodesStartedTogetherSeeEachOtherWithinTwoAndAHalfSeconds() throws Exception {
        String mesh = "t-" + RUN;
        List<RecordingListener> listeners = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            RecordingListener l = new RecordingListener();
            listeners.add(l);
            MdnsDiscovery d = MdnsDiscovery.builder(new Announcement("s" + i + "-" + RUN, mesh, 5, 7031 + i, Map.of()))
                    .addInterface("127.0.0.1")
                    .build();
            opened.add(d);
            d.start(l);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> listeners.stream().allMatch(l -> l.current().size() == 2));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("3 nodes started together saw each other {} ms after the first start", ms);
        // JmDNS's own pace: probes 1 s apart while the fresh instance's host is not announced, the first
        // announcement 1 s after the third probe: 4.0 s. RFC 6762 §8.1/§8.3's: 0-250 ms, 3 x 250 ms, 250 ms.
        assertTrue(ms < 2_500, "nodes started together saw each other only after " + ms + " ms");
    }

    @Test
    void probesFollowRfc6762UnlessTheFloodThrottleIsOn() {
        assertArrayEquals(new long[] {0, 250}, ProbeTiming.probeSchedule(1, 0));
        assertArrayEquals(new long[] {250, 250}, ProbeTiming.probeSchedule(9, 250));
        // JmDNS's throttle after 10 probe rounds within 5 s of each other (conflicts in a row): 1 s apart
        assertArrayEquals(new long[] {1_000, 1_000}, ProbeTiming.probeSchedule(10, 17));
    }

    @Test
    void anotherJmdnsInTheProcessKeepsJmdnsOwnTasks() throws Exception {
        // installs the delegate, as a discovery does
        MdnsDiscovery d = MdnsDiscovery.builder(new Announcement("x-" + RUN, "x-" + RUN, 5, 7040, Map.of()))
                .addInterface("127.0.0.1")
                .build();
        opened.add(d);
        d.start(new RecordingListener());
        JmDNS app = JmDNS.create(InetAddress.getByAddress("app", new byte[] {127, 0, 0, 1}), "app-" + RUN);
        try {
            DNSTaskStarter starter = DNSTaskStarter.Factory.getInstance().getStarter((JmDNSImpl) app);
            assertEquals(DNSTaskStarter.DNSTaskStarterImpl.class, starter.getClass());
            DNSTaskStarter ours = DNSTaskStarter.Factory.getInstance()
                    .getStarter((JmDNSImpl) d.endpoints().get(0).jmdns());
            assertTrue(ours.getClass().getName().startsWith(ProbeTiming.class.getName()), ours.getClass().getName());
        } finally {
            app.close();
        }
    }
}
