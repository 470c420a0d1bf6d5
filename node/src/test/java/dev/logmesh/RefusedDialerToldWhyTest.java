package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.spi.Loop;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A node that dials a {@code --peer} URL and is refused before the listener says its id is told why: the listener
 * sends its reason in a Logux {@code debug} before {@code wrong-credentials}, and the dialer's peer status ({@code
 * logmesh peers}, the "no peer yet" notice) and its error event say it. Before session 34 a dialer refused for its
 * clock heard only {@code wrong-credentials} and said "the mesh keys differ". Real nodes on 127.0.0.1, no mDNS.
 */
class RefusedDialerToldWhyTest {
    private static final byte[] KEY = "the-key".getBytes(StandardCharsets.UTF_8);

    /** A loop whose clock runs {@code aheadMillis} ahead of the machine's. */
    record Ahead(SystemLoop loop, long aheadMillis) implements Loop {
        @Override
        public long now() {
            return loop.now() + aheadMillis;
        }

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            return loop.schedule(delayMillis, task);
        }

        @Override
        public boolean inLoop() {
            return loop.inLoop();
        }
    }

    @Test
    void aDialerRefusedForItsClockIsToldWhy() throws Exception {
        String mesh = "told-" + System.nanoTime();
        List<String> errors = new CopyOnWriteArrayList<>();
        MeshNode.Listener recorder = new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        try (SystemLoop loop = new SystemLoop("ahead");
             MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mesh(mesh).key(KEY).host("127.0.0.1")
                 .port(0).mdns(false).build());
             MeshNode late = MeshNode.start(NodeConfig.builder().name("late").mesh(mesh).key(KEY).noListen()
                 .mdns(false).loop(new Ahead(loop, 3_600_000)).peer(URI.create(alice.url().toString())).build(),
                 List.of(recorder))) {
            String said = "it says: the dialer's clock is 60 min ahead of this node's";
            await().atMost(Duration.ofSeconds(20)).until(() -> late.peers().get().stream()
                .anyMatch(p -> p.url() != null && p.lastError() != null && p.lastError().contains(said)));
            await().atMost(Duration.ofSeconds(10)).until(() -> errors.stream().anyMatch(e -> e.contains(said)));
            assertTrue(errors.stream().noneMatch(e -> e.contains("the mesh keys differ")), errors.toString());
        }
    }
}
