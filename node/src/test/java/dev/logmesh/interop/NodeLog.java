package dev.logmesh.interop;

import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every entry added to a {@link MeshNode}'s log after subscribing, with how often each id was added. */
final class NodeLog {
    final List<Entry> entries = new CopyOnWriteArrayList<>();
    final Map<String, Integer> counts = new ConcurrentHashMap<>();

    NodeLog(MeshNode node) {
        node.subscribe(e -> true, e -> {
            entries.add(e);
            counts.merge(e.id().toString(), 1, Integer::sum);
        });
    }

    int size() {
        return entries.size();
    }

    List<String> ids() {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.id().toString()));
        return out;
    }
}
