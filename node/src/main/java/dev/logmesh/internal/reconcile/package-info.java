/**
 * Range-based set reconciliation of the ids a node holds (Meyer 2022, "Range-Based Set Reconciliation"),
 * speaking Negentropy protocol v1 byte for byte (hoytech/negentropy {@code docs/negentropy-protocol-v1.md}).
 *
 * <p>This package owns: the items ({@link dev.logmesh.internal.reconcile.Item}: an action's {@code ms} and the
 * SHA-256 of its id string), the protocol's messages and fingerprints, the two roles of a session
 * ({@link dev.logmesh.internal.reconcile.Initiator}, {@link dev.logmesh.internal.reconcile.Responder}), the
 * read interface the reconciler asks of a store ({@link dev.logmesh.internal.reconcile.ItemStorage}) with its
 * implementation for logs of millions of ids ({@link dev.logmesh.internal.reconcile.ItemIndex}), and the text
 * form of messages in JSON frames ({@link dev.logmesh.internal.reconcile.WireText}).
 *
 * <p>It owns no I/O, no clock and no threads: the node feeds it messages and ids on its loop thread, carries
 * the messages in its own protocol, and pulls or pushes the differences through the normal sync pump. It
 * depends on nothing of logmesh but {@link dev.logmesh.ActionId}. Internal: its API may change with the node.
 *
 * <p>Errors: misuse throws {@link java.lang.IllegalArgumentException} or {@link java.lang.IllegalStateException};
 * a peer's bad message throws {@link dev.logmesh.internal.reconcile.ReconcileException}. Nothing here accepts
 * null unless its documentation says so.
 */
package dev.logmesh.internal.reconcile;
