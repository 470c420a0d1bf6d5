package dev.logmesh.internal.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * JSON trees read from a parser and written to a generator with Jackson's core only, as the codec's mappers read and
 * write them ({@code readTree} with {@code USE_BIG_DECIMAL_FOR_FLOATS} and no stripping of trailing zeros;
 * {@code writeTree}), so that a node's handshake (the {@code headers} it sends, the options of {@code connect} and
 * {@code connected}) and the custom meta values of a catch-up make no {@code ObjectMapper}: the first one of a process
 * costs tens of ms of class initialisation (its date format's locale data among them) on the loop thread, between
 * the connection and the first entry (docs/performance.md, Cold). {@code TreesTest} compares both with the mapper's.
 * Stateless; any thread.
 */
final class Trees {
    private Trees() {
    }

    /**
     * The value whose first token is the parser's current one, as a tree; leaves the parser on the value's last
     * token. Iterative (the parser's nesting limit bounds the depth, and no stack frame is used per level).
     *
     * @throws IOException as the parser throws it (not JSON, over its limits)
     */
    static JsonNode read(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
            return scalar(p, t);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ContainerNode<?> root = t == JsonToken.START_OBJECT ? f.objectNode() : f.arrayNode();
        Deque<ContainerNode<?>> open = new ArrayDeque<>();
        ContainerNode<?> current = root;
        while (true) {
            String key = null;
            if (current instanceof ObjectNode) {
                t = p.nextToken();
                if (t == JsonToken.END_OBJECT) {
                    if (open.isEmpty()) {
                        return root;
                    }
                    current = open.pop();
                    continue;
                }
                if (t != JsonToken.FIELD_NAME) {
                    throw new JsonEOFException(p, t, "unexpected end of an object");
                }
                key = p.currentName();
            }
            t = p.nextToken();
            if (t == null) {
                throw new JsonEOFException(p, null, "unexpected end of the input");
            }
            if (t == JsonToken.END_ARRAY) {
                if (open.isEmpty()) {
                    return root;
                }
                current = open.pop();
                continue;
            }
            JsonNode value;
            ContainerNode<?> child = null;
            if (t == JsonToken.START_OBJECT) {
                child = f.objectNode();
                value = child;
            } else if (t == JsonToken.START_ARRAY) {
                child = f.arrayNode();
                value = child;
            } else {
                value = scalar(p, t);
            }
            if (current instanceof ObjectNode o) {
                o.replace(key, value); // a repeated key: the last one wins, as with the mapper
            } else {
                ((ArrayNode) current).add(value);
            }
            if (child != null) {
                open.push(current);
                current = child;
            }
        }
    }

    private static JsonNode scalar(JsonParser p, JsonToken t) throws IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (t == null) {
            throw new JsonEOFException(p, null, "unexpected end of the input");
        }
        return switch (t) {
            case VALUE_STRING -> f.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> IntNode.valueOf(p.getIntValue());
                case LONG -> LongNode.valueOf(p.getLongValue());
                default -> BigIntegerNode.valueOf(p.getBigIntegerValue());
            };
            // exactly as written: USE_BIG_DECIMAL_FOR_FLOATS, trailing zeros kept (strict JSON has no NaN)
            case VALUE_NUMBER_FLOAT -> DecimalNode.valueOf(p.getDecimalValue());
            case VALUE_TRUE -> f.booleanNode(true);
            case VALUE_FALSE -> f.booleanNode(false);
            case VALUE_NULL -> f.nullNode();
            case VALUE_EMBEDDED_OBJECT -> f.pojoNode(p.getEmbeddedObject());
            default -> throw new JsonEOFException(p, t, "unexpected token " + t);
        };
    }
}
