package dev.logmesh.internal.session;

import dev.logmesh.internal.mesh.Broadcast;
import dev.logmesh.internal.mesh.PeerTable;
import dev.logmesh.testkit.LocalPair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.spi.Loop;
import dev.logmesh.testkit.ManualLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A node for protocol tests: a log on a store, a session hub, and records of what happened, all on one
 * (manual) loop.
 */
public final class TestNode {
    public final String id;
    public final Log log;
    public final PeerTable hub;
    public final List<Entry> added = new ArrayList<>();
    public final List<String> peerEvents = new ArrayList<>();
    public final List<ProtocolError> errors = new ArrayList<>();
    private int freshPeers;

    public TestNode(String id, Loop loop, SessionConfig config) {
        this(id, loop, config, new MemoryStore());
    }

    public TestNode(String id, Loop loop, SessionConfig config, Store store) {
        this(id, loop, config, store, loop::now);
    }

    /**
     * A node whose log reads {@code wallClock} instead of the loop's clock (a machine with a skewed clock;
     * timers still run on the loop).
     */
    public TestNode(String id, Loop loop, SessionConfig config, Store store, LongSupplier wallClock) {
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
     * the test plays the peer: {@code pair.right().inject(text)} delivers raw frames, {@code pair.rightSent()}
     * shows the answers.
     */
    public SyncSession accept(LocalPair pair) {
        return hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
    }

    /**
     * Opens a dialer session of this node on the left end of {@code pair}; the test can play the listener
     * with {@code pair.left().inject(text)}.
     */
    public SyncSession dial(LocalPair pair, String expectedPeer) {
        return hub.open(pair.left(), SyncSession.Role.DIALER, expectedPeer, null);
    }

    /**
     * Checks that this node still syncs both ways: a fresh peer of the same mesh dials it, each side adds
     * an action, and each ends up with the other's. For "the node keeps working after bad input" checks.
     */
    public void assertSyncsWithFreshPeer(ManualLoop loop, SessionConfig peerConfig) {
        TestNode peer = new TestNode("fresh-" + Long.toHexString(loop.now()) + "-" + freshPeers++, loop, peerConfig);
        long before = log.size();
        Meta mine = add("still/works");
        peer.add("fresh/peer");
        LocalPair pair = connect(loop, peer, this);
        loop.runAll();
        assertTrue(hub.connectedPeers().contains(peer.id), id + " should accept a fresh peer; it sent "
            + pair.rightSent() + " and got " + pair.leftSent());
        assertTrue(peer.log.has(mine.id()), "the fresh peer should get " + id + "'s action");
        assertTrue(types().contains("fresh/peer"), id + " should get the fresh peer's action");
        assertEquals(before + 2, log.size());
        pair.left().close("done");
        loop.runAll();
    }

    /** Connects {@code dialer} to {@code listener} over a fresh local pair. */
    public static LocalPair connect(Loop loop, TestNode dialer, TestNode listener) {
        LocalPair pair = new LocalPair(loop);
        dialer.hub.open(pair.left(), SyncSession.Role.DIALER, null, null);
        listener.hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
        return pair;
    }
}
