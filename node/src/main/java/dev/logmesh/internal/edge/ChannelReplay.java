package dev.logmesh.internal.edge;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.spi.Order;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
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
     * order from an {@code added} number. Called on the node's loop, or for a read off the loop on the thread of
     * {@link ReplayReads}.
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
     * @param remedy  what the reader of the node's log can do to have more sent, in their terms (the command line's
     *                option in a CLI node, the hook and setter in an application): the end of the WARN line of a
     *                replay cut at these bounds
     */
    public record Bounds(int maxSent, int maxRead, String remedy) {
        public Bounds {
            if (maxSent <= 0 || maxRead < maxSent) {
                throw new IllegalArgumentException("replay bounds need 0 < maxSent <= maxRead, got " + maxSent
                    + " and " + maxRead);
            }
            java.util.Objects.requireNonNull(remedy, "remedy");
        }

        /** Bounds whose remedy is an application's: a load hook, or a larger {@code NodeConfig} channelReplay. */
        public Bounds(int maxSent, int maxRead) {
            this(maxSent, maxRead, "give the channel a load hook (ChannelHooks load) that reads your own index of it, or "
                + "raise the bound (NodeConfig channelReplay, now " + maxSent + ", at most 100000)");
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
        return replay(log, subscriber, subscribe, filter, afterAdded, uptoAdded, bounds, sentOtherwise, e -> { });
    }

    /**
     * As {@link #replay(Pages, ClientId, Subscribe, ChannelFilter, long, long, Bounds, Predicate)}, telling
     * {@code sent} of each entry taken as it is taken (a connection's other replays leave it out from then on).
     */
    public static Result replay(Pages log, ClientId subscriber, Subscribe subscribe, ChannelFilter filter,
                                long afterAdded, long uptoAdded, Bounds bounds, Predicate<Entry> sentOtherwise,
                                Consumer<Entry> sent) {
        Read read = new Read(subscriber, subscribe, afterAdded, uptoAdded, bounds);
        while (true) {
            Page page = read.next(log);
            if (read.take(page, filter, sentOtherwise, sent)) {
                return read.result();
            }
        }
    }

    /**
     * One replay ({@link #replay}) as steps, so that its reads can run on a thread other than the node's loop
     * ({@link ReplayReads}): {@link #next} reads one page and keeps the entries that may go to the subscriber by what
     * they are (channel, {@code since}, positions, the subscriber's own, {@code excludeClients}); {@link #take} then
     * asks the application's {@code filter} and the connection ({@code sentOtherwise}), which are the loop's, and
     * applies the sent bound. {@link #next} and {@link #take} alternate, never at once (each hands its result to the
     * other through an executor's queue); {@link #next} may run on any thread, {@link #take} and {@link #result} on
     * the node's loop.
     */
    public static final class Read {
        private final ClientId subscriber;
        private final Subscribe subscribe;
        private final long afterAdded;
        private final long uptoAdded;
        private final Bounds bounds;
        private final Since since;
        private final boolean ascending;
        private final boolean byAdded;
        private final Order order;
        /** Where the next page starts; {@link #next}'s. */
        private Object after;
        /** Entries of the log read so far; {@link #next}'s. */
        private int read;
        /** What {@link #take} kept; the loop's. */
        private final List<Entry> out = new ArrayList<>();
        private Result result;

        /** A replay's steps; the arguments as {@link ChannelReplay#replay}'s. */
        public Read(ClientId subscriber, Subscribe subscribe, long afterAdded, long uptoAdded, Bounds bounds) {
            this.subscriber = subscriber;
            this.subscribe = subscribe;
            this.afterAdded = afterAdded;
            this.uptoAdded = uptoAdded;
            this.bounds = bounds;
            this.since = subscribe.since();
            this.ascending = since != null;
            this.byAdded = ascending && afterAdded > 0;
            this.order = byAdded ? Order.ADDED : Order.CREATED;
            this.after = byAdded ? (Object) afterAdded : since == null ? null : since.id();
        }

        /**
         * Reads the next page from {@code log} and returns the entries of it that may go to the subscriber, each with
         * the count of entries read up to it. Blocks the calling thread for the read; any thread, one at a time.
         *
         * @throws dev.logmesh.StoreException if the store fails
         */
        public Page next(Pages log) {
            int want = Math.min(PAGE, bounds.maxRead() - read);
            List<Entry> page = log.page(order, ascending, after, want);
            List<Entry> kept = new ArrayList<>();
            List<Integer> readAt = new ArrayList<>();
            for (Entry e : page) {
                read++;
                long added = e.meta().added();
                after = byAdded ? (Object) added : e.id();
                if (added > uptoAdded) {
                    if (byAdded) {
                        return new Page(kept, readAt, read, true, false); // the rest goes live
                    }
                    continue;
                }
                if ((ascending && added <= afterAdded) || (byAdded && e.id().compareTo(since.id()) <= 0)) {
                    continue;
                }
                Address address = Address.of(e.meta());
                if (!address.channels().contains(subscribe.channel()) || subscriber.created(e.id())
                    || address.excludesAll() || address.excludeClients().contains(subscriber.clientId())) {
                    continue;
                }
                readAt.add(read);
                kept.add(e);
            }
            if (page.size() < want) {
                return new Page(kept, readAt, read, true, false); // the log's end
            }
            boolean cut = read >= bounds.maxRead();
            return new Page(kept, readAt, read, cut, cut);
        }

        /**
         * Takes a page {@link #next} read: what {@code filter} passes and {@code sentOtherwise} does not send, up to
         * the sent bound; {@code sent} is told of each entry taken. On the node's loop.
         *
         * @return whether the replay is done ({@link #result})
         */
        public boolean take(Page page, ChannelFilter filter, Predicate<Entry> sentOtherwise, Consumer<Entry> sent) {
            for (int i = 0; i < page.entries().size(); i++) {
                Entry e = page.entries().get(i);
                if (!filter.test(e) || sentOtherwise.test(e)) {
                    continue;
                }
                if (out.size() == bounds.maxSent()) {
                    result = finish(out, page.readAt().get(i), true, ascending, byAdded);
                    return true;
                }
                out.add(e);
                sent.accept(e);
            }
            if (page.last()) {
                result = finish(out, page.read(), page.cut(), ascending, byAdded);
                return true;
            }
            return false;
        }

        /** What the replay found, once {@link #take} said it is done; null before. */
        public Result result() {
            return result;
        }
    }

    /**
     * One page of a {@link Read}: the entries that may go to the subscriber, by what they are.
     *
     * @param entries what the page holds for the subscriber, in the order read
     * @param readAt  for each of {@code entries}, how many entries of the log were read up to it
     * @param read    how many entries of the log were read up to the page's end
     * @param last    whether the read is over (the log's end, the subscription's live part, or the read bound)
     * @param cut     whether it is over at the read bound with entries of the log left unread
     */
    public record Page(List<Entry> entries, List<Integer> readAt, int read, boolean last, boolean cut) {
        public Page {
            entries = List.copyOf(entries);
            readAt = List.copyOf(readAt);
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
