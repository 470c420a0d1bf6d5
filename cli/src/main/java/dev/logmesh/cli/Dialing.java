package dev.logmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The dialing state of a {@code --peer} in {@code logmesh peers}: its URL, last error and next dial. */
final class Dialing {
    private Dialing() {
    }

    /** On a terminal, after a peer's row: its URL, the last error and when the next dial is. */
    static void print(JsonNode peer) {
        String line = line(peer, System.currentTimeMillis());
        if (line != null) {
            System.out.println(line);
        }
    }

    /**
     * The line {@link #print} prints, or null for a peer without a URL: the next dial in whole seconds, rounded up,
     * or {@code dialing again now} when it is due (session 23: "next dial in 0 s").
     *
     * @param now the current time, epoch ms (the clock of {@code nextDialAt})
     */
    static String line(JsonNode peer, long now) {
        if (!peer.hasNonNull("url")) {
            return null;
        }
        StringBuilder sb = new StringBuilder("  ").append(peer.get("url").asText());
        if (peer.hasNonNull("lastError")) {
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
}
