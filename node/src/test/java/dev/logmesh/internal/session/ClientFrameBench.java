package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the loop's time goes when a Logux client's catch-up of N small actions arrives in one {@code sync} frame (a
 * measure, not a test): the frame's decode alone (what the channel's thread does before it posts the message), then
 * the session's tasks on a loop that times each one, with the store's {@code add} timed apart. Prints one line per
 * task over 5 ms, per round.
 *
 * <pre>
 *   java -cp node/target/classes:node/target/test-classes:node/target/lib/* \
 *       dev.logmesh.internal.session.ClientFrameBench [N=45000] [TEXT=50] [ROUNDS=3] [sqlite DIR | memory] [SLICE=0]
 * </pre>
 */
public final class ClientFrameBench {
    private ClientFrameBench() {
    }

    static final String CLIENT = "alice:r4nd0m:tab1";

    /** A {@code sync} frame as {@code @logux/client} sends its offline actions: one frame, ids of its own node. */
    static String frame(int n, int text) {
        StringBuilder b = new StringBuilder(n * (text + 100)).append("[\"sync\",").append(n);
        String x = "x".repeat(text);
        for (int i = 0; i < n; i++) {
            long ms = 1_000_000L - n + i;
            b.append(",{\"type\":\"offline/add\",\"i\":").append(i).append(",\"text\":\"").append(x)
                .append("\"},{\"id\":\"").append(ms).append(' ').append(CLIENT).append(" 0\",\"time\":").append(ms)
                .append('}');
        }
        return b.append(']').toString();
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 45_000;
        int text = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean sqlite = args.length > 3 && args[3].equals("sqlite");
        Path dir = sqlite ? Path.of(args[4]) : null;
        int slice = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        String frame = frame(n, text);
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        System.out.printf("frame: %d actions, %d bytes%n", n, bytes.length);
        MessageCodec codec = new MessageCodec();
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            var m = codec.decodeCommon(bytes, 0, bytes.length);
            if (m == null) {
                m = codec.decodeStreaming(bytes, 0, bytes.length);
            }
            System.out.printf("round %d: decode %.1f ms (%s)%n", r, (System.nanoTime() - t0) / 1e6, m.type());
        }
        for (int r = 0; r < rounds; r++) {
            ManualLoop manual = new ManualLoop(1_000_000L).nettyOrder();
            long[] storeAdd = new long[2];
            Store base;
            if (sqlite) {
                Files.createDirectories(dir);
                base = SqliteStore.open(Files.createTempDirectory(dir, "round").resolve("log.db"));
            } else {
                base = new MemoryStore("epoch-n");
            }
            Store inner = base;
            Store store = (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(),
                new Class<?>[] {Store.class}, (proxy, method, a) -> {
                    long s0 = System.nanoTime();
                    try {
                        return method.invoke(inner, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        if (method.getName().equals("add")) {
                            storeAdd[0]++;
                            storeAdd[1] += System.nanoTime() - s0;
                            addEnded = System.nanoTime();
                            if (addStarted == 0) {
                                addStarted = s0;
                            }
                        }
                    }
                });
            Loop timed = new Loop() {
                @Override
                public long now() {
                    return manual.now();
                }

                @Override
                public void execute(Runnable task) {
                    manual.execute(() -> time("posted", task));
                }

                @Override
                public Cancellable schedule(long delayMillis, Runnable task) {
                    return manual.schedule(delayMillis, () -> time("scheduled", task));
                }

                @Override
                public boolean inLoop() {
                    return true;
                }
            };
            SessionConfig defaults = SessionConfig.defaults("test");
            SessionConfig config = defaults.withHeaders(JsonNodeFactory.instance.objectNode())
                .withEdge(new EdgeConfig(EdgeRules::acceptAll,
                    new EdgeOptions(Delivery.Unaddressed.NO_CLIENT, EdgeMeta.ForeignMeta.DROP), null, true))
                .toBuilder().maxClientFrameBytes(100 << 20).build();
            if (slice > 0) {
                config = config.withReceiveSlice(slice);
            }
            SessionNode node = new SessionNode("n", timed, config, store);
            TestPair pair = new TestPair(timed);
            node.hub.open(dev.logmesh.internal.protocol.FrameTransport.adapt(pair.right(), 100 << 20),
                SyncSession.Role.LISTENER, null, null);
            pair.right().inject("[\"connect\",5,\"" + CLIENT + "\",0,{\"subprotocol\":2}]");
            manual.runAll();
            pair.clear();
            System.out.printf("round %d (%s):%n", r, sqlite ? "sqlite" : "memory");
            long t0 = System.nanoTime();
            pair.right().inject(frame);
            while (manual.pending() > 0) {
                manual.advance(10);
                if (manual.now() > 1_060_000L) {
                    break;
                }
            }
            System.out.printf("  to the first store add %.1f ms, store adds %.1f ms, after the last %.1f ms%n",
                (addStarted - taskStarted) / 1e6, storeAdd[1] / 1e6, (taskEnded - addEnded) / 1e6);
            addStarted = 0;
            System.out.printf("  all: %.0f ms, store adds %d, log %d, frames to the client %d, longest task %.1f ms%n",
                (System.nanoTime() - t0) / 1e6, storeAdd[0], node.log.lastAdded(), pair.rightSent().size(),
                longest / 1e6);
            longest = 0;
            base.close();
        }
    }

    static long longest;
    static long addStarted;
    static long addEnded;
    static long taskStarted;
    static long taskEnded;

    static void time(String kind, Runnable task) {
        long t0 = System.nanoTime();
        task.run();
        long took = System.nanoTime() - t0;
        if (took > longest) {
            taskStarted = t0;
            taskEnded = t0 + took;
        }
        longest = Math.max(longest, took);
        if (took > 5_000_000) {
            System.out.printf("  %s task %.1f ms%n", kind, took / 1e6);
        }
    }
}
