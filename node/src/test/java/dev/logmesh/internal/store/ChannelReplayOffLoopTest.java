package dev.logmesh.internal.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Order;
import dev.logmesh.testkit.LocalNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscription's default load reads a SQLite log on a thread of the node's own, through a read-only connection of
 * its own ({@link SqliteStore#pageReader}), and the loop only takes each page. Before (session 44) the whole read ran
 * on the node's loop: one subscription at the read bound of a log of 1,000,000 entries held it for tens of ms (bench
 * median 25-46 ms, p90 66-94 ms), and no ping, sync or client action of any session was served meanwhile. Here a latch
 * in the store's page read stands for a slow disk.
 */
class ChannelReplayOffLoopTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();
    /** Entries of the channel {@code room} in the log before the subscription. */
    static final int ROOM = 30;
    /** Entries of no channel around them: the replay of a first subscription reads more than a page. */
    static final int OTHER = 1_500;

    @TempDir
    Path dir;

    final SystemLoop loop = new SystemLoop("replay-off-loop-test");
    final LocalNetwork net = new LocalNetwork(loop, new Random(44));
    SqliteStore store;
    MeshNode node;
    /** Descending reads in created order: the pages of a first subscription's replay. */
    final AtomicInteger historyPages = new AtomicInteger();
    final CountDownLatch reading = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (node != null) {
            node.close();
        }
        loop.close();
        if (store != null) {
            store.close();
        }
    }

    /** A log of {@link #ROOM} entries of {@code room} among {@link #OTHER} others; its first history page waits. */
    void start() throws Exception {
        store = SqliteStore.open(dir.resolve("log.db"));
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < ROOM + OTHER; i++) {
            boolean room = i % (OTHER / ROOM) == 0 && i / (OTHER / ROOM) < ROOM;
            long ms = 1_000_000L + i;
            Map<String, JsonNode> extra = room ? Map.of("channels", JSON.readTree("[\"room\"]")) : Map.of();
            batch.add(new Entry(Action.parse("{\"type\":\"" + (room ? "room/say" : "other") + "\",\"i\":" + i + "}"),
                new Meta(ActionId.of(ms, "bob:b:t", 0), ms, 0, List.of("keep"), 0, extra)));
        }
        store.add(batch);
        assertEquals(ROOM, batch.stream().filter(e -> e.action().type().equals("room/say")).count());
        store.pageReadHook((order, ascending) -> {
            if (order != Order.CREATED || ascending) {
                return; // a catch-up's read, not a first subscription's
            }
            if (historyPages.getAndIncrement() == 0) {
                reading.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        node = MeshNode.start(NodeConfig.builder().name("hub").mdns(false).loop(loop)
            .transport(net.transport("hub")).store(store).build());
    }

    /**
     * Starts the node; alice subscribes to {@code room} for the first time. Returns once her replay's first page read
     * waits on {@link #release} (her frame is durable by then: the read starts after that).
     */
    Client aliceSubscribedWhileHerReplayReads() throws Exception {
        start();
        Client alice = new Client("alice:a:1");
        alice.subscribe(1, "");
        assertTrue(reading.await(20, TimeUnit.SECONDS), "the replay's read began");
        return alice;
    }

    /** A raw Logux client of the node: what it received, frame by frame. */
    final class Client {
        final String id;
        final List<String> frames = new CopyOnWriteArrayList<>();
        Connection link;

        Client(String id) {
            this.id = id;
            loop.execute(() -> {
                link = net.transport(id).apply(loop).dial(LocalNetwork.url("hub"));
                link.start(new Connection.Handler() {
                    @Override
                    public void onOpen() {
                        link.send("[\"connect\",5,\"" + id + "\",0]");
                    }

                    @Override
                    public void onFrame(String frame) {
                        frames.add(frame);
                        if (frame.startsWith("[\"ping\"")) {
                            link.send("[\"pong\",0]");
                        }
                    }

                    @Override
                    public void onClose(String reason) {
                        frames.add("closed: " + reason);
                    }
                });
            });
            await().atMost(WAIT).until(() -> frames.stream().anyMatch(f -> f.startsWith("[\"connected\"")));
        }

        void send(String frame) {
            loop.execute(() -> link.send(frame));
        }

        void subscribe(int n, String since) {
            send("[\"sync\"," + n + ",{\"type\":\"logux/subscribe\",\"channel\":\"room\"" + since + "},{\"id\":\"" + n
                + " " + id + " 0\",\"time\":" + n + "}]");
        }

        /** The actions it received in {@code sync} frames, in order. */
        List<JsonNode> actions() throws Exception {
            List<JsonNode> out = new ArrayList<>();
            for (String f : frames) {
                if (f.startsWith("[\"sync\"")) {
                    JsonNode a = JSON.readTree(f);
                    for (int i = 2; i < a.size(); i += 2) {
                        out.add(a.get(i));
                    }
                }
            }
            return out;
        }

        boolean processed(int n) throws Exception {
            return actions().stream().anyMatch(a -> a.path("type").asText().equals("logux/processed")
                && a.path("id").asText().equals(n + " " + id + " 0"));
        }
    }

    @Test
    void theNodeServesOthersWhileAReplayReadsAndTheSubscriberGetsAllOnce() throws Exception {
        Client alice = aliceSubscribedWhileHerReplayReads();
        alice.send("[\"sync\",2,{\"type\":\"mine\"},{\"id\":\"2 alice:a:1 0\",\"time\":2}]");
        // while it reads: an add of the node, into the channel, and another client's action are answered
        try {
            node.add(Action.ofType("room/live"), JSON.readTree("{\"channels\":[\"room\"]}")).get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail("an add waited for the replay's read");
        }
        Client carol = new Client("carol:c:1");
        carol.send("[\"sync\",1,{\"type\":\"note\"},{\"id\":\"1 carol:c:1 0\",\"time\":1}]");
        await().atMost(WAIT).until(() -> carol.frames.contains("[\"synced\",1]"));
        assertFalse(alice.processed(1), "the subscription is processed only after its replay");
        assertFalse(alice.processed(2), "the client's later action is answered after its subscription");

        release.countDown();
        await().atMost(WAIT).until(() -> alice.processed(1));
        List<String> types = alice.actions().stream().map(a -> a.path("type").asText()).toList();
        assertEquals(ROOM, types.stream().filter("room/say"::equals).count(), "each entry of the channel once");
        assertEquals(1, types.stream().filter("room/live"::equals).count(),
            "the entry added while the replay read, once (live): " + types);
        assertTrue(types.lastIndexOf("room/say") < types.indexOf("logux/processed"),
            "the replay's entries before the subscription's logux/processed: " + types);
        assertTrue(historyPages.get() > 1, "the replay read more than a page");
        await().atMost(WAIT).until(() -> alice.processed(2));
        List<String> answers = alice.actions().stream().filter(a -> a.path("type").asText().equals("logux/processed"))
            .map(a -> a.path("id").asText()).toList();
        assertEquals(List.of("1 alice:a:1 0", "2 alice:a:1 0"), answers, "answered in the order sent");

        String thread = "logmesh-replay " + node.nodeId();
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(thread)),
            "the replay read on a thread of the node's: " + thread);
        node.close();
        node = null;
        assertFalse(Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.isAlive() && t.getName().equals(thread)), "the replay's thread ended with the node");
    }

    /**
     * A subscription's frame is acknowledged ({@code synced}) with its answers, not while its replay reads: a client told
     * {@code synced} takes the subscribe as delivered and never sends it again, and {@code @logux/client} resubscribes
     * only what was processed, so a node stopped between the two lost the subscription for good. Before (break44: 20
     * first subscriptions of stock clients, SIGTERM during their replays, a restart: none was ever answered) the
     * {@code synced} went out as soon as the frame was durable.
     */
    @Test
    void aSubscriptionIsAcknowledgedOnlyWithItsAnswers() throws Exception {
        Client alice = aliceSubscribedWhileHerReplayReads();
        Client carol = new Client("carol:c:1");
        carol.send("[\"sync\",1,{\"type\":\"note\"},{\"id\":\"1 carol:c:1 0\",\"time\":1}]");
        await().atMost(WAIT).until(() -> carol.frames.contains("[\"synced\",1]"));
        assertFalse(alice.frames.stream().anyMatch(f -> f.startsWith("[\"synced\"")),
            "synced before the subscription's answers: " + alice.frames.stream().filter(f -> f.startsWith("[\"synced\""))
                .toList());

        release.countDown();
        await().atMost(WAIT).until(() -> alice.processed(1));
        int synced = alice.frames.indexOf("[\"synced\",1]");
        int processed = -1;
        for (int i = 0; i < alice.frames.size(); i++) {
            if (alice.frames.get(i).contains("logux/processed")) {
                processed = i;
                break;
            }
        }
        assertTrue(synced >= 0 && synced < processed, "synced, then the answers: " + alice.frames);
    }

    /**
     * A connection that closes while its replay reads costs nothing more: its next page is not read. Another client's
     * resubscription (read in ascending order, which the hook does not count) read after it is the witness that the
     * thread went past the closed one's turn.
     */
    @Test
    void aConnectionClosedWhileItsReplayReadsCostsNothingMore() throws Exception {
        Client alice = aliceSubscribedWhileHerReplayReads();
        loop.execute(() -> alice.link.close("gone"));
        await().atMost(WAIT).until(() -> node.clients().get(5, TimeUnit.SECONDS).size() == 0);
        release.countDown();

        Client carol = new Client("carol:c:1");
        carol.subscribe(1, ",\"since\":{\"id\":\"1 server:s 0\",\"time\":1}");
        await().atMost(WAIT).until(() -> carol.processed(1));
        assertEquals(ROOM, carol.actions().stream().filter(a -> a.path("type").asText().equals("room/say")).count());
        assertEquals(1, historyPages.get(), "no page of the closed connection's replay was read after its close");
    }
}
