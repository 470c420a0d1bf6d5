package dev.logmesh;

import java.util.List;

/**
 * An application's store, as an embedder writes one: a memory store behind it, and an audit that throws what it is
 * given ({@code failure}: an {@link Error}, a {@link RuntimeException}) for a batch holding an action of type "boom".
 */
final class AuditStore implements dev.logmesh.spi.Store {
    private final dev.logmesh.internal.store.MemoryStore d = new dev.logmesh.internal.store.MemoryStore();
    private final java.util.function.Supplier<? extends Throwable> failure;
    /** Whether the audit threw: the store's calls are recorded in {@link #callsAfterFailure} from then on. */
    private volatile boolean failed;
    private final List<String> callsAfterFailure = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Whether saving a cursor on its own fails ({@link StoreException}), so that a cursor move stays pending. */
    private volatile boolean refuseCursorSaves;

    AuditStore(java.util.function.Supplier<? extends Throwable> failure) {
        this.failure = failure;
    }

    /** Makes each {@link #setCursor} fail as a store's failed write does. */
    AuditStore refuseCursorSaves() {
        refuseCursorSaves = true;
        return this;
    }

    /** The writes (and durability waits) the node asked of this store after the audit threw. */
    List<String> callsAfterFailure() {
        return List.copyOf(callsAfterFailure);
    }

    private void called(String what) {
        if (failed) {
            callsAfterFailure.add(what);
        }
    }

    private void audit(List<Entry> entries) {
        called("add");
        for (Entry e : entries) {
            if (e.action().type().equals("boom")) {
                failed = true;
                Throwable t = failure.get();
                if (t instanceof Error err) {
                    throw err;
                }
                throw (RuntimeException) t;
            }
        }
    }

    @Override
    public List<Meta> add(List<Entry> entries) {
        audit(entries);
        return d.add(entries);
    }

    @Override
    public List<Meta> add(List<Entry> entries, java.util.Map<String, dev.logmesh.spi.PeerCursor> cursors) {
        audit(entries);
        return d.add(entries, cursors);
    }

    @Override
    public java.util.Optional<Entry> byId(ActionId id) {
        return d.byId(id);
    }

    @Override
    public boolean seen(ActionId id) {
        return d.seen(id);
    }

    @Override
    public void forEachSeen(long fromMs, long toMs, java.util.function.Consumer<ActionId> consumer) {
        d.forEachSeen(fromMs, toMs, consumer);
    }

    @Override
    public boolean changeMeta(ActionId id, Meta meta) {
        return d.changeMeta(id, meta);
    }

    @Override
    public java.util.Optional<Entry> remove(ActionId id) {
        return d.remove(id);
    }

    @Override
    public List<Entry> removeReason(String reason, Criteria criteria) {
        return d.removeReason(reason, criteria);
    }

    @Override
    public List<Entry> page(dev.logmesh.spi.Order order, boolean ascending, Object after, int limit) {
        return d.page(order, ascending, after, limit);
    }

    @Override
    public List<Entry> withReason(String reason, long afterAdded, int limit) {
        return d.withReason(reason, afterAdded, limit);
    }

    @Override
    public long lastAdded() {
        return d.lastAdded();
    }

    @Override
    public long size() {
        return d.size();
    }

    @Override
    public dev.logmesh.spi.PeerCursor cursor(String peerNode) {
        return d.cursor(peerNode);
    }

    @Override
    public void setCursor(String peerNode, dev.logmesh.spi.PeerCursor cursor) {
        called("setCursor");
        if (refuseCursorSaves) {
            throw new StoreException("cursor saves refused (audit)");
        }
        d.setCursor(peerNode, cursor);
    }

    @Override
    public java.util.Map<String, dev.logmesh.spi.PeerCursor> cursors() {
        return d.cursors();
    }

    @Override
    public long forgetSeen(long beforeMs) {
        return d.forgetSeen(beforeMs);
    }

    @Override
    public long maxSeenMs() {
        return d.maxSeenMs();
    }

    @Override
    public long maxSeenMs(String node) {
        return d.maxSeenMs(node);
    }

    @Override
    public String epoch() {
        return d.epoch();
    }

    @Override
    public boolean quarantine(ActionId id) {
        return d.quarantine(id);
    }

    @Override
    public java.util.Optional<String> state(String key) {
        return d.state(key);
    }

    @Override
    public void setState(String key, String value) {
        called("setState");
        d.setState(key, value);
    }

    @Override
    public void whenDurable(Runnable action, java.util.concurrent.Executor executor) {
        called("whenDurable");
        d.whenDurable(action, executor);
    }

    @Override
    public void setClientCursors(java.util.Map<String, Long> acked, int keep) {
        called("setClientCursors");
        d.setClientCursors(acked, keep);
    }

    @Override
    public java.util.OptionalLong clientCursor(String client) {
        return d.clientCursor(client);
    }

    @Override
    public void close() {
        d.close();
    }
}
