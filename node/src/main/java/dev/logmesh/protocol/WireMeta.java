package dev.logmesh.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import dev.logmesh.log.MetaJson;
import java.util.Iterator;
import java.util.Map;

/**
 * Meta in protocol 5's {@code sync} form (spec "sync"; {@code shared/logux-protocol.md} §10): every key but
 * {@code added}; {@code id} compressed relative to the connection's {@code baseTime} and the sender's node
 * id; {@code time} shifted by {@code baseTime} and the receiver-side time fix.
 *
 * <ul>
 *   <li>sender's own id with seq 0: {@code ms - baseTime}</li>
 *   <li>sender's own id: {@code [ms - baseTime, seq]}</li>
 *   <li>another node's id: {@code [ms - baseTime, node, seq]}</li>
 * </ul>
 * Ids are never corrected by the time fix: they are the same on every node.
 */
public final class WireMeta {
    private WireMeta() {
    }

    /**
     * The wire form of a meta sent by {@code ownNode}.
     *
     * @param timeFix this side's time fix (local clock − remote clock), 0 on the listener side
     */
    public static ObjectNode toWire(Meta meta, String ownNode, long baseTime, long timeFix) {
        ObjectNode n = MessageCodec.mapper().createObjectNode();
        ActionId id = meta.id();
        long shift = id.ms() - baseTime;
        if (id.node().equals(ownNode)) {
            if (id.seq() == 0) {
                n.put("id", shift);
            } else {
                ArrayNode a = n.putArray("id");
                a.add(shift);
                a.add(id.seq());
            }
        } else {
            ArrayNode a = n.putArray("id");
            a.add(shift);
            a.add(id.node());
            a.add(id.seq());
        }
        n.put("time", meta.time() - timeFix - baseTime);
        MetaJson.putMutable(n, meta);
        return n;
    }

    /**
     * A meta from its wire form sent by {@code remoteNode} (shape already checked by the codec).
     *
     * @throws ProtocolError wrong-format if a value is out of range after unshifting, or a field has the
     *     wrong type
     */
    public static Meta fromWire(ObjectNode n, String remoteNode, long baseTime, long timeFix)
        throws ProtocolError {
        try {
            ActionId id = id(n.get("id"), remoteNode, baseTime);
            long time = Math.addExact(Math.addExact(n.get("time").asLong(), baseTime), timeFix);
            // The node comes fresh from the codec and nobody else holds it: its values are taken, not copied.
            Map<String, JsonNode> extra = MetaJson.extra(n, false);
            int subprotocol = 0;
            JsonNode sp = n.get("subprotocol");
            if (sp != null && !sp.isNull()) {
                if (!sp.isIntegralNumber() || !sp.canConvertToInt() || sp.asInt() < 0) {
                    throw new IllegalArgumentException("meta subprotocol must be a non-negative integer");
                }
                subprotocol = sp.asInt();
            }
            return new Meta(id, time, 0, MetaJson.reasons(n.get("reasons")), subprotocol, extra);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw ProtocolError.wrongFormat(n.toString(), "bad meta: " + e.getMessage());
        }
    }

    private static ActionId id(JsonNode id, String remoteNode, long baseTime) {
        if (id.isTextual()) {
            return ActionId.parse(id.asText());
        }
        if (id.isNumber()) {
            return new ActionId(Math.addExact(id.asLong(), baseTime), remoteNode, 0);
        }
        Iterator<JsonNode> parts = id.elements();
        long ms = Math.addExact(parts.next().asLong(), baseTime);
        if (id.size() == 2) {
            return new ActionId(ms, remoteNode, parts.next().asLong());
        }
        String node = parts.next().asText();
        return new ActionId(ms, node, parts.next().asLong());
    }
}
