package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Trees#read} against the mapper's {@code readTree} on odd values: the same tree or the same refusal. */
class TreesEdgeTest {
    private static final ObjectMapper VALUES = MessageCodec.mapper().copy()
        .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static String outcome(String json, boolean trees) {
        try (JsonParser p = MessageCodec.mapper().getFactory().createParser("[" + json + ",0]")) {
            p.nextToken();
            p.nextToken();
            JsonNode n = trees ? Trees.read(p) : VALUES.readTree(p);
            JsonNode after = trees ? Trees.read(nextOf(p)) : VALUES.readTree(nextOf(p));
            return "tree " + n.toString() + " " + n.getClass().getSimpleName() + " then " + after;
        } catch (Throwable e) {
            return "refused (" + (e instanceof java.io.IOException ? "IOException" : e.getClass().getName()) + ")";
        }
    }

    private static JsonParser nextOf(JsonParser p) throws java.io.IOException {
        p.nextToken();
        return p;
    }

    @Test
    void oddValuesReadAsTheMapperReadsThem() {
        List<String> values = new ArrayList<>();
        for (int depth : new int[] {997, 998, 999, 1000, 1001}) {
            values.add("[".repeat(depth) + "]".repeat(depth));
            values.add("{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
        }
        values.add("1" + "0".repeat(999));
        values.add("1" + "0".repeat(1000));
        values.add("-" + "9".repeat(1000));
        values.add("1." + "0".repeat(998));
        values.add("1." + "0".repeat(1200));
        values.add("1e2147483648");
        values.add("1e-2147483649");
        values.add("1e999999999");
        values.add("-0");
        values.add("-0.0e-5");
        values.add("0E-7");
        values.add("{\"a\":{\"x\":1},\"b\":2,\"a\":[2]}");
        values.add("{\"\u043a\u043b\u044e\u0447\":1,\"\\u0000\":2,\"\\ud83d\\ude00\":3,\"\u00e9\":4,\"e\\u0301\":5,\"\":6}");
        values.add("{\"\u00e9\":1,\"\\u00e9\":2}");
        values.add("\"\\ud800\"");
        values.add("{\"a\":null,\"a\":{}}");
        List<String> diffs = new ArrayList<>();
        for (String v : values) {
            String mapper = outcome(v, false);
            String trees = outcome(v, true);
            if (!mapper.equals(trees)) {
                diffs.add((v.length() > 40 ? v.substring(0, 40) + "...(" + v.length() + ")" : v) + ": mapper "
                    + (mapper.length() > 200 ? mapper.substring(0, 200) : mapper) + " / Trees "
                    + (trees.length() > 200 ? trees.substring(0, 200) : trees));
            }
        }
        assertEquals(List.of(), diffs);
    }
}
