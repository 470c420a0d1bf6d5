package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.Map;
import java.util.Objects;

/**
 * The answers a Logux server gives a client about its actions, as {@code @logux/server} 0.14 builds them and
 * {@code @logux/client} 0.23 reads them:
 * <ul>
 *   <li>{@code {"type":"logux/processed","id":ID}}: the action with id {@code ID} is accepted and processed.
 *       The client removes its {@code syncing} reason, resolves {@code client.sync()}, and counts a
 *       {@code logux/subscribe} in {@code client.subscriptions}.</li>
 *   <li>{@code {"type":"logux/undo","id":ID,"action":A,"reason":R, ...extra}}: the action is refused or failed;
 *       {@code client.sync()} rejects with a {@code LoguxUndoError}. The reasons Logux uses are the constants
 *       below.</li>
 * </ul>
 * Both are matched by the {@code id} field, a full id string {@code "<ms> <nodeId> <seq>"}.
 */
public final class Answers {
    /** Access refused (an access hook said no, a foreign id, foreign meta under {@code DENY}). */
    public static final String DENIED = "denied";
    /** No hook for the type, under {@link EdgeRules.Builder#strict()}. */
    public static final String UNKNOWN_TYPE = "unknownType";
    /** A hook threw. */
    public static final String ERROR = "error";
    /** A subscription to a channel with no hook (under strict) or without a string {@code channel}. */
    public static final String WRONG_CHANNEL = "wrongChannel";
    /** A channel's access or load hook said the resource does not exist ({@link EdgeHooks.NotFound}). */
    public static final String NOT_FOUND = "notFound";

    /** The type of the answer that accepts an action. */
    public static final String PROCESSED = "logux/processed";
    /** The type of the answer that refuses an action. */
    public static final String UNDO = "logux/undo";
    /** A client's subscription to a channel. */
    public static final String SUBSCRIBE = "logux/subscribe";
    /** A client's end of a subscription. */
    public static final String UNSUBSCRIBE = "logux/unsubscribe";

    private Answers() {
    }

    /** {@code {"type":"logux/processed","id":"<id>"}}. */
    public static Action processed(ActionId id) {
        ObjectNode a = JsonNodeFactory.instance.objectNode();
        a.put("type", PROCESSED);
        a.put("id", id.toString());
        return Action.of(a);
    }

    /** {@code {"type":"logux/undo","id":"<id>","action":{...},"reason":reason}}. */
    public static Action undo(Entry original, String reason) {
        return undo(original, reason, Map.of());
    }

    /**
     * {@code logux/undo} with extra fields (as {@code server.undo(action, meta, reason, extra)}); the extra
     * fields cannot replace {@code type}, {@code id}, {@code action} or {@code reason}.
     */
    public static Action undo(Entry original, String reason, Map<String, JsonNode> extra) {
        Objects.requireNonNull(reason, "reason");
        // written as text, the action's own text inside as it is: its numbers keep their text (through a tree, a
        // BigDecimal wrote 1.7976931348623157e308 as 1.7976931348623157E+308 and 1e5 as 1E+5: before embed36)
        java.io.StringWriter out = new java.io.StringWriter(original.action().toJson().length() + 96);
        try (com.fasterxml.jackson.core.JsonGenerator g = TEXT.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, JsonNode> kv : extra.entrySet()) {
                if (!RESERVED.contains(kv.getKey())) {
                    g.writeFieldName(kv.getKey());
                    dev.logmesh.internal.log.JsonTrees.write(g, kv.getValue());
                }
            }
            g.writeFieldName("action");
            g.writeRawValue(original.action().toJson());
            g.writeStringField("id", original.id().toString());
            g.writeStringField("reason", reason);
            g.writeStringField("type", UNDO);
            g.writeEndObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("writing to a string cannot fail", e);
        }
        return Action.parse(out.toString());
    }

    /**
     * {@code e} with each number of its action beyond a double's range as {@code null}: the action as a JavaScript
     * node holds it ({@code Infinity}) and writes it ({@code JSON.stringify}), so the {@code logux/undo} of such an
     * action carries what {@code @logux/server}'s undo would ({@link dev.logmesh.Action#of} refuses the number itself).
     * The rest of its text is as the client sent it: only those numbers are replaced in the text. Before (apps37) the
     * action went through a tree, whose numbers Jackson wrote anew ({@code 1.5e3} as {@code 1.5E+3}), where every
     * other undo carries the action's text (ca35719).
     */
    public static Entry asJavaScriptHoldsIt(Entry e) {
        String text = e.action().toJson();
        StringBuilder out = null;
        int copied = 0;
        try (com.fasterxml.jackson.core.JsonParser p = TEXT.createParser(text)) {
            for (var t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                    || t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT) {
                    String number = p.getText();
                    boolean plain = number.length() <= 300 && number.indexOf('e') < 0 && number.indexOf('E') < 0;
                    if (!plain && Double.isInfinite(Double.parseDouble(number))) {
                        int at = Math.toIntExact(p.currentTokenLocation().getCharOffset());
                        if (out == null) {
                            out = new StringBuilder(text.length());
                        }
                        out.append(text, copied, at).append("null");
                        copied = at + number.length();
                    }
                }
            }
        } catch (java.io.IOException unreadable) {
            throw new IllegalStateException("a received action's checked text does not parse", unreadable);
        }
        if (out == null) {
            return e;
        }
        out.append(text, copied, text.length());
        return new Entry(dev.logmesh.Action.parse(out.toString()), e.meta());
    }

    /** Writes undo text ({@link #undo(Entry, String, Map)}) and reads an action's ({@link #asJavaScriptHoldsIt}). */
    private static final com.fasterxml.jackson.core.JsonFactory TEXT = new com.fasterxml.jackson.core.JsonFactory();

    /** The undo's own fields, which extra fields cannot replace. */
    private static final java.util.Set<String> RESERVED = java.util.Set.of("type", "id", "action", "reason");

    /**
     * Where an undo of an action that was already in the log (and so possibly delivered) must go, as
     * {@code buildUndo} does: everyone the action was addressed to, plus the client that made it.
     */
    public static Address undoAddress(Meta original) {
        return Address.of(original).plus(Address.clients(ClientId.of(original.id()).clientId()));
    }

    /** Whether an action is one of the answers or subscription messages, which the node never relays to clients unaddressed. */
    public static boolean isControl(Action action) {
        return action.type().startsWith("logux/");
    }

    /** The {@code id} field of a {@code logux/processed} or {@code logux/undo}, or null. */
    public static ActionId answeredId(Action answer) {
        if (!PROCESSED.equals(answer.type()) && !UNDO.equals(answer.type())) {
            return null;
        }
        JsonNode id = answer.get("id");
        if (id == null || !id.isTextual()) {
            return null;
        }
        try {
            return ActionId.parse(id.asText());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
