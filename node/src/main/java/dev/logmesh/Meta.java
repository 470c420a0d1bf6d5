package dev.logmesh;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The metadata of a log entry.
 *
 * <p>{@code id}, {@code time} and {@code added} never change once the entry is in a log; the others may
 * change through {@code changeMeta}. Custom keys live in {@link #extra()}; the names of the built-in
 * fields cannot be used there.
 *
 * @param id          the action's id, stamped at its origin
 * @param time        milliseconds on this node's clock (for display; ordering uses {@code id})
 * @param added       this node's position of the entry in its log, from 1; 0 while not in a log
 * @param reasons     why the entry is kept; an entry whose reasons become empty is cleaned; a reason listed twice is kept once
 * @param subprotocol the application's subprotocol version that created the action; 0 when unknown
 * @param extra       custom keys, as JSON values that must not be modified
 */
public record Meta(ActionId id, long time, long added, List<String> reasons, int subprotocol,
                   Map<String, JsonNode> extra) {

    /** Keys of the fields above, which custom keys may not use. */
    public static final Set<String> BUILT_IN = Set.of("id", "time", "added", "reasons", "subprotocol");

    /** Keys that {@code changeMeta} refuses to change. */
    public static final Set<String> READ_ONLY = Set.of("id", "time", "added");

    public Meta {
        Objects.requireNonNull(id, "id");
        if (time < -ActionId.MAX_SAFE || time > ActionId.MAX_SAFE) {
            throw new IllegalArgumentException("meta time out of range: " + time);
        }
        if (added < 0) {
            throw new IllegalArgumentException("meta added must be >= 0: " + added);
        }
        if (subprotocol < 0) {
            throw new IllegalArgumentException("meta subprotocol must be >= 0: " + subprotocol);
        }
        reasons = List.copyOf(reasons);
        // indexed, and no key loop for no keys: a meta is made for every entry received, and an iterator each
        // (even over an empty map) is garbage and calls the JIT has not compiled in a node's first seconds
        boolean repeated = false;
        for (int i = 0; i < reasons.size(); i++) {
            if (reasons.get(i).isEmpty()) {
                throw new IllegalArgumentException("a reason must be a non-empty string");
            }
            for (int j = 0; j < i && !repeated; j++) {
                repeated = reasons.get(j).equals(reasons.get(i));
            }
        }
        if (repeated) {
            // a set, as the wire's parser makes it: a reason listed twice would need two removals to clean the
            // entry, and SqliteStore's reasons index holds each (reason, entry) once
            reasons = List.copyOf(new java.util.LinkedHashSet<>(reasons));
        }
        Objects.requireNonNull(extra, "extra");
        if (extra.isEmpty()) {
            extra = Map.of();
        } else {
            for (String k : extra.keySet()) {
                if (BUILT_IN.contains(k)) {
                    throw new IllegalArgumentException("\"" + k + "\" is a built-in meta field, not a custom key");
                }
            }
            extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }
    }

    /** A meta with an id, a time and reasons, not yet added to a log. */
    public static Meta of(ActionId id, long time, List<String> reasons) {
        return new Meta(id, time, 0, reasons, 0, Map.of());
    }

    /**
     * This meta with another {@code added}: this meta itself when its {@code added} is {@code newAdded} already (a
     * received entry is made with the number the store is expected to give it, so the store keeps it as it is).
     */
    public Meta withAdded(long newAdded) {
        return newAdded == added ? this : new Meta(id, time, newAdded, reasons, subprotocol, extra);
    }

    /** This meta with other reasons. */
    public Meta withReasons(List<String> newReasons) {
        return new Meta(id, time, added, newReasons, subprotocol, extra);
    }

    /** This meta with another time. */
    public Meta withTime(long newTime) {
        return new Meta(id, newTime, added, reasons, subprotocol, extra);
    }

    /** This meta with another subprotocol. */
    public Meta withSubprotocol(int newSubprotocol) {
        return new Meta(id, time, added, reasons, newSubprotocol, extra);
    }

    /** This meta with one custom key set ({@code value} null removes it). */
    public Meta withExtra(String key, JsonNode value) {
        Map<String, JsonNode> copy = new LinkedHashMap<>(extra);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value.deepCopy());
        }
        return new Meta(id, time, added, reasons, subprotocol, copy);
    }

    /** Whether the entry has any reason to be kept. */
    public boolean hasReasons() {
        return !reasons.isEmpty();
    }

    /**
     * Logux's {@code isFirstOlder}: whether {@code a} is strictly older than {@code b} by
     * {@code meta.time}, then node id, then {@code seq}, then id {@code ms} (protocol 5 semantics).
     *
     * <p>This differs from the created order ({@link ActionId#compareTo}) when clocks disagree: {@code time}
     * is the receiving node's view, shifted by each connection's time fix, so two nodes may rank the same
     * pair of actions differently by time. The log's order and the {@code olderThan}/{@code youngerThan}
     * criteria use ids, which are the same everywhere.
     */
    public static boolean isFirstOlder(Meta a, Meta b) {
        if (a == null) {
            return b != null;
        }
        if (b == null) {
            return false;
        }
        if (a.time != b.time) {
            return a.time < b.time;
        }
        int c = a.id.node().compareTo(b.id.node());
        if (c != 0) {
            return c < 0;
        }
        if (a.id.seq() != b.id.seq()) {
            return a.id.seq() < b.id.seq();
        }
        return a.id.ms() < b.id.ms();
    }
}
