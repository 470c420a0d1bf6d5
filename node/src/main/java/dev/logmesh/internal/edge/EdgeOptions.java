package dev.logmesh.internal.edge;

import java.util.Objects;

/**
 * The node options of the edge role.
 *
 * @param unaddressed what happens to entries without an address ({@link Delivery#DEFAULT_UNADDRESSED})
 * @param foreignMeta what happens to meta keys a client may not set ({@link EdgeMeta.ForeignMeta#DROP})
 */
public record EdgeOptions(Delivery.Unaddressed unaddressed, EdgeMeta.ForeignMeta foreignMeta) {
    /** {@code EVERY_CLIENT}, {@code DROP}. */
    public static final EdgeOptions DEFAULT = new EdgeOptions(Delivery.DEFAULT_UNADDRESSED, EdgeMeta.ForeignMeta.DROP);

    public EdgeOptions {
        Objects.requireNonNull(unaddressed, "unaddressed");
        Objects.requireNonNull(foreignMeta, "foreignMeta");
    }
}
