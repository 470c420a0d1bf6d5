package dev.logmesh;

import dev.logmesh.internal.callback.Callbacks;
import dev.logmesh.internal.edge.Address;
import dev.logmesh.internal.edge.ChannelFilter;
import dev.logmesh.internal.edge.EdgeContext;
import dev.logmesh.internal.edge.EdgeHooks;
import dev.logmesh.internal.edge.EdgeRules;
import dev.logmesh.internal.edge.Reply;
import dev.logmesh.internal.edge.Subscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The client hooks of one node ({@link MeshNode#type}, {@link MeshNode#channel}, ...) as the edge's
 * {@link EdgeRules}: every registration rebuilds the immutable rules, which the node's sessions read at each
 * client action. Registrations may come from any thread.
 */
final class ClientHookRegistry {
    private final boolean strict;
    private final List<Consumer<EdgeRules.Builder>> registrations = new ArrayList<>();
    private volatile EdgeRules rules;

    ClientHookRegistry(boolean strict) {
        this.strict = strict;
        this.rules = build(List.of());
    }

    /** The rules now. */
    EdgeRules rules() {
        return rules;
    }

    synchronized void register(Consumer<EdgeRules.Builder> registration) {
        List<Consumer<EdgeRules.Builder>> next = new ArrayList<>(registrations);
        next.add(registration);
        EdgeRules built = build(next); // throws for a type registered twice: nothing changes then
        registrations.add(registration);
        rules = built;
    }

    private EdgeRules build(List<Consumer<EdgeRules.Builder>> all) {
        EdgeRules.Builder b = EdgeRules.builder();
        if (strict) {
            b.strict();
        }
        all.forEach(r -> r.accept(b));
        return b.build();
    }

    // ---------------------------------------------------------------- public hooks → edge hooks

    static EdgeHooks.Type type(TypeHooks h) {
        Objects.requireNonNull(h, "hooks");
        EdgeHooks.Type t = EdgeHooks.Type.of((ctx, action, meta) -> {
            try {
                return h.access().allowed(context(ctx), action, meta);
            } catch (NotFoundException e) {
                throw notFound(e);
            }
        });
        if (h.resend() != null) {
            t = t.withResend((ctx, action, meta) -> {
                Recipients r;
                try {
                    r = h.resend().resend(context(ctx), action, meta);
                } catch (NotFoundException e) {
                    throw notFound(e);
                }
                return r == null ? null : new Address(r.nodes(), r.clients(), r.users(), r.channels(),
                    r.excludeClients());
            });
        }
        if (h.process() != null) {
            t = t.withProcess((ctx, action, meta) -> {
                try {
                    h.process().process(context(ctx), action, meta);
                } catch (NotFoundException e) {
                    throw notFound(e);
                }
            });
        }
        return t;
    }

    static EdgeHooks.Channel channel(ChannelHooks h) {
        Objects.requireNonNull(h, "hooks");
        EdgeHooks.Channel c = EdgeHooks.Channel.of((ctx, s) -> {
            try {
                return h.access().allowed(context(ctx), request(s));
            } catch (NotFoundException e) {
                throw notFound(e);
            }
        });
        if (h.filter() != null) {
            c = c.withFilter((ctx, s) -> {
                Predicate<Entry> p = h.filter().filter(context(ctx), request(s));
                return p == null ? null : isolated(p, s.channel());
            });
        }
        if (h.load() != null) {
            c = c.withLoad((ctx, s) -> {
                List<Action> actions;
                try {
                    actions = h.load().load(context(ctx), request(s));
                } catch (NotFoundException e) {
                    throw notFound(e);
                }
                return actions == null ? List.of() : actions.stream().map(Reply::of).toList();
            });
        }
        return c;
    }

    /**
     * A subscription's filter as the edge runs it, for each entry addressed to its channel: one that throws (a
     * {@link RuntimeException} or a {@link Callbacks#survivable} {@link Error}) is logged boundedly ({@link
     * MeshNode.FailureLog}) and the entry does not go to that subscription (fails closed); the rest of the entry's
     * delivery and the node go on. Before session 27 the throwable left the edge's delivery decision: a
     * RuntimeException ended the loop task that sent the client its entries, each time it met that entry, so the
     * client got nothing more on that connection; an Error ended the node ({@code CallbackErrorTest},
     * CHANNEL_PREDICATE).
     */
    static ChannelFilter isolated(Predicate<Entry> filter, String channel) {
        // logged as "filter of channel NAME <predicate>" (until session 28: "subscriber the filter of channel ...")
        return MeshNode.isolatedFilter("filter of channel " + channel, filter)::test;
    }

    private static EdgeHooks.NotFound notFound(NotFoundException e) {
        EdgeHooks.NotFound n = new EdgeHooks.NotFound(e.getMessage());
        n.initCause(e);
        return n;
    }

    private static ClientContext context(EdgeContext ctx) {
        return new ClientContext(ctx.client().nodeId(), ctx.client().clientId(), ctx.client().userId(),
            ctx.subprotocol(), ctx.headers(), ctx.params());
    }

    private static ChannelHooks.Request request(Subscribe s) {
        return new ChannelHooks.Request(s.channel(), s.filter(), s.since() == null ? null : s.since().id(),
            s.since() == null ? 0 : s.since().time());
    }
}
