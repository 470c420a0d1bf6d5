package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Map;
import java.util.Objects;

/**
 * What a hook knows about the client it works for (Logux's {@code ctx}).
 *
 * @param client      the connection's ids ({@code ctx.nodeId}, {@code ctx.clientId}, {@code ctx.userId})
 * @param subprotocol the action's subprotocol, else the connection's ({@code ctx.subprotocol})
 * @param headers     the client's {@code headers} message (an object; empty when none came)
 * @param params      the channel pattern's parameters ({@code ctx.params}); empty for types
 */
public record EdgeContext(ClientId client, int subprotocol, JsonNode headers, Map<String, String> params) {
    public EdgeContext {
        Objects.requireNonNull(client, "client");
        headers = headers == null || !headers.isObject() ? JsonNodeFactory.instance.objectNode() : headers.deepCopy();
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    /** The user id, or null for a client without one. */
    public String userId() {
        return client.userId();
    }

    /** A copy with channel parameters. */
    public EdgeContext withParams(Map<String, String> newParams) {
        return new EdgeContext(client, subprotocol, headers, newParams);
    }

    /** A copy with another subprotocol. */
    public EdgeContext withSubprotocol(int newSubprotocol) {
        return new EdgeContext(client, newSubprotocol, headers, params);
    }
}
