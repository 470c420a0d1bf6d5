package dev.logmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.mesh.Broadcast;
import dev.logmesh.internal.mesh.PeerTable;
import dev.logmesh.internal.net.WsTransport;
import dev.logmesh.internal.protocol.FrameTransport;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Loop;
import dev.logmesh.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A node cut down to its protocol parts, for logmesh's own protocol tests (sandwich tests of sessions and
 * dialers): a {@link Log} on a store and a {@link PeerTable}, on the test's loop, with records of what
 * happened. Sessions sit on {@link TestPair} ends through the node's own codec and frame limit
 * ({@link FrameTransport#adapt}). Whole nodes are {@link LocalMesh}'s business.
 *
 * <p>Its log keeps every entry (reason {@code test}), its id is exactly the name given, and everything runs
 * on the loop's thread (the test's, for a {@link ManualLoop}).
 */
public final class SessionNode {
    /** The frame limit of the ends it opens sessions on: the node's default. */
    public static final int MAX_FRAME_BYTES = WsTransport.DEFAULT_MAX_FRAME_BYTES;

    public final String id;
    public final Log log;
    public final PeerTable hub;
    /** Entries added to the log, local or received, in order. */
    public final List<Entry> added = new ArrayList<>();
    /** {@code +peer} when a peer's first session came up, {@code -peer} when its last ended. */
    public final List<String> peerEvents = new ArrayList<>();
    /** Errors that ended sessions (sent or received), in order. */
    public final List<ProtocolError> errors = new ArrayList<>();
    private int freshPeers;

    public SessionNode(String id, Loop loop, SessionConfig config) {
        this(id, loop, config, new MemoryStore("epoch-" + id));
    }

    public SessionNode(String id, Loop loop, SessionConfig config, Store store) {
        this(id, loop, config, store, loop::now);
    }

    /**
     * A node whose log reads {@code wallClock} instead of the loop's clock (a machine with a skewed clock;
     * timers still run on the loop).
     */
    public SessionNode(String id, Loop loop, SessionConfig config, Store store, LongSupplier wallClock) {
        this.id = id;
        this.log = new Log(store, id, wallClock, 60_000);
        this.log.onPreAdd((action, meta) -> meta.hasReasons() ? meta : meta.withReasons(List.of("test")));
        this.log.onAdd(added::add);
        this.hub = new Broadcast(log, loop, config).peers();
        hub.addListener(new PeerTable.Listener() {
            @Override
            public void peerConnected(String peerNode, SyncSession session) {
                peerEvents.add("+" + peerNode);
            }

            @Override
            public void peerDisconnected(String peerNode) {
                peerEvents.add("-" + peerNode);
            }

            @Override
            public void sessionClosed(SyncSession session, ProtocolError error, String reason) {
                if (error != null) {
                    errors.add(error);
                }
            }
        });
    }

    /** A frame connection as the message connection a session uses: the node's codec and frame limit. */
    public static MessageConnection messages(Connection frames) {
        return FrameTransport.adapt(frames, MAX_FRAME_BYTES);
    }

    /** Adds a local action of this type; returns its meta. */
    public Meta add(String type) {
        return log.add(Action.ofType(type), List.of("test"));
    }

    /** Types of the log's entries in created order. */
    public List<String> types() {
        List<String> out = new ArrayList<>();
        for (Entry e : log.entries()) {
            out.add(e.action().type());
        }
        return out;
    }

    /** Ids of the log's entries in created order. */
    public List<ActionId> ids() {
        List<ActionId> out = new ArrayList<>();
        for (Entry e : log.entries()) {
            out.add(e.id());
        }
        return out;
    }

    /**
     * Opens a listener session of this node on the right end of {@code pair}. With nothing on the left end,
     * the test plays the peer: {@code pair.right().inject(text)} delivers raw frames, {@code pair.takeRight()}
     * hands out the answers.
     */
    public SyncSession accept(TestPair pair) {
        return hub.open(messages(pair.right()), SyncSession.Role.LISTENER, null, null);
    }

    /**
     * Opens a dialer session of this node on the left end of {@code pair}; the test can play the listener
     * with {@code pair.left().inject(text)}.
     */
    public SyncSession dial(TestPair pair, String expectedPeer) {
        return hub.open(messages(pair.left()), SyncSession.Role.DIALER, expectedPeer, null);
    }

    /**
     * Checks that this node still syncs both ways: a fresh peer of the same mesh dials it, each side adds
     * an action, and each ends up with the other's. For "the node keeps working after bad input" checks.
     */
    public void assertSyncsWithFreshPeer(ManualLoop loop, SessionConfig peerConfig) {
        SessionNode peer = new SessionNode("fresh-" + Long.toHexString(loop.now()) + "-" +  freshPeers++, loop,
            peerConfig);
        long before = log.size();
        Meta mine = add("still/works");
        peer.add("fresh/peer");
        TestPair pair = connect(loop, peer, this);
        loop.runAll();
        assertTrue(hub.connectedPeers().contains(peer.id), id + " should accept a fresh peer; it sent "
            + pair.rightSent() + " and got " + pair.leftSent());
        assertTrue(peer.log.has(mine.id()), "the fresh peer should get " + id + "'s action");
        assertTrue(types().contains("fresh/peer"), id + " should get the fresh peer's action");
        assertEquals(before + 2, log.size());
        pair.left().close("done");
        loop.runAll();
    }

    /** Connects {@code dialer} to {@code listener} over a fresh pair. */
    public static TestPair connect(Loop loop, SessionNode dialer, SessionNode listener) {
        TestPair pair = new TestPair(loop);
        dialer.dial(pair, null);
        listener.accept(pair);
        return pair;
    }

    @Override
    public String toString() {
        return "SessionNode " + id;
    }
}
