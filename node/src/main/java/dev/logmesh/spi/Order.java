package dev.logmesh.spi;

/** The two orders a log can be read in. */
public enum Order {
    /** By action id: the same on every node. */
    CREATED,
    /** By {@code meta.added}: the order this node added the entries in. */
    ADDED
}
