package dev.logmesh.internal.edge;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What the default load of a channel costs on a large SQLite log (a measure, not a test; logux43): a log of 1,000,000
 * entries of which 100 (one in 10,000) are in the channel {@code room}; the time of {@link ChannelReplay#replay} as a
 * subscription runs it on the node's loop, for a client back after a short absence (since: 1,000 entries before the
 * log's end), one back after a long one (since: the log's start: the read stops at its bound) and a first subscription
 * (no since). Prints median and p90 of 30 runs each.
 *
 * <pre>
 *   mvn -B -o -q -pl node -am test -Dtest=ChannelReplayBench -Dsurefire.failIfNoSpecifiedTests=false \
 *       -DexcludedGroups=none -Dreplay.bench.dir=/tmp/NAME/replay-bench
 * </pre>
 * The directory keeps the log between runs (filling it takes a minute).
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "replay.bench.dir", matches = ".+")
class ChannelReplayBench {
    static final int ENTRIES = 1_000_000;
    static final int EVERY = 10_000; // one entry in the channel per this many

    @Test
    void subscribeWithSinceOnAMillionEntries() throws Exception {
        Path dir = Path.of(System.getProperty("replay.bench.dir"));
        Files.createDirectories(dir);
        Path file = dir.resolve("log.db");
        boolean fill = !Files.exists(file);
        try (SqliteStore store = SqliteStore.open(file)) {
            if (fill) {
                long t0 = System.nanoTime();
                List<Entry> batch = new ArrayList<>();
                for (int i = 0; i < ENTRIES; i++) {
                    boolean inRoom = i % EVERY == EVERY / 2;
                    String json = "{\"type\":\"" + (inRoom ? "room/say" : "other") + "\",\"i\":" + i + "}";
                    Map<String, com.fasterxml.jackson.databind.JsonNode> extra = inRoom
                        ? Map.of("channels", Entries.json("['room']")) : Map.of();
                    long ms = 1_000_000L + i;
                    batch.add(new Entry(Action.parse(json), new Meta(ActionId.of(ms, "bob:b:t", 0), ms, 0,
                        List.of("keep"), 0, extra)));
                    if (batch.size() == 10_000) {
                        store.add(batch);
                        batch.clear();
                    }
                }
                System.out.printf("filled %d entries in %.1f s%n", store.size(), (System.nanoTime() - t0) / 1e9);
            }
            long last = store.lastAdded();
            ChannelReplay.Pages pages = store::page;
            ClientId reader = ClientId.parse("alice:r4nd0m:tab1");
            long endMs = 1_000_000L + ENTRIES;
            measure("since 1,000 entries before the end", pages, reader, "{'type':'logux/subscribe','channel':"
                + "'room','since':{'id':'" + (endMs - 1_000) + " server:s 0','time':1}}", last - 1_000, last);
            measure("since 10,000 entries before the end", pages, reader, "{'type':'logux/subscribe','channel':"
                + "'room','since':{'id':'" + (endMs - 10_000) + " server:s 0','time':1}}", last - 10_000, last);
            measure("since the log's start (cut at the bound)", pages, reader, "{'type':'logux/subscribe','channel':"
                + "'room','since':{'id':'1 server:s 0','time':1}}", 0, last);
            measure("no since (history, cut at the bound)", pages, reader,
                "{'type':'logux/subscribe','channel':'room'}", 0, last);
        }
    }

    private static void measure(String what, ChannelReplay.Pages pages, ClientId reader, String subscribe,
                                long afterAdded, long upto) {
        Subscribe s = Subscribe.of(Entries.action(subscribe));
        long[] us = new long[30];
        ChannelReplay.Result r = null;
        for (int round = -5; round < us.length; round++) { // 5 to warm up
            long t0 = System.nanoTime();
            r = ChannelReplay.replay(pages, reader, s, ChannelFilter.ALL, afterAdded, upto,
                EdgeOptions.DEFAULT_REPLAY);
            if (round >= 0) {
                us[round] = (System.nanoTime() - t0) / 1_000;
            }
        }
        Arrays.sort(us);
        System.out.printf("%-45s read %6d sent %4d cut %-5s median %8.2f ms p90 %8.2f ms%n", what, r.read(),
            r.replies().size(), r.cut(), us[us.length / 2] / 1e3, us[us.length * 9 / 10] / 1e3);
    }
}
