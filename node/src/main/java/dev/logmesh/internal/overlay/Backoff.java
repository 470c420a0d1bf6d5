package dev.logmesh.internal.overlay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed-dial memory of a {@link HyParView}: after the k-th failure in a row a peer is left alone for
 * min(max, base × 2^(k−1)) ticks. Bounded: beyond {@code capacity} peers the one that failed least recently is
 * forgotten, so forged candidates cost bounded memory (a forgotten one may be dialled again, at the overlay's
 * bounded dial rate). Loop thread only.
 */
final class Backoff {
    private final int baseTicks;
    private final int maxTicks;
    private final int capacity;
    /** Node id to {failures in a row, tick until which it is left alone}; access order for LRU eviction. */
    private final Map<String, long[]> entries;

    Backoff(int baseTicks, int maxTicks, int capacity) {
        this.baseTicks = baseTicks;
        this.maxTicks = maxTicks;
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > Backoff.this.capacity;
            }
        };
    }

    boolean blocked(String id, long now) {
        long[] e = entries.get(id);
        return e != null && now < e[1];
    }

    void failed(String id, long now) {
        long[] e = entries.computeIfAbsent(id, k -> new long[2]);
        e[0] = Math.min(e[0] + 1, 30);
        e[1] = now + Math.min((long) maxTicks, (long) baseTicks << (e[0] - 1));
    }

    void clear(String id) {
        entries.remove(id);
    }

    int size() {
        return entries.size();
    }
}
