package dev.logmesh.internal.log;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Meta to and from its JSON object form ({@code {"id":"1 a 0","time":1,"added":1,"reasons":["r"],...}}),
 * as the CLI prints it and the stores keep it. The wire form of protocol 5 is the codec's business.
 */
public final class MetaJson {
    /**
     * The mapper behind {@link #reader()} and {@link #writer()} (private, so nobody reconfigures it), made the
     * first time one of them is asked for: a holder class, so building and printing metas makes no mapper
     * (start-up: docs/performance.md). Numbers exactly as written, as an action's (Action's tree): no double in
     * between.
     */
    private static final class Mapper {
        static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
        static final ObjectReader READER = MAPPER.reader();
        static final ObjectWriter WRITER = MAPPER.writer();
    }

    private MetaJson() {
    }

    /** Reads JSON text as trees ({@code readTree}); immutable and thread-safe. */
    public static ObjectReader reader() {
        return Mapper.READER;
    }

    /** Writes values as compact JSON text; immutable and thread-safe. */
    public static ObjectWriter writer() {
        return Mapper.WRITER;
    }

    /** The JSON object form of a meta, with every field (subprotocol only when set). */
    public static ObjectNode toJson(Meta meta) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("id", meta.id().toString());
        n.put("time", meta.time());
        n.put("added", meta.added());
        putMutable(n, meta);
        return n;
    }

    /** Puts the fields that travel as they are in every form: reasons, subprotocol (when set), custom keys. */
    public static void putMutable(ObjectNode n, Meta meta) {
        ArrayNode rs = n.putArray("reasons");
        meta.reasons().forEach(rs::add);
        if (meta.subprotocol() > 0) {
            n.put("subprotocol", meta.subprotocol());
        }
        meta.extra().forEach(n::set);
    }

    /**
     * {@code [action, meta]} as one line of JSON text: the action's text as it is kept (exact; a line break in it,
     * JSON whitespace, becomes a space), then the meta's {@link #toJson(Meta)}.
     */
    public static String line(Entry entry) {
        return "[" + oneLine(entry.action().toJson()) + "," + toJson(entry.meta()) + "]";
    }

    /**
     * JSON text on one line: CR and LF are whitespace between tokens (inside a string JSON has them escaped), so
     * each becomes a space; the value and every number stay as written.
     */
    public static String oneLine(String json) {
        return json.indexOf('\n') < 0 && json.indexOf('\r') < 0 ? json : json.replace('\n', ' ').replace('\r', ' ');
    }

    /** {@code [action, meta]} as a JSON array. */
    public static ArrayNode toJson(Entry entry) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        a.add(entry.action().json());
        a.add(toJson(entry.meta()));
        return a;
    }

    /**
     * A complete meta from its JSON object form: {@code id} and {@code time} required.
     *
     * @throws IllegalArgumentException saying which field is wrong
     */
    public static Meta fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("meta must be a JSON object");
        }
        JsonNode id = n.get("id");
        if (id == null || !id.isTextual()) {
            throw new IllegalArgumentException("meta id must be a string \"<ms> <nodeId> <seq>\"");
        }
        JsonNode time = n.get("time");
        if (time == null || !time.isIntegralNumber() || !time.canConvertToLong()) {
            throw new IllegalArgumentException("meta time must be an integer");
        }
        JsonNode added = n.get("added");
        long addedValue = 0;
        if (added != null && !added.isNull()) {
            if (!added.isIntegralNumber() || !added.canConvertToLong()) {
                throw new IllegalArgumentException("meta added must be an integer");
            }
            addedValue = added.asLong();
        }
        return new Meta(ActionId.parse(id.asText()), time.asLong(), addedValue, reasons(n.get("reasons")),
            subprotocol(n.get("subprotocol")), extra(n));
    }

    /**
     * A new local entry from an action and an optional partial meta, as given by a user: {@code id} and
     * {@code time} taken if present (else a fresh id and its time), {@code reasons} if present (else
     * {@code defaultReasons}), {@code subprotocol} and custom keys. {@code added} is refused, and so is a number
     * beyond a double's range anywhere in it ({@code 1e999999}, as {@code Action.parse} refuses it in an action).
     *
     * @throws IllegalArgumentException saying which field is wrong
     */
    public static Entry draft(Log log, Action action, JsonNode partial, List<String> defaultReasons) {
        if (partial == null || partial.isNull()) {
            return log.create(action, defaultReasons);
        }
        if (!partial.isObject()) {
            throw new IllegalArgumentException("meta must be a JSON object");
        }
        // as MeshNode.add checks it: `logmesh add` drafts without a node (before, break34, it stored 1E+999999)
        ActionJsonChecks.requireJson(partial, "meta");
        if (partial.has("added")) {
            throw new IllegalArgumentException("meta added is assigned by the log and cannot be given");
        }
        ActionId id;
        JsonNode idNode = partial.get("id");
        if (idNode == null) {
            id = log.generateId();
        } else if (idNode.isTextual()) {
            id = ActionId.parse(idNode.asText());
        } else {
            throw new IllegalArgumentException("meta id must be a string \"<ms> <nodeId> <seq>\"");
        }
        long time = id.ms();
        JsonNode timeNode = partial.get("time");
        if (timeNode != null) {
            if (!timeNode.isIntegralNumber() || !timeNode.canConvertToLong()) {
                throw new IllegalArgumentException("meta time must be an integer");
            }
            time = timeNode.asLong();
        }
        List<String> reasons = partial.has("reasons") ? reasons(partial.get("reasons")) : defaultReasons;
        return new Entry(action, new Meta(id, time, 0, reasons, subprotocol(partial.get("subprotocol")),
            extra(partial)));
    }

    /**
     * A reasons array: strings only; a single string is accepted as one reason. An absent key ({@code v} null) is
     * none; a JSON {@code null} is refused, as @logux/core 0.10's {@code Log.add} refuses it ("Expected "reasons" to
     * be an array of strings"): before (session 22) it was taken as none, so an entry given {@code "reasons":null}
     * was cleaned at once, or kept only by the node's own reason, and a {@code changeMeta} with it removed the entry.
     */
    public static List<String> reasons(JsonNode v) {
        if (v == null) {
            return List.of();
        }
        if (v.isNull()) {
            throw new IllegalArgumentException("meta reasons must be an array of strings, got null (leave the key "
                + "out, or give [], for no reasons)");
        }
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException("meta reasons must be an array of strings");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode r : v) {
            if (!r.isTextual() || r.asText().isEmpty()) {
                throw new IllegalArgumentException("meta reasons must be non-empty strings, got " + r);
            }
            if (!out.contains(r.asText())) {
                out.add(r.asText());
            }
        }
        return out;
    }

    private static int subprotocol(JsonNode v) {
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
            throw new IllegalArgumentException("meta subprotocol must be a non-negative integer");
        }
        return v.asInt();
    }

    /** The custom keys of a meta object, deep-copied: everything but the built-in fields. */
    public static Map<String, JsonNode> extra(JsonNode n) {
        return extra(n, true);
    }

    /**
     * The custom keys of a meta object: everything but the built-in fields.
     *
     * @param copy false to take the values as they are, for a node nobody else holds (fresh from a parser)
     */
    public static Map<String, JsonNode> extra(JsonNode n, boolean copy) {
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : n.properties()) {
            if (!Meta.BUILT_IN.contains(f.getKey())) {
                extra.put(f.getKey(), copy ? f.getValue().deepCopy() : f.getValue());
            }
        }
        return extra;
    }
}
