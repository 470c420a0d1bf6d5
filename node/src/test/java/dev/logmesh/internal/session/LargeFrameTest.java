package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.internal.edge.Delivery;
import dev.logmesh.internal.edge.EdgeHooks;
import dev.logmesh.internal.edge.EdgeMeta;
import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.protocol.FrameTransport;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.spi.Loop;
import dev.logmesh.testkit.ForwardingConnection;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A received {@code sync} of more entries than {@link SessionConfig#receiveSlice} is handled in slices, one loop task
 * each, with the loop's other work (other sessions' messages, timers) between them; the session's own later messages
 * wait behind the frame, and the frame is acknowledged and answered as one. Session 33: a stock {@code @logux/client}
 * that added 20,000-45,000 actions offline sends them in one frame, and the node handled it in one task that held its
 * loop 2.4-4.0 s (no ping of any session answered meanwhile; longer than a mesh peer's 8 s timeout on a larger
 * catch-up or a slower machine, and every mesh session of the node dropped).
 *
 * <p>On a manual loop wrapped so that each task's count of entries added to the log is known ("the longest task"
 * in entries, not in wall time); slices of 100.
 */
class LargeFrameTest {
    static final String ALICE = "alice:r4nd0m:tab1";
    static final String BOB = "bob:b0bb0bb0:tab1";
    static final int SLICE = 100;
    static final int CLIENT_FRAME = 8 << 20;

    final ManualLoop manual = new ManualLoop(1_000_000);
    /** Entries added to the node's log, counted by its onAdd (set once the node exists). */
    SessionNode node;
    /** The most entries added to the log in one task of the loop. */
    int mostInOneTask;
    /** Runs after every task of the loop (a test's probe), or null. */
    Runnable afterTask;
    final Loop loop = new Loop() {
        @Override
        public long now() {
            return manual.now();
        }

        @Override
        public void execute(Runnable task) {
            manual.execute(() -> counted(task));
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            return manual.schedule(delayMillis, () -> counted(task));
        }

        @Override
        public boolean inLoop() {
            return true;
        }
    };

    void counted(Runnable task) {
        int before = node == null ? 0 : node.added.size();
        task.run();
        if (node != null) {
            mostInOneTask = Math.max(mostInOneTask, node.added.size() - before);
        }
        if (afterTask != null) {
            afterTask.run();
        }
    }

    SessionConfig config(EdgeRules rules) {
        return SessionConfig.builder("test").headers(JsonNodeFactory.instance.objectNode())
            .edge(new EdgeConfig(() -> rules, new EdgeOptions(Delivery.Unaddressed.NO_CLIENT,
                EdgeMeta.ForeignMeta.DROP), null, true))
            .maxClientFrameBytes(CLIENT_FRAME).receiveSlice(SLICE).build();
    }

    /** A client's {@code sync} of {@code n} actions as {@code @logux/client} sends what it added offline. */
    static String offline(String client, int n) {
        StringBuilder b = new StringBuilder("[\"sync\",").append(n);
        for (int i = 0; i < n; i++) {
            long ms = 999_000L + i;
            b.append(",{\"type\":\"offline/add\",\"i\":").append(i).append("},{\"id\":\"").append(ms).append(' ')
                .append(client).append(" 0\",\"time\":").append(ms).append('}');
        }
        return b.append(']').toString();
    }

    /** A client on a fresh pair: its link takes client frames; {@code pongs} gets the node's log size at each pong. */
    TestPair client(String id, List<Integer> pongs) {
        TestPair pair = new TestPair(loop);
        node.hub.open(new ForwardingConnection(FrameTransport.adapt(pair.right(), CLIENT_FRAME)) {
            @Override
            public boolean send(Message message) {
                if (message instanceof Message.Pong) {
                    pongs.add(node.added.size());
                }
                return inner.send(message);
            }
        }, SyncSession.Role.LISTENER, null, null);
        pair.right().inject("[\"connect\",5,\"" + id + "\",0,{\"subprotocol\":2}]");
        manual.runAll();
        pair.clear();
        return pair;
    }

