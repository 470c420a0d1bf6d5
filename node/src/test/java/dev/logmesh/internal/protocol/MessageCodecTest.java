package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.Interner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden wire tests: the exact JSON text of every message type of protocol 5, and the exact forms a Logux
 * 0.10 peer sends. Sections refer to {@code shared/logux-protocol.md} (§2 message layouts, §7 errors, §10
 * protocol 5 differences) and to logux/docs {@code protocols/ws/spec.md}.
 */
class MessageCodecTest {

    /** One codec for the whole test, as one node has one. */
    private static final MessageCodec CODEC = new MessageCodec();

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) MessageCodec.mapper().readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void golden(Message m, String text) throws ProtocolError {
        assertEquals(text, MessageCodec.encode(m), "encode");
        assertEquals(text, utf8(m), "encode to bytes");
        assertEquals(m, CODEC.decode(text), "decode");
        assertEquals(m, decodeBytes(text), "decode from bytes");
    }

    /** What a transport sends: the UTF-8 bytes written by the codec. */
    private static String utf8(Message m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            MessageCodec.encode(m, out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What a transport receives: the frame's bytes inside a larger buffer, at an offset. */
    private static Message decodeBytes(String text) throws ProtocolError {
        byte[] frame = text.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[frame.length + 10];
        java.util.Arrays.fill(buf, (byte) '!');
        System.arraycopy(frame, 0, buf, 3, frame.length);
        return CODEC.decode(buf, 3, frame.length);
    }

    // ------------------------------------------------------------------ every message type, both ways

    @Test
    void connectWithoutOptions() throws ProtocolError {
        // §2 connect: ["connect", protocol, nodeId, synced, options?]; empty options are omitted
        golden(new Message.Connect(5, "10:uuid", 0, null), "[\"connect\",5,\"10:uuid\",0]");
        assertEquals("[\"connect\",5,\"10:uuid\",0]",
            MessageCodec.encode(new Message.Connect(5, "10:uuid", 0, MessageCodec.mapper().createObjectNode())));
    }

    @Test
    void connectWithTokenAndSubprotocol() throws ProtocolError {
        // §2 options: token (string), subprotocol (int, protocol 5 made it a number)
        golden(new Message.Connect(5, "client:1", 42, json("{\"token\":\"secret\",\"subprotocol\":2}")),
            "[\"connect\",5,\"client:1\",42,{\"token\":\"secret\",\"subprotocol\":2}]");
    }

    @Test
    void connected() throws ProtocolError {
        // §2 connected: ["connected", protocol, nodeId, [start, end], options?]
        golden(new Message.Connected(5, "server:x", 1, 2, json("{\"subprotocol\":3}")),
            "[\"connected\",5,\"server:x\",[1,2],{\"subprotocol\":3}]");
        golden(new Message.Connected(5, "server:x", 1564508138460L, 1564508138461L, null),
            "[\"connected\",5,\"server:x\",[1564508138460,1564508138461]]");
    }

    @Test
    void headers() throws ProtocolError {
        // §2 headers: ["headers", object]
        golden(new Message.Headers(json("{\"a\":1}")), "[\"headers\",{\"a\":1}]");
    }

    @Test
    void headersOverMaxHeadersBytesAreRefused() throws ProtocolError {
        // break41: a client's headers of 15 MB were kept for its whole session; 11 such clients stopped a node
        // with -Xmx256m. Headers up to the limit are read, over it refused, as text and as bytes.
        String prefix = "[\"headers\",{\"big\":\"";
        String suffix = "\"}]";
        int fits = MessageCodec.MAX_HEADERS_BYTES - prefix.length() - suffix.length();
        String largest = prefix + "h".repeat(fits) + suffix;
        assertEquals(MessageCodec.MAX_HEADERS_BYTES, largest.length());
        assertInstanceOf(Message.Headers.class, CODEC.decode(largest));
        byte[] largestUtf8 = largest.getBytes(StandardCharsets.UTF_8);
        assertInstanceOf(Message.Headers.class, CODEC.decodeStreaming(largestUtf8, 0, largestUtf8.length));
        String over = prefix + "h".repeat(fits + 1) + suffix;
        ProtocolError asText = assertThrows(ProtocolError.class, () -> CODEC.decode(over));
        assertTrue(asText.getMessage().contains("over the limit of 65536"), asText.getMessage());
        byte[] overUtf8 = over.getBytes(StandardCharsets.UTF_8);
        ProtocolError asBytes = assertThrows(ProtocolError.class,
            () -> CODEC.decodeStreaming(overUtf8, 0, overUtf8.length));
        assertTrue(asBytes.getMessage().contains("over the limit of 65536"), asBytes.getMessage());
    }

    @Test
    void syncWithNumericId() throws ProtocolError {
        // §10: own id with seq 0 travels as the bare shift from baseTime
        golden(new Message.Sync(3, List.of(new Message.WireEntry(Action.ofType("a"),
                json("{\"id\":-16,\"time\":-15,\"reasons\":[\"r\"]}")))),
            "[\"sync\",3,{\"type\":\"a\"},{\"id\":-16,\"time\":-15,\"reasons\":[\"r\"]}]");
    }

    @Test
    void syncWithArrayIdsAndSeveralEntries() throws ProtocolError {
        // §10: [shift, seq] for the sender's own id, [shift, node, seq] for another node's
        golden(new Message.Sync(7, List.of(
                new Message.WireEntry(Action.parse("{\"type\":\"x\",\"n\":1}"), json("{\"id\":[0,1],\"time\":0}")),
                new Message.WireEntry(Action.ofType("y"), json("{\"id\":[5,\"other:2\",3],\"time\":4}")))),
            "[\"sync\",7,{\"type\":\"x\",\"n\":1},{\"id\":[0,1],\"time\":0},{\"type\":\"y\"},"
                + "{\"id\":[5,\"other:2\",3],\"time\":4}]");
    }

    @Test
    void actionsKeepTheirExactTextAcrossTheParsersBufferBoundaries() throws ProtocolError {
        // the codec slices an action's text by the parser's token offsets (chars for a string, bytes for UTF-8):
        // actions larger than Jackson's input buffers, with characters of 1 to 4 UTF-8 bytes, must come out whole
        StringBuilder frame = new StringBuilder("[\"sync\",9");
        List<String> texts = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String text = "{\"type\":\"big\",\"i\":" + i + ",\"s\":\"" + "aé€😀\\\"".repeat(3_000 + 1_777 * i)
                + "\",\"n\":[1, 2 ,{ \"k\" : null }]}";
            texts.add(text);
            frame.append(',').append(text).append(",{\"id\":[").append(i).append(",1],\"time\":0}");
        }
        String text = frame.append(']').toString();
        for (Message m : List.of(CODEC.decode(text), decodeBytes(text))) {
            List<Message.WireEntry> entries = ((Message.Sync) m).entries();
            assertEquals(texts.size(), entries.size());
            for (int n = 0; n < texts.size(); n++) {
                final int i = n;
                String got = entries.get(i).action().toJson();
                assertTrue(texts.get(i).equals(got), () -> "action " + i + " kept as sent: " + got.length() + " chars, "
                    + texts.get(i).length() + " sent, starting " + got.substring(0, Math.min(40, got.length())));
            }
        }
    }

    @Test
    void syncWithStringIdAsProtocol7PeersSend() throws ProtocolError {
        // a full id string is accepted too (not shifted)
        Message m = CODEC.decode("[\"sync\",1,{\"type\":\"a\"},{\"id\":\"1 a 0\",\"time\":1}]");
        assertEquals(new Message.Sync(1, List.of(new Message.WireEntry(Action.ofType("a"),
            json("{\"id\":\"1 a 0\",\"time\":1}")))), m);
    }

    @Test
    void emptySync() throws ProtocolError {
        golden(new Message.Sync(0, List.of()), "[\"sync\",0]");
    }

    @Test
    void overlayMessageCarriesAnObject() throws ProtocolError {
        // ["logmesh:hpv", {...}]: the object's own shape is the overlay's to check (HpvMessage)
        golden(new Message.Hpv(json("{\"type\":\"join\",\"addr\":\"ws://10.0.0.7:7000\"}")),
            "[\"logmesh:hpv\",{\"type\":\"join\",\"addr\":\"ws://10.0.0.7:7000\"}]");
        for (String bad : List.of("[\"logmesh:hpv\"]", "[\"logmesh:hpv\",[1]]", "[\"logmesh:hpv\",\"join\"]",
            "[\"logmesh:hpv\",{},{}]", "[\"logmesh:hpv\",null]")) {
            ProtocolError e = assertThrows(ProtocolError.class, () -> CODEC.decode(bad), bad);
            assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type(), bad);
        }
    }

    @Test
    void syncedPingPong() throws ProtocolError {
        // §2: ["synced", added], ["ping", lastAdded], ["pong", lastAdded]
        golden(new Message.Synced(1), "[\"synced\",1]");
        golden(new Message.Ping(1), "[\"ping\",1]");
        golden(new Message.Pong(1), "[\"pong\",1]");
        golden(new Message.Ping(ActionId.MAX_SAFE), "[\"ping\",9007199254740991]");
    }

    @Test
    void errors() throws ProtocolError {
        // §7: ["error", type, options?]
        golden(new Message.Error("wrong-format", JsonNodeFactory.instance.textNode("x")),
            "[\"error\",\"wrong-format\",\"x\"]");
        golden(new Message.Error("wrong-credentials", null), "[\"error\",\"wrong-credentials\"]");
        golden(new Message.Error("wrong-protocol", json("{\"supported\":5,\"used\":4}")),
            "[\"error\",\"wrong-protocol\",{\"supported\":5,\"used\":4}]");
        golden(new Message.Error("timeout", JsonNodeFactory.instance.numberNode(5000)), "[\"error\",\"timeout\",5000]");
    }

    @Test
    void debug() throws ProtocolError {
        // §2 debug: ["debug", "error", text]
        golden(new Message.Debug("error", "text"), "[\"debug\",\"error\",\"text\"]");
    }

    @Test
    void protocolErrorMapsOneToOneToTheErrorMessage() {
        // §7: every error type has one wire name
        for (ProtocolError.Type t : ProtocolError.Type.values()) {
            assertEquals(t, ProtocolError.Type.fromWire(t.wire()));
            assertEquals("[\"error\",\"" + t.wire() + "\"]",
                MessageCodec.encode(ProtocolError.of(t, null, "x").toMessage()));
        }
    }

    // ------------------------------------------------------------------ WireMeta (§10 "sync" meta)

    private static final long BASE = 1_564_508_138_460L;

    @Test
    void wireMetaOwnIdSeqZeroIsANumber() throws ProtocolError {
        Meta meta = new Meta(new ActionId(BASE - 16, "a", 0), BASE - 15, 7, List.of("r"), 0, Map.of());
        WireMeta wire = WireMeta.toWire(meta, "a", BASE, 0);
        // added is local: never sent (§2 "sync encoding")
        assertEquals("{\"id\":-16,\"time\":-15,\"reasons\":[\"r\"]}", wire.toString());
        assertEquals(meta.withAdded(0), wire.toMeta("a", BASE, 0));
    }

    @Test
    void wireMetaOwnIdWithSeqAndOtherNodesId() throws ProtocolError {
        Meta own = new Meta(new ActionId(BASE + 5, "a", 2), BASE + 5, 0, List.of("r"), 0, Map.of());
        assertEquals("{\"id\":[5,2],\"time\":5,\"reasons\":[\"r\"]}", WireMeta.toWire(own, "a", BASE, 0).toString());
        Meta relayed = new Meta(new ActionId(BASE + 5, "c", 2), BASE + 6, 0, List.of("r"), 3,
            Map.of("custom", JsonNodeFactory.instance.numberNode(42)));
        WireMeta wire = WireMeta.toWire(relayed, "a", BASE, 0);
        assertEquals("{\"id\":[5,\"c\",2],\"time\":6,\"reasons\":[\"r\"],\"subprotocol\":3,\"custom\":42}",
            wire.toString());
        // the receiver rebuilds the other node's id, not the sender's
        assertEquals(relayed, wire.toMeta("a", BASE, 0));
    }

    @Test
    void wireMetaTimeFixShiftsTimeButNeverTheId() throws ProtocolError {
        // §4: sending time - timeFix - baseTime; receiving time + baseTime + timeFix; ids are not corrected
        long fix = 10_000;
        Meta dialerClock = new Meta(new ActionId(BASE + 10_020, "d", 0), BASE + 10_020, 0, List.of("r"), 0, Map.of());
        WireMeta wire = WireMeta.toWire(dialerClock, "d", BASE, fix);
        assertEquals("{\"id\":10020,\"time\":20,\"reasons\":[\"r\"]}", wire.toString());
        Meta atListener = wire.toMeta("d", BASE, 0);
        assertEquals(new ActionId(BASE + 10_020, "d", 0), atListener.id());
        assertEquals(BASE + 20, atListener.time(), "in the listener's clock");
        // and back with the same session parameters: a round trip
        assertEquals(dialerClock, WireMeta.toWire(dialerClock, "d", BASE, fix).toMeta("d", BASE, fix));
    }

    @Test
    void wireMetaFromALogux010Peer() throws ProtocolError {
        // the example of §10: {"id":-16,"time":-15} from remote "client:1"
        Meta m = WireMeta.fromWire(json("{\"id\":-16,\"time\":-15,\"reasons\":[\"r\"]}"), "client:1", BASE, 0);
        assertEquals(new ActionId(BASE - 16, "client:1", 0), m.id());
        assertEquals(BASE - 15, m.time());
        assertEquals(List.of("r"), m.reasons());
        Meta noReasons = WireMeta.fromWire(json("{\"id\":[1,\"x\",2],\"time\":1}"), "client:1", BASE, 0);
        assertEquals(new ActionId(BASE + 1, "x", 2), noReasons.id());
        assertEquals(List.of(), noReasons.reasons());
    }

    @Test
    void wireMetaRefusesValuesOutOfRangeAfterUnshifting() {
        // shapes pass the codec, but the id's time part would be negative once baseTime is added
        ProtocolError e = assertThrows(ProtocolError.class,
            () -> WireMeta.fromWire(json("{\"id\":" + (-BASE - 1) + ",\"time\":0}"), "a", BASE, 0));
        assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type());
        e = assertThrows(ProtocolError.class,
            () -> WireMeta.fromWire(json("{\"id\":0,\"time\":0,\"reasons\":[1]}"), "a", BASE, 0));
        assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type());
        e = assertThrows(ProtocolError.class,
            () -> WireMeta.fromWire(json("{\"id\":0,\"time\":0,\"subprotocol\":1.5}"), "a", BASE, 0));
        assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type());
    }

    // ------------------------------------------------------------------ refused at decode (§2 "Validation")

    /**
     * A {@code connect}'s {@code synced} is any JSON number, as {@code @logux/core}'s validator takes it (session 19: a
     * client whose stored cursor went wrong connects; before, {@code wrong-format} at every reconnect): a whole number
     * is itself, a negative or fractional one 0, one beyond a long {@link Long#MAX_VALUE}.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = ';', value = {
        "0; 0", "7; 7", "9007199254740993; 9007199254740993", "-1; 0", "-0.5; 0", "1.5; 0", "3.0; 3", "1e3; 1000",
        "123456789012345678901234567890; 9223372036854775807", "1e400; 9223372036854775807",
        "-123456789012345678901234567890; 0"})
    void connectReadsAnyNumberAsSynced(String synced, long read) throws Exception {
        String text = "[\"connect\",5,\"a\"," + synced + "]";
        for (Message m : List.of(CODEC.decode(text), decodeBytes(text))) {
            assertEquals(read, ((Message.Connect) m).synced(), synced);
        }
    }

    static Stream<Arguments> wrongFormat() {
        return Stream.of(
            Arguments.of("not JSON", "{oops"),
            Arguments.of("trailing garbage after the array", "[\"ping\",1]x"),
            Arguments.of("two arrays in one frame", "[\"ping\",1][\"ping\",2]"),
            Arguments.of("empty text", ""),
            Arguments.of("null", "null"),
            Arguments.of("an object", "{\"type\":\"ping\"}"),
            Arguments.of("a string", "\"ping\""),
            Arguments.of("empty array", "[]"),
            Arguments.of("type not a string", "[1,2]"),
            Arguments.of("connect: protocol a string", "[\"connect\",\"5\",\"a\",0]"),
            Arguments.of("connect: node id a number", "[\"connect\",5,1,0]"),
            Arguments.of("connect: node id with a space", "[\"connect\",5,\"a b\",0]"),
            Arguments.of("connect: node id empty", "[\"connect\",5,\"\",0]"),
            Arguments.of("connect: synced a string", "[\"connect\",5,\"a\",\"0\"]"),
            Arguments.of("connect: synced null", "[\"connect\",5,\"a\",null]"),
            Arguments.of("connect: options a string", "[\"connect\",5,\"a\",0,\"token\"]"),
            Arguments.of("connect: too few", "[\"connect\",5,\"a\"]"),
            Arguments.of("connect: too many", "[\"connect\",5,\"a\",0,{},1]"),
            Arguments.of("connected: times not an array", "[\"connected\",5,\"b\",1]"),
            Arguments.of("connected: one time", "[\"connected\",5,\"b\",[1]]"),
            Arguments.of("connected: time a string", "[\"connected\",5,\"b\",[1,\"2\"]]"),
            Arguments.of("headers: not an object", "[\"headers\",[1]]"),
            Arguments.of("headers: missing", "[\"headers\"]"),
            Arguments.of("ping: string", "[\"ping\",\"1\"]"),
            Arguments.of("ping: missing", "[\"ping\"]"),
            Arguments.of("ping: float", "[\"ping\",1.5]"),
            Arguments.of("pong: negative", "[\"pong\",-1]"),
            Arguments.of("synced: too many", "[\"synced\",1,2]"),
            Arguments.of("synced: > 2^53", "[\"synced\",9007199254740992]"),
            Arguments.of("error: type not a string", "[\"error\",1]"),
            Arguments.of("error: too many", "[\"error\",\"a\",1,2]"),
            Arguments.of("debug: other kind", "[\"debug\",\"info\",\"text\"]"),
            Arguments.of("debug: text a number", "[\"debug\",\"error\",1]"),
            Arguments.of("sync: no added", "[\"sync\"]"),
            Arguments.of("sync: negative added", "[\"sync\",-1,{\"type\":\"a\"},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: action without meta", "[\"sync\",1,{\"type\":\"a\"}]"),
            Arguments.of("sync: action without type", "[\"sync\",1,{\"t\":\"a\"},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: action type a number", "[\"sync\",1,{\"type\":1},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: action type empty", "[\"sync\",1,{\"type\":\"\"},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: action an array", "[\"sync\",1,[\"a\"],{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: meta not an object", "[\"sync\",1,{\"type\":\"a\"},1]"),
            Arguments.of("sync: meta without time", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1}]"),
            Arguments.of("sync: meta time float", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1.5}]"),
            Arguments.of("sync: meta without id", "[\"sync\",1,{\"type\":\"a\"},{\"time\":1}]"),
            Arguments.of("sync: id with a space in the node", "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"a b\",0],\"time\":1}]"),
            Arguments.of("sync: id a bare string", "[\"sync\",1,{\"type\":\"a\"},{\"id\":\"x\",\"time\":1}]"),
            Arguments.of("sync: id an object", "[\"sync\",1,{\"type\":\"a\"},{\"id\":{\"ms\":1},\"time\":1}]"),
            Arguments.of("sync: id float", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1.5,\"time\":1}]"),
            Arguments.of("sync: id array of 4", "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"a\",0,0],\"time\":1}]"),
            Arguments.of("sync: id negative seq", "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,-1],\"time\":1}]"),
            Arguments.of("sync: id > 2^53", "[\"sync\",1,{\"type\":\"a\"},{\"id\":9007199254740992,\"time\":1}]"),
            Arguments.of("sync: added a string", "[\"sync\",\"1\",{\"type\":\"a\"},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: reasons a number", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1,\"reasons\":1}]"),
            Arguments.of("sync: reasons with an empty one", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1,\"reasons\":[\"\"]}]"),
            Arguments.of("sync: subprotocol negative", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1,\"subprotocol\":-1}]"),
            Arguments.of("sync: subprotocol a string", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1,\"subprotocol\":\"2\"}]"),
            Arguments.of("sync: id an empty array", "[\"sync\",1,{\"type\":\"a\"},{\"id\":[],\"time\":1}]"),
            Arguments.of("sync: id node empty", "[\"sync\",1,{\"type\":\"a\"},{\"id\":[1,\"\",0],\"time\":1}]"),
            Arguments.of("sync: frame cut inside an action", "[\"sync\",1,{\"type\":\"a\",\"x\":[1"),
            Arguments.of("sync: action with a broken value", "[\"sync\",1,{\"type\":\"a\",\"x\":tru},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: action type not a string, twice", "[\"sync\",1,{\"type\":\"a\",\"type\":1},{\"id\":1,\"time\":1}]"),
            Arguments.of("sync: frame cut inside a meta", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"ti"),
            Arguments.of("sync: frame cut after an entry", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1}"),
            Arguments.of("sync: bad shape, then not JSON", "[\"sync\",1,{\"type\":1},{oops"),
            Arguments.of("sync: content after it", "[\"sync\",1,{\"type\":\"a\"},{\"id\":1,\"time\":1}]]"),
            Arguments.of("ping: options nested deeper than 64 levels",
                "[\"ping\",1," + "{\"n\":".repeat(64) + "1" + "}".repeat(64) + "]"),
            Arguments.of("sync: deeper than the parser's bound (1000 levels)",
                "[\"sync\",1,{\"type\":\"a\",\"x\":" + "[".repeat(999) + "]".repeat(999) + "},{\"id\":1,\"time\":1}]"),
            Arguments.of("deeply nested JSON", "[\"sync\",1," + "[".repeat(5000) + "]".repeat(5000) + "]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void wrongFormat(String name, String text) {
        for (ProtocolError e : List.of(assertThrows(ProtocolError.class, () -> CODEC.decode(text), name),
            assertThrows(ProtocolError.class, () -> decodeBytes(text), name))) {
            assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type(), e.getMessage());
            JsonNode options = e.options();
            assertEquals(text.length() > 1024 ? text.substring(0, 1024) : text, options.asText(),
                "§7: wrong-format carries the offending text");
        }
    }

    /** An action nested {@code depth} levels ({@code depth >= 1}) with an array at the bottom: {"type":"d","n":[[...]]}. */
    private static String nested(int depth) {
        return "{\"type\":\"d\",\"n\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    @Test
    void aSyncEntryNestedDeeperThanAFrameMayCarryIsMarkedAloneAndTheRestOfTheFrameDecodes() throws ProtocolError {
        // a stock Logux peer may send an action deeper than EntrySize.MAX_DEPTH: only that entry is refused (the
        // session answers it), the frame is not wrong-format as a whole (before: every frame with it failed)
        int max = EntrySize.MAX_DEPTH;
        String custom = "{\"n\":".repeat(max - 1) + "1" + "}".repeat(max - 1); // a meta value max-1 deep: meta max
        String text = "[\"sync\",9," + nested(max) + ",{\"id\":1,\"time\":1},"
            + nested(max + 1) + ",{\"id\":2,\"time\":2},"
            + "{\"type\":\"m\"},{\"id\":3,\"time\":3,\"c\":" + custom + "},"
            + "{\"type\":\"m\"},{\"id\":4,\"time\":4,\"c\":[" + custom + "]},"
            + nested(998) + ",{\"id\":5,\"time\":5},"
            + "{\"type\":\"after\"},{\"id\":6,\"time\":6}]";
        for (Message m : List.of(CODEC.decode(text), decodeBytes(text))) {
            List<Message.WireEntry> entries = ((Message.Sync) m).entries();
            assertEquals(List.of(0, max + 1, 0, max + 1, 998, 0), entries.stream().map(Message.WireEntry::tooDeep).toList());
            assertEquals(nested(max + 1), entries.get(1).action().toJson(), "the refused action's text, for its undo");
            assertEquals(2, entries.get(1).meta().idTime());
            assertEquals("after", entries.get(5).action().type());
        }
        // the 1000 levels of the parser are the frame's: an action of 999 is the deepest that decodes
        String deepest = "[\"sync\",1," + nested(999) + ",{\"id\":1,\"time\":1}]";
        assertEquals(999, ((Message.Sync) CODEC.decode(deepest)).entries().get(0).tooDeep());
    }

    @Test
    void aMessageOtherThanSyncMayBeNestedSixtyFourLevels() throws ProtocolError {
        String text = "[\"ping\",1," + "{\"n\":".repeat(63) + "1" + "}".repeat(63) + "]";
        assertEquals(1, ((Message.Ping) CODEC.decode(text)).synced());
    }

    @Test
    void bytesThatAreNotUtf8AreWrongFormat() {
        byte[] frame = "[\"sync\",1,{\"type\":\"a\u00e9\"},{\"id\":0,\"time\":0}]".getBytes(StandardCharsets.UTF_8);
        byte[] broken = java.util.Arrays.copyOf(frame, frame.length);
        int i = new String(frame, StandardCharsets.ISO_8859_1).indexOf('\u00c3');
        broken[i + 1] = (byte) 0x28; // a lead byte followed by a byte that cannot continue it
        ProtocolError e = assertThrows(ProtocolError.class, () -> CODEC.decode(broken, 0, broken.length));
        assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type(), e.getMessage());
    }

    @Test
    void syncMetaKeepsCustomKeysAndNormalisesReasons() throws ProtocolError {
        // custom keys travel in order; a single reason string is one reason; duplicates go; a sent "added" is
        // ignored (it is local to each log)
        Message.Sync s = (Message.Sync) decodeBytes("[\"sync\",1,{\"type\":\"a\",\"text\":\"h\u00e9llo \u2603\"},"
            + "{\"id\":[5,\"b:1\",2],\"time\":6,\"added\":99,\"reasons\":[\"r\",\"s\",\"r\"],\"z\":{\"n\":[1]},\"a\":1}]");
        Message.WireEntry w = s.entries().get(0);
        assertEquals("h\u00e9llo \u2603", w.action().get("text").asText());
        assertEquals(List.of("r", "s"), w.meta().reasons());
        assertEquals(List.of("z", "a"), List.copyOf(w.meta().extra().keySet()));
        Meta m = w.meta().toMeta("b:2", BASE, 0);
        assertEquals(new ActionId(BASE + 5, "b:1", 2), m.id());
        assertEquals(0, m.added());
        assertEquals(json("{\"n\":[1]}"), m.extra().get("z"));
        assertEquals(List.of("r"), ((Message.Sync) CODEC.decode(
            "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":0,\"reasons\":\"r\"}]")).entries().get(0).meta().reasons());
        // and it goes out again as it came, but for the local "added"
        assertEquals("{\"id\":[5,\"b:1\",2],\"time\":6,\"reasons\":[\"r\",\"s\"],\"z\":{\"n\":[1]},\"a\":1}",
            w.meta().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]|", "[\"a\"]|a", "\"a\"|a", "[\"a\",\"b\"]|a,b", "[\"a\",\"a\"]|a",
        "[\"b\",\"a\"]|b,a", "[\"a\",\"b\",\"a\"]|a,b", "[\"a\",\"b\",\"c\"]|a,b,c", "[\"a\",\"a\",\"b\"]|a,b"})
    void reasonsInEveryShapeOfTheFastPaths(String both) throws ProtocolError {
        // one, two and more reasons take different paths in the decoder; each gives the reasons in order, once
        String[] parts = both.split("\\|", -1);
        List<String> expected = parts[1].isEmpty() ? List.of() : List.of(parts[1].split(","));
        for (int round = 0; round < 2; round++) { // the second time through the interner's recent values
            Message.Sync s = (Message.Sync) decodeBytes(
                "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":0,\"reasons\":" + parts[0] + "}]");
            assertEquals(expected, s.entries().get(0).meta().reasons());
        }
    }

    @ParameterizedTest
    // null too, as @logux/core 0.10's Log.add refuses it (before, session 22, it was read as no reasons)
    @ValueSource(strings = {"[1]", "[\"a\",2]", "[\"a\",\"b\",{}]", "[\"\"]", "[\"a\",\"\"]", "[\"a\",\"b\",\"\"]", "{}", "1",
        "null"})
    void reasonsOfTheWrongShape(String reasons) {
        ProtocolError e = assertThrows(ProtocolError.class, () -> decodeBytes(
            "[\"sync\",1,{\"type\":\"a\"},{\"id\":0,\"time\":0,\"reasons\":" + reasons + "}]"));
        assertTrue(e.getMessage().contains("reasons"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ready", "duilian", "CONNECT", ""})
    void unknownMessage(String type) {
        // §2 Validation / §10: protocol 5 has no "ready"; unknown type → ["error","unknown-message",type]
        ProtocolError e = assertThrows(ProtocolError.class,
            () -> CODEC.decode("[\"" + type + "\",1]"));
        assertEquals(ProtocolError.Type.UNKNOWN_MESSAGE, e.type());
        assertEquals("[\"error\",\"unknown-message\",\"" + type + "\"]", MessageCodec.encode(e.toMessage()));
    }

    @Test
    void largestSafeNumbersPass() throws ProtocolError {
        assertEquals(new Message.Synced(ActionId.MAX_SAFE), CODEC.decode("[\"synced\",9007199254740991]"));
        // negative shifts are normal (actions older than baseTime)
        CODEC.decode("[\"sync\",1,{\"type\":\"a\"},{\"id\":[-9007199254740991,0],\"time\":-9007199254740991}]");
    }

    /** A sync of one action of type {@code type} with one reason, from node {@code node}. */
    private static String syncOf(String type, String node, String reason) {
        return "[\"sync\",1,{\"type\":\"" + type + "\"},{\"id\":[1,\"" + node + "\",0],\"time\":1,\"reasons\":[\""
            + reason + "\"]}]";
    }

    private static Message.WireEntry first(MessageCodec codec, String frame) throws ProtocolError {
        return ((Message.Sync) codec.decode(frame)).entries().get(0);
    }

    @Test
    void typesReasonsAndNodeIdsAreSharedPerNode() throws ProtocolError {
        // one string per type, reason and node id for all the entries one node decodes
        MessageCodec node = new MessageCodec();
        Message.WireEntry a = first(node, syncOf("shared/type", "n:1", "r"));
        Message.WireEntry b = first(node, "[\"sync\",1,{\"k\":1,\"type\":\"shared/type\"},"
            + "{\"id\":[2,\"n:1\",0],\"time\":2,\"reasons\":[\"r\"]}]");
        assertSame(a.action().type(), b.action().type());
        assertSame(a.meta().idNode(), b.meta().idNode());
        assertSame(a.meta().reasons(), b.meta().reasons(), "one shared list for a single reason");
        // bytes as a transport receives them share the same strings
        byte[] frame = syncOf("shared/type", "n:1", "r").getBytes(StandardCharsets.UTF_8);
        assertSame(a.action().type(), ((Message.Sync) node.decode(frame, 0, frame.length)).entries().get(0)
            .action().type());
        // another node has strings of its own: nothing is shared across nodes
        Message.WireEntry other = first(new MessageCodec(), syncOf("shared/type", "n:1", "r"));
        assertEquals(a.action().type(), other.action().type());
        assertNotSame(a.action().type(), other.action().type());
        assertNotSame(a.meta().idNode(), other.meta().idNode());
    }

    @Test
    void onePeerSendingEndlessTypesFillsOnlyItsNodesBoundedTable() throws ProtocolError {
        // a peer sends 8,192 distinct types (and then more) to node A: A's table stops at its bound, and node B,
        // in the same JVM, still shares its own strings
        MessageCodec a = new MessageCodec();
        MessageCodec b = new MessageCodec();
        String before = first(b, syncOf("chat/add", "b:1", "r")).action().type();
        for (int i = 0; i < Interner.MAX + 100; i++) {
            first(a, syncOf("flood/" + i, "x:1", "r"));
        }
        assertEquals(Interner.MAX, a.interner().size(), "bounded");
        // past the bound, A still decodes (types not shared any more, but correct)
        Message.WireEntry late = first(a, syncOf("late/type", "x:1", "r"));
        assertEquals("late/type", late.action().type());
        assertNotSame(late.action().type(), first(a, syncOf("late/type", "x:1", "r")).action().type());
        // B is untouched: its table holds its own few strings, and it still shares them
        assertTrue(b.interner().size() < 10, "node B's table: " + b.interner().size());
        assertSame(before, first(b, syncOf("chat/add", "b:1", "r")).action().type());
    }
    /**
     * An escaped unpaired surrogate (JSON.stringify writes one for a string cut inside an emoji) in a key of an
     * action or a meta: Jackson's byte parser refused the name, so a stock peer's frame with one was wrong-format
     * at every try. Both byte paths and the string path read it now, as the same string.
     */
    @Test
    void escapedUnpairedSurrogatesInNamesAndValuesAreRead() throws ProtocolError {
        String text = "[\"sync\",1,{\"type\":\"a\",\"\\ude00k\":\"cut \\ud83d\"},"
            + "{\"id\":\"1 n\\udc00 0\",\"time\":1,\"reasons\":[\"r\\udc00\"],\"k\\ud800\":\"v\\udbff\"}]";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (Message m : List.of(CODEC.decode(text), CODEC.decode(utf8, 0, utf8.length),
            CODEC.decodeStreaming(utf8, 0, utf8.length))) {
            Message.WireEntry e = ((Message.Sync) m).entries().get(0);
            assertEquals("cut \uD83D", e.action().get("\uDE00k").asText());
            String encoded = MessageCodec.encode(m);
            assertEquals(-1, dev.logmesh.internal.log.JsonTrees.unpairedSurrogate(encoded), encoded);
            assertEquals(encoded, MessageCodec.encode(CODEC.decode(encoded)));
            assertTrue(encoded.contains("\"r\\uDC00\""), encoded);
            assertTrue(encoded.contains("n\\uDC00"), encoded);
        }
    }

    /**
     * A frame read again for an escaped unpaired surrogate in a name is still checked for UTF-8: the parser that
     * reads it again does not check a name's bytes (an invalid byte in another name went through as U+FFFD).
     */
    @Test
    void aFrameWithASurrogateNameAndBytesThatAreNotUtf8IsWrongFormat() {
        byte[] frame = "[\"sync\",1,{\"type\":\"a\",\"\\ude00k\":1,\"x\u00e9\":2},{\"id\":\"1 n 0\",\"time\":1}]"
            .getBytes(StandardCharsets.UTF_8);
        int i = new String(frame, StandardCharsets.ISO_8859_1).indexOf('\u00c3');
        frame[i + 1] = (byte) 0x28; // a lead byte followed by a byte that cannot continue it
        ProtocolError e = assertThrows(ProtocolError.class, () -> CODEC.decode(frame, 0, frame.length));
        assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type(), e.getMessage());
        assertThrows(ProtocolError.class, () -> CODEC.decodeStreaming(frame, 0, frame.length));
    }

    /** A string frame (an application's transport) with a raw unpaired surrogate, text no UTF-8 decoder makes. */
    @Test
    void aStringFrameWithARawUnpairedSurrogateIsWrongFormat() {
        String bad = "[\"sync\",1,{\"type\":\"a\",\"s\":\"cut \uD83D\"},{\"id\":\"1 n 0\",\"time\":1}]";
        ProtocolError e = assertThrows(ProtocolError.class, () -> CODEC.decode(bad));
        assertEquals(ProtocolError.Type.WRONG_FORMAT, e.type());
        assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
    }
}
