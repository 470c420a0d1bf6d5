package dev.logmesh.internal.session;

import dev.logmesh.internal.mesh.Redialer;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.testkit.ManualLoop;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Protocol and subprotocol checks of the handshake (§2 "Receiving connect", §7 errors) and which received
 * errors make a {@link Redialer} give up (§8).
 */
class HandshakeTest {
    ManualLoop loop;
    SessionNode dialer;
    List<TestPair> dials;
    List<String> gaveUp;
    Redialer redialer;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        dials = new ArrayList<>();
        gaveUp = new ArrayList<>();
    }

    /** A redialer of {@code dialer} whose every dial reaches {@code listener} (or the test, if null). */
    Redialer redialer(SessionNode from, SessionNode to) {
        Redialer r = new Redialer(from.hub, loop, from.log, URI.create("ws://peer"), url -> {
            TestPair p = new TestPair(loop);
            if (to != null) {
                to.accept(p);
            }
            dials.add(p);
            return SessionNode.messages(p.left());
        }, new Random(7), gaveUp::add);
        r.start();
        return r;
    }

    /**
     * Refused by the peer at every dial: said once, and dialed again after {@link Redialer#REFUSED_FIRST_MILLIS}, then
     * twice as long after each refusal (up to +20 %), up to every {@link Redialer#REFUSED_DELAY_MILLIS}.
     */
    void assertRefusedSlowly(Redialer r) {
        assertFalse(r.stopped());
        assertEquals(1, gaveUp.size());
        assertTrue(gaveUp.get(0).contains("refused this node"), gaveUp.get(0));
        assertRefusalsWait(() -> { });
        assertEquals(1, gaveUp.size(), "said once");
        r.stop();
    }

    /**
     * The waits after refusals in a row: 5 s, 10 s, ... (each up to +20 %), then exactly every 10 min; {@code
     * refuseLast} refuses the latest dial (when the test plays the listener).
     */
    void assertRefusalsWait(Runnable refuseLast) {
        long late = 0; // how long after the last dial this loop noticed it (its steps)
        for (int k = 0; k < 9; k++) {
            int before = dials.size();
            long wait = Math.min(Redialer.REFUSED_FIRST_MILLIS << k, Redialer.REFUSED_DELAY_MILLIS);
            loop.advance(wait - late - 1);
            assertEquals(before, dials.size(), "not dialed before " + wait + " ms after refusal " + (k + 1));
            long step = Math.max(1, wait / 1_000);
            long waited = wait - late - 1;
            while (dials.size() == before && waited <= wait * 6 / 5) {
                loop.advance(step);
                waited += step;
            }
            assertEquals(before + 1, dials.size(), "dialed again within " + wait * 6 / 5 + " ms of refusal " + (k + 1));
            late = step;
            refuseLast.run();
        }
    }

    @Test
    void aNodeThatDialsItselfStopsDialingThatAddress() {
        SessionNode self = new SessionNode("me", loop, SessionConfig.defaults("test"));
        List<String> gaveUp = new ArrayList<>();
        Redialer redialer = new Redialer(self.hub, loop, self.log, URI.create("ws://me"), url -> {
            TestPair p = new TestPair(loop);
            self.accept(p);
            return SessionNode.messages(p.left());
        }, new Random(1), gaveUp::add);
        redialer.start();
        loop.advance(60_000);
        assertTrue(redialer.stopped());
        assertEquals(1, gaveUp.size(), gaveUp.toString());
        assertTrue(gaveUp.get(0).contains("this node itself"), gaveUp.get(0));
        assertTrue(self.peerEvents.isEmpty());
    }

    @Test
    void aDialerSendsItsTokenForLoguxServersThatCheckOne() {
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test"));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test").withToken("secret"));
        TestPair pair = SessionNode.connect(loop, dialer, listener);
        loop.runAll();
        // spec "connect": options.token carries the credentials
        String connect = pair.takeLeft();
        assertTrue(connect.startsWith("[\"connect\",5,\"d\",0,{\"token\":\"secret\","), connect);
        assertEquals(List.of("+l"), dialer.peerEvents);
        assertTrue(pair.takeRight().startsWith("[\"connected\",5,\"l\","));
        pair.assertExhausted();
    }

    @Test
    void listenerRefusesALowerSubprotocol() {
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test").withSubprotocol(2, 2));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test").withSubprotocol(1, 0));
        Redialer r = redialer(dialer, listener);
        loop.runAll();
        assertEquals(List.of("[\"error\",\"wrong-subprotocol\",{\"supported\":2,\"used\":1}]"),
            dials.get(0).takeAllRight());
        assertTrue(dials.get(0).takeLeft().startsWith("[\"connect\",5,\"d\",0,"));
        assertTrue(dials.get(0).right().isClosed());
        assertEquals(ProtocolError.Type.WRONG_SUBPROTOCOL, dialer.errors.get(0).type());
        assertRefusedSlowly(r);
        dials.get(0).assertExhausted();
    }

    @Test
    void dialerWithoutSubprotocolCountsAsZero() {
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test").withSubprotocol(2, 1));
        TestPair pair = new TestPair(loop);
        listener.accept(pair);
        pair.right().inject("[\"connect\",5,\"client:1\",0]");
        loop.runAll();
        assertEquals(List.of("[\"error\",\"wrong-subprotocol\",{\"supported\":1,\"used\":0}]"), pair.takeAllRight());
        pair.assertExhausted();
    }

    @Test
    void equalOrHigherSubprotocolIsAccepted() {
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test").withSubprotocol(2, 2));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test").withSubprotocol(3, 0));
        TestPair pair = SessionNode.connect(loop, dialer, listener);
        loop.runAll();
        assertEquals(List.of("+l"), dialer.peerEvents);
        assertEquals(3, listener.hub.session("d").peerSubprotocol());
        assertEquals(2, dialer.hub.session("l").peerSubprotocol());
        String connect = pair.takeLeft();
        assertTrue(connect.startsWith("[\"connect\",5,\"d\",0,{\"subprotocol\":3,"), connect);
        assertTrue(pair.takeRight().startsWith("[\"connected\",5,\"l\","));
        pair.assertExhausted();
    }

    @Test
    void dialerRefusesAListenerWithALowerSubprotocol() {
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test").withSubprotocol(1, 0));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test").withSubprotocol(2, 2));
        TestPair pair = SessionNode.connect(loop, dialer, listener);
        loop.runAll();
        assertTrue(pair.takeLeft().startsWith("[\"connect\",5,\"d\",0,"));
        assertEquals("[\"error\",\"wrong-subprotocol\",{\"supported\":2,\"used\":1}]", pair.takeLeft());
        assertEquals(List.of(), dialer.peerEvents);
        assertTrue(pair.takeRight().startsWith("[\"connected\",5,\"l\","));
        pair.assertExhausted();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4})
    void listenerRefusesAnOlderProtocol(int version) {
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop);
        SyncSession s = listener.accept(pair);
        pair.right().inject("[\"connect\"," + version + ",\"client:1\",0]");
        loop.runAll();
        assertEquals(List.of("[\"error\",\"wrong-protocol\",{\"supported\":5,\"used\":" + version + "}]"),
            pair.takeAllRight());
        assertEquals(SyncSession.State.CLOSED, s.state());
        assertEquals(0, listener.log.size());
        pair.assertExhausted();
    }

    @Test
    void newerProtocolIsAcceptedAsLoguxDoes() {
        // §0: both sides check only remote >= min; a 7 peer gets connected 5 and decides itself
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop);
        listener.accept(pair);
        pair.right().inject("[\"connect\",7,\"client:1\",0]");
        loop.runAll();
        String connected = pair.takeRight();
        assertTrue(connected.startsWith("[\"connected\",5,\"l\","), connected);
        pair.assertExhausted();
    }

    @Test
    void dialerRefusesAnOlderListenerProtocol() {
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop);
        SyncSession s = dialer.dial(pair, null);
        loop.runAll();
        pair.left().inject("[\"connected\",4,\"server\",[1,1]]");
        loop.runAll();
        assertTrue(pair.takeLeft().startsWith("[\"connect\",5,\"d\",0,"));
        assertEquals("[\"error\",\"wrong-protocol\",{\"supported\":5,\"used\":4}]", pair.takeLeft());
        assertEquals(SyncSession.State.CLOSED, s.state());
        pair.assertExhausted();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[\"error\",\"wrong-protocol\",{\"supported\":7,\"used\":5}]",
        "[\"error\",\"wrong-subprotocol\",{\"supported\":3,\"used\":0}]",
        "[\"error\",\"wrong-credentials\"]",
    })
    void redialerDialsAgainLessAndLessOftenAfterTheseReceivedErrors(String error) {
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test"));
        Redialer r = redialer(dialer, null);
        loop.runAll();
        // the test plays a listener (e.g. a @logux/core 0.12 server) that refuses this node
        dials.get(0).left().inject(error);
        loop.runAll();
        assertTrue(dialer.hub.sessions().isEmpty(), "the session closed");
        assertFalse(r.stopped(), "the peer's operator may fix it: dialed again later");
        assertEquals(1, gaveUp.size());
        assertTrue(gaveUp.get(0).contains("refused this node") && gaveUp.get(0).contains(Redialer.REFUSED_STEPS),
            gaveUp.get(0));
        assertTrue(dials.get(0).takeLeft().startsWith("[\"connect\",5,\"d\",0,"));
        dials.get(0).assertExhausted();
        assertRefusalsWait(() -> {
            dials.get(dials.size() - 1).left().inject(error);
            loop.runAll();
        });
        assertEquals(1, gaveUp.size(), "said once");
        r.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"error\",\"bruteforce\"]", "[\"error\",\"wrong-format\",\"x\"]",
        "[\"error\",\"unknown-message\",\"ping\"]", "[\"error\",\"timeout\",5000]", "[\"error\",\"made-up\"]"})
    void redialerKeepsDialingAfterOtherErrors(String error) {
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test"));
        Redialer r = redialer(dialer, null);
        loop.runAll();
        dials.get(0).left().inject(error);
        loop.runAll();
        assertFalse(r.stopped());
        loop.advance(Redialer.MAX_DELAY_MILLIS);
        assertEquals(2, dials.size(), "dialed again");
        r.stop();
    }

    @Test
    void redialerKeepsDialingAfterAnErrorItSentItself() {
        // this node refused the listener (wrong subprotocol): it may be upgraded, so try again later
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test").withSubprotocol(1, 0));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test").withSubprotocol(2, 2));
        Redialer r = redialer(dialer, listener);
        loop.runAll();
        assertFalse(dialer.errors.get(0).isReceived());
        assertFalse(r.stopped());
        loop.advance(Redialer.MAX_DELAY_MILLIS);
        assertEquals(1, dials.size(), "a refused peer is not dialed every few seconds");
        loop.advance(Redialer.REFUSED_DELAY_MILLIS);
        assertTrue(dials.size() >= 2, "dialed again");
        r.stop();
    }

    @Test
    void headersTravelBeforeConnectAndConnected() {
        var h = dev.logmesh.internal.protocol.MessageCodec.mapper().createObjectNode().put("lang", "en");
        SessionNode listener = new SessionNode("l", loop, SessionConfig.defaults("test").withHeaders(h));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test").withHeaders(h));
        TestPair pair = SessionNode.connect(loop, dialer, listener);
        loop.runAll();
        assertEquals("[\"headers\",{\"lang\":\"en\"}]", pair.takeLeft());
        assertTrue(pair.takeLeft().startsWith("[\"connect\""));
        assertEquals("[\"headers\",{\"lang\":\"en\"}]", pair.takeRight());
        assertTrue(pair.takeRight().startsWith("[\"connected\""));
        pair.assertExhausted();
        assertEquals(h, listener.hub.session("d").peerHeaders());
        assertEquals(h, dialer.hub.session("l").peerHeaders());
    }
}
