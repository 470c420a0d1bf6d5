package dev.logmesh.spi;

import java.io.IOException;
import java.net.URI;
import java.util.function.Consumer;

/**
 * How a node reaches peers: it listens for links and dials URLs. The default is logmesh's own WebSocket
 * transport (Netty); an application can supply another one (an in-memory network in tests, a different
 * medium) through {@code NodeConfig.Builder.transport}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Created once per node by the factory given to the node, which receives the node's {@link Loop}.</li>
 *   <li>{@link #listen} and {@link #dial} are called on the node's loop. {@link #listen} may block briefly
 *       (binding); {@link #dial} never blocks and never throws: a failed dial is reported as the returned
 *       connection's {@link Connection.Handler#onClose}.</li>
 *   <li>Accepted connections are handed to the acceptor on the node's loop.</li>
 *   <li>{@link #close} is called once, from any thread, when the node closes; afterwards no connection
 *       delivers events and {@link #dial} returns connections that close at once.</li>
 * </ul>
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts listening; every accepted link is handed to {@code acceptor} on the node's loop.
     *
     * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
     * @param port the port, 0 for any free one
     * @return the URL peers can dial
     * @throws IOException if the address cannot be used (the message names host and port)
     */
    URI listen(String host, int port, Consumer<Connection> acceptor) throws IOException;

    /** Dials a URL; failures arrive as the connection's {@code onClose}. Never blocks, never throws. */
    Connection dial(URI url);

    /** Stops listening, closes links and releases threads; idempotent. */
    @Override
    void close();
}
