package dev.logmesh.internal.log;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One string for each of the few values that repeat across a log (action types, reasons, node ids): the log
 * holds many entries, and each keeps a shared string rather than its own copy. Bounded: once {@link #MAX}
 * strings are known, new ones are not remembered, so a peer that sends endless distinct values costs memory
 * only in its own entries.
 */
public final class Interner {
    static final int MAX = 8192;
    private static final ConcurrentHashMap<String, String> KNOWN = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, List<String>> SINGLE = new ConcurrentHashMap<>();

    private Interner() {
    }

    /** The shared string equal to {@code s}, or {@code s} itself. */
    public static String intern(String s) {
        String known = KNOWN.get(s);
        return known != null ? known : remember(KNOWN, s, s);
    }

    /** A shared immutable list of the one string {@code s} (most entries have one reason, and few distinct ones). */
    public static List<String> single(String s) {
        List<String> known = SINGLE.get(s);
        return known != null ? known : remember(SINGLE, s, List.of(intern(s)));
    }

    /** Puts {@code value} under {@code key} while there is room; the value now shared under the key, or this one. */
    private static <V> V remember(ConcurrentHashMap<String, V> map, String key, V value) {
        if (map.size() >= MAX || key.length() > 256) {
            return value;
        }
        V known = map.putIfAbsent(key, value);
        return known != null ? known : value;
    }
}
