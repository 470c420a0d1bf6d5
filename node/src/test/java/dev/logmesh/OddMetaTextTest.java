package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code changeMeta} with odd text in reasons and custom keys: texts that differ only in Unicode normalization
 * (NFC/NFD) or case, a NUL, U+2028/U+2029, a byte order mark. Each is its own reason and its own key, in both stores,
 * also read back after a restart of a SQLite store; removing one leaves the others.
 */
class OddMetaTextTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** NFC é, NFD e + U+0301, upper case, NUL, line and paragraph separators, a BOM, a CR LF. */
    private static final List<String> ODD = List.of("caf\u00e9", "cafe\u0301", "CAF\u00c9", "Caf\u00e9", "a\u0000b",
        "a", "l\u2028s\u2029", "\uFEFFr", "c\r\nd", "\u00a0", " ");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void oddReasonsAndKeysAreKeptApartThroughChangeMetaAndARestart(boolean sqlite) throws Exception {
        NodeConfig.Builder b = NodeConfig.builder().name("a").mdns(false).noListen();
        NodeConfig config = (sqlite ? b.dataDir(dir.resolve("a")) : b.memory()).build();
        MeshNode a = MeshNode.start(config);
        try {
            a.add(Action.ofType("odd"), List.of("keep")).join();
            ActionId id = a.entries().join().get(0).meta().id();
            Map<String, JsonNode> diff = new LinkedHashMap<>();
            List<String> reasons = new ArrayList<>(ODD);
            reasons.add("keep");
            diff.put("reasons", F.arrayNode().addAll(reasons.stream().map(F::textNode).toList()));
            for (String k : ODD) {
                diff.put(k, F.textNode("v" + k));
            }
            assertEquals(true, a.changeMeta(id, diff).join());
            Meta m = a.entries().join().get(0).meta();
            assertEquals(reasons, m.reasons());
            assertEquals(ODD.size(), m.extra().size(), m.extra().toString());
            if (sqlite) {
                a.close();
                a = MeshNode.start(config);
                m = a.entries().join().get(0).meta();
                assertEquals(reasons, m.reasons(), "after a restart");
                for (String k : ODD) {
                    assertEquals("v" + k, m.extra().get(k).asText(), "key " + k + " after a restart");
                }
            }
            // remove the NFD reason and key only
            Map<String, JsonNode> drop = new LinkedHashMap<>();
            List<String> fewer = new ArrayList<>(reasons);
            fewer.remove("cafe\u0301");
            drop.put("reasons", F.arrayNode().addAll(fewer.stream().map(F::textNode).toList()));
            drop.put("cafe\u0301", NullNode.instance);
            a.changeMeta(id, drop).join();
            // each odd reason, one by one, removes only itself
            for (String r : ODD) {
                if (!r.equals("cafe\u0301")) {
                    a.removeReason(r, Criteria.ALL).join();
                    List<String> left = a.entries().join().get(0).meta().reasons();
                    fewer.remove(r);
                    assertEquals(fewer, left, "after removing " + r);
                }
            }
            if (sqlite) {
                a.close();
                a = MeshNode.start(config);
            }
            m = a.entries().join().get(0).meta();
            assertEquals(List.of("keep"), m.reasons());
            assertEquals(ODD.size() - 1, m.extra().size(), m.extra().toString());
            assertEquals(null, m.extra().get("cafe\u0301"));
            assertEquals("vcaf\u00e9", m.extra().get("caf\u00e9").asText());
            a.removeReason("keep", Criteria.ALL).join();
            assertEquals(0, a.entries().join().size());
        } finally {
            a.close();
        }
    }
}
