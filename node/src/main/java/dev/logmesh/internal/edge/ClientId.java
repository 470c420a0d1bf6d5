package dev.logmesh.internal.edge;

import dev.logmesh.ActionId;
import java.util.Objects;

/**
 * The parts of a Logux node id, as {@code @logux/core}'s {@code parseId} reads them: {@code userId:clientRandom:tabId}.
 *
 * <ul>
 *   <li>{@link #clientId()}: the first two parts ({@code alice:Xk3v9QaB}), shared by every tab of one browser
 *       (a {@code CrossTabClient} keeps the random part in {@code localStorage}) and kept across a client's
 *       restarts. Echo suppression and the check of a client's action ids compare client ids, not node ids.</li>
 *   <li>{@link #userId()}: the first part, or {@code null} for a one-part id ({@code client}), which has no
 *       user. An empty first part ({@code ":x:y"}) is treated as no user too: JavaScript treats the empty
 *       string as false where {@code @logux/server} asks whether a client has a user.</li>
 * </ul>
 * More than three parts are allowed; the rest belongs to the node id only. A logmesh node id
 * ({@code alice:Xk3v9QaB}) has two parts, so its client id is the whole id and its "user" is its name.
 *
 * @param nodeId   the whole node id
 * @param clientId the first two parts, or the whole id when it has one part
 * @param userId   the first part when the id has two or more parts and it is not empty; otherwise null
 */
public record ClientId(String nodeId, String clientId, String userId) {

    /** The user id {@code @logux/server} reserves for itself: a client may not use it. */
    public static final String SERVER = "server";

    public ClientId {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clientId, "clientId");
        if (userId != null && userId.isEmpty()) {
            throw new IllegalArgumentException("an empty user id is written as null");
        }
    }

    /**
     * Parses a node id, or the node part of an action id ({@code "<ms> <nodeId> <seq>"}: the text between the
     * first and the second space, as {@code parseId} does).
     */
    public static ClientId parse(String id) {
        Objects.requireNonNull(id, "id");
        String node = id;
        int space = id.indexOf(' ');
        if (space >= 0) {
            int next = id.indexOf(' ', space + 1);
            node = next < 0 ? id.substring(space + 1) : id.substring(space + 1, next);
        }
        int first = node.indexOf(':');
        if (first < 0) {
            return new ClientId(node, node, null);
        }
        int second = node.indexOf(':', first + 1);
        String client = second < 0 ? node : node.substring(0, second);
        String user = node.substring(0, first);
        return new ClientId(node, client, user.isEmpty() ? null : user);
    }

    /** The parts of the node that created an action. */
    public static ClientId of(ActionId id) {
        return parse(id.node());
    }

    /** Whether the id has a user part. */
    public boolean hasUser() {
        return userId != null;
    }

    /**
     * Whether the id has a third part (a tab: {@code alice:Xk3v9QaB:tab}), as every {@code @logux/client} node id
     * has. A two-part id ({@code alice:Xk3v9QaB}) is also a logmesh node's form.
     */
    public boolean hasTab() {
        return nodeId.length() > clientId.length();
    }

    /** Whether both ids belong to one client (same {@link #clientId()}), whatever their tabs. */
    public boolean sameClient(ClientId other) {
        return clientId.equals(other.clientId);
    }

    /** Whether an action id was created by this client (any of its tabs). */
    public boolean created(ActionId id) {
        return clientId.equals(of(id).clientId);
    }

    /** Whether the id is {@code server} or has the user {@code server}, which {@code @logux/server} refuses. */
    public boolean isReservedServer() {
        return SERVER.equals(nodeId) || SERVER.equals(userId);
    }

    @Override
    public String toString() {
        return nodeId;
    }
}
