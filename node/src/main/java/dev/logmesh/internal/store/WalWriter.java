package dev.logmesh.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The writer thread of a {@link SqliteStore}: group commit and checkpoints, off the node's loop.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Group commit.</b> The loop commits with {@code synchronous=NORMAL} (SQLite writes the WAL frames but does
 *       not fsync them: they are in the OS page cache, which survives the death of the process but not a power
 *       loss) and wakes this thread. The thread fsyncs the {@code -wal} file ({@link FileChannel#force} on the same
 *       inode: everything written to it before the force started is on disk after it) and then reports every
 *       commit made before the force started as durable ({@link DurabilityQueue#durableUpTo}). Commits that arrive
 *       during a force wait for the next one, which covers them all: one fsync per group, however many commits.
 *       The WAL's frames carry checksums chained from its header, so after a power loss SQLite replays exactly the
 *       prefix of commits that reached the disk whole.</li>
 *   <li><b>Checkpoints.</b> The loop's connection has {@code wal_autocheckpoint} off; a second thread runs
 *       {@code PRAGMA wal_checkpoint(PASSIVE)} on its own connection at most every {@link #CHECKPOINT_NANOS} when
 *       there were commits. It is a thread of its own so that a group commit never waits behind a checkpoint: a
 *       checkpoint copies pages and fsyncs both files (1 ms at the median on the reference disk, 10–20 ms at
 *       times), and with both on one thread the commits that arrived meanwhile waited for all of it (on the
 *       reference machine, whose own fsync p99 is 2–5 ms, no change of the round trip's p99 showed through that).
 *       A passive checkpoint never takes the writer lock and never waits, so the
 *       loop's commits go on meanwhile; in {@code synchronous=NORMAL} SQLite fsyncs the WAL before and the database
 *       file after each checkpoint, so a checkpoint never undoes durability, whichever commits it copies (also
 *       those the sync thread has not forced yet). SQLite starts the WAL from its beginning again when a write
 *       begins after a complete checkpoint; under unbroken writing a checkpoint may end incomplete and the next one
 *       (right after, without waiting) catches up.</li>
 *   <li><b>WAL restart.</b> SQLite writes the WAL from its beginning again (over the old frames, the file keeping its
 *       size) only when a write transaction starts on a snapshot taken while the whole WAL was checkpointed. The
 *       loop's connection always has a transaction open, and the reads it does after a commit (a session's pump) take
 *       their snapshot then; the next write keeps it. So under unbroken writing the WAL only grew (70 MB in 6 s of
 *       the SQLite rtt), and every group commit's {@code fdatasync} had to commit the file's new size to the file
 *       system's journal too (28 KiB and an fdatasync, two writers, on the reference disk at load 5.7: p50 0.69–0.73 ms
 *       appended against 0.50–0.55 ms overwritten; the rtt's p50 fell by a fifth to a third). A checkpoint that copied
 *       every frame, with no commit made while it ran, therefore tells the store ({@link #wholeWalCheckpointed}); its
 *       next write first ends the open read transaction (a commit of nothing), and SQLite restarts the WAL in it.
 *       When a commit was made while it ran, the next checkpoint runs right after the next group commit instead of
 *       after the interval, at most {@link #MAX_RESTART_TRIES} in a row (each copies only the few new pages).
 *       </li>
 *   <li><b>The WAL's bound</b> (a new-user trial of session 14: 100,000 stdin adds in ~25 s left a 1.0–1.2 GB
 *       {@code -wal}). The restart above needs a moment with no commit between a complete checkpoint and the loop's
 *       next snapshot; under unbroken writing there is none (each checkpoint ends with an fsync of a millisecond or
 *       more, while the loop commits every few hundred microseconds), so the WAL only grew. So the store itself,
 *       before a write that finds the file over {@link #WAL_BOUND_BYTES}, ends its read transaction and runs
 *       the {@code RESTART} checkpoint ({@link #RESTART}) on its own connection ({@link #checkpointAlone}:
 *       SQLite runs one checkpoint at a time and answers a second at once with {@code SQLITE_BUSY}, so this
 *       thread's checkpoints wait meanwhile); with no write meanwhile it copies every frame, and the write that
 *       follows starts the WAL from its beginning ({@link SqliteStore}, {@code boundWal}). That write cuts the file
 *       back to the bound ({@code journal_size_limit}), so the file stays at most the bound plus one transaction,
 *       and a node that writes without pauses holds that much disk until its close.</li>
 *   <li><b>The clock reservation</b> (issue 12: no flush on the loop). The log's clock asks for its next reservation
 *       while half of the current one is left ({@link SqliteStore#reserveClockAhead}); this thread writes and fsyncs
 *       the side file for it (after the group commit it may be in), so the loop waits for the side file only when the
 *       clock overtakes a renewal still on its way to the disk (see {@code HybridClock.RESERVE_AHEAD_MS}). The clock
 *       reservation, the {@code added} reservation and the {@code added} mark below go to the side file together, in
 *       one write and one fsync per round of this thread (on a disk that takes 2 s per flush, three flushes in a row
 *       after a group commit held the next group commit 6 s, and sessions time out after 8 s).</li>
 *   <li><b>The {@code added} reservation.</b> When the store has used half of its durable {@code added} reservation
 *       ({@link SqliteStore#sendableAdded}), it asks this thread to raise it ({@link #reserveAdded}); the sync thread
 *       writes and fsyncs the side file after its next group commit (so the commits of that group are not held up by
 *       it), once per half of {@link SqliteStore#ADDED_RESERVE_AHEAD} entries. A failed raise is logged: sessions
 *       then wait for durability until the store asks again.</li>
 *   <li><b>Failure.</b> A force that fails ({@link IOException}) may have lost the pages it was to write (Linux
 *       marks them clean): nothing it covered may be called durable, so the queue fails for good
 *       ({@link DurabilityQueue#fail}); the store refuses further writes and its callbacks never run, until the
 *       store is opened again (SQLite then replays what the disk holds).</li>
 * </ul>
 */
final class WalWriter {
    private static final Logger LOG = LoggerFactory.getLogger(WalWriter.class);

    /** At most this often (ns) a passive checkpoint runs while there are commits. */
    static final long CHECKPOINT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** A WAL file above this size (bytes) is checkpointed again at once when the last checkpoint was incomplete. */
    static final long WAL_CATCH_UP_BYTES = 16L * 1024 * 1024;

    /**
     * The bound on the {@code -wal} file (bytes; see "The WAL's bound" in the class notes): a store whose WAL file is
     * larger checkpoints it whole before its next write, and SQLite starts it again from its beginning in that write
     * (cutting the file back to this size: {@code journal_size_limit}). 32 MiB: twice {@link #WAL_CATCH_UP_BYTES} (the
     * background checkpoints catch up back to back from there, so the store's own checkpoint finds little left to
     * copy), under the ~40 MiB that SQLite's own automatic checkpoints allow with
     * {@link SqliteStore.Durability#FULL_INLINE}, and 8× what the WAL holds when it starts again by itself
     * ({@link #RESTART_FRAMES}), so a node that writes with pauses never reaches it; under unbroken writing (~45 MB of
     * WAL a second on the reference machine) the store stops for one checkpoint (14–22 ms there) about once a second.
     */
    static final long WAL_BOUND_BYTES = 32L << 20;

    /**
     * The size (bytes) the WAL's file is given with zeros at open, past the frames it holds, when every commit is
     * fdatasynced ({@link SqliteStore.Durability#FULL}): a write past a file's end changes its size, so the
     * {@code fdatasync} that follows must commit the file system's journal too (the inode), where one within the file
     * writes only the data. SQLite starts the WAL again from its beginning only after a whole checkpoint, which
     * unbroken round trips rarely leave room for, so without this the WAL ran on past its file's end for seconds at a
     * time (5 to 15 MiB in a run of the SQLite rtt, session 45) and each commit then was a metadata fdatasync. Zeros
     * are no frame: a recovery stops at the first frame whose salt and checksum do not match, and SQLite cuts a WAL
     * back only when it is larger than {@code journal_size_limit} ({@link #WAL_BOUND_BYTES}).
     */
    static final long WAL_PREFILL_BYTES = WAL_BOUND_BYTES;

    /**
     * Gives the WAL's file {@link #WAL_PREFILL_BYTES} with zeros past its end (the opening thread, before any other
     * write: the store's connection is idle, and SQLite writes only at the offsets of its frames), after the open's
     * {@code fdatasync}: the writer thread flushes them ({@link #flushRoomAhead}), off the open. Best effort: a
     * disk without room for it gets the file back at its size and a debug line; a file system with less than
     * {@link SqliteStore#WAL_ROOMY_FREE_BYTES} to spare beside it gets none.
     *
     * @return whether it wrote the zeros (then they are to be flushed)
     */
    static boolean prefill(FileChannel channel, Path wal) {
        long size;
        try {
            size = channel.size();
        } catch (IOException e) {
            return false;
        }
        if (size >= WAL_PREFILL_BYTES) {
            return false;
        }
        try {
            // only where the file system has room to spare: on a disk near full the store's own WAL bounds
            // (SqliteStore, "The WAL's size") take the WAL's file size for the room it takes
            if (java.nio.file.Files.getFileStore(wal).getUsableSpace() < SqliteStore.WAL_ROOMY_FREE_BYTES
                + WAL_PREFILL_BYTES) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(1 << 20);
        long at = size;
        try {
            while (at < WAL_PREFILL_BYTES) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), WAL_PREFILL_BYTES - at));
                while (zeros.hasRemaining()) {
                    at += channel.write(zeros, at);
                }
            }
            return true;
        } catch (IOException e) {
            LOG.debug("cannot give {} room ahead ({}); it grows as it is written", wal, e.toString());
            try {
                channel.truncate(size);
            } catch (IOException again) {
                LOG.debug("cannot cut {} back to {} bytes: {}", wal, size, again.toString());
            }
            return false;
        }
    }

    /**
     * Flushes the room ahead {@link #prefill} gave the WAL at the open (the writer thread, first of all): 32 MiB of
     * zeros whose {@code fdatasync} took 25-55 ms of a SQLite node's open on the reference machine when the open's
     * own {@code fdatasync} carried them (session 45). A commit made meanwhile waits for it once: its group commit's
     * {@code fdatasync} follows this one on the same thread. Zeros are no frame
     * (salts, checksums), so a crash before this flush completes loses nothing: recovery stops at the last valid
     * frame, as with any zeros past it. A failure is left to the first commit's {@code fdatasync} to meet and report.
     */
    private void flushRoomAhead(FileChannel channel) {
        try {
            channel.force(false);
        } catch (IOException e) {
            LOG.debug("cannot flush the room ahead of {}: {}", wal, e.toString());
        }
    }

    /** How the writer makes the WAL durable; a test replaces it to play a slow or failing disk. */
    @FunctionalInterface
    interface WalSync {
        /** Makes everything written to {@code wal} so far durable; blocks until it is. */
        void force(FileChannel wal) throws IOException;
    }

    /** The real sync: {@code fdatasync} of the WAL (the data and the file size, which is what a read needs). */
    static final WalSync FDATASYNC = wal -> wal.force(false);

    /** How the checkpoint thread checkpoints; a test replaces it to play a slow checkpoint. */
    @FunctionalInterface
    interface Checkpoint {
        /**
         * Runs one passive checkpoint on {@code conn} (the checkpoint thread's own connection).
         *
         * @return SQLite's answer: {@code {busy, frames in the WAL, frames checkpointed}}
         */
        int[] run(Connection conn) throws SQLException;
    }

    /**
     * Writes the store's side file ({@code log.db.clock}, see {@link ClockFile}) for what was asked of this thread:
     * the clock reservation ({@link SqliteStore#reserveClockAhead}), the {@code added} reservation
     * ({@link SqliteStore#sendableAdded}) and the {@code added} mark ({@link SqliteStore}, "Lost transactions").
     */
    @FunctionalInterface
    interface SideFile {
        /**
         * Raises what the side file says to at least these values (0: leave it) in one write and one fsync.
         *
         * @param clockUpTo the clock reservation, ms
         * @param addedUpTo the {@code added} reservation
         * @param mark      the {@code added} mark
         */
        void write(long clockUpTo, long addedUpTo, long mark) throws IOException;
    }

    /** The real checkpoint: {@code PRAGMA wal_checkpoint(PASSIVE)}. */
    static final Checkpoint PASSIVE = conn -> {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            return rs.next() ? new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)} : new int[] {0, 0, 0};
        }
    };

    /**
     * The store's checkpoint for the WAL's bound ({@link #checkpointAlone}): {@code PRAGMA wal_checkpoint(RESTART)},
     * which copies every frame and waits (busy handler) until no reader uses the WAL, so that the next write starts it
     * from its beginning.
     */
    static final Checkpoint RESTART = conn -> {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(RESTART)")) {
            return rs.next() ? new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)} : new int[] {1, 0, 0};
        }
    };

    /**
     * The store's checkpoint after a full disk ({@link #checkpointAlone}): {@code PRAGMA wal_checkpoint(TRUNCATE)},
     * which copies every frame, waits until no reader uses the WAL and empties its file, so that the space the WAL
     * held goes back to the file system (a WAL that was only started again would keep its size, and a write that
     * needs a page more than it holds would find no room).
     */
    static final Checkpoint TRUNCATE = conn -> {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            return rs.next() ? new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)} : new int[] {1, 0, 0};
        }
    };

    private final Path db;
    private final Path wal;
    private final boolean fsync;
    private final WalSync sync;
    private final DurabilityQueue queue;
    private final Checkpoint checkpoint;
    private final SideFile side;
    /** The highest clock reservation asked for ({@link #reserveClock}); any thread. */
    private final java.util.concurrent.atomic.AtomicLong clockAsked = new java.util.concurrent.atomic.AtomicLong();
    /** The highest {@code added} reservation asked for ({@link #reserveAdded}); any thread. */
    private final java.util.concurrent.atomic.AtomicLong reservationAsked = new java.util.concurrent.atomic.AtomicLong();
    /** The highest {@code added} mark asked for ({@link #markAdded}); any thread. */
    private final java.util.concurrent.atomic.AtomicLong markAsked = new java.util.concurrent.atomic.AtomicLong();
    /** What the sync thread last wrote, or tried to, to the side file: clock, reservation, mark (sync thread). */
    private long clockMade;
    private long reservationMade;
    private long markMade;
    /** Forces the WAL (group commit). */
    private final Thread thread;
    /** Runs the checkpoints. */
    private final Thread checkpointer;
    private volatile boolean stopping;
    /** Whether commits were made since the last checkpoint started: set by the sync thread, cleared by the other. */
    private final AtomicBoolean dirty = new AtomicBoolean();

    /**
     * The number of the newest commit when a checkpoint that found every frame of the WAL copied began, if no commit
     * was made while it ran (so the WAL holds nothing the database file lacks while no commit follows it); else -1.
     * Set by the checkpoint thread, read by the store's owner ({@link #wholeWalCheckpointed}).
     */
    private volatile long checkpointedThrough = -1;

    /**
     * Held by whoever checkpoints: the checkpoint thread, or the store's owner for the bound
     * ({@link #checkpointAlone}); SQLite lets one checkpoint run at a time and answers another with
     * {@code SQLITE_BUSY} at once, without its busy handler.
     */
    private final java.util.concurrent.locks.ReentrantLock checkpointing = new java.util.concurrent.locks.ReentrantLock();

    /**
     * Told how long each WAL fsync (group commit) and each background checkpoint took, or null
     * ({@link #observe}). Called on the sync thread and the checkpoint thread respectively.
     */
    private volatile SqliteStore.DiskObserver observer;

    /** Owned by the sync thread. */
    private long synced;
    /** Owned by the checkpoint thread. */
    private long lastCheckpointNanos;
    /**
     * Background checkpoints that failed in a row (a full disk fails each of them, every
     * {@link #CHECKPOINT_NANOS} while commits go on): the first is a WARN, the others DEBUG, and the first that works
     * again says how many failed (before, session 39, each was a WARN: four in a row in StdinFullDiskTest's stderr).
     * Owned by the checkpoint thread.
     */
    private int failedCheckpoints;
    private boolean catchUp;
    /** Checkpoints run back to back so far; bounded by {@link #MAX_CATCH_UP} so a stuck reader cannot spin us. */
    private int catchUps;

    /**
     * Whether the last checkpoint copied the whole WAL but a commit was made while it ran: the next one runs right
     * after the next group commit (when the loop is least likely to commit), not after the interval. Owned by the
     * checkpoint thread.
     */
    private boolean retryRestart;
    /** Such retries in a row so far; bounded by {@link #MAX_RESTART_TRIES}. Owned by the checkpoint thread. */
    private int restartTries;

    /**
     * The store is told the WAL was checkpointed whole (so that its next write starts the WAL from its beginning)
     * only when the WAL holds at least this many frames: SQLite's own {@code wal_autocheckpoint} default (1000 pages,
     * 4 MiB at the 4 KiB page). Each restart makes the writing connection, the loop's, fsync the new WAL header
     * (see "WAL restart"); restarting at every complete checkpoint (every 250 ms under writing) made 43–58 of those
     * per node in 2,000 round trips of the SQLite rtt. Below it the WAL is appended to; once it has reached this size
     * the file keeps it, and a restarted WAL overwrites it in place again.
     */
    static final int RESTART_FRAMES = 1000;

    /** At most this many checkpoints in a row to let the WAL start again before the thread waits its interval. */
    static final int MAX_RESTART_TRIES = 8;

    /** At most this many checkpoints back to back before the thread waits its interval again. */
    private static final int MAX_CATCH_UP = 4;

    /**
     * Starts the writer of {@code db} (whose {@code -wal} file must exist).
     *
     * @param fsync whether commits become durable only through this thread's fsync (FULL); when false (NORMAL)
     *              the store reports commits durable itself and the thread only checkpoints
     */
    WalWriter(Path db, boolean fsync, WalSync sync, DurabilityQueue queue, SideFile side) throws IOException {
        this(db, fsync, sync, queue, PASSIVE, side);
    }

    /** A writer without an {@code added} reservation (tests of the writer alone). */
    WalWriter(Path db, boolean fsync, WalSync sync, DurabilityQueue queue) throws IOException {
        this(db, fsync, sync, queue, PASSIVE, (clock, added, mark) -> { });
    }

    /** As {@link #WalWriter(Path, boolean, WalSync, DurabilityQueue)}, with the checkpoint a test plays. */
    WalWriter(Path db, boolean fsync, WalSync sync, DurabilityQueue queue, Checkpoint checkpoint) throws IOException {
        this(db, fsync, sync, queue, checkpoint, (clock, added, mark) -> { });
    }

    private WalWriter(Path db, boolean fsync, WalSync sync, DurabilityQueue queue, Checkpoint checkpoint,
                      SideFile side) throws IOException {
        this.db = db;
        this.side = side;
        this.checkpoint = checkpoint;
        this.wal = db.resolveSibling(db.getFileName() + "-wal");
        this.fsync = fsync;
        this.sync = sync;
        this.queue = queue;
        // the WAL was created by the loop's connection: make its directory entry durable once
        try (FileChannel dir = FileChannel.open(db.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync the directory of {}: {}", db, e.toString());
        }
        FileChannel channel = FileChannel.open(wal, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (fsync) {
            try {
                sync.force(channel); // what the opening wrote (schema, upgrade) with synchronous=NORMAL
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }
        // after that fdatasync, not before it: the writer thread flushes the zeros (flushRoomAhead)
        boolean roomAhead = fsync && prefill(channel, wal);
        Connection conn;
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setGetGeneratedKeys(false);
            conn = config.createConnection("jdbc:sqlite:" + db);
            try (Statement st = conn.createStatement()) {
                st.execute("PRAGMA synchronous = NORMAL");
                st.execute("PRAGMA wal_autocheckpoint = 0");
            }
        } catch (SQLException e) {
            channel.close();
            throw new IOException("cannot open a checkpoint connection to " + db + ": " + e.getMessage(), e);
        }
        this.thread = new Thread(() -> {
            if (roomAhead) {
                flushRoomAhead(channel);
            }
            runSync(channel);
        }, "logmesh-writer " + db.getFileName());
        thread.setDaemon(true);
        this.checkpointer = new Thread(() -> runCheckpoints(conn), "logmesh-checkpoint " + db.getFileName());
        checkpointer.setDaemon(true);
        thread.start();
        checkpointer.start();
    }

    /**
     * Asks the sync thread to raise the {@code added} reservation to {@code upTo} after its next group commit (any
     * thread; {@link #wake} wakes it): piggybacked on the writer's wake-up, and off the loop.
     */
    void reserveAdded(long upTo) {
        reservationAsked.accumulateAndGet(upTo, Math::max);
    }

    /**
     * Asks the sync thread to raise the clock reservation to {@code uptoMs} (any thread) and wakes it: it writes and
     * fsyncs the side file after the group commit it may be in, off the loop.
     */
    void reserveClock(long uptoMs) {
        clockAsked.accumulateAndGet(uptoMs, Math::max);
        LockSupport.unpark(thread);
    }

    /**
     * Asks the sync thread to write the side file's {@code added} mark {@code added} after its next group commit (any
     * thread; {@link #wake} wakes it), so that the fsync of the side file is not the loop's.
     */
    void markAdded(long added) {
        markAsked.accumulateAndGet(added, Math::max);
    }

    /** Tells {@code o} (or nobody, when null) the latencies of the fsyncs and checkpoints from now on. Any thread. */
    void observe(SqliteStore.DiskObserver o) {
        observer = o;
    }

    /**
     * Tells the observer, if any, that a WAL fsync ({@code flush}) or a checkpoint took {@code nanos}; what it throws
     * is logged, never the writer's end. Sync thread (fsyncs) or checkpoint thread (checkpoints).
     */
    private void tell(boolean flush, long nanos) {
        SqliteStore.DiskObserver o = observer;
        if (o != null) {
            try {
                if (flush) {
                    o.flushed(nanos);
                } else {
                    o.checkpointed(nanos);
                }
            } catch (RuntimeException e) {
                LOG.debug("the disk observer of {} failed: {}", db, e.toString());
            }
        }
    }

    /**
     * Whether a checkpoint copied the whole WAL after commit number {@code lastCommit} and no commit was made since
     * (store's owner, before a write): the owner then ends the read snapshot its last reads left open, so that SQLite
     * starts the WAL from its beginning with this write (see "WAL restart" in the class notes).
     */
    boolean wholeWalCheckpointed(long lastCommit) {
        return checkpointedThrough == lastCommit;
    }

    /**
     * Runs {@code work} (a checkpoint on the store's own connection, store's owner) while the checkpoint thread runs
     * none: waits for one that is running.
     */
    int[] checkpointAlone(Checkpoint work, Connection conn) throws SQLException {
        checkpointing.lock();
        try {
            return work.run(conn);
        } finally {
            checkpointing.unlock();
        }
    }

    /** A commit was made (loop thread): the writer wakes up for it. */
    void wake() {
        SqliteStore.DiskObserver o = observer;
        if (o != null) {
            o.committed();
        }
        LockSupport.unpark(thread);
    }

    /**
     * Makes every commit durable a last time, stops both threads and closes their connection and file; waits for
     * them. Called by the store's close, on the loop.
     */
    void close() {
        stopping = true;
        LockSupport.unpark(thread);
        LockSupport.unpark(checkpointer);
        boolean interrupted = false;
        for (Thread t : new Thread[] {thread, checkpointer}) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void runSync(FileChannel channel) {
        try {
            while (!stopping) {
                syncCommits(channel);
                writeSideIfAsked();
                if (!stopping && queue.committedSeq() == synced && reservationAsked.get() <= reservationMade
                    && markAsked.get() <= markMade && clockAsked.get() <= clockMade) {
                    LockSupport.park(this); // wake() or close() unparks; a wake before the park makes it return
                }
            }
            syncCommits(channel);
        } catch (RuntimeException | Error e) {
            LOG.error("the writer of {} failed; nothing more becomes durable", db, e);
            queue.fail(e instanceof Exception ex ? ex : new IllegalStateException(e));
        } finally {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing the WAL of {}: {}", db, e.toString());
            }
        }
    }

    private void runCheckpoints(Connection conn) {
        try {
            while (!stopping) {
                long wait = checkpointIfDue(conn);
                if (stopping || wait == 0) {
                    continue;
                }
                if (wait < 0) {
                    LockSupport.park(this); // nothing to checkpoint: the sync thread unparks after the next commit
                } else {
                    LockSupport.parkNanos(this, wait);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.error("the checkpoints of {} failed; nothing more becomes durable", db, e);
            queue.fail(e instanceof Exception ex ? ex : new IllegalStateException(e));
        } finally {
            try {
                conn.close();
            } catch (SQLException e) {
                LOG.debug("closing the checkpoint connection of {}: {}", db, e.toString());
            }
        }
    }

    /**
     * Writes the side file if anything was asked of it since the last write: the clock reservation, the {@code added}
     * reservation and the {@code added} mark together, in one fsync (after the group commit, so that the commits it
     * covered were not held up by it, and so that a mark names only commits that group covered). A failure is logged:
     * the clock then reserves on its own thread when it needs to (and that call reports it), sessions wait for
     * durability until the store asks again, and the next ask writes the mark again.
     */
    private void writeSideIfAsked() {
        long clock = clockAsked.get();
        long reservation = reservationAsked.get();
        long mark = markAsked.get();
        if (clock <= clockMade && reservation <= reservationMade && mark <= markMade) {
            return;
        }
        // after a failed fsync nothing more is promised durable: only the clock (outside the WAL) still moves
        boolean failed = queue.failure() != null;
        boolean write = clock > clockMade || (!failed && (reservation > reservationMade || mark > markMade));
        clockMade = Math.max(clockMade, clock);
        reservationMade = Math.max(reservationMade, reservation);
        markMade = Math.max(markMade, mark);
        if (!write) {
            return;
        }
        try {
            side.write(clock, failed ? 0 : reservation, failed ? 0 : mark);
        } catch (IOException e) {
            LOG.warn("cannot update the side file of {} (clock reservation {}, added reservation {}, added mark {}): {}",
                db, clock, reservation, mark, e.toString());
        }
    }

    /** One group commit: every commit made before the force started is durable after it. */
    private void syncCommits(FileChannel channel) {
        long target = queue.committedSeq();
        if (target == synced || queue.failure() != null) {
            return;
        }
        if (fsync) {
            try {
                long t0 = System.nanoTime();
                sync.force(channel);
                tell(true, System.nanoTime() - t0);
            } catch (IOException e) {
                LOG.error("cannot flush {} to disk ({}): the commits since the last flush may be lost at a power "
                    + "loss; the store takes no more writes and acknowledges nothing more until it is opened again",
                    wal, e.toString());
                queue.fail(e);
                return;
            }
            queue.durableUpTo(target);
        }
        synced = target;
        if (!dirty.getAndSet(true)) {
            LockSupport.unpark(checkpointer);
        }
    }

    /**
     * Checkpoints if there were commits and the interval has passed since the last one (at once when catching up).
     *
     * @return how long (ns) to wait before the next call: 0 to call again at once, negative to wait for a commit
     */
    private long checkpointIfDue(Connection conn) {
        if (!dirty.get()) {
            return -1;
        }
        long now = System.nanoTime();
        long due = lastCheckpointNanos + CHECKPOINT_NANOS - now;
        if (!catchUp && !retryRestart && lastCheckpointNanos != 0 && due > 0) {
            return due;
        }
        dirty.set(false);
        catchUp = false;
        retryRestart = false;
        lastCheckpointNanos = now;
        long before = queue.committedSeq();
        checkpointing.lock();
        try {
            int[] result = checkpoint.run(conn);
            tell(false, System.nanoTime() - now);
            int log = result[1];
            int done = result[2];
            if (log >= RESTART_FRAMES && done == log) {
                if (queue.committedSeq() == before) {
                    checkpointedThrough = before;
                    restartTries = 0;
                } else if (restartTries < MAX_RESTART_TRIES) {
                    retryRestart = true;
                    restartTries++;
                } else {
                    restartTries = 0;
                }
            }
            if (done < log && catchUps < MAX_CATCH_UP && java.nio.file.Files.size(wal) > WAL_CATCH_UP_BYTES) {
                dirty.set(true);
                catchUp = true;
                catchUps++;
            } else {
                catchUps = 0;
            }
            if (failedCheckpoints > 0) {
                LOG.info("checkpoints of {} work again ({} failed meanwhile)", db, failedCheckpoints);
                failedCheckpoints = 0;
            }
        } catch (SQLException | IOException e) {
            String why = e instanceof SQLException se ? SqliteStore.describe(se, db) : e.toString();
            if (failedCheckpoints++ == 0) {
                LOG.warn("checkpoint of {} failed: {} (the commits stay in the WAL, durable; further failures are not "
                    + "logged until a checkpoint works again)", db, why);
            } else {
                LOG.debug("checkpoint of {} failed: {}", db, why);
            }
        } finally {
            checkpointing.unlock();
        }
        return catchUp || retryRestart ? 0 : CHECKPOINT_NANOS;
    }
}
