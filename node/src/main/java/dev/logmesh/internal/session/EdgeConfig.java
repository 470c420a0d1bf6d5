package dev.logmesh.internal.session;

import dev.logmesh.internal.edge.EdgeOptions;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.edge.UserTokens;
import dev.logmesh.internal.edge.ReplayReads;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Settings of a node's edge: how its sessions serve Logux clients (peers whose {@code connect} has no
 * {@code logmesh} options, see {@link ClientRole}) and talk to Logux servers they dial ({@link UpstreamRole}).
 *
 * @param rules   the application's hooks for its clients' actions and subscriptions, read at each action (an
 *                application may add hooks while clients are connected); called on the node's loop
 * @param options what happens to unaddressed entries and to meta keys a client may not set
 * @param tokens  per-user tokens a client may present on a keyed mesh (besides a per-node token), or null
 * @param debug   whether a client whose action is refused also gets {@code ["debug","error",why]}, as
 *                {@code @logux/server} does in development ({@code @logux/client} prints it)
 * @param reads   where the default load of a channel reads the log off the loop ({@link ReplayReads}), or null: on
 *                the loop (a node on a loop given to it, such as the test kit's manual loop)
 */
public record EdgeConfig(Supplier<EdgeRules> rules, EdgeOptions options, UserTokens tokens, boolean debug,
                         ReplayReads reads) {
    private static final EdgeRules ACCEPT_ALL = EdgeRules.acceptAll();

    /** Accept everything, unaddressed entries to every client, no user tokens, no debug messages. */
    public static final EdgeConfig DEFAULT = new EdgeConfig(() -> ACCEPT_ALL, EdgeOptions.DEFAULT, null, false);

    public EdgeConfig {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(options, "options");
    }

    /** Settings whose replays read on the loop ({@code reads} null). */
    public EdgeConfig(Supplier<EdgeRules> rules, EdgeOptions options, UserTokens tokens, boolean debug) {
        this(rules, options, tokens, debug, null);
    }

    /** These settings, the replays reading through {@code reads} (null: on the loop). */
    public EdgeConfig withReads(ReplayReads reads) {
        return new EdgeConfig(rules, options, tokens, debug, reads);
    }
}
