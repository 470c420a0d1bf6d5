package dev.logmesh.internal.protocol;

/**
 * The rule of a node's subprotocols (Logux's {@code connect} carries the node's own, and a node refuses a peer whose
 * subprotocol is below the least it takes), in the one place every path that sets them checks it:
 * {@code NodeConfig}, {@code SessionConfig}, the command line's {@code --subprotocol} and {@code --min-subprotocol}.
 * Before session 29 {@code SessionConfig} took a subprotocol below the minimum (only {@code NodeConfig} and the
 * command line refused it, each with its own copy of the rule). Stateless; any thread.
 */
public final class Subprotocols {
    private Subprotocols() {
    }

    /**
     * Both 0 or more, and the node's own at least the least it takes from peers, else it refuses every peer of its
     * own version and a mesh of such nodes never syncs.
     *
     * @param subprotocolName how the caller names the node's subprotocol ({@code --subprotocol})
     * @param minName how the caller names the least it takes ({@code --min-subprotocol})
     * @return null when the two are fine, else what is wrong and what to give, naming them as the caller does
     */
    public static String problem(int subprotocol, int minSubprotocol, String subprotocolName, String minName) {
        if (subprotocol < 0) {
            return subprotocolName + " " + subprotocol + " is negative: give 0 or more";
        }
        if (minSubprotocol < 0) {
            return minName + " " + minSubprotocol + " is negative: give 0 or more";
        }
        if (subprotocol < minSubprotocol) {
            return subprotocolName + " " + subprotocol + " is below " + minName + " " + minSubprotocol + ": the node "
                + "would refuse peers of its own version; give " + minName + " " + subprotocol + " or less, or "
                + subprotocolName + " " + minSubprotocol + " or more";
        }
        return null;
    }
}
