package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.Entry;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.protocol.FrameTransport;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A store short of space ({@link Store#writeBudget}: SqliteStore under 256 MiB free) gets a received batch in adds
 * within its budget, each a transaction of its own, and the batch is still acknowledged as one. Before (break39) a
 * slice of up to 2,000 received entries was one add whatever the store's room: on a 2 MiB disk, one transaction's WAL
 * (0.99 MB beside a 1.06 MB main file) took the room its own checkpoint needed, and every later write failed.
 */
class WriteBudgetSliceTest {
    static final long BUDGET = 2_000;
    static final int ENTRIES = 300;

    final ManualLoop loop = new ManualLoop(1_000_000);
    /** The entries' bound sizes (bytes) of each add of b's store with more than nothing in it. */
    final List<Long> adds = new ArrayList<>();

    /** A memory store that says its budget is {@link #BUDGET} and counts what each add carries. */
    Store shortOfSpace(Store delegate) {
        return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
            (proxy, method, args) -> {
                if (method.getName().equals("writeBudget")) {
                    return BUDGET;
                }
                if (method.getName().equals("add") && args[0] instanceof List<?> list && !list.isEmpty()) {
                    long bytes = 0;
                    for (Object e : list) {
                        bytes += EntrySize.boundOnAnyNode((Entry) e);
                    }
                    adds.add(bytes);
                }
                try {
                    return method.invoke(delegate, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }

    @Test
    void aReceivedBatchIsStoredInAddsWithinTheStoresWriteBudgetAndAcknowledgedWhole() {
        SessionNode a = new SessionNode("a", loop, SessionConfig.defaults("test"));
        SessionNode b = new SessionNode("b", loop, SessionConfig.defaults("test"),
            shortOfSpace(new MemoryStore("epoch-b")));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            a.add("a/" + i);
            sent.add("a/" + i);
        }
        SessionNode.connect(loop, a, b);
        loop.runAll();

        assertEquals(sent, b.types(), "every entry once, in order");
        assertTrue(adds.size() >= 10, "in several adds: " + adds);
        long largest = adds.stream().mapToLong(Long::longValue).max().orElse(0);
        // an add ends before the entry that would pass the budget (an entry larger than it goes alone)
        assertTrue(largest <= BUDGET, "each add within the budget: the largest carried " + largest + " bytes of "
            + adds.size() + " adds " + adds);
        assertEquals(ENTRIES, a.log.cursor("b").sent(), "acknowledged whole");
    }

    /**
     * A Logux client's frame of {@value #ENTRIES} actions goes to the store in adds within its budget too, and is
     * acknowledged and answered whole once durable: {@code synced}, then one {@code logux/processed} per action, in
     * order. Before (disk40) it was one add: "in several adds: [91090] ==> expected: <true> but was: <false>".
     */
    @Test
    void aClientsBatchIsStoredInAddsWithinTheStoresWriteBudgetAndAnsweredWhole() {
        String alice = "alice:r4nd0m:tab1";
        SessionNode node = new SessionNode("n", loop, SessionConfig.builder("test")
            .headers(JsonNodeFactory.instance.objectNode())
            .edge(new EdgeConfig(EdgeRules::acceptAll, new EdgeOptions(Delivery.Unaddressed.NO_CLIENT,
                EdgeMeta.ForeignMeta.DROP), null, true)).build(), shortOfSpace(new MemoryStore("epoch-n")));
        TestPair pair = new TestPair(loop);
        node.hub.open(FrameTransport.adapt(pair.right(), 1 << 20), SyncSession.Role.LISTENER, null, null);
        pair.right().inject("[\"connect\",5,\"" + alice + "\",0,{\"subprotocol\":2}]");
        loop.runAll();
        pair.clear();
        List<String> ids = new ArrayList<>();
        StringBuilder sync = new StringBuilder("[\"sync\"," + ENTRIES);
        for (int i = 0; i < ENTRIES; i++) {
            String id = (999_000L + i) + " " + alice + " 0";
            ids.add(id);
            sync.append(",{\"type\":\"offline/add\",\"i\":").append(i).append(",\"pad\":\"").append("x".repeat(100))
                .append("\"},{\"id\":\"").append(id).append("\",\"time\":").append(999_000L + i).append('}');
        }
        adds.clear();

        pair.right().inject(sync.append(']').toString());
        loop.runAll();

        assertTrue(adds.size() >= 10, "in several adds: " + adds);
        long largest = adds.stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(largest <= BUDGET, "each add within the budget: the largest carried " + largest + " bytes of "
            + adds.size() + " adds " + adds);
        assertEquals(ids, node.added.stream().map(e -> e.id().toString()).toList(), "every action once, in order");
        List<String> got = pair.takeAllRight();
        assertEquals("[\"synced\"," + ENTRIES + "]", got.get(0), "acknowledged whole, first: " + got);
        List<String> processed = new ArrayList<>();
        for (String f : got) {
            JsonNode a = TestPair.parse(f);
            for (int i = 2; a.path(0).asText().equals("sync") && i < a.size(); i += 2) {
                if (a.get(i).path("type").asText().equals("logux/processed")) {
                    processed.add(a.get(i).path("id").asText());
                }
            }
        }
        assertEquals(ids, processed, "each action answered once, in order");
    }
}
