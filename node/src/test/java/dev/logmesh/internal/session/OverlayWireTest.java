package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.overlay.HpvMessage;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The overlay on the wire, exactly: the {@code hpv} capability in the mesh options, {@code ["logmesh:hpv", {...}]}
 * both ways, a member's session held (no entries) until the overlay releases it, and the refusals: an overlay
 * message from a peer that did not offer the capability, or one of the wrong shape, is {@code wrong-format}. The test
 * plays the peer on the raw frames of a listener session.
 */
class OverlayWireTest {
    static final String CAPS_HPV = "\"caps\":[\"plumtree\",\"hpv\"]";
    /** What this node answers: {@code hpv} after the capabilities it always lists, before maxFrame and epoch. */
    static final String REPLY_CAPS_HPV = "\"caps\":[\"plumtree\",\"time\",\"hpv\"],\"maxFrame\"";
    static final String CONNECT_MEMBER =
        "[\"connect\",5,\"p\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\"," + CAPS_HPV + ",\"maxFrame\":1048576}}]";
    static final String CONNECT_OTHER =
        "[\"connect\",5,\"p\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\"],\"maxFrame\":1048576}}]";
    static final String JOIN = "[\"logmesh:hpv\",{\"type\":\"join\",\"addr\":\"ws://10.0.0.7:7000\"}]";

    ManualLoop loop;
    SessionNode n;
    TestPair pair;
    SyncSession session;
    final List<String> received = new ArrayList<>();

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        n = new SessionNode("n", loop, SessionConfig.defaults("test"));
        n.hub.useMembership((s, body) -> {
            HpvMessage m = HpvMessage.fromJson(body); // as the overlay does: a wrong shape throws
            received.add(s.peerNode() + " " + m);
        });
        pair = new TestPair(loop);
        session = n.accept(pair);
        loop.runAll();
    }

    private void connect(String frame) {
        pair.right().inject(frame);
        loop.runAll();
        assertTrue(pair.rightSent().get(0).startsWith("[\"connected\""), pair.rightSent().toString());
    }

    @Test
    void aMemberOffersTheCapabilityAndGetsNoEntriesUntilReleased() {
        connect(CONNECT_MEMBER);
        assertTrue(pair.rightSent().get(0).contains(REPLY_CAPS_HPV), pair.rightSent().get(0));
        assertTrue(session.usesOverlay());
        assertTrue(session.held());
        pair.clear();
        n.add("own/1");
        loop.advance(10);
        assertEquals(List.of(), pair.rightSent(), "held: no entries to a member outside the active view");
        session.hold(false);
        loop.runAll();
        assertEquals(1, pair.rightSent().size(), pair.rightSent().toString());
        assertTrue(pair.rightSent().get(0).startsWith("[\"sync\",1,{\"type\":\"own/1\"}"), pair.rightSent().toString());
    }

    @Test
    void overlayMessagesGoBothWays() {
        connect(CONNECT_MEMBER);
        pair.clear();
        pair.right().inject(JOIN);
        loop.runAll();
        assertEquals(List.of("p Join[address=ws://10.0.0.7:7000]"), received);
        ObjectNode reply = new HpvMessage.NeighborReply(true).toJson();
        assertTrue(session.sendHpv(reply));
        loop.runAll();
        assertEquals(List.of("[\"logmesh:hpv\",{\"type\":\"neighborReply\",\"accepted\":true}]"), pair.rightSent());
    }

    @Test
    void aMessageOfTheWrongShapeIsWrongFormat() {
        connect(CONNECT_MEMBER);
        pair.clear();
        pair.right().inject("[\"logmesh:hpv\",{\"type\":\"join\"}]");
        loop.runAll();
        assertTrue(pair.rightSent().get(0).startsWith("[\"error\",\"wrong-format\""), pair.rightSent().toString());
        assertEquals(SyncSession.State.CLOSED, session.state());
        assertEquals(List.of(), received);
    }

    @Test
    void aPeerWithoutTheCapabilityIsOutsideTheOverlay() {
        connect(CONNECT_OTHER);
        assertFalse(session.usesOverlay());
        assertFalse(session.held(), "not a member: entries flow as before the overlay");
        assertFalse(session.sendHpv(new HpvMessage.NeighborReply(true).toJson()), "never sent to a non-member");
        pair.clear();
        n.add("own/1");
        loop.advance(10);
        assertEquals(1, pair.rightSent().size(), pair.rightSent().toString());
        pair.clear();
        pair.right().inject(JOIN);
        loop.runAll();
        assertTrue(pair.rightSent().get(0).startsWith("[\"error\",\"wrong-format\""), pair.rightSent().toString());
        assertEquals(List.of(), received);
    }

    @Test
    void aConnectThatNamesAnotherNodeIsRefusedBeforeItCounts() {
        // an overlay dial to an old address that now leads to this node: refused, nothing of n's sessions disturbed
        pair.right().inject("[\"connect\",5,\"p\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"to\":\"m\"}}]");
        loop.runAll();
        // the dialer is told who answers here (keep47: a memory node restarted with a new id, not another key)
        assertEquals(List.of("[\"debug\",\"error\",\"logmesh refused: this is n, not m\"]",
            "[\"error\",\"wrong-credentials\"]"), pair.rightSent());
        assertEquals(SyncSession.State.CLOSED, session.state());
        assertEquals(List.of(), n.peerEvents, "never counted as connected");
        assertTrue(session.overlayProbeFailed(), "routine for the overlay: not reported as an error");
    }

    @Test
    void aConnectThatNamesThisNodeIsAccepted() {
        connect("[\"connect\",5,\"p\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"to\":\"n\"}}]");
        assertEquals(List.of("+p"), n.peerEvents);
    }

    @Test
    void anOverlayDialNamesItsNodeAndRefusesAnother() {
        TestPair p2 = new TestPair(loop);
        SyncSession dialer = n.dial(p2, "x");
        dialer.requirePeer();
        loop.runAll();
        assertTrue(p2.leftSent().get(0).contains("\"to\":\"x\""), p2.leftSent().toString());
        p2.left().inject("[\"connected\",5,\"y\",[1,2]]");
        loop.runAll();
        assertEquals(SyncSession.State.CLOSED, dialer.state());
        assertEquals(List.of(), n.peerEvents, "another node answered: never counted as connected");
    }

    @Test
    void aNodeWithoutTheOverlayDoesNotOfferIt() {
        SessionNode plain = new SessionNode("plain", loop, SessionConfig.defaults("test"));
        TestPair p2 = new TestPair(loop);
        SyncSession s = plain.accept(p2);
        loop.runAll();
        p2.right().inject(CONNECT_MEMBER);
        loop.runAll();
        assertFalse(p2.rightSent().get(0).contains("hpv"), p2.rightSent().get(0));
        assertFalse(s.usesOverlay());
        assertFalse(s.held());
    }
}
