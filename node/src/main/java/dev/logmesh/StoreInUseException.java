package dev.logmesh;

/**
 * A store that another process (or this one) holds open: its lock is taken. What to do is stop that process or
 * give this one a store of its own; a caller that can say more (the command line names the node that runs there)
 * tells it by this type, not by its message's wording.
 */
public final class StoreInUseException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** @param message names the store's file and what holds it */
    public StoreInUseException(String message) {
        super(message);
    }
}
