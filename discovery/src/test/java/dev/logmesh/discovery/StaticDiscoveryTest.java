package dev.logmesh.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class StaticDiscoveryTest {

    private static final InetSocketAddress A = new InetSocketAddress(InetAddress.getLoopbackAddress(), 7001);
    private static final InetSocketAddress B = InetSocketAddress.createUnresolved("relay.example",
            443);

    private final RecordingListener listener = new RecordingListener();

    @Test
    void reportsEachDistinctAddressOnceAsUnidentifiedPeers() {
        try (StaticDiscovery d = new StaticDiscovery(List.of(A, B, A), Runnable::run)) {
            d.start(listener);
            d.reannounce();

            assertEquals(List.of(Peer.unidentified(A), Peer.unidentified(B)), listener.found());
            assertEquals(List.of(), listener.lost());
            assertEquals(List.of(A, B), d.addresses());
        }
        assertEquals(2, listener.events.size());
    }

    @Test
    void deliversOnItsOwnDaemonThreadByDefault() {
        StaticDiscovery d = new StaticDiscovery(List.of(A));
        d.start(listener);

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.events.size() == 1);
        d.close();
        assertEquals(List.of("logmesh-static-discovery"), listener.threads);
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("logmesh-static-discovery") && t.isAlive()));
    }

    @Test
    void nothingIsDeliveredAfterClose() {
        ArrayDeque<Runnable> queued = new ArrayDeque<>();
        Executor manual = queued::add;
        StaticDiscovery d = new StaticDiscovery(List.of(A, B), manual);
        d.start(listener);
        d.close();
        queued.forEach(Runnable::run);

        assertEquals(List.of(), listener.events);
    }

    @Test
    void lifecycleRules() {
        StaticDiscovery d = new StaticDiscovery(List.of(A), Runnable::run);
        assertThrows(IllegalStateException.class, d::reannounce);
        assertThrows(NullPointerException.class, () -> d.start(null));
        d.start(listener);
        assertThrows(IllegalStateException.class, () -> d.start(listener));
        d.close();
        d.close();
        d.reannounce();
        assertThrows(IllegalStateException.class, () -> d.start(listener));
        assertThrows(NullPointerException.class,
                () -> new StaticDiscovery(java.util.Arrays.asList(A, null)));
    }

    @Test
    void anEmptyListReportsNothing() {
        try (StaticDiscovery d = new StaticDiscovery(List.of(), Runnable::run)) {
            d.start(listener);
        }
        assertEquals(List.of(), listener.events);
    }
}
