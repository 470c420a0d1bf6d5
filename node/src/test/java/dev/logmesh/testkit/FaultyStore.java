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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link Store} around another one that fails on purpose, the way a real store fails, for tests and the
 * simulation: a full disk, the N-th commit failing, reads of given ids failing, entries found corrupt. It keeps
 * {@link Store}'s contract exactly: a failed write throws {@link StoreException} and writes nothing (the delegate is
 * not called), the store works again when the fault is cleared, and a corrupt entry is skipped by reads, reported
 * once to {@link #onCorrupt} listeners and quarantined (out of the log and out of the seen index), as
 * {@code SqliteStore} does with a row that fails its checksum.
 *
 * <pre>{@code
 * FaultyStore store = new FaultyStore(new MemoryStore());
 * store.diskFull(true);            // every write fails with "the disk is full"; reads work
 * store.failWrite(3);              // the third write from now fails once
 * store.failReads(id);             // a read that would return this id fails (an unreadable page)
 * store.corrupt(id);               // the next read that meets it skips it, reports it and quarantines it
 * }</pre>
 *
 * <p>Not thread-safe, like the stores it wraps: used from the node's loop (a test's manual loop).
 */
public final class FaultyStore implements Store {
    private final Store delegate;
    private boolean diskFull;
    private final List<Long> failAt = new ArrayList<>();
    private final Set<ActionId> unreadable = new HashSet<>();
    private final Set<ActionId> corrupt = new HashSet<>();
    private final List<Consumer<Corruption>> corruptListeners = new CopyOnWriteArrayList<>();
    private long writes;
    private long failures;

    /** Wraps a store; the wrapper owns it from now on ({@link #close} closes it). */
    public FaultyStore(Store delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        delegate.onCorrupt(this::report);
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

    /**
     * Makes entries corrupt: the next read that meets one skips it (a page is refilled), reports it once to the
     * {@link #onCorrupt} listeners and quarantines it in the wrapped store. Ids not in the log are ignored.
     */
    public FaultyStore corrupt(ActionId... ids) {
        for (ActionId id : ids) {
            if (delegate.has(id)) {
                corrupt.add(id);
            }
        }
        return this;
    }

    /** Clears every fault (entries already found corrupt stay quarantined). */
    public FaultyStore heal() {
        diskFull = false;
        failAt.clear();
        unreadable.clear();
        corrupt.clear();
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

    /** Reads until no entry of the result is corrupt, quarantining and reporting those met. */
    private List<Entry> skipCorrupt(String what, Supplier<List<Entry>> read) {
        while (true) {
            List<Entry> found = read.get();
            boolean clean = true;
            for (Entry e : found) {
                if (corrupt.contains(e.id())) {
                    clean = false;
                    quarantineCorrupt(e);
                }
            }
            if (clean) {
                return check(what, found);
            }
        }
    }

    private void quarantineCorrupt(Entry e) {
        corrupt.remove(e.id());
        delegate.quarantine(e.id());
        report(new Corruption(e.meta().added(), e.id(), "made corrupt by FaultyStore"));
    }

    private void report(Corruption c) {
        for (Consumer<Corruption> l : corruptListeners) {
            l.accept(c);
        }
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
        if (found.isPresent() && corrupt.contains(id)) {
            quarantineCorrupt(found.get());
            return Optional.empty();
        }
        found.ifPresent(e -> check("byId", e));
        return found;
    }

    @Override
    public boolean has(ActionId id) {
        return byId(id).isPresent();
    }

    @Override
    public boolean seen(ActionId id) {
        return delegate.seen(id);
    }

    @Override
    public void forEachSeen(long fromMs, long toMs, java.util.function.Consumer<ActionId> consumer) {
        delegate.forEachSeen(fromMs, toMs, consumer);
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
        return skipCorrupt("page", () -> delegate.page(order, ascending, after, limit));
    }

    @Override
    public List<Entry> withReason(String reason, long afterAdded, int limit) {
        return skipCorrupt("withReason", () -> delegate.withReason(reason, afterAdded, limit));
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
    public long maxSeenMs(String node) {
        return delegate.maxSeenMs(node);
    }

    @Override
    public long clockReservation() {
        return delegate.clockReservation();
    }

    @Override
    public void reserveClock(long uptoMs) {
        delegate.reserveClock(uptoMs);
    }

    @Override
    public String epoch() {
        return delegate.epoch();
    }

    @Override
    public Runnable onCorrupt(Consumer<Corruption> listener) {
        Objects.requireNonNull(listener, "listener");
        corruptListeners.add(listener);
        return () -> corruptListeners.remove(listener);
    }

    @Override
    public boolean quarantine(ActionId id) {
        return write("quarantine", () -> delegate.quarantine(id));
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
