/**
 * The action log and its stores: {@link dev.logmesh.log.Log} (Logux's log semantics over a store, with a
 * hybrid logical clock), the {@link dev.logmesh.log.Store} SPI and its two implementations,
 * {@link dev.logmesh.log.MemoryStore} and {@link dev.logmesh.log.SqliteStore}. Internal to logmesh: an
 * application uses {@link dev.logmesh.MeshNode}; these types are public for the node's other packages, the
 * test kit and benchmarks, and may change.
 */
package dev.logmesh.log;
