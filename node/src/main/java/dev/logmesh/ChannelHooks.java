package dev.logmesh;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What a node does when one of its Logux clients subscribes to a channel ({@code logux/subscribe}), after
 * {@code @logux/server}'s {@code server.channel(pattern, {access, filter, load})}. Register with
 * {@link MeshNode#channel(String, ChannelHooks)}:
 *
 * <pre>{@code
 * node.channel("users/:id", ChannelHooks
 *     .access((ctx, request) -> ctx.userId().equals(ctx.params().get("id")))
 *     .load((ctx, request) -> List.of(userState(ctx.params().get("id")))));
 * }</pre>
 *
 * <ul>
 *   <li>{@code access} false: {@code logux/undo} with {@code denied}.</li>
 *   <li>{@code filter}: which of the channel's actions this subscription gets (default: all). A predicate it
 *       returned that throws keeps that action from this subscription (logged, boundedly); the connection and the
 *       node go on.</li>
 *   <li>{@code load}: actions sent at once to this client only, before its {@code logux/processed} (the
 *       channel's current state); they are not put into the log. Without one the node sends the channel's entries
 *       of the log: after the request's {@code since} what the client missed, without it the channel's history,
 *       bounded by {@link NodeConfig#channelReplay()} (0: nothing).</li>
 * </ul>
 * A subscription lives as long as the client's connection; {@code @logux/client} subscribes again after a
 * reconnect, with {@code since} set to the last action of the channel it saw ({@link Request#sinceId()}).
 * A hook that throws (a {@code RuntimeException}, a checked exception, or an {@code Error} such as {@code
 * AssertionError} or {@code StackOverflowError}) gets the client {@code logux/undo} with {@code error}
 * ({@code notFound} for {@link NotFoundException}); an {@code OutOfMemoryError} ends the node. Hooks run on the
 * node's loop thread: quick, never blocking. Immutable.
 *
 * @param access may the client subscribe (required)
 * @param filter or null
 * @param load   or null
 */
public record ChannelHooks(Access access, Filter filter, Load load) {
    public ChannelHooks {
        Objects.requireNonNull(access, "access");
    }

    /**
     * A client's {@code logux/subscribe}.
     *
     * @param channel   the channel name
     * @param filter    its {@code filter} field, or null
     * @param sinceId   the id of the last action of the channel the client saw (its {@code since}), or null
     * @param sinceTime that action's {@code meta.time} as the client saw it, or 0
     */
    public record Request(String channel, JsonNode filter, ActionId sinceId, long sinceTime) {
        public Request {
            Objects.requireNonNull(channel, "channel");
        }
    }

    /** May this client subscribe? ({@code ctx.params()} holds the pattern's parameters.) */
    @FunctionalInterface
    public interface Access {
        boolean allowed(ClientContext ctx, Request request) throws Exception;
    }

    /** Which entries of the channel this subscription gets; null for all. */
    @FunctionalInterface
    public interface Filter {
        Predicate<Entry> filter(ClientContext ctx, Request request) throws Exception;
    }

    /** Actions sent at once to the subscriber only (null or empty: none). */
    @FunctionalInterface
    public interface Load {
        List<Action> load(ClientContext ctx, Request request) throws Exception;
    }

    /** Accepts every subscription (what a node does for channels without hooks, unless strict). */
    public static ChannelHooks accept() {
        return new ChannelHooks((ctx, request) -> true, null, null);
    }

    /** Hooks with this access check. */
    public static ChannelHooks access(Access access) {
        return new ChannelHooks(access, null, null);
    }

    /** These hooks with a filter. */
    public ChannelHooks filter(Filter hook) {
        return new ChannelHooks(access, hook, load);
    }

    /** These hooks with a load hook. */
    public ChannelHooks load(Load hook) {
        return new ChannelHooks(access, filter, hook);
    }
}
