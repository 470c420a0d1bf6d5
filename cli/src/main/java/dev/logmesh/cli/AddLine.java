package dev.logmesh.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.MetaJson;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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

    /** The line of {@link #format}, assembled by {@link #appendTo}. */
    private final StringBuilder line = new StringBuilder(256);

    /** The event's line, without the line separator: what {@link #appendTo} appends. */
    synchronized String format(Entry e, boolean withTs, long ts) {
        line.setLength(0);
        appendTo(line, e, withTs, ts);
        return line.toString();
    }

    /**
     * Appends the event's line, without the line separator, to {@code b} (the stdout writer's batch: no string per
     * line). {@code ts} is written when {@code withTs}. The common case (no
     * custom meta keys, an action without a line break, a node id and reasons that JSON needs no escape for) is
     * appended to a builder: the same text as the generator writes (a test compares them), with a fraction of its
     * calls, which matters while the JIT has not compiled them yet (a catch-up prints every entry from the first
     * second). Anything else goes through the generator.
     */
    synchronized void appendTo(StringBuilder b, Entry e, boolean withTs, long ts) {
        String action = e.action().toJson();
        Meta m = e.meta();
        if (!m.extra().isEmpty() || action.indexOf('\n') >= 0 || action.indexOf('\r') >= 0 || !plain(m.id().node())) {
            b.append(formatWithGenerator(e, withTs, ts));
            return;
        }
        List<String> reasons = m.reasons();
        for (int i = 0; i < reasons.size(); i++) {
            if (!plain(reasons.get(i))) {
                b.append(formatWithGenerator(e, withTs, ts));
                return;
            }
        }
        b.append("{\"event\":\"add\",\"action\":").append(action)
            .append(",\"meta\":{\"id\":\"").append(m.id().ms()).append(' ').append(m.id().node()).append(' ')
            .append(m.id().seq()).append("\",\"time\":").append(m.time()).append(",\"added\":").append(m.added())
            .append(",\"reasons\":[");
        for (int i = 0; i < reasons.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append('"').append(reasons.get(i)).append('"');
        }
        b.append(']');
        if (m.subprotocol() > 0) {
            b.append(",\"subprotocol\":").append(m.subprotocol());
        }
        b.append('}');
        if (withTs) {
            b.append(",\"ts\":").append(ts);
        }
        b.append('}');
    }

    /** Whether a JSON string of {@code s} is {@code s} between quotes: no quote, backslash or control character. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
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
