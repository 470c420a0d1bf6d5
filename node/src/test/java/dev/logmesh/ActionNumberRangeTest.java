package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.testkit.LocalMesh;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A number beyond a double's range in an action or a meta value (embed34): JavaScript's {@code JSON.parse} reads
 * {@code 1e999999} as {@code Infinity} and {@code JSON.stringify} writes it as {@code null} (Node.js 20:
 * {@code {"v":1e999999,"w":1e-400}} comes back as {@code {"v":null,"w":0}}), so a Logux peer held and relayed another
 * action under the same id than the logmesh nodes, which kept the huge decimal. Refused at the call, naming where.
 */
class ActionNumberRangeTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @ParameterizedTest
    @ValueSource(strings = {"1e999999", "-1e400", "1.8e308", "0.5E+309", "1e3000000000"})
    void aNumberThatJavaScriptReadsAsInfinityIsRefusedByParse(String number) {
        // before: {"type":"n","v":1e999999} was taken and kept as it is
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Action.parse("{\"type\":\"n\",\"list\":[1,{\"v\":" + number + "}]}"));
        assertEquals("action holds the number " + number + " at /list/1/v, beyond the range of a double (about "
            + "±1.8e308): a JavaScript peer (Logux) reads it as Infinity and writes it as null, so nodes would hold "
            + "different values under one id; write it as a string, or as a smaller number", e.getMessage());
    }

    @Test
    void anIntegerOfTooManyDigitsIsRefusedToo() {
        String big = "1" + "0".repeat(309);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Action.parse("{\"type\":\"n\",\"v\":" + big + "}"));
        assertTrue(e.getMessage().startsWith("action holds the number 1000"), e.getMessage());
        assertTrue(e.getMessage().contains(" at /v, beyond the range of a double"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e308", "-1.7976931348623157e308", "1e-400", "0.1000000000000000055511151231257827",
        "123456789012345678901234567890", "-0.0", "2.50"})
    void numbersWithinRangeAreKeptAsWritten(String number) {
        String text = "{\"type\":\"n\",\"v\":" + number + "}";
        Action a = Action.parse(text);
        assertEquals(text, a.toString());
        assertEquals(new BigDecimal(number).compareTo(a.get("v").decimalValue()), 0);
    }

    @Test
    void aTreeOrAMetaValueBeyondRangeIsRefusedAtTheCall() throws Exception {
        ObjectNode tree = Action.ofType("n").json();
        tree.put("v", new BigDecimal("1e400"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.of(tree));
        assertTrue(e.getMessage().startsWith("action holds the number 1E+400 at /v, beyond the range of a double"),
            e.getMessage());
        ObjectNode big = Action.ofType("n").json();
        big.put("v", new java.math.BigInteger("9".repeat(400)));
        assertThrows(IllegalArgumentException.class, () -> Action.of(big));

        try (LocalMesh mesh = new LocalMesh(1); MeshNode a = mesh.start("a")) {
            ObjectNode meta = JSON.objectNode();
            meta.put("k", new BigDecimal("-1e999"));
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> a.add(Action.ofType("x"), meta));
            assertTrue(m.getMessage().startsWith("meta holds the number -1E+999 at /k, beyond"), m.getMessage());
            CompletableFuture<Meta> added = a.add(Action.ofType("x"), List.of("keep"));
            mesh.run(100);
            ActionId id = added.get().id();
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> a.changeMeta(id, Map.of("k", JSON.numberNode(new BigDecimal("1e400")))));
            assertTrue(c.getMessage().startsWith("meta \"k\" holds the number 1E+400, beyond"), c.getMessage());
            CompletableFuture<Boolean> ok = a.changeMeta(id, Map.of("k", JSON.numberNode(new BigDecimal("1e300"))));
            mesh.run(10);
            assertTrue(ok.get());
        }
    }

    /**
     * embed35: a default Jackson {@code ObjectMapper} reads {@code 1e999999} as the double Infinity, and Jackson writes
     * a non-finite double as a string: {@code Action.of(mapper.readTree("{\"type\":\"x\",\"v\":1e999999}"))} and
     * such a meta were taken as {@code {"type":"x","v":"Infinity"}}, a string where the text had a number, the text
     * that {@code Action.parse} refuses. Both paths now refuse it, naming where.
     */
    @Test
    void aNonFiniteDoubleFromADefaultObjectMapperIsRefusedAsParseRefusesItsText() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode tree = mapper.readTree("{\"type\":\"x\",\"list\":[1,{\"v\":1e999999}]}");
        // before: {"type":"x","list":[1,{"v":"Infinity"}]}
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.of(tree));
        assertEquals("action holds the double Infinity at /list/1/v, which JSON has no number for (a default "
            + "ObjectMapper reads a number beyond a double's range, such as 1e999999, as Infinity; Jackson would write "
            + "it as the string \"Infinity\" and JavaScript as null, and Action.parse refuses such text); write it as "
            + "a string, or as a finite number", e.getMessage());
        ObjectNode nan = Action.ofType("n").json();
        nan.putArray("a~/b").add(Double.NaN);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Action.of(nan)).getMessage()
            .startsWith("action holds the double NaN at /a~0~1b/0, which JSON has no number for"));
        ObjectNode floats = Action.ofType("n").json();
        floats.put("f", Float.NEGATIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> Action.of(floats));

        try (LocalMesh mesh = new LocalMesh(1); MeshNode a = mesh.start("a")) {
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> a.add(Action.ofType("x"), mapper.readTree("{\"k\":-1e999999}")));
            // before: added, with meta k = "-Infinity"
            assertTrue(m.getMessage().startsWith("meta holds the double -Infinity at /k, which JSON"), m.getMessage());
            CompletableFuture<Meta> added = a.add(Action.ofType("x"), List.of("keep"));
            mesh.run(100);
            ActionId id = added.get().id();
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> a.changeMeta(id, Map.of("k", mapper.readTree("1e999999"))));
            assertTrue(c.getMessage().startsWith("meta \"k\" holds the double Infinity, which JSON"), c.getMessage());
            CompletableFuture<java.util.Optional<Entry>> kept = a.byId(id);
            mesh.run(10);
            assertTrue(kept.get().orElseThrow().meta().extra().isEmpty(), "the refused change left the entry as it was");
            // a finite double from the same mapper is taken, as its text is
            assertEquals("{\"type\":\"x\",\"v\":0.5}",
                Action.of(mapper.readTree("{\"type\":\"x\",\"v\":0.5}")).toJson());
        }
    }
}
