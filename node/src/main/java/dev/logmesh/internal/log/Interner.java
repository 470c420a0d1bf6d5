package dev.logmesh.internal.log;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One string for each of the few values that repeat across a node's log (action types, reasons, node ids):
 * the log holds many entries, and each keeps a shared string rather than its own copy.
 *
 * <p>One instance per node, never JVM-wide: the node's codec owns it, so what one node's peers send fills only
 * that node's table. Bounded: once {@link #MAX} strings are known, new ones are not remembered, and strings
 * longer than {@link #MAX_LENGTH} never are, so a peer that sends endless distinct values costs memory only in
 * its own entries and at most {@code MAX} table slots of this one node.
 *
 * <p>Thread-safe: a node's frames may be decoded on several transport threads.
 */
public final class Interner {
    /** The most strings one interner remembers (for each of its two tables). */
    public static final int MAX = 8192;
    /** The longest string remembered, in chars; longer ones are returned as they are. */
    public static final int MAX_LENGTH = 256;

    private final ConcurrentHashMap<String, String> known = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<String>> single = new ConcurrentHashMap<>();

    /** The shared string equal to {@code s}, or {@code s} itself. */
    public String intern(String s) {
        String k = known.get(s);
        return k != null ? k : remember(known, s, s);
    }

    /** A shared immutable list of the one string {@code s} (most entries have one reason, and few distinct ones). */
    public List<String> single(String s) {
        List<String> k = single.get(s);
        return k != null ? k : remember(single, s, List.of(intern(s)));
    }

    /** How many strings this interner remembers (for tests and diagnostics). */
    public int size() {
        return known.size();
    }

    /** Puts {@code value} under {@code key} while there is room; the value now shared under the key, or this one. */
    private static <V> V remember(ConcurrentHashMap<String, V> map, String key, V value) {
        if (map.size() >= MAX || key.length() > MAX_LENGTH) {
            return value;
        }
        V k = map.putIfAbsent(key, value);
        return k != null ? k : value;
    }
}
