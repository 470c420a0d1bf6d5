package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-client cursors (session 19): a Logux client's {@code connect.synced} counts in the {@code added} numbers of
 * the node it last synced with, so a node starts a client's catch-up after the smaller of it and what the client
 * acknowledged on this node, or after 0 without a record. The client is played by {@link Client}, which does what
 * {@code @logux/core} 0.10's {@code BaseNode} does with its cursor: {@code lastReceived} is the highest number of a
 * {@code sync} or {@code ping}/{@code pong} it received, sent in {@code connect}; each {@code sync} is answered with
 * {@code synced}. Unaddressed entries go to every client ({@code EVERY_CLIENT}), so "addressed to it" is "every
 * entry of the log" here.
 */
class ClientCursorTest {
    ManualLoop loop;
    final EdgeOptions options = new EdgeOptions(Delivery.Unaddressed.EVERY_CLIENT, EdgeMeta.ForeignMeta.DROP);

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
    }

    SessionConfig config() {
        ObjectNode headers = JsonNodeFactory.instance.objectNode().put("env", "development");
        return SessionConfig.defaults("test").withHeaders(headers)
            .withEdge(new EdgeConfig(EdgeRules::acceptAll, options, null, true));
    }

    SessionNode node(String id) {
        return new SessionNode(id, loop, config());
    }

    SessionNode node(String id, Store store) {
        return new SessionNode(id, loop, config(), store);
    }

    /** Adds {@code n} entries typed {@code prefix/i} to a node's log. */
    static void add(SessionNode node, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            node.log.add(node.log.create(Action.ofType(prefix + "/" + i), List.of("test")));
        }
    }

    /** The types of a node's entries (each entry has its own type in these tests). */
    static Set<String> types(SessionNode node) {
        Set<String> out = new LinkedHashSet<>();
        for (Entry e : node.log.entries()) {
            out.add(e.action().type());
        }
        return out;
    }

    /** A Logux client as {@code @logux/core} keeps its cursor; its log is the set of types it received. */
    final class Client {
        final String nodeId;
        long lastReceived;
        /** Every entry received, in order, with repeats (a resend shows as a second copy). */
        final List<String> received = new ArrayList<>();
        TestPair pair;
        SyncSession session;
        /** When true, the client does not answer {@code sync} (it went offline before it could). */
        boolean mute;

        Client(String nodeId) {
            this.nodeId = nodeId;
        }

        /** Connects to {@code node} with its own cursor, and syncs until nothing more comes. */
        Client connect(SessionNode node) {
            return connectWith(node, Long.toString(lastReceived));
        }

        /** Connects with {@code synced} written as given (a malformed cursor), and syncs. */
        Client connectWith(SessionNode node, String synced) {
            pair = new TestPair(loop);
            session = node.accept(pair);
            pair.right().inject("[\"connect\",5,\"" + nodeId + "\"," + synced + "]");
            drain();
            assertEquals(SyncSession.State.CONNECTED, session.state(), "connected: " + node.errors);
            return this;
        }

        /** Answers what the node sent until it sends nothing more. */
        void drain() {
            loop.runAll();
            for (List<String> frames = pair.takeAllRight(); !frames.isEmpty(); frames = pair.takeAllRight()) {
                for (String frame : frames) {
                    JsonNode m = TestPair.parse(frame);
                    String type = m.get(0).asText();
                    if (type.equals("sync")) {
                        for (int i = 2; i < m.size(); i += 2) {
                            received.add(m.get(i).path("type").asText());
                        }
                        if (!mute) {
                            lastReceived = Math.max(lastReceived, m.get(1).asLong());
                            pair.right().inject("[\"synced\"," + m.get(1).asLong() + "]");
                        }
                    } else if (type.equals("ping") || type.equals("pong")) {
                        lastReceived = Math.max(lastReceived, m.get(1).asLong());
                    }
                }
                loop.runAll();
            }
        }

        /** Received since the last call. */
        List<String> take() {
            List<String> out = List.copyOf(received);
            received.clear();
            return out;
        }

        void disconnect() {
            pair.cut("client went offline");
            loop.runAll();
        }
    }

    /**
     * The breaker's run (session 17), in the JVM: a client on A; A and E, apart, each add 5; they heal; the client
     * comes back on E. Before: E numbered its own 5 below the client's {@code synced} (A's numbering) and sent only
     * what came after it, A's entries (some again): "E's 5 never arrive".
     */
    @Test
    void aClientThatComesBackOnAnotherNodeGetsEveryEntryOfThatNode() {
        SessionNode a = node("a");
        SessionNode e = node("e");
        add(a, "a-before", 10);
        Client client = new Client("alice:r4nd0m:tab1");
        client.connect(a);
        assertEquals(10, client.take().size());
        assertEquals(10, client.lastReceived, "its cursor counts in a's numbers");
        client.disconnect();

        // apart: each adds 5 (e numbers its own 1..5)
        add(a, "a-apart", 5);
        add(e, "e-apart", 5);
        // heal
        TestPair link = SessionNode.connect(loop, e, a);
        loop.runAll();
        assertEquals(types(a), types(e), "healed");
        assertEquals(20, e.log.size());

        client.connect(e);
        Set<String> got = new LinkedHashSet<>(client.take());
        Set<String> missing = new LinkedHashSet<>(types(e));
        for (int i = 0; i < 10; i++) { // the client had a's first 10 already
            missing.remove("a-before/" + i);
        }
        missing.removeAll(got);
        assertEquals(Set.of(), missing, "entries of e the client never got");
        assertTrue(got.containsAll(List.of("e-apart/0", "e-apart/4", "a-apart/0", "a-apart/4")), got.toString());
        link.left().close("done");
        loop.runAll();
    }

    /** The same node again: only what came since (the client acknowledged all it got), nothing twice. */
    @Test
    void aClientBackOnTheSameNodeGetsOnlyWhatCameSince() {
        SessionNode a = node("a");
        add(a, "old", 3);
        Client client = new Client("alice:r4nd0m:tab1").connect(a);
        assertEquals(3, client.take().size());
        client.disconnect();
        add(a, "new", 2);
        // another tab of the same browser (one client id): the same cursor
        Client tab2 = new Client("alice:r4nd0m:tab2");
        tab2.lastReceived = client.lastReceived;
        tab2.connect(a);
        assertEquals(List.of("new/0", "new/1"), tab2.take());
        assertEquals(OptionalLong.of(5), a.log.clientCursor("alice:r4nd0m"));
    }

    /**
     * A {@code sync} the client received but did not acknowledge (it went offline first): its own cursor says it has
     * it, the node's record says not, so it comes again; nothing else does.
     */
    @Test
    void anEntryTheClientDidNotAcknowledgeComesAgainAndNothingElse() {
        SessionNode a = node("a");
        add(a, "old", 3);
        Client client = new Client("alice:r4nd0m:tab1").connect(a);
        client.take();
        client.mute = true;
        add(a, "unacked", 1);
        client.drain();
        assertEquals(List.of("unacked/0"), client.take());
        client.lastReceived = 4; // @logux/core sets it before it answers: its answer was lost with the connection
        client.disconnect();
        client.mute = false;
        client.connect(a);
        assertEquals(List.of("unacked/0"), client.take(), "after min(synced 4, acknowledged 3)");
    }

    /**
     * A node restored from a backup: its numbering went back below the client's {@code synced}. The client cursors
     * came back with the log (as of the backup), so what the node numbers after the restore reaches the client. Before:
     * entries numbered up to the client's {@code synced} were skipped.
     */
    @Test
    void aNodeRestoredFromABackupSendsWhatItNumberedBelowTheClientsCursor() {
        MemoryStore store = new MemoryStore("epoch-a");
        SessionNode a = node("a", store);
        add(a, "old", 3);
        Client client = new Client("alice:r4nd0m:tab1").connect(a);
        client.take();
        a.log.flushCursors();
        MemoryStore backup = store.backup(); // the record says 3
        add(a, "lost", 5);
        client.drain();
        assertEquals(5, client.take().size());
        assertEquals(8, client.lastReceived);
        client.disconnect();

        // the backup comes back (file and side file both: numbering goes back to 3)
        SessionNode restored = node("a", backup.backup());
        assertEquals(3, restored.log.lastAdded());
        add(restored, "after-restore", 4); // numbered 4..7, all below the client's 8
        client.connect(restored);
        assertEquals(List.of("after-restore/0", "after-restore/1", "after-restore/2", "after-restore/3"),
            client.take());
    }

    /** A {@code --memory} node restarted: a new log with no record, so everything goes to the client. */
    @Test
    void aRestartedMemoryNodeSendsAClientEverything() {
        SessionNode a = node("a");
        add(a, "old", 6);
        Client client = new Client("alice:r4nd0m:tab1").connect(a);
        client.take();
        client.disconnect();

        SessionNode restarted = node("a2");
        add(restarted, "new", 4);
        client.connect(restarted);
        assertEquals(List.of("new/0", "new/1", "new/2", "new/3"), client.take(), "before: none (4 < synced 6)");
        assertEquals(OptionalLong.of(4), restarted.log.clientCursor("alice:r4nd0m"));
    }

    /**
     * The records are bounded: beyond the bound the least recently seen client is forgotten and starts from 0 (it is
     * sent everything again), the others still start from their record.
     */
    @Test
    void anEvictedClientStartsFromTheBeginning() {
        SessionNode a = node("a");
        a.log.clientCursorLimit(2);
        add(a, "old", 2);
        Client alice = new Client("alice:1:t").connect(a);
        Client bob = new Client("bob:1:t").connect(a);
        Client carol = new Client("carol:1:t").connect(a);
        for (Client c : List.of(alice, bob, carol)) {
            assertEquals(2, c.take().size());
            c.disconnect();
        }
        a.log.flushCursors();
        assertEquals(OptionalLong.empty(), a.log.clientCursor("alice:1"), "evicted");
        add(a, "new", 1);
        alice.connect(a);
        assertEquals(List.of("old/0", "old/1", "new/0"), alice.take(), "from 0: again what it has, and the new one");
        bob.connect(a);
        assertEquals(List.of("new/0"), bob.take());
    }

    /**
     * A {@code synced} in {@code connect} that is no cursor of this log: the session connects (a stock
     * {@code @logux/server} takes any number), and the client gets what it may lack. Negative or fractional: read as
     * 0, everything. Above this log's end (a number of another node, or beyond what JavaScript counts): with a
     * record, after the record; without, everything. Before: {@code wrong-format} and a closed session at every
     * reconnect for the malformed ones.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-5", "1.5", "-0.5", "3.0000001", "99", "9007199254740993", "123456789012345678901234567890",
        "1e400"})
    void aMalformedOrHugeSyncedConnectsAndTheClientGetsWhatItMayLack(String synced) {
        SessionNode a = node("a");
        add(a, "old", 3);
        Client fresh = new Client("alice:1:t").connectWith(a, synced);
        assertEquals(List.of("old/0", "old/1", "old/2"), fresh.take(), "no record: everything");
        fresh.disconnect();
        add(a, "new", 1);
        fresh.connectWith(a, synced);
        boolean huge = !synced.startsWith("-") && !synced.contains(".");
        assertEquals(huge ? List.of("new/0") : List.of("old/0", "old/1", "old/2", "new/0"), fresh.take(),
            huge ? "after its record (3)" : "read as 0");
        assertEquals(List.of(), a.errors);
    }

    /** A client's acknowledgement never moves a peer's cursor, also when its client id has a mesh node's form. */
    @Test
    void aClientsCursorIsNotAPeersCursor() {
        SessionNode a = node("a");
        add(a, "old", 2);
        Client client = new Client("e:Xk3v9QaB:tab").connect(a);
        client.take();
        assertEquals(OptionalLong.of(2), a.log.clientCursor("e:Xk3v9QaB"));
        assertEquals(dev.logmesh.spi.PeerCursor.NONE, a.log.cursor("e:Xk3v9QaB"));
        assertTrue(a.log.cursors().isEmpty(), a.log.cursors().toString());
    }
}
