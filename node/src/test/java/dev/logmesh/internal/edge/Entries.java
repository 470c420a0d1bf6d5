package dev.logmesh.internal.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Short ways to write entries in the edge tests. */
final class Entries {
    static final ObjectMapper JSON = new ObjectMapper();

    private Entries() {
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static Action action(String json) {
        return Action.parse(json.replace('\'', '"'));
    }

    /** An entry with id {@code "<ms> <node> 0"}, time {@code ms}, no reasons and the given custom meta. */
    static Entry entry(String actionJson, long ms, String node, String extraJson) {
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        if (extraJson != null) {
            json(extraJson).properties().forEach(f -> extra.put(f.getKey(), f.getValue()));
        }
        return new Entry(action(actionJson), new Meta(ActionId.of(ms, node, 0), ms, 0, List.of(), 0, extra));
    }

    static Entry entry(String actionJson, String node, String extraJson) {
        return entry(actionJson, 1000, node, extraJson);
    }

    static Entry entry(String actionJson, String node) {
        return entry(actionJson, 1000, node, null);
    }
}
