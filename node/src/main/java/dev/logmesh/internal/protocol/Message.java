package dev.logmesh.internal.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import java.util.List;
import java.util.Objects;

/**
 * A message of Logux protocol 5 (logux/docs {@code protocols/ws/spec.md}; notes in
 * {@code shared/logux-protocol.md} §2 and §10). Every message is a JSON array {@code [type, ...args]};
 * {@link MessageCodec} converts between the two.
 *
 * <p>{@code options}, {@code headers} and wire meta objects are Jackson nodes owned by the message: do not
 * modify them after construction.
 */
public sealed interface Message {

    /** The protocol version this node speaks. */
    int PROTOCOL = 5;

    /** The message's type, the first element of the array. */
    String type();

    /** {@code ["connect", protocol, nodeId, synced, options?]}: the dialer opens the session. */
    record Connect(int protocol, String nodeId, long synced, ObjectNode options) implements Message {
        public Connect {
            Objects.requireNonNull(nodeId, "nodeId");
        }

        @Override
        public String type() {
            return "connect";
        }
    }

    /** {@code ["connected", protocol, nodeId, [start, end], options?]}: the listener accepts. */
    record Connected(int protocol, String nodeId, long start, long end, ObjectNode options) implements Message {
        public Connected {
            Objects.requireNonNull(nodeId, "nodeId");
        }

        @Override
        public String type() {
            return "connected";
        }
    }

    /** {@code ["headers", object]}: replaces the peer's headers. */
    record Headers(ObjectNode headers) implements Message {
        public Headers {
            Objects.requireNonNull(headers, "headers");
        }

        @Override
        public String type() {
            return "headers";
        }
    }

    /**
     * {@code ["sync", added, action1, meta1, ...]}: entries in wire form, meta with compressed id and
     * shifted time (see {@link WireMeta}). A frame read by {@code SyncScanner} holds its entries as
     * {@link ScannedEntries} (columns, kept as they are: the receiving session makes each entry's meta from them);
     * any other list is copied.
     */
    record Sync(long added, List<WireEntry> entries) implements Message {
        public Sync {
            // a scanned frame's columns are immutable already: a copy would make every entry's wire form
            entries = entries instanceof ScannedEntries ? entries : List.copyOf(entries);
        }

        @Override
        public String type() {
            return "sync";
        }
    }

    /**
     * One {@code action, meta} pair of a {@link Sync}, meta still in wire form.
     *
     * @param tooDeep 0, or the entry's nesting depth ({@link EntrySize#depth(Action, dev.logmesh.Meta)}) when the
     *                codec found it deeper than {@link EntrySize#MAX_DEPTH}: the receiving session refuses that
     *                entry alone (never stores or forwards it) and goes on with the rest of the frame
     * @param beyondRange null, or where the entry holds a number beyond a double's range ({@code 1e999999}, which a
     *                JavaScript peer reads as {@code Infinity} and writes as {@code null}), as the phrase that follows
     *                an id: {@code holds the number 1e999999 at /v} (a pointer into the action), {@code holds the
     *                number 1e400 in its meta "k" at /w}; the receiving session refuses that entry alone, as one
     *                too deep
     */
    record WireEntry(Action action, WireMeta meta, int tooDeep, String beyondRange) {
        public WireEntry {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(meta, "meta");
            if (tooDeep < 0) {
                throw new IllegalArgumentException("tooDeep must be 0 or a depth, got " + tooDeep);
            }
        }

        /** A pair with no number beyond a double's range. */
        public WireEntry(Action action, WireMeta meta, int tooDeep) {
            this(action, meta, tooDeep, null);
        }

        /** A pair within the depth limit (what a node sends: {@code add} checked it). */
        public WireEntry(Action action, WireMeta meta) {
            this(action, meta, 0);
        }

        /**
         * A pair with its meta given as a JSON object in wire form.
         *
         * @throws IllegalArgumentException if the meta has the wrong shape
         */
        public WireEntry(Action action, ObjectNode meta) {
            this(action, WireMeta.of(meta));
        }
    }

    /**
     * {@code ["logmesh:ihave", added, [id, ...]]}: the sender has these entries (its log up to {@code added})
     * and sends only their ids on this link (Plumtree lazy push). Answered with {@code synced} once the
     * receiver holds every id. Sent only to peers that announced the {@code plumtree} capability.
     */
    record Ihave(long added, List<dev.logmesh.ActionId> ids) implements Message {
        public Ihave {
            ids = List.copyOf(ids);
        }

        @Override
        public String type() {
            return "logmesh:ihave";
        }
    }

