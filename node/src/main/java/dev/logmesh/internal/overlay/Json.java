package dev.logmesh.internal.overlay;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Small readers of JSON fields that fail with a clear {@link IllegalArgumentException}. */
final class Json {
    private Json() {
    }

    static JsonNode field(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field \"" + name + "\"");
        }
        return v;
    }

    static String text(JsonNode o, String name) {
        JsonNode v = field(o, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be a string, got " + v.getNodeType());
        }
        return v.textValue();
    }

    static boolean bool(JsonNode o, String name) {
        JsonNode v = field(o, name);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be a boolean, got " + v.getNodeType());
        }
        return v.booleanValue();
    }

    static int integer(JsonNode o, String name, int min, int max) {
        JsonNode v = field(o, name);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw new IllegalArgumentException("field \"" + name + "\" must be an integer in [" + min + ", " + max
                + "], got " + v);
        }
        return v.intValue();
    }

    static List<PeerInfo> peers(JsonNode o, String name, int maxSize) {
        JsonNode v = field(o, name);
        if (!v.isArray()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be an array, got " + v.getNodeType());
        }
        if (v.size() > maxSize) {
            throw new IllegalArgumentException("field \"" + name + "\" holds " + v.size() + " peers, more than "
                + maxSize);
        }
        List<PeerInfo> out = new ArrayList<>(v.size());
        for (JsonNode p : v) {
            out.add(PeerInfo.fromJson(p));
        }
        return out;
    }
}
