package dev.logmesh.log;

/** {@link MemoryStore} against the store contract. */
class MemoryStoreTest extends StoreContract {
    @Override
    protected Store newStore() {
        return new MemoryStore();
    }
}
