package dev.logmesh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * An action: an immutable JSON object with a non-empty string {@code type}.
 *
 * <p>The JSON is deep-copied on the way in and never handed out mutable: {@link #json()} returns a
 * copy. Two actions are equal when their JSON is equal.
 *
 * <p>Numbers are kept exactly: the text as it was parsed goes to the wire, the stores and printed lines; the tree
 * ({@link #get}, {@link #json}) holds floating-point numbers as {@code BigDecimal}s, never as {@code double}s
 * (so {@code 0.1000000000000000055511151231257827} and {@code 1e-400} stay what they are). A JavaScript peer reads
 * them with {@code JSON.parse}, as doubles: that is its reading, the action's text is unchanged. A number beyond a
 * double's range ({@code 1e400}) is refused by {@link #parse} and {@link #of}: JavaScript reads it as {@code Infinity}
 * and writes it as {@code null}, another value, so a JavaScript node would hold and relay another action. For the
 * same reason {@link #of} refuses a non-finite {@code double} in a tree ({@code Infinity}, which a default {@code
 * ObjectMapper} makes of {@code 1e999999}, and {@code NaN}): both paths take the same actions.
 *
 * <p>An action made from text ({@link #parse}, which is how the stores and the codec make them) keeps only its
 * text and type: a log mostly stores and forwards actions, and a string is one object where a tree is a dozen.
 * The tree is built the first time a field is asked for ({@link #get}, {@link #json}), then kept.
 *
 * <p>A value type: it depends on Jackson and nothing else of logmesh. The codec reads actions out of a
 * {@code sync} frame in one streaming pass and hands over each one's checked text and its type (shared per node)
 * through {@link #ofChecked}, which is package-private and reached only by the codec's documented access bridge
 * ({@code dev.logmesh.internal.protocol.CheckedActions}); an application has {@link #parse} and {@link #of}.
 */
public final class Action {

    /** Checks action text in a streaming pass ({@link #parse}): Jackson's core, no mapper. */
    private static final JsonFactory FACTORY = new JsonFactory();

    /**
     * This class's own mapper, never handed out (thread-safe, never reconfigured), made the first time a tree is
     * needed: a holder class, so that making an action from text makes no mapper (start-up: README,
     * "Performance"). Numbers keep every digit in the tree ({@code BigDecimal}, trailing zeros kept): an action's
     * numbers never go through a {@code double}.
     */
    private static final class Mapper {
        static final ObjectMapper MAPPER = exact(new ObjectMapper());
    }

    /**
     * Configures a mapper so that trees it reads hold numbers exactly: floating-point ones as {@code BigDecimal}
     * with their trailing zeros (integers are exact already); returns {@code mapper}. The node's other mappers
     * that read custom meta values ({@code MetaJson}, the codec) are configured the same way.
     */
    private static ObjectMapper exact(ObjectMapper mapper) {
        return mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }

    /**
     * The {@code type}; null only for an action from stored text ({@link #ofStored}) until it is first asked for.
     * Racy single-check: every thread that computes it computes the same (immutable) string.
     */
    private String type;
    /** The compact JSON text, when known; computed once from the tree otherwise. */
    private volatile String text;
    /** The tree, when built; parsed once from the text otherwise. Never handed out. */
    private volatile ObjectNode json;

    private Action(ObjectNode json) {
        this.json = json;
        this.type = checkType(json);
    }

    /** The most chars of an action's text that an exception message quotes ({@link #excerpt}). */
    static final int EXCERPT_CHARS = 200;

    /**
     * The start of an action's text for an exception message: the text itself up to {@value #EXCERPT_CHARS} chars,
     * else its first ones (a surrogate pair is not cut) and its length, "… (1048576 chars)". An action may be as large
     * as a frame (100 MiB from a Logux client): quoted whole, one bad action made a log line, and a message to the
     * peer, of that size. Pure.
     */
    static String excerpt(String text) {
        if (text.length() <= EXCERPT_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(EXCERPT_CHARS - 1)) ? EXCERPT_CHARS - 1 : EXCERPT_CHARS;
        return text.substring(0, end) + "… (" + text.length() + " chars)";
    }

    /** The {@code type} of an action tree, checked: a non-empty string. */
    private static String checkType(ObjectNode json) {
        JsonNode t = json.get("type");
        if (t == null) {
            throw new IllegalArgumentException("action has no \"type\": " + excerpt(json.toString()));
        }
        if (!t.isTextual() || t.asText().isEmpty()) {
            throw new IllegalArgumentException("action \"type\" must be a non-empty string, got " + t);
        }
        return t.asText();
    }

    private Action(String text, String type) {
        this.text = text;
        this.type = type;
    }

    /**
     * The action a JSON node writes: its compact JSON text, checked as {@link #parse} checks text. An action is its
     * text (what the log stores and every peer reads), so a tree that writes text no reader takes is refused here,
     * at the call, and not later by a peer's codec or the store's read: a number of more than 1000 digits, nesting
     * deeper than 1000, and the other limits of Jackson's {@code StreamReadConstraints}. A non-finite double ({@code
     * Infinity}, {@code NaN}) is refused: JSON has no such number, and a default {@code ObjectMapper} makes {@code
     * Infinity} of the text {@code 1e999999}, which {@link #parse} refuses (before, embed35, it was written as the
     * string {@code "Infinity"}, as Jackson writes it, and the action held a string where its text had a number).
     * The node is not kept: later
     * changes to it do not change the action, and its fields are read back from the text (numbers exactly, as
     * {@link #get} says).
     *
     * @throws IllegalArgumentException if the node is not an object with a non-empty string {@code type}, holds a
     *     Java object ({@code putPOJO}: convert it with {@code ObjectMapper.valueToTree}), a number beyond a double's
     *     range (as {@link #parse}) or a non-finite double, or its text could not be read back
     */
    public static Action of(JsonNode json) {
        Objects.requireNonNull(json, "action");
        if (!json.isObject()) {
            throw new IllegalArgumentException("action must be a JSON object, got " + json.getNodeType());
        }
        checkType((ObjectNode) json);
        requireJson(json, "action");
        try {
            // Jackson's writer limits (nesting) throw a RuntimeException
            String text = escapeUnpairedSurrogates(json.toString());
            return new Action(text, check(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("action does not make JSON text that nodes read back (" + e.getMessage()
                + "): no node or peer would take it", e);
        }
    }

    /**
     * Throws {@link IllegalArgumentException} if {@code tree} holds a Java object ({@link POJONode}, as {@code
     * putPOJO} and {@code putRawValue} make) anywhere: not a JSON value but whatever Jackson's internal mapper makes
     * of it when the tree is written, and a node and its peers read the text, not the object. Before (session 29),
     * {@code Action.of} took one: a plain {@code Object} became the string {@code "[ERROR: (...)
     * InvalidDefinitionException) No serializer found for class java.lang.Object ...]"} in the action, a {@code
     * Thread} 6 KB of its getters; in a meta the add failed with a bare {@code RuntimeException} on the loop and
     * {@code changeMeta} with {@code IllegalStateException: JSON nodes always serialize} ({@code NonJsonValueTest}).
     * Also refuses a number beyond a double's range ({@link #requireDoubleRange}) and a non-finite {@code double}
     * ({@link #nonFinite}), naming its JSON pointer, as {@link #parse} refuses such numbers in text.
     *
     * @param what what the tree is, for the message ({@code action}, {@code meta}, {@code meta "k"})
     */
    static void requireJson(JsonNode tree, String what) {
        java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>();
        todo.push(tree);
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (n instanceof POJONode pojo) {
                Object value = pojo.getPojo();
                throw new IllegalArgumentException(what + " holds a Java object ("
                    + (value == null ? "null" : value.getClass().getName()) + ", a POJONode), not a JSON value: "
                    + "convert it to JSON first (ObjectMapper.valueToTree), so that every node reads the same JSON");
            }
            if (n.isContainerNode()) {
                n.elements().forEachRemaining(todo::push);
            } else if (n.isBigDecimal() || n.isBigInteger()) {
                if (beyondDoubleRange(n.asText())) {
                    requireDoubleRange(n.asText(), what, pointerTo(tree, n));
                }
            } else if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
                throw new IllegalArgumentException(nonFinite(n.doubleValue(), what, pointerTo(tree, n)));
            }
        }
    }

    /**
     * The message for a non-finite {@code double} ({@code Infinity}, {@code -Infinity}, {@code NaN}) in a tree given
     * as an action or a meta value: JSON has no such number. A default {@code ObjectMapper} reads a number beyond a
     * double's range ({@code 1e999999}) as {@code Infinity}, and Jackson writes a non-finite double as a string
     * ({@code "Infinity"}), so before (embed35) {@link #of} and a meta took that text, which {@link #parse} refuses,
     * and stored the string "Infinity" in place of the number. The tree path now refuses what the text path refuses
     * ({@code ActionNumberRangeTest}). Pure.
     */
    static String nonFinite(double value, String what, String where) {
        return what + " holds the double " + value + (where.isEmpty() ? "" : " at " + where) + ", which JSON has no "
            + "number for (a default ObjectMapper reads a number beyond a double's range, such as 1e999999, as Infinity; "
            + "Jackson would write it as the string \"" + value + "\" and JavaScript as null, and Action.parse refuses "
            + "such text); write it as a string, or as a finite number";
    }

    /**
     * The JSON pointer of {@code target} (by identity) in {@code root}, "" for the root itself or a node not found;
     * for an error message only (a walk of the tree).
     */
    @SuppressWarnings("ReferenceEquality") // the very node the walk found, not an equal one elsewhere in the tree
    private static String pointerTo(JsonNode root, JsonNode target) {
        if (root == target) {
            return "";
        }
        java.util.ArrayDeque<java.util.Map.Entry<JsonNode, String>> todo = new java.util.ArrayDeque<>();
        todo.push(java.util.Map.entry(root, ""));
        while (!todo.isEmpty()) {
            java.util.Map.Entry<JsonNode, String> at = todo.pop();
            JsonNode n = at.getKey();
            if (n.isObject()) {
                for (java.util.Map.Entry<String, JsonNode> f : n.properties()) {
                    String p = at.getValue() + "/" + f.getKey().replace("~", "~0").replace("/", "~1");
                    if (f.getValue() == target) {
                        return p;
                    }
                    todo.push(java.util.Map.entry(f.getValue(), p));
                }
            } else if (n.isArray()) {
                for (int i = 0; i < n.size(); i++) {
                    String p = at.getValue() + "/" + i;
                    if (n.get(i) == target) {
                        return p;
                    }
                    todo.push(java.util.Map.entry(n.get(i), p));
                }
            }
        }
        return "";
    }

    /** An action with just a type. */
    public static Action ofType(String type) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", type);
        return new Action(n);
    }

    /**
     * Parses JSON text. The text is checked in one streaming pass and kept as it is; no tree is built until
     * a field is asked for.
     *
     * @throws IllegalArgumentException if the text is not JSON, not an object, has no string {@code type}, or holds
     *     a number beyond a double's range ({@code 1e400}: JavaScript peers would read {@code Infinity} and write
     *     {@code null}; the message names where it is)
     */
    public static Action parse(String text) {
        Objects.requireNonNull(text, "action");
        String t = escapeUnpairedSurrogates(text);
        return new Action(t, check(t));
    }

    /**
     * {@code text} with each unpaired surrogate (a {@code char} in U+D800..U+DFFF that is not half of a pair, such as
     * an emoji cut in half by {@code substring}) written as its JSON escape, a backslash, {@code u} and four hex
     * digits; {@code text} itself when it has none. Such a string has no UTF-8 form: a store or a frame would write
     * it as {@code ?}, or refuse it, and the action would change, or stop the sync of everything after it. In JSON
     * text a raw surrogate can only stand inside a string (a key or a value), where its escape is the same string
     * (RFC 8259, section 7; JSON.parse and Jackson read it back as that {@code char}): the action means the same.
     */
    private static String escapeUnpairedSurrogates(String text) {
        StringBuilder out = null;
        int from = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: UTF-8 has its code point
                continue;
            }
            int slashes = 0;
            while (i - slashes > 0 && text.charAt(i - slashes - 1) == '\\') {
                slashes++;
            }
            if (slashes % 2 == 1) {
                continue; // an escape of it (not JSON): left as it is, for check to refuse, not made a valid string
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16);
            }
            out.append(text, from, i).append("\\u").append(Integer.toHexString(c));
            from = i + 1;
        }
        return out == null ? text : out.append(text, from, text.length()).toString();
    }

    /**
     * Checks action text in one streaming pass and returns its (last) {@code type}.
     *
     * @throws IllegalArgumentException as {@link #parse}
     */
    private static String check(String text) {
        return check(text, true);
    }

    /**
     * {@link #check(String)}, refusing a number beyond a double's range only if {@code refuseRange}: a stored action
     * asked for its type ({@link #type}) may hold one, stored by a logmesh of session 34 or before, and is what it is.
     */
    private static String check(String text, boolean refuseRange) {
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                // read on, so that text that is not JSON says so rather than "not an object"
                while (p.nextToken() != null) {
                    p.skipChildren();
                }
                throw new IllegalArgumentException("action must be a JSON object");
            }
            String type = null;
            boolean typeSeen = false;
            for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                if ("type".equals(key)) {
                    // the last one counts, as with JSON.parse
                    typeSeen = true;
                    type = t == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                if (refuseRange) {
                    checkNumbers(p, t);
                } else {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new JsonParseException(p, "the text ends inside an action");
            }
            if (!typeSeen) {
                throw new IllegalArgumentException("action has no \"type\": " + excerpt(text));
            }
            if (type == null || type.isEmpty()) {
                throw new IllegalArgumentException("action \"type\" must be a non-empty string: " + excerpt(text));
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("action is not valid JSON: content after the object");
            }
            return type;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("action is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading a string cannot fail", e);
        }
    }

    /**
     * Reads the value whose first token is {@code first} to its end, refusing a number beyond a double's range
     * ({@link #requireDoubleRange}). Reads every token of it, as {@code skipChildren} does.
     */
    private static void checkNumbers(JsonParser p, JsonToken first) throws IOException {
        int depth = 0;
        for (JsonToken t = first; ; t = p.nextToken()) {
            if (t == null) {
                throw new JsonParseException(p, "the text ends inside an action");
            }
            if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                String number = p.getText();
                if (beyondDoubleRange(number)) { // the pointer only then: an object per number otherwise
                    requireDoubleRange(number, "action", p.getParsingContext().pathAsPointer().toString());
                }
            } else if (t.isStructStart()) {
                depth++;
            } else if (t.isStructEnd()) {
                depth--;
            }
            if (depth == 0) {
                return;
            }
        }
    }

    /**
     * Throws {@link IllegalArgumentException} if the JSON number {@code number} is beyond the range of a double (its
     * magnitude rounds to infinity: {@code 1e400}, {@code -1e999999}, an integer of 309 digits or more). A JavaScript
     * peer (a Logux node, server or client) reads such a number with {@code JSON.parse} as {@code Infinity} and writes
     * it as {@code null}: the action it holds, and relays under the same id, is another action than this node's, and
     * the nodes of one mesh would show different values for good. Before (session 34), {@code Action.parse} kept
     * {@code 1e999999} as a huge decimal ({@code ActionNumberRangeTest}). A number too small for a double
     * ({@code 1e-400}) and one with more digits than a double holds are kept: JavaScript reads them as a near number
     * (0, the nearest double), not as another kind of value. Pure.
     *
     * @param what  what holds it, for the message ({@code action}, {@code meta "k"})
     * @param where its JSON pointer in that value ({@code /v}, {@code /list/2}), or "" for the value itself
     */
    static void requireDoubleRange(String number, String what, String where) {
        if (beyondDoubleRange(number)) {
            throw new IllegalArgumentException(what + " holds the number " + excerpt(number)
                + (where.isEmpty() ? "" : " at " + where) + ", beyond the range of a double (about ±1.8e308): a "
                + "JavaScript peer (Logux) reads it as Infinity and writes it as null, so nodes would hold different "
                + "values under one id; write it as a string, or as a smaller number");
        }
    }

    /** Whether the JSON number {@code number} rounds to infinity as a double ({@link #requireDoubleRange}). Pure. */
    static boolean beyondDoubleRange(String number) {
        // a quick pass for the usual short number: at most 300 digits and no exponent is within range
        if (number.length() <= 300 && number.indexOf('e') < 0 && number.indexOf('E') < 0) {
            return false;
        }
        return Double.isInfinite(Double.parseDouble(number));
    }

    /**
     * An action from text that its caller has already checked in a streaming pass (a JSON object whose last
     * {@code type} key is the non-empty string {@code type}), without checking it again. Package-private: the
     * only caller outside this package is the codec, through its access bridge
     * ({@code dev.logmesh.internal.protocol.CheckedActions}, a private method-handle lookup), so that a frame
     * of thousands of actions is read in one pass and each action's type is the node's shared string.
     */
    static Action ofChecked(String text, String type) {
        return new Action(text, type);
    }

    /**
     * An action from text that was checked before it was stored (by {@link #parse} or the codec) and that its store
     * verified again on reading (a row checksum), without tokenizing it: its type is read the first time it is asked
     * for. A catch-up reads thousands of stored actions to write their text into {@code sync} frames, and most of
     * them are never asked for their type on the sending node. Package-private, reached by the stores' access
     * bridge ({@code dev.logmesh.internal.store.StoredActions}), as {@link #ofChecked} is by the codec's.
     */
    static Action ofStored(String text) {
        return new Action(text, null);
    }

    /**
     * An action from stored text that is checked here as {@link #parse} checks text, but for a number beyond a double's
     * range: a logmesh of session 34 or before stored such actions, and a store reads them back as they are (before
     * embed36, a row without checksum or one upgraded from a version-1 file was taken as corrupt for it and
     * quarantined: out of the log). Package-private, reached by the stores' access bridge ({@code StoredActions}).
     *
     * @throws IllegalArgumentException if the text is not a JSON object with a non-empty string {@code type}
     */
    static Action parseStored(String text) {
        String t = escapeUnpairedSurrogates(text);
        return new Action(t, check(t, false));
    }

    /** The tree, parsed from the text the first time it is needed. */
    private ObjectNode tree() {
        ObjectNode t = json;
        if (t == null) {
            try {
                t = (ObjectNode) Mapper.MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("an action's checked text does not parse: " + excerpt(text), e);
            }
            json = t;
        }
        return t;
    }

    /**
     * The action's {@code type}.
     *
     * @throws IllegalStateException only for an action read from a store whose stored text no longer parses,
     *     which the store's row checksum rules out (it would take a damaged row with a matching CRC-32C)
     */
    public String type() {
        String t = type;
        if (t == null) {
            try {
                // a number beyond a double's range is not refused here: a logmesh of session 34 or before stored it
                // (before embed36, such an entry's type() threw, and every subscriber and state skipped it)
                t = check(text, false);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("a stored action's checked text does not parse: " + excerpt(text), e);
            }
            type = t;
        }
        return t;
    }

    /** A field of the action, or {@code null}; the returned node must not be modified. */
    public JsonNode get(String field) {
        return tree().get(field);
    }

    /** A mutable deep copy of the action's JSON. */
    public ObjectNode json() {
        return tree().deepCopy();
    }

    /** Writes the action's JSON to a generator (no copy; the cached text when there is one). */
    public void writeTo(JsonGenerator gen) throws IOException {
        String t = text;
        if (t != null) {
            gen.writeRawValue(t);
        } else {
            gen.writeTree(tree());
        }
    }

    /** The action as JSON text: as it was parsed, or compact for an action made from a tree. */
    public String toJson() {
        String t = text;
        if (t == null) {
            t = escapeUnpairedSurrogates(tree().toString());
            text = t;
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Action a) || !type().equals(a.type())) {
            return false;
        }
        String t = text;
        if (t != null && t.equals(a.text)) {
            return true;
        }
        return tree().equals(a.tree());
    }

    @Override
    public int hashCode() {
        return tree().hashCode();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
