package dev.logmesh.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A Logux protocol error: one of a closed set of types, mapped 1:1 to the {@code error} message
 * ({@code ["error", type, options]}). {@code received} tells whether the peer sent it or we detected it.
 */
public final class ProtocolError extends Exception {

    /** The error types of Logux protocol 5 ({@code shared/logux-protocol.md} §7), plus {@code missed-auth}. */
    public enum Type {
        WRONG_PROTOCOL("wrong-protocol"),
        WRONG_SUBPROTOCOL("wrong-subprotocol"),
        WRONG_FORMAT("wrong-format"),
        WRONG_CREDENTIALS("wrong-credentials"),
        UNKNOWN_MESSAGE("unknown-message"),
        MISSED_AUTH("missed-auth"),
        BRUTEFORCE("bruteforce"),
        TIMEOUT("timeout");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        /** The type as it appears on the wire. */
        public String wire() {
            return wire;
        }

        /** The type for a wire name, or null if it is not one of ours. */
        public static Type fromWire(String name) {
            for (Type t : values()) {
                if (t.wire.equals(name)) {
                    return t;
                }
            }
            return null;
        }

        /** Whether a dialer should stop reconnecting after this error (Logux's rule). */
        public boolean stopsReconnect() {
            return this == WRONG_PROTOCOL || this == WRONG_SUBPROTOCOL || this == WRONG_CREDENTIALS;
        }
    }

    private final Type type;
    private final String wireType;
    private final transient JsonNode options;
    private final boolean received;
    /** Why the peer says it sent this error (its {@code debug} before it), or null. */
    private final String said;

    private ProtocolError(Type type, String wireType, JsonNode options, boolean received, String message) {
        this(type, wireType, options, received, message, null);
    }

    private ProtocolError(Type type, String wireType, JsonNode options, boolean received, String message,
                          String said) {
        super(message, null, false, false);
        this.type = type;
        this.wireType = wireType;
        this.options = options;
        this.received = received;
        this.said = said;
    }

    /** An error detected here, to be sent to the peer. */
    public static ProtocolError of(Type type, JsonNode options, String message) {
        return new ProtocolError(type, type.wire(), options, false, message);
    }

    /** A {@code wrong-format} error carrying the offending text (truncated to 1 KiB on the wire). */
    public static ProtocolError wrongFormat(String offending, String message) {
        String text = offending == null ? "" : offending;
        if (text.length() > 1024) {
            text = text.substring(0, 1024);
        }
        return of(Type.WRONG_FORMAT, JsonNodeFactory.instance.textNode(text), message);
    }

    /** An error the peer sent us; {@code type} is null for a type we do not know. */
    public static ProtocolError received(String wireType, JsonNode options) {
        return new ProtocolError(Type.fromWire(wireType), wireType, options, true,
            "peer sent error " + wireType + (options == null ? "" : " " + options));
    }

    /**
     * An error the peer sent us after it said why in a {@code debug} message ({@code said}, null: it did not): the
     * message ends with {@code (it says: SAID)}.
     */
    public static ProtocolError received(String wireType, JsonNode options, String said) {
        if (said == null) {
            return received(wireType, options);
        }
        return new ProtocolError(Type.fromWire(wireType), wireType, options, true,
            "peer sent error " + wireType + (options == null ? "" : " " + options) + " (it says: " + said + ")", said);
    }

    /** Why the peer says it sent this received error, or null when it did not say. */
    public String said() {
        return said;
    }

    /** The type, or null for an unknown received type. */
    public Type type() {
        return type;
    }

    /** The type as on the wire. */
    public String wireType() {
        return wireType;
    }

    /** The error's options (any JSON value), or null. */
    public JsonNode options() {
        return options;
    }

    /** Whether the peer sent this error (true) or we detected it (false). */
    public boolean isReceived() {
        return received;
    }

    /**
     * Whether this error is a refusal ({@code MeshNode.Listener.refused}): the peer sent one after which Logux does not
     * reconnect ({@code wrong-credentials}, {@code wrong-protocol}, {@code wrong-subprotocol}: it refused this node),
     * or this node refused the peer's credentials.
     */
    public boolean isRefusal() {
        return type != null && (received ? type.stopsReconnect() : type == Type.WRONG_CREDENTIALS);
    }

    /** The {@code error} message for this error. */
    public Message.Error toMessage() {
        return new Message.Error(wireType, options);
    }
}