    /** The ids of the {@code logux/processed} answers among {@code frames}, in order. */
    static List<String> processed(List<String> frames) {
        List<String> ids = new ArrayList<>();
        for (String f : frames) {
            JsonNode a = TestPair.parse(f);
            if (a.path(0).asText().equals("sync")) {
                for (int i = 2; i < a.size(); i += 2) {
                    if (a.get(i).path("type").asText().equals("logux/processed")) {
                        ids.add(a.get(i).path("id").asText());
                    }
                }
            }
        }
        return ids;
    }

    static List<String> ids(String client, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add((999_000L + i) + " " + client + " 0");
        }
        return out;
    }

    /**
     * A client's frame of 1,000 actions: no task adds more than a slice, another client's ping sent after the frame
     * is answered while the frame is still being handled, the sender's own ping only after its answers; the sender
     * gets {@code synced} and then a {@code logux/processed} for each action, once, in its order, and the log holds
     * them all in that order. Before: "one task added 1000 entries of the frame".
     */
    @Test
    void aClientsLargeFrameIsHandledInSlicesWhileOtherSessionsAreServed() {
        node = new SessionNode("n", loop, config(EdgeRules.acceptAll()));
        List<Integer> alicePongs = new ArrayList<>();
        List<Integer> bobPongs = new ArrayList<>();
        TestPair alice = client(ALICE, alicePongs);
        TestPair bob = client(BOB, bobPongs);
        mostInOneTask = 0;

        alice.right().inject(offline(ALICE, 1000));
        alice.right().inject("[\"ping\",0]");
        bob.right().inject("[\"ping\",0]");
        manual.runAll();

        assertTrue(mostInOneTask <= SLICE, "one task added " + mostInOneTask + " entries of the frame");
        assertEquals(1, bobPongs.size(), "bob's ping answered");
        assertTrue(bobPongs.get(0) < 1000, "bob's ping was answered while alice's frame was handled (at "
            + bobPongs.get(0) + " of its 1000 entries)");
        List<String> got = alice.takeAllRight();
        assertEquals("[\"synced\",1000]", got.get(0));
        assertEquals(ids(ALICE, 1000), processed(got), "each action processed once, in order");
        assertEquals("pong", TestPair.type(got.get(got.size() - 1)), "alice's ping answered after her frame: " + got);
        assertEquals(List.of(1000), alicePongs);
        assertEquals(ids(ALICE, 1000), node.added.stream().map(e -> e.id().toString()).toList());
    }

    /**
     * A client whose link closes while its frame is handled: what was stored so far stays stored and is processed,
     * nothing is acknowledged or answered; the same frame sent again on its next connection is answered whole, each
     * action answered once and stored once, the {@code process} hook run once per action in all. Without the
     * processing at the close, the actions stored before it were never processed: "the process hook ran once per
     * action ==> expected: <1000> but was: <600>" (the resent ones are duplicates, whose hook does not run again).
     */
    @Test
    void aClientWhoseLinkClosesMidFrameIsAnsweredWhenItSendsTheFrameAgain() {
        AtomicInteger processHook = new AtomicInteger();
        EdgeRules rules = EdgeRules.builder().type("offline/add", EdgeHooks.Type.accept()
            .withProcess((ctx, a, m) -> processHook.incrementAndGet())).build();
        node = new SessionNode("n", loop, config(rules));
        TestPair first = client(ALICE, new ArrayList<>());
        afterTask = () -> {
            if (node.added.size() >= 3 * SLICE && !first.right().isClosed()) {
                first.right().close("the client went away"); // three slices in
            }
        };

        first.right().inject(offline(ALICE, 1000));
        manual.runAll();
        afterTask = null;

        int stored = node.added.size();
        assertTrue(stored >= 3 * SLICE && stored < 1000, "the close came in the middle of the frame: " + stored
            + " of 1000 stored");
        assertEquals(List.of(), first.rightSent(), "nothing acknowledged or answered");
        assertEquals(stored, processHook.get(), "what was stored is processed (as @logux/server does), unanswered");

        TestPair again = client(ALICE, new ArrayList<>());
        again.right().inject(offline(ALICE, 1000));
        manual.runAll();

        List<String> got = again.takeAllRight();
        assertEquals("[\"synced\",1000]", got.get(0));
        assertEquals(ids(ALICE, 1000), processed(got), "each action processed once, in order");
        assertEquals(ids(ALICE, 1000), node.added.stream().map(e -> e.id().toString()).toList(),
            "each stored once");
        assertEquals(1000, processHook.get(), "the process hook ran once per action");
    }

    /**
     * A logmesh peer's frame of more entries than a slice (a peer whose chunks are larger) is sliced too: the log gets
     * them all, in order, each once, and the peer its {@code synced}.
     */
    @Test
    void aMeshPeersLargeFrameIsHandledInSlicesInOrder() {
        node = new SessionNode("n", loop, config(EdgeRules.acceptAll()));
        SessionNode peer = new SessionNode("p", loop, SessionConfig.builder("test").chunks(1000, 1 << 20, 8).build());
        for (int i = 0; i < 2500; i++) {
            peer.add("peer/add");
        }
        mostInOneTask = 0;
        TestPair pair = SessionNode.connect(loop, peer, node);
        manual.runAll();

        assertTrue(mostInOneTask <= SLICE, "one task added " + mostInOneTask + " entries of a frame");
        assertEquals(peer.ids(), node.ids(), "every entry, in order");
        assertEquals(2500, node.added.size(), "each once");
        assertEquals(2500, peer.hub.session(node.id).cursor().sent(), "acknowledged: " + pair.leftSent().size());
    }

    /**
     * While the node handles a client's large frame it stops reading the link: the client's answers (here the pongs to
     * the node's pings, sent at once) wait unread in the node's socket. A frame whose slices take 30 s each (a slow
     * store or machine, simulated by the clock moving on at each slice stored) is handled for 300 s in all, longer than
     * the client's 70 s: the session stays up, the client gets every answer, and its pongs are read once the frame is
     * done. Before (session 34) the node counted its own pause as the client's silence and ended the session: "the
     * node ended a live client's session while its pong waited unread: no pong for 70000 ms and no byte for ..."
     */
    @Test
    void aPauseOfReadingLongerThanTheTimeoutIsNotThePeersSilence() {
        node = new SessionNode("n", loop, config(EdgeRules.acceptAll()));
        node.log.onAdd(e -> {
            if (node.added.size() % SLICE == 0) {
                manual.setNow(manual.now() + 30_000); // the slice that this entry ends took 30 s
            }
        });
        TestPair pair = new TestPair(loop);
        PausedClient client = new PausedClient(pair);
        node.hub.open(client, SyncSession.Role.LISTENER, null, null);
        pair.right().inject("[\"connect\",5,\"" + ALICE + "\",0,{\"subprotocol\":2}]");
        manual.runAll();
        pair.clear();
        long start = manual.now();

        pair.right().inject(offline(ALICE, 1000));
        for (int i = 0; i < 2000 && !(node.added.size() == 1000 && !client.paused); i++) {
            manual.advance(1000);
        }
        manual.advance(10_000); // the pongs read, and a while after

        assertTrue(manual.now() - start > 300_000, "the frame took " + (manual.now() - start) + " ms");
        assertTrue(client.pings > 0, "the node pinged while it handled the frame");
        assertTrue(!pair.right().isClosed(), "the node ended a live client's session while its pong waited unread: "
            + node.peerEvents + " " + node.errors);
        List<String> got = pair.takeAllRight();
        assertEquals("[\"synced\",1000]", got.stream().filter(f -> f.startsWith("[\"synced\"")).findFirst()
            .orElse("none"));
        assertEquals(ids(ALICE, 1000), processed(got), "each action processed once, in order");
    }

    /**
     * A client that pings while the node handles its long frame (a stock {@code @logux/client} pings after its
     * {@code ping} option's 10 s of silence, and with a {@code timeout} option over the default 70 s waits that long
     * for its {@code synced}; the node sends it nothing meanwhile): its pings wait unread in the node's socket and
     * are read at once when the frame is done. A frame of 10 slices of 30 s each (300 s): 30 pings, read in
     * one go. Before (apps35) the node counted them as sent in that one second, over the 20 a second it takes, and
     * cut the client off as a flood: "bruteforce: ping flood".
     */
    @Test
    void aClientsPingsReadAtOnceAfterALongFrameAreNotAFlood() {
        node = new SessionNode("n", loop, config(EdgeRules.acceptAll()));
        TestPair pair = new TestPair(loop);
        PausedClient client = new PausedClient(pair);
        node.log.onAdd(e -> {
            if (node.added.size() % SLICE == 0) {
                manual.setNow(manual.now() + 30_000); // the slice that this entry ends took 30 s
                for (int i = 0; i < 3 && client.paused; i++) {
                    client.unread.add("[\"ping\",0]"); // the client's ping every 10 s, unread while the node does not read
                }
            }
        });
        node.hub.open(client, SyncSession.Role.LISTENER, null, null);
        pair.right().inject("[\"connect\",5,\"" + ALICE + "\",0,{\"subprotocol\":2}]");
        manual.runAll();
        pair.clear();

        pair.right().inject(offline(ALICE, 1000));
        for (int i = 0; i < 2000 && !(node.added.size() == 1000 && !client.paused); i++) {
            manual.advance(1000);
        }
        manual.advance(1000);

        assertTrue(!pair.right().isClosed(), "the node cut off a client whose pings waited unread behind its frame: "
            + node.peerEvents + " " + node.errors);
        assertEquals(30, client.pongs, "every ping of the client answered");
        List<String> got = pair.takeAllRight();
        assertEquals(ids(ALICE, 1000), processed(got), "each action processed once, in order");

        // a flood after that is still one: 21 pings within a second
        manual.advance(2000);
        for (int i = 0; i < 21; i++) {
            pair.right().inject("[\"ping\",0]");
        }
        manual.runAll();
        assertTrue(pair.right().isClosed(), "21 pings in a second are a flood");
        assertTrue(pair.takeAllRight().stream().anyMatch(f -> f.startsWith("[\"error\",\"bruteforce\"")));
    }

    /**
     * A client's link as the node sees it: the client answers each ping at once, and what it sends while the node does
     * not read ({@link #pauseReading}) waits unread, then is read in one go when the node reads again. Loop only.
     */
    final class PausedClient extends ForwardingConnection {
        final TestPair pair;
        /** What the client sent that the node has not read yet. */
        final List<String> unread = new ArrayList<>();
        boolean paused;
        /** Pings the node sent, and pongs. */
        int pings;
        int pongs;

        PausedClient(TestPair pair) {
            super(FrameTransport.adapt(pair.right(), CLIENT_FRAME));
            this.pair = pair;
        }

        @Override
        public boolean send(Message message) {
            if (message instanceof Message.Ping) {
                pings++;
                String pong = "[\"pong\",0]"; // the client answers at once; the node reads it when it reads
                if (paused) {
                    unread.add(pong);
                } else {
                    loop.execute(() -> pair.right().inject(pong));
                }
            } else if (message instanceof Message.Pong) {
                pongs++;
            }
            return inner.send(message);
        }

        @Override
        public void pauseReading(boolean p) {
            paused = p;
            inner.pauseReading(p);
            if (!p) {
                List<String> backlog = List.copyOf(unread);
                unread.clear();
                loop.execute(() -> backlog.forEach(m -> pair.right().inject(m))); // read in one go
            }
        }
    }
}
