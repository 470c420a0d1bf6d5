package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The dialing state of a {@code --peer} in {@code logmesh peers}: its URL, last error and next dial. */
final class Dialing {
    private Dialing() {
    }

    /** On a terminal, after a peer's row: its URL, the last error and when the next dial is. */
    static void print(JsonNode peer) {
        if (!peer.hasNonNull("url")) {
            return;
        }
        StringBuilder sb = new StringBuilder("  ").append(peer.get("url").asText());
        if (peer.hasNonNull("lastError")) {
            sb.append(": ").append(peer.get("lastError").asText());
        }
        long next = peer.path("nextDialAt").asLong(-1);
        if (next >= 0 && !peer.path("connected").asBoolean()) {
            long in = Math.max(0, next - System.currentTimeMillis());
            sb.append("; next dial in ").append((in + 999) / 1000).append(" s");
        }
        System.out.println(sb);
    }
}
