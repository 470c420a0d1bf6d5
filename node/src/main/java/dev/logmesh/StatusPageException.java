package dev.logmesh;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;

/**
 * {@link MeshNode#start} could not serve the status page at {@link NodeConfig#statusPage()}: its port is in use, or
 * its host is not an address of this machine. The node did not start (everything it had opened is closed again).
 */
public final class StatusPageException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The address of {@link NodeConfig#statusPage()}. */
    private final InetSocketAddress address;

    /** A status page that could not listen at {@code address} for this {@code cause}. */
    public StatusPageException(InetSocketAddress address, Throwable cause) {
        super("cannot serve the status page on " + address.getHostString() + ":" + address.getPort() + ": "
            + (cause instanceof BindException && String.valueOf(cause.getMessage()).contains("in use")
                ? "the port is in use" : cause.getMessage()), cause);
        this.address = address;
    }

    /** The address the status page was to listen at. */
    public InetSocketAddress address() {
        return address;
    }
}
