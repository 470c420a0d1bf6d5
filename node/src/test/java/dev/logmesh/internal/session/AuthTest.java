package dev.logmesh.internal.session;

import dev.logmesh.internal.auth.Bruteforce;
import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.mesh.Redialer;
import dev.logmesh.testkit.LocalPair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.testkit.ManualLoop;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mesh authentication (DESIGN "Security", "Mesh extensions on the wire"; {@link MeshAuth}) through whole
 * sessions on the in-memory pair: proofs both ways, replays, the clock window, forged answers, the stock
 * client token, other meshes, open meshes and brute-force slowing.
 */
class AuthTest {
    static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER_KEY = "fedcba9876543210".getBytes(StandardCharsets.UTF_8);
    static final Duration WINDOW = Duration.ofMinutes(5);
    static final String REFUSED = "[\"error\",\"wrong-credentials\"]";

    ManualLoop loop;
    TestNode listener;
    SessionConfig listenerConfig;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000_000L);
        listenerConfig = keyed("test", KEY);
        listener = new TestNode("listener", loop, listenerConfig);
        listener.add("l/1");
        loop.runAll();
    }

    SessionConfig keyed(String mesh, byte[] key) {
        return SessionConfig.defaults(mesh).withAuth(new MeshAuth(key, mesh, WINDOW, loop::now),
            new Bruteforce(Bruteforce.DEFAULT_LIMIT, Bruteforce.DEFAULT_PERIOD, loop::now));
    }

    /** The listener refused: the exact frame, closed, nothing synced, and it still takes a keyed peer. */
    void assertRefused(LocalPair pair, SyncSession session) {
        assertEquals(List.of(REFUSED), pair.rightSent());
        assertEquals(SyncSession.State.CLOSED, session.state());
        assertTrue(pair.right().isClosed());
        assertEquals(1, listener.log.size());
        assertEquals(List.of(), listener.hub.connectedPeers());
        listener.assertSyncsWithFreshPeer(loop, listenerConfig);
    }

    @Test
    void sameKeyConnectsAndSyncs() {
        TestNode dialer = new TestNode("dialer", loop, keyed("test", KEY));
        dialer.add("d/1");
        LocalPair pair = TestNode.connect(loop, dialer, listener);
        loop.runAll();
        assertEquals(List.of("+listener"), dialer.peerEvents);
        assertEquals(List.of("+dialer"), listener.peerEvents);
        assertEquals(2, dialer.log.size());
        assertEquals(2, listener.log.size());
        // the proof travels under "logmesh" and nowhere else (a stock peer ignores that key)
        String connect = pair.leftSent().get(0);
        assertTrue(connect.matches("\\[\"connect\",5,\"dialer\",0,\\{\"logmesh\":\\{\"v\":1,\"mesh\":\"test\","
            + "\"caps\":\\[\"plumtree\",\"time\"],\"nonce\":\"[-_A-Za-z0-9]+\",\"ts\":1000000000,\"to\":\"\\*\",\"proof\":\"[-_A-Za-z0-9]+\"}}]"), connect);
    }

    @Test
    void wrongKeyIsRefusedAndTheDialerStopsRedialing() {
        TestNode dialer = new TestNode("dialer", loop, keyed("test", OTHER_KEY));
        List<LocalPair> dials = new ArrayList<>();
        List<String> gaveUp = new ArrayList<>();
        Redialer redialer = new Redialer(dialer.hub, loop, dialer.log, URI.create("ws://listener"), url -> {
            LocalPair p = new LocalPair(loop);
            listener.accept(p);
            dials.add(p);
            return p.left();
        }, new Random(1), gaveUp::add);
        redialer.start();
        loop.runAll();
        assertEquals(List.of(REFUSED), dials.get(0).rightSent());
        assertTrue(redialer.stopped());
        assertEquals(1, gaveUp.size());
        assertEquals(ProtocolError.Type.WRONG_CREDENTIALS, dialer.errors.get(0).type());
        assertTrue(dialer.errors.get(0).isReceived());
        loop.advance(120_000);
        assertEquals(1, dials.size(), "§8: no redial after a received wrong-credentials");
        assertEquals(1, listener.log.size());
    }

    @Test
    void missingProofIsRefused() {
        // a mesh node without the key: same mesh name, no proof, no token
        LocalPair pair = new LocalPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"x\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\"}}]");
        loop.runAll();
        assertRefused(pair, s);
    }

    @Test
    void incompleteProofIsRefused() {
        LocalPair pair = new LocalPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"x\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"proof\":\"abc\"}}]");
        loop.runAll();
        assertRefused(pair, s);
    }

    @Test
    void plainConnectWithoutOptionsIsRefusedByAKeyedMesh() {
        LocalPair pair = new LocalPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"client:1\",0]");
        loop.runAll();
        assertRefused(pair, s);
    }

    @Test
    void replayedConnectIsRefused() {
        TestNode dialer = new TestNode("dialer", loop, keyed("test", KEY));
        LocalPair first = TestNode.connect(loop, dialer, listener);
        loop.runAll();
        assertEquals(List.of("+dialer"), listener.peerEvents);
        String captured = first.leftSent().get(0);
        // an eavesdropper replays the same frame on a new link, a second later (well inside the window)
        loop.advance(1_000);
        LocalPair replay = new LocalPair(loop);
        SyncSession s = listener.accept(replay);
        replay.right().inject(captured);
        loop.runAll();
        assertEquals(List.of(REFUSED), replay.rightSent());
        assertEquals(SyncSession.State.CLOSED, s.state());
        assertEquals(List.of("dialer"), List.copyOf(listener.hub.connectedPeers()), "the genuine session stays");
    }

    @Test
    void proofOutsideTheClockWindowIsRefused() {
        long now = loop.now();
        long window = WINDOW.toMillis();
        MeshAuth late = new MeshAuth(KEY, "test", WINDOW, () -> now - window - 1);
        MeshAuth early = new MeshAuth(KEY, "test", WINDOW, () -> now + window + 1);
        for (MeshAuth skewed : List.of(late, early)) {
            TestNode dialer = new TestNode("dialer", loop, SessionConfig.defaults("test").withAuth(skewed, null));
            LocalPair pair = TestNode.connect(loop, dialer, listener);
            loop.runAll();
            assertEquals(List.of(REFUSED), pair.rightSent());
            assertEquals(List.of(), dialer.peerEvents);
        }
        // inside the window (edge included): accepted
        MeshAuth edge = new MeshAuth(KEY, "test", WINDOW, () -> now - window);
        TestNode dialer = new TestNode("dialer", loop, SessionConfig.defaults("test").withAuth(edge, null));
        TestNode.connect(loop, dialer, listener);
        loop.runAll();
        assertEquals(List.of("+listener"), dialer.peerEvents);
    }

    @Test
    void proofMadeForAnotherListenerIsRefused() {
        TestNode dialer = new TestNode("dialer", loop, keyed("test", KEY));
        LocalPair pair = new LocalPair(loop);
        dialer.dial(pair, "someone-else");
        SyncSession s = listener.accept(pair);
        loop.runAll();
        assertEquals(List.of(REFUSED), pair.rightSent());
        assertEquals(SyncSession.State.CLOSED, s.state());
    }

    @Test
    void forgedListenerAnswerIsRefusedByTheDialer() {
        TestNode dialer = new TestNode("dialer", loop, keyed("test", KEY));
        // a listener without the key: no proof at all
        LocalPair pair = new LocalPair(loop);
        SyncSession s = dialer.dial(pair, null);
        loop.runAll();
        pair.left().inject("[\"connected\",5,\"listener\",[1,1],{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\",\"time\"],\"synced\":0}}]");
        loop.runAll();
        assertEquals(REFUSED, pair.leftSent().get(1));
        assertEquals(2, pair.leftSent().size());
        assertEquals(SyncSession.State.CLOSED, s.state());
        assertEquals(List.of(), dialer.peerEvents);
        // a made-up proof
        LocalPair pair2 = new LocalPair(loop);
        SyncSession s2 = dialer.dial(pair2, null);
        loop.runAll();
        pair2.left().inject("[\"connected\",5,\"listener\",[1,1],{\"logmesh\":{\"v\":1,\"mesh\":\"test\","
            + "\"synced\":0,\"nonce\":\"abc\",\"proof\":\"AAAA\"}}]");
        loop.runAll();
        assertEquals(List.of(pair2.leftSent().get(0), REFUSED), pair2.leftSent());
        assertEquals(SyncSession.State.CLOSED, s2.state());
    }

    @Test
    void replayedListenerAnswerIsRefusedByTheDialer() {
        TestNode dialer = new TestNode("dialer", loop, keyed("test", KEY));
        LocalPair genuine = TestNode.connect(loop, dialer, listener);
        loop.runAll();
        String answer = genuine.rightSent().get(0);
        assertTrue(answer.startsWith("[\"connected\""), answer);
        genuine.left().close("test");
        loop.runAll();
        // an impostor at the listener's address replays that answer to a new connect (new nonce)
        LocalPair pair = new LocalPair(loop);
        SyncSession s = dialer.dial(pair, "listener");
        loop.runAll();
        pair.left().inject(answer);
        loop.runAll();
        assertEquals(REFUSED, pair.leftSent().get(1));
        assertEquals(SyncSession.State.CLOSED, s.state());
        assertEquals(List.of("+listener", "-listener"), dialer.peerEvents);
    }

    @Test
    void repeatedFailuresFromOneAddressGetBruteforceWithoutChecking() {
        for (int i = 0; i < Bruteforce.DEFAULT_LIMIT; i++) {
            TestNode wrong = new TestNode("w" + i, loop, keyed("test", OTHER_KEY));
            LocalPair pair = TestNode.connect(loop, wrong, listener);
            loop.runAll();
            assertEquals(List.of(REFUSED), pair.rightSent(), "attempt " + i);
        }
        // now even the right key from that address is not checked
        TestNode good = new TestNode("good", loop, keyed("test", KEY));
        LocalPair blocked = TestNode.connect(loop, good, listener);
        loop.runAll();
        assertEquals(List.of("[\"error\",\"bruteforce\"]"), blocked.rightSent());
        assertEquals(List.of(), good.peerEvents);
        assertTrue(good.errors.get(0).isReceived());
        assertFalse(good.errors.get(0).type().stopsReconnect(), "a blocked dialer may come back later");
        // the failures age out
        loop.advance(Bruteforce.DEFAULT_PERIOD.toMillis() + 1);
        LocalPair later = TestNode.connect(loop, good, listener);
        loop.runAll();
        assertEquals(List.of("+listener"), good.peerEvents);
        assertTrue(later.rightSent().get(0).startsWith("[\"connected\""));
    }

    @Test
    void stockClientWithTokenIsAccepted() {
        MeshAuth auth = listenerConfig.auth();
        LocalPair pair = new LocalPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"client:1\",0,{\"token\":\"" + auth.tokenFor("client:1") + "\"}]");
        pair.right().inject("[\"sync\",1,{\"type\":\"c/1\"},{\"id\":0,\"time\":0}]");
        loop.runAll();
        assertEquals(SyncSession.State.CONNECTED, s.state());
        assertTrue(pair.rightSent().get(0).startsWith("[\"connected\",5,\"listener\","), pair.rightSent().toString());
        assertTrue(pair.rightSent().contains("[\"synced\",1]"), pair.rightSent().toString());
        assertTrue(listener.types().contains("c/1"));
    }

    @Test
    void stockClientWithWrongTokenIsRefused() {
        LocalPair pair = new LocalPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"client:1\",0,{\"token\":\"guess\"}]");
        loop.runAll();
        assertRefused(pair, s);
    }

    @Test
    void tokenOfAnotherNodeIdIsRefused() {
        LocalPair pair = new LocalPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"client:2\",0,{\"token\":\""
            + listenerConfig.auth().tokenFor("client:1") + "\"}]");
        loop.runAll();
        assertRefused(pair, s);
    }

    @Test
    void nodeOfAnotherMeshIsRefused() {
        // same key, other mesh name: the proof does not match either, but the mesh check comes first
        TestNode dialer = new TestNode("dialer", loop, keyed("other", KEY));
        LocalPair pair = TestNode.connect(loop, dialer, listener);
        loop.runAll();
        assertEquals(List.of(REFUSED), pair.rightSent());
        assertEquals(List.of(), listener.peerEvents);
    }

    @Test
    void openMeshRefusesAnotherMesh() {
        TestNode open = new TestNode("open", loop, SessionConfig.defaults("test"));
        TestNode stranger = new TestNode("stranger", loop, SessionConfig.defaults("other"));
        LocalPair pair = TestNode.connect(loop, stranger, open);
        loop.runAll();
        assertEquals(List.of(REFUSED), pair.rightSent());
        assertEquals(List.of(), open.peerEvents);
    }

    @Test
    void openMeshAcceptsAPlainStockConnect() {
        TestNode open = new TestNode("open", loop, SessionConfig.defaults("test"));
        open.add("o/1");
        loop.runAll();
        LocalPair pair = new LocalPair(loop);
        SyncSession s = open.accept(pair);
        pair.right().inject("[\"connect\",5,\"client:1\",0]");
        loop.runAll();
        assertEquals(SyncSession.State.CONNECTED, s.state());
        long t = loop.now();
        // a Logux client (no mesh options): no mesh options back either
        assertEquals("[\"connected\",5,\"open\",[" + t + "," + t + "]]", pair.rightSent().get(0));
        // catch-up follows: the client gets the node's action, meta id and time only
        assertEquals("[\"sync\",1,{\"type\":\"o/1\"},{\"id\":0,\"time\":0}]", pair.rightSent().get(1));
        assertNull(s.peerHeaders());
    }

    @Test
    void keyedDialerRefusesAnOpenListener() {
        // an open node cannot prove the key: a keyed dialer does not sync with it
        TestNode open = new TestNode("open", loop, SessionConfig.defaults("test"));
        TestNode dialer = new TestNode("dialer", loop, keyed("test", KEY));
        LocalPair pair = TestNode.connect(loop, dialer, open);
        loop.runAll();
        assertEquals(REFUSED, pair.leftSent().get(1));
        assertEquals(List.of(), dialer.peerEvents);
    }
}
