package dev.logmesh.internal.log;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;

/**
 * Writes a JSON tree to a generator with Jackson's core only, as a mapper's {@code writeTree} does: so that the
 * codec (handshake trees, custom meta values) and the CLI's events write trees without the first
 * {@code ObjectMapper} of the process (tens of ms of class initialisation; README, "Performance", Start-up and
 * Cold). Numbers are written as the tree holds them ({@code BigDecimal}s with every digit). Stateless; any thread.
 */
public final class JsonTrees {
    private JsonTrees() {
    }

    /**
     * Writes {@code n} to {@code g}. Recursive, as {@code writeTree} is: the trees written here are at most the
     * frame nesting limit deep. A missing node is written as {@code null}; binary and POJO nodes (never in a frame
     * or an event) as their {@code toString}, which is the mapper's text.
     *
     * @throws IOException if the generator's output fails
     */
    public static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (int i = 0; i < n.size(); i++) {
                    write(g, n.get(i));
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case DOUBLE -> g.writeNumber(n.doubleValue());
                    default -> g.writeNumber(n.decimalValue());
                }
            }
            default -> g.writeRawValue(n.toString());
        }
    }
}
