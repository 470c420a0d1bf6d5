package dev.logmesh.internal.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.log.JsonTrees;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Interner;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One meta in protocol 5's {@code sync} form (spec "sync"; {@code shared/logux-protocol.md} §10): every key but
 * {@code added}; {@code id} compressed relative to the connection's {@code baseTime} and the sender's node
 * id; {@code time} shifted by {@code baseTime} and the receiver-side time fix.
 *
 * <ul>
 *   <li>{@link IdForm#NUMBER}, the sender's own id with seq 0: {@code ms - baseTime}</li>
 *   <li>{@link IdForm#PAIR}, the sender's own id: {@code [ms - baseTime, seq]}</li>
 *   <li>{@link IdForm#TRIPLE}, another node's id: {@code [ms - baseTime, node, seq]}</li>
 *   <li>{@link IdForm#TEXT}, a full {@code "ms node seq"} string as protocol 7 peers send it (not shifted)</li>
 * </ul>
 * Ids are never corrected by the time fix: they are the same on every node.
 *
 * <p>A plain value read straight from the parser and written straight to the generator, so that a sync of
 * thousands of entries builds no JSON tree per meta. Its shape is checked when it is read; values that only
 * go out of range once unshifted are refused by {@link #toMeta}.
 *
 * @param form    how the id travels
 * @param idTime  the id's time part, shifted by {@code baseTime} (absolute for {@link IdForm#TEXT})
 * @param idNode  the id's node for {@link IdForm#TRIPLE} and {@link IdForm#TEXT}, else null (the sender's)
 * @param idSeq   the id's sequence number
 * @param time    meta time, shifted
 * @param reasons reasons, or null when the key was absent
 * @param subprotocol the meta's subprotocol, 0 when absent
 * @param extra   custom keys (never the built-in ones), in order; values must not be modified
 */
public record WireMeta(IdForm form, long idTime, String idNode, long idSeq, long time, List<String> reasons,
                       int subprotocol, Map<String, JsonNode> extra) {

    /** How an id travels in a {@code sync} meta. */
    public enum IdForm { NUMBER, PAIR, TRIPLE, TEXT }

    public WireMeta {
        Objects.requireNonNull(form, "form");
        Objects.requireNonNull(extra, "extra");
        if ((form == IdForm.TRIPLE || form == IdForm.TEXT) != (idNode != null)) {
            throw new IllegalArgumentException("an id node goes with the triple and text forms only");
        }
    }

    /**
     * The wire form of a meta sent by {@code ownNode}.
     *
     * @param timeFix this side's time fix (local clock − remote clock), 0 on the listener side
     */
    public static WireMeta toWire(Meta meta, String ownNode, long baseTime, long timeFix) {
        ActionId id = meta.id();
        long shift = id.ms() - baseTime;
        IdForm form;
        String node = null;
        if (id.node().equals(ownNode)) {
            form = id.seq() == 0 ? IdForm.NUMBER : IdForm.PAIR;
        } else {
            form = IdForm.TRIPLE;
            node = id.node();
        }
        return new WireMeta(form, shift, node, id.seq(), meta.time() - timeFix - baseTime, meta.reasons(),
            meta.subprotocol(), meta.extra());
    }

    /**
     * This meta as sent by {@code remoteNode}, in the local clock.
     *
     * @throws ProtocolError wrong-format if a value is out of range once unshifted
     */
    public Meta toMeta(String remoteNode, long baseTime, long timeFix) throws ProtocolError {
        return toMeta(remoteNode, baseTime, timeFix, 0);
    }

    /**
     * {@link #toMeta(String, long, long)} with {@code added} set to {@code added}: the number the receiving log's store
     * is expected to give it, so that the store keeps this meta rather than a copy with its number
     * ({@link Meta#withAdded} returns the meta itself when the number is right; a wrong one only costs that copy,
     * as the store assigns {@code added} and ignores the one given).
     *
     * @param added the expected {@code added}, 0 for none (an entry without reasons never gets one)
     * @throws ProtocolError wrong-format if a value is out of range once unshifted
     */
    public Meta toMeta(String remoteNode, long baseTime, long timeFix, long added) throws ProtocolError {
        try {
            ActionId id = switch (form) {
                case NUMBER -> new ActionId(Math.addExact(idTime, baseTime), remoteNode, 0);
                case PAIR -> new ActionId(Math.addExact(idTime, baseTime), remoteNode, idSeq);
                case TRIPLE -> new ActionId(Math.addExact(idTime, baseTime), idNode, idSeq);
                case TEXT -> new ActionId(idTime, idNode, idSeq);
            };
            long t = Math.addExact(Math.addExact(time, baseTime), timeFix);
            return new Meta(id, t, added, reasons == null ? List.of() : reasons, subprotocol, extra);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw ProtocolError.wrongFormat(toString(), "bad meta: " + e.getMessage());
        }
    }

    /** Whether this meta has a reason: whether a log stores its entry (and gives it an {@code added}). */
    public boolean hasReasons() {
        return reasons != null && !reasons.isEmpty();
    }

    /**
     * A meta from a JSON object in wire form, as {@link #of} reads it, then {@link #toMeta}.
     *
     * @throws ProtocolError wrong-format for a wrong shape or a value out of range
     */
    public static Meta fromWire(ObjectNode n, String remoteNode, long baseTime, long timeFix) throws ProtocolError {
        WireMeta w;
        try {
            w = of(n);
        } catch (IllegalArgumentException e) {
            throw ProtocolError.wrongFormat(n.toString(), "bad meta: " + e.getMessage());
        }
        return w.toMeta(remoteNode, baseTime, timeFix);
    }

    /**
     * Reads a wire meta from its JSON object form (its strings are not shared with a node's: for tests and
     * messages built by hand; the codec reads frames with its node's {@link Interner}).
     *
     * @throws IllegalArgumentException saying what is wrong with its shape
     */
    public static WireMeta of(JsonNode n) {
        try (JsonParser p = MessageCodec.mapper().treeAsTokens(n)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("meta must be an object");
            }
            return read(p, new Interner());
        } catch (IOException e) {
            throw new UncheckedIOException("reading a tree cannot fail", e);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads a meta object whose {@code START_OBJECT} is the parser's current token, up to and including its
     * {@code END_OBJECT}; the shape is checked as a Logux ServerNode does, and stricter where Java needs it.
     * Node ids and reasons are shared through {@code interner}, the reading node's.
     *
     * @throws IllegalArgumentException for a wrong shape
     * @throws IOException for text that is not JSON
     */
    static WireMeta read(JsonParser p, Interner interner) throws IOException {
        IdForm form = null;
        long idTime = 0;
        String idNode = null;
        long idSeq = 0;
        long time = 0;
        boolean timeSeen = false; // not a boxed Long: a meta is read for every entry received
        List<String> reasons = null;
        int subprotocol = 0;
        Map<String, JsonNode> extra = null;
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            switch (key) {
                case "id" -> {
                    idNode = null;
                    idSeq = 0;
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        form = IdForm.NUMBER;
                        idTime = integer(p, "meta id", -ActionId.MAX_SAFE);
                    } else if (t == JsonToken.VALUE_STRING) {
                        ActionId id = ActionId.parse(p.getText());
                        form = IdForm.TEXT;
                        idTime = id.ms();
                        idNode = id.node();
                        idSeq = id.seq();
                    } else if (t == JsonToken.START_ARRAY) {
                        p.nextToken();
                        idTime = integer(p, "meta id time", -ActionId.MAX_SAFE);
                        JsonToken second = p.nextToken();
                        if (second == JsonToken.VALUE_STRING) {
                            idNode = interner.intern(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                            if (idNode.isEmpty() || idNode.indexOf(' ') >= 0) {
                                throw new IllegalArgumentException("node id must be non-empty without spaces");
                            }
                            p.nextToken();
                            form = IdForm.TRIPLE;
                        } else {
                            form = IdForm.PAIR;
                        }
                        idSeq = integer(p, "meta id sequence", 0);
                        if (p.nextToken() != JsonToken.END_ARRAY) {
                            throw new IllegalArgumentException(
                                "meta id must be a number, [time, seq] or [time, node, seq]");
                        }
                    } else {
                        throw new IllegalArgumentException("meta id must be a number, [time, seq] or [time, node, seq]");
                    }
                }
                case "time" -> {
                    time = integer(p, "meta time", -ActionId.MAX_SAFE);
                    timeSeen = true;
                }
                case "reasons" -> reasons = reasons(p, t, interner);
                case "subprotocol" -> {
                    if (t == JsonToken.VALUE_NULL) {
                        subprotocol = 0;
                    } else {
                        long v = integer(p, "meta subprotocol", 0);
                        if (v > Integer.MAX_VALUE) {
                            throw new IllegalArgumentException("meta subprotocol out of range: " + v);
                        }
                        subprotocol = (int) v;
                    }
                }
                case "added" -> p.skipChildren(); // local to each log: ignored if a peer sends it
                default -> {
                    if (extra == null) {
                        extra = new LinkedHashMap<>();
                    }
                    extra.put(key, MessageCodec.readValue(p));
                }
            }
        }
        if (form == null) {
            throw new IllegalArgumentException("meta id is missing");
        }
        if (!timeSeen) {
            throw new IllegalArgumentException("meta time must be an integer");
        }
        return new WireMeta(form, idTime, idNode, idSeq, time, reasons, subprotocol,
            extra == null ? Map.of() : extra);
    }

    /** The current token as an integer in [min, MAX_SAFE] (JavaScript's safe integers). */
    static long integer(JsonParser p, String what, long min) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalArgumentException(what + " must be an integer");
        }
        long v;
        try {
            v = p.getLongValue();
        } catch (InputCoercionException e) {
            throw new IllegalArgumentException(what + " out of range: " + p.getText());
        }
        if (v < min || v > ActionId.MAX_SAFE) {
            throw new IllegalArgumentException(what + " out of range: " + v);
        }
        return v;
    }

    /**
     * Reasons: strings only, duplicates dropped; a single string is one reason. A {@code null} is refused (a
     * {@code wrong-format} answer), as @logux/core 0.10's {@code Log.add} refuses it: before (session 22) it was
     * taken as none.
     */
    private static List<String> reasons(JsonParser p, JsonToken t, Interner interner) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            throw new IllegalArgumentException("meta reasons must be an array of strings, got null");
        }
        if (t == JsonToken.VALUE_STRING) {
            return interner.single(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
        if (t != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("meta reasons must be an array of strings");
        }
        JsonToken r = p.nextToken();
        if (r == JsonToken.END_ARRAY) {
            return List.of();
        }
        if (r != JsonToken.VALUE_STRING || p.getTextLength() == 0) {
            throw new IllegalArgumentException("meta reasons must be non-empty strings");
        }
        // one reason, most entries' case: the shared list, found without making a string or a list
        List<String> first = interner.single(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        r = p.nextToken();
        if (r == JsonToken.END_ARRAY) {
            return first;
        }
        if (r != JsonToken.VALUE_STRING || p.getTextLength() == 0) {
            throw new IllegalArgumentException("meta reasons must be non-empty strings");
        }
        String second = interner.intern(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        r = p.nextToken();
        if (r == JsonToken.END_ARRAY) {
            // two reasons, a node's own and an application's: the shared pair, found without a list
            return second.equals(first.get(0)) ? first : interner.pair(first.get(0), second);
        }
        List<String> out = new ArrayList<>(3);
        out.add(first.get(0));
        if (!out.contains(second)) {
            out.add(second);
        }
        for (; r != JsonToken.END_ARRAY; r = p.nextToken()) {
            if (r != JsonToken.VALUE_STRING || p.getTextLength() == 0) {
                throw new IllegalArgumentException("meta reasons must be non-empty strings");
            }
            String s = interner.intern(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return interner.list(out); // shared: a meta keeps it without a copy
    }

    // ------------------------------------------------------------------ writing

    /** Writes this meta as a JSON object. */
    public void writeTo(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeFieldName("id");
        switch (form) {
            case NUMBER -> g.writeNumber(idTime);
            case PAIR -> {
                g.writeStartArray();
                g.writeNumber(idTime);
                g.writeNumber(idSeq);
                g.writeEndArray();
            }
            case TRIPLE -> {
                g.writeStartArray();
                g.writeNumber(idTime);
                g.writeString(idNode);
                g.writeNumber(idSeq);
                g.writeEndArray();
            }
            case TEXT -> g.writeString(idTime + " " + idNode + " " + idSeq);
        }
        g.writeNumberField("time", time);
        if (reasons != null) {
            g.writeArrayFieldStart("reasons");
            for (String r : reasons) {
                g.writeString(r);
            }
            g.writeEndArray();
        }
        if (subprotocol > 0) {
            g.writeNumberField("subprotocol", subprotocol);
        }
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
            g.writeFieldName(e.getKey());
            JsonTrees.write(g, e.getValue());
        }
        g.writeEndObject();
    }

    /** The JSON text of this meta, as it travels. */
    @Override
    public String toString() {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = MessageCodec.mapper().getFactory().createGenerator(out)) {
            writeTo(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }
}
