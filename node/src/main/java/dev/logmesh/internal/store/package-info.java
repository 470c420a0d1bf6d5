/**
 * The two {@link dev.logmesh.spi.Store} implementations: {@link dev.logmesh.internal.store.MemoryStore}
 * (sorted arrays and a tree, for tests and ephemeral nodes) and {@link dev.logmesh.internal.store.SqliteStore}
 * (one SQLite file in WAL mode, with a lock file), and the index structures they are built from. Both pass
 * the same store contract suite.
 */
package dev.logmesh.internal.store;
