package dev.logmesh.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.MetaJson;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The text of an {@code add} event, {@code {"event":"add","action":...,"meta":{...}[,"ts":...]}}, streamed with
 * one generator: the action's JSON text as it arrived (compact on the wire; no tree parsed, copied and written
 * again, as a catch-up prints every entry, and numbers exactly as typed; a line break in the text, JSON
 * whitespace, becomes a space, so an event stays one line), the meta field by field in the order of {@link MetaJson#toJson(Meta)}. Thread-safe (a lock,
 * uncontended: the stdout writer thread is the caller).
 */
final class AddLine {
    private final StringWriter text = new StringWriter(256);
    /**
     * The generator of the uncommon cases, made at the first of them: it comes from the mapper (custom meta values
     * and multi-line actions are trees), and a node makes no mapper before it is {@code ready} (README,
     * "Performance", Start-up). Under the lock.
     */
    private JsonGenerator gen;

    AddLine() {
    }

    private JsonGenerator gen() {
        if (gen == null) {
            try {
                gen = MetaJson.writer().createGenerator(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            gen.setRootValueSeparator(null);
        }
        return gen;
    }

    /** The node id of the last line on {@link #appendTo}'s path, and its UTF-8 (null when not {@link #plain}). */
    private String lastNode;
    private byte[] lastNodeBytes;
    /** The reasons of the last line on {@link #appendTo}'s path, and {@link #reasonsBytes} of them. */
    private List<String> lastReasons;
    private byte[] lastReasonsBytes;

    /** The line of {@link #format}, assembled by {@link #appendTo}. */
    private final Utf8Batch line = new Utf8Batch(256);

    private static final byte[] START = ascii("{\"event\":\"add\",\"action\":");
    private static final byte[] META = ascii(",\"meta\":{\"id\":\"");
    private static final byte[] TIME = ascii("\",\"time\":");
    private static final byte[] ADDED = ascii(",\"added\":");
    private static final byte[] REASONS = ascii(",\"reasons\":[");
    private static final byte[] SUBPROTOCOL = ascii(",\"subprotocol\":");
    private static final byte[] TS = ascii(",\"ts\":");

    /** The most bytes of a common line beyond its strings' UTF-8: the constant parts and six numbers. */
    private static final int FIXED = START.length + META.length + TIME.length + ADDED.length + REASONS.length
        + SUBPROTOCOL.length + TS.length + 8 + 6 * Utf8Batch.MAX_NUMBER;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The event's line, without the line separator: what {@link #appendTo} appends. */
    synchronized String format(Entry e, boolean withTs, long ts) {
        line.clear();
        appendTo(line, e, withTs, ts);
        return line.toString();
    }

    /**
     * Appends the event's line as UTF-8, without the line separator, to {@code b} (the stdout writer's batch: no
     * string per line). {@code ts} is written when {@code withTs}. The common case (no custom meta keys, an action
     * without a line break, a node id and reasons that JSON needs no escape for) is assembled from its parts: the
     * same text as the generator writes (a test compares them), with a fraction of its calls, which matters while
     * the JIT has not compiled them yet (a catch-up prints every entry from the first second). Anything else goes
     * through the generator.
     *
     * <p>A catch-up's line (an ASCII action without a line break; a node id and reasons that the line before had
     * too, as the same objects) takes the shortest path: the action copied in one pass that checks it as it goes,
     * the node id and the reasons as bytes kept from the line before. C2 compiles this method while the catch-up
     * runs (it is the stdout writer's per line): with a loop of its own inlined at each string's call site it was
     * the largest compile of a cold CLI catch-up (14 KB of code, 100-235 ms of C2's CPU, docs/performance.md, "The
     * CLI catch-up's stdout line"); the other lines take {@link #appendAny}, which C2 compiles only if they are
     * common.
     */
    // the node id and the reasons compared as objects: the same object is the same text (both are immutable)
    @SuppressWarnings("ReferenceEquality")
    synchronized void appendTo(Utf8Batch b, Entry e, boolean withTs, long ts) {
        Meta m = e.meta();
        ActionId id = m.id();
        String nodeId = id.node();
        List<String> reasonList = m.reasons();
        // the node id and the reasons as bytes, from the last line when they are the same objects (a catch-up's
        // entries share them: the decoder interns both); null when JSON needs an escape for one of them
        if (nodeId != lastNode) {
            lastNode = nodeId;
            lastNodeBytes = plain(nodeId) ? nodeId.getBytes(StandardCharsets.UTF_8) : null;
        }
        if (reasonList != lastReasons) {
            lastReasons = reasonList;
            lastReasonsBytes = reasonsBytes(reasonList);
        }
        byte[] node = lastNodeBytes;
        byte[] reasons = lastReasonsBytes;
        long ms = id.ms();
        long seq = id.seq();
        long time = m.time();
        long added = m.added();
        String action = e.action().toJson();
        if (node != null && reasons != null && m.extra().isEmpty() && ms != Long.MIN_VALUE && seq != Long.MIN_VALUE
            && time != Long.MIN_VALUE && added != Long.MIN_VALUE && ts != Long.MIN_VALUE) {
            int mark = b.length();
            b.reserve(FIXED + node.length + reasons.length + action.length());
            b.put(START);
            if (b.putAsciiLine(action)) {
                b.put(META);
                b.putNumber(ms);
                b.put(' ');
                b.put(node);
                b.put(' ');
                b.putNumber(seq);
                b.put(TIME);
                b.putNumber(time);
                b.put(ADDED);
                b.putNumber(added);
                b.put(REASONS);
                b.put(reasons);
                b.put(']');
                endMeta(b, m, withTs, ts);
                return;
            }
            b.truncate(mark); // an action with a char beyond ASCII or a line break
        }
        appendAny(b, e, withTs, ts);
    }

    /** The reasons as the bytes between the brackets of their JSON array; null when one is not {@link #plain}. */
    private static byte[] reasonsBytes(List<String> reasons) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < reasons.size(); i++) {
            if (!plain(reasons.get(i))) {
                return null;
            }
            s.append(i > 0 ? ",\"" : "\"").append(reasons.get(i)).append('"');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@link #appendTo} for any entry: a line assembled from its parts where JSON needs no escape in the meta, else
     * the generator's.
     */
    private void appendAny(Utf8Batch b, Entry e, boolean withTs, long ts) {
        String action = e.action().toJson();
        Meta m = e.meta();
        if (!m.extra().isEmpty() || action.indexOf('\n') >= 0 || action.indexOf('\r') >= 0 || !plain(m.id().node())) {
            b.json(formatWithGenerator(e, withTs, ts));
            return;
        }
        List<String> reasons = m.reasons();
        for (int i = 0; i < reasons.size(); i++) {
            if (!plain(reasons.get(i))) {
                b.json(formatWithGenerator(e, withTs, ts));
                return;
            }
        }
        long ms = m.id().ms();
        long seq = m.id().seq();
        String node = m.id().node();
        if (ms == Long.MIN_VALUE || seq == Long.MIN_VALUE || m.time() == Long.MIN_VALUE || m.added() == Long.MIN_VALUE
            || ts == Long.MIN_VALUE) {
            b.json(formatWithGenerator(e, withTs, ts)); // putNumber does not write MIN_VALUE (never in a meta)
            return;
        }
        // one check for room, then writes without one (each check and copy is code that C2 compiles, during the
        // catch-up that prints every entry: docs/performance.md, the CLI catch-up's JIT work)
        int text = action.length() + node.length();
        for (int i = 0; i < reasons.size(); i++) {
            text += reasons.get(i).length() + 3;
        }
        b.reserve(FIXED + 3 * text);
        b.put(START);
        b.putText(action);
        b.put(META);
        b.putNumber(ms);
        b.put(' ');
        b.putText(node);
        b.put(' ');
        b.putNumber(seq);
        b.put(TIME);
        b.putNumber(m.time());
        b.put(ADDED);
        b.putNumber(m.added());
        b.put(REASONS);
        for (int i = 0; i < reasons.size(); i++) {
            if (i > 0) {
                b.put(',');
            }
            b.put('"');
            b.putText(reasons.get(i));
            b.put('"');
        }
        b.put(']');
        endMeta(b, m, withTs, ts);
    }

    /** After the reasons: the subprotocol when there is one, the end of the meta, the ts when asked, the line's end. */
    private static void endMeta(Utf8Batch b, Meta m, boolean withTs, long ts) {
        if (m.subprotocol() > 0) {
            b.put(SUBPROTOCOL);
            b.putNumber(m.subprotocol());
        }
        b.put('}');
        if (withTs) {
            b.put(TS);
            b.putNumber(ts);
        }
        b.put('}');
    }

    /**
     * Whether a JSON string of {@code s} is {@code s} between quotes: no quote, backslash or control character; and no
     * surrogate (an unpaired one must be written as an escape: {@link Utf8Batch#json}, on the generator's path).
     */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #format} through the JSON generator, for every case. */
    synchronized String formatWithGenerator(Entry e, boolean withTs, long ts) {
        StringBuffer buf = text.getBuffer();
        buf.setLength(0);
        JsonGenerator g = gen();
        try {
            g.writeStartObject();
            g.writeStringField("event", "add");
            g.writeFieldName("action");
            // the text as kept (numbers exactly as typed), one line: a line break in it is whitespace
            g.writeRawValue(MetaJson.oneLine(e.action().toJson()));
            Meta m = e.meta();
            g.writeObjectFieldStart("meta");
            g.writeStringField("id", m.id().toString());
            g.writeNumberField("time", m.time());
            g.writeNumberField("added", m.added());
            g.writeArrayFieldStart("reasons");
            for (String r : m.reasons()) {
                g.writeString(r);
            }
            g.writeEndArray();
            if (m.subprotocol() > 0) {
                g.writeNumberField("subprotocol", m.subprotocol());
            }
            for (Map.Entry<String, JsonNode> x : m.extra().entrySet()) {
                g.writeFieldName(x.getKey());
                g.writeTree(x.getValue());
            }
            g.writeEndObject();
            if (withTs) {
                g.writeNumberField("ts", ts);
            }
            g.writeEndObject();
            g.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return buf.toString();
    }
}
