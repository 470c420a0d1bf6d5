package dev.logmesh.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records listener calls (thread-safe) and the names of the threads that made them. */
final class RecordingListener implements Discovery.Listener {

    /** One call: {@code peer} for peerFound, {@code lostNodeId} for peerLost. */
    record Event(Peer peer, String lostNodeId) {
        @Override
        public String toString() {
            return peer != null ? "found " + peer : "lost " + lostNodeId;
        }
    }

    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    private final Map<String, Peer> current = new ConcurrentHashMap<>();

    @Override
    public void peerFound(Peer peer) {
        threads.add(Thread.currentThread().getName());
        events.add(new Event(peer, null));
        if (peer.isIdentified()) {
            current.put(peer.nodeId(), peer);
        }
    }

    @Override
    public void peerLost(String nodeId) {
        threads.add(Thread.currentThread().getName());
        events.add(new Event(null, nodeId));
        current.remove(nodeId);
    }

    /** Identified peers found and not lost since, by node id. */
    Map<String, Peer> current() {
        return Map.copyOf(current);
    }

    List<Peer> found() {
        List<Peer> found = new ArrayList<>();
        for (Event e : events) {
            if (e.peer() != null) {
                found.add(e.peer());
            }
        }
        return found;
    }

    List<String> lost() {
        List<String> lost = new ArrayList<>();
        for (Event e : events) {
            if (e.lostNodeId() != null) {
                lost.add(e.lostNodeId());
            }
        }
        return lost;
    }
}
