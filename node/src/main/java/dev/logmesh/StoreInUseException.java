package dev.logmesh;

/**
 * A store that another process (or this one) holds open: its lock is taken. What to do is stop that process or
 * give this one a store of its own; a caller that can say more (the command line names the node that runs there)
 * tells it by this type, not by its message's wording.
 */
public class StoreInUseException extends StoreException {
    public StoreInUseException(String message) {
        super(message);
    }
}
