package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Actions made from text (kept as text, tree on demand) and from trees behave the same. */
class ActionTest {

    @Test
    void parsedTextIsKeptAsItIsAndFieldsComeFromIt() {
        String text = "{ \"type\" : \"chat/add\", \"n\": [1, {\"x\": \"é\"}] }";
        Action a = Action.parse(text);
        assertEquals("chat/add", a.type());
        assertSame(text, a.toJson(), "sent and stored as it came");
        assertEquals("é", a.get("n").get(1).get("x").asText());
        assertEquals("{\"type\":\"chat/add\",\"n\":[1,{\"x\":\"é\"}]}", a.json().toString());
    }

    /** A stored action (text checked before it was stored) reads its type when asked, the last one as parse does. */
    @Test
    void aStoredActionReadsItsTypeWhenAskedAndEqualsItsParsedForm() {
        String text = "{\"type\":\"first\",\"n\":1,\"type\":\"chat/add\"}";
        Action stored = Action.ofStored(text);
        assertSame(text, stored.toJson());
        assertEquals("chat/add", stored.type());
        assertEquals(Action.parse(text), stored);
        assertEquals(stored, Action.parse(text));
        assertEquals(Action.parse(text).hashCode(), Action.ofStored(text).hashCode());
        assertEquals(1, Action.ofStored(text).get("n").asInt());
        assertNotEquals(Action.ofStored("{\"type\":\"b\"}"), Action.ofStored("{\"type\":\"a\"}"));
    }

    /** Stored text that does not parse is not found at construction (the store's checksum rules it out), but type() says so. */
    @Test
    void aStoredActionWhoseTextDoesNotParseSaysSoWhenAskedForItsType() {
        Action broken = Action.ofStored("{\"type\":");
        IllegalStateException e = assertThrows(IllegalStateException.class, broken::type);
        assertTrue(e.getMessage().contains("does not parse"), e.getMessage());
    }

    /**
     * A refused or broken action of a megabyte is quoted by its start and its length, not whole: each message quoted
     * the whole text, so one bad action made a log line (and a reply to a peer) as large as a frame.
     */
    @Test
    void anErrorQuotesALargeActionsStartAndLengthNotTheWholeText() {
        String pad = "x".repeat(1_000_000);
        String noType = "{\"text\":\"" + pad + "\"}";
        String badType = "{\"type\":\"\",\"text\":\"" + pad + "\"}";
        for (String text : new String[] {noType, badType}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.parse(text));
            assertTrue(e.getMessage().length() < 400, e.getMessage().length() + " chars");
            assertTrue(e.getMessage().endsWith("… (" + text.length() + " chars)"), e.getMessage());
        }
        ObjectNode tree = JsonNodeFactory.instance.objectNode().put("text", pad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.of(tree));
        assertTrue(e.getMessage().length() < 400, e.getMessage().length() + " chars");
        IllegalStateException broken = assertThrows(IllegalStateException.class,
            () -> Action.ofStored("{\"type\":\"a\",\"t\":\"" + pad).type());
        assertTrue(broken.getMessage().length() < 400, broken.getMessage().length() + " chars");
        // short texts are quoted whole, and a surrogate pair at the cut is not split
        assertEquals("{}", Action.excerpt("{}"));
        String pair = "a".repeat(Action.EXCERPT_CHARS - 1) + "\uD83D\uDE00" + "b";
        assertEquals("a".repeat(Action.EXCERPT_CHARS - 1) + "… (" + pair.length() + " chars)", Action.excerpt(pair));
    }

    @Test
    void textAndTreeFormsAreEqualWithEqualHashes() {
        Action fromText = Action.parse("{\"type\":\"a\",\"k\":1}");
        ObjectNode n = JsonNodeFactory.instance.objectNode().put("type", "a").put("k", 1);
        Action fromTree = Action.of(n);
        assertEquals(fromText, fromTree);
        assertEquals(fromTree, fromText);
        assertEquals(fromText.hashCode(), fromTree.hashCode());
        assertNotEquals(fromText, Action.parse("{\"type\":\"a\",\"k\":2}"));
        assertNotEquals(fromText, Action.parse("{\"type\":\"b\",\"k\":1}"));
    }

    @Test
    void jsonIsACopy() {
        Action a = Action.parse("{\"type\":\"a\",\"k\":1}");
        a.json().put("k", 2);
        assertEquals(1, a.get("k").asInt());
    }

    @Test
    void theLastTypeCountsAsWithJsonParse() {
        assertEquals("b", Action.parse("{\"type\":\"a\",\"type\":\"b\"}").type());
        assertEquals("b", Action.parse("{\"type\":{\"type\":\"x\"},\"type\":\"b\",\"k\":[{}]}").type());
        assertThrows(IllegalArgumentException.class, () -> Action.parse("{\"type\":\"a\",\"type\":1}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{oops", "[1]", "\"a\"", "null", "{\"type\":\"a\"}x", "{\"type\":\"a\"}{}", "{}",
        "{\"t\":\"a\"}", "{\"type\":\"\"}", "{\"type\":null}", "{\"type\":{\"a\":1}}", "{\"type\":\"a\",\"x\":tru}",
        "{\"type\":\"a\""})
    void badTextIsRefusedSayingWhy(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.parse(text));
        assertTrue(e.getMessage().startsWith("action"), e.getMessage());
    }

    /**
     * A backslash before a raw unpaired surrogate is an invalid escape, and the text is not JSON. Escaping the
     * surrogate behind it made {@code \\ud83d}, an escaped backslash and five letters: the bad text became a valid
     * action holding another string.
     */
    @Test
    void aBackslashBeforeARawUnpairedSurrogateIsNotJson() {
        String text = "{\"type\":\"t\",\"s\":\"\\" + (char) 0xD83D + "\"}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.parse(text),
            () -> "parsed as " + Action.parse(text).toJson());
        assertTrue(e.getMessage() != null, "a clear error");
        String even = "{\"type\":\"t\",\"s\":\"\\\\" + (char) 0xD83D + "\"}"; // an escaped backslash, then it
        assertEquals("\\" + (char) 0xD83D, Action.parse(even).get("s").asText());
    }
}
