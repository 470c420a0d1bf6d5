package dev.logmesh.internal.edge;

import dev.logmesh.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * A ready-made {@code load}: the entries of the log addressed to a channel, newer than the subscription's
 * {@code since} (all of them without one), except those the subscriber made itself. What a client that was
 * offline missed in a channel comes back when it resubscribes.
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
}
