package dev.logmesh.internal.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.base.ParserBase;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.log.JsonTrees;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.internal.log.Interner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Converts {@link Message}s to and from the JSON text of one WebSocket frame, validating shapes as a
 * Logux 0.10 ServerNode does ({@code validate/index.js}) and stricter where Java needs it (numbers must be
 * integers within JavaScript's safe range, node ids without spaces, actions with a string {@code type}).
 *
 * <p>One instance per node, made with the node's transport: decoding shares the strings that repeat across a
 * log (action types, reasons, node ids) through the codec's own bounded {@link Interner}, so what one node's
 * peers send never fills a table that other nodes use. Encoding needs no state and is static.
 *
 * <p>Thread-safe: transport threads decode, the node loop encodes.
 */
public final class MessageCodec {
    /**
     * Nesting depth of a frame whose content a node accepts: a message other than {@code sync} nested deeper is
     * refused as wrong-format; a {@code sync} entry that would make its frame deeper is refused alone (it is
     * decoded with {@link Message.WireEntry#tooDeep} set, and the session answers it without storing it), so a
     * stock Logux peer's deep action does not fail the whole frame.
     */
    static final int MAX_NESTING = 64;

    /**
     * The largest {@code headers} message a peer may send, in bytes of its frame (65,536): a session keeps its peer's
     * last headers for as long as it lasts (a client's hooks read them), so without this bound a Logux client, whose
     * frames may be as large as {@code --max-client-frame}, made the node hold that much per connection: 11 clients
     * that each sent headers of 15 MB stopped a node with {@code -Xmx256m} (OutOfMemoryError, break41). Headers
     * over it are refused as wrong-format (the session ends); real ones ({@code env}, {@code lang}) are tens of bytes.
     */
    public static final int MAX_HEADERS_BYTES = 65_536;

    /**
     * Nesting depth at which the parser gives up on a frame (wrong-format, the session closes): Jackson's own
     * default. The parser keeps its nesting on the heap and the trees of what it reads (custom meta values,
     * options) are at most this deep, so no thread's stack is at risk; a deeper frame cannot be decoded at all.
     */
    static final int MAX_FRAME_NESTING = 1000;

    /**
     * The codec's factory, made the first time a message is read or written: a holder class, so a node does not
     * make it before it listens. Its codec ({@link LazyCodec}) makes the mappers only when a generator or a parser
     * of the factory asks it for something (an action made from a tree, written): the codec reads and writes the
     * trees of frames itself ({@link Trees}), so a handshake and a catch-up make no mapper.
     */
    private static final class Factory {
        static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_FRAME_NESTING).build())
            // an answer to a client may carry its action (logux/undo of a too-deep one): two levels more than it came in
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_FRAME_NESTING + 8).build())
            .build()
            .setCodec(new LazyCodec());
    }

    /**
     * The codec's mappers, made the first time one is needed (the first {@code ObjectMapper} of a process costs
     * ~40 ms of class initialisation, its date format's locale data among them; docs/performance.md, Start-up and
     * Cold). Made on the codec's factory.
     */
    private static final class Mappers {
        static final JsonFactory FACTORY = Factory.FACTORY;

        /**
         * For option objects and whole-tree reads: a frame is exactly one JSON value (JSON.parse refuses "[...]x").
         * Numbers of custom meta values and options exactly as sent (BigDecimal, trailing zeros kept), never a double.
         */
        static final ObjectMapper MAPPER = new ObjectMapper(FACTORY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

        /** For reading one value out of a frame that is being streamed: the frame goes on after it. */
        static final ObjectMapper VALUES = new ObjectMapper(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }

    /** Shares the repeated strings of what this codec decodes; never shared with another node's codec. */
    private final Interner interner;

    /** A codec with an interner of its own: one for each node (its transport makes it). */
    public MessageCodec() {
        this(new Interner());
    }

    /** A codec that shares strings through {@code interner}, which must belong to the same node. */
    public MessageCodec(Interner interner) {
        this.interner = Objects.requireNonNull(interner, "interner");
    }

    /** The factory's codec: hands every call to {@link Mappers#VALUES}, making the mappers at the first. */
    @SuppressWarnings("TypeParameterUnusedInFormals") // ObjectCodec's signatures
    private static final class LazyCodec extends com.fasterxml.jackson.core.ObjectCodec {
        private static ObjectMapper mapper() {
            return Mappers.VALUES;
        }

        @Override
        public com.fasterxml.jackson.core.Version version() {
            return mapper().version();
        }

        @Override
        public <T> T readValue(JsonParser p, Class<T> type) throws IOException {
            return mapper().readValue(p, type);
        }

        @Override
        public <T> T readValue(JsonParser p, com.fasterxml.jackson.core.type.TypeReference<T> type) throws IOException {
            return mapper().readValue(p, type);
        }

        @Override
        public <T> T readValue(JsonParser p, com.fasterxml.jackson.core.type.ResolvedType type) throws IOException {
            return mapper().readValue(p, type);
        }

        @Override
        public <T> java.util.Iterator<T> readValues(JsonParser p, Class<T> type) throws IOException {
            return mapper().readValues(p, type);
        }

        @Override
        public <T> java.util.Iterator<T> readValues(JsonParser p, com.fasterxml.jackson.core.type.TypeReference<T> type)
            throws IOException {
            return mapper().readValues(p, type);
        }

        @Override
        public <T> java.util.Iterator<T> readValues(JsonParser p, com.fasterxml.jackson.core.type.ResolvedType type)
            throws IOException {
            return mapper().readValues(p, type);
        }

        @Override
        public void writeValue(JsonGenerator g, Object value) throws IOException {
            mapper().writeValue(g, value);
        }

        @Override
        public <T extends com.fasterxml.jackson.core.TreeNode> T readTree(JsonParser p) throws IOException {
            return mapper().readTree(p);
        }

        @Override
        public void writeTree(JsonGenerator g, com.fasterxml.jackson.core.TreeNode tree) throws IOException {
            mapper().writeTree(g, tree);
        }

        @Override
        public com.fasterxml.jackson.core.TreeNode createObjectNode() {
            return mapper().createObjectNode();
        }

        @Override
        public com.fasterxml.jackson.core.TreeNode createArrayNode() {
            return mapper().createArrayNode();
        }

        @Override
        public JsonParser treeAsTokens(com.fasterxml.jackson.core.TreeNode tree) {
            return mapper().treeAsTokens(tree);
        }

        @Override
        public <T> T treeToValue(com.fasterxml.jackson.core.TreeNode tree, Class<T> type)
            throws JsonProcessingException {
            return mapper().treeToValue(tree, type);
        }

        @Override
        public JsonFactory getFactory() {
            return Factory.FACTORY;
        }
    }

    /** The interner of this codec (for tests). */
    Interner interner() {
        return interner;
    }

    /**
     * Decodes one frame.
     *
     * @throws ProtocolError {@code wrong-format} for text that is not JSON or a message of the wrong shape, or
     *     that holds an unpaired surrogate (text no UTF-8 decoder makes, so never a real text frame's: in an action
     *     it would be stored as {@code ?} or stop every frame that carries it; JSON writes it as an escape),
     *     {@code unknown-message} for an unknown type
     */
    public Message decode(String text) throws ProtocolError {
        int odd = JsonTrees.unpairedSurrogate(text);
        if (odd >= 0) {
            throw ProtocolError.wrongFormat(text, "frame text has an unpaired surrogate at char " + odd
                + " (no UTF-8 form; JSON writes it as an escape)");
        }
        try (JsonParser p = Factory.FACTORY.createParser(text)) {
            return decode(p, () -> text, (from, to) -> text.substring((int) from, (int) to + 1));
        } catch (IOException e) {
            throw ProtocolError.wrongFormat(text, "frame is not JSON: " + e.getMessage());
        }
    }

    /**
     * Decodes one frame from its UTF-8 bytes: what a transport receives, parsed without making a string
     * of it first (the frame's text is made only for an error).
     *
     * @throws ProtocolError as {@link #decode(String)}
     */
    public Message decode(byte[] utf8, int offset, int length) throws ProtocolError {
        // the common sync frame in one pass without Jackson (a catch-up's, cold); anything else, or anything wrong
        // with it, is the streaming decoder's below
        Message fast = decodeCommon(utf8, offset, length);
        return fast != null ? fast : decodeStreaming(utf8, offset, length);
    }

    /**
     * The frame as a {@code sync} or a {@code synced} when it is one of the common shapes that are read without
     * Jackson ({@code SyncScanner}), else null: then {@link #decodeStreaming} reads it. A frame this returns a message
     * for is well-formed UTF-8 (every byte checked), so a transport need not check it again; one it returns null for
     * may be anything.
     */
    public Message decodeCommon(byte[] utf8, int offset, int length) {
        Message.Sync sync = SyncScanner.scan(utf8, offset, length, interner);
        return sync != null ? sync : SyncScanner.scanSynced(utf8, offset, length);
    }

    /**
     * {@link #decode(byte[], int, int)} with Jackson's streaming parser only: for what {@link #decodeCommon}
     * leaves (tests compare the two paths).
     *
     * @throws ProtocolError as {@link #decode(String)}
     */
    public Message decodeStreaming(byte[] utf8, int offset, int length) throws ProtocolError {
        Supplier<String> text = () -> new String(utf8, offset, length, StandardCharsets.UTF_8);
        try {
            try {
                return decodeStreaming(utf8, offset, length, text);
            } catch (SurrogateInName e) {
                // read again as text (rare: only a frame with such a name gets here): the char parser keeps such a
                // name (its symbol table holds chars). Decoded strictly first, so bytes that are not UTF-8 are refused
                // as on the byte path. Not read again from the bytes by a parser without the symbol table: Jackson
                // reads them through a reader, whose offsets count chars, and the actions were cut from the bytes at
                // them (each action after a non-ASCII char cut short or shifted: SurrogateNameOffsetsTest)
                String decoded;
                try {
                    decoded = StandardCharsets.UTF_8.newDecoder()
                        .decode(java.nio.ByteBuffer.wrap(utf8, offset, length)).toString();
                } catch (java.nio.charset.CharacterCodingException notUtf8) {
                    throw ProtocolError.wrongFormat(text.get(), "frame is not JSON: a text that is not valid UTF-8");
                }
                return decode(decoded);
            }
        } catch (IOException e) {
            throw ProtocolError.wrongFormat(text.get(), "frame is not JSON: " + e.getMessage());
        }
    }

    private Message decodeStreaming(byte[] utf8, int offset, int length, Supplier<String> text)
        throws ProtocolError, IOException {
        try (JsonParser p = Factory.FACTORY.createParser(utf8, offset, length)) {
            return decode(p, text, (from, to) -> new String(utf8, offset + (int) from, (int) (to - from) + 1,
                StandardCharsets.UTF_8));
        }
    }

    private Message decode(JsonParser p, Supplier<String> text,
                           Slicer slicer)
        throws ProtocolError, IOException {
        String type;
        Message m;
        try {
            if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.VALUE_STRING) {
                // read on, so that text that is not JSON at all says so
                while (p.nextToken() != null) {
                    p.skipChildren();
                }
                throw ProtocolError.wrongFormat(text.get(), "a message must be an array starting with its type");
            }
            type = p.getText();
            try {
                m = "sync".equals(type) ? sync(p, slicer) : decodeTree(p, type);
            } catch (Shape e) {
                // the shape is wrong; if the JSON is broken too, say that instead
                while (p.nextToken() != null) {
                    p.skipChildren();
                }
                throw ProtocolError.wrongFormat(text.get(), type + ": " + e.getMessage());
            }
            if (p.nextToken() != null) {
                throw ProtocolError.wrongFormat(text.get(), "frame is not JSON: content after the message");
            }
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            if (why != null && why.contains("surrogate") && why.contains("field name")) {
                throw new SurrogateInName(); // the byte parser's symbol table: read again without it
            }
            throw ProtocolError.wrongFormat(text.get(), "frame is not JSON: " + why);
        }
        return m;
    }

    /** {@link Factory#FACTORY}'s byte parser refused an escaped unpaired surrogate in a field name. */
    private static final class SurrogateInName extends IOException {
        private static final long serialVersionUID = 1L;

        SurrogateInName() {
            super("an escaped unpaired surrogate in a field name");
        }
    }

    /**
     * The rest of a message of any type but sync, read as a tree (those messages are small), at most
     * {@link #MAX_NESTING} levels deep.
     */
    private static Message decodeTree(JsonParser p, String type) throws ProtocolError, IOException, Shape {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        a.add(type);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new JsonEOFException(p, null, "unexpected end of the frame");
            }
            a.add(readValue(p));
        }
        int depth = EntrySize.depth(a);
        if (depth > MAX_NESTING) {
            throw new Shape("nested " + depth + " levels deep, over the limit of " + MAX_NESTING);
        }
        if ("headers".equals(type)) {
            JsonLocation end = p.currentLocation();
            long read = Math.max(end.getByteOffset(), end.getCharOffset());
            if (read > MAX_HEADERS_BYTES) {
                throw new Shape("headers of " + read + " bytes, over the limit of " + MAX_HEADERS_BYTES
                    + " (the node keeps a peer's headers while it is connected: send short ones)");
            }
        }
        return switch (type) {
            case "connect" -> connect(a);
            case "connected" -> connected(a);
            case "headers" -> headers(a);
            case "synced" -> new Message.Synced(count(a, 1, 2));
            case "ping" -> new Message.Ping(count(a, 1, 3), options(a, 2));
            case "pong" -> new Message.Pong(count(a, 1, 3), options(a, 2));
            case "error" -> error(a);
            case "debug" -> debug(a);
            case "logmesh:ihave" -> ihave(a);
            case "logmesh:graft" -> new Message.Graft(ids(a, 1, 2));
            case "logmesh:prune" -> prune(a);
            case "logmesh:range" -> range(a);
            case "logmesh:want" -> want(a);
            case "logmesh:gone" -> new Message.Gone(ids(a, 1, 2));
            case "logmesh:hpv" -> hpv(a);
            case "logmesh:presence" -> presence(a);
            default -> throw ProtocolError.of(ProtocolError.Type.UNKNOWN_MESSAGE,
                a.get(0), "unknown message type \"" + type + "\"");
        };
    }

    /** The value whose first token is the parser's current one, as a tree. */
    static JsonNode readValue(JsonParser p) throws IOException {
        return Trees.read(p);
    }

    /** A shape violation inside one message; becomes wrong-format. */
    private static final class Shape extends Exception {
        Shape(String message) {
            super(message, null, false, false);
        }
    }

    private static void size(ArrayNode a, int min, int max) throws Shape {
        if (a.size() < min || a.size() > max) {
            throw new Shape("expected " + (min - 1) + (max > min ? "–" + (max - 1) : "") + " arguments, got "
                + (a.size() - 1));
        }
    }

    private static long safeCount(JsonNode n, String what) throws Shape {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new Shape(what + " must be an integer");
        }
        long v = n.asLong();
        if (v < 0 || v > ActionId.MAX_SAFE) {
            throw new Shape(what + " out of range: " + v);
        }
        return v;
    }

    private static long count(ArrayNode a, int min, int max) throws Shape {
        size(a, min + 1, max);
        return safeCount(a.get(1), "value");
    }

    private static String nodeId(JsonNode n) throws Shape {
        if (n == null || !n.isTextual()) {
            throw new Shape("node id must be a string");
        }
        String s = n.asText();
        if (s.isEmpty() || s.indexOf(' ') >= 0) {
            throw new Shape("node id must be non-empty without spaces");
        }
        return s;
    }

    private static ObjectNode options(ArrayNode a, int index) throws Shape {
        JsonNode o = a.get(index);
        if (o == null || o.isNull()) {
            return null;
        }
        if (!o.isObject()) {
            throw new Shape("options must be an object");
        }
        return (ObjectNode) o;
    }

    private static int protocol(JsonNode n) throws Shape {
        long v = safeCount(n, "protocol");
        if (v > Integer.MAX_VALUE) {
            throw new Shape("protocol out of range");
        }
        return (int) v;
    }

    private static Message connect(ArrayNode a) throws Shape {
        size(a, 4, 5);
        return new Message.Connect(protocol(a.get(1)), nodeId(a.get(2)), connectSynced(a.get(3)), options(a, 4));
    }

    /**
     * A {@code connect}'s {@code synced}: any JSON number, as {@code @logux/core}'s validator takes it (a client whose
     * stored cursor went wrong must still connect, not be refused at every reconnect). A whole number from 0 to
     * {@link Long#MAX_VALUE} is itself; one above that (or an infinite one) is {@link Long#MAX_VALUE} ("more than this
     * node has"); a negative or fractional one is 0 ("nothing known": the peer is sent everything it may lack). What a
     * number above the log's end means is the session's business. Anything but a number is {@code wrong-format}.
     */
    private static long connectSynced(JsonNode n) throws Shape {
        if (n == null || !n.isNumber()) {
            throw new Shape("synced must be a number");
        }
        if (n.isIntegralNumber()) {
            if (n.canConvertToLong()) {
                return Math.max(0, n.asLong());
            }
            return n.bigIntegerValue().signum() < 0 ? 0 : Long.MAX_VALUE;
        }
        double d = n.doubleValue();
        if (Double.isNaN(d) || d < 0 || d != Math.floor(d)) {
            return 0;
        }
        return d >= 0x1p63 ? Long.MAX_VALUE : (long) d;
    }

    private static Message connected(ArrayNode a) throws Shape {
        size(a, 4, 5);
        JsonNode times = a.get(3);
        if (!times.isArray() || times.size() != 2) {
            throw new Shape("times must be [start, end]");
        }
        return new Message.Connected(protocol(a.get(1)), nodeId(a.get(2)), safeCount(times.get(0), "start"),
            safeCount(times.get(1), "end"), options(a, 4));
    }

    private static Message headers(ArrayNode a) throws Shape {
        size(a, 2, 2);
        if (!a.get(1).isObject()) {
            throw new Shape("headers must be an object");
        }
        return new Message.Headers((ObjectNode) a.get(1));
    }

    private static Message error(ArrayNode a) throws Shape {
        size(a, 2, 3);
        if (!a.get(1).isTextual()) {
            throw new Shape("error type must be a string");
        }
        return new Message.Error(a.get(1).asText(), a.size() > 2 ? a.get(2) : null);
    }

    private static Message debug(ArrayNode a) throws Shape {
        size(a, 3, 3);
        if (!a.get(1).isTextual() || !"error".equals(a.get(1).asText()) || !a.get(2).isTextual()) {
            throw new Shape("debug must be [\"debug\", \"error\", text]");
        }
        return new Message.Debug(a.get(1).asText(), a.get(2).asText());
    }

    /** Most ids one ihave or graft may carry. */
    static final int MAX_IDS = 100_000;

    private static Message ihave(ArrayNode a) throws Shape {
        size(a, 3, 3);
        return new Message.Ihave(safeCount(a.get(1), "added"), ids(a, 2, 3));
    }

    /** Longest reconciliation payload accepted, in base64 characters (a frame limit bounds it anyway). */
    static final int MAX_RANGE_PAYLOAD = 16 << 20;

    private static Message range(ArrayNode a) throws Shape {
        size(a, 3, 3);
        JsonNode payload = a.get(2);
        if (!payload.isTextual() || payload.asText().length() > MAX_RANGE_PAYLOAD) {
            throw new Shape("a range payload must be a string (base64)");
        }
        return new Message.Range(safeCount(a.get(1), "fromMs"), payload.asText());
    }

    private static Message want(ArrayNode a) throws Shape {
        size(a, 2, 2);
        JsonNode list = a.get(1);
        if (!list.isArray() || list.size() > MAX_IDS) {
            throw new Shape("want keys must be an array of at most " + MAX_IDS + " strings");
        }
        List<String> keys = new ArrayList<>(list.size());
        for (JsonNode k : list) {
            if (!k.isTextual() || k.asText().length() > 100) {
                throw new Shape("a want key must be a short string");
            }
            keys.add(k.asText());
        }
        return new Message.Want(keys);
    }

    /** [overlay hook] {@code ["logmesh:hpv", object]}; the object's own shape is checked by the overlay. */
    private static Message hpv(ArrayNode a) throws Shape {
        size(a, 2, 2);
        if (!a.get(1).isObject()) {
            throw new Shape("an overlay message must be an object");
        }
        return new Message.Hpv((ObjectNode) a.get(1));
    }

    /** {@code ["logmesh:presence", object]}; the record's own shape is checked by the mesh's presence. */
    private static Message presence(ArrayNode a) throws Shape {
        size(a, 2, 2);
        if (!a.get(1).isObject()) {
            throw new Shape("a presence record must be an object");
        }
        return new Message.Presence((ObjectNode) a.get(1));
    }

    private static Message prune(ArrayNode a) throws Shape {
        size(a, 1, 1);
        return new Message.Prune();
    }

    private static List<ActionId> ids(ArrayNode a, int index, int size) throws Shape {
        size(a, size, size);
        JsonNode list = a.get(index);
        if (!list.isArray() || list.size() > MAX_IDS) {
            throw new Shape("ids must be an array of at most " + MAX_IDS + " id strings");
        }
        List<ActionId> out = new ArrayList<>(list.size());
        for (JsonNode id : list) {
            if (!id.isTextual()) {
                throw new Shape("an id must be a string");
            }
            try {
                out.add(ActionId.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw new Shape(e.getMessage());
            }
        }
        return out;
    }

    /**
     * The rest of a sync, streamed: each action is checked and kept as its text (a log stores and forwards
     * actions; it parses one only when asked for a field), each meta is read into a {@link WireMeta}.
     */
    private Message sync(JsonParser p, Slicer slicer)
        throws IOException, Shape {
        JsonToken t = p.nextToken();
        if (t == JsonToken.END_ARRAY) {
            throw new Shape("sync must be [\"sync\", added, action, meta, ...]");
        }
        long added = safeCount(p, "added");
        List<Message.WireEntry> entries = new ArrayList<>();
        int[] actionDepth = new int[1]; // one per frame: the codec is shared by transport threads
        for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            entries.add(entry(p, t, slicer, actionDepth));
        }
        return new Message.Sync(added, entries);
    }

    /**
     * One {@code action, meta} pair of a sync, from its first token {@code t}; the parser is left on the meta's
     * {@code END_OBJECT}. A method of its own, called per entry, so that the JIT compiles it early (a loop body in a
     * method called once per frame stays interpreted until the loop's on-stack replacement).
     */
    private Message.WireEntry entry(JsonParser p, JsonToken t, Slicer slicer, int[] actionDepth)
        throws IOException, Shape {
        if (t != JsonToken.START_OBJECT) {
            throw new Shape(t == null ? "the frame ends inside the sync" : "action must be an object");
        }
        String[] beyond = new String[1];
        Action action = action(p, slicer, actionDepth, beyond);
        JsonToken m = p.nextToken();
        if (m == JsonToken.END_ARRAY) {
            throw new Shape("sync must be [\"sync\", added, action, meta, ...]");
        }
        if (m != JsonToken.START_OBJECT) {
            throw new Shape("meta must be an object");
        }
        WireMeta meta;
        try {
            meta = WireMeta.read(p, interner);
        } catch (IllegalArgumentException e) {
            throw new Shape(e.getMessage());
        }
        int depth = actionDepth[0];
        if (!meta.extra().isEmpty()) {
            for (var kv : meta.extra().entrySet()) {
                depth = Math.max(depth, 1 + EntrySize.depth(kv.getValue()));
                if (beyond[0] == null) {
                    beyond[0] = beyondDoubleRange(kv.getValue(), " in its meta \""
                        + new String(JsonStringEncoder.getInstance().quoteAsString(kv.getKey())) + "\"", "");
                }
            }
        }
        return new Message.WireEntry(action, meta, depth > EntrySize.MAX_DEPTH ? depth : 0, beyond[0]);
    }

    /**
     * Where {@code tree} holds a number beyond a double's range (one that rounds to infinity: {@code 1e400}, an
     * integer of 309 digits), as {@code holds the number 1E+400 in its meta "k" at /w} ({@code in} names the tree;
     * {@code at} and the pointer only below its top), or null for none. The first one found; {@code at} is the
     * pointer of {@code tree}.
     */
    static String beyondDoubleRange(JsonNode tree, String in, String at) {
        if (tree.isNumber()) {
            return Double.isInfinite(tree.doubleValue())
                ? "holds the number " + tree.asText() + in + (at.isEmpty() ? "" : " at " + at) : null;
        }
        if (tree.isObject()) {
            for (var kv : tree.properties()) {
                String where = beyondDoubleRange(kv.getValue(), in, at + "/" + kv.getKey().replace("~", "~0")
                    .replace("/", "~1"));
                if (where != null) {
                    return where;
                }
            }
        } else if (tree.isArray()) {
            for (int i = 0; i < tree.size(); i++) {
                String where = beyondDoubleRange(tree.get(i), in, at + "/" + i);
                if (where != null) {
                    return where;
                }
            }
        }
        return null;
    }

    /**
     * Where a stored entry holds a number beyond a double's range, as {@link Message.WireEntry#beyondRange} says it
     * ({@code holds the number 1e400 at /v}, {@code holds the number 1e400 in its meta "k" at /w}), or null for none:
     * an entry a logmesh of session 34 or before stored (from {@code Action.parse}, {@code logmesh add}, a peer or a
     * client), which every way in refuses since. A sender does not relay it ({@code SyncSession}): a JavaScript peer
     * reads it as {@code Infinity} and writes {@code null} (another action under the same id), a logmesh peer refuses
     * it. Most actions are answered from one pass over their chars (no exponent after a digit, no run of more than
     * 300 digits); any thread.
     */
    public static String beyondDoubleRange(dev.logmesh.Entry e) {
        String found = beyondDoubleRange(e.action().toJson());
        if (found == null && !e.meta().extra().isEmpty()) {
            for (var kv : e.meta().extra().entrySet()) {
                found = beyondDoubleRange(kv.getValue(), " in its meta \""
                    + new String(JsonStringEncoder.getInstance().quoteAsString(kv.getKey())) + "\"", "");
                if (found != null) {
                    break;
                }
            }
        }
        return found;
    }

    /** {@link #beyondDoubleRange(dev.logmesh.Entry)} of an action's JSON text (valid JSON, as stored). */
    static String beyondDoubleRange(String json) {
        if (!mayBeBeyondDoubleRange(json)) {
            return null;
        }
        try (JsonParser p = Factory.FACTORY.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if ((t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) && beyondDoubleRange(p)) {
                    return "holds the number " + p.getText() + " at " + p.getParsingContext().pathAsPointer();
                }
            }
        } catch (IOException e) {
            return null; // not JSON: not this check's to say (the store's checksum and parse are)
        }
        return null;
    }

    /**
     * Whether JSON text may hold a number beyond a double's range: an exponent ({@code e} or {@code E} after a
     * digit) or a run of more than 300 digits. False is certain; true may be a string's content. Pure.
     */
    static boolean mayBeBeyondDoubleRange(String json) {
        int digits = 0;
        for (int i = 0, n = json.length(); i < n; i++) {
            char c = json.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 300) {
                    return true;
                }
            } else {
                if ((c == 'e' || c == 'E') && digits > 0) {
                    return true;
                }
                digits = c == '.' && digits > 0 ? digits : 0;
            }
        }
        return false;
    }

    /**
     * Whether the number token the parser is on rounds to infinity as a double, the rule of {@code
     * Action.requireDoubleRange} (a number JavaScript reads as {@code Infinity}); the usual short number without an
     * exponent is answered from its chars, without making a string.
     */
    static boolean beyondDoubleRange(JsonParser p) throws IOException {
        int n = p.getTextLength();
        if (n <= 300) {
            char[] c = p.getTextCharacters();
            int off = p.getTextOffset();
            boolean exponent = false;
            for (int i = off; i < off + n && !exponent; i++) {
                exponent = c[i] == 'e' || c[i] == 'E';
            }
            if (!exponent) {
                return false;
            }
        }
        return Double.isInfinite(Double.parseDouble(p.getText()));
    }

    /**
     * {@code holds the number N at /pointer} of the number token the parser is on, its pointer taken inside the
     * action (the frame's own first step, the action's index, left out).
     */
    private static String beyondAt(JsonParser p) throws IOException {
        return "holds the number " + p.getText() + " at " + p.getParsingContext().pathAsPointer().tail();
    }

    /**
     * Reads one action in one streaming pass: the object starts at the parser's current token
     * ({@code START_OBJECT}) and the parser is left on its {@code END_OBJECT}. The action keeps the object's
     * source text ({@code slicer} of the two tokens' locations) and its type, shared through the interner;
     * no tree is built. Its nesting depth (1 for an object of scalars) goes to {@code depth[0]}.
     */
    private Action action(JsonParser p, Slicer slicer, int[] depth, String[] beyond)
        throws IOException, Shape {
        long first = tokenOffset(p);
        String type = null;
        boolean typeSeen = false;
        int deepest = 0;
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            if ("type".equals(key)) {
                // the last one counts, as with JSON.parse
                typeSeen = true;
                type = t == JsonToken.VALUE_STRING
                    ? interner.intern(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()) : null;
            }
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                deepest = Math.max(deepest, skipMeasuring(p, beyond));
            } else if ((t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) && beyond[0] == null
                && beyondDoubleRange(p)) {
                beyond[0] = beyondAt(p);
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new JsonParseException(p, "the text ends inside an action");
        }
        depth[0] = 1 + deepest;
        String source = slicer.slice(first, tokenOffset(p));
        if (!typeSeen) {
            throw new Shape("action must have a non-empty string type (action has no \"type\": " + source + ")");
        }
        if (type == null || type.isEmpty()) {
            throw new Shape("action must have a non-empty string type (action \"type\" must be a non-empty string: "
                + source + ")");
        }
        return CheckedActions.of(source, type); // interned as it was read
    }

    /**
     * Skips the object or array that starts at the current token, as {@link JsonParser#skipChildren} does, and
     * returns how deep it is nested (1 for one of scalars). The parser is left on its end token.
     */
    private static int skipMeasuring(JsonParser p, String[] beyond) throws IOException {
        int open = 1;
        int deepest = 1;
        while (open > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new JsonEOFException(p, null, "the text ends inside an action");
            }
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                deepest = Math.max(deepest, ++open);
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                open--;
            } else if ((t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) && beyond[0] == null
                && beyondDoubleRange(p)) {
                beyond[0] = beyondAt(p);
            }
        }
        return deepest;
    }

    /**
     * The text of a frame between two token offsets, both included: chars of a string frame, bytes of a UTF-8 one
     * (what {@link #tokenOffset} counts for each).
     */
    @FunctionalInterface
    private interface Slicer {
        String slice(long from, long to);
    }

    /**
     * Where the current token starts in the frame: chars for a parser of a string, bytes for one of UTF-8 bytes (the
     * offset {@code currentTokenLocation()} reports for each, without making a location object: two per action).
     */
    private static long tokenOffset(JsonParser p) {
        if (p instanceof ParserBase b) {
            // Jackson's two parsers (of bytes and of chars) report a token's location as this total minus one
            // (MessageCodecTest's golden frames check the text an action keeps, in both)
            return b.getTokenCharacterOffset() - 1;
        }
        var at = p.currentTokenLocation();
        return at.getByteOffset() >= 0 ? at.getByteOffset() : at.getCharOffset();
    }

    private static long safeCount(JsonParser p, String what) throws IOException, Shape {
        try {
            return WireMeta.integer(p, what, 0);
        } catch (IllegalArgumentException e) {
            throw new Shape(e.getMessage());
        }
    }

    /**
     * Encodes a message as the JSON text of one frame. Made from the UTF-8 encoding, whose generator writes every
     * surrogate in a string as an escape: a string generator would write an unpaired one as it is, text with no UTF-8
     * form that a transport would send as {@code ?}.
     */
    public static String encode(Message m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try {
            encode(m, out);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to memory cannot fail", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Encodes a message as the UTF-8 JSON text of one frame, straight into {@code out} (a transport's buffer),
     * without a string in between.
     *
     * @throws IOException if {@code out} fails
     */
    public static void encode(Message m, OutputStream out) throws IOException {
        try (JsonGenerator g = Factory.FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            write(m, g);
        }
    }

    private static void write(Message m, JsonGenerator g) throws IOException {
            g.writeStartArray();
            g.writeString(m.type());
            if (m instanceof Message.Connect c) {
                g.writeNumber(c.protocol());
                g.writeString(c.nodeId());
                g.writeNumber(c.synced());
                writeOptions(g, c.options());
            } else if (m instanceof Message.Connected c) {
                g.writeNumber(c.protocol());
                g.writeString(c.nodeId());
                g.writeStartArray();
                g.writeNumber(c.start());
                g.writeNumber(c.end());
                g.writeEndArray();
                writeOptions(g, c.options());
            } else if (m instanceof Message.Headers h) {
                JsonTrees.write(g, h.headers());
            } else if (m instanceof Message.Sync s) {
                g.writeNumber(s.added());
                for (Message.WireEntry e : s.entries()) {
                    e.action().writeTo(g);
                    e.meta().writeTo(g);
                }
            } else if (m instanceof Message.Synced s) {
                g.writeNumber(s.added());
            } else if (m instanceof Message.Ping p) {
                g.writeNumber(p.synced());
                writeOptions(g, p.options());
            } else if (m instanceof Message.Pong p) {
                g.writeNumber(p.synced());
                writeOptions(g, p.options());
            } else if (m instanceof Message.Error e) {
                g.writeString(e.errorType());
                if (e.options() != null) {
                    JsonTrees.write(g, e.options());
                }
            } else if (m instanceof Message.Debug d) {
                g.writeString(d.debugType());
                g.writeString(d.text());
            } else if (m instanceof Message.Ihave h) {
                g.writeNumber(h.added());
                writeIds(g, h.ids());
            } else if (m instanceof Message.Graft gr) {
                writeIds(g, gr.ids());
            } else if (m instanceof Message.Range r) {
                g.writeNumber(r.fromMs());
                g.writeString(r.payload());
            } else if (m instanceof Message.Want w) {
                g.writeStartArray();
                for (String k : w.keys()) {
                    g.writeString(k);
                }
                g.writeEndArray();
            } else if (m instanceof Message.Gone gone) {
                writeIds(g, gone.ids());
            } else if (m instanceof Message.Hpv h) {
                JsonTrees.write(g, h.body());
            } else if (m instanceof Message.Presence p) {
                JsonTrees.write(g, p.body());
            }
            g.writeEndArray();
    }

    private static void writeIds(JsonGenerator g, List<ActionId> ids) throws IOException {
        g.writeStartArray();
        for (ActionId id : ids) {
            g.writeString(id.toString());
        }
        g.writeEndArray();
    }

    private static void writeOptions(JsonGenerator g, ObjectNode options) throws IOException {
        if (options != null && !options.isEmpty()) {
            JsonTrees.write(g, options);
        }
    }

    /**
     * A tree's compact JSON text, the same as its {@code toString}, written with the codec's factory: no mapper is
     * made for it ({@code toString} makes one the first time).
     */
    public static String text(JsonNode n) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = Factory.FACTORY.createGenerator(out)) {
            JsonTrees.write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }

    /**
     * The length of a tree's JSON as the codec writes it into a frame (UTF-8; the mapper's
     * {@code writeValueAsBytes} gives the same bytes), without a mapper or the bytes.
     */
    public static long utf8Length(JsonNode n) {
        long[] count = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        try (JsonGenerator g = Factory.FACTORY.createGenerator(counter, JsonEncoding.UTF8)) {
            JsonTrees.write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException("counting cannot fail", e);
        }
        return count[0];
    }

    /**
     * A tree's compact JSON in UTF-8, the bytes the codec writes for it into a frame ({@link #utf8Length} of them),
     * without a mapper: a compact copy of a tree to keep (a presence record is ~5 times smaller so than as a tree).
     */
    public static byte[] utf8(JsonNode n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Factory.FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            JsonTrees.write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * The tree of JSON text in UTF-8 ({@link #utf8}'s), read as a frame's trees are (numbers as sent), without a
     * mapper.
     *
     * @throws IllegalArgumentException when {@code json} is not one JSON value
     */
    public static JsonNode tree(byte[] json) {
        try (JsonParser p = Factory.FACTORY.createParser(json)) {
            if (p.nextToken() == null) {
                throw new IllegalArgumentException("no JSON value in " + json.length + " bytes");
            }
            return Trees.read(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    /** The shared mapper, for building option objects. */
    public static ObjectMapper mapper() {
        return Mappers.MAPPER;
    }
}
