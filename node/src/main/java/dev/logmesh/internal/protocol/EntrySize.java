package dev.logmesh.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.Map;

/**
 * Sizes in encoded bytes (UTF-8 JSON, as a {@code sync} frame carries them), so that limits are checked in
 * the unit the peer's frame limit counts, never in UTF-16 characters.
 *
 * <p>{@link #bound} is an upper bound of what an entry adds to a {@code sync} frame: the action's text as it
 * is written (verbatim), and the meta as the longest wire form it can take (the full id text, a 20-digit
 * time, every reason and custom key escaped). A frame of entries whose bounds sum to at most
 * {@code limit − }{@link #FRAME_OVERHEAD} is within {@code limit}. Pure functions; any thread.
 */
public final class EntrySize {
    /** Bytes of a {@code sync} frame besides its entries: {@code ["sync",<20 digits>,} and {@code ]}. */
    public static final int FRAME_OVERHEAD = 64;
    /** Bytes a meta may take besides its strings and custom values: keys, punctuation, numbers. */
    static final int META_OVERHEAD = 128;

    private EntrySize() {
    }

    /** An upper bound of the bytes this entry adds to a {@code sync} frame (with its separating commas). */
    public static long bound(Entry e) {
        return bound(e.action(), e.meta());
    }

    /** The reason a node adds to every entry it stores unless configured otherwise ({@code NodeConfig.keepReason}). */
    public static final String DEFAULT_KEEP_REASON = "mesh";

    /**
     * {@link #bound}, with the room of {@link #DEFAULT_KEEP_REASON} when the entry lacks it: the entry as a node with
     * the default keep reason stores it and sends it on. A door checks this against {@link #maxEntry}, so that
     * every node that takes the entry can pass it on: before (break36), an entry added without that reason ({@code
     * logmesh add}'s {@code "cli"} before session 51, a node built with {@code keepReason(null)}) within 9 bytes of
     * the limit reached its origin's peers, which, the reason added, could send it to no one ("takes up to ... bytes
     * in a frame, over this node's frame limit ...: not sent").
     */
    public static long boundOnAnyNode(Entry e) {
        long n = bound(e);
        return e.meta().reasons().contains(DEFAULT_KEEP_REASON) ? n : n + escaped(DEFAULT_KEEP_REASON) + 3;
    }

    /**
     * Where a run of {@code entries} from {@code from} ends (exclusive) so that one add of it carries at most
     * {@code budget} bytes ({@link #boundOnAnyNode} summed; a store's {@code writeBudget}): at most {@code to}, and
     * at least {@code from + 1} (an entry larger than the budget goes alone). {@code to} at once when the budget is
     * {@link Long#MAX_VALUE} (no sizes computed). Every path that adds a batch to a store cuts it so (a peer's or a
     * Logux client's {@code sync}, {@code logmesh add}): one transaction larger than the room its own checkpoint
     * needs could fill a small disk for good (break39, disk40).
     */
    public static int withinBudget(java.util.List<Entry> entries, int from, int to, long budget) {
        if (budget == Long.MAX_VALUE) {
            return to;
        }
        long bytes = 0;
        for (int i = from; i < to; i++) {
            bytes += boundOnAnyNode(entries.get(i));
            if (bytes > budget && i > from) {
                return i;
            }
        }
        return to;
    }

    /** As {@link #bound(Entry)}. */
    public static long bound(Action action, Meta meta) {
        long n = utf8(action.toJson()) + META_OVERHEAD + escaped(meta.id().node());
        for (String r : meta.reasons()) {
            n += escaped(r) + 3;
        }
        for (Map.Entry<String, JsonNode> x : meta.extra().entrySet()) {
            n += escaped(x.getKey()) + 4 + json(x.getValue());
        }
        return n;
    }

    /**
     * The deepest nesting of an entry's action, or of its meta with the custom values in it, that a {@code sync}
     * frame can carry: codecs accept frames nested up to {@value MessageCodec#MAX_NESTING} levels (logmesh before
     * 2026-12 refused whole frames deeper), and the frame's own array is one of them. An object or array counts
     * one level, a scalar none. {@code add} refuses a deeper entry; one received deeper is refused alone
     * ({@link Message.WireEntry#tooDeep}).
     */
    public static final int MAX_DEPTH = MessageCodec.MAX_NESTING - 1;

