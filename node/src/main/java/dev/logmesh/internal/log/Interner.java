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
    /** The most strings (or lists) one interner remembers, in each of its tables. */
    public static final int MAX = 8192;
    /** The longest string remembered, in chars; longer ones are returned as they are. */
    public static final int MAX_LENGTH = 256;

    /** The most strings in a list that {@link #list} remembers. */
    public static final int MAX_LIST = 8;
    /** Slots in each cache of recent values (a power of two). */
    private static final int RECENT = 64;

    private final ConcurrentHashMap<String, String> known = new ConcurrentHashMap<>();
    /**
     * Shared strings looked up lately, by a hash of their text: a decoder finds the action type, reason or node id it
     * is reading here by comparing characters, without making a string of them first (one for each entry of a
     * catch-up otherwise). Racy on purpose: a slot holds any recent value or null (a reference write is atomic and a
     * string immutable), and a miss only costs the lookup it saves.
     */
    private final String[] recentStrings = new String[RECENT];
    /** The same for {@link #pair}, by the identity of the two strings. */
    @SuppressWarnings("unchecked") // an array of a generic type; it holds only what list() returned
    private final List<String>[] recentPairs = (List<String>[]) new List<?>[RECENT];
    /** The same for {@link #single} lists. */
    @SuppressWarnings("unchecked") // an array of a generic type; it holds only what single() returned
    private final List<String>[] recentSingles = (List<String>[]) new List<?>[RECENT];
    private final ConcurrentHashMap<String, List<String>> single = new ConcurrentHashMap<>();
    /** Lists of several strings (see {@link #list}), each its own key. */
    private final ConcurrentHashMap<List<String>, List<String>> lists = new ConcurrentHashMap<>();

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

    /**
     * The shared string of the characters {@code chars[offset .. offset + length)} (a parser's text buffer): as
     * {@link #intern(String)} of that text, without making the string when it is one of the recently shared ones.
     */
    @SuppressWarnings("ReferenceEquality") // "known.get(shared) == shared": is it the table's own string?
    public String intern(char[] chars, int offset, int length) {
        int slot = slot(chars, offset, length);
        String recent = recentStrings[slot];
        if (recent != null && sameText(recent, chars, offset, length)) {
            return recent;
        }
        String shared = intern(new String(chars, offset, length));
        if (known.get(shared) == shared) { // only what the table shares: a full table shares nothing new
            recentStrings[slot] = shared;
        }
        return shared;
    }

    /** {@link #single(String)} of the characters {@code chars[offset .. offset + length)}; see {@link #intern(char[], int, int)}. */
    @SuppressWarnings("ReferenceEquality") // "single.get(text) == shared": is it the table's own list?
    public List<String> single(char[] chars, int offset, int length) {
        int slot = slot(chars, offset, length);
        List<String> recent = recentSingles[slot];
        if (recent != null && sameText(recent.get(0), chars, offset, length)) {
            return recent;
        }
        String text = new String(chars, offset, length);
        List<String> shared = single(text);
        if (single.get(text) == shared) {
            recentSingles[slot] = shared;
        }
        return shared;
    }

    /** The slot of a text in the caches of recent values: its {@code String.hashCode}, spread, modulo their size. */
    private static int slot(char[] chars, int offset, int length) {
        int h = 0;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + chars[i];
        }
        return (h ^ (h >>> 16)) & (RECENT - 1);
    }

    private static boolean sameText(String s, char[] chars, int offset, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A shared immutable list equal to {@code items} (strings, in order): the reasons of a log's entries are the same
     * few lists over and over. Lists of more than {@link #MAX_LIST} strings, or with a string longer than
     * {@link #MAX_LENGTH}, or once {@link #MAX} lists are known, come back as an immutable copy, not remembered.
     */
    public List<String> list(List<String> items) {
        if (items.size() == 1) {
            return single(items.get(0));
        }
        List<String> k = lists.get(items);
        if (k != null) {
            return k;
        }
        List<String> copy = List.copyOf(items);
        if (copy.size() > MAX_LIST || lists.size() >= MAX) {
            return copy;
        }
        for (String s : copy) {
            if (s.length() > MAX_LENGTH) {
                return copy;
            }
        }
        k = lists.putIfAbsent(copy, copy);
        return k != null ? k : copy;
    }

    /**
     * {@link #list} of two strings, found by identity among the recently shared pairs first (the strings come from
     * this interner, so the same reasons are the same instances): no list is made to look it up.
     */
    @SuppressWarnings("ReferenceEquality") // identity on purpose: a hit must be those very strings, or the table's list
    public List<String> pair(String first, String second) {
        int slot = (System.identityHashCode(first) * 31 + System.identityHashCode(second)) & (RECENT - 1);
        List<String> recent = recentPairs[slot];
        if (recent != null && recent.get(0) == first && recent.get(1) == second) {
            return recent;
        }
        List<String> shared = list(List.of(first, second));
        if (lists.get(shared) == shared) {
            recentPairs[slot] = shared;
        }
        return shared;
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
