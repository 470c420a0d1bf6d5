package dev.logmesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Map;
import java.util.Objects;

/**
 * What a client hook knows about the Logux client it works for ({@code @logux/server}'s {@code ctx}): the ids of
 * the connection, the subprotocol, the client's headers and, for a channel, the pattern's parameters.
 *
 * <p>Ids follow Logux's convention {@code userId:clientRandom:tabId}: a browser's tabs share one client id
 * ({@code alice:Xk3v9QaB}); a restarted client keeps it and gets a new node id.
 *
 * @param nodeId      the client's node id ({@code alice:Xk3v9QaB:tab1})
 * @param clientId    its first two parts ({@code alice:Xk3v9QaB}), or the whole id when it has one part
 * @param userId      its first part, or null for a one-part id (no user)
 * @param subprotocol the action's subprotocol, else the connection's (0: none)
 * @param headers     the client's {@code headers} message (an object, empty when none came); do not modify
 * @param params      a channel pattern's parameters ({@code users/:id} → {@code id}); empty for action types
 */
public record ClientContext(String nodeId, String clientId, String userId, int subprotocol, JsonNode headers,
                            Map<String, String> params) {
    public ClientContext {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clientId, "clientId");
        headers = headers == null ? JsonNodeFactory.instance.objectNode() : headers;
        params = params == null ? Map.of() : Map.copyOf(params);
    }
}
