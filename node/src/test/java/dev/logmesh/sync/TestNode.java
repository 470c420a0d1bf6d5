package dev.logmesh.sync;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.log.Log;
import dev.logmesh.log.MemoryStore;
import dev.logmesh.log.Store;
import dev.logmesh.protocol.ProtocolError;
import dev.logmesh.time.Loop;
import java.util.ArrayList;
import java.util.List;

/**
 * A node for protocol tests: a log on a store, a session hub, and records of what happened, all on one
 * (manual) loop.
 */
public final class TestNode {
    public final String id;
    public final Log log;
    public final SessionHub hub;
    public final List<Entry> added = new ArrayList<>();
    public final List<String> peerEvents = new ArrayList<>();
    public final List<ProtocolError> errors = new ArrayList<>();

    public TestNode(String id, Loop loop, SessionConfig config) {
        this(id, loop, config, new MemoryStore());
    }

    public TestNode(String id, Loop loop, SessionConfig config, Store store) {
        this.id = id;
        this.log = new Log(store, id, loop::now, 60_000);
        this.log.onPreAdd((action, meta) -> meta.hasReasons() ? meta : meta.withReasons(List.of("test")));
        this.log.onAdd(added::add);
        this.hub = new SessionHub(log, loop, config);
        hub.addListener(new SessionHub.Listener() {
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

    /** Connects {@code dialer} to {@code listener} over a fresh local pair. */
    public static LocalPair connect(Loop loop, TestNode dialer, TestNode listener) {
        LocalPair pair = new LocalPair(loop);
        dialer.hub.open(pair.left(), SyncSession.Role.DIALER, null, null);
        listener.hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
        return pair;
    }
}
