package dev.logmesh.bench;

import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.ReplicatedState;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * How long a node's loop stalls while a {@link ReplicatedState} folds a big log at start: a node is started on a
 * SQLite data directory of {@code count} entries (made on the first run), a Logux client pings it over a real
 * WebSocket on 127.0.0.1 (one ping in flight, 50 ms apart: the node closes a session that pings more than 20 times a
 * second) and another thread calls {@code node.peers()} (a task on the loop; one in flight, 1 ms apart), while the
 * state is created and folds. Prints the fold's time (create to the listener's first call), the longest and
 * 99th-percentile round trips of both probes that overlapped the fold, and those of the second before it (the quiet
 * node). Run by {@code scripts/bench-fold}; not a test (surefire ignores it).
 *
 * <p>One fold per JVM, as at an application's start (a cold JIT); the script runs several. The reducer is small
 * (a hash of the action's text), so the figures are the log's reading and the helper's own cost.
 */
public final class FoldStallBench {
    private FoldStallBench() {
    }

    /** Round trips (ns) with their start times (ns). */
    static final class Probe {
        final List<long[]> samples = new ArrayList<>();

        synchronized void add(long start, long rtt) {
            samples.add(new long[] {start, rtt});
        }

        /** The round trips that overlap {@code [from, to]}. */
        synchronized long[] overlapping(long from, long to) {
            return samples.stream().filter(s -> s[0] + s[1] >= from && s[0] <= to).mapToLong(s -> s[1]).sorted()
                .toArray();
        }

        /** The round trips that started and ended within {@code [from, to]}. */
        synchronized long[] within(long from, long to) {
            return samples.stream().filter(s -> s[0] >= from && s[0] + s[1] <= to).mapToLong(s -> s[1]).sorted()
                .toArray();
        }
    }

    /** A Logux client on a raw WebSocket that answers nothing and completes the waiting ping at each pong. */
    static final class PingClient implements WebSocket.Listener {
        final AtomicReference<CompletableFuture<String>> waiting = new AtomicReference<>(new CompletableFuture<>());
        private final StringBuilder text = new StringBuilder();
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                if (m.startsWith("[\"connected\"") || m.startsWith("[\"pong\"")) {
                    waiting.get().complete(m);
                }
            }
            webSocket.request(1);
            return null;
        }

        String send(String message) throws Exception {
            CompletableFuture<String> f = new CompletableFuture<>();
            waiting.set(f);
            ws.sendText(message, true).get(30, TimeUnit.SECONDS);
            return f.get(30, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        Path data = dir.resolve("node-" + count);
        if (!Files.exists(data.resolve("ready"))) {
            fill(data, count);
        }
        NodeConfig config = NodeConfig.builder().name("fold").dataDir(data).host("127.0.0.1").mdns(false).build();
        try (MeshNode node = MeshNode.start(config)) {
            PingClient client = new PingClient();
            client.ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(node.url(), client)
                .get(30, TimeUnit.SECONDS);
            client.send("[\"connect\",5,\"probe:1\",0]");
            Probe pings = new Probe();
            Probe tasks = new Probe();
            // 50 ms apart: a session that pings more than 20 times a second is closed as a flood
            Thread pinger = new Thread(() -> probe(pings, 50, () -> client.send("[\"ping\",0]")), "pinger");
            Thread tasker = new Thread(() -> probe(tasks, 1, () -> node.peers().get(30, TimeUnit.SECONDS)),
                "tasker");
            pinger.start();
            tasker.start();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2)); // the quiet node, and the probes' own warm-up
            long quietFrom = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);
            CompletableFuture<Long> folded = new CompletableFuture<>();
            long start = System.nanoTime();
            ReplicatedState<Long> state = ReplicatedState.create(node, e -> e.action().type().equals("item/add"),
                0L, (h, e) -> h * 31 + e.action().get("text").asText().hashCode());
            state.listen(s -> folded.complete(System.nanoTime()));
            long end = folded.get(10, TimeUnit.MINUTES);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
            stop = true;
            pinger.join();
            tasker.join();
            System.out.printf(Locale.ROOT, "entries %d, fold %.0f ms; during the fold: %s; %s | quiet: %s; %s%n",
                count, (end - start) / 1e6, figures("ping", pings.overlapping(start, end)),
                figures("loop task", tasks.overlapping(start, end)), figures("ping", pings.within(quietFrom, start)),
                figures("loop task", tasks.within(quietFrom, start)));
            state.close();
        }
    }

    /** Set when the probes should end. */
    private static volatile boolean stop;

    interface Call {
        Object call() throws Exception;
    }

    private static void probe(Probe into, long gapMillis, Call call) {
        while (!stop) {
            long t0 = System.nanoTime();
            try {
                call.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            into.add(t0, System.nanoTime() - t0);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(gapMillis));
        }
    }

    private static String figures(String name, long[] rtts) {
        if (rtts.length == 0) {
            return name + " none";
        }
        return String.format(Locale.ROOT, "%s n=%d max %.1f ms p99 %.1f ms", name, rtts.length,
            rtts[rtts.length - 1] / 1e6, rtts[(int) Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))] / 1e6);
    }

    private static void fill(Path data, int count) throws Exception {
        Files.createDirectories(data);
        NodeConfig config = NodeConfig.builder().name("fold").dataDir(data).noListen().mdns(false).build();
        try (MeshNode node = MeshNode.start(config)) {
            CompletableFuture<Meta> last = null;
            for (int i = 0; i < count; i++) {
                Action a = Action.parse("{\"type\":\"item/add\",\"text\":\"item number " + i
                    + " with forty characters\"}");
                last = node.add(a);
                if (i % 10_000 == 9_999) {
                    last.get(5, TimeUnit.MINUTES);
                }
            }
            if (last != null) {
                last.get(5, TimeUnit.MINUTES);
            }
            List<Entry> all = node.entries().get(5, TimeUnit.MINUTES);
            if (all.size() != count) {
                throw new IllegalStateException("log has " + all.size() + " entries, not " + count);
            }
        }
        Files.createFile(data.resolve("ready"));
    }
}
