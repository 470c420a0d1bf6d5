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

    /** Writes undo text ({@link #undo(Entry, String, Map)}); no mapper. */
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
