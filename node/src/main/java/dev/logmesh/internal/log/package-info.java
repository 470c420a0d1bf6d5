/**
 * The action log: {@link dev.logmesh.internal.log.Log} (Logux's log semantics over a
 * {@link dev.logmesh.spi.Store}: exactly-once add, reasons and cleaning, events), the
 * {@link dev.logmesh.internal.log.HybridClock} that issues action ids, meta in its JSON object form
 * ({@link dev.logmesh.internal.log.MetaJson}, as the CLI prints it and the stores keep it), and the per-node
 * {@link dev.logmesh.internal.log.Interner} of strings that repeat across a log. Owned by the node's loop
 * unless a type says otherwise.
 */
package dev.logmesh.internal.log;
