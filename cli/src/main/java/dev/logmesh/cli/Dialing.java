package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The dialing state of a {@code --peer} in {@code logmesh peers}: its URL, last error and next dial. */
final class Dialing {
    private Dialing() {
    }

    /**
     * The line under a peer's row, or null for a peer without a URL: the next dial in whole seconds, rounded up,
     * or {@code dialing again now} when it is due (session 23: "next dial in 0 s").
     *
     * @param now the current time, epoch ms (the clock of {@code nextDialAt})
     */
    static String line(JsonNode peer, long now) {
        if (!peer.hasNonNull("url")) {
            return null;
        }
        StringBuilder sb = new StringBuilder("  ").append(peer.get("url").asText());
        if (peer.hasNonNull("lastError") && !saidByRefusal(peer)) {
            sb.append(": ").append(peer.get("lastError").asText());
        }
        long next = peer.path("nextDialAt").asLong(-1);
        if (next >= 0 && !peer.path("connected").asBoolean()) {
            long in = next - now;
            if (in <= 0) {
                sb.append("; dialing again now");
            } else {
                sb.append("; next dial in ").append((in + 999) / 1000).append(" s");
            }
        }
        return sb.toString();
    }

    /**
     * Whether the last dial's error is the refusal that the peer's refused line says already (the peer's words after
     * "it says: "): before (ux41) both lines said the same refusal.
     */
    private static boolean saidByRefusal(JsonNode peer) {
        if (!peer.hasNonNull("refused")) {
            return false;
        }
        String error = peer.get("lastError").asText();
        int says = error.indexOf("it says: ");
        String words = says < 0 ? error : error.substring(says + "it says: ".length());
        if (words.endsWith(")") && says >= 0) {
            words = words.substring(0, words.length() - 1);
        }
        return peer.get("refused").asText().contains(words);
    }
}
