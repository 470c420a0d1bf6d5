package dev.logmesh.internal.log;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes a JSON tree to a generator with Jackson's core only, as a mapper's {@code writeTree} does: so that the
 * codec (handshake trees, custom meta values) and the CLI's events write trees without the first
 * {@code ObjectMapper} of the process (tens of ms of class initialisation; docs/performance.md, Start-up and
 * Cold). Numbers are written as the tree holds them ({@code BigDecimal}s with every digit). Stateless; any thread.
 */
public final class JsonTrees {
    private JsonTrees() {
    }

    /**
     * The index of the first unpaired surrogate in {@code s} (a {@code char} in U+D800..U+DFFF that is not half of a
     * pair), or -1 when it has none. A string with one has no UTF-8 form ({@code String.getBytes}, sqlite-jdbc and a
     * text frame write {@code ?} for it); JSON carries it only as an escape. Any thread.
     */
    public static int unpairedSurrogate(CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * {@code text} in UTF-8, each unpaired surrogate as its three-byte generalized UTF-8 form (WTF-8,
     * https://simonsapin.github.io/wtf-8/): bytes no UTF-8 text has, so two strings that differ only in such a char
     * give two byte strings, where {@code getBytes(UTF_8)} writes {@code ?} for both. For hashes and MACs of text.
     * Any thread.
     */
    public static byte[] wtf8(String text) {
        int n = text.length();
        int odd = unpairedSurrogate(text);
        if (odd < 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n * 3);
        int from = 0;
        for (int i = odd; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                out.writeBytes(text.substring(from, i).getBytes(StandardCharsets.UTF_8));
                out.write(0xE0 | (c >> 12));
                out.write(0x80 | ((c >> 6) & 0x3F));
                out.write(0x80 | (c & 0x3F));
                from = i + 1;
            }
        }
        out.writeBytes(text.substring(from).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
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
