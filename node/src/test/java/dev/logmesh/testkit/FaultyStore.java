package dev.logmesh.testkit;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@link Store} around another one that fails on purpose, the way a real store fails, for tests and the
 * simulation: a full disk, the N-th commit failing, reads of given ids failing. It keeps {@link Store}'s failure
 * contract exactly: a failed write throws {@link StoreException} and writes nothing (the delegate is not called),
 * and the store works again when the fault is cleared.
 *
 * <pre>{@code
 * FaultyStore store = new FaultyStore(new MemoryStore());
 * store.diskFull(true);            // every write fails with "the disk is full"; reads work
 * store.failWrite(3);              // the third write from now fails once
 * store.failReads(id);             // a read that would return this id fails (an unreadable page)
 * }</pre>
 *
 * <p>Not thread-safe, like the stores it wraps: used from the node's loop (a test's manual loop).
 */
public final class FaultyStore implements Store {
    private final Store delegate;
    private boolean diskFull;
    private final List<Long> failAt = new ArrayList<>();
    private final Set<ActionId> unreadable = new HashSet<>();
    private long writes;
    private long failures;

    /** Wraps a store; the wrapper owns it from now on ({@link #close} closes it). */
    public FaultyStore(Store delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The wrapped store. */
    public Store delegate() {
        return delegate;
    }

    /** While true, every write fails as on a full disk; reads work. */
    public FaultyStore diskFull(boolean full) {
        this.diskFull = full;
        return this;
    }

    /** Whether writes currently fail as on a full disk. */
    public boolean diskFull() {
        return diskFull;
    }

    /** The {@code n}-th write from now (1 = the next one) fails once, as a commit that failed. */
    public FaultyStore failWrite(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        failAt.add(writes + n);
        return this;
    }

    /** Reads that would return an entry with one of these ids fail (until {@link #heal}). */
    public FaultyStore failReads(ActionId... ids) {
        unreadable.addAll(List.of(ids));
        return this;
    }

    /** Clears every fault. */
    public FaultyStore heal() {
        diskFull = false;
        failAt.clear();
        unreadable.clear();
        return this;
    }

    /** Writes attempted so far, failed ones included. */
    public long writes() {
        return writes;
    }

    /** Writes failed on purpose so far. */
    public long failures() {
        return failures;
    }

    // ---- faults -------------------------------------------------------------------------------------------

    private <T> T write(String what, Supplier<T> call) {
        writes++;
        if (diskFull) {
            failures++;
            throw new StoreException(what + " failed on faulty store: the disk is full (injected); nothing of this "
                + what + " was written");
        }
        if (failAt.remove(writes)) {
            failures++;
            throw new StoreException(what + " failed on faulty store: commit failed (injected, write #" + writes
                + "); nothing of this " + what + " was written");
        }
        return call.get();
    }

    private void write(String what, Runnable call) {
        write(what, () -> {
            call.run();
            return null;
        });
    }

    private <E extends Entry> List<E> check(String what, List<E> read) {
        for (Entry e : read) {
            check(what, e);
        }
        return read;
    }

    private void check(String what, Entry e) {
        if (unreadable.contains(e.id())) {
            throw new StoreException(what + " failed on faulty store: entry " + e.id() + " is unreadable (injected)");
        }
    }

    // ---- Store --------------------------------------------------------------------------------------------

    @Override
    public List<Meta> add(List<Entry> entries) {
        return write("add", () -> delegate.add(entries));
    }

    @Override
    public List<Meta> add(List<Entry> entries, Map<String, PeerCursor> cursors) {
        return write("add", () -> delegate.add(entries, cursors));
    }

    @Override
    public void setCursors(Map<String, PeerCursor> cursors) {
        write("setCursors", () -> delegate.setCursors(cursors));
    }

    @Override
    public Optional<Entry> byId(ActionId id) {
        Optional<Entry> found = delegate.byId(id);
        found.ifPresent(e -> check("byId", e));
        return found;
    }

    @Override
    public boolean has(ActionId id) {
        return delegate.has(id);
    }

    @Override
    public boolean seen(ActionId id) {
        return delegate.seen(id);
    }

    @Override
    public boolean changeMeta(ActionId id, Meta meta) {
        return write("changeMeta", () -> delegate.changeMeta(id, meta));
    }

    @Override
    public Optional<Entry> remove(ActionId id) {
        return write("remove", () -> delegate.remove(id));
    }

    @Override
    public List<Entry> removeReason(String reason, Criteria criteria) {
        return write("removeReason", () -> delegate.removeReason(reason, criteria));
    }

    @Override
    public List<Entry> page(Order order, boolean ascending, Object after, int limit) {
        return check("page", delegate.page(order, ascending, after, limit));
    }

    @Override
    public List<Entry> withReason(String reason, long afterAdded, int limit) {
        return check("withReason", delegate.withReason(reason, afterAdded, limit));
    }

    @Override
    public long lastAdded() {
        return delegate.lastAdded();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public PeerCursor cursor(String peerNode) {
        return delegate.cursor(peerNode);
    }

    @Override
    public void setCursor(String peerNode, PeerCursor cursor) {
        write("setCursor", () -> delegate.setCursor(peerNode, cursor));
    }

    @Override
    public Map<String, PeerCursor> cursors() {
        return delegate.cursors();
    }

    @Override
    public long forgetSeen(long beforeMs) {
        return write("forgetSeen", () -> delegate.forgetSeen(beforeMs));
    }

    @Override
    public long maxSeenMs() {
        return delegate.maxSeenMs();
    }

    @Override
    public Optional<String> state(String key) {
        return delegate.state(key);
    }

    @Override
    public void setState(String key, String value) {
        write("setState", () -> delegate.setState(key, value));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
