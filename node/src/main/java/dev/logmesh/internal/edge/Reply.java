package dev.logmesh.internal.edge;

import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.Objects;

/**
 * An action the node sends to one client directly, without putting it into the log: an answer
 * ({@code logux/processed}, {@code logux/undo}) or what a channel's {@code load} hook returns.
 *
 * <p>With {@code meta} null the node stamps a fresh id of its own (and its time) when it sends it; with a meta
 * (an entry of the log, replayed) the id is kept. Either way only {@code id}, {@code time} and
 * {@code subprotocol} reach the client ({@link EdgeMeta#toClient}).
 *
 * @param action the action
 * @param meta   the meta of an existing entry, or null for a new action
 */
public record Reply(Action action, Meta meta) {
    public Reply {
        Objects.requireNonNull(action, "action");
    }

    /** A new action (the node stamps its id). */
    public static Reply of(Action action) {
        return new Reply(action, null);
    }

    /** An existing entry, sent with its own id. */
    public static Reply of(Entry entry) {
        return new Reply(entry.action(), entry.meta());
    }

    /** Whether the node must stamp an id. */
    public boolean isNew() {
        return meta == null;
    }
}
