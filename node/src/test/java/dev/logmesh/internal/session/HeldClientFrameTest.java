package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.StoreException;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeHooks;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Session 48: a Logux client's frame that a node's log cannot take (a used memory budget, a full disk) is held as a
 * mesh peer's is and goes in part by part ({@link SyncSession#ROOM_RETRY_FIRST_MILLIS}, halves down to one entry),
 * each stored action's {@code process} hook run once, nothing answered on the held session; the client's next
 * session answers each action {@code logux/processed} once. Before, a client's frame was never tried again: a memory
 * node with room for a few small actions cut the frame by its room as the wire measures it (about 60 bytes an action)
 * and could not store it as its budget counts (about 400): the frame never went in, and the node, not writable after
 * that failed add, had nothing that would make it try again until an application cleaned.
 */
class HeldClientFrameTest {
    static final String ALICE = "alice:r4nd0m:tab1";
    static final String CONNECT = "[\"connect\",5,\"" + ALICE + "\",0,{\"subprotocol\":2}]";
    static final int SENT = 20;

    final ManualLoop loop = new ManualLoop(1_000_000);
    final List<Integer> processed = new ArrayList<>();
    final EdgeRules rules = EdgeRules.builder().type("c", EdgeHooks.Type.accept()
        .withProcess((ctx, a, m) -> processed.add(a.get("n").asInt()))).build();
    final MemoryStore store = new MemoryStore(20_000);
    final SessionNode node = new SessionNode("n", loop, SessionConfig.defaults("test")
        .withHeaders(JsonNodeFactory.instance.objectNode().put("env", "development"))
        .withEdge(new EdgeConfig(() -> rules, new EdgeOptions(Delivery.Unaddressed.NO_CLIENT,
            EdgeMeta.ForeignMeta.DROP), null, true)), store);

    /** One sync of {@link #SENT} small actions, as a stock client sends those it has not had synced. */
    static String frame() {
        StringBuilder b = new StringBuilder("[\"sync\",").append(SENT);
        for (int i = 1; i <= SENT; i++) {
            b.append(",{\"type\":\"c\",\"n\":").append(i).append("},{\"id\":\"").append(id(i)).append("\",\"time\":")
                .append(i).append('}');
        }
        return b.append(']').toString();
    }

    static ActionId id(int i) {
        return ActionId.parse((1_000_000 + i) + " " + ALICE + " 0");
    }

    int clientsStored() {
        int n = 0;
        for (int i = 1; i <= SENT; i++) {
            if (node.log.byId(id(i)).isPresent()) {
                n++;
            }
        }
        return n;
    }

    static long count(List<String> frames, String part) {
        return frames.stream().mapToLong(f -> f.split(java.util.regex.Pattern.quote(part), -1).length - 1).sum();
    }

    /** A client session: connects, then sends {@link #frame}. */
    SyncSession sends(TestPair pair) {
        SyncSession session = node.accept(pair);
        pair.right().inject(CONNECT);
        loop.runAll();
        pair.clear();
        pair.right().inject(frame());
        loop.runAll();
        return session;
    }

    @Test
    void aClientsFrameLargerThanTheRoomLeftGoesInInPartsAndIsProcessedOnceOnItsNextSession() {
        // the node fills its budget with its own small actions, then cleans five: room for a few of the client's
        List<Entry> own = new ArrayList<>();
        try {
            while (own.size() < 1_000) {
                Entry e = node.log.create(Action.ofType("own"), List.of("temp"));
                node.log.add(e);
                own.add(e);
            }
        } catch (StoreException full) {
            // the budget is used
        }
        assertTrue(own.size() < 1_000, "the budget is used");
        for (int i = 0; i < 5; i++) {
            node.log.removeReason("temp", Criteria.id(own.get(i).id()));
        }
        loop.runAll();
        long room = store.budget() - store.used();

        TestPair pair = new TestPair(loop);
        SyncSession session = sends(pair);
        List<String> got = List.copyOf(pair.rightSent());
        assertEquals(1, got.size(), got.toString());
        assertTrue(got.get(0).startsWith("[\"debug\",\"error\",\"" + SyncSession.CLIENT_FULL_NOTICE), got.toString());
        assertTrue(session.waitedForRoom());
        assertEquals(0, clientsStored());
        pair.clear();

        // no clean comes: the held frame goes in by parts as far as there is room (before: nothing, for good)
        loop.advance(10_000);
        int stored = clientsStored();
        assertTrue(stored >= 1 && stored < SENT, "the held frame went in as far as there was room (" + room
            + " bytes): " + stored + " of its " + SENT + " actions stored, " + (store.budget() - store.used())
            + " bytes left");
        assertEquals(java.util.stream.IntStream.rangeClosed(1, stored).boxed().toList(), processed,
            "the process hook of each stored action ran, once");
        assertEquals(SyncSession.State.CONNECTED, session.state(), "still held: the rest does not fit");
        assertEquals(0, count(pair.rightSent(), "synced") + count(pair.rightSent(), "logux/processed"),
            "nothing answered on the held session: " + pair.rightSent());

        // room for the rest: the held part goes in, and the node says so and closes
        node.log.removeReason("temp", Criteria.ALL);
        loop.advance(SyncSession.ROOM_RETRY_MAX_MILLIS);
        assertEquals(SyncSession.State.CLOSED, session.state());
        assertTrue(pair.rightSent().stream().anyMatch(f -> f.contains(SyncSession.ROOM_NOTICE)),
            pair.rightSent().toString());
        assertEquals(0, count(pair.rightSent(), "logux/processed"), pair.rightSent().toString());

        // the client sends its frame again on its next session: each action answered processed once, none added or
        // processed twice
        TestPair again = new TestPair(loop);
        sends(again);
        got = List.copyOf(again.rightSent());
        assertEquals("[\"synced\"," + SENT + "]", got.get(0), got.toString());
        for (int i = 1; i <= SENT; i++) {
            assertEquals(1, count(got, "\"logux/processed\",\"id\":\"" + id(i) + "\""), i + " in " + got);
        }
        assertEquals(SENT, clientsStored());
        assertEquals(java.util.stream.IntStream.rangeClosed(1, SENT).boxed().toList(),
            processed.stream().sorted().toList(), "each process hook ran once");
        assertEquals(SENT, node.added.stream().filter(e -> e.action().type().equals("c")).count(), "each added once");
    }
}
