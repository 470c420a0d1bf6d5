package dev.logmesh.internal.reconcile;

import dev.logmesh.internal.reconcile.ReconcileException.Reason;
import java.util.Base64;
import java.util.Objects;

/**
 * Reconciliation messages as JSON-safe text, for a string field of a WebSocket JSON text frame: standard
 * base64 (RFC 4648 section 4, with padding). Its 65 characters need no escaping in a JSON string.
 *
 * <p>Why base64 and not hex as NIP-77 does: four characters carry three bytes where hex needs six, so a
 * 1 MiB frame carries 786,432 message bytes (24,500 ids of an id list) instead of 524,288 (16,300 ids), and
 * the same difference takes a third fewer bytes on the wire and fewer rounds. Nothing outside logmesh reads
 * these frames, and Node's {@code Buffer} and browsers' {@code atob} read base64 just as well.
 *
 * <p>Stateless, any thread.
 */
public final class WireText {
    private static final Base64.Encoder ENCODER = Base64.getEncoder();
    private static final Base64.Decoder DECODER = Base64.getDecoder();

    private WireText() {
    }

    /** The message as base64 text. */
    public static String encode(byte[] message) {
        return ENCODER.encodeToString(Objects.requireNonNull(message, "message"));
    }

    /**
     * The message in base64 text.
     *
     * @throws ReconcileException ({@code MALFORMED}) if the text is not base64
     */
    public static byte[] decode(String text) {
        Objects.requireNonNull(text, "text");
        try {
            return DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            throw new ReconcileException(Reason.MALFORMED, "not base64: " + e.getMessage());
        }
    }

    /**
     * The largest message, in bytes, whose text fits in {@code textChars} characters: the frame limit to give
     * {@link ReconcileOptions} when a frame has that many characters free for the message (the frame limit
     * less the JSON around it).
     */
    public static int frameSizeLimitFor(int textChars) {
        if (textChars < 0) {
            throw new IllegalArgumentException("textChars must be >= 0, got " + textChars);
        }
        return textChars / 4 * 3;
    }

    /** The length of {@link #encode}'s text for a message of {@code bytes} bytes. */
    public static int encodedLength(int bytes) {
        return (bytes + 2) / 3 * 4;
    }
}
