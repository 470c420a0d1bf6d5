package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.callback.Callbacks;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Logux server role towards one connected client: what a node does with the client's actions, and which
 * entries of the log go to it. Pure: no I/O, no clock, no log; the session calls it and carries out what it
 * returns. Owned by the node's loop thread (not thread-safe).
 *
 * <h2>An action from the client</h2>
 * {@link #receive} checks it ({@link EdgeMeta#fromClient}, then the type's {@code access} hook, then its
 * {@code resend} hook) and returns one of:
 * <ul>
 *   <li>{@link Refuse}: send the {@code logux/undo} to this client; nothing goes into the log. Other
 *       {@code logux/*} types than the two subscription messages (a client sending {@code logux/undo} or
 *       {@code logux/processed}) are refused with {@code unknownType} unless the application gave hooks for
 *       them.</li>
 *   <li>{@link Add}: add the entry (its meta is {@code id}, {@code time}, {@code subprotocol} and the resend
 *       address; the node adds its own reasons) to the log; once it is durable call {@link #committed}, which
 *       runs the {@code process} hook and gives the {@code logux/processed} to send.</li>
 *   <li>{@link Handled}: a {@code logux/subscribe} or {@code logux/unsubscribe}, handled here and never put
 *       into the log: send the replies ({@code load} results, then {@code logux/processed}, or an undo).</li>
 * </ul>
 *
 * <h2>Entries towards the client</h2>
 * {@link #decide} (the {@link Delivery} rule with this connection's subscriptions), and {@link #toClient} for the
 * meta that may cross.
 */
public final class ClientEdge {
    private final ClientId client;
    private final int subprotocol;
    private JsonNode headers;
    private final java.util.function.Supplier<EdgeRules> rules;
    private final EdgeOptions options;
    private final Delivery delivery;
    private final Subscriptions subscriptions = new Subscriptions();
    /** The log's side of the default {@code load} ({@link #history}), or null: no replay. */
    private History history;

    /**
     * The most subscriptions (distinct channel and filter pairs) one connection may hold: a further
     * {@code logux/subscribe} is undone with reason {@value Answers#ERROR} and the node says why. A bound on what one
     * authenticated client can make the node hold (a breaker's client held 10,000, ~48 MB); apps subscribe to tens.
     */
    public static final int MAX_SUBSCRIPTIONS = 1_000;

    /**
     * The most text one connection's subscriptions may hold, in chars ({@link Subscriptions#chars()}: each pair's
     * channel and filter key): 1,048,576, a thousand subscriptions of about a thousand chars each. A further
     * {@code logux/subscribe} that would go over is undone with reason {@value Answers#ERROR} and the node says why.
     * The count alone did not bound it: a channel name may be as long as a client's frame, and four clients that
     * each subscribed to 500 channels of 100,000 chars stopped a node with {@code -Xmx256m} (OutOfMemoryError,
     * break41); a real channel name is tens of chars.
     */
    public static final long MAX_SUBSCRIPTION_CHARS = 1L << 20;

    /** How much of a channel name the node's lines show (a client may send one as long as its frame). */
    static final int SHOWN_CHANNEL_CHARS = 200;

    /**
     * @param client      the ids the connection authenticated with
     * @param subprotocol the subprotocol of the client's {@code connect} (0 when absent)
     * @param headers     the client's {@code headers} (null when none)
     * @param rules       the application's hooks
     * @param options     the node's edge options
     */
    public ClientEdge(ClientId client, int subprotocol, JsonNode headers, EdgeRules rules, EdgeOptions options) {
        this(client, subprotocol, headers, constant(Objects.requireNonNull(rules, "rules")), options);
    }

    /**
     * As {@link #ClientEdge(ClientId, int, JsonNode, EdgeRules, EdgeOptions)}, with rules read at each action and
     * subscription (an application may add hooks while clients are connected).
     *
     * @param rules gives the application's hooks now; called on the node's loop
     */
    public ClientEdge(ClientId client, int subprotocol, JsonNode headers, java.util.function.Supplier<EdgeRules> rules,
                      EdgeOptions options) {
        this.client = Objects.requireNonNull(client, "client");
        this.subprotocol = subprotocol;
        this.headers = headers;
        this.rules = Objects.requireNonNull(rules, "rules");
        this.options = Objects.requireNonNull(options, "options");
        this.delivery = new Delivery(options.unaddressed());
    }

    private static java.util.function.Supplier<EdgeRules> constant(EdgeRules rules) {
        return () -> rules;
    }

    /**
     * The default {@code load} of a channel whose hooks have none, run with the channel's filter when the client
     * subscribes (see {@link ChannelReplay#replay}). Called on the node's loop.
     */
    @FunctionalInterface
    public interface History {
        /**
         * The log's entries to send the subscriber.
         *
         * @param subscribe the subscription
         * @param filter    its filter
         * @param uptoAdded the log's last {@code added} now (the subscription gets later entries live)
         * @return what to send before the subscription's {@code logux/processed}
         */
        List<Reply> replay(Subscribe subscribe, ChannelFilter filter, long uptoAdded);

        /**
         * Starts the read of {@link #replay} off the loop, or returns null to have it read on the loop now
         * ({@link #replay}): the default (a store that cannot read beside its owner).
         *
         * @return what to send before the subscription's {@code logux/processed}, completed on the loop; exceptionally
         *         if the read failed (the subscription is then undone)
         */
        default java.util.concurrent.CompletableFuture<List<Reply>> start(Subscribe subscribe, ChannelFilter filter,
                                                                           long uptoAdded) {
            return null;
        }
    }

    /**
     * Gives the connection the default {@code load} for channels without one ({@link EdgeOptions#replay}); without
     * it (or with no replay in the options) such a subscriber gets only what the node adds from then on.
     */
    public void history(History reader) {
        history = options.replay() == null ? null : reader;
    }

    /** The connection's client. */
    public ClientId client() {
        return client;
    }

    /** The connection's subscriptions (read-only use; they change through {@link #receive}). */
    public Subscriptions subscriptions() {
        return subscriptions;
    }

    /** What {@link #receive} tells the node to do. */
    public sealed interface Received permits Refuse, Add, Handled, Echo {
    }

    /**
     * An entry the log holds, which the node may have sent this client, sent back by it unchanged (as JavaScript
     * reads it): a bare {@code @logux/core} {@code ClientNode} without an {@code outFilter} sends at each reconnect
     * every entry of its log added after its last {@code synced}, those it received included. Nothing is added and
     * nothing is answered: the frame's {@code synced} acknowledges it. Not a {@code logux/undo}: the action is valid
     * and in every node's log, and a client that handles undo would revert it ({@code @logux/server} 0.14 undoes it,
     * reason {@code denied}, as any action of a foreign id; a {@code @logux/client} never sends it back).
     *
     * @param id the entry's id
     */
    public record Echo(ActionId id) implements Received {
        public Echo {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * Send {@code undo} to this client, add nothing.
     *
     * @param undo the {@code logux/undo} (a new action: the node stamps its id)
     * @param why  for the node's log and, in development, a {@code ["debug","error",why]} message
     * @param hookFailed whether an application's hook threw (a fault the operator must see: logged at ERROR, as every
     *             other callback's failure), not a refusal the rules or a hook's answer made (INFO)
     */
    public record Refuse(Reply undo, String why, boolean hookFailed) implements Received {
        /** A refusal made by the rules or a hook's answer, not a hook's failure. */
        public Refuse(Reply undo, String why) {
            this(undo, why, false);
        }
    }

    /** Add {@code entry} to the log (with the node's reasons); then call {@link #committed}. */
    public record Add(Entry entry) implements Received {
    }

    /**
     * A subscription message, handled: send the replies in order.
     *
     * @param replies what to send ({@code load} results then {@code logux/processed}, or one {@code logux/undo})
     * @param why     null, or why it was refused
     * @param hookFailed whether a hook of the channel threw ({@link Refuse#hookFailed})
     * @param later   null, or the subscription handled once its default load, read off the loop
     *                ({@link History#start}), is done: then it stands for this one (whose replies are empty), and the
     *                connection's answers wait for it; completed on the loop
     */
    public record Handled(List<Reply> replies, String why, boolean hookFailed,
                          java.util.concurrent.CompletableFuture<Handled> later) implements Received {
        public Handled {
            replies = List.copyOf(replies);
        }

        /** Handled now ({@code later} null). */
        public Handled(List<Reply> replies, String why, boolean hookFailed) {
            this(replies, why, hookFailed, null);
        }

        /** Handled without a hook's failure. */
        public Handled(List<Reply> replies, String why) {
            this(replies, why, false);
        }
    }

    /**
     * What to do once an accepted entry is durable.
     *
     * @param replies what to send to this client ({@code logux/processed}), empty when the process hook failed
     * @param log     actions to add to the log, each with the address it must carry (the {@code logux/undo} of
     *                an action whose process hook failed: it goes to everyone the action went to)
     * @param why     null, or why the process hook failed
     * @param hookFailed whether the process hook threw ({@link Refuse#hookFailed}); not for its {@code NotFound}
     */
    public record Committed(List<Reply> replies, List<Logged> log, String why, boolean hookFailed) {
        public Committed {
            replies = List.copyOf(replies);
            log = List.copyOf(log);
        }
    }

    /**
     * An action the node adds to the log (it stamps the id; reasons are its own).
     *
     * @param action  the action
     * @param address written into the meta ({@link Address#applyTo})
     */
    public record Logged(Action action, Address address) {
        public Logged {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(address, "address");
        }
    }

    /**
     * As {@link #receive(Entry, long)} for a client whose subscriptions want every entry of their channels, whenever
     * it was added (a caller without a log).
     */
    public Received receive(Entry received) {
        return receive(received, Long.MIN_VALUE);
    }

    /**
     * Decides what to do with an entry received from the client (as decoded, time already shifted). On the node's
     * loop.
     *
     * @param logAdded the log's last {@code added} now: a subscription made here gets only entries added after it
     */
    public Received receive(Entry received, long logAdded) {
        return receive(received, logAdded, id -> java.util.Optional.empty());
    }

    /**
     * As {@link #receive(Entry, long)}, and an entry of another client's id that {@code held} gives, with the same
     * action as JavaScript reads it, is an {@link Echo} when this client may have received it: it is addressed to
     * this client (node, client id, user, or unaddressed under {@link Delivery.Unaddressed#EVERY_CLIENT}) or to a
     * channel this connection is subscribed to (whatever its filter or when it subscribed: a client that subscribes
     * again after a reconnect may have received older entries of it) or may subscribe to (the channel's {@code access}
     * hook allows this client: a bare {@code ClientNode} sends back what it received at a reconnect before it
     * subscribes again; before session 38 those were undone). Any other action under another client's id
     * is refused as before ({@code denied}): a forged one, one that differs from the held entry, one the log does
     * not hold (never seen, or cleaned: it cannot be compared), and one addressed to others, so a client cannot
     * learn by the missing undo what an action it was not sent holds.
     *
     * @param held the log's entry of an id, if it holds one (on the node's loop, as this call)
     */
    public Received receive(Entry received, long logAdded, java.util.function.Function<ActionId,
        java.util.Optional<Entry>> held) {
        if (!client.created(received.id())) {
            Entry h = held.apply(received.id()).orElse(null);
            if (h != null && mayHaveReceived(h) && sameAsJavaScriptReads(h.action(), received.action())) {
                return new Echo(received.id());
            }
        }
        EdgeMeta.Check check = EdgeMeta.fromClient(received, client, subprotocol, options.foreignMeta());
        if (check instanceof EdgeMeta.Refused r) {
            return new Refuse(Reply.of(Answers.undo(received, r.reason())), r.why());
        }
        Entry entry = ((EdgeMeta.Accepted) check).entry();
        if (Subscribe.is(entry.action())) {
            return subscription(entry, logAdded);
        }
        String type = entry.action().type();
        if (Answers.isControl(entry.action()) && !rules.get().hasHooks(type)) {
            // logux/processed, logux/undo, ...: answers are the node's to give; without hooks for the type a
            // client may not put one into the mesh (as @logux/server, which has no processor for them)
            return refuse(entry, Answers.UNKNOWN_TYPE, "a client may not add " + type);
        }
        EdgeHooks.Type hooks = rules.get().type(type);
        if (hooks == null) {
            return refuse(entry, Answers.UNKNOWN_TYPE, "no hooks for action type " + type);
        }
        EdgeContext ctx = context(entry.meta());
        Meta meta = entry.meta();
        String hook = "access"; // which hook failed, said in the log (until session 28 only the exception was)
        try {
            if (!hooks.access().allowed(ctx, entry.action(), meta)) {
                return refuse(entry, Answers.DENIED, "action " + meta.id() + " was denied");
            }
            if (hooks.resend() != null) {
                hook = "resend";
                Address to = hooks.resend().resend(ctx, entry.action(), meta);
                if (to != null) {
                    meta = to.applyTo(meta);
                }
            }
        } catch (EdgeHooks.NotFound e) {
            return refuse(entry, Answers.NOT_FOUND, "action " + meta.id() + ": " + e.getMessage());
        } catch (Exception | Error e) {
            Callbacks.rethrowFatal(e); // else a hook's failure: an undo, as for an exception
            return new Refuse(Reply.of(Answers.undo(entry, Answers.ERROR)), "action " + meta.id() + ": "
                + failedHook(hook, "type " + type, e), true);
        }
        return new Add(meta.equals(entry.meta()) ? entry : entry.withMeta(meta));
    }

    /**
     * Whether the log's {@code entry} goes to this client, or to a channel it is subscribed to now or may subscribe to
     * (the channel's {@code access} hook allows it): a client that sends back what it received at a reconnect does so
     * before it subscribes again, and what it received of a channel it may read is no secret to it.
     */
    private boolean mayHaveReceived(Entry entry) {
        Address address = Address.of(entry.meta());
        if (delivery.decide(entry, address, client, subscriptions).delivered()) {
            return true;
        }
        if (address.excludesAll() || address.excludeClients().contains(client.clientId())) {
            return false;
        }
        return address.channels().stream().anyMatch(c -> subscriptions.has(c) || maySubscribe(c, entry.meta()));
    }

    /** Whether this client's subscription to {@code channel} would pass its {@code access} hook (no other hook runs). */
    private boolean maySubscribe(String channel, Meta meta) {
        EdgeRules.ChannelMatch match = rules.get().channel(channel);
        if (match == null) {
            return false;
        }
        try {
            return match.hooks().access().allowed(context(meta).withParams(match.params()),
                new Subscribe(channel, null, null, false));
        } catch (Exception | Error e) {
            Callbacks.rethrowFatal(e);
            return false; // refused as before: the action's undo says denied
        }
    }

    /**
     * Whether two actions are one value to a JavaScript node ({@code JSON.parse}): their text is the same, or their
     * trees are, numbers compared as the doubles JavaScript holds ({@code 1.5e3} and {@code 1500}, {@code -0} and
     * {@code 0}), object keys in any order (JavaScript puts integer-like keys first). An action that cannot be read
     * as a tree (a string over Jackson's limit) is the same only by its text.
     */
    static boolean sameAsJavaScriptReads(Action a, Action b) {
        if (a.toJson().equals(b.toJson())) {
            return true;
        }
        try {
            return a.json().equals(AS_JAVASCRIPT_READS, b.json());
        } catch (IllegalArgumentException | IllegalStateException unreadable) {
            return false;
        }
    }

    /** Compares values as JavaScript holds them: 0 when equal (numbers as doubles), else 1 (not an order). */
    private static final java.util.Comparator<JsonNode> AS_JAVASCRIPT_READS = (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
            return x.doubleValue() == y.doubleValue() ? 0 : 1;
        }
        return x.equals(y) ? 0 : 1;
    };

    private Refuse refuse(Entry entry, String reason, String why) {
        return new Refuse(Reply.of(Answers.undo(entry, reason)), why);
    }

    /**
     * The entry of an {@link Add} is durable in the log (as {@code stored}, with the node's meta).
     *
     * @param fresh false when the log had it already (a client resending after a reconnect): the process hook
     *              does not run again, but the client still gets its {@code logux/processed}
     */
    public Committed committed(Entry stored, boolean fresh) {
        Reply processed = Reply.of(Answers.processed(stored.id()));
        EdgeHooks.Type hooks = rules.get().type(stored.action().type());
        if (!fresh || hooks == null || hooks.process() == null) {
            return new Committed(List.of(processed), List.of(), null, false);
        }
        try {
            hooks.process().process(context(stored.meta()), stored.action(), stored.meta());
            return new Committed(List.of(processed), List.of(), null, false);
        } catch (Exception | Error e) {
            Callbacks.rethrowFatal(e); // else a hook's failure: an undo, as for an exception
            String reason = e instanceof EdgeHooks.NotFound ? Answers.NOT_FOUND : Answers.ERROR;
            Logged undo = new Logged(Answers.undo(stored, reason), Answers.undoAddress(stored.meta()));
            return new Committed(List.of(), List.of(undo), "action " + stored.id() + ": "
                + failedHook("process", "type " + stored.action().type(), e), !(e instanceof EdgeHooks.NotFound));
        }
    }

    private Handled subscription(Entry entry, long logAdded) {
        Subscribe s = Subscribe.of(entry.action());
        if (s == null) {
            return undo(entry, Answers.WRONG_CHANNEL, "subscription " + entry.id() + " has no string channel");
        }
        Reply processed = Reply.of(Answers.processed(entry.id()));
        if (s.unsubscribe()) {
            subscriptions.remove(s.channel(), s.filterKey());
            return new Handled(List.of(processed), null);
        }
        EdgeRules.ChannelMatch match = rules.get().channel(s.channel());
        if (match == null) {
            return undo(entry, Answers.WRONG_CHANNEL, "no hooks for channel " + shown(s.channel()));
        }
        String channel = shown(s.channel());
        boolean held = subscriptions.has(s.channel(), s.filterKey());
        if (subscriptions.size() >= MAX_SUBSCRIPTIONS && !held) {
            return undo(entry, Answers.ERROR, "subscription to " + channel + " refused: the connection holds "
                + MAX_SUBSCRIPTIONS + " subscriptions, the most one may (unsubscribe from some first)");
        }
        long adds = Subscriptions.chars(s.channel(), s.filterKey());
        if (!held && subscriptions.chars() + adds > MAX_SUBSCRIPTION_CHARS) {
            return undo(entry, Answers.ERROR, "subscription to " + channel + " refused: its channel and filter are "
                + adds + " chars and the connection's " + subscriptions.size() + " subscriptions hold "
                + subscriptions.chars() + ", over the " + MAX_SUBSCRIPTION_CHARS + " one connection may hold "
                + "(use shorter channel names and filters, or unsubscribe from some first)");
        }
        EdgeHooks.Channel hooks = match.hooks();
        EdgeContext ctx = context(entry.meta()).withParams(match.params());
        boolean subscribed = false;
        String hook = "access"; // which hook failed, said in the log (until session 28 only the exception was)
        try {
            if (!hooks.access().allowed(ctx, s)) {
                return undo(entry, Answers.DENIED, "subscription to " + channel + " was denied");
            }
            hook = "filter";
            ChannelFilter filter = hooks.filter() == null ? null : hooks.filter().filter(ctx, s);
            ChannelFilter passes = filter == null ? ChannelFilter.ALL : filter;
            subscriptions.add(s.channel(), s.filterKey(), passes, logAdded);
            subscribed = true;
            List<Reply> replies = new ArrayList<>();
            if (hooks.load() != null) {
                hook = "load";
                List<Reply> loaded = hooks.load().load(ctx, s);
                if (loaded != null) {
                    replies.addAll(loaded);
                }
            } else if (history != null) {
                hook = DEFAULT_LOAD;
                java.util.concurrent.CompletableFuture<List<Reply>> read = history.start(s, passes, logAdded);
                if (read != null) {
                    return new Handled(List.of(), null, false,
                        read.handle((found, failure) -> loaded(entry, s, found, failure, processed)));
                }
                replies.addAll(history.replay(s, passes, logAdded));
            }
            replies.add(processed);
            return new Handled(replies, null);
        } catch (Exception | Error e) {
            Callbacks.rethrowFatal(e); // else a hook's failure: an undo, as for an exception
            if (subscribed) {
                subscriptions.remove(s.channel(), s.filterKey());
            }
            boolean notFound = e instanceof EdgeHooks.NotFound;
            return new Handled(List.of(Reply.of(Answers.undo(entry, notFound ? Answers.NOT_FOUND : Answers.ERROR))),
                "subscription to " + channel + ": " + failedHook(hook, "channel " + channel, e), !notFound);
        }
    }

    /** What the node's lines call the default load. */
    private static final String DEFAULT_LOAD = "default load (the channel's entries in the log)";

    /**
     * A subscription whose default load was read off the loop ({@link History#start}) and is done: its replies and
     * {@code logux/processed}; or, if the read failed, its undo (as when the load fails on the loop), and the
     * subscription is taken back. On the loop.
     */
    private Handled loaded(Entry entry, Subscribe s, List<Reply> found, Throwable failure, Reply processed) {
        if (failure == null) {
            List<Reply> replies = new ArrayList<>(found);
            replies.add(processed);
            return new Handled(replies, null);
        }
        Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        subscriptions.remove(s.channel(), s.filterKey());
        String channel = shown(s.channel());
        return new Handled(List.of(Reply.of(Answers.undo(entry, Answers.ERROR))),
            "subscription to " + channel + ": " + failedHook(DEFAULT_LOAD, "channel " + channel, e), true);
    }

    /**
     * A channel name as the node's lines show it: whole up to {@value #SHOWN_CHANNEL_CHARS} chars, else its start
     * and its length ({@code "room/cccc… (100007 chars)"}), so that a client's long name does not make long lines.
     */
    public static String shown(String channel) {
        if (channel.length() <= SHOWN_CHANNEL_CHARS) {
            return channel;
        }
        int end = SHOWN_CHANNEL_CHARS;
        if (Character.isHighSurrogate(channel.charAt(end - 1))) {
            end--;
        }
        return channel.substring(0, end) + "\u2026 (" + channel.length() + " chars)";
    }

    /**
     * What the log says of a hook that threw: {@code "the access hook of type boom failed:
     * java.lang.IllegalStateException: ..."}; a {@link EdgeHooks.NotFound} only as itself (the hook's answer).
     */
    private static String failedHook(String hook, String of, Throwable e) {
        return e instanceof EdgeHooks.NotFound ? e.toString() : "the " + hook + " hook of " + of + " failed: " + e;
    }

    private Handled undo(Entry entry, String reason, String why) {
        return new Handled(List.of(Reply.of(Answers.undo(entry, reason))), why);
    }

    /**
     * Replaces the client's headers with those of a {@code headers} message it sent while connected (Logux's
     * {@code setLocalHeaders}): the hooks of the actions and subscriptions that follow see them, as
     * {@code @logux/server}'s {@code ctx.headers} does. On the node's loop.
     *
     * @param newHeaders the message's object, the whole new set (not merged with the old one)
     */
    public void headers(JsonNode newHeaders) {
        headers = newHeaders;
    }

    private EdgeContext context(Meta meta) {
        return new EdgeContext(client, meta.subprotocol() != 0 ? meta.subprotocol() : subprotocol, headers, null);
    }

    /** Whether an entry of the log goes to this client, and why. */
    public Delivery.Decision decide(Entry entry) {
        return delivery.decide(entry, client, subscriptions);
    }

    /** Whether an entry of the log goes to this client. */
    public boolean sends(Entry entry) {
        return decide(entry).delivered();
    }

    /** The entry as this client may see it (meta {@code id}, {@code time}, {@code subprotocol}). */
    public static Entry toClient(Entry entry) {
        Meta m = EdgeMeta.toClient(entry.meta());
        return m.equals(entry.meta()) ? entry : entry.withMeta(m);
    }

    /** The connection closed: its subscriptions end (the client subscribes again when it reconnects). */
    public void closed() {
        subscriptions.clear();
    }
}
