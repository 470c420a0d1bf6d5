package dev.logmesh.internal.edge;

import java.util.Objects;

/**
 * The node options of the edge role.
 *
 * @param unaddressed what happens to entries without an address ({@link Delivery#DEFAULT_UNADDRESSED})
 * @param foreignMeta what happens to meta keys a client may not set ({@link EdgeMeta.ForeignMeta#DROP})
 * @param replay      the bounds of the default {@code load} of a channel without one ({@link ChannelReplay#replay}),
 *                    or null for none (a subscriber then gets only what the node adds from then on)
 */
public record EdgeOptions(Delivery.Unaddressed unaddressed, EdgeMeta.ForeignMeta foreignMeta,
                          ChannelReplay.Bounds replay) {
    /** The default replay: at most 1,000 entries sent, found among at most 10,000 read. */
    public static final ChannelReplay.Bounds DEFAULT_REPLAY = new ChannelReplay.Bounds(1_000, 10_000);

    /** {@code EVERY_CLIENT}, {@code DROP}, {@link #DEFAULT_REPLAY}. */
    public static final EdgeOptions DEFAULT = new EdgeOptions(Delivery.DEFAULT_UNADDRESSED, EdgeMeta.ForeignMeta.DROP);

    public EdgeOptions {
        Objects.requireNonNull(unaddressed, "unaddressed");
        Objects.requireNonNull(foreignMeta, "foreignMeta");
    }

    /** With the {@link #DEFAULT_REPLAY}. */
    public EdgeOptions(Delivery.Unaddressed unaddressed, EdgeMeta.ForeignMeta foreignMeta) {
        this(unaddressed, foreignMeta, DEFAULT_REPLAY);
    }
}
