/**
 * The wire protocol: Logux protocol 5 messages (and logmesh's own {@code logmesh:} messages) as a sealed set
 * of records ({@link dev.logmesh.internal.protocol.Message}), the one codec to and from JSON frames
 * ({@link dev.logmesh.internal.protocol.MessageCodec}, one per node, streaming the {@code sync} path), meta in
 * its wire form ({@link dev.logmesh.internal.protocol.WireMeta}), the closed set of protocol errors, and the
 * message-level transport seam ({@link dev.logmesh.internal.protocol.MessageTransport}) with its adapter from
 * an application's frame {@link dev.logmesh.spi.Transport}.
 */
package dev.logmesh.internal.protocol;