    /**
     * {@code ["logmesh:graft", [id, ...]]}: please send these entries, and send payload on this link from now
     * on (Plumtree tree repair).
     */
    record Graft(List<dev.logmesh.ActionId> ids) implements Message {
        public Graft {
            ids = List.copyOf(ids);
        }

        @Override
        public String type() {
            return "logmesh:graft";
        }
    }

    /** {@code ["logmesh:prune"]}: send only ids on this link from now on (it delivered duplicates). */
    record Prune() implements Message {
        @Override
        public String type() {
            return "logmesh:prune";
        }
    }

    /**
     * {@code ["logmesh:range", fromMs, payload]}: one message of a set reconciliation round over the ids both
     * sides hold or have seen with a time part of at least {@code fromMs} (Negentropy protocol v1; the
     * payload is its binary message in base64). Sent only to peers that announced the {@code reconcile}
     * capability.
     */
    record Range(long fromMs, String payload) implements Message {
        @Override
        public String type() {
            return "logmesh:range";
        }
    }

    /**
     * {@code ["logmesh:want", [key, ...]]}: please send the entries of these reconciliation items (keys the
     * sender learned in a round, {@code "<min ms>:<max ms>:<hex of the 32-byte item id>"}); answered with {@code sync} numbered 0, and
     * {@code logmesh:gone} for items the answering node has seen but no longer holds.
     */
    record Want(List<String> keys) implements Message {
        public Want {
            keys = List.copyOf(keys);
        }

        @Override
        public String type() {
            return "logmesh:want";
        }
    }

    /**
     * {@code ["logmesh:gone", [id, ...]]}: these wanted ids were seen here but cleaned from the log, so they
     * cannot be sent; the receiver counts them as known in its rounds with the sender (only: another peer may hold
     * them) and stops wanting them from it.
     */
    record Gone(List<dev.logmesh.ActionId> ids) implements Message {
        public Gone {
            ids = List.copyOf(ids);
        }

        @Override
        public String type() {
            return "logmesh:gone";
        }
    }

    /**
     * {@code ["logmesh:hpv", {...}]}: a message of the bounded-degree overlay (HyParView membership: join,
     * neighbour requests, shuffles; the object's shapes are those of {@code internal.overlay.HpvMessage}, which
     * checks them). Sent only to peers that announced the {@code hpv} capability. [overlay hook]
     */
    record Hpv(ObjectNode body) implements Message {
        public Hpv {
            Objects.requireNonNull(body, "body");
        }

        @Override
        public String type() {
            return "logmesh:hpv";
        }
    }

    /**
     * {@code ["logmesh:presence", {...}]}: one node's presence record (its id, log size, rates and links),
     * originated every few seconds and forwarded with a hop limit (the shape is checked by
     * {@code internal.mesh.Presence}). Not an action: it is never written to a log. Sent only to peers that
     * announced the {@code presence} capability.
     */
    record Presence(ObjectNode body) implements Message {
        public Presence {
            Objects.requireNonNull(body, "body");
        }

        @Override
        public String type() {
            return "logmesh:presence";
        }
    }

    /** {@code ["synced", added]}: every entry of the peer's sync up to {@code added} was processed. */
    record Synced(long added) implements Message {
        @Override
        public String type() {
            return "synced";
        }
    }

    /**
     * {@code ["ping", synced]}: keep-alive; asks for a pong. Between logmesh nodes that announced the
     * {@code time} capability it may carry a third element, the mesh's clock sample {@code {"t": ...}} (see
     * {@code ClockSync}); {@code options} is that object, or null.
     */
    record Ping(long synced, ObjectNode options) implements Message {
        public Ping(long synced) {
            this(synced, null);
        }

        @Override
        public String type() {
            return "ping";
        }
    }

    /** {@code ["pong", synced]}: the answer to a ping; {@code options} as for {@link Ping}, or null. */
    record Pong(long synced, ObjectNode options) implements Message {
        public Pong(long synced) {
            this(synced, null);
        }

        @Override
        public String type() {
            return "pong";
        }
    }

    /** {@code ["error", errorType, options?]}; {@code options} is any JSON value or null. */
    // Named after its wire message like every record here, and always written Message.Error outside this file.
    @SuppressWarnings("JavaLangClash")
    record Error(String errorType, com.fasterxml.jackson.databind.JsonNode options) implements Message {
        public Error {
            Objects.requireNonNull(errorType, "errorType");
        }

        @Override
        public String type() {
            return "error";
        }
    }

    /** {@code ["debug", "error", text]}: a diagnostic from the peer. */
    record Debug(String debugType, String text) implements Message {
        public Debug {
            Objects.requireNonNull(debugType, "debugType");
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String type() {
            return "debug";
        }
    }
}
