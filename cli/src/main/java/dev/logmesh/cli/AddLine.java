package dev.logmesh.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.log.MetaJson;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The text of an {@code add} event, {@code {"event":"add","action":...,"meta":{...}[,"ts":...]}}, streamed with
 * one generator: the action's JSON text as it arrived (compact on the wire; no tree parsed, copied and written
 * again, as a catch-up prints every entry; a text with a line break goes through the tree, so an event stays
 * one line), the meta field by field in the order of {@link MetaJson#toJson(Meta)}. Thread-safe (a lock,
 * uncontended: the stdout writer thread is the caller).
 */
final class AddLine {
    private final StringWriter text = new StringWriter(256);
    private final JsonGenerator gen;

    AddLine() {
        try {
            gen = MetaJson.writer().createGenerator(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        gen.setRootValueSeparator(null);
    }

    /** The event's line, without the line separator. {@code ts} is written when {@code withTs}. */
    synchronized String format(Entry e, boolean withTs, long ts) {
        StringBuffer buf = text.getBuffer();
        buf.setLength(0);
        try {
            gen.writeStartObject();
            gen.writeStringField("event", "add");
            gen.writeFieldName("action");
            String action = e.action().toJson();
            if (action.indexOf('\n') < 0 && action.indexOf('\r') < 0) {
                gen.writeRawValue(action);
            } else {
                gen.writeTree(e.action().json()); // one event, one line
            }
            Meta m = e.meta();
            gen.writeObjectFieldStart("meta");
            gen.writeStringField("id", m.id().toString());
            gen.writeNumberField("time", m.time());
            gen.writeNumberField("added", m.added());
            gen.writeArrayFieldStart("reasons");
            for (String r : m.reasons()) {
                gen.writeString(r);
            }
            gen.writeEndArray();
            if (m.subprotocol() > 0) {
                gen.writeNumberField("subprotocol", m.subprotocol());
            }
            for (Map.Entry<String, JsonNode> x : m.extra().entrySet()) {
                gen.writeFieldName(x.getKey());
                gen.writeTree(x.getValue());
            }
            gen.writeEndObject();
            if (withTs) {
                gen.writeNumberField("ts", ts);
            }
            gen.writeEndObject();
            gen.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return buf.toString();
    }
}
