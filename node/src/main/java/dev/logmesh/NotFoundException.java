package dev.logmesh;

/**
 * Thrown by a client hook ({@link TypeHooks}, {@link ChannelHooks}) when the resource an action or a subscription
 * names does not exist: the client gets {@code logux/undo} with reason {@code notFound} (any other exception gives
 * {@code error}).
 */
public final class NotFoundException extends Exception {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
