package dev.logmesh.internal.overlay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A node of the overlay as other nodes learn of it: its node id and the address to dial it at.
 *
 * <p>Both are opaque strings to the overlay: the id is the node id the host authenticates on a session (the
 * Logux {@code connect} node id), the address is whatever the host's {@link Sender#connect} understands (for
 * logmesh a {@code ws://} or {@code wss://} URL). Immutable; validated on construction, so a record that
 * exists is a well-formed one.
 *
 * <p>JSON shape: {@code {"id": "...", "addr": "..."}}.
 *
 * @param id node id: 1 to {@value #MAX_ID_LENGTH} characters, no control characters
 * @param address dial address: 1 to {@value #MAX_ADDRESS_LENGTH} characters, no control characters
 */
public record PeerInfo(String id, String address) {
    /** Longest node id accepted, in characters. */
    public static final int MAX_ID_LENGTH = 256;
    /** Longest address accepted, in characters. */
    public static final int MAX_ADDRESS_LENGTH = 512;

    /**
     * Validates both fields.
     *
     * @throws IllegalArgumentException if either is null, empty, too long or holds a control character
     */
    public PeerInfo {
        requireId(id);
        requireText("address", address, MAX_ADDRESS_LENGTH);
    }

    /**
     * Checks a node id as this record does.
     *
     * @param id the node id
     * @return {@code id}
     * @throws IllegalArgumentException if it is null, empty, too long or holds a control character
     */
    public static String requireId(String id) {
        return requireText("node id", id, MAX_ID_LENGTH);
    }

    static String requireText(String what, String value, int maxLength) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a non-empty string");
        }
        if (value.length() > maxLength) {
            throw new IllegalArgumentException(what + " is longer than " + maxLength + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException(what + " holds a control character at index " + i);
            }
        }
        return value;
    }

    /**
     * The JSON shape of this peer.
     *
     * @return a new {@code {"id", "addr"}} object
     */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("addr", address);
        return o;
    }

    /**
     * Reads the JSON shape written by {@link #toJson()}; unknown fields are ignored.
     *
     * @param json a JSON node
     * @return the peer
     * @throws IllegalArgumentException if it is not an object with string {@code id} and {@code addr} that
     *     pass validation
     */
    public static PeerInfo fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("a peer must be a JSON object {\"id\", \"addr\"}");
        }
        return new PeerInfo(Json.text(json, "id"), Json.text(json, "addr"));
    }
}
