package dev.logmesh.testkit;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.StoreException;
import dev.logmesh.internal.store.DurabilityQueue;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Loop;
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
 * store.durableAfter(loop, 2_000); // each commit becomes durable 2 s later (a slow fsync), off the caller's thread
 * store.holdDurability();          // commits stay committed but not durable until releaseDurability()
 * }</pre>
 *
 * <h2>Durability faults</h2>
 * With {@link #durableAfter} or {@link #holdDurability}, every write is committed at once (later calls see it, as
 * SQLite's loop connection does) but becomes durable ({@link #whenDurable}, {@link #durableAdded}) only later, in
 * commit order, as with the SQLite store's group commit on a slow disk. Over a {@link MemoryStore}, the store also
 * keeps the image of the log as of its newest durable commit ({@link #durableImage}): what a power loss leaves.
 * It keeps an {@code added} reservation as SqliteStore does ({@link #sendableAdded}, {@link #addedReservation}):
 * {@link #ADDED_RESERVE_AHEAD} ahead when the fault starts, raised with the group commit of the commit that used up
 * half of it; {@code LocalMesh.powerLoss} continues the numbering after it.
 *
 * <p>Not thread-safe, like the stores it wraps: used from the node's loop (a test's manual loop).
 */
public final class FaultyStore implements Store {
    private final Store delegate;
    private boolean diskFull;
    /** What a write that fails on the full disk says. */
    private String fullReason = "the disk is full";
    private boolean bookkeepingReadsFail;
    private final List<Long> failAt = new ArrayList<>();
    private final Set<ActionId> unreadable = new HashSet<>();
    private final Set<ActionId> corrupt = new HashSet<>();
    private final List<Consumer<Corruption>> corruptListeners = new CopyOnWriteArrayList<>();
    private long writes;
    private long failures;
    /**
     * Whether the process died ({@link #processDied}) and no node opened the store since ({@link #opened}): its
     * durability callbacks never run, as a killed process is told nothing.
     */
    private boolean dead;
    /** Durability of the commits when a durability fault is on, else null (the delegate's own durability). */
    private DurabilityQueue lag;
    private Loop lagLoop;
    private long lagMillis;
    private boolean held;
    /** Images of the memory delegate after each commit not yet durable, by commit number. */
    private final java.util.TreeMap<Long, MemoryStore> images = new java.util.TreeMap<>();
    private MemoryStore durableImage;
    /**
     * The durable {@code added} reservation, as a durable store keeps it in a side file ({@link #sendableAdded});
     * survives {@link #processDied}.
     */
    private long addedReservation;
    /** Raises asked for, by the commit number with which they become durable (the writer's next group commit). */
    private final java.util.TreeMap<Long, Long> reservationAt = new java.util.TreeMap<>();
    /** The highest raise asked for. */
    private long reservationAsked;

    /**
     * How far ahead of {@code lastAdded} the simulated {@code added} reservation is raised (SqliteStore: 100 000); small,
     * so that runs also meet sessions that wait for durability because the reservation is used up.
     */
    public static final long ADDED_RESERVE_AHEAD = 8;

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
        this.fullReason = "the disk is full";
        return this;
    }

    /** Every write fails as on a full disk, its message saying {@code reason} (for "the disk is full"). */
    public FaultyStore diskFull(String reason) {
        this.diskFull = true;
        this.fullReason = reason;
        return this;
    }

    /**
     * While true, the bookkeeping reads ({@link #state}, {@link #cursor}, {@link #cursors}) fail too, as a SQLite
     * store's reads do while a received batch that the disk could not take is still to be written before them.
     */
    public FaultyStore bookkeepingReadsFail(boolean fail) {
        this.bookkeepingReadsFail = fail;
        return this;
    }

    private void bookkeepingRead(String what) {
        if (bookkeepingReadsFail) {
            failures++;
            throw new StoreException(what + " failed on faulty store: a received batch is still to be written before"
                + " it: the disk is full (injected)");
        }
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

    /**
     * From now on each commit becomes durable {@code millis} after it was made, on {@code loop} (the node's manual
     * loop, or a real one: the callbacks then come from that loop's thread), in commit order.
     */
    public FaultyStore durableAfter(Loop loop, long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("millis must be >= 0");
        }
        startLag();
        lagLoop = Objects.requireNonNull(loop, "loop");
        lagMillis = millis;
        held = false;
        return this;
    }

    /** From now on commits stay not durable until {@link #releaseDurability} (a disk that never finishes a flush). */
    public FaultyStore holdDurability() {
        startLag();
        held = true;
        return this;
    }

    /** Makes every commit so far durable now (their callbacks run through their executors). */
    public FaultyStore releaseDurability() {
        held = false;
        if (lag != null) {
            durable(lag.committedSeq());
        }
        return this;
    }

    /**
     * The log as of the newest durable commit: what a power loss leaves (a copy; only over a {@link MemoryStore}).
     * Without a durability fault, the log as it is now.
     */
    public MemoryStore durableImage() {
        if (!(delegate instanceof MemoryStore memory)) {
            throw new IllegalStateException("durable images need a MemoryStore delegate");
        }
        if (lag == null || lag.allDurable()) {
            return memory.backup();
        }
        return durableImage.backup();
    }

    /**
     * The durable {@code added} reservation: no {@code added} assigned after a power loss is at or below it (what
     * {@code LocalMesh.powerLoss} keeps, as the SQLite store's side file does).
     */
    public long addedReservation() {
        return addedReservation;
    }

    private void startLag() {
        if (lag == null) {
            // as a store does at open: reserved ahead, durably, before anything is sent
            addedReservation = Math.max(addedReservation, delegate.lastAdded() + ADDED_RESERVE_AHEAD);
            reservationAsked = addedReservation;
            lag = new DurabilityQueue(delegate.lastAdded());
            if (delegate instanceof MemoryStore memory) {
                durableImage = memory.backup();
            }
        }
    }

    private void committed() {
        if (lag == null) {
            return;
        }
        long seq = lag.committed(delegate.lastAdded());
        long last = delegate.lastAdded();
        if (last + ADDED_RESERVE_AHEAD / 2 > reservationAsked) {
            reservationAsked = last + ADDED_RESERVE_AHEAD;
            reservationAt.put(seq, reservationAsked); // made by the group commit that makes this commit durable
        }
        if (delegate instanceof MemoryStore memory) {
            images.put(seq, memory.backup());
        }
        if (!held) {
            if (lagMillis == 0) {
                durable(seq);
            } else {
                DurabilityQueue q = lag;
                lagLoop.schedule(lagMillis, () -> {
                    if (lag == q && !held) {
                        durable(seq);
                    }
                });
            }
        }
    }

    /** A node opens this store (again, after {@link #processDied}): its durability callbacks run again. */
    public FaultyStore opened() {
        dead = false;
        return this;
    }

    /**
     * The process using this store died (a crash or a power loss): durability callbacks still waiting never run
     * (nobody is left to run them) and the durability fault ends; what was committed stays committed (and becomes
     * durable: the OS flushes its page cache). Set the fault again for the restarted node.
     */
    public FaultyStore processDied() {
        dead = true;
        if (lag != null) {
            lag.fail(new IllegalStateException("the process died"));
            lag = null;
            images.clear();
            durableImage = null;
            reservationAt.clear();
            held = false;
        }
        return this;
    }

    private void durable(long seq) {
        java.util.Map.Entry<Long, MemoryStore> image = images.floorEntry(seq);
        if (image != null) {
            durableImage = image.getValue();
            images.headMap(seq, true).clear();
        }
        java.util.Map.Entry<Long, Long> raised = reservationAt.floorEntry(seq);
        if (raised != null) {
            addedReservation = Math.max(addedReservation, raised.getValue());
            reservationAt.headMap(seq, true).clear();
        }
        lag.durableUpTo(seq);
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
            throw new StoreException(what + " failed on faulty store: " + fullReason + " (injected); nothing of this "
                + what + " was written");
        }
        if (failAt.remove(writes)) {
            failures++;
            throw new StoreException(what + " failed on faulty store: commit failed (injected, write #" + writes
                + "); nothing of this " + what + " was written");
        }
        T result = call.get();
        committed();
        return result;
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
    public long durableAdded() {
        return lag == null ? delegate.durableAdded() : Math.min(lag.durableAdded(), delegate.durableAdded());
    }

    @Override
    public long sendableAdded() {
        if (lag == null) {
            return delegate.sendableAdded();
        }
        return Math.max(durableAdded(), Math.min(delegate.lastAdded(), addedReservation));
    }

    @Override
    public void whenDurable(Runnable action, java.util.concurrent.Executor executor) {
        if (dead) {
            return; // a killed process is told nothing (LocalMesh closes the node to model the kill)
        }
        if (lag == null) {
            delegate.whenDurable(action, executor);
        } else {
            delegate.whenDurable(() -> lag.whenDurable(action, executor), executor);
        }
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public long[] skippedAdded() {
        return delegate.skippedAdded();
    }

    @Override
    public PeerCursor cursor(String peerNode) {
        bookkeepingRead("cursor");
        return delegate.cursor(peerNode);
    }

    @Override
    public void setCursor(String peerNode, PeerCursor cursor) {
        write("setCursor", () -> delegate.setCursor(peerNode, cursor));
    }

    @Override
    public java.util.OptionalLong clientCursor(String client) {
        bookkeepingRead("clientCursor");
        return delegate.clientCursor(client);
    }

    @Override
    public void setClientCursors(Map<String, Long> acked, int keep) {
        write("setClientCursors", () -> delegate.setClientCursors(acked, keep));
    }

    @Override
    public Map<String, PeerCursor> cursors() {
        bookkeepingRead("cursors");
        return delegate.cursors();
    }

    @Override
    public void addGone(String peer, java.util.Collection<ActionId> ids) {
        write("addGone", () -> delegate.addGone(peer, ids));
    }

    @Override
    public void removeGone(String peer, java.util.Collection<ActionId> ids) {
        write("removeGone", () -> delegate.removeGone(peer, ids));
    }

    @Override
    public long removeGoneBefore(String peer, long beforeMs) {
        return write("removeGoneBefore", () -> delegate.removeGoneBefore(peer, beforeMs));
    }

    @Override
    public void forEachGone(long fromMs, long toMs, java.util.function.BiConsumer<String, ActionId> consumer) {
        bookkeepingRead("forEachGone");
        delegate.forEachGone(fromMs, toMs, consumer);
    }

    @Override
    public long forgetSeen(long beforeMs) {
        return write("forgetSeen", () -> delegate.forgetSeen(beforeMs));
    }

    @Override
    public ForgetBatch forgetSeenBatch(long beforeMs, ActionId after, int limit) {
        return write("forgetSeen", () -> delegate.forgetSeenBatch(beforeMs, after, limit));
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
    public void reserveClockAhead(long uptoMs) {
        delegate.reserveClockAhead(uptoMs);
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
        bookkeepingRead("state");
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

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }
}
