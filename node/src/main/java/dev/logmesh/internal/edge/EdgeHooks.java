package dev.logmesh.internal.edge;

import dev.logmesh.Action;
import dev.logmesh.Meta;
import java.util.List;
import java.util.Objects;

/**
 * The hooks an application gives the node for its clients' actions and subscriptions, after
 * {@code @logux/server}'s {@code server.type(name, {access, resend, process})} and
 * {@code server.channel(pattern, {access, filter, load})}. Without hooks a node accepts everything (see
 * {@link EdgeRules}).
 *
 * <p>Hooks run on the node's loop thread, in the order the client's actions arrive: they must be quick and must
 * not block (do slow work elsewhere and add an action with the result). A hook that throws makes the action
 * undone with {@code error}; one that throws {@link NotFound} makes it undone with {@code notFound}.
 *
 * <p>Which node runs them: the node the client is connected to, once per action (an action that reaches other
 * nodes through the mesh is not checked or processed again there).
 */
public final class EdgeHooks {
    private EdgeHooks() {
    }

    /** May this client add this action? False: {@code logux/undo} with {@code denied}, nothing added. */
    @FunctionalInterface
    public interface Access {
        /** Accepts every action. */
        Access ALLOW = (ctx, action, meta) -> true;
        /** Refuses every action. */
        Access DENY = (ctx, action, meta) -> false;

        boolean allowed(EdgeContext ctx, Action action, Meta meta) throws Exception;
    }

    /**
     * Whom else the accepted action goes to (Logux's {@code resend}): the address is written into the entry's
     * meta before it enters the log, so every node of the mesh delivers it to its own clients. Null or
     * {@link Address#NONE}: no change.
     */
    @FunctionalInterface
    public interface Resend {
        Address resend(EdgeContext ctx, Action action, Meta meta) throws Exception;
    }

    /**
     * Work done once the action is durably in the log; {@code logux/processed} goes to the client when it
     * returns. Throwing: {@code logux/undo} with {@code error}, addressed to everyone the action went to (it is
     * in the log already).
     */
    @FunctionalInterface
    public interface Processor { // not "Process": that name is java.lang's
        void process(EdgeContext ctx, Action action, Meta meta) throws Exception;
    }

    /** May this client subscribe to this channel? ({@code ctx.params()} holds the pattern's parameters.) */
    @FunctionalInterface
    public interface ChannelAccess {
        /** Accepts every subscription. */
        ChannelAccess ALLOW = (ctx, subscribe) -> true;

        boolean allowed(EdgeContext ctx, Subscribe subscribe) throws Exception;
    }

    /** The filter of one subscription, from its {@code filter} field; null means every entry of the channel. */
    @FunctionalInterface
    public interface Filter {
        ChannelFilter filter(EdgeContext ctx, Subscribe subscribe) throws Exception;
    }

    /**
     * What the subscriber gets at once (Logux's {@code load}): the channel's current state as new actions, or
     * entries of the log (for example those newer than {@code subscribe.since()}, see {@link ChannelReplay}).
     * Sent to this client only, before its {@code logux/processed}.
     */
    @FunctionalInterface
    public interface Load {
        List<Reply> load(EdgeContext ctx, Subscribe subscribe) throws Exception;
    }

    /** Thrown by a channel's access or load hook, or a type's access hook: the undo reason is {@code notFound}. */
    public static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message);
        }
    }

    /**
     * The hooks of one action type.
     *
     * @param access  required
     * @param resend  or null
     * @param process or null
     */
    public record Type(Access access, Resend resend, Processor process) {
        public Type {
            Objects.requireNonNull(access, "access");
        }

        /** Accepts, no resend, no process: what a node does for a type without hooks. */
        public static Type accept() {
            return new Type(Access.ALLOW, null, null);
        }

        /** Only an access check. */
        public static Type of(Access access) {
            return new Type(access, null, null);
        }

        /** With a resend hook. */
        public Type withResend(Resend newResend) {
            return new Type(access, newResend, process);
        }

        /** With a process hook. */
        public Type withProcess(Processor newProcess) {
            return new Type(access, resend, newProcess);
        }
    }

    /**
     * The hooks of one channel pattern.
     *
     * @param access required
     * @param filter or null (every entry)
     * @param load   or null (the node's default: {@link ChannelReplay#replay} when the connection has a
     *               {@link ClientEdge#history}, else nothing sent at once)
     */
    public record Channel(ChannelAccess access, Filter filter, Load load) {
        public Channel {
            Objects.requireNonNull(access, "access");
        }

        /** Accepts every subscription, no filter, no load. */
        public static Channel accept() {
            return new Channel(ChannelAccess.ALLOW, null, null);
        }

        /** Only an access check. */
        public static Channel of(ChannelAccess access) {
            return new Channel(access, null, null);
        }

        /** With a filter hook. */
        public Channel withFilter(Filter newFilter) {
            return new Channel(access, newFilter, load);
        }

        /** With a load hook. */
        public Channel withLoad(Load newLoad) {
            return new Channel(access, filter, newLoad);
        }
    }
}
