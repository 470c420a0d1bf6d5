package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.log.JsonTrees;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Trees} against the codec's mapper, and a handshake and a sync that make no mapper. */
class TreesTest {
    private static final List<String> VALUES = List.of(
        "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":true,\"e\":false,\"f\":\"x\\u00e9\\n\"}",
        "[0.1000000000000000055511151231257827, 1.10, 1e400, -0.0, 1.5E-7, 2.50]",
        "[2147483647, 2147483648, -2147483649, 9223372036854775807, 9223372036854775808, -9223372036854775809]",
        "{\"k\":1,\"k\":2}",
        "{}", "[]", "[[[[[]]]],{\"x\":{\"y\":{}}}]", "\"just a string\"", "12", "1.0", "null", "true",
        "{\"emoji\":\"\\ud83d\\ude00\",\"n\":[1e2, 1E+2, 100]}");

    private static final ObjectMapper MAPPER = MessageCodec.mapper();

    private static JsonNode read(String json) throws IOException {
        try (JsonParser p = MAPPER.getFactory().createParser(json)) {
            p.nextToken();
            JsonNode n = Trees.read(p);
            assertEquals(null, p.nextToken(), "the parser is left on the value's last token: " + json);
            return n;
        }
    }

    private static String write(JsonNode n) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(w)) {
            JsonTrees.write(g, n);
        }
        return w.toString();
    }

    @Test
    void readsTheSameTreesAsTheMapper() throws IOException {
        ObjectMapper values = MAPPER.copy().disable(com.fasterxml.jackson.databind.DeserializationFeature
            .FAIL_ON_TRAILING_TOKENS);
        for (String json : VALUES) {
            JsonNode expected = values.readTree(json);
            JsonNode got = read(json);
            assertEquals(expected, got, json);
            assertEquals(expected.toString(), got.toString(), json);
        }
    }

    @Test
    void writesTheSameTextAsTheMapper() throws IOException {
        for (String json : VALUES) {
            JsonNode n = MAPPER.readTree(json);
            assertEquals(MAPPER.writeValueAsString(n), write(n), json);
        }
        ObjectNode built = MAPPER.createObjectNode();
        built.put("l", 5L).put("d", 0.5d).put("f", 1.25f).put("s", (short) 3).put("big", new java.math.BigDecimal("1.000"));
        built.putArray("a").add(new java.math.BigInteger("123456789012345678901234567890"));
        assertEquals(MAPPER.writeValueAsString(built), write(built));
    }

    @Test
    void countsAndWritesAsTheMapperAndToString() throws IOException {
        for (String json : VALUES) {
            JsonNode n = MAPPER.readTree(json);
            assertEquals(MAPPER.writeValueAsBytes(n).length, MessageCodec.utf8Length(n), json);
            assertEquals(n.toString(), MessageCodec.text(n), json);
            // the compact copy a presence directory keeps, and the tree read back from it
            org.junit.jupiter.api.Assertions.assertArrayEquals(MAPPER.writeValueAsBytes(n), MessageCodec.utf8(n), json);
            assertEquals(n, MessageCodec.tree(MessageCodec.utf8(n)), json);
        }
    }

    @Test
    void refusesWhatTheParserRefuses() {
        assertThrows(IOException.class, () -> read("{\"a\":[1,2}"));
        assertThrows(IOException.class, () -> read("{\"a\":"));
        assertThrows(IOException.class, () -> read("[1,2"));
    }

    /**
     * A fresh JVM encodes a dialer's handshake (connect and headers with options), decodes a connected with options
     * and a sync whose meta has custom values, encodes a sync and counts a tree's bytes (a presence record's size): no
     * {@code ObjectMapper} class is loaded. Before {@link Trees}, writing the headers made the codec's mappers (tens of
     * ms on the loop, cold).
     */
    @Test
    void aHandshakeAndACatchUpMakeNoMapper(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("classes.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xshare:off", "-Xlog:class+load=info:file=" + log,
            "-cp", System.getProperty("java.class.path"), HandshakeMain.class.getName())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ok"), out);
        String loaded = Files.readString(log);
        assertTrue(loaded.contains("dev.logmesh.internal.protocol.MessageCodec "), "the log lists classes: " + log);
        assertFalse(loaded.contains("com.fasterxml.jackson.databind.ObjectMapper "), "an ObjectMapper was made");
    }

    /** The fresh JVM of {@link #aHandshakeAndACatchUpMakeNoMapper}. */
    static final class HandshakeMain {
        public static void main(String[] args) throws Exception {
            ObjectNode options = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            options.put("subprotocol", "1.0.0").putObject("mesh").put("name", "m").putArray("caps").add("ihave");
            java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
            MessageCodec.encode(new Message.Connect(5, "dialer", 0, options), sink);
            MessageCodec.encode(new Message.Headers(options), sink);
            MessageCodec codec = new MessageCodec();
            Message connected = codec.decode("[\"connected\",5,\"server\",[1,2],{\"subprotocol\":\"1.0.0\",\"x\":[1.50]}]");
            byte[] sync = ("[\"sync\",2,{\"type\":\"a\"},{\"id\":[1,\"server\",0],\"time\":1,\"reasons\":[\"r\"],"
                + "\"custom\":{\"v\":[1,2.0]}},{\"type\":\"b\"},{\"id\":[2,\"server\",0],\"time\":2}]")
                .getBytes(StandardCharsets.UTF_8);
            Message s = codec.decode(sync, 0, sync.length);
            MessageCodec.encode(s, sink);
            MessageCodec.utf8Length(options); // an entry's size bound (EntrySize)
            MessageCodec.text(options); // a presence record's size (Presence.bytes)
            MessageCodec.tree(MessageCodec.utf8(options)); // a presence record kept and read back (Presence.known)
            System.out.println(connected instanceof Message.Connected && s instanceof Message.Sync ? "ok" : "wrong");
        }
    }
}
