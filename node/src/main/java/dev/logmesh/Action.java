package dev.logmesh;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;

/**
 * An action: an immutable JSON object with a non-empty string {@code type}.
 *
 * <p>The JSON is deep-copied on the way in and never handed out mutable: {@link #json()} returns a
 * copy. Two actions are equal when their JSON is equal.
 */
public final class Action {

    /** The shared mapper for action and meta JSON; thread-safe once configured. */
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final ObjectNode json;
    private final String type;
    private String text;

    private Action(ObjectNode json) {
        JsonNode t = json.get("type");
        if (t == null) {
            throw new IllegalArgumentException("action has no \"type\": " + json);
        }
        if (!t.isTextual() || t.asText().isEmpty()) {
            throw new IllegalArgumentException("action \"type\" must be a non-empty string, got " + t);
        }
        this.json = json;
        this.type = t.asText();
    }

    /**
     * Wraps a copy of a JSON node.
     *
     * @throws IllegalArgumentException if the node is not an object with a non-empty string {@code type}
     */
    public static Action of(JsonNode json) {
        Objects.requireNonNull(json, "action");
        if (!json.isObject()) {
            throw new IllegalArgumentException("action must be a JSON object, got " + json.getNodeType());
        }
        return new Action(((ObjectNode) json).deepCopy());
    }

    /**
     * Wraps a freshly decoded node without copying it: the caller hands it over and must not keep or change
     * it (codecs use this to avoid a second copy of every received action).
     *
     * @throws IllegalArgumentException as {@link #of}
     */
    public static Action adopt(ObjectNode fresh) {
        return new Action(Objects.requireNonNull(fresh, "action"));
    }

    /** An action with just a type. */
    public static Action ofType(String type) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", type);
        return new Action(n);
    }

    /**
     * Parses JSON text.
     *
     * @throws IllegalArgumentException if the text is not JSON, not an object, or has no string {@code type}
     */
    public static Action parse(String text) {
        Objects.requireNonNull(text, "action");
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("action is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("action must be a JSON object");
        }
        Action a = new Action((ObjectNode) node);
        a.text = text;
        return a;
    }

    /** The action's {@code type}. */
    public String type() {
        return type;
    }

    /** A field of the action, or {@code null}; the returned node must not be modified. */
    public JsonNode get(String field) {
        return json.get(field);
    }

    /** A mutable deep copy of the action's JSON. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Writes the action's JSON to a generator (no copy; the cached text when there is one). */
    public void writeTo(JsonGenerator gen) throws IOException {
        String t = text;
        if (t != null) {
            gen.writeRawValue(t);
        } else {
            gen.writeTree(json);
        }
    }

    /** The action as compact JSON text. */
    public String toJson() {
        String t = text;
        if (t == null) {
            t = json.toString();
            text = t;
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Action a && json.equals(a.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
