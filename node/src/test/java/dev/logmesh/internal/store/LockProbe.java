package dev.logmesh.internal.store;

import dev.logmesh.StoreException;

import java.nio.file.Path;

/** Opens a store from another process, for {@link SqliteStoreTest}: prints "OPENED size" or "FAILED message". */
public final class LockProbe {
    private LockProbe() {
    }

    public static void main(String[] args) {
        try (SqliteStore store = SqliteStore.open(Path.of(args[0]))) {
            System.out.println("OPENED " + store.size());
        } catch (StoreException e) {
            System.out.println("FAILED " + e.getMessage());
        }
    }
}
