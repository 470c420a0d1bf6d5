package dev.logmesh.internal.protocol;

import java.io.IOException;
import java.net.URI;
import java.util.function.Consumer;

/**
 * How a node reaches peers: listens for links and dials URLs. {@code internal.net.WsTransport} is the
 * WebSocket one; the test kit has an in-memory one, so whole nodes run without sockets.
 *
 * <p>Connections it creates deliver their events on the node's loop (see {@link MessageConnection}).
 */
public interface MessageTransport extends AutoCloseable {

    /**
     * Starts listening; every accepted link is handed to {@code acceptor} on the node's loop.
     *
     * @return the URL peers can dial
     * @throws IOException if the address cannot be used
     */
    URI listen(String host, int port, Consumer<MessageConnection> acceptor) throws IOException;

    /** Dials a URL; failures arrive as the connection's {@code onClose}. Never throws. */
    MessageConnection dial(URI url);

    /** Stops listening, closes links and releases threads; idempotent. */
    @Override
    void close();
}
