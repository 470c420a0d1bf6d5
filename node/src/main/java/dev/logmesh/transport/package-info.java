/**
 * Transports: the {@link dev.logmesh.transport.Transport} SPI and its WebSocket implementation on Netty
 * (text frames, a frame size limit, TLS). Netty threads only frame and decode; everything else runs on the
 * node's loop. Internal to logmesh.
 */
package dev.logmesh.transport;
