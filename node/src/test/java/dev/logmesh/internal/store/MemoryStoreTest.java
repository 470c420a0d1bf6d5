package dev.logmesh.internal.store;

import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreContract;

/** {@link MemoryStore} against the store contract. */
class MemoryStoreTest extends StoreContract {
    @Override
    protected Store newStore() {
        return new MemoryStore();
    }
}
