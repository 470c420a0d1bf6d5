package dev.logmesh.internal.edge;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.spi.Order;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A ready-made {@code load}: the entries of the log addressed to a channel, newer than the subscription's
 * {@code since} (all of them without one), except those the subscriber made itself. What a client that was
 * offline missed in a channel comes back when it resubscribes.
 *
 * <p>{@link #replay} is the node's default {@code load} for a channel whose hooks have none (CLI nodes, and embedding
 * apps unless they give their own or turn it off): it reads the log in created order from {@code since} on, a page at
 * a time, never the whole log, and stops at a bound of entries read and of entries sent (see docs/logux-apps.md,
 * "What a subscriber gets").
 */
public final class ChannelReplay {
    private ChannelReplay() {
    }

    /**
     * The entries to send.
     *
     * @param entries    the log's entries in created order (or any part of it that holds the channel's)
     * @param subscriber the subscribing client
     * @param subscribe  its subscription
     * @param filter     the subscription's filter
     */
    public static List<Reply> since(Iterable<Entry> entries, ClientId subscriber, Subscribe subscribe,
                                    ChannelFilter filter) {
        List<Reply> out = new ArrayList<>();
        for (Entry e : entries) {
            if (!Address.of(e.meta()).channels().contains(subscribe.channel())) {
                continue;
            }
            if (subscriber.created(e.id())) {
                continue;
            }
            if (subscribe.since() != null && !subscribe.since().isBefore(e.meta())) {
                continue;
            }
            if (filter.test(e)) {
                out.add(Reply.of(e));
            }
        }
        return out;
    }

    /** How many entries one page read of {@link #replay} asks the store for. */
    static final int PAGE = 512;

    /**
     * Reads the log a page at a time ({@code Store.page}): in created order (the store's ordered index), or in added
     * order from an {@code added} number. Called on the node's loop.
     */
    @FunctionalInterface
    public interface Pages {
        /**
         * Up to {@code limit} entries after {@code after} (exclusive; null: from the first, or from the last when
         * descending), fewer only at the log's end.
         *
         * @param after an {@link ActionId} for {@link Order#CREATED}, a {@link Long} {@code added} for
         *              {@link Order#ADDED}, or null
         */
        List<Entry> page(Order order, boolean ascending, Object after, int limit);
    }

    /**
     * The bounds of one subscription's replay.
     *
     * @param maxSent the most entries sent to the subscriber, {@code > 0}
     * @param maxRead the most entries read from the log to find them, {@code >= maxSent}
     */
    public record Bounds(int maxSent, int maxRead) {
        public Bounds {
            if (maxSent <= 0 || maxRead < maxSent) {
                throw new IllegalArgumentException("replay bounds need 0 < maxSent <= maxRead, got " + maxSent
                    + " and " + maxRead);
            }
        }
    }

    /**
     * What a replay found.
     *
     * @param replies the entries to send, in created order
     * @param read    how many entries of the log it read
     * @param cut     whether it stopped at a bound with entries of the log left unread: the channel may hold more
     *                that the subscriber does not get
     */
    public record Result(List<Reply> replies, int read, boolean cut) {
        public Result {
            replies = List.copyOf(replies);
        }
    }

    /**
     * The channel's entries for a subscription, read from the log a page at a time.
     * <ul>
     *   <li>With {@code since} (a client resubscribing after a reconnect): the channel's entries created after
     *       {@code since.id()} that this node added after {@code afterAdded} (what the client had not acknowledged
     *       here: the catch-up's start, so that nothing it received before is sent again), oldest first. A client
     *       this node knows ({@code afterAdded > 0}) is read in added order from {@code afterAdded}, so the read costs
     *       what was added while it was away; one it does not know (0) in created order from {@code since}.</li>
     *   <li>Without (a first subscription): the channel's newest entries, oldest first: its history, as far as the
     *       bounds reach back from the log's end.</li>
     * </ul>
     * Never what the subscriber's client made itself, nor what excludes it ({@code excludeClients}), nor what the node
     * added after {@code uptoAdded} (the subscription gets those live), nor what {@code filter} refuses.
     *
     * <p>Before break43 a resubscription was always read in created order from {@code since}; {@code @logux/client}
     * never moves {@code since} (its first subscription's {@code logux/processed}), so once the log had grown by the
     * read bound (10,000 entries) after a client's first subscription, every resubscription read only entries the
     * client had acknowledged, stopped at the bound and sent nothing of what it had missed.
     *
     * @param log        the log's pages
     * @param afterAdded the subscriber's catch-up start on this node (0 when it has none)
     * @param uptoAdded  the log's last {@code added} when the subscription was made
     */
    public static Result replay(Pages log, ClientId subscriber, Subscribe subscribe, ChannelFilter filter,
                                long afterAdded, long uptoAdded, Bounds bounds) {
        return replay(log, subscriber, subscribe, filter, afterAdded, uptoAdded, bounds, e -> false);
    }

    /**
     * As {@link #replay(Pages, ClientId, Subscribe, ChannelFilter, long, long, Bounds)}, leaving out (not counted as
     * sent) what {@code sentOtherwise} says the connection sends or sent the client by another way: its catch-up
     * (an entry addressed to it by {@code nodes}, {@code clients} or {@code users} as well), another subscription's
     * live delivery or replay (an entry of two channels it subscribes to). Before break43 such an entry came twice.
     */
    public static Result replay(Pages log, ClientId subscriber, Subscribe subscribe, ChannelFilter filter,
                                long afterAdded, long uptoAdded, Bounds bounds, Predicate<Entry> sentOtherwise) {
        Since since = subscribe.since();
        boolean ascending = since != null;
        boolean byAdded = ascending && afterAdded > 0;
        Order order = byAdded ? Order.ADDED : Order.CREATED;
        Object after = byAdded ? (Object) afterAdded : since == null ? null : since.id();
        List<Entry> out = new ArrayList<>();
        int read = 0;
        while (true) {
            int want = Math.min(PAGE, bounds.maxRead() - read);
            List<Entry> page = log.page(order, ascending, after, want);
            for (Entry e : page) {
                read++;
                long added = e.meta().added();
                after = byAdded ? (Object) added : e.id();
                if (added > uptoAdded) {
                    if (byAdded) {
                        return finish(out, read, false, ascending, byAdded); // the rest goes live
                    }
                    continue;
                }
                if ((ascending && added <= afterAdded) || (byAdded && e.id().compareTo(since.id()) <= 0)) {
                    continue;
                }
                Address address = Address.of(e.meta());
                if (!address.channels().contains(subscribe.channel()) || subscriber.created(e.id())
                    || address.excludesAll() || address.excludeClients().contains(subscriber.clientId())
                    || !filter.test(e) || sentOtherwise.test(e)) {
                    continue;
                }
                if (out.size() == bounds.maxSent()) {
                    return finish(out, read, true, ascending, byAdded);
                }
                out.add(e);
            }
            if (page.size() < want) {
                return finish(out, read, false, ascending, byAdded);
            }
            if (read >= bounds.maxRead()) {
                return finish(out, read, true, ascending, byAdded);
            }
        }
    }

    private static Result finish(List<Entry> found, int read, boolean cut, boolean ascending, boolean byAdded) {
        List<Entry> out = new ArrayList<>(found);
        if (!ascending) {
            Collections.reverse(out);
        } else if (byAdded) {
            out.sort(Comparator.comparing(Entry::id)); // oldest first, as in created order
        }
        return new Result(out.stream().map(Reply::of).toList(), read, cut);
    }
}
