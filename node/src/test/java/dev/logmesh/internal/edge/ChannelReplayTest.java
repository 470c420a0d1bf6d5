package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.internal.store.MemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The default {@code load} of a channel without one (logux43): what {@link ChannelReplay#replay} reads of the log and
 * sends, on a real {@link MemoryStore}.
 */
class ChannelReplayTest {
    static final ClientId ALICE = ClientId.parse("alice:r4nd0m:tab1");
    static final String ME = "alice:r4nd0m:tab1";

    final MemoryStore store = new MemoryStore();
    final AtomicInteger reads = new AtomicInteger();
    final ChannelReplay.Pages pages = (order, ascending, after, limit) -> {
        List<Entry> page = store.page(order, ascending, after, limit);
        reads.addAndGet(page.size());
        return page;
    };

    /** Adds an entry of {@code room} (or another channel) at {@code ms} by {@code node}; returns its added. */
    long add(int n, long ms, String node, String channel) {
        Entry e = entry("{'type':'say','n':" + n + "}", ms, node, "{'channels':['" + channel + "']}");
        return store.add(List.of(e.withMeta(e.meta().withReasons(List.of("keep"))))).get(0).added();
    }

    static List<Integer> ns(ChannelReplay.Result r) {
        return r.replies().stream().map(x -> x.action().get("n").asInt()).toList();
    }

    static Subscribe subscribe(String sinceId) {
        return Subscribe.of(Entries.action(sinceId == null ? "{'type':'logux/subscribe','channel':'room'}"
            : "{'type':'logux/subscribe','channel':'room','since':{'id':'" + sinceId + "','time':1}}"));
    }

    @Test
    void aResubscriptionGetsWhatWasCreatedAfterSinceAndNotAcknowledgedHereNeverItsOwnNorOtherChannels() {
        add(1, 100, "bob:b:t", "room");      // before since
        long acked = add(2, 300, "bob:b:t", "room"); // after since, acknowledged by the client here
        add(3, 400, ME, "room");             // its own
        add(4, 500, "bob:b:t", "hall");      // another channel
        add(5, 600, "bob:b:t", "room");      // missed
        add(6, 50, "bob:b:t", "room");       // added late (a partitioned node's) but created before since: not sent
        Entry spared = entry("{'type':'say','n':9}", 650, "bob:b:t",
            "{'channels':['room'],'excludeClients':['alice:r4nd0m']}");
        store.add(List.of(spared.withMeta(spared.meta().withReasons(List.of("keep"))))); // excludes its client
        long upto = add(7, 700, "bob:b:t", "room"); // missed
        add(8, 800, "bob:b:t", "room");      // after the subscription: it goes live
        ChannelReplay.Result r = ChannelReplay.replay(pages, ALICE, subscribe("200 server:s 0"), ChannelFilter.ALL,
            acked, upto, new ChannelReplay.Bounds(10, 100));
        assertEquals(List.of(5, 7), ns(r));
        assertFalse(r.cut());
        assertFalse(r.replies().get(0).isNew(), "sent with its own id");
        assertEquals(7, r.read(), "read from since on, not the entries created before it");
    }

    /**
     * break43: {@code @logux/client} never moves {@code since} (its first subscription's {@code logux/processed}), so a
     * client connected while the log grew past the read bound, then away for a moment, resubscribes with a {@code since}
     * far back. Before, the read started there in created order, met only entries the client had acknowledged, stopped
     * at the bound and sent nothing it had missed (a CLI trial: 12,000 entries of another channel while connected, 2
     * missed: 0 sent, "stopped after 10000 entries read and 0 sent").
     */
    @Test
    void aResubscriptionAfterTheLogGrewPastTheReadBoundGetsWhatWasAddedWhileAway() {
        add(1, 150, "bob:b:t", "room"); // received live before the client went away
        for (int i = 0; i < 3_000; i++) {
            add(1000 + i, 300L + i, "bob:b:t", "other");
        }
        long acked = add(2, 4_000, "bob:b:t", "room"); // the last it acknowledged
        add(5, 5_000, "bob:b:t", "room");    // missed
        add(4, 4_500, "carol:c:t", "room");  // missed, created before 5 but added after it (another node's)
        add(6, 120, "carol:c:t", "room");    // added while away but created before since: not sent
        add(7, 5_100, ME, "room");           // its own
        long upto = add(8, 5_200, "bob:b:t", "other");
        add(9, 5_300, "bob:b:t", "room");    // after the subscription: it goes live
        ChannelReplay.Result r = ChannelReplay.replay(pages, ALICE, subscribe("200 server:s 0"), ChannelFilter.ALL,
            acked, upto, new ChannelReplay.Bounds(10, 1_500));
        assertEquals(List.of(4, 5), ns(r), "what was added while it was away, oldest first");
        assertFalse(r.cut(), "read " + r.read());
        assertTrue(r.read() <= 6, "read only what was added after its acknowledged entry: " + r.read());
    }

    @Test
    void aFirstSubscriptionGetsTheChannelsNewestEntriesOldestFirst() {
        for (int i = 1; i <= 5; i++) {
            add(i, i * 100L, "bob:b:t", "room");
            add(100 + i, i * 100L + 1, "bob:b:t", "hall");
        }
        long upto = store.lastAdded();
        ChannelReplay.Result all = ChannelReplay.replay(pages, ALICE, subscribe(null), ChannelFilter.ALL, upto, upto,
            new ChannelReplay.Bounds(10, 100));
        assertEquals(List.of(1, 2, 3, 4, 5), ns(all), "its history, whatever the client acknowledged");
        assertFalse(all.cut());

        ChannelReplay.Result three = ChannelReplay.replay(pages, ALICE, subscribe(null), ChannelFilter.ALL, 0, upto,
            new ChannelReplay.Bounds(3, 100));
        assertEquals(List.of(3, 4, 5), ns(three), "the newest, when more are there than it may send");
        assertTrue(three.cut());

        ChannelReplay.Result filtered = ChannelReplay.replay(pages, ALICE, subscribe(null),
            e -> e.action().get("n").asInt() % 2 == 1, 0, upto, new ChannelReplay.Bounds(10, 100));
        assertEquals(List.of(1, 3, 5), ns(filtered), "the subscription's filter holds");
    }

    @Test
    void aReplayReadsNoMoreThanItsBoundAndSaysItWasCut() {
        add(0, 10, "bob:b:t", "room");
        for (int i = 1; i <= 3_000; i++) {
            add(i, 100L + i, "bob:b:t", i % 1000 == 0 ? "room" : "other");
        }
        long upto = store.lastAdded();
        ChannelReplay.Result r = ChannelReplay.replay(pages, ALICE, subscribe("50 server:s 0"), ChannelFilter.ALL, 0,
            upto, new ChannelReplay.Bounds(10, 1_500));
        assertEquals(List.of(1000), ns(r));
        assertTrue(r.cut(), "entries left unread");
        assertEquals(1_500, r.read());
        assertEquals(1_500, reads.get(), "the store was asked for no more");
    }

    @Test
    void anAppsLoadHookReplacesTheReplayAndTheOptionsCanTurnItOff() {
        add(1, 300, "bob:b:t", "room");
        long upto = store.lastAdded();
        List<String> used = new ArrayList<>();
        ClientEdge.History history = (s, filter, uptoAdded) -> {
            used.add("replay");
            return ChannelReplay.replay(pages, ALICE, s, filter, 0, uptoAdded, EdgeOptions.DEFAULT_REPLAY).replies();
        };
        EdgeRules plain = EdgeRules.builder().build(); // no hooks: every channel accepted, no load
        ClientEdge edge = new ClientEdge(ALICE, 1, null, plain, EdgeOptions.DEFAULT);
        edge.history(history);
        List<Reply> replies = ((ClientEdge.Handled) edge.receive(entry("{'type':'logux/subscribe','channel':'room'}",
            ME), upto)).replies();
        assertEquals(2, replies.size(), "the entry, then logux/processed: " + replies);
        assertEquals(1, replies.get(0).action().get("n").asInt());

        EdgeRules withLoad = EdgeRules.builder().channel("room", EdgeHooks.Channel.accept()
            .withLoad((ctx, s) -> List.of(Reply.of(Entries.action("{'type':'state'}"))))).build();
        ClientEdge app = new ClientEdge(ALICE, 1, null, withLoad, EdgeOptions.DEFAULT);
        app.history(history);
        replies = ((ClientEdge.Handled) app.receive(entry("{'type':'logux/subscribe','channel':'room'}", ME), upto))
            .replies();
        assertEquals("state", replies.get(0).action().type(), "the app's load, not the replay");
        assertEquals(List.of("replay"), used);

        ClientEdge off = new ClientEdge(ALICE, 1, null, plain, new EdgeOptions(Delivery.DEFAULT_UNADDRESSED,
            EdgeMeta.ForeignMeta.DROP, null));
        off.history(history);
        replies = ((ClientEdge.Handled) off.receive(entry("{'type':'logux/subscribe','channel':'room'}", ME), upto))
            .replies();
        assertEquals(1, replies.size(), "logux/processed alone: " + replies);
        assertEquals(List.of("replay"), used);
    }

    @Test
    void boundsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ChannelReplay.Bounds(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new ChannelReplay.Bounds(10, 9));
    }
}
