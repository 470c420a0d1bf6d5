package dev.logmesh;

import java.util.Objects;

/**
 * An action id in Logux protocol 5 form: {@code "<ms> <nodeId> <seq>"}, for example
 * {@code 1564508138460 380:R7BNGAP5:px3-J3oc 0}.
 *
 * <p>Ids are stamped once, at the node that created the action, and never rewritten. Their natural
 * order is the log's <em>created</em> order, the same on every node: {@code ms} numerically, then the
 * node id (by UTF-16 code units, as JavaScript compares strings), then {@code seq} numerically. Unlike
 * old Logux code, {@code seq} 10 sorts after {@code seq} 9.
 *
 * @param ms   the time part: milliseconds from a hybrid logical clock at the origin, {@code >= 0}
 * @param node the id of the node that created the action: non-empty, without spaces
 * @param seq  a counter that separates actions created in the same millisecond, {@code >= 0}
 */
public record ActionId(long ms, String node, long seq) implements Comparable<ActionId> {

    /** The largest {@code ms} or {@code seq} accepted: JavaScript's {@code Number.MAX_SAFE_INTEGER}. */
    public static final long MAX_SAFE = 9_007_199_254_740_991L;

    public ActionId {
        Objects.requireNonNull(node, "node");
        requireNodeId(node);
        if (ms < 0 || ms > MAX_SAFE) {
            throw new IllegalArgumentException("id time part out of range: " + ms);
        }
        if (seq < 0 || seq > MAX_SAFE) {
            throw new IllegalArgumentException("id sequence out of range: " + seq);
        }
    }

    /** Builds an id; same as the constructor. */
    public static ActionId of(long ms, String node, long seq) {
        return new ActionId(ms, node, seq);
    }

    /**
     * Parses {@code "<ms> <nodeId> <seq>"}.
     *
     * @throws IllegalArgumentException if the text is not of that form, saying what is wrong
     */
    public static ActionId parse(String text) {
        Objects.requireNonNull(text, "id");
        int first = text.indexOf(' ');
        int last = text.lastIndexOf(' ');
        if (first <= 0 || last == first || last == text.length() - 1) {
            throw new IllegalArgumentException("id must be \"<ms> <nodeId> <seq>\", got \"" + text + "\"");
        }
        long ms = parseNumber(text.substring(0, first), "time part", text);
        long seq = parseNumber(text.substring(last + 1), "sequence", text);
        return new ActionId(ms, text.substring(first + 1, last), seq);
    }

    /**
     * Checks that a node id is usable in ids: non-empty and without spaces.
     *
     * @throws IllegalArgumentException if it is not
     */
    public static String requireNodeId(String node) {
        if (node == null || node.isEmpty()) {
            throw new IllegalArgumentException("node id must not be empty");
        }
        if (node.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("node id must not contain spaces: \"" + node + "\"");
        }
        return node;
    }

    private static long parseNumber(String part, String what, String whole) {
        if (part.isEmpty() || part.length() > 16) {
            throw new IllegalArgumentException("id " + what + " is not a number in \"" + whole + "\"");
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("id " + what + " is not a number in \"" + whole + "\"");
            }
        }
        return Long.parseLong(part);
    }

    /** Created order: {@code ms}, then node id, then {@code seq}. Consistent with {@link #equals}. */
    @Override
    @SuppressWarnings("ReferenceEquality") // "node != o.node": a shortcut before the compare, never the answer itself
    public int compareTo(ActionId o) {
        int c = Long.compare(ms, o.ms);
        if (c != 0) {
            return c;
        }
        // node ids are shared strings (the codec interns them): the same instance needs no character compare
        if (node != o.node) {
            c = node.compareTo(o.node);
            if (c != 0) {
                return c;
            }
        }
        return Long.compare(seq, o.seq);
    }

    /**
     * Same components as the record's generated {@code equals}; written out because the generated one goes through
     * method handles, which are slow until the JIT has compiled them, and ids are compared on every add (the seen
     * index) from a node's first second.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof ActionId other && ms == other.ms && seq == other.seq && node.equals(other.node);
    }

    /**
     * The record's hash (31 × the hash of the components in order, as {@code java.lang.runtime.ObjectMethods} makes
     * it), written out for the reason given at {@link #equals}; the same value, so hashed collections keep their
     * iteration order.
     */
    @Override
    public int hashCode() {
        return (Long.hashCode(ms) * 31 + node.hashCode()) * 31 + Long.hashCode(seq);
    }

    /** Whether this id sorts strictly before {@code other} in created order. */
    public boolean isBefore(ActionId other) {
        return compareTo(other) < 0;
    }

    /** The wire and storage form {@code "<ms> <nodeId> <seq>"}. */
    @Override
    @SuppressWarnings("UnnecessaryStringBuilder") // equivalent once compiled, not before: see the comment below
    public String toString() {
        // a builder, not "+": string concatenation bootstraps method handles that run slowly until compiled, and a
        // catch-up makes this text for every entry (reconciliation's hash, the CLI's line) from the first second
        return new StringBuilder(node.length() + 24).append(ms).append(' ').append(node).append(' ').append(seq)
            .toString();
    }
}
