/**
 * Transports: the {@link dev.logmesh.transport.Transport} SPI and its WebSocket implementation on Netty
 * (text frames, a frame size limit, TLS). On a {@link dev.logmesh.time.SystemLoop} the channels run on the
 * node's loop thread itself; every handler call runs as a loop task. Internal to logmesh.
 */
package dev.logmesh.transport;