    /**
     * How deep this entry is nested as a {@code sync} frame carries it: the deeper of its action and its meta
     * (one level, plus its deepest custom value). Compare with {@link #MAX_DEPTH}. Pure; any thread.
     */
    public static int depth(Action action, Meta meta) {
        int d = depth(action.toJson());
        for (Map.Entry<String, JsonNode> x : meta.extra().entrySet()) {
            d = Math.max(d, 1 + depth(x.getValue()));
        }
        return Math.max(d, 1);
    }

    /**
     * The nesting depth of JSON text: 0 for a scalar, 1 for an object or array of scalars, and so on. Counts
     * brackets outside strings; the text is assumed to be JSON.
     */
    public static int depth(CharSequence json) {
        int depth = 0;
        int max = 0;
        boolean inString = false;
        for (int i = 0, len = json.length(); i < len; i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++; // the escaped character, whatever it is
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
                max = Math.max(max, depth);
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return max;
    }

    /**
     * The nesting depth of a tree, walked without writing it out: 0 for a scalar. Recursive: for trees the codec
     * read (at most {@link MessageCodec#MAX_FRAME_NESTING} levels) or a meta's custom values.
     */
    static int depth(JsonNode value) {
        if (!value.isContainerNode()) {
            return 0;
        }
        int d = 0;
        for (JsonNode child : value) { // an object's values or an array's elements
            d = Math.max(d, depth(child));
        }
        return d + 1;
    }

    /**
     * The largest entry ({@link #bound}) a node accepts with this frame limit: one entry alone in a frame.
     */
    public static long maxEntry(int maxFrameBytes) {
        return (long) maxFrameBytes - FRAME_OVERHEAD;
    }

    /**
     * An upper bound of the bytes an action id adds to a list of ids in a frame ({@code logmesh:gone},
     * {@code logmesh:graft}): its text as a JSON string (16 digits at most for each number, the node id escaped) and
     * the separating comma.
     */
    public static long bound(dev.logmesh.ActionId id) {
        return escaped(id.node()) + 16 + 1 + 16 + 1 + 1;
    }

    /**
     * Cuts a list of action ids into consecutive runs whose {@link #bound(dev.logmesh.ActionId)}s add up to at most
     * {@code budget} bytes each (an id alone over the budget is a run of its own), in order: the frames of an id list
     * ({@code logmesh:gone}, {@code logmesh:graft}) within the peer's frame limit.
     *
     * @param budget bytes for the ids of one frame (the frame limit less the frame's own overhead)
     * @return the runs, none empty; empty for no ids
     */
    public static java.util.List<java.util.List<dev.logmesh.ActionId>> split(java.util.List<dev.logmesh.ActionId> ids,
        long budget) {
        java.util.List<java.util.List<dev.logmesh.ActionId>> runs = new java.util.ArrayList<>();
        java.util.List<dev.logmesh.ActionId> run = new java.util.ArrayList<>();
        long bytes = 0;
        for (dev.logmesh.ActionId id : ids) {
            long size = bound(id);
            if (!run.isEmpty() && bytes + size > budget) {
                runs.add(run);
                run = new java.util.ArrayList<>();
                bytes = 0;
            }
            run.add(id);
            bytes += size;
        }
        if (!run.isEmpty()) {
            runs.add(run);
        }
        return runs;
    }

    /** The UTF-8 length of a string (unpaired surrogates count as the 3-byte replacement). */
    public static long utf8(CharSequence s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** An upper bound of a string's bytes as a JSON string literal (quotes and escapes included). */
    static long escaped(String s) {
        long n = 2;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x20) {
                n += 6;
            } else if (c == '"' || c == '\\') {
                n += 2;
            } else if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                n += 6; // the UTF-8 generator writes every surrogate, paired or not, as an escape: a pair is 12 bytes
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static long json(JsonNode value) {
        return MessageCodec.utf8Length(value);
    }
}
