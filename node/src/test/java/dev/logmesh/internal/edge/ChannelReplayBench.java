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
 * What the default load of a channel costs on a large SQLite log (a measure, not a test; logux43, session 44): a log of
 * 1,000,000 entries of which 100 (one in 10,000) are in the channel {@code room}; for a client back after a short
 * absence (since: 1,000 entries before the log's end), one back after a long one (the read stops at its bound) and a
 * first subscription (no since): the loop's time before (the whole {@link ChannelReplay#replay} on the loop, as until
 * session 44) and after (the loop's takes of the pages, summed and the longest, with the pages read through a
 * {@code Store.PageReader} as {@link ReplayReads} does), and the replay's own time after. Before and after alternate
 * each round. Prints median and p90 of 30 rounds each; then the memory store's replay, which stays on the loop.
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
                    batch.add(entry(i));
                    if (batch.size() == 10_000) {
                        store.add(batch);
                        batch.clear();
                    }
                }
                System.out.printf("filled %d entries in %.1f s%n", store.size(), (System.nanoTime() - t0) / 1e9);
            }
            long last = store.lastAdded();
            ClientId reader = ClientId.parse("alice:r4nd0m:tab1");
            long endMs = 1_000_000L + ENTRIES;
            try (dev.logmesh.spi.Store.PageReader off = store.pageReader()) {
                Run run = new Run(store::page, off::page, reader);
                run.measure("since 1,000 entries before the end", "{'type':'logux/subscribe','channel':"
                    + "'room','since':{'id':'" + (endMs - 1_000) + " server:s 0','time':1}}", last - 1_000, last);
                run.measure("since 10,000 entries before the end", "{'type':'logux/subscribe','channel':"
                    + "'room','since':{'id':'" + (endMs - 10_000) + " server:s 0','time':1}}", last - 10_000, last);
                run.measure("since the log's start (cut at the bound)", "{'type':'logux/subscribe','channel':"
                    + "'room','since':{'id':'1 server:s 0','time':1}}", 0, last);
                run.measure("no since (history, cut at the bound)", "{'type':'logux/subscribe','channel':'room'}", 0,
                    last);
            }
        }
    }

    /**
     * The memory store's replay, which stays on the loop (it has no page reader): the same channel and bounds on a
     * log of {@code replay.bench.memory} entries (default 200,000: a replay reads at most 10,000 of them whatever the
     * log's size; the created order's seek is a tree's).
     */
    @Test
    void subscribeOnAMemoryLog() {
        int entries = Integer.getInteger("replay.bench.memory", 200_000);
        dev.logmesh.internal.store.MemoryStore store = new dev.logmesh.internal.store.MemoryStore();
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            batch.add(entry(i));
            if (batch.size() == 10_000) {
                store.add(batch);
                batch.clear();
            }
        }
        long last = store.lastAdded();
        long endMs = 1_000_000L + entries;
        Run run = new Run(store::page, null, ClientId.parse("alice:r4nd0m:tab1"));
        run.measure("memory: since the log's start (cut at the bound)", "{'type':'logux/subscribe','channel':"
            + "'room','since':{'id':'1 server:s 0','time':1}}", 0, last);
        run.measure("memory: no since (history, cut at the bound)", "{'type':'logux/subscribe','channel':'room'}", 0,
            last);
        run.measure("memory: since 10,000 entries before the end", "{'type':'logux/subscribe','channel':"
            + "'room','since':{'id':'" + (endMs - 10_000) + " server:s 0','time':1}}", last - 10_000, last);
    }

    private static Entry entry(int i) {
        boolean inRoom = i % EVERY == EVERY / 2;
        String json = "{\"type\":\"" + (inRoom ? "room/say" : "other") + "\",\"i\":" + i + "}";
        Map<String, com.fasterxml.jackson.databind.JsonNode> extra = inRoom
            ? Map.of("channels", Entries.json("['room']")) : Map.of();
        long ms = 1_000_000L + i;
        return new Entry(Action.parse(json), new Meta(ActionId.of(ms, "bob:b:t", 0), ms, 0, List.of("keep"), 0,
            extra));
    }

    /**
     * Rounds of one subscription, before and after in turn (A B A B: the machine's speed moves with its load): before,
     * the whole replay on the calling thread as the loop ran it ({@link ChannelReplay#replay} through the owner's
     * connection); after, as {@link ReplayReads} runs it, each page read through the page reader and taken apart: the
     * loop's share is the takes (their sum and the longest), the replay's own time the reads and takes together.
     */
    private record Run(ChannelReplay.Pages owner, ChannelReplay.Pages off, ClientId reader) {
        void measure(String what, String subscribe, long afterAdded, long upto) {
            Subscribe s = Subscribe.of(Entries.action(subscribe));
            int n = 30;
            long[] before = new long[n];
            long[] loop = new long[n];
            long[] longest = new long[n];
            long[] own = new long[n];
            ChannelReplay.Result r = null;
            for (int round = -5; round < n; round++) { // 5 to warm up
                long t0 = System.nanoTime();
                r = ChannelReplay.replay(owner, reader, s, ChannelFilter.ALL, afterAdded, upto,
                    EdgeOptions.DEFAULT_REPLAY);
                long b = System.nanoTime() - t0;
                if (off == null) {
                    if (round >= 0) {
                        before[round] = b / 1_000;
                    }
                    continue;
                }
                ChannelReplay.Read read = new ChannelReplay.Read(reader, s, afterAdded, upto,
                    EdgeOptions.DEFAULT_REPLAY);
                long takes = 0;
                long max = 0;
                long start = System.nanoTime();
                while (true) {
                    ChannelReplay.Page page = read.next(off);
                    long t1 = System.nanoTime();
                    boolean done = read.take(page, ChannelFilter.ALL, e -> false, e -> { });
                    long took = System.nanoTime() - t1;
                    takes += took;
                    max = Math.max(max, took);
                    if (done) {
                        break;
                    }
                }
                long total = System.nanoTime() - start;
                if (!read.result().replies().equals(r.replies())) {
                    throw new AssertionError(what + ": the replay off the loop found other entries");
                }
                if (round >= 0) {
                    before[round] = b / 1_000;
                    loop[round] = takes / 1_000;
                    longest[round] = max / 1_000;
                    own[round] = total / 1_000;
                }
            }
            System.out.printf("%-50s read %6d sent %4d cut %-5s on the loop before: %s%n", what, r.read(),
                r.replies().size(), r.cut(), stats(before));
            if (off != null) {
                System.out.printf("%-50s after: loop (sum of takes) %s; longest take %s; replay's own time %s%n", "",
                    stats(loop), stats(longest), stats(own));
            }
        }

        private static String stats(long[] us) {
            long[] sorted = us.clone();
            Arrays.sort(sorted);
            return String.format("median %.3f ms p90 %.3f ms", sorted[sorted.length / 2] / 1e3,
                sorted[sorted.length * 9 / 10] / 1e3);
        }
    }
}
