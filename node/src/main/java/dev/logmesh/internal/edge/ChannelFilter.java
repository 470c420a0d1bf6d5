package dev.logmesh.internal.edge;

import dev.logmesh.Entry;

/**
 * Which entries of a channel one subscription wants (a Logux channel's {@code filter} callback, built once per
 * subscription from its {@code filter} field). Runs on the node's loop thread for each entry addressed to the
 * channel: it must be fast and must not block.
 */
@FunctionalInterface
public interface ChannelFilter {
    /** Every entry of the channel. */
    ChannelFilter ALL = entry -> true;

    /** Whether the subscriber gets this entry. */
    boolean test(Entry entry);
}
