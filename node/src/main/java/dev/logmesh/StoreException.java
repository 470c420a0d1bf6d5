package dev.logmesh;

/** A store could not read or write its storage, or the storage is not usable (corrupt, foreign, too new). */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
