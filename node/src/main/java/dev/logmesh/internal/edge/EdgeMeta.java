package dev.logmesh.internal.edge;

import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What meta crosses the edge between a node and its clients (and a non-logmesh server it dials):
 * {@code @logux/server}'s {@code ALLOWED_META}, {@code id}, {@code time} and {@code subprotocol}, both ways.
 *
 * <p>Towards a client, everything else is removed ({@link #toClient}): {@code reasons} would make a
 * {@code @logux/client} keep every received action forever, and the addressing keys would tell a user who
 * else receives what.
 *
 * <p>From a client ({@link #fromClient}): the action id must have been made by the connection's client (same
 * client id {@code user:random}, any tab), else the action is refused with {@code denied}, as
 * {@code @logux/server} does. Other meta keys are dropped ({@link ForeignMeta#DROP}, the default) or make the
 * action denied ({@link ForeignMeta#DENY}, exactly {@code @logux/server}); address keys ({@link Address#KEYS} and
 * their shortcuts) make it denied either way: dropped, they would leave the action unaddressed, and a node that
 * sends unaddressed entries to every client would broadcast what its author meant for a few. A missing
 * subprotocol is filled from the connection's.
 */
public final class EdgeMeta {
    /** The meta keys that cross the edge. */
    public static final List<String> ALLOWED = List.of("id", "time", "subprotocol");

    private EdgeMeta() {
    }

    /** What to do with meta keys a client may not set. */
    public enum ForeignMeta {
        /**
         * Drop them and accept the action, unless one is an address key (then deny it). The default: a bare
         * {@code @logux/core} {@code ClientNode} (which sends {@code reasons} and its custom keys) keeps working,
         * and a client still cannot address anything (only the node's {@code resend} hooks do).
         */
        DROP,
        /** Refuse the action with {@code denied}, as {@code @logux/server} 0.14 does. */
        DENY
    }

    /** The meta as a client may see it: only {@code id}, {@code time} and {@code subprotocol} (0 = not sent). */
    public static Meta toClient(Meta meta) {
        if (meta.added() == 0 && meta.reasons().isEmpty() && meta.extra().isEmpty()) {
            return meta;
        }
        return new Meta(meta.id(), meta.time(), 0, List.of(), meta.subprotocol(), Map.of());
    }

    /**
     * The keys of a received meta that a client may not set: {@code reasons} when non-empty, {@code added} when
     * set, and every custom key. (A decoded {@link Meta} cannot tell an empty {@code reasons} array from an
     * absent one; both are harmless.)
     */
    public static Set<String> foreignKeys(Meta meta) {
        Set<String> keys = new LinkedHashSet<>();
        if (meta.added() != 0) {
            keys.add("added");
        }
        if (meta.hasReasons()) {
            keys.add("reasons");
        }
        keys.addAll(meta.extra().keySet());
        return keys;
    }

    /** The outcome of {@link #fromClient}. */
    public sealed interface Check permits Accepted, Refused {
    }

    /**
     * The entry may go on; {@code entry}'s meta has only {@code id}, {@code time} and {@code subprotocol}
     * (reasons empty: the node adds its own).
     *
     * @param entry   the cleaned entry
     * @param dropped the keys that were removed
     */
    public record Accepted(Entry entry, Set<String> dropped) implements Check {
        public Accepted {
            Objects.requireNonNull(entry, "entry");
            dropped = Set.copyOf(dropped);
        }
    }

    /**
     * The entry is refused: answer {@code logux/undo} with {@code reason} to the connection's client.
     *
     * @param reason the undo reason ({@link Answers#DENIED})
     * @param why    a sentence for the log and a {@code debug} message
     */
    public record Refused(String reason, String why) implements Check {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(why, "why");
        }
    }

    /**
     * Checks and cleans an entry received from a client.
     *
     * @param received            the entry as decoded from the client's {@code sync}
     * @param connection          the client id the connection authenticated as
     * @param connectionSubprotocol the subprotocol from the client's {@code connect} (0 when absent)
     * @param policy              what to do with foreign meta keys
     */
    public static Check fromClient(Entry received, ClientId connection, int connectionSubprotocol,
                                   ForeignMeta policy) {
        Meta meta = received.meta();
        ClientId origin = ClientId.of(meta.id());
        if (!origin.sameClient(connection)) {
            return new Refused(Answers.DENIED, "action " + meta.id() + " was made by client " + origin.clientId()
                + ", not by the connection's client " + connection.clientId());
        }
        if (!origin.hasTab() && !origin.nodeId().equals(connection.nodeId())) {
            // another tab of the client has a tab part; a user:client id without one is a mesh node's form, and
            // the client of a user token for "alice" would add actions as the node alice:Xk3v9QaB (a breaker's
            // run, session 17), up to ids that node makes itself
            return new Refused(Answers.DENIED, "action " + meta.id() + " was made by " + origin.nodeId()
                + ", not by the connection's node " + connection.nodeId() + " or another tab of its client ("
                + connection.clientId() + ":TAB)");
        }
        Set<String> foreign = foreignKeys(meta);
        if (!foreign.isEmpty() && policy == ForeignMeta.DENY) {
            return new Refused(Answers.DENIED, "action " + meta.id() + " has meta keys a client may not set: "
                + String.join(", ", foreign));
        }
        List<String> addressing = foreign.stream()
            .filter(k -> Address.KEYS.contains(k) || Address.SHORTCUTS.contains(k)).toList();
        if (!addressing.isEmpty()) {
            return new Refused(Answers.DENIED, "action " + meta.id() + " addresses itself ("
                + String.join(", ", addressing) + "): only the node's hooks address a client's actions");
        }
        int subprotocol = meta.subprotocol() != 0 ? meta.subprotocol() : Math.max(0, connectionSubprotocol);
        Meta clean = new Meta(meta.id(), meta.time(), 0, List.of(), subprotocol, Map.of());
        return new Accepted(clean.equals(meta) ? received : received.withMeta(clean), foreign);
    }
}
