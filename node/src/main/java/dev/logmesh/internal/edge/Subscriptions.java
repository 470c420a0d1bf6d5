package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Entry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The channels one connection of a client subscribed to, as {@code @logux/server} keeps them per node id: per
 * channel, one filter per distinct {@code filter} field ({@code JSON.stringify(action.filter || {})}), so
 * subscribing twice with different filters receives the union, and {@code logux/unsubscribe} removes the filter
 * with the same JSON.
 *
 * <p>Subscriptions belong to a connection: when it closes they are dropped ({@link #clear()}), and the client
 * subscribes again after it reconnects ({@code @logux/client} resends every {@code logux/subscribe} it holds,
 * with {@code since} set to the last action it saw in the channel). Not thread-safe: owned by the node's loop.
 */
public final class Subscriptions {
    private final Map<String, Map<String, Held>> channels = new LinkedHashMap<>();
    /** Subscriptions held: (channel, filter) pairs. */
    private int size;
    /** The text the pairs hold: the chars of each pair's channel and filter key, summed. */
    private long chars;

    /** What one (channel, filter) pair counts in {@link #chars()}: the chars of both. */
    public static long chars(String channel, String filterKey) {
        return (long) channel.length() + filterKey.length();
    }

    /** The key of a {@code filter} field: its JSON, {@code {}} when absent (as {@code subscriberFilterId}). */
    public static String filterKey(JsonNode filter) {
        return filter == null || filter.isNull() || filter.isMissingNode() ? "{}" : filter.toString();
    }

    /**
     * One subscription: its filter, and the log's last {@code added} when it was made (entries up to that one are
     * older than the subscription and do not go to it).
     */
    private record Held(ChannelFilter filter, long after) {
    }

    /**
     * Adds (or replaces) the filter of one subscription that wants every entry of the channel, whenever it was added.
     *
     * @return whether the channel had no subscription of this connection before
     */
    public boolean add(String channel, String filterKey, ChannelFilter filter) {
        return add(channel, filterKey, filter, Long.MIN_VALUE);
    }

    /**
     * Adds (or replaces) the filter of one subscription made when the log's last {@code added} was {@code after}:
     * only entries added later go to it, as {@code @logux/server} sends a subscriber only what the channel receives
     * after it (older ones come from a {@code load} hook). The same subscription made again keeps its first
     * position (what came in between was already its).
     *
     * @return whether the channel had no subscription of this connection before
     */
    public boolean add(String channel, String filterKey, ChannelFilter filter, long after) {
        Map<String, Held> filters = channels.computeIfAbsent(channel, c -> new LinkedHashMap<>());
        boolean first = filters.isEmpty();
        Held old = filters.get(filterKey);
        filters.put(filterKey, new Held(filter, old == null ? after : Math.min(old.after(), after)));
        if (old == null) {
            size++;
            chars += chars(channel, filterKey);
        }
        return first;
    }

    /**
     * Removes one subscription.
     *
     * @return whether the connection is no longer subscribed to the channel at all
     */
    public boolean remove(String channel, String filterKey) {
        Map<String, Held> filters = channels.get(channel);
        if (filters == null) {
            return false;
        }
        if (filters.remove(filterKey) != null) {
            size--;
            chars -= chars(channel, filterKey);
        }
        if (filters.isEmpty()) {
            channels.remove(channel);
            return true;
        }
        return false;
    }

    /** Whether any subscription to the channel wants the entry (added after it, and passing its filter). */
    public boolean wants(String channel, Entry entry) {
        Map<String, Held> filters = channels.get(channel);
        if (filters == null) {
            return false;
        }
        for (Held h : filters.values()) {
            if (entry.meta().added() > h.after() && h.filter().test(entry)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the connection is subscribed to the channel. */
    public boolean has(String channel) {
        return channels.containsKey(channel);
    }

    /** The channels subscribed to, in the order of their first subscription. */
    public Set<String> channels() {
        return Collections.unmodifiableSet(channels.keySet());
    }

    /** The filter keys of a channel's subscriptions. */
    public Set<String> filterKeys(String channel) {
        Map<String, Held> filters = channels.get(channel);
        return filters == null ? Set.of() : Collections.unmodifiableSet(filters.keySet());
    }

    /** Whether this exact subscription (channel and filter) is held. */
    public boolean has(String channel, String filterKey) {
        Map<String, Held> filters = channels.get(channel);
        return filters != null && filters.containsKey(filterKey);
    }

    /** The subscriptions held: one per distinct (channel, filter) pair. */
    public int size() {
        return size;
    }

    /**
     * The text the subscriptions hold: for each (channel, filter) pair, the chars of its channel and of its filter
     * key ({@link #chars(String, String)}), summed; 0 when empty.
     */
    public long chars() {
        return chars;
    }

    /** Drops every subscription (the connection closed). */
    public void clear() {
        channels.clear();
        size = 0;
        chars = 0;
    }

    /** Whether there is no subscription. */
    public boolean isEmpty() {
        return channels.isEmpty();
    }
}
