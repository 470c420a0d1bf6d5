package dev.logmesh.internal.store;

import dev.logmesh.Criteria;
import dev.logmesh.StoreException;
import dev.logmesh.internal.callback.OwnWaits;
import dev.logmesh.internal.log.JsonTrees;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link Store} in one SQLite file (sqlite-jdbc), in WAL mode.
 *
 * <h2>Contract</h2>
 * Everything in {@link Store}'s contract. In addition:
 * <ul>
 *   <li><b>Threads.</b> Not thread-safe: one thread (the node's loop) calls it. Calls read and write SQLite's
 *       pages (the OS page cache, mostly) but never wait for an fsync or a checkpoint: those run on the store's
 *       writer thread ({@link WalWriter}), started by {@link #open} and stopped by {@link #close}. A catch-up's
 *       batches are written by a thread of the store while the caller goes on (write-behind, see
 *       {@link #add(List, Map)}); every later call waits for such a batch first, so the caller sees one store.</li>
 *   <li><b>Durability (group commit).</b> Each mutating call is one SQLite transaction, committed with
 *       {@code synchronous=NORMAL}: when it returns it survives the death of the process. With
 *       {@link Durability#FULL} (the default) the writer thread then fsyncs the WAL for every commit that arrived
 *       meanwhile, in one go, and {@link #whenDurable} callbacks run (on the executor given) once the commits
 *       before them survive a power loss too; the node acknowledges only then. With {@link Durability#NORMAL}
 *       commits count as durable when they return (a power loss may drop the last ones: choose it only for data
 *       that peers can resend). Checkpoints run on the writer thread in both modes. A failed fsync stops the store
 *       taking writes (they throw {@link StoreException}) and no callback runs any more: reopen it.</li>
 *   <li><b>Exclusive use.</b> {@link #open} takes an OS lock on {@code <file>.lock}; a second open of the same
 *       file, by this or another process, fails with a {@link StoreException} saying the file is in use. The
 *       lock is released by {@link #close} (or by the OS when the process dies).</li>
 *   <li><b>Bad files.</b> {@link #open} refuses, with a {@link StoreException} naming the file and changing
 *       nothing in it: a file that is not SQLite, an SQLite file of another application, a file written by a
 *       newer logmesh, an empty (0-byte) file or one cut shorter than an SQLite page, and a corrupt file
 *       ({@code PRAGMA integrity_check} at open, on by default; a file whose problems were its indexes' alone is
 *       repaired instead, its indexes rebuilt from the tables); each refusal of a damaged or foreign file says what
 *       to do ({@link #damagedRemedy}). {@link #openReader} refuses the same files.</li>
 *   <li><b>Corrupt rows</b> (issue 10, fault 10). Every entry row carries a CRC-32C checksum ({@code crc}) over
 *       all its columns (id, {@code added}, {@code time}, the meta columns and the action's UTF-8 text), written
 *       with the row and again whenever its meta changes, and checked at every read. A row that fails it or does
 *       not parse is skipped (reads go on; a page is refilled so that it is still full), logged once with its
 *       id, reported to the {@link #onCorrupt} listeners, and moved to the {@code quarantine} table, so that its
 *       id is no longer seen and a peer's copy is accepted again. This catches what
 *       {@code quick_check} cannot: bytes of a row changed in place, and valid JSON that says something else.
 *       A store opened with {@link #openReader} cannot write: it skips and reports, and the owner quarantines
 *       the row when it reads it. <em>Limit:</em> if the id columns themselves are damaged, the id reported is the
 *       damaged one (the true id is no longer seen either: schema 3 knows the log's ids from its rows alone).</li>
 *   <li><b>Lost transactions</b> (issue 10, fault 11). SQLite cannot tell that its {@code -wal} file was lost
 *       after a crash (or that the file is a restored backup): it opens the older state without complaint. A side
 *       file, {@code <file>.clock} (see {@link ClockFile}), fsynced outside the WAL, holds the clock reservation
 *       ({@link #reserveClock}: the node never issues an id it issued before, whatever the store lost), the
 *       {@code added} high-water mark (written with each reservation and at most about once a second after
 *       commits), the {@code added} reservation ({@link #sendableAdded}: after anything but a clean close, new
 *       entries are numbered after it) and the epoch. At open, a store whose {@code lastAdded} is below what the side file recorded
 *       for the same epoch has lost transactions: it says so ({@link #lossAtOpen}, and a warning in the log),
 *       continues the {@code added} numbers after the recorded mark so that none is reused, and takes a new
 *       {@link #epoch}, so that peers drop the cursors they kept for the old log and the lost entries can come
 *       back from them. <em>Limits:</em> transactions committed after the side file's last write (at most about
 *       a second of them, unless the clock reserved) go unnoticed; what no peer holds is gone; a backup restored
 *       together with its side file looks like a clean store (only the clock still never goes back, as long as
 *       the wall clock did not).</li>
 *   <li><b>Failures.</b> A failing call throws {@link StoreException} and rolls back: nothing of it was
 *       written, and the store stays usable: the next call works as soon as the cause is gone (disk space
 *       freed), without reopening. After a failure the connection is put back into a fresh transaction by hand
 *       and every cached statement is dropped, because SQLite rolls a transaction back by itself on
 *       {@code SQLITE_FULL}/{@code SQLITE_IOERR} and sqlite-jdbc then leaves the connection in autocommit and
 *       finalizes the failed statement (issue 10, fault 9: seen ids committed without their entries, and
 *       "statement is not executing" until a restart).</li>
 * </ul>
 *
 * <h2>Schema (version 6)</h2>
 * {@code entries} is keyed by {@code added} (the rowid, so the added order is the table order) with a unique
 * index on the created order {@code (ms, node, seq)}; {@code node} is a {@link NodeKey} BLOB so SQLite's
 * byte order is Java's string order. The seen index is that index and {@code seen} (WITHOUT ROWID), which holds
 * the ids that are not in the log: added without reasons, or removed since (in the transaction that removes the
 * entry); so an id is seen if it is in either, never in both, and {@link #forgetSeen} empties {@code seen} below
 * its horizon. {@code reasons (reason, added)} indexes entries by reason, so {@code removeReason} and
 * {@code withReason} are range scans, except for the node's own keep reason {@link #IMPLICIT_REASON} ({@code mesh}),
 * which has no rows there (schema 6): the entries' {@code reasons} column says which have it. Meta lives in columns
 * ({@code time}, {@code subprotocol}, {@code reasons} as a JSON array, custom keys as a JSON object or NULL): the id
 * and {@code added} are already key columns,
 * and a full meta JSON would repeat them in every row (about 40 bytes more per entry). {@code counters} keeps
 * {@code lastAdded} and the {@code maxSeenMs} high-water mark when the rows that carried them are gone.
 * {@code nodes (node, ms, received, sent)} holds per node id the largest id time part of that origin (a
 * high-water mark for {@link #maxSeenMs(String)} and the test that a catch-up's ids are new, 0 for none) and the
 * sync cursor kept for it as a peer (NULL for none): a live add on either side of a session raises a mark and
 * moves a cursor, and both are written to one page of one small table.
 * {@code clients (client, acked, used)} holds the cursors kept for Logux clients ({@link #clientCursor}), apart from
 * {@code nodes}: a client id ({@code alice:Xk3v9QaB}) has the form of a logmesh node id, and a client must never move
 * a peer's cursor. {@code used} is a counter of writes (never the clock, which may go back), indexed, so that only the
 * most recently written records are kept.
 * {@code gone (peer, ms, node, seq)} holds the gone marks ({@link #addGone}: ids a peer answered {@code gone} for), a
 * cache of the reconciler's, with an index by time for the forgetting ({@link #forgetSeen}); it is not part of the
 * schema version: any file gets it, empty, at its first open for writing by this code ({@link #createGone}), and
 * code that does not know it ignores it.
 * {@code PRAGMA application_id} marks the file as logmesh's and {@code user_version} is the schema version.
 * Version 6 (session 49, issue 12) dropped the rows of {@link #IMPLICIT_REASON} from {@code reasons}: nearly every
 * entry of a node's log has that reason, so each commit wrote a row for it into a second key range of the table (one
 * WAL page more per one-entry commit, and middle inserts for an application reason's rows sorted below it); its
 * {@code withReason} and {@code removeReason} read {@code entries} by {@code added} instead. A version 5 file loses
 * those rows at open, in the upgrade's transaction; a reader reads it as it is (its rows are not used);
 * {@link #downgrade} ({@code logmesh downgrade}) writes them back and marks the file version 5 again.
 * Version 5 (session 38) added {@code seen.crc}, a CRC-32C of each row's id ({@link #seenCrc}, checked at every open:
 * {@link #checkSeen}), and {@code quarantine_seen} (rows damaged beyond repair, as found): a version 4 file gets the
 * checksums of its rows as found, at open, in the upgrade's transaction.
 * Version 4 (session 19) added {@code clients}: a version 3 file gets the empty table at open, in one transaction.
 * Version 3 (issue 12: fewer B-tree pages per entry and per commit) took the log's own ids out of {@code seen} and
 * the cursors into {@code nodes}: a version 2 file is upgraded (to 4) at open in one transaction. Version 2 added
 * {@code entries.crc}, {@code nodes (node, ms)}, {@code quarantine} (corrupt rows, as found) and the {@code epoch}
 * state key. A version 1 file is upgraded to 2 and on to 3 at open, in one transaction: the checksums of its rows
 * are computed from their contents as found (so they are trusted once, then checked from then on), {@code nodes}
 * is filled from {@code seen}, and it gets an epoch. {@link #openReader} reads version 1 and 2
 * files as they are (version 1 without checksums), and version 1 to 3 files without client cursors (none is kept).
 */
public final class SqliteStore implements Store {

    /** {@code PRAGMA application_id} of logmesh stores: "LMSH" in ASCII. */
    public static final int APPLICATION_ID = 0x4C4D5348;

    /** The schema version this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 6;

    /**
     * The reason that has no rows in table {@code reasons} (schema 6): the node's own keep reason,
     * {@code NodeConfig.DEFAULT_KEEP_REASON}, which nearly every entry of a node's log carries. Each entry's
     * {@code reasons} column (a JSON array, covered by the row's checksum) says whether it has it; {@link #withReason}
     * and {@link #removeReason} of this reason read {@code entries} in {@code added} order (see
     * {@link #IMPLICIT_REASON_FILTER}). Part of the file format: a node configured with another keep reason keeps that
     * one's rows as any application reason's; changing this literal needs a schema version of its own.
     */
    static final String IMPLICIT_REASON = "mesh";
    /**
     * How many corrupt entries one call logs an error line each for; the rest of what it found is one line with their
     * count and first and last ids (every one is still reported to the {@link #onCorrupt} listeners).
     */
    static final int CORRUPT_LOGGED_EACH = 10;

    /**
     * SQL that passes every {@code entries e} row whose {@code reasons} column may hold {@link #IMPLICIT_REASON}: the
     * reason's JSON string as the store writes it (Jackson escapes no ASCII letter or digit); rows it passes are then
     * decided by their parsed reasons, so a reason such as {@code a"mesh} (written {@code "a\"mesh"}) does not count.
     */
    private static final String IMPLICIT_REASON_FILTER = "instr(e.reasons, '\"" + IMPLICIT_REASON + "\"') > 0";

    /** The suffix of the side file that keeps the clock reservation ({@link ClockFile}). */
    public static final String CLOCK_FILE_SUFFIX = ".clock";

    /**
     * How far past {@code lastAdded} the {@code added} reservation is raised at a time with {@link Durability#FULL}
     * (see {@link #sendableAdded}); it is raised again, by the writer thread after a group commit, once fewer than
     * half of these are left: one side-file fsync per 50 000 entries added, and a gap of at most this many numbers
     * after a restart that was not a clean close.
     */
    public static final long ADDED_RESERVE_AHEAD = 100_000;

    /** At most this often (ns) a commit rewrites the side file's {@code added} mark (one more fsync). */
    private static final long SIDE_MARK_INTERVAL_NANOS = 1_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

    /**
     * SQLite's page cache (KiB): 2 MiB holds the interior pages of the B-trees of a log of some millions of entries
     * (about 1% of its pages) and the right edges that appends write. It is not larger because SQLite allocates each
     * cached page on first use, and on the store's thread (a glibc arena of its own) every new page grew the heap by
     * an {@code mprotect} and a page fault: with 16 MiB a catch-up into a fresh store paid that for every page it
     * wrote, about a third of the store thread's CPU (measured in docs/performance.md, SQLite bulk, session 13);
     * once the cache is full its pages are reused. Older pages are read again from the OS's page cache.
     */
    private static final int CACHE_KIB = 2 * 1024;

    /**
     * WAL pages between automatic checkpoints with {@link Durability#FULL_INLINE} (SQLite's default is 1000), where
     * the calling thread checkpoints as SQLite does by itself. A checkpoint copies each distinct page once, however
     * often it was rewritten, and fsyncs the file: with appends rewriting the same few rightmost pages, a longer
     * interval means fewer copies and fewer fsyncs per entry. 10 000 pages bound the WAL to about 40 MiB.
     */
    private static final int CHECKPOINT_PAGES = 10_000;

    /**
     * How long (ms) the checkpoint for the WAL's bound waits for readers of other connections ({@code logmesh log})
     * to leave the WAL before it gives up; the node's loop waits that long at most.
     */
    static final int WAL_BOUND_WAIT_MS = 50;

    /** After a checkpoint for the bound that readers held up, the next is tried no sooner than this (ns). */
    static final long WAL_BOUND_RETRY_NANOS = 1_000_000_000L;

    /**
     * How long (ms) a call keeps running its transaction again after {@code SQLITE_BUSY} before it fails (see
     * {@link #write}). Under the session timeout (8 s) with room to spare; a lock held that long is no longer a moment.
     */
    static final long BUSY_RETRY_MS = 2_000;

    /** The entry columns every read selects, in the order {@link #entry} reads them. */
    private static final String COLUMNS = "e.added, e.ms, e.node, e.seq, e.time, e.subprotocol, e.reasons, e.extra, "
        + "e.action, e.crc";

    private static final ObjectReader READER = MetaJson.reader();
    private static final ObjectWriter WRITER = MetaJson.writer();

    /** Rows per multi-row INSERT, largest first; a batch is cut greedily into these (100 = 64 + 16 + 16 + 4). */
    private static final int[] CHUNKS = {64, 16, 4, 1};

    /** Rows per multi-row INSERT into {@code seen} (four values a row), largest first. */
    private static final int[] SEEN_CHUNKS = {256, 64, 16, 4, 1};

    /** Batches of at least this many rows that all have the same reasons get them with one statement per reason. */
    private static final int MIN_SHARED_REASONS = 16;

    /** Batches with fewer fresh ids than this look every id up ({@link #freshIds}). */
    private static final int MIN_FRESH_BATCH = 8;

    /**
     * The smallest batch that {@link #add} hands to the write-behind thread (see there): a catch-up's {@code sync}
     * (up to 2000 entries); a single add (the round trip of a live action) stays on the caller's thread.
     */
    static final int WRITE_BEHIND_MIN = 64;

    /**
     * Told the disk's latencies as a store with a writer thread meets them ({@link #observeDisk}): node metrics
     * ({@code logmesh.store.flush}, {@code logmesh.store.checkpoint}) and {@code SyncBench rtt}, which prints the
     * fsyncs its round trips waited on beside them. Implementations must be cheap and must not throw: they run on the
     * writer's threads between disk calls.
     */
    public interface DiskObserver {
        /**
         * One group commit's {@code fdatasync} of the WAL completed after {@code nanos} ns (successful ones only;
         * {@link Durability#FULL}). Called on the store's sync thread.
         */
        void flushed(long nanos);

        /**
         * One background {@code PASSIVE} checkpoint (copying WAL frames into the database file, with its fsyncs)
         * completed after {@code nanos} ns. Called on the store's checkpoint thread.
         */
        void checkpointed(long nanos);

        /**
         * A commit was handed to the sync thread, right before its wake-up; nothing of it is durable yet. Called on
         * the thread that committed (the node's loop; the write-behind thread for a large batch); the default does
         * nothing ({@code SyncBench rtt --trace} records when each commit was made).
         */
        default void committed() {
        }
    }

    /**
     * How a committed transaction is synced to disk. FULL is the default because the node acknowledges what
     * {@code add} returned. Its price is one fsync per call: on the reference 2-core machine (fsync ~150 µs)
     * about 6k single adds/s but ~175k adds/s in batches of 100, so the node batches, and NORMAL is rarely
     * worth the risk ({@code scripts/bench-store} measures both).
     */
    public enum Durability {
        /**
         * Group commit: a call commits without waiting for the disk; the writer thread fsyncs the WAL for every
         * commit made meanwhile and {@link #whenDurable} callbacks then run: durable commits survive a power loss.
         */
        FULL,
        /**
         * {@code synchronous=FULL} on the calling thread: each call fsyncs the WAL before it returns, and the caller
         * also runs the checkpoints (every 10 000 WAL pages). No writer thread, so nothing
         * happens outside the caller's thread: for single-threaded simulations (the test kit's manual loop) and for
         * comparison; a slow disk stalls the caller.
         */
        FULL_INLINE,
        /** {@code synchronous=NORMAL}: fsync only at checkpoints; survives a process crash, not a power loss. */
        NORMAL
    }

    /**
     * How to open a store.
     *
     * @param durability  see {@link Durability}; default {@link Durability#FULL}
     * @param checkOnOpen run {@code PRAGMA integrity_check} at open: it reads the whole file and looks up each entry in
     *                    the created-order index (its {@code quick_check} part was measured 0.04 s for 100k entries /
     *                    20 MB and 0.6 s for 1M entries / 200 MB, see {@code scripts/bench-store}; the whole check
     *                    takes about twice that: 12.4 s against 5.8 s for 1M entries on a loaded 2-core VM, break37);
     *                    default true, because a corrupt log must fail at start, not after a peer was told
     *                    what it holds. Without it, open still refuses foreign, newer and non-SQLite files
     */
    public record Options(Durability durability, boolean checkOnOpen) {
        /** FULL durability, check on open. */
        public static final Options DEFAULT = new Options(Durability.FULL, true);

        public Options {
            Objects.requireNonNull(durability, "durability");
        }
    }

    /**
     * Lock files of the stores open in this JVM. Checked before the lock file is touched: POSIX drops all of a
     * process's locks on a file when <em>any</em> descriptor of it is closed, so a failed second open in the
     * same JVM must not open and close the lock file, or it would silently unlock the first store.
     */
    private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final Path file;
    /** Commits and their durability; null for a reader. Created by {@link #init}. */
    private DurabilityQueue durability;
    /** The writer thread (group commit, checkpoints); null for a reader. Started by {@link #init}. */
    private WalWriter writer;
    private Durability durabilityMode = Durability.FULL;
    private final Path lockPath;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Connection conn;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Map<String, String> multiRowSql = new HashMap<>();
    private volatile boolean closed;
    /** Whether the connection is inside a transaction; false after a failed {@link #recover}. */
    private boolean inTransaction = true;

    private long lastAdded;
    private long maxSeenMs;
    private long size;
    /** The {@code added} ranges skipped at opens ({@link #skippedAdded}), pairs; loop only. */
    private long[] skippedAdded = NO_SKIPPED;
    /** The {@code -wal} file, for its size ({@link #boundWal}); null for a reader and with FULL_INLINE. Loop only. */
    private FileChannel walFile;
    /** The newest commit when the store last checkpointed for the WAL's bound ({@link #boundWal}), or -1. Loop only. */
    private long walBoundAt = -1;
    /** When a checkpoint for the bound may be tried again after one that readers held up ({@link System#nanoTime}). */
    private long walBoundRetryNanos;
    private boolean walBoundRetry;
    /**
     * Set when a call failed on a full disk: the next write first checkpoints the WAL whole and empties its file
     * ({@link #boundWal}), so that the space it held is the file system's again. Loop only.
     */
    private boolean walReclaim;
    /**
     * Not before this ({@link System#nanoTime}) is a reclaim that failed tried again, unless a commit is made first
     * ({@link #walReclaimAt}). Loop only.
     */
    private long walReclaimRetryNanos;
    /**
     * The newest commit when a reclaim failed for want of room, or -1 (it failed because a reader held the WAL): a
     * commit after it means space came back, and the reclaim runs before the next write without waiting for
     * {@link #walReclaimRetryNanos}. Loop only.
     */
    private long walReclaimAt = -1;
    /** The WAL file's size (bytes) from which the next write looks at the free space ({@link #boundWal}). Loop only. */
    private long walSpaceCheckAt;
    /** How much the WAL's file grows (bytes) between two looks at the free space, at most ({@link #boundWal}). */
    static final long WAL_SPACE_STEP_BYTES = 1L << 20;
    /** How much the WAL's file grows (bytes) between two looks at the free space, at least: a page. */
    static final long WAL_SPACE_MIN_STEP_BYTES = 4L << 10;
    /**
     * How long (ns) the WAL's size, once looked at, is taken as it was ({@link #walCheckpointDue}), while it was at
     * least {@link #WAL_LOOK_SLACK_BYTES} under the next size that matters.
     */
    static final long WAL_LOOK_NANOS = 5_000_000L;
    /**
     * The room (bytes) under the WAL's bound and the next look at the free space within which a write always looks
     * at the WAL's size: more than the WAL grows in {@link #WAL_LOOK_NANOS} of unbroken writing (~45 MB a second on
     * the reference machine, ~230 KB in 5 ms), and less than a step between looks at the free space while there is
     * plenty ({@link #WAL_SPACE_STEP_BYTES}).
     */
    static final long WAL_LOOK_SLACK_BYTES = 256L << 10;
    /**
     * The WAL's size is looked at before every write while the last look at the free space found less than this
     * (bytes): far more than 5 ms of writing adds to the WAL, on any disk ({@link #boundWal}, "The WAL's size").
     */
    static final long WAL_ROOMY_FREE_BYTES = 256L << 20;
    /**
     * The free space (bytes) the last look found: -1 before the first look, {@link Long#MAX_VALUE} when the look
     * could not tell. Loop only.
     */
    private long walFreeSeen = -1;
    /**
     * While the free space last seen is under {@link #WAL_ROOMY_FREE_BYTES}, it is looked at again before a write once
     * the last look is this old (ns), whatever the WAL's growth: another process may fill the disk meanwhile. Before
     * (disk40) a write looked only once the WAL had grown by a step since the last look (an eighth of the free space
     * then, up to 1 MiB): a filler that left 50 KiB was seen only when the store's writes failed, its transactions
     * still cut by the budget of the free space before. A {@code statvfs} (on a cached file store) costs about a
     * microsecond: at most a thousand a second.
     */
    static final long FREE_LOOK_NANOS = 1_000_000L;
    /** When the free space was last looked at ({@link System#nanoTime}). Loop only. */
    private long walFreeLookNanos;
    /** The file store of the data directory, for {@link #freeSpace}; null before the first look. Loop only. */
    private java.nio.file.FileStore fileStore;

    /**
     * The free space (bytes) where the file is, -1 when it cannot be told: a {@code statvfs} on the data directory's
     * file store, found once ({@link Files#getFileStore} reads the mount table: far dearer than the look itself).
     */
    private long freeSpace() {
        try {
            if (fileStore == null) {
                Path dir = file.toAbsolutePath().getParent();
                if (dir == null) {
                    return -1;
                }
                fileStore = Files.getFileStore(dir);
            }
            return fileStore.getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
    /** The least {@link #writeBudget} (bytes): a few pages, so that a nearly full disk still takes entries one by one. */
    static final long WRITE_BUDGET_MIN_BYTES = 16L << 10;

    /**
     * An eighth of the free space last seen while it is under {@link #WAL_ROOMY_FREE_BYTES} (at least
     * {@link #WRITE_BUDGET_MIN_BYTES}), else unbounded: a batch of entries cut so, one transaction, then adds at most
     * about a quarter of the free space to the WAL (its pages and the index pages it touches), so the checkpoint at
     * half the free space ({@link #boundWal}) still finds room. Loop only.
     */
    @Override
    public long writeBudget() {
        long free = walFreeSeen;
        return free < 0 || free >= WAL_ROOMY_FREE_BYTES ? Long.MAX_VALUE : Math.max(WRITE_BUDGET_MIN_BYTES, free / 8);
    }
    /** When the WAL's size was last looked at ({@link System#nanoTime}), if it had room then. Loop only. */
    private long walLookNanos;
    /** Whether the last look at the WAL's size found it {@link #WAL_LOOK_SLACK_BYTES} under both sizes. Loop only. */
    private boolean walRoomy;
    /** The columns read: {@link #COLUMNS}, or without {@code crc} for a version 1 file opened by a reader. */
    private String columns = COLUMNS;
    /** The schema version a reader found ({@code user_version}); {@link #SCHEMA_VERSION} for the owner. */
    private int versionFound = SCHEMA_VERSION;
    /** Whether rows carry checksums (schema 2); false only for a reader of a version 1 file. */
    private boolean checksums = true;
    /**
     * Whether {@code seen} holds every id (schemas 1 and 2), not only those that are not in {@code entries} (schema
     * 3); true only for a reader of an older file.
     */
    private boolean seenHoldsAll;
    /** Whether the cursors are kept in {@code nodes} (schema 3), not in table {@code cursors}; false only for a reader. */
    private boolean cursorsInNodes = true;
    /** Whether the file has table {@code clients} (schema 4); false only for a reader of an older file. */
    private boolean clientsTable = true;
    /**
     * Whether the file has table {@code gone} (the gone marks, {@link #addGone}): created at open when missing; false
     * for a reader of a file without it, or when the open could not create it (then no marks are kept).
     */
    private boolean goneTable;
    /** The last error {@link #forEachGone} logged (loop only). */
    private String goneProblem;
    /** Whether {@link #forEachGone} looked for rows whose time is no integer (no range finds them) since the open. */
    private boolean goneTimesChecked;
    /** Rows in {@code clients}, or -1 before the first client write counts them. */
    private long clientRows = -1;
    /** The largest {@code clients.used}, valid when {@link #clientRows} is. */
    private long clientUse;
    private String epoch = "";
    private ClockFile clockFile;
    /**
     * Guards the side file and what it holds: the loop writes it (open, {@link #reserveClock}, the {@code added}
     * mark, close) and so does the writer thread ({@link #writeSideAsked}: the reservations and the mark).
     */
    private final Object sideLock = new Object();
    /**
     * The durable clock reservation: what the side file on disk says. Written under {@link #sideLock} after the fsync
     * (loop or writer thread, see {@link #reserveClockAhead}), read by the loop without it.
     */
    private volatile long clockReservation;
    /**
     * The durable {@code added} reservation: the side file on disk says no {@code added} assigned after a reopen is at
     * or below it. Written under {@link #sideLock} after the fsync (loop or writer thread), read by the loop.
     */
    private volatile long addedReservation;
    /** The highest reservation asked of the writer thread (loop only). */
    private long addedReservationAsked;
    /**
     * The {@code added} mark the side file holds, and when it was last written (any thread, under {@link #sideLock};
     * the loop reads them without it to skip a write that is not due).
     */
    private volatile long sideLastAdded;
    private volatile long sideWrittenNanos;
    /**
     * {@code lastAdded} as the database holds it (loop only): the side file's mark is this, never a number the store
     * only skipped to at open (a reservation), so that the mark still tells a lost transaction from a gap.
     */
    private long committedAdded;
    /** The last {@code added} mark this store asked to be written, and when (loop only). */
    private long sideMarkAsked;
    private long sideMarkAskedNanos;
    private String lossAtOpen;
    /** Known {@code nodes} rows: node key to ms; cleared when a write fails (it may hold uncommitted values). */
    private final Map<String, Long> nodeMarks = new HashMap<>();
    /**
     * For an origin whose mark a batch of this store raised (or that such a batch's origin reached since): the largest
     * id of the origin recorded ({@code entries} or {@code seen}). Ids share their {@code ms}, so a catch-up's next
     * chunk usually starts in the {@code ms} of its mark: an id above this one is still new without a read ({@link
     * #addBehind}). Loop thread only; cleared with {@link #nodeMarks}.
     */
    private final Map<String, ActionId> nodeTops = new HashMap<>();
    /**
     * The write-behind batch (see {@link #add}) handed to {@link #behindThread} and not yet seen finished by the
     * loop, or one that failed there and is tried again before anything else; null when none. Loop thread only.
     */
    private Behind behind;
    /**
     * The rows the owner's last adds committed, for {@link #page} by {@code added} just after them (a session's pump
     * reads back what was just added to send it), or null when not known. When not null it holds every row of the
     * {@code entries} table whose {@code added} is over {@link RecentRows#after}, in {@code added} order: any write
     * other than a committed {@link #add} on the owner's path sets it to null ({@link #write}, the write-behind),
     * and such an add appends its rows (at most {@link #RECENT_ROWS} of at most {@link #RECENT_CHARS} of action text
     * together). Owner thread only.
     */
    private RecentRows recent;
    /** The most rows {@link #recent} keeps (a live round's adds are one or a few entries; a catch-up's are not kept). */
    static final int RECENT_ROWS = 64;
    /** The most action text (chars) {@link #recent} holds: a few large actions are read from the file instead. */
    static final int RECENT_CHARS = 256 * 1024;

    /** See {@link #recent}. */
    private static final class RecentRows {
        /** Every row of the table numbered over this one is in {@link #rows}. */
        long after;
        final ArrayDeque<Entry> rows = new ArrayDeque<>();
        /** The length of the rows' action texts together (chars). */
        long chars;

        RecentRows(long after) {
            this.after = after;
        }
    }
    /** The write-behind thread, started with the first batch; null before. Loop thread only. */
    private java.util.concurrent.ExecutorService behindThread;
    /** A write-behind batch could not be written before the close: the close is not clean (see {@link #close}). */
    private boolean behindAbandoned;
    private final List<Consumer<Corruption>> corruptListeners = new CopyOnWriteArrayList<>();
    /** Corrupt rows found by the current call, handled when it ends ({@link #settleCorrupt}). */
    private final List<Corruption> foundCorrupt = new ArrayList<>();
    /** Rows already reported ({@code added}), so each is reported once. */
    private final Set<Long> reportedCorrupt = new HashSet<>();

    // Tiny caches: most entries of a log share the same few reason lists.
    private List<String> lastReasons;
    private String lastReasonsJson;
    private String lastReasonsBytesJson;
    private byte[] lastReasonsBytes;
    private final Map<String, List<String>> parsedReasons = new HashMap<>();
    // The row read before (caller's thread): a catch-up reads runs of rows with the same reasons and origin.
    private byte[] lastReadReasons;
    private List<String> lastReadReasonsList;
    private byte[] lastReadNode;
    private String lastReadNodeId;
    // The key columns of the row entry(ResultSet) read last, as stored (also for a corrupt row): a page's loop takes its
    // next position from them instead of reading the columns through the driver a second time (a JNI call each).
    private long rowAdded;
    private long rowMs;
    private byte[] rowNode;
    private long rowSeq;

    private SqliteStore(Path file, Path lockPath, FileChannel lockChannel, FileLock lock, Connection conn) {
        this.file = file;
        this.lockPath = lockPath;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.conn = conn;
    }

    /** Opens or creates a store with {@link Options#DEFAULT}. */
    public static SqliteStore open(Path file) {
        return open(file, Options.DEFAULT);
    }

    /**
     * Opens or creates a store whose writer makes the WAL durable with {@code sync} instead of {@code fdatasync}:
     * for tests that play a slow or failing disk (package-private: not an option for users).
     */
    static SqliteStore open(Path file, Options options, WalWriter.WalSync sync) {
        WalWriter.WalSync previous = NEXT_SYNC.get();
        NEXT_SYNC.set(sync);
        try {
            return open(file, options);
        } finally {
            NEXT_SYNC.set(previous);
        }
    }

    /** The WAL sync of the store being opened on this thread ({@link #open(Path, Options, WalWriter.WalSync)}). */
    private static final ThreadLocal<WalWriter.WalSync> NEXT_SYNC = ThreadLocal.withInitial(() -> WalWriter.FDATASYNC);

    /**
     * Opens an existing store only to read it, without its lock: also while the node that owns it runs (WAL
     * lets readers see what was committed). Every write throws {@link StoreException}.
     *
     * <p>A WAL-mode reader needs the {@code -shm} index beside the file, and makes it when it is missing. Where it
     * cannot (a read-only file system: a mounted backup, a file-system snapshot), a store with no {@code -wal} file
     * (one whose node closed it) is opened as immutable instead (SQLite's {@code immutable=1}: no locks, no
     * {@code -shm}), which reads the same rows since everything is in the database file. A store on such a file
     * system whose {@code -wal} is there still fails as before (SQLite would ignore what the WAL holds).
     *
     * <p>The file is checked as {@link #open} checks it, without writing it (see {@link #checkAsReader}): a corrupt
     * file is refused, one whose indexes alone do not match its tables is read by its tables. The check reads the whole
     * file (about as long as a node's start); {@link #openReader(Path, boolean)} can skip it.
     *
     * @throws StoreException naming the file if it does not exist, is not a logmesh store, is too new or is corrupt
     */
    public static SqliteStore openReader(Path file) {
        return openReader(file, true);
    }

    /**
     * As {@link #openReader(Path)}; {@code checkOnOpen} false skips the check (for a look at a few small tables, such
     * as the peers' cursors, which a reader does not read through the entries' index).
     */
    public static SqliteStore openReader(Path file, boolean checkOnOpen) {
        Path path = file.toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new StoreException("no logmesh store at " + path);
        }
        try {
            requireSqliteFile(path);
        } catch (IOException e) {
            throw new StoreException("cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            return openReader(path, false, checkOnOpen);
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException se && isDiskFull(se, path) && walEmpty(path)) {
                return openReaderOnFullDisk(path, checkOnOpen, e);
            }
            if (!(e.getCause() instanceof SQLiteException se && se.getResultCode().name().startsWith("SQLITE_CANTOPEN"))
                || Files.exists(Path.of(path + "-wal")) || Files.isWritable(path.getParent())) {
                throw e;
            }
            try {
                return openReader(path, true, checkOnOpen);
            } catch (StoreException again) {
                e.addSuppressed(again);
                throw e;
            }
        }
    }

    /** Whether {@code path}'s {@code -wal} file is missing or empty: the database file holds every commit. */
    private static boolean walEmpty(Path path) {
        Path wal = Path.of(path + "-wal");
        try {
            return !Files.exists(wal) || Files.size(wal) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A reader on a full disk ({@link #openReader(Path, boolean)} failed so): SQLite cannot make or grow the
     * {@code -shm} index ({@code SQLITE_IOERR_SHMSIZE}), so a store whose WAL is empty or gone (its node closed it,
     * every commit is in the database file) is read as immutable, as on a read-only file system, while this reader
     * holds the store's lock, shared with other such readers: no node or {@code logmesh add} opens it meanwhile (none
     * could write on this disk either; one that tries is told the store is in use). With no lock file, or its lock
     * held by a process (its node runs) or by this JVM (Java refuses a second lock of one file in a JVM, shared or
     * not: a second such reader in one JVM): the open's failure, as before.
     * Before (break39) {@code logmesh log} failed with {@code cannot open ...: the disk is full
     * ([SQLITE_IOERR_SHMSIZE] ...)} on the log of a stopped node, and left an empty {@code -wal} beside it.
     */
    private static SqliteStore openReaderOnFullDisk(Path path, boolean checkOnOpen, StoreException failure) {
        Path lockPath = lockPath(path);
        FileChannel channel;
        FileLock lock;
        try {
            channel = FileChannel.open(lockPath, StandardOpenOption.READ);
        } catch (IOException e) {
            failure.addSuppressed(e);
            throw failure;
        }
        try {
            lock = channel.tryLock(0, Long.MAX_VALUE, true); // shared: other readers too, not a node
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            failure.addSuppressed(e);
            throw failure;
        }
        if (lock == null || !walEmpty(path)) { // a process holds it (its WAL may be written), or wrote it meanwhile
            closeQuietly(channel);
            throw failure;
        }
        try {
            return openReader(path, true, checkOnOpen, lockPath, channel, lock);
        } catch (StoreException again) {
            closeQuietly(channel);
            failure.addSuppressed(again);
            throw failure;
        }
    }

    private static SqliteStore openReader(Path path, boolean immutable, boolean checkOnOpen) {
        return openReader(path, immutable, checkOnOpen, null, null, null);
    }

    /** A reader; with a lock ({@link #openReaderOnFullDisk}) it holds that lock until it is closed. */
    private static SqliteStore openReader(Path path, boolean immutable, boolean checkOnOpen, Path lockPath,
        FileChannel lockChannel, FileLock lock) {
        Connection conn = null;
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(true);
            // a copy of the created order's keys, when the check finds its index damaged, lives in memory
            config.setTempStore(SQLiteConfig.TempStore.MEMORY);
            conn = config.createConnection(immutable ? "jdbc:sqlite:" + path.toUri() + "?immutable=1"
                : "jdbc:sqlite:" + path);
            SqliteStore store = new SqliteStore(path, lockPath, lockChannel, lock, conn);
            store.readOnly = true;
            store.initReader(checkOnOpen);
            return store;
        } catch (SQLException | RuntimeException e) {
            if (conn != null) {
                try {
                    conn.close();
                } catch (SQLException ignored) {
                    // the open failure is what matters
                }
            }
            if (e instanceof SQLException se) {
                throw openFailure(path, se);
            }
            throw (RuntimeException) e;
        }
    }

    private boolean readOnly;

    /**
     * Writes a copy of this reader's store as of one moment into {@code target}, a file that must not exist
     * ({@code VACUUM INTO}, in one read transaction of its own): the copy holds every transaction committed before
     * that moment and none after, also while a node writes the store (a reader does not hold up its commits; its
     * checkpoints copy only up to the reader's snapshot until the copy ends, so the node's {@code -wal} grows
     * meanwhile). The copy is compacted and has no {@code -wal}. Calling thread; blocks for as long as the copy takes
     * (about as long as reading the whole file).
     *
     * @throws StoreException when SQLite cannot read this store or write {@code target} (its message names which)
     * @throws IllegalStateException on a store that is not a reader ({@link #openReader})
     */
    public void copyInto(Path target) {
        if (!readOnly) {
            throw new IllegalStateException("copyInto is for a reader (openReader)");
        }
        try {
            conn.commit(); // VACUUM runs outside any transaction: the reader's open one ends here
            conn.setAutoCommit(true);
            try (PreparedStatement st = conn.prepareStatement("VACUUM INTO ?")) {
                st.setString(1, target.toString());
                st.execute();
            } finally {
                conn.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot copy " + file + " into " + target + ": " + e.getMessage(), e);
        }
    }

    private void initReader(boolean checkOnOpen) throws SQLException {
        int appId = pragmaInt("application_id");
        int version = pragmaInt("user_version");
        if (appId != APPLICATION_ID) {
            throw new StoreException(file + " is not a logmesh store (application_id 0x"
                + Integer.toHexString(appId) + "); " + damagedRemedy(file));
        }
        if (version > SCHEMA_VERSION) {
            throw new StoreException(file + " was written by a newer logmesh (schema " + version
                + "), this one reads up to " + SCHEMA_VERSION);
        }
        versionFound = version;
        conn.setAutoCommit(false);
        if (version < 2) {
            columns = COLUMNS.replace("e.crc", "NULL");
            checksums = false;
        }
        seenHoldsAll = version < 3;
        cursorsInNodes = version >= 3;
        clientsTable = version >= 4;
        goneTable = queryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gone'") == 1;
        if (checkOnOpen) {
            checkAsReader();
        }
        loadCounters();
        conn.commit();
    }

    /**
     * The reader's check at open ({@link #openReader(Path, boolean)}), as careful as the owner's
     * ({@link #integrityCheck}) without writing the file: {@code integrity_check}; a file whose problems are its
     * indexes' alone (what the owner's open rebuilds: {@code quick_check} finds every page sound, and every problem is
     * an index that does not hold its table's rows, or {@code seen} out of order) is read by its tables: the created
     * order from a copy of the table's keys made for this reader (a temporary table, in memory), said once at WARN;
     * any other problem refuses the file as the owner's open does. Before (session 38) a reader did not check: on a
     * damaged {@code entries_created} it read an id from the index and the rest from the row, and reported a sound
     * entry as corrupt until a node or {@code logmesh add} had opened the file.
     */
    private void checkAsReader() throws SQLException {
        List<String> problems;
        boolean threw = false;
        try {
            problems = integrityProblems();
        } catch (SQLException e) {
            if (!isCorrupt(e)) {
                throw e;
            }
            problems = List.of(e.getMessage());
            threw = true;
            // SQLite fails every later read of this transaction once it met a page that does not parse (before,
            // verify38: the copy of the table's keys below failed so, and a file whose only damage was an index record
            // was refused as corrupt); the next statement starts a new read transaction
            conn.rollback();
        }
        if (problems.isEmpty()) {
            return;
        }
        boolean pagesSound;
        try {
            pagesSound = "ok".equals(queryString("PRAGMA quick_check(1)"));
        } catch (SQLException e) {
            if (!isCorrupt(e)) {
                throw e;
            }
            pagesSound = false;
        }
        boolean indexesOnly = pagesSound && (threw || problems.stream().allMatch(p -> p.contains(" index ")
            || p.endsWith(" for seen")));
        if (!indexesOnly) {
            throw new StoreException(file + " is a corrupt logmesh store (" + String.join("; ", problems) + "); "
                + damagedRemedy(file));
        }
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TEMP TABLE created_order AS SELECT ms, node, seq, added FROM main.entries NOT INDEXED");
            st.execute("CREATE INDEX temp.created_order_key ON created_order (ms, node, seq)");
        }
        createdFromTable = true;
        LOG.warn("{}: its indexes do not match its tables ({}): read by its tables (the file is left as it is; its "
            + "node's next start, or logmesh add, rebuilds them)", file, String.join("; ", problems));
    }

    /**
     * Whether {@link #page} reads the created order from {@code temp.created_order}, a copy of the table's keys, and
     * not from the index {@code entries_created}, which does not match the table ({@link #checkAsReader}).
     */
    private boolean createdFromTable;

    private String queryString(String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Reads the counters, the size and the epoch (in the open transaction). */
    private void loadCounters() throws SQLException {
        lastAdded = Math.max(counter("lastAdded"), queryLong("SELECT coalesce(max(added), 0) FROM entries"));
        maxSeenMs = Math.max(counter("maxSeenMs"), Math.max(queryLong("SELECT coalesce(max(ms), 0) FROM seen"),
            queryLong("SELECT coalesce(max(ms), 0) FROM entries")));
        // count(*) walks the smallest index once; afterwards the exclusive writer keeps the count exact.
        size = queryLong("SELECT count(*) FROM entries");
        epoch = readState(EPOCH_KEY).orElse("");
        ownNodeId = readState(dev.logmesh.internal.log.Log.NODE_ID_KEY).orElse("");
        committedAdded = lastAdded;
        skippedAdded = parseSkipped(readState(SKIPPED_ADDED_KEY).orElse(""));
    }

    /**
     * Reads {@link #SKIPPED_ADDED_KEY}'s value ({@code "after-upTo,after-upTo"}); a value that does not parse is
     * taken as none, logged (figures then count numbers there, as before session 33).
     */
    private long[] parseSkipped(String text) {
        if (text.isEmpty()) {
            return NO_SKIPPED;
        }
        String[] parts = text.split(",", -1);
        long[] out = new long[parts.length * 2];
        try {
            long prev = -1;
            for (int i = 0; i < parts.length; i++) {
                int dash = parts[i].indexOf('-');
                out[2 * i] = Long.parseLong(parts[i].substring(0, dash));
                out[2 * i + 1] = Long.parseLong(parts[i].substring(dash + 1));
                if (out[2 * i] <= prev || out[2 * i + 1] <= out[2 * i]) {
                    throw new NumberFormatException("ranges out of order");
                }
                prev = out[2 * i + 1];
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: its record of skipped added numbers (\"{}\") does not parse ({}): ignored; progress and "
                + "status figures count added numbers there", file, text, e.toString());
            return NO_SKIPPED;
        }
        return out;
    }

    /**
     * Records that the numbers in {@code (after, upTo]} were skipped (open, in its transaction: the caller commits).
     * Ranges that touch or overlap merge (a restart after a crash with no entry committed since skips from the same
     * number again).
     */
    private void recordSkipped(long after, long upTo) throws SQLException {
        if (upTo <= after) {
            return;
        }
        skippedAdded = SkippedRanges.add(skippedAdded, after, upTo);
        putState(SKIPPED_ADDED_KEY, SkippedRanges.text(skippedAdded));
    }

    @Override
    public long[] skippedAdded() {
        requireOpen();
        return skippedAdded.clone();
    }

    /**
     * Opens the store in {@code file}, creating it if the file does not exist.
     *
     * @throws StoreException naming the file if it is in use (a {@link dev.logmesh.StoreInUseException}), not a
     *     logmesh store, too new, corrupt, or cannot be opened; the file is then left as it was
     */
    public static SqliteStore open(Path file, Options options) {
        Objects.requireNonNull(options, "options");
        Path path = file.toAbsolutePath();
        Path lockPath = lockPath(path);
        if (!OPEN_IN_THIS_JVM.add(lockPath)) {
            // said as what it is: this process (before session 29: "in use by another logmesh process (this one: the
            // store is already open in this JVM)", which named neither the mistake nor what to do)
            throw new dev.logmesh.StoreInUseException(path + " is in use in this JVM (another node or store on the "
                + "same data directory is open, or not closed yet): close it first (MeshNode.close returns once its "
                + "log is closed), or give this one a data directory of its own");
        }
        try {
            return open(path, lockPath, options);
        } catch (RuntimeException e) {
            OPEN_IN_THIS_JVM.remove(lockPath);
            throw e;
        }
    }

    /** The lock file's path with symbolic links in the directory resolved, so two spellings share one key. */
    private static Path lockPath(Path path) {
        Path name = Path.of(path.getFileName() + ".lock");
        try {
            return path.getParent().toRealPath().resolve(name);
        } catch (IOException e) {
            throw new StoreException("cannot open " + path + ": its directory is not usable (" + e + ")", e);
        }
    }

    private static SqliteStore open(Path path, Path lockPath, Options options) {
        requireWritable(path);
        FileChannel channel;
        FileLock lock;
        boolean lockExisted = Files.exists(lockPath);
        try {
            channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreException("cannot open lock file " + lockPath + " of " + path + ": " + e.getMessage(), e);
        }
        try {
            lock = lockToWrite(channel, lockPath);
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StoreException("cannot lock " + lockPath + " of " + path + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            closeQuietly(channel);
            if (probeLock(lockPath).readers()) {
                // before (disk40) named the pid the lock file still held: the node that ran before the reader
                throw new dev.logmesh.StoreInUseException(path + " is in use by a reader: logmesh log or logmesh peers "
                    + "reads it on a full disk and holds its lock " + lockPath + " shared meanwhile (no node may "
                    + "write it then); start this once the reader has ended, or free some space first");
            }
            long holder = runningHolder(lockPath);
            throw new dev.logmesh.StoreInUseException(path + " is in use by another logmesh process ("
                + (holder > 0 ? "pid " + holder + " holds the lock " + lockPath : "lock " + lockPath + " is held")
                + "): stop that process (the node of this directory, or a logmesh add), or give this one a data"
                + " directory of its own");
        }
        writeLockHolder(channel, lockPath);
        Connection conn = null;
        // Looked at under the lock, so a store being created by its owner is reported as in use, not empty.
        boolean existed = Files.exists(path);
        boolean clockExisted = Files.exists(Path.of(path + CLOCK_FILE_SUFFIX));
        try {
            if (existed && Files.isDirectory(path)) {
                throw new StoreException(path + " is a directory, not a logmesh store");
            }
            if (existed) {
                requireSqliteFile(path);
            }
            requireOwnWal(path);
            SQLiteConfig config = new SQLiteConfig();
            // sqlite-jdbc otherwise runs (and prepares anew) "SELECT last_insert_rowid()" after every INSERT;
            // that doubled the cost of add. The store assigns its keys itself.
            config.setGetGeneratedKeys(false);
            // SQLite's own lock around every call on the connection (each bind, step, column read) is not needed:
            // sqlite-jdbc serializes every native call of a connection on its NativeDB object (synchronized), and
            // this store hands the connection between its owner and its write-behind thread through a Future
            config.setOpenMode(org.sqlite.SQLiteOpenMode.NOMUTEX);
            conn = config.createConnection("jdbc:sqlite:" + path);
            SqliteStore store = new SqliteStore(path, lockPath, channel, lock, conn);
            store.init(options);
            return store;
        } catch (SQLException | IOException | RuntimeException e) {
            if (conn != null) {
                try {
                    conn.close();
                } catch (SQLException ignored) {
                    // the open failure is what matters
                }
            }
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            if (!existed) {
                // a store that could not be made (a full disk, a directory it cannot write) leaves nothing behind:
                // an empty or half-made log.db would be refused at every later start, the disk freed or not
                removeUnmade(path, clockExisted, e);
                if (!lockExisted) {
                    // nor the lock file this open made (before, disk40, a 0-byte log.db.lock was left by each start
                    // refused for a full disk); removed while still held, so no other open took it meanwhile
                    try {
                        Files.deleteIfExists(lockPath);
                    } catch (IOException | RuntimeException removing) {
                        e.addSuppressed(removing);
                    }
                }
            }
            closeQuietly(channel);
            if (e instanceof StoreException se) {
                throw se;
            }
            if (e instanceof SQLException se) {
                throw openFailure(path, se);
            }
            if (e instanceof IOException io) {
                throw new StoreException("cannot read " + path + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    /** The first 16 bytes of every SQLite database file. */
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The least an SQLite database file holds: one page of the smallest size. */
    private static final int MIN_SQLITE_FILE = 512;

    /**
     * Refuses an existing file that SQLite would take for a new, empty database or misread: one shorter than a page
     * (a log cut short: 0 bytes, or less than SQLite's 512), or one that does not start with SQLite's header. A log
     * truncated to one byte was opened as a new store (its entries lost without a word, session 29: SQLite counts
     * a file shorter than its header as empty); before session 28 so was an empty one.
     */
    private static void requireSqliteFile(Path path) throws IOException {
        long size = Files.size(path);
        byte[] head = new byte[SQLITE_MAGIC.length];
        int n = 0;
        try (java.io.InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        boolean prefix = java.util.Arrays.equals(head, 0, n, SQLITE_MAGIC, 0, n);
        if (size == 0) {
            // what SQLite would make a new store of, but an existing one may be a log that was truncated
            throw new StoreException(path + " is empty (0 bytes): a log cut short, not a logmesh store; "
                + damagedRemedy(path));
        }
        if (!prefix) {
            throw new StoreException(path + " is not a logmesh store: not an SQLite database (its first bytes are "
                + "not SQLite's header); " + damagedRemedy(path));
        }
        if (size < MIN_SQLITE_FILE) {
            throw new StoreException(path + " is a damaged logmesh store: cut short to " + size
                + (size == 1 ? " byte" : " bytes") + " (an SQLite database holds at least " + MIN_SQLITE_FILE + "); " + damagedRemedy(path));
        }
    }

    /**
     * What to do about a {@code log.db} that is damaged or not a store at all: the one wording every such refusal
     * ends with (open, the reader, {@code logmesh node}, {@code add} and {@code log} alike). Before (session 28) a
     * text file in its place was "not a logmesh store: not an SQLite database" with nothing to do, and a corrupt
     * one "restore it from a backup or a peer", without how.
     */
    static String damagedRemedy(Path path) {
        Path name = path.getFileName();
        return "restore " + name + " from a backup, or move it (and any " + name + "-wal beside it) out of "
            + path.getParent() + " and start again: a new log is made there, and a node takes the mesh's actions "
            + "again from its peers (what only this node held is lost)";
    }

    /**
     * Refuses a {@code -wal} file that belongs to another log, before a writer opens the store (its close would copy
     * the WAL into the file for good): one that, applied, changes the node id the file alone holds. SQLite checks a
     * WAL's own checksums, not that it was written for this file; a break28 trial put another log's WAL beside
     * {@code log.db}: the node ran as the other log's node id over this log's entries, with no word but "log.db.clock
     * belongs to another log", and its close failed with "database disk image is malformed". A foreign WAL that does
     * not touch the node id is not found.
     */
    private static void requireOwnWal(Path path) throws SQLException, IOException {
        Path wal = Path.of(path + "-wal");
        if (!Files.exists(path) || Files.size(path) == 0 || !Files.exists(wal) || Files.size(wal) == 0) {
            return;
        }
        String alone = probeNodeId("jdbc:sqlite:" + path.toUri() + "?immutable=1");
        if (alone == null) {
            return;
        }
        String withWal = probeNodeId("jdbc:sqlite:" + path);
        if (withWal != null && !withWal.equals(alone)) {
            throw new StoreException(wal + " belongs to another log: with it, this log's node id " + alone
                + " would become " + withWal + " (a -wal file copied from another directory?); move it aside (this "
                + "log loses only what its own last run had not yet written into " + path.getFileName() + ", which "
                + "peers send again) and start again");
        }
    }

    /** The node id a read-only connection sees in a store, or null when it has none or cannot be read. */
    private static String probeNodeId(String url) {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = config.createConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT value FROM state WHERE key = 'nodeId'")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Object value = rs.getObject(1);
                return value instanceof byte[] b ? NodeKey.decode(b) : rs.getString(1);
            }
        } catch (SQLException | RuntimeException e) {
            return null; // no state table yet, or unreadable: the open itself says what is wrong
        }
    }

    /**
     * How long (ms) an open waits for a lock that no running process holds to write, at most: another process's
     * {@link #lockState} probe (a {@code logmesh status} or {@code peers} of this directory) takes the lock for the
     * microseconds of two {@code tryLock} calls, longer only when that process is descheduled between them.
     */
    static final long PROBE_GRACE_MILLIS = 2_000;

    /**
     * Takes the lock file's lock to write, or null when another process holds it. A lock held while the file names no
     * running process (the pid of the node that ran before, or none) is a probe's ({@link #probeLock}) or a reader's:
     * tried again every 5 ms for up to {@link #PROBE_GRACE_MILLIS}; a lock held while the file names a running process
     * is refused at once. Before (session 41) a node or {@code logmesh add} started while a {@code logmesh status}
     * of the same directory probed the lock was refused as "in use by another logmesh process".
     *
     * @throws OverlappingFileLockException when this JVM holds the lock
     */
    private static FileLock lockToWrite(FileChannel channel, Path lockPath) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_GRACE_MILLIS);
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (runningHolder(lockPath) > 0 || System.nanoTime() - deadline >= 0) {
                return null;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * Writes this process's pid into the lock file it holds, so that a second process refused the lock can name the
     * one to stop (before, session 28, "lock ... is held" named none). A failure costs only that name.
     */
    private static void writeLockHolder(FileChannel channel, Path lockPath) {
        try {
            // written over the old pid first, then cut to it: a file of a pid already has its block, so a full disk
            // still takes it (before, disk40, truncate(0) gave the block back first and the write then found no room:
            // a running node's lock file was empty, and nothing could tell its pid)
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            channel.write(java.nio.ByteBuffer.wrap(pid), 0);
            channel.truncate(pid.length);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot write this process's pid into {}: {}", lockPath, e.toString());
        }
    }

    /**
     * Who holds the lock of a store as another process sees it ({@link #lockState}).
     *
     * @param held    a process holds it to write: a node or {@code logmesh add} has the store open
     * @param readers only readers hold it, shared ({@code logmesh log} or {@code logmesh peers} on a full disk)
     * @param pid     the pid the lock file names while {@code held} (the process that took it), 0 when it names none
     */
    public record LockState(boolean held, boolean readers, long pid) {
        static final LockState FREE = new LockState(false, false, 0);
    }

    /**
     * Who holds the lock of the store at {@code file} now, probed without taking it for long: a lock this JVM holds
     * counts as held by this process. {@code logmesh status} asks it when a node's status file is missing or stale
     * (a node on a full disk cannot write it), and a refused open says by it whether a reader holds the store. Any
     * thread; never throws ({@link LockState#FREE} when the lock file cannot be looked at).
     */
    public static LockState lockState(Path file) {
        Path lockPath;
        try {
            lockPath = lockPath(file.toAbsolutePath());
        } catch (StoreException e) {
            return LockState.FREE;
        }
        if (OPEN_IN_THIS_JVM.contains(lockPath)) {
            return new LockState(true, false, ProcessHandle.current().pid());
        }
        return probeLock(lockPath);
    }

    /** {@link #lockState} of a lock file this JVM does not hold to write. */
    private static LockState probeLock(Path lockPath) {
        if (!Files.exists(lockPath)) {
            return LockState.FREE;
        }
        // POSIX drops all of this process's locks on the file when any descriptor of it closes: none is held here
        try (FileChannel probe = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock whole = probe.tryLock();
            if (whole != null) {
                whole.release();
                return LockState.FREE;
            }
            FileLock shared = probe.tryLock(0, Long.MAX_VALUE, true);
            if (shared != null) {
                shared.release();
                return new LockState(false, true, 0);
            }
            return new LockState(true, false, runningHolder(lockPath));
        } catch (IOException | RuntimeException e) {
            return LockState.FREE;
        }
    }

    /**
     * The pid written into a held lock file when it names a running process other than this one, else 0: the file
     * keeps the pid of the last process that took the lock to write, and one that ended (or this JVM, which holds no
     * lock of it: {@link #OPEN_IN_THIS_JVM}) holds nothing now.
     */
    private static long runningHolder(Path lockPath) {
        long pid = lockHolder(lockPath);
        return pid > 0 && pid != ProcessHandle.current().pid()
            && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : 0;
    }

    /** The pid written into a held lock file, or 0 when there is none (a lock taken by an older logmesh). */
    private static long lockHolder(Path lockPath) {
        try {
            byte[] b = Files.readAllBytes(lockPath);
            String text = new String(b, 0, Math.min(b.length, 32), java.nio.charset.StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,18}") ? Long.parseLong(text) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Refuses a store whose directory (or existing file) this process cannot write, saying why and what to do: a
     * read-only file system, or permissions and the immutable attribute. Before (session 28) each case failed in its
     * own words, none saying what to do: "cannot open lock file ...: Read-only file system", "... Operation not
     * permitted", or "the file cannot be written ([SQLITE_CANTOPEN] ...)" of a file that could be written, in a
     * directory that could not (SQLite writes its WAL and index beside the file).
     */
    private static void requireWritable(Path path) {
        Path dir = path.getParent();
        Path unwritable = !Files.isWritable(dir) ? dir : Files.exists(path) && !Files.isWritable(path) ? path : null;
        if (unwritable == null) {
            return;
        }
        boolean readOnly;
        try {
            readOnly = Files.getFileStore(unwritable).isReadOnly();
        } catch (IOException | RuntimeException e) {
            readOnly = false;
        }
        String what = unwritable.equals(dir) ? "its directory " + dir : "the file";
        throw new StoreException("cannot open " + path + ": " + what + " cannot be written by this process ("
            + (readOnly ? "a read-only file system: remount it read-write, or copy the directory elsewhere"
                : "its permissions, owner or immutable attribute: fix them (ls -ld, lsattr -d), or run as its owner")
            + "); a store writes its lock, WAL and side files beside the file; `logmesh log` reads it as it is");
    }

    /** Deletes what an open that failed made of a new store (under its lock): the file, its WAL and side files. */
    private static void removeUnmade(Path path, boolean keepClock, Exception cause) {
        for (String suffix : keepClock ? List.of("-wal", "-shm", "-journal", "")
            : List.of("-wal", "-shm", "-journal", CLOCK_FILE_SUFFIX, "")) {
            try {
                Files.deleteIfExists(Path.of(path + suffix));
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private static StoreException openFailure(Path path, SQLException e) {
        if (isDiskFull(e, path)) {
            // "goes on as soon as space is freed" is said of an open store; one that did not open is opened again
            return new StoreException("cannot open " + path + ": the disk is full (" + e.getMessage()
                + "); free some space and open it again", e);
        }
        if (e instanceof SQLiteException se) {
            SQLiteErrorCode code = se.getResultCode();
            if (code == SQLiteErrorCode.SQLITE_NOTADB) {
                return new StoreException(path + " is not a logmesh store: not an SQLite database; "
                    + damagedRemedy(path), e);
            }
            if (code == SQLiteErrorCode.SQLITE_CORRUPT) {
                return new StoreException(path + " is a corrupt logmesh store (" + e.getMessage() + "); "
                    + damagedRemedy(path), e);
            }
        }
        return new StoreException("cannot open " + path + ": " + describe(e, path), e);
    }

    /** The store's file. */
    public Path file() {
        return file;
    }

    // ---- opening ------------------------------------------------------------------------------------------

    private void init(Options options) throws SQLException {
        // Look before writing anything: the pragmas below (WAL) would modify a foreign file.
        int appId = pragmaInt("application_id");
        int version = pragmaInt("user_version");
        int objects = queryInt("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
        boolean fresh = appId == 0 && version == 0 && objects == 0;
        if (!fresh) {
            if (appId != APPLICATION_ID) {
                throw new StoreException(file + " is not a logmesh store: an SQLite database of another application"
                    + " (application_id 0x" + Integer.toHexString(appId) + ", " + objects + " schema objects); "
                    + damagedRemedy(file));
            }
            if (version > SCHEMA_VERSION) {
                throw new StoreException(file + " was written by a newer logmesh (schema " + version
                    + "), this one reads up to " + SCHEMA_VERSION);
            }
            if (version < 1) {
                throw new StoreException(file + " is not a complete logmesh store (schema version " + version + "); "
                    + damagedRemedy(file));
            }
            if (options.checkOnOpen()) {
                integrityCheck();
            }
            List<String> tables = new ArrayList<>(List.of("entries", "seen", "reasons", "state", "counters"));
            if (version >= 2) {
                tables.addAll(List.of("nodes", "quarantine"));
            }
            if (version < 3) {
                tables.add("cursors");
            }
            if (version >= 4) {
                tables.add("clients");
            }
            if (version >= 5) {
                tables.add("quarantine_seen");
            }
            for (String table : tables) {
                if (queryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'")
                    != 1) {
                    throw new StoreException(file + " is a corrupt logmesh store: table " + table + " is missing; "
                        + damagedRemedy(file));
                }
            }
        }
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode = WAL")) {
                if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
                    throw new StoreException("cannot switch " + file + " to WAL mode");
                }
            }
            boolean inline = options.durability() == Durability.FULL_INLINE;
            // FULL too: the writer thread fsyncs the WAL for groups of commits (see the class docs)
            st.execute("PRAGMA synchronous = " + (inline ? "FULL" : "NORMAL"));
            st.execute("PRAGMA cache_size = -" + CACHE_KIB);
            // checkpoints run on the writer thread (WalWriter), so the loop never copies the WAL
            st.execute("PRAGMA wal_autocheckpoint = " + (inline ? CHECKPOINT_PAGES : 0));
            // a WAL that starts again from its beginning is cut back to the bound in its first commit (see boundWal)
            st.execute("PRAGMA journal_size_limit = " + WalWriter.WAL_BOUND_BYTES);
        }
        durabilityMode = options.durability();
        conn.setAutoCommit(false);
        if (fresh) {
            createSchema();
        } else if (version < SCHEMA_VERSION) {
            upgrade(version);
        } else if (options.checkOnOpen()) {
            checkSeen();
        }
        loadCounters();
        conn.commit();
        goneTable = createGone();
        try {
            openClockFile();
        } catch (IOException | SQLException | RuntimeException e) {
            if (clockFile != null) {
                try {
                    clockFile.close();
                } catch (IOException ignored) {
                    // the open failure is what matters
                }
            }
            if (e instanceof IOException io) {
                throw new StoreException("cannot use " + file + CLOCK_FILE_SUFFIX + " (the clock file of " + file
                    + "): " + io.getMessage(), io);
            }
            if (e instanceof SQLException se) {
                throw se;
            }
            throw (RuntimeException) e;
        }
        durability = new DurabilityQueue(lastAdded);
        sideMarkAskedNanos = System.nanoTime(); // the open wrote the side file
        if (durabilityMode == Durability.FULL_INLINE) {
            return;
        }
        try {
            writer = new WalWriter(file, durabilityMode == Durability.FULL, NEXT_SYNC.get(), durability,
                this::writeSideAsked);
        } catch (IOException e) {
            try {
                clockFile.close();
            } catch (IOException ignored) {
                // the open failure is what matters
            }
            throw new StoreException("cannot start the writer of " + file + ": " + e.getMessage(), e);
        }
        try {
            walFile = FileChannel.open(file.resolveSibling(file.getFileName() + "-wal"), StandardOpenOption.READ);
        } catch (IOException e) {
            LOG.warn("{}: cannot watch the size of its WAL ({}); the WAL is not bounded", file, e.toString());
        }
    }

    /**
     * Opens the side file and compares it with the database: a database whose {@code lastAdded} is below the mark
     * the side file recorded for the same epoch lost transactions it had committed. See the class docs.
     */
    private void openClockFile() throws IOException, SQLException {
        clockFile = ClockFile.open(Path.of(file + CLOCK_FILE_SUFFIX));
        ClockFile.State side = clockFile.read();
        if (side != null && side.epoch().equals(epoch)) {
            clockReservation = side.reserved();
            if (side.lastAdded() <= lastAdded && side.addedReserved() > lastAdded) {
                // Entries numbered up to the reservation may have been sent to peers before they were durable and
                // then lost (a power loss): their numbers are never given to other entries.
                // Not written to the database (an open must work on a full disk): the side file keeps the
                // reservation at least this high until an entry numbered above it is committed.
                LOG.info("{}: added numbers continue after its reservation {} (last added {}): the last run may have "
                    + "sent entries up to it to peers before they were durable", file, side.addedReserved(), lastAdded);
                long before = lastAdded;
                lastAdded = side.addedReserved();
                // the skipped numbers are recorded (progress and status count entries, not numbers) if the disk
                // takes it; an open on a full disk goes on without (those figures then count the numbers there)
                try {
                    recordSkipped(before, lastAdded);
                    conn.commit();
                } catch (SQLException e) {
                    LOG.debug("{}: cannot record the skipped added numbers {}-{}: {}", file, before, lastAdded,
                        e.toString());
                    recover(e);
                }
            }
            if (side.lastAdded() > lastAdded) {
                lossAtOpen = file + " lost transactions it had committed: its last added number was at least "
                    + side.lastAdded() + " and is now " + lastAdded + " (a -wal file lost after a crash, or the "
                    + "database file restored from a backup without " + clockFile.path().getFileName() + "?). "
                    + "Added numbers continue after " + side.lastAdded() + ", the log takes a new epoch so that "
                    + "peers drop their cursors for it, and what peers hold comes back from them.";
                LOG.warn(lossAtOpen);
                long before = lastAdded;
                lastAdded = Math.max(side.lastAdded(), side.addedReserved());
                recordSkipped(before, lastAdded);
                setCounter("lastAdded", lastAdded);
                committedAdded = lastAdded;
                epoch = Store.newEpoch();
                putState(EPOCH_KEY, epoch);
                conn.commit();
            }
        } else if (side != null) {
            LOG.warn("{} belongs to another log (epoch {}, this log's is {}): ignored and rewritten",
                clockFile.path(), side.epoch(), epoch);
        } else if (lastAdded > 0 && !readOnly) {
            // a log with entries always has its side file: a breaker's run found a deleted, emptied or garbled one
            // taken as absent without a word, and with it the guard against ids and added numbers used again
            LOG.warn("{} is {}: ignored and rewritten; the clock starts after the newest id in the log, and ids or "
                + "added numbers the last run gave out without committing them (a crash) may be given out again",
                clockFile.path(), clockFile.noRecord());
        }
        writeClockFile();
    }

    /**
     * Rewrites the side file (loop thread) with the current clock reservation, the committed {@code lastAdded} and
     * the epoch, and (FULL) raises the {@code added} reservation to {@link #ADDED_RESERVE_AHEAD} past
     * {@code lastAdded} on the way: the fsync is paid anyway.
     */
    private void writeClockFile() throws IOException {
        writeClockFile(clockReservation);
    }

    /** As {@link #writeClockFile()}, with the clock reservation {@code clock} (loop thread). */
    private void writeClockFile(long clock) throws IOException {
        long ahead = durabilityMode == Durability.FULL ? lastAdded + ADDED_RESERVE_AHEAD : lastAdded;
        writeSide(clock, committedAdded, Math.max(addedReservation, ahead));
    }

    /** Writes the side file and waits for the disk; then what it says holds (any thread). */
    private void writeSide(long clock, long mark, long addedReserved) throws IOException {
        synchronized (sideLock) {
            long m = Math.max(mark, sideLastAdded);
            clockFile.write(new ClockFile.State(clock, m, addedReserved, epoch));
            clockReservation = clock;
            sideLastAdded = m;
            sideWrittenNanos = System.nanoTime();
            addedReservation = addedReserved;
        }
    }

    /**
     * Raises the side file's clock reservation, {@code added} reservation and {@code added} mark to at least these
     * values (the writer thread, asked by {@link #reserveClockAhead}, after a group commit once half of the
     * {@code added} reservation is used, and after commits for the mark): one write and one fsync for all three,
     * off the loop.
     */
    private void writeSideAsked(long clock, long added, long mark) throws IOException {
        synchronized (sideLock) {
            long c = Math.max(clockReservation, clock);
            long r = Math.max(addedReservation, added);
            long m = Math.max(sideLastAdded, mark);
            if (c != clockReservation || r != addedReservation || m != sideLastAdded) {
                writeSide(c, m, r);
            }
        }
    }

    /**
     * A step run in the upgrade's transaction just before its commit, for tests that play a crash halfway
     * (package-private); null otherwise.
     */
    static volatile Runnable upgradeFault;

    /**
     * Upgrades a version 1 to 5 file to the current version in one transaction (a failure or a crash leaves the
     * file as it was): from 1, see {@link #upgradeFrom1}; from 2, {@code seen} keeps only the ids that are not in
     * {@code entries} (the log's own ids are in its {@code entries_created} index already), and the rows of table
     * {@code cursors} move into {@code nodes} (a scan of {@code seen} with a look-up of each id); from 3, the empty
     * table {@code clients} (no client has a record: each starts from 0 once, see {@link #clientCursor}); from 4,
     * {@link #upgradeFrom4}; from 5, {@link #upgradeFrom5}.
     */
    private void upgrade(int version) throws SQLException {
        long started = System.nanoTime();
        long dropped = 0;
        long implicitRows = 0;
        try {
            if (version < 2) {
                upgradeFrom1();
            }
            try (Statement st = conn.createStatement()) {
                if (version < 3) {
                    dropped = upgradeFrom2(st);
                }
                if (version < 4) {
                    createClients(st);
                }
                if (version < 5) {
                    upgradeFrom4(st);
                }
                implicitRows = upgradeFrom5(st);
                st.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            }
            Runnable fault = upgradeFault;
            if (fault != null) {
                fault.run();
            }
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                conn.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        LOG.info("{} upgraded from schema {} to {} in {} ms ({} ids of the log's entries left seen, {} rows of reason "
            + "{} dropped from the reasons index)", file, version, SCHEMA_VERSION, (System.nanoTime() - started)
            / 1_000_000, dropped, implicitRows, IMPLICIT_REASON);
    }

    /**
     * The step from version 5 to version 6, in the upgrade's transaction: the rows of {@link #IMPLICIT_REASON} leave
     * table {@code reasons} (one range delete of the table's {@code mesh} keys; the entries' {@code reasons} columns
     * already say which entries have it). Returns how many rows went. {@link #downgrade} puts them back.
     */
    private static long upgradeFrom5(Statement st) throws SQLException {
        return st.executeUpdate("DELETE FROM reasons WHERE reason = '" + IMPLICIT_REASON + "'");
    }

    /** The schema {@link #downgrade} writes: the last one with index rows for every reason. */
    public static final int DOWNGRADE_VERSION = 5;

    /**
     * What {@link #downgrade} did.
     *
     * @param file   the store file (absolute)
     * @param from   the schema version it had: {@link #SCHEMA_VERSION}, or {@link #DOWNGRADE_VERSION} or below when it
     *               was left as it was
     * @param rows   the rows of {@link #IMPLICIT_REASON} written back into table {@code reasons} (0 when left as
     *               it was)
     * @param millis how long the call took, ms (the open's check included)
     */
    public record Downgrade(Path file, int from, long rows, long millis) {
        /** Whether the file was rewritten (false: it was at {@link SqliteStore#DOWNGRADE_VERSION} or below already). */
        public boolean changed() {
            return from > DOWNGRADE_VERSION;
        }
    }

    /**
     * Rewrites a schema 6 store in schema 5 ({@link #DOWNGRADE_VERSION}), the last schema that a logmesh built before
     * schema 6 opens (such a logmesh refuses a schema 6 file as "written by a newer logmesh"): in one transaction, a
     * row of table {@code reasons} for each entry whose {@code reasons} column holds {@link #IMPLICIT_REASON} (read as
     * every read of the store reads it: {@link #IMPLICIT_REASON_FILTER}, then the parsed reasons), and
     * {@code user_version} 5. Nothing else changes (entries, seen ids, cursors, the epoch and the side file stay), so
     * the file then reads in schema 5 exactly as it read in 6; this code upgrades it again at its next open. A file at
     * schema 5 or below is left as it is (not even opened for writing).
     *
     * <p>The file is opened as {@link #open} opens it, with its lock and its check ({@code integrity_check}), so a
     * file in use (its node runs, or a {@code logmesh add}) is refused with {@link dev.logmesh.StoreInUseException},
     * and a damaged or foreign file as at a node's start; a failure (a full disk) rolls back and leaves the file as it
     * was. Calling thread; blocks for about as long as a node's start on the same file, plus one scan of the entries.
     *
     * @param file the store file ({@code log.db} of a data directory)
     * @return what was done
     * @throws StoreException when the file is missing, not a logmesh store, newer than this code, corrupt, in use, or
     *                        cannot be written
     */
    public static Downgrade downgrade(Path file) {
        long started = System.nanoTime();
        Path path = file.toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new StoreException("no logmesh store at " + path);
        }
        int found;
        try (SqliteStore reader = openReader(path, false)) {
            found = reader.versionFound;
        }
        if (found <= DOWNGRADE_VERSION) {
            return new Downgrade(path, found, 0, (System.nanoTime() - started) / 1_000_000);
        }
        long rows;
        try (SqliteStore store = open(path, new Options(Durability.FULL_INLINE, true))) {
            try {
                rows = store.write("downgrade", store::writeImplicitRows);
            } catch (StoreException e) {
                // the store's own account ("...; the store goes on as soon as space is freed") is of a running
                // store; this call has ended, and its caller has to run it again
                throw new StoreException("cannot downgrade " + path + ": " + reason(e, path) + "; nothing of the "
                    + "downgrade was written (the file is in schema " + found + " as it was): run it again once that "
                    + "is fixed", e);
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.info("{} downgraded from schema {} to {} in {} ms ({} rows of reason {} written back)", path, found,
            DOWNGRADE_VERSION, millis, rows, IMPLICIT_REASON);
        return new Downgrade(path, found, rows, millis);
    }

    /**
     * {@link #downgrade}'s transaction: the index rows of {@link #IMPLICIT_REASON} and {@code user_version} 5. The
     * store must be closed right after: it still takes itself for schema 6.
     */
    private long writeImplicitRows() throws SQLException {
        org.sqlite.Function.create(conn, "logmesh_has_implicit", new org.sqlite.Function() {
            @Override
            protected void xFunc() throws SQLException {
                boolean has;
                try {
                    has = parseReasons(value_text(0)).contains(IMPLICIT_REASON);
                } catch (IllegalArgumentException | NullPointerException e) {
                    has = false; // a row whose reasons do not parse is quarantined at its first read, in any schema
                }
                result(has ? 1 : 0);
            }
        });
        try (Statement st = conn.createStatement()) {
            long rows = st.executeUpdate("INSERT OR IGNORE INTO reasons (reason, added) SELECT '" + IMPLICIT_REASON
                + "', e.added FROM entries e WHERE " + IMPLICIT_REASON_FILTER + " AND logmesh_has_implicit(e.reasons)");
            st.execute("PRAGMA user_version = " + DOWNGRADE_VERSION);
            return rows;
        } finally {
            org.sqlite.Function.destroy(conn, "logmesh_has_implicit");
        }
    }

    /**
     * The step from version 4 to version 5, in the upgrade's transaction: the checksum of each {@code seen} row,
     * computed from the row as found (trusted once, then checked at every open: {@link #checkSeen}), and the table
     * {@code quarantine_seen}.
     */
    private void upgradeFrom4(Statement st) throws SQLException {
        org.sqlite.Function.create(conn, "logmesh_seen_crc", new org.sqlite.Function() {
            @Override
            protected void xFunc() throws SQLException {
                result(seenCrc(seenKey(value_long(0), value_blob(1), value_long(2))));
            }
        });
        try {
            st.execute("ALTER TABLE seen ADD COLUMN crc INTEGER");
            st.execute("UPDATE seen SET crc = logmesh_seen_crc(ms, node, seq)");
            createSeenQuarantine(st);
        } finally {
            org.sqlite.Function.destroy(conn, "logmesh_seen_crc");
        }
    }

    /** The step from version 2 to version 3, in the upgrade's transaction; the number of ids that left {@code seen}. */
    private long upgradeFrom2(Statement st) throws SQLException {
        long dropped = st.executeUpdate("DELETE FROM seen WHERE EXISTS (SELECT 1 FROM entries e WHERE e.ms = seen.ms "
            + "AND e.node = seen.node AND e.seq = seen.seq)");
        st.execute("ALTER TABLE nodes ADD COLUMN received INTEGER");
        st.execute("ALTER TABLE nodes ADD COLUMN sent INTEGER");
        Map<String, PeerCursor> cursors = new HashMap<>();
        try (ResultSet rs = st.executeQuery("SELECT peer, received, sent FROM cursors")) {
            while (rs.next()) {
                cursors.put(rs.getString(1), new PeerCursor(rs.getLong(2), rs.getLong(3)));
            }
        }
        for (Map.Entry<String, PeerCursor> c : cursors.entrySet()) {
            putCursor(c.getKey(), c.getValue());
        }
        st.execute("DROP TABLE cursors");
        return dropped;
    }

    /**
     * Creates table {@code gone} (the gone marks, {@link #addGone}) and its index by time if the file lacks them, in
     * its own transaction: a file of any version gets them at its first open by this code (the schema version stays,
     * an older logmesh opens the file as it did and ignores the table). A cache, not the log: if it cannot be created
     * (a full disk), the open goes on without it, logged, and no marks are kept.
     *
     * @return whether the table is there
     */
    private boolean createGone() {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS gone (peer BLOB NOT NULL, ms INTEGER NOT NULL, node BLOB NOT NULL, "
                + "seq INTEGER NOT NULL, PRIMARY KEY (peer, ms, node, seq))");
            st.execute("CREATE INDEX IF NOT EXISTS gone_ms ON gone (ms)");
            conn.commit();
            return true;
        } catch (SQLException e) {
            try {
                conn.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            LOG.warn("{}: cannot create table gone ({}): peers' gone answers are not kept across restarts", file,
                describe(e, file));
            return false;
        }
    }

    /** The table of schema 4: client cursors, and the index that finds the least recently written. */
    private static void createClients(Statement st) throws SQLException {
        st.execute("CREATE TABLE clients (client TEXT PRIMARY KEY, acked INTEGER NOT NULL, used INTEGER NOT NULL)"
            + " WITHOUT ROWID");
        st.execute("CREATE INDEX clients_used ON clients (used)");
    }

    /**
     * The step from version 1 to version 2, in the upgrade's transaction: checksums computed from the rows as they
     * are (trusted once; a row whose action does not parse gets none, so that every row with a checksum holds checked
     * text: reads do not parse actions again, see {@link StoredActions}), the per-node marks from {@code seen} (which
     * holds every id in version 1), the quarantine table, an epoch.
     */
    private void upgradeFrom1() throws SQLException {
        org.sqlite.Function.create(conn, "logmesh_crc", new org.sqlite.Function() {
            @Override
            protected void xFunc() throws SQLException {
                try {
                    StoredActions.parse(new String(value_blob(8), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException | NullPointerException e) {
                    result(); // no checksum: the row is quarantined at its first read, as any row without one
                    return;
                }
                result(rowCrc(value_long(0), value_long(1), value_blob(2), value_long(3), value_long(4),
                    value_int(5), value_blob(6), value_type(7) == 5 ? null : value_blob(7), value_blob(8)));
            }
        });
        try (Statement st = conn.createStatement()) {
            st.execute("ALTER TABLE entries ADD COLUMN crc INTEGER");
            st.execute("UPDATE entries SET crc = logmesh_crc(added, ms, node, seq, time, subprotocol, reasons, "
                + "extra, action)");
            createVersion2Tables(st);
            st.execute("INSERT INTO nodes (node, ms) SELECT node, max(ms) FROM seen GROUP BY node");
        } finally {
            org.sqlite.Function.destroy(conn, "logmesh_crc");
        }
        putState(EPOCH_KEY, Store.newEpoch());
    }

    /** The tables version 2 added: {@code nodes} as version 2 has it, without the cursor columns of version 3. */
    private static void createVersion2Tables(Statement st) throws SQLException {
        st.execute("CREATE TABLE nodes (node BLOB PRIMARY KEY, ms INTEGER NOT NULL) WITHOUT ROWID");
        createQuarantine(st);
    }

    /** The table of schema 5 that keeps {@code seen} rows damaged beyond repair, as found ({@link #checkSeen}). */
    private static void createSeenQuarantine(Statement st) throws SQLException {
        st.execute("CREATE TABLE quarantine_seen (ms, node, seq, crc, problem TEXT NOT NULL)");
    }

    private static void createQuarantine(Statement st) throws SQLException {
        // Columns without types: a corrupt row is kept exactly as it was found.
        st.execute("CREATE TABLE quarantine (added INTEGER PRIMARY KEY, ms, node, seq, time, subprotocol, reasons, "
            + "extra, action, crc, problem TEXT NOT NULL)");
    }

    /**
     * The check at open: {@code PRAGMA integrity_check}, which is {@code quick_check} and also that each index holds
     * exactly the rows of its table. A file with any problem gets its indexes rebuilt from their tables
     * ({@code REINDEX}: an index holds nothing of its own) and is checked again: if that finds nothing, the file is
     * whole again, which is said once at WARN; otherwise the store is refused as corrupt, with the first check's
     * problems. A row whose own key columns were damaged (its index entry was right) then holds a key no id of the
     * log had: its checksum finds it at the first read, and it is quarantined as any corrupt row.
     *
     * <p>Before (break37) the check was {@code quick_check}, which does not compare an index with its table: a flipped
     * byte in a page of {@code entries_created} (an id, or the {@code added} it points to) passed it and every row's
     * checksum. Reads through that index then met another row's values under an id (a checksum failure) and
     * quarantined a sound row, the index entry left behind made every later read of the created order fail with
     * {@code SQLITE_CORRUPT}, and an id the index no longer held was not seen: a peer's copy was stored and applied a
     * second time. A flip that broke an index page's structure was refused as a corrupt store, though no row was lost.
     */
    private void integrityCheck() throws SQLException {
        String problems;
        try {
            List<String> found = integrityProblems();
            if (found.isEmpty()) {
                return;
            }
            problems = String.join("; ", found);
        } catch (SQLException e) {
            if (!isCorrupt(e)) {
                throw e;
            }
            problems = e.getMessage();
        }
        // in one transaction, rolled back unless the file is whole after it: a refused file is left as it was
        List<String> after;
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                st.execute("REINDEX");
                after = integrityProblems();
                if (!after.isEmpty() && after.stream().allMatch(p -> p.endsWith(" for seen"))) {
                    rebuildSeen(st);
                    after = integrityProblems();
                }
            } catch (SQLException e) {
                if (!isCorrupt(e)) {
                    rollbackQuietly(st);
                    throw e;
                }
                after = List.of(e.getMessage());
            }
            if (after.isEmpty()) {
                st.execute("COMMIT");
            } else {
                rollbackQuietly(st);
            }
        }
        if (!after.isEmpty()) {
            throw new StoreException(file + " is a corrupt logmesh store (" + problems + "); " + damagedRemedy(file));
        }
        LOG.warn("{}: its indexes did not match its tables ({}): rebuilt from the tables (a damaged page: check the "
            + "disk); a row the damage reached fails its checksum when read, and is quarantined as any corrupt row",
            file, problems);
    }

    /**
     * The check of {@code seen} at open (schema 5, in the open's transaction): each row's checksum ({@link #seenCrc}),
     * which no check of SQLite's can stand in for. {@code seen} holds the ids of cleaned actions (and of those added
     * without reasons), and only there: a byte changed in one of its keys (a bad sector, a bit flip) that leaves the
     * key in its place passes {@code integrity_check}, and the true id is then no longer seen, so a peer that still
     * holds the cleaned action gives it to the node again, which stores it and gives it to the application a second
     * time (break37, before session 38). A damaged row is repaired when one change of one byte of its id's values, or
     * of its checksum, makes it whole again and no other does ({@link #repairSeen}; a 32-bit checksum over some 30
     * bytes leaves about one chance in 500 000 of a wrong repair); otherwise it is moved, as found, to
     * {@code quarantine_seen}, and said at WARN with what it means, once. Reads every row of {@code seen}: some
     * 10-20% of {@code integrity_check}'s time.
     */
    private void checkSeen() throws SQLException {
        List<Object[]> damaged = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT ms, node, seq, crc FROM seen")) {
            while (rs.next()) {
                Object[] row = {rs.getObject(1), rs.getObject(2), rs.getObject(3), rs.getObject(4)};
                if (!seenRowWhole(row)) {
                    damaged.add(row);
                }
            }
        }
        for (Object[] row : damaged) {
            repairSeen(row);
        }
    }

    /** Whether a {@code seen} row as read ({@code ms, node, seq, crc}) has its shape and its checksum matches. */
    private static boolean seenRowWhole(Object[] row) {
        return row[0] instanceof Number m && row[1] instanceof byte[] n && row[2] instanceof Number q
            && row[3] instanceof Number c && seenCrc(seenKey(m.longValue(), n, q.longValue())) == c.longValue();
    }

    /** Repairs or sets aside a {@code seen} row whose checksum failed ({@link #checkSeen}, {@link #scrubSeen}), in the caller's write. */
    private void repairSeen(Object[] row) throws SQLException {
        String found = "ms " + row[0] + ", node " + (row[1] instanceof byte[] b ? printable(b) : row[1]) + ", seq "
            + row[2] + ", checksum " + row[3];
        byte[] key = row[0] instanceof Number m && row[1] instanceof byte[] n && row[2] instanceof Number q
            ? seenKey(m.longValue(), n, q.longValue()) : null;
        byte[] repaired = key != null && row[3] instanceof Number c ? repairedSeenKey(key, c.longValue()) : null;
        PreparedStatement del = ps("DELETE FROM seen WHERE ms = ? AND node = ? AND seq = ?");
        for (int i = 0; i < 3; i++) {
            del.setObject(i + 1, row[i]);
        }
        del.executeUpdate();
        if (repaired == null) {
            PreparedStatement q = ps("INSERT INTO quarantine_seen (ms, node, seq, crc, problem) "
                + "VALUES (?, ?, ?, ?, ?)");
            for (int i = 0; i < 4; i++) {
                q.setObject(i + 1, row[i]);
            }
            q.setString(5, "its checksum fails and no change of one byte repairs it");
            q.executeUpdate();
            LOG.warn("{}: a seen id (the id of a cleaned action, or of one added without reasons) is damaged beyond "
                + "repair ({}: a changed page: check the disk): moved to table quarantine_seen. If a peer still holds "
                + "the action of its true id, this node stores that action again and gives it to the application a "
                + "second time; its id is near this one (most of these values)", file, found);
            return;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(repaired);
        long ms = b.getLong();
        long seq = b.getLong();
        byte[] node = java.util.Arrays.copyOfRange(repaired, 16, repaired.length);
        PreparedStatement inLog = ps("SELECT 1 FROM entries WHERE ms = ? AND node = ? AND seq = ?");
        inLog.setLong(1, ms);
        inLog.setBytes(2, node);
        inLog.setLong(3, seq);
        boolean logged;
        try (ResultSet rs = inLog.executeQuery()) {
            logged = rs.next();
        }
        if (!logged) {
            PreparedStatement ins = ps("INSERT OR IGNORE INTO seen (ms, node, seq, crc) VALUES (?, ?, ?, ?)");
            ins.setLong(1, ms);
            ins.setBytes(2, node);
            ins.setLong(3, seq);
            ins.setLong(4, seenCrc(repaired));
            ins.executeUpdate();
        }
        if (java.util.Arrays.equals(repaired, key)) {
            // the id is whole, its checksum is what changed (before, verify38: said as a damaged id)
            LOG.warn("{}: the checksum of a seen id (the id of a cleaned action, or of one added without reasons) was "
                + "damaged ({}: a changed page: check the disk); the id is whole and its checksum written again: {} "
                + "{} {}{}", file, found, ms, printable(node), seq, logged ? " (an id of the log: the row is dropped)"
                : "");
            return;
        }
        LOG.warn("{}: a seen id (the id of a cleaned action, or of one added without reasons) was damaged ({}: a "
            + "changed page: check the disk) and is repaired from its checksum: {} {} {}{}", file, found, ms,
            printable(node), seq, logged ? " (an id of the log: the row is dropped)" : "");
    }

    /**
     * The one key that a change of one byte of {@code key} makes whole under {@code crc}, {@code key} itself when the
     * checksum alone differs in one byte (its own damage), or null when there is none or more than one.
     */
    static byte[] repairedSeenKey(byte[] key, long crc) {
        List<byte[]> found = new ArrayList<>();
        long computed = seenCrc(key);
        long diff = computed ^ crc;
        if (diff != 0 && Long.numberOfTrailingZeros(diff) / 8 == (63 - Long.numberOfLeadingZeros(diff)) / 8) {
            found.add(key.clone());
        }
        CRC32C c = new CRC32C();
        for (int at = 0; at < key.length && found.size() < 2; at++) {
            byte was = key[at];
            for (int v = 0; v < 256; v++) {
                if ((byte) v == was) {
                    continue;
                }
                key[at] = (byte) v;
                c.reset();
                c.update(key);
                if (c.getValue() == crc && key[0] >= 0 && key[8] >= 0) { // ms and seq are never negative
                    found.add(key.clone());
                }
            }
            key[at] = was;
        }
        return found.size() == 1 ? found.get(0) : null;
    }

    /** The bytes a {@code seen} row's checksum covers: ms and seq (8 bytes each, big-endian), then the node key. */
    static byte[] seenKey(long ms, byte[] node, long seq) {
        return java.nio.ByteBuffer.allocate(16 + node.length).putLong(ms).putLong(seq).put(node).array();
    }

    /** The checksum of a {@code seen} row: CRC-32C over {@link #seenKey}. */
    static long seenCrc(byte[] key) {
        CRC32C crc = new CRC32C();
        crc.update(key);
        return crc.getValue();
    }

    /** A node key for a log line: its id where it decodes, else its bytes in hex. */
    private static String printable(byte[] node) {
        try {
            return NodeKey.decode(node);
        } catch (IllegalArgumentException e) {
            return "0x" + java.util.HexFormat.of().formatHex(node);
        }
    }

    /**
     * Copies {@code seen} into a new table of the same definition and puts it in its place (in
     * {@link #integrityCheck}'s transaction): a key of {@code seen} (a WITHOUT ROWID table, its own index, which
     * {@code REINDEX} cannot rebuild) changed so that it no longer sorts in its place, on a leaf or in an interior
     * page, makes every look-up that passes it miss ids it holds; the copy reads every row where it is and sorts it
     * in. The changed row itself is then repaired or set aside by {@link #checkSeen}. Before (session 38) such a file
     * was refused as corrupt, and the way out was a new log, which forgets every cleaned id.
     */
    private void rebuildSeen(Statement st) throws SQLException {
        String sql;
        try (ResultSet rs = st.executeQuery("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'seen'")) {
            if (!rs.next()) {
                return;
            }
            sql = rs.getString(1);
        }
        st.execute("DROP TABLE IF EXISTS seen_rebuilt");
        st.execute(sql.replaceFirst("^CREATE TABLE seen\\b", "CREATE TABLE seen_rebuilt"));
        st.execute("INSERT OR IGNORE INTO seen_rebuilt SELECT * FROM seen");
        st.execute("DROP TABLE seen");
        st.execute("ALTER TABLE seen_rebuilt RENAME TO seen");
    }

    /** Rolls back the transaction of {@link #integrityCheck}'s rebuild; SQLite may have ended it already. */
    private void rollbackQuietly(Statement st) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            LOG.debug("{}: rolling back the index rebuild: {}", file, e.toString());
        }
    }

    private static boolean isCorrupt(SQLException e) {
        return e instanceof SQLiteException se && se.getResultCode().name().startsWith("SQLITE_CORRUPT");
    }

    /** The problems {@code integrity_check} reports, at most {@link #INTEGRITY_PROBLEMS}; empty for none. */
    private List<String> integrityProblems() throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA integrity_check(" + INTEGRITY_PROBLEMS + ")")) {
            while (rs.next()) {
                String line = rs.getString(1);
                if (!"ok".equals(line)) {
                    problems.add(line);
                }
            }
        }
        return problems;
    }

    /** How many problems {@link #integrityProblems} asks for. */
    private static final int INTEGRITY_PROBLEMS = 20;


    private void createSchema() throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE entries ("
                + "added INTEGER PRIMARY KEY, ms INTEGER NOT NULL, node BLOB NOT NULL, seq INTEGER NOT NULL, "
                + "time INTEGER NOT NULL, subprotocol INTEGER NOT NULL, reasons TEXT NOT NULL, extra TEXT, "
                + "action TEXT NOT NULL, crc INTEGER)");
            st.execute("CREATE UNIQUE INDEX entries_created ON entries (ms, node, seq)");
            // a node's row: the mark of its ids (ms, 0 for none) and the sync cursor kept for it as a peer (NULL for
            // none): a commit that raises an origin's mark and moves its cursor writes one row of one small table
            st.execute("CREATE TABLE nodes (node BLOB PRIMARY KEY, ms INTEGER NOT NULL, received INTEGER, sent INTEGER)"
                + " WITHOUT ROWID");
            createQuarantine(st);
            st.execute("CREATE TABLE seen (ms INTEGER NOT NULL, node BLOB NOT NULL, seq INTEGER NOT NULL, crc INTEGER, "
                + "PRIMARY KEY (ms, node, seq)) WITHOUT ROWID");
            createSeenQuarantine(st);
            st.execute("CREATE TABLE reasons (reason TEXT NOT NULL, added INTEGER NOT NULL, "
                + "PRIMARY KEY (reason, added)) WITHOUT ROWID");
            st.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
            st.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
            createClients(st);
            // In the same transaction as the tables: a crash leaves either nothing or a complete store.
            st.execute("PRAGMA application_id = " + APPLICATION_ID);
            st.execute("PRAGMA user_version = " + SCHEMA_VERSION);
        }
        putState(EPOCH_KEY, Store.newEpoch());
        conn.commit();
    }

    private int pragmaInt(String name) throws SQLException {
        return queryInt("PRAGMA " + name);
    }

    private int queryInt(String sql) throws SQLException {
        return (int) queryLong(sql);
    }

    private long queryLong(String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private long counter(String name) throws SQLException {
        PreparedStatement ps = ps("SELECT value FROM counters WHERE name = ?");
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private void setCounter(String name, long value) throws SQLException {
        PreparedStatement ps = ps("INSERT INTO counters (name, value) VALUES (?, ?) "
            + "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        ps.setString(1, name);
        ps.setLong(2, value);
        ps.executeUpdate();
    }

    /** A cached prepared statement: preparing costs more than most of the statements themselves. */
    private PreparedStatement ps(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    // ---- transactions -------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs a mutating call as one transaction; on any failure rolls back the file and the cached counters, and
     * leaves the connection in a fresh transaction, so the next call starts clean (see {@link #recover}).
     */
    private <T> T write(String what, Work<T> work) {
        requireOpen();
        if (readOnly) {
            throw new StoreException(file + " is open read-only: cannot " + what);
        }
        long started = System.nanoTime();
        recent = null; // a write may change or remove rows: add() sets it again after its commit
        try {
            settleBehind(what);
            requireTransaction(what);
            requireDurable(what);
            boundWal(what);
            return writeOnce(what, work, lastAdded, maxSeenMs, size);
        } finally {
            long took = System.nanoTime() - started;
            if (took >= OwnWaits.NOTED_NANOS) {
                OwnWaits.waited(took, busyMet
                    ? "a write to " + file + " waited " + took / 1_000_000 + " ms for a lock that another connection "
                        + "held on the database (SQLITE_BUSY: another process has it open and writes, e.g. sqlite3 or a "
                        + "backup tool)"
                    : "a write to " + file + " took " + took / 1_000_000 + " ms (a slow disk, or a lock that another "
                        + "process held on the database)");
            }
            busyMet = false;
        }
    }

    /**
     * Whether the write {@link #write} runs met {@code SQLITE_BUSY} (another connection's lock) and ran again: the
     * loop's slow-task warning then names it ({@link OwnWaits}); owner thread only.
     */
    private boolean busyMet;

    /** {@link #write}'s transaction, run again after {@code SQLITE_BUSY}; the owner's thread. */
    private <T> T writeOnce(String what, Work<T> work, long savedLastAdded, long savedMaxSeen, long savedSize) {
        long started = System.nanoTime();
        long busySince = 0;
        boolean reclaimed = false;
        T result;
        while (true) {
            try {
                if (writer != null && writer.wholeWalCheckpointed(durability.committedSeq())) {
                    conn.commit(); // ends the read snapshot left open since the last commit: SQLite restarts the WAL now
                }
                result = work.run();
                conn.commit();
                if (lastAdded != savedLastAdded) {
                    committedAdded = lastAdded; // the rows of the numbers just assigned are in the database now
                }
                break;
            } catch (SQLException | RuntimeException e) {
                lastAdded = savedLastAdded;
                maxSeenMs = savedMaxSeen;
                size = savedSize;
                nodeMarks.clear(); // it may hold marks of the rolled-back call
                nodeTops.clear();
                foundCorrupt.clear(); // found again by the next read
                recover(e);
                if (busySince == 0) {
                    busySince = System.nanoTime();
                }
                if (inTransaction && isBusy(e)) {
                    busyMet = true;
                }
                if (inTransaction && isBusy(e) && busyWait(busySince)) {
                    continue; // rolled back whole: run the call again on a fresh snapshot
                }
                if (inTransaction && walReclaim && !reclaimed && writer != null) {
                    reclaimed = true; // a full disk: empty the WAL's file (boundWal) and run the call once more
                    boundWal(what);
                    if (!walReclaim) {
                        continue;
                    }
                }
                if (e instanceof SQLException se) {
                    throw failure(what, se, System.nanoTime() - started);
                }
                throw (RuntimeException) e;
            }
        }
        committed();
        settleCorrupt();
        return result;
    }

    /**
     * Whether {@code e} is SQLite's {@code SQLITE_BUSY} (any of its kinds): another connection held a lock a moment,
     * or committed after this transaction's snapshot. SQLite calls the busy handler (sqlite-jdbc's, 3 s) only for
     * a transaction that has not read yet: the store's connection keeps the snapshot of its last reads (a session's
     * pump) into its next write, and a write lock held a moment by another connection then refuses that write at
     * once ({@code btree.c}, {@code sqlite3BtreeBeginTrans}: waiting there could deadlock two such transactions).
     * Such a call is rolled back whole ({@link #recover}) and run again ({@link #write}). (A write-behind batch that
     * meets it is tried again by the next call, {@link #settleBehind}, in a fresh transaction, where SQLite's busy
     * handler waits.)
     */
    static boolean isBusy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException se && se.getResultCode().name().startsWith("SQLITE_BUSY")) {
                return true;
            }
        }
        return false;
    }

    /**
     * After {@code SQLITE_BUSY}: waits a little (0.1 ms, doubling to 10 ms) and says whether to run the transaction
     * again, which it does for up to {@link #BUSY_RETRY_MS} since {@code since} ({@link System#nanoTime}).
     */
    private static boolean busyWait(long since) {
        long waited = System.nanoTime() - since;
        if (waited > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(BUSY_RETRY_MS)) {
            return false;
        }
        long pause = Math.min(10_000_000L, Math.max(100_000L, waited));
        java.util.concurrent.locks.LockSupport.parkNanos(pause);
        return true;
    }

    /**
     * The WAL's bound (see {@link WalWriter}, "The WAL's bound"), before a write on the store's owner: when the
     * {@code -wal} file is larger than {@link WalWriter#WAL_BOUND_BYTES} (an {@code fstat}: see "The WAL's size" below),
     * ends this connection's read transaction and runs {@code PRAGMA wal_checkpoint(RESTART)} on it, the checkpoint
     * thread held off meanwhile. No other connection writes this file and no write of this store runs meanwhile (any
     * write-behind batch is settled), so it copies every frame; the write that follows takes its snapshot on the
     * whole checkpointed WAL, so SQLite starts the WAL from its beginning in it and cuts the file back to the bound
     * ({@code journal_size_limit}). The loop waits for one checkpoint (the frames the checkpoint thread had not copied
     * yet, and an fsync of the WAL and of the database file), once per {@link WalWriter#WAL_BOUND_BYTES} of WAL
     * written without a pause. Readers of other connections ({@code logmesh log}) that hold the WAL are waited for
     * {@link #WAL_BOUND_WAIT_MS}; then the WAL stays as it is and the next try is a second later. The check is the
     * loop's own, before a write.
     *
     * <p><b>The WAL's size</b> is looked at ({@code fstat}) before a write only when the last look is
     * {@link #WAL_LOOK_NANOS} old, or found it within {@link #WAL_LOOK_SLACK_BYTES} of the bound or of the next look
     * at the free space, or the last look at the free space found less than {@link #WAL_ROOMY_FREE_BYTES}: the sizes
     * here are passed by at most one transaction and what 5 ms of writing adds, and that is never near the free space
     * (on a tmpfs, 5 ms of 100 KB batches added 1.7 MB: with 2 MiB free, {@code SqliteTmpfsFullTest}'s checkpoint then
     * found no room, session 39). An
     * {@code fstat} on every write cost more than its system call: on Linux 6.13 and later a file whose ctime was
     * read gets a fine-grained ctime at its next write, and on a file system without a journal the group commit's
     * {@code fdatasync} then wrote the inode's block too (session 25, docs/performance.md: the bare disk part's p50
     * 0.345 → 0.380 ms).
     *
     * <p><b>Low space.</b> SQLite can empty a WAL only by copying its frames into the main file first, which needs
     * room for the pages the main file gains. A WAL that took the disk's last free space can then never be emptied,
     * and every later write fails, even after some space is freed (until as much is freed as the WAL holds: found by
     * {@code SqliteTmpfsFullTest}, where 1.5 MiB freed left a 4.4 MiB WAL with a 0.2 MiB main file stuck). So:
     * <ul>
     *   <li>Before a write, once the WAL's file has grown by a step since the last look (an eighth of the free space,
     *       between a page and 1 MiB), the store reads the free space ({@code statvfs}); a WAL file at least half as
     *       large as what is free is checkpointed whole with {@code wal_checkpoint(TRUNCATE)}, which also empties its
     *       file. Between two looks the WAL grows by a step and the free space shrinks by one, so when the checkpoint
     *       runs the WAL is still no larger than the free space: there is room for every page it can add to the main
     *       file. (Before session 39 the checkpoint waited for a WAL as large as the free space, and the step was
     *       64 KiB at least: a checkpoint could find less room than it needed.)</li>
     *   <li>After a call failed on a full disk ({@link #walReclaim}), the same checkpoint runs before the next try,
     *       whatever the sizes, and {@link #write} runs the failed call once more right after it: the frames that
     *       waited are copied once space is freed, and the WAL's file is given back. A checkpoint that still finds
     *       no room is tried again a second later at the earliest, or before the first write after a commit (a
     *       commit says space came back: the WAL does not grow unwatched meanwhile).</li>
     * </ul>
     * So once the disk was full, as much freed as the WAL holds is enough for the store to go on; more often less is
     * (the main file gains only the pages the WAL adds to it, not the copies of pages written again).
     *
     * @throws StoreException if the connection cannot be put back into a transaction (nothing of the call written)
     */
    private void boundWal(String what) {
        WalWriter.Checkpoint mode = walCheckpointDue();
        if (mode == null) {
            return;
        }
        boolean reclaim = mode == WalWriter.TRUNCATE;
        walBoundAt = durability.committedSeq();
        int[] result = null;
        SQLException failed = null;
        org.sqlite.SQLiteConnection sc = null;
        int busyTimeout = 0;
        try {
            sc = conn.unwrap(org.sqlite.SQLiteConnection.class);
            busyTimeout = sc.getBusyTimeout();
            conn.setAutoCommit(true); // ends the open read transaction; nothing was written in it
            sc.setBusyTimeout(WAL_BOUND_WAIT_MS);
            result = writer.checkpointAlone(mode, conn);
        } catch (SQLException e) {
            failed = e;
        }
        try {
            if (sc != null && busyTimeout > 0) {
                sc.setBusyTimeout(busyTimeout);
            }
            conn.setAutoCommit(false); // sqlite-jdbc begins the next transaction
        } catch (SQLException e) {
            inTransaction = false; // the next call begins one by hand (requireTransaction)
            if (failed != null) {
                e.addSuppressed(failed);
            }
            throw failure(what, e);
        }
        if (reclaim) {
            walSpaceCheckAt = 0; // the file is empty now, or as it was: look at the free space at the next write
            walRoomy = false;
            if (failed != null || result[0] != 0) {
                walReclaim = true; // no room for the copy yet (or a reader holds the WAL): again a second later
                walReclaimRetryNanos = System.nanoTime() + WAL_BOUND_RETRY_NANOS;
                // or at the next write once one commits (space came back); not when a reader held the WAL up, so
                // that a reader does not make each write wait for a checkpoint
                walReclaimAt = failed != null && isDiskFull(failed, file) ? durability.committedSeq() : -1;
                LOG.debug("{}: the WAL could not be emptied for space ({})", file,
                    failed != null ? describe(failed, file) : "another connection is reading it");
            }
            return;
        }
        walBoundRetry = failed != null || result[0] != 0;
        if (walBoundRetry) {
            walBoundRetryNanos = System.nanoTime() + WAL_BOUND_RETRY_NANOS;
            LOG.warn("{}: the WAL is over {} MiB and could not be checkpointed whole ({}); trying again in a second", file,
                WalWriter.WAL_BOUND_BYTES >> 20, failed != null ? describe(failed, file)
                    : "another connection is reading it (logmesh log?)");
        }
    }

    /**
     * Which checkpoint {@link #boundWal} runs before the next write: {@link WalWriter#TRUNCATE} for space (after a
     * full disk, or a WAL file as large as the free space), {@link WalWriter#RESTART} for the bound, or null. An
     * {@code fstat} of the WAL at most every {@link #WAL_LOOK_NANOS} while it has room (see {@link #boundWal}, "The
     * WAL's size"), at every write when it has not.
     */
    private WalWriter.Checkpoint walCheckpointDue() {
        if (writer == null || walFile == null) {
            return null;
        }
        long now = System.nanoTime();
        if (walReclaim) {
            // a commit since the reclaim failed for want of room: space came back, and the WAL's frames are copied
            // and its file given back before the next write, not a second later (before, session 39, the writes of
            // that second grew the WAL unwatched, from 0.1 to 1.6 MiB on a 2 MiB tmpfs, until its checkpoint found no
            // room for good: SqliteFullDiskRefillTest)
            if (now - walReclaimRetryNanos >= 0 || (walReclaimAt >= 0 && durability.committedSeq() != walReclaimAt)) {
                walReclaim = false; // set again if this one finds no room either
                return WalWriter.TRUNCATE;
            }
            return null;
        }
        if (durability.committedSeq() == walBoundAt) {
            return null; // after a checkpoint for the bound, the file keeps its size until the next commit cuts it back
        }
        if (walRoomy && now - walLookNanos < WAL_LOOK_NANOS) {
            return null; // no fstat on every write (boundWal: "The WAL's size")
        }
        long walSize;
        try {
            walSize = walFile.size();
        } catch (IOException e) {
            return null; // the writes themselves will say what is wrong with the file
        }
        WalWriter.Checkpoint due = walSizeDue(walSize, now);
        walLookNanos = now;
        walRoomy = due == null && walFreeSeen >= WAL_ROOMY_FREE_BYTES
            && walSize + WAL_LOOK_SLACK_BYTES < Math.min(WalWriter.WAL_BOUND_BYTES, walSpaceCheckAt);
        return due;
    }

    /** {@link #walCheckpointDue} for a WAL file of {@code walSize} bytes: a {@code statvfs} once per step of growth. */
    private WalWriter.Checkpoint walSizeDue(long walSize, long now) {
        if (walSize > WalWriter.WAL_BOUND_BYTES) {
            return walBoundRetry && now - walBoundRetryNanos < 0 ? null : WalWriter.RESTART;
        }
        boolean low = walFreeSeen >= 0 && walFreeSeen < WAL_ROOMY_FREE_BYTES;
        if (walSize < walSpaceCheckAt && !(low && now - walFreeLookNanos >= FREE_LOOK_NANOS)) {
            return null;
        }
        long free = freeSpace();
        walFreeLookNanos = now;
        walFreeSeen = free < 0 ? Long.MAX_VALUE : free; // not known: the step and the look as with plenty
        if (free < 0) {
            walSpaceCheckAt = walSize + WAL_SPACE_STEP_BYTES;
            return null;
        }
        walSpaceCheckAt = walSize + Math.max(WAL_SPACE_MIN_STEP_BYTES, Math.min(WAL_SPACE_STEP_BYTES, free / 8));
        return walSize > 0 && 2 * walSize >= free ? WalWriter.TRUNCATE : null;
    }

    /** After a commit: numbers it and lets the writer make it durable (NORMAL: durable as it is). */
    private void committed() {
        if (durability == null) {
            return;
        }
        long seq = durability.committed(lastAdded);
        if (durabilityMode == Durability.FULL) {
            if (lastAdded + ADDED_RESERVE_AHEAD / 2 > addedReservationAsked
                && lastAdded + ADDED_RESERVE_AHEAD / 2 > addedReservation) {
                addedReservationAsked = lastAdded + ADDED_RESERVE_AHEAD;
                writer.reserveAdded(addedReservationAsked);
            }
            writer.wake();
        } else {
            durability.durableUpTo(seq); // FULL_INLINE: fsynced in the commit; NORMAL: as durable as it gets
            if (writer != null) {
                writer.wake(); // NORMAL: the writer forces nothing but still runs the checkpoints
            }
        }
    }

    /** A store whose fsync failed takes no more writes: what it commits could never be acknowledged. */
    private void requireDurable(String what) {
        Exception failed = durability == null ? null : durability.failure();
        if (failed != null) {
            throw new StoreException("cannot " + what + " in " + file + ": flushing it to disk failed ("
                + failed.getMessage() + "); nothing written since can be promised durable: restart the node", failed);
        }
    }

    /**
     * Tells {@code observer} how long each WAL fsync and each background checkpoint takes from now on, replacing any
     * observer set before; null stops it. A store without a writer thread ({@link Durability#FULL_INLINE}, a reader)
     * tells it nothing. Any thread.
     */
    public void observeDisk(DiskObserver observer) {
        if (writer != null) {
            writer.observe(observer);
        }
    }

    @Override
    public long durableAdded() {
        requireOpen();
        return durability == null ? lastAdded : durability.durableAdded();
    }

    /**
     * {@code max(durableAdded, min(lastAdded, R))} with R the durable {@code added} reservation: the side file says,
     * fsynced, that no {@code added} assigned after a reopen is at or below R ({@link #open} continues after it when
     * the store was not closed cleanly). An entry numbered at most R may therefore be sent before its commit is
     * durable: if a power loss takes it, its number is not given to another entry. R is raised
     * {@link #ADDED_RESERVE_AHEAD} ahead at open and, with {@link Durability#FULL}, by the writer thread after a group
     * commit once half of it is used; until then sessions fall back to what is durable.
     */
    @Override
    public long sendableAdded() {
        requireOpen();
        if (durability == null) {
            return lastAdded;
        }
        return Math.max(durability.durableAdded(), Math.min(lastAdded, addedReservation));
    }

    /** The durable {@code added} reservation (see {@link #sendableAdded}); for tests. */
    long addedReservation() {
        return addedReservation;
    }

    @Override
    public void whenDurable(Runnable action, java.util.concurrent.Executor executor) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(executor, "executor");
        if (durability == null) {
            action.run(); // a reader writes nothing
        } else {
            durability.whenDurable(action, executor);
        }
    }

    private <T> T read(String what, Work<T> work) {
        requireOpen();
        settleBehind(what);
        requireTransaction(what);
        T result;
        try {
            result = work.run();
        } catch (SQLException e) {
            foundCorrupt.clear();
            recover(e);
            throw failure(what, e);
        }
        settleCorrupt();
        return result;
    }

    /**
     * Handles the corrupt rows the call that just ended found: each is quarantined (its own transaction; a store
     * that cannot write leaves the row, which is found again by a later read) and, the first time, logged and
     * reported. Never throws: the call that found them succeeded.
     */
    private void settleCorrupt() {
        if (foundCorrupt.isEmpty()) {
            return;
        }
        List<Corruption> found = new ArrayList<>(foundCorrupt);
        foundCorrupt.clear();
        int logged = 0;
        int more = 0;
        int moreQuarantined = 0;
        Corruption firstMore = null;
        Corruption lastMore = null;
        for (Corruption c : found) {
            boolean first = reportedCorrupt.add(c.added());
            String fate = "skipped";
            if (!readOnly) {
                try {
                    write("quarantine", () -> {
                        moveToQuarantine(c.added(), c.problem());
                        return null;
                    });
                    fate = "moved to the quarantine table; its id is no longer seen, so a peer's copy is accepted";
                } catch (StoreException e) {
                    fate = "skipped; it could not be quarantined now (" + e.getMessage() + ")";
                }
            }
            if (!first) {
                continue;
            }
            if (readOnly) {
                // a reader (logmesh log) reports through its listeners; the owner logs it when it reads it
                LOG.debug("entry {} (added {}) in {} is corrupt: {}; {}", c.id(), c.added(), file, c.problem(), fate);
            } else if (logged < CORRUPT_LOGGED_EACH) {
                logged++;
                LOG.error("entry {} (added {}) in {} is corrupt: {}; {}", c.id(), c.added(), file, c.problem(),
                    fate);
            } else {
                // the rest of a large damage in one line: before (session 51) 8,000 damaged rows were 8,000 errors
                more++;
                moreQuarantined += fate.startsWith("moved") ? 1 : 0;
                firstMore = firstMore == null ? c : firstMore;
                lastMore = c;
            }
            for (Consumer<Corruption> l : corruptListeners) {
                try {
                    l.accept(c);
                } catch (RuntimeException e) {
                    LOG.warn("a corrupt-entry listener failed", e);
                }
            }
        }
        if (more > 0) {
            LOG.error("{} more entries in {} are corrupt (ids {} to {}, added {} to {}); {} of them moved to the "
                + "quarantine table (their ids are no longer seen, so peers' copies are accepted), {} skipped (found "
                + "again by a later read)", more, file, firstMore.id(), lastMore.id(), firstMore.added(),
                lastMore.added(), moreQuarantined, more - moreQuarantined);
        }
    }

    /**
     * Puts the connection back into a clean transaction after a failed statement or commit. Two things of
     * sqlite-jdbc and SQLite make this more than {@code conn.rollback()}:
     * <ul>
     *   <li>sqlite-jdbc finalizes a statement that failed with most errors (SQLITE_FULL, SQLITE_IOERR, …), so a
     *       cached statement would answer "statement is not executing" for ever: every cached statement is
     *       dropped (they are prepared again on first use).</li>
     *   <li>SQLite rolls the whole transaction back by itself on SQLITE_FULL, SQLITE_IOERR and SQLITE_NOMEM. Then
     *       {@code conn.rollback()} fails ("no transaction is active") before sqlite-jdbc runs its {@code BEGIN},
     *       and the connection is left in autocommit: every later statement would commit on its own, a seen id
     *       without its entry. So the rollback and the {@code BEGIN} are run here by hand, and "no transaction is
     *       active" counts as rolled back.</li>
     * </ul>
     * If this fails too (the disk is gone), {@link #inTransaction} stays false and the next call tries again
     * before it does anything, so no statement ever runs outside a transaction.
     */
    private void recover(Exception cause) {
        if (cause instanceof SQLException se && isDiskFull(se, file)) {
            walReclaim = true; // the WAL may hold the space the next write needs (boundWal)
        }
        closeStatements(cause);
        inTransaction = false;
        try {
            restartTransaction();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private void restartTransaction() throws SQLException {
        try (Statement st = conn.createStatement()) {
            try {
                st.execute("ROLLBACK");
            } catch (SQLException e) {
                if (e.getMessage() == null || !e.getMessage().contains("no transaction is active")) {
                    throw e;
                }
            }
            st.execute("BEGIN");
        }
        inTransaction = true;
    }

    /** Before a call: a failed recovery is tried again; a call never runs outside a transaction. */
    private void requireTransaction(String what) {
        if (!inTransaction) {
            try {
                restartTransaction();
            } catch (SQLException e) {
                throw failure(what, e);
            }
        }
    }

    private void closeStatements(Exception cause) {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
        }
        statements.clear();
    }

    /**
     * The exception for a failed call: says what failed, on which file, why in plain words for the causes a user
     * can act on (disk full, I/O error, corrupt file), and that nothing of the call was written.
     */
    private StoreException failure(String what, SQLException e) {
        return failure(what, e, -1);
    }

    /** As {@link #failure(String, SQLException)}, for a call that ran {@code waitedNanos} (see {@link #describe}). */
    private StoreException failure(String what, SQLException e, long waitedNanos) {
        String why = describe(e, file, waitedNanos);
        return new StoreException(what + " failed on " + file + ": " + why
            + (readOnly ? "" : "; nothing of this " + what + " was written"), e);
    }

    /** Free space under which an I/O error is read as a full disk, bytes: SQLite's -shm grows by 32 KiB. */
    static final long NEARLY_FULL_BYTES = 1L << 20;

    /**
     * A plain-words reason for an SQLite failure on {@code file}, with SQLite's own message. SQLite reports a full
     * disk as {@code SQLITE_FULL} only where it sees {@code ENOSPC} on a write; growing the {@code -shm} file or
     * syncing on a full disk comes back as an {@code SQLITE_IOERR_*} (e.g. {@code SQLITE_IOERR_SHMSIZE} when a node
     * opens its store there), so an I/O error with less than {@link #NEARLY_FULL_BYTES} free in the file's
     * directory is reported as a full disk too.
     */
    static String describe(SQLException e, Path file) {
        return describe(e, file, -1);
    }

    /**
     * As {@link #describe(SQLException, Path)}, for a failure after the call had run for {@code waitedNanos}
     * ({@link System#nanoTime} units; negative when not known): a lock another process holds ({@code SQLITE_BUSY})
     * is said with how long it was waited for, which is {@link #BUSY_RETRY_MS} only where the call ran again that
     * long ({@link #write}); a write-behind batch, or a write after a read in the same transaction, meets it at once
     * (SQLite does not wait there), and before rtt47 such a failure too said the lock was "kept for more than 2 s".
     * Any thread.
     */
    static String describe(SQLException e, Path file, long waitedNanos) {
        String code = e instanceof SQLiteException se ? se.getResultCode().name() : "";
        String msg = e.getMessage();
        if (isFullCode(e)) {
            return "the disk is full (" + msg + "); the store goes on as soon as space is freed";
        }
        if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) {
            return "the file is corrupt (" + msg + ")";
        }
        if (code.startsWith("SQLITE_IOERR")) {
            long free = usableSpace(file);
            if (free >= 0 && free < NEARLY_FULL_BYTES) {
                return "the disk is full (" + free / 1024 + " KiB free where " + file.getFileName() + " is; " + msg
                    + "); free some space and try again";
            }
            return "an I/O error (" + msg + ")";
        }
        if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN")) {
            return "the file cannot be written (" + msg + ")";
        }
        if (code.startsWith("SQLITE_BUSY")) {
            // embed34: "[SQLITE_BUSY] The database file is locked" alone did not say by whom, nor that it passes
            long waitedMs = waitedNanos / 1_000_000;
            String held = waitedNanos < 0 ? "another process holds a lock on the database"
                : waitedMs >= BUSY_RETRY_MS
                    ? "another process holds a lock on the database and kept it for more than " + BUSY_RETRY_MS / 1000
                        + " s"
                    : "another process held a lock on the database, and the write was refused after " + waitedMs
                        + " ms (SQLite does not wait for a lock in a transaction that has read)";
            return held + " (it has the file open and writes: sqlite3, a backup tool, another program; a second "
                + "logmesh process would have been refused by the lock file) (" + msg + "); the store goes on once it "
                + "lets go";
        }
        return msg;
    }

    /**
     * Why {@code failure} happened, in plain words and nothing else: not what the store did about it nor what of a
     * call was written, which the caller that gives its own account of a failed command says ({@code logmesh add}:
     * before, ux41, it printed the store's "...; the store goes on as soon as space is freed; nothing of this add was
     * written" next to its own "added 1000 action(s); not added: line 1001 ..."). A full disk is said with the room
     * left where {@code file} is ({@code "the disk is full (12 KiB free where log.db is)"}); another SQLite error with
     * its code and SQLite's message; any other failure with the message of its innermost cause. Any thread.
     *
     * @param failure a failure of a store call (a {@link StoreException}, whose causes are searched for SQLite's error)
     * @param file    the store's file, whose file system's free space is read for a full disk
     */
    public static String reason(Throwable failure, Path file) {
        Throwable inner = failure;
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof SQLException se) {
                if (isDiskFull(se, file)) {
                    long free = usableSpace(file);
                    return "the disk is full (" + (free >= 0 ? free / 1024 + " KiB free" : "its free space unknown")
                        + " where " + file.getFileName() + " is)";
                }
                // a full disk is the only describe() with "the store goes on as soon as ..."; a busy lock's "once it
                // lets go" is of a running store too
                return describe(se, file).replace("; the store goes on once it lets go", "");
            }
            inner = c;
            if (c.getCause() == c) {
                break;
            }
        }
        return inner.getMessage() != null ? inner.getMessage() : inner.getClass().getSimpleName();
    }

    /** Whether {@code e} is SQLite's own "disk full" ({@code SQLITE_FULL}, which it answers on {@code ENOSPC}). */
    private static boolean isFullCode(SQLException e) {
        String msg = e.getMessage();
        return (e instanceof SQLiteException se && se.getResultCode().name().startsWith("SQLITE_FULL"))
            || (msg != null && msg.contains("disk is full"));
    }

    /**
     * Whether {@code e} means the disk under {@code file} is full: {@code SQLITE_FULL}, or an {@code SQLITE_IOERR*}
     * with less than {@link #NEARLY_FULL_BYTES} free there (as {@link #describe} reads it).
     */
    static boolean isDiskFull(SQLException e, Path file) {
        if (isFullCode(e)) {
            return true;
        }
        if (e instanceof SQLiteException se && se.getResultCode().name().startsWith("SQLITE_IOERR")) {
            long free = usableSpace(file);
            return free >= 0 && free < NEARLY_FULL_BYTES;
        }
        return false;
    }

    /** Usable bytes on the file system of {@code file}'s directory, or -1 if that cannot be read. */
    private static long usableSpace(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            return dir == null ? -1 : Files.getFileStore(dir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("store " + file + " is closed");
        }
    }

    // ---- Store --------------------------------------------------------------------------------------------

    @Override
    public List<Meta> add(List<Entry> entries) {
        return add(entries, Map.of());
    }

    /**
     * Adds the batch and saves the cursors in one transaction (one fsync).
     *
     * <p><b>Write-behind.</b> With {@link Durability#FULL}, a batch of at least {@value #WRITE_BEHIND_MIN} entries
     * whose ids are all new by the origins' marks (see {@link #freshIds}: a catch-up's {@code sync}, whose ids
     * need no lookup) is numbered and its rows' values (texts, checksums) made here, while the batch before may still
     * be written, and its statements and its commit run on a thread of this store while the caller goes on (the
     * node's loop takes the next chunk meanwhile: two cores).
     * At most one batch is out: every later call on this store (read or write) first waits for it, so each sees what
     * the ones before it wrote, in order. Its commit is numbered before this returns ({@link DurabilityQueue#promise}):
     * {@link #whenDurable} registered after it waits for it, and the writer makes durable only what was committed,
     * so nothing of it is acknowledged before it is on disk. If its commit fails (a full disk), it is tried again
     * before the next call, and until it succeeds every call throws {@link StoreException} (nothing of that call
     * written); a close that cannot write it is not a clean close (the {@code added} reservation is kept). What
     * the batch holds was never acknowledged, so a crash meanwhile loses nothing a peer was told it has.
     */
    @Override
    public List<Meta> add(List<Entry> entries, Map<String, PeerCursor> cursors) {
        List<Meta> behindMetas = addBehind(entries, cursors);
        if (behindMetas != null) {
            recent = null; // its rows are committed on the write-behind thread
            return behindMetas;
        }
        RecentRows kept = recent;
        long[] before = {-1};
        List<List<Entry>> written = new ArrayList<>(1);
        List<Meta> metas = write("add", () -> {
            before[0] = lastAdded; // the write-behind settled: no row is numbered over it
            for (Map.Entry<String, PeerCursor> c : cursors.entrySet()) {
                putCursor(c.getKey(), c.getValue());
            }
            int n = entries.size();
            byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                keys[i] = NodeKey.encode(entries.get(i).id().node());
            }
            boolean[] fresh = freshIds(entries);
            // ids taken by this batch, for the ids looked up: one may repeat an id earlier in the batch
            Set<ActionId> taken = new HashSet<>();
            List<Meta> result = new ArrayList<>(n);
            List<Entry> rows = new ArrayList<>(n);
            List<byte[]> nodes = new ArrayList<>(n);
            List<ActionId> unlogged = new ArrayList<>();
            List<byte[]> unloggedKeys = new ArrayList<>();
            Map<String, ActionId> marks = new HashMap<>(); // each origin's largest id recorded by this batch
            for (int i = 0; i < n; i++) {
                Entry e = entries.get(i);
                ActionId id = e.id();
                byte[] node = keys[i];
                if (!fresh[i] && (taken.contains(id) || inSeenIndex(id, node))) {
                    result.add(null);
                    continue;
                }
                taken.add(id);
                maxSeenMs = Math.max(maxSeenMs, id.ms());
                marks.merge(id.node(), id, (a, b) -> a.compareTo(b) >= 0 ? a : b);
                Meta meta = e.meta();
                if (!meta.hasReasons()) {
                    // not in the log: its id alone goes to seen
                    unlogged.add(id);
                    unloggedKeys.add(node);
                    result.add(meta.withAdded(0));
                    continue;
                }
                meta = meta.withAdded(++lastAdded);
                rows.add(e.withMeta(meta));
                nodes.add(node);
                result.add(meta);
            }
            if (!unlogged.isEmpty()) {
                insertSeen(unlogged.toArray(new ActionId[0]), unloggedKeys.toArray(new byte[0][]), null,
                    unlogged.size());
            }
            insertEntries(rows, nodes);
            size += rows.size();
            raiseNodeMarks(marks);
            written.clear(); // a run again after SQLITE_BUSY: only the last run's rows were committed
            written.add(rows);
            return result;
        });
        keepRecent(kept, before[0], written.get(0));
        markAddedInSideFile();
        return metas;
    }

    /**
     * After a committed add whose rows were numbered over {@code before}: {@link #recent} holds them, after {@code
     * kept}'s rows when those end at {@code before}, else alone (no row is numbered over {@code before} but these).
     */
    private void keepRecent(RecentRows kept, long before, List<Entry> rows) {
        if (rows.size() > RECENT_ROWS) {
            recent = new RecentRows(lastAdded); // a catch-up's batch: read from the file when asked
            return;
        }
        RecentRows r = kept != null && kept.after <= before
            && (kept.rows.isEmpty() ? kept.after == before : kept.rows.peekLast().meta().added() <= before)
            ? kept : new RecentRows(before);
        for (Entry e : rows) {
            r.rows.add(e);
            r.chars += e.action().toJson().length(); // the text the row was written with: made once, kept
        }
        while (r.rows.size() > RECENT_ROWS || r.chars > RECENT_CHARS) {
            Entry first = r.rows.pollFirst();
            r.chars -= first.action().toJson().length();
            r.after = first.meta().added();
        }
        recent = r;
    }

    /** A write-behind batch: its statements (run on the write-behind thread), and its commit's number. */
    private static final class Behind {
        final Work<Void> statements;
        /** The cursors it saves. */
        final Map<String, PeerCursor> cursors;
        final long seq;
        final long lastAdded;
        final int entries;
        /** The node ids its entries were created by (their origins), to name the batch in messages. */
        final Set<String> origins;
        /** The run on the write-behind thread; null once the loop has seen it end. */
        java.util.concurrent.Future<?> run;

        Behind(Work<Void> statements, Map<String, PeerCursor> cursors, long seq, long lastAdded, int entries,
            Set<String> origins) {
            this.statements = statements;
            this.cursors = cursors;
            this.seq = seq;
            this.lastAdded = lastAdded;
            this.entries = entries;
            this.origins = origins;
        }
    }

    /**
     * This store's node id ({@code Log.NODE_ID_KEY} in {@code state}) as read at open or set since, "" when it has
     * none. Not read before a batch: a read in the transaction before a write-behind batch would take the busy
     * handler's wait from its write ({@link #isBusy}). Loop only: for messages ({@link #batchName}).
     */
    private String ownNodeId;

    /**
     * A write-behind batch as a message names it: "a batch of 1000 of this node's own actions" ({@code logmesh add},
     * a local batch), "a batch of 1000 entries received from other nodes", or of both. Before (disk40) every one was
     * "a received batch", also {@code logmesh add}'s lines.
     */
    private String batchName(Behind b) {
        String own = ownNodeId == null ? "" : ownNodeId; // null: a reader's
        if (b.origins.size() == 1 && b.origins.contains(own)) {
            return "a batch of " + b.entries + " of this node's own actions";
        }
        if (!b.origins.contains(own)) {
            return "a batch of " + b.entries + " entries received from other nodes";
        }
        return "a batch of " + b.entries + " entries (this node's own actions and received ones)";
    }

    /** The seen index held fewer new ids than the marks promised: see {@link #settleBehind}. */
    private static final class MarksBehind extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MarksBehind(String message) {
            super(message);
        }
    }

    /**
     * The write-behind path of {@link #add}, or null when the batch does not qualify (then the caller's path runs).
     * Everything that can refuse the batch is checked before anything changes. Until {@link #settleBehind} it touches
     * nothing the write-behind thread may (the connection, its statements, {@link #inTransaction}).
     */
    private List<Meta> addBehind(List<Entry> entries, Map<String, PeerCursor> cursors) {
        int n = entries.size();
        if (n < WRITE_BEHIND_MIN || durabilityMode != Durability.FULL || writer == null || readOnly || !checksums
            || closed || (behind != null && behind.run == null) || durability.failure() != null) {
            return null;
        }
        byte[][] keys = new byte[n][];
        ActionId[] ids = new ActionId[n];
        Map<String, ActionId> lastFresh = new HashMap<>();
        Map<String, Long> startMarks = new HashMap<>();
        Map<String, ActionId> tops = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ActionId id = entries.get(i).id();
            ActionId last = lastFresh.get(id.node());
            if (last == null) {
                Long mark = nodeMarks.get(id.node()); // as of the batches handed over: only a known mark, no read
                if (mark == null || id.ms() < mark) {
                    return null;
                }
                if (id.ms() == mark) {
                    // in the mark's ms (a catch-up's next chunk, most often): new only above the origin's largest id
                    ActionId top = nodeTops.get(id.node());
                    if (top == null || id.compareTo(top) <= 0) {
                        return null;
                    }
                    tops.put(id.node(), top);
                    startMarks.put(id.node(), mark); // the ms above the mark; the mark's own ms above top: topsHold
                } else {
                    startMarks.put(id.node(), id.ms() - 1); // the range checked: this batch's ids of the origin
                }
            } else if (id.compareTo(last) <= 0) {
                return null;
            }
            lastFresh.put(id.node(), id);
            keys[i] = NodeKey.encode(id.node());
            ids[i] = id;
        }
        // the batch qualifies: numbered after the ones handed over before it (lastAdded counts them), its rows made
        // while the one before may still be written; nothing of this store changes before that one is settled
        long added = lastAdded;
        long seenMs = maxSeenMs;
        List<Meta> result = new ArrayList<>(n);
        List<Entry> rows = new ArrayList<>(n);
        List<byte[]> nodes = new ArrayList<>(n);
        boolean[] unlogged = new boolean[n];
        int unloggedCount = 0;
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            seenMs = Math.max(seenMs, e.id().ms());
            Meta meta = e.meta();
            if (!meta.hasReasons()) {
                unlogged[i] = true; // not in the log: its id alone goes to seen
                unloggedCount++;
                result.add(meta.withAdded(0));
                continue;
            }
            meta = meta.withAdded(++added);
            rows.add(e.withMeta(meta));
            nodes.add(keys[i]);
            result.add(meta);
        }
        Rows values = rowsOf(rows, nodes);
        List<ActionId> marks = List.copyOf(lastFresh.values()); // each origin's last id: its new mark
        Map<String, PeerCursor> saved = Map.copyOf(cursors);
        Map<String, ActionId> lastIds = Map.copyOf(lastFresh);
        int unloggedIds = unloggedCount;
        Work<Void> statements = () -> {
            for (Map.Entry<String, PeerCursor> c : saved.entrySet()) {
                putCursor(c.getKey(), c.getValue());
            }
            if (!marksHold(startMarks, lastIds) || !topsHold(tops)) {
                throw new MarksBehind(file + ": ids above their origins' marks were seen before; the marks in nodes "
                    + "are behind");
            }
            if (unloggedIds > 0) {
                insertSeen(ids, keys, unlogged, unloggedIds);
            }
            insertRows(values);
            for (ActionId m : marks) {
                PreparedStatement ps = ps("INSERT INTO nodes (node, ms) VALUES (?, ?) "
                    + "ON CONFLICT (node) DO UPDATE SET ms = max(ms, excluded.ms)");
                ps.setBytes(1, NodeKey.encode(m.node()));
                ps.setLong(2, m.ms());
                ps.executeUpdate();
            }
            return null;
        };
        settleBehind("add"); // the batch before: it may fail, then this call throws and nothing of it was taken
        if (!inTransaction || durability.failure() != null) {
            return null; // the ordinary path restarts the transaction or says why it cannot write
        }
        boundWal("add"); // no batch is out now: the one checkpoint that empties the WAL, if it is over its bound
        // from here on nothing throws: the batch is this store's
        lastAdded = added;
        maxSeenMs = seenMs;
        size += rows.size();
        for (ActionId last : marks) {
            nodeMarks.put(last.node(), last.ms());
            nodeTops.put(last.node(), last); // above every id of its origin recorded before (checked: topsHold)
        }
        Behind b = new Behind(statements, saved, durability.promise(added), added, n, Set.copyOf(lastFresh.keySet()));
        if (added + ADDED_RESERVE_AHEAD / 2 > addedReservationAsked
            && added + ADDED_RESERVE_AHEAD / 2 > addedReservation) {
            addedReservationAsked = added + ADDED_RESERVE_AHEAD;
            writer.reserveAdded(addedReservationAsked);
        }
        if (behindThread == null) {
            String name = "logmesh-store-" + file.getFileName();
            behindThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
        behind = b;
        b.run = behindThread.submit(() -> {
            runBehind(b);
            return null;
        });
        return result;
    }

    /** Runs a write-behind batch's statements and commits them (either thread); on failure the transaction is undone. */
    private void runBehind(Behind b) throws SQLException {
        try {
            b.statements.run();
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            recover(e);
            throw e;
        }
        durability.committedUpTo(b.seq);
        writer.wake();
    }

    /**
     * Before any call (loop thread): waits for the write-behind batch, if one is out. One that failed is tried again
     * here, in order, before anything else; if that fails too, this call throws (nothing of it written) and the batch
     * waits for the next call. A batch that found its ids seen before (the origins' marks behind, which no path that
     * writes them leaves) cannot be undone (it was reported added): the store then takes no more writes, as after
     * a failed fsync, and nothing of it or after it is acknowledged.
     */
    private void settleBehind(String what) {
        Behind b = behind;
        if (b == null) {
            return;
        }
        Throwable failed = null;
        if (b.run != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    b.run.get();
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    failed = e.getCause();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            b.run = null;
            if (failed == null) {
                behind = null;
                behindCommitted(b);
                return;
            }
        }
        if (failed instanceof MarksBehind mb) {
            throw marksBehind(b, mb);
        }
        if (failed != null) {
            LOG.warn("{}: {} could not be written ({}); trying again", file, batchName(b), failed.toString());
        }
        // a failed recovery leaves no transaction open: statements outside one would commit one by one (the batch's
        // seen rows without its entries if it fails again halfway), so it is begun first, as for any call's work;
        // if it cannot be, this call throws and the batch waits for the next
        requireTransaction(what);
        long tried = System.nanoTime();
        try {
            runBehind(b);
        } catch (MarksBehind e) {
            throw marksBehind(b, e);
        } catch (SQLException e) {
            throw new StoreException(what + " failed on " + file + ": " + batchName(b) + " is still to be written "
                + "before it: " + describe(e, file, System.nanoTime() - tried) + "; nothing of this " + what
                + " was written", e);
        } catch (RuntimeException e) {
            throw new StoreException(what + " failed on " + file + ": " + batchName(b)
                + " is still to be written before it: " + e.getMessage(), e);
        }
        behind = null;
        behindCommitted(b);
    }

    private StoreException marksBehind(Behind b, MarksBehind cause) {
        behind = null;
        StoreException e = new StoreException(cause.getMessage() + ": " + batchName(b)
            + " was reported added and could not be written; restart the node", cause);
        LOG.error("{}", e.getMessage());
        durability.fail(e);
        return e;
    }

    /** After a write-behind batch was committed (loop thread). */
    private void behindCommitted(Behind b) {
        committedAdded = Math.max(committedAdded, b.lastAdded);
        markAddedInSideFile();
    }

    /**
     * Which ids of a batch are new by their origins' marks, without a look-up: an id whose {@code ms} is above its
     * origin's mark in {@code nodes} (the largest {@code ms} of an id of that origin ever added, raised in the same
     * transaction as the id is recorded) is in neither {@code entries} nor {@code seen}, and one above every such id
     * of its origin earlier in the batch is not a repeat within the batch either. A catch-up is made of such ids. The
     * others are looked up one by one ({@link #inSeenIndex}) by the caller.
     *
     * <p>Should the rule ever be wrong (a {@code nodes} row behind the ids it covers), {@link #marksHold} finds it
     * with one range read per origin and index, and every id of the batch is looked up.
     *
     * @return for each entry, whether its id is new by the marks
     */
    private boolean[] freshIds(List<Entry> entries) throws SQLException {
        int n = entries.size();
        boolean[] fresh = new boolean[n];
        if (n < MIN_FRESH_BATCH || !checksums) {
            return fresh; // a few ids: the range reads would cost more than the look-ups they save
        }
        Map<String, ActionId> lastFresh = new HashMap<>();
        Map<String, Long> marks = new HashMap<>();
        int count = 0;
        for (int i = 0; i < n; i++) {
            ActionId id = entries.get(i).id();
            ActionId last = lastFresh.get(id.node());
            long mark = last == null ? nodeMark(id.node()) : 0;
            if (last == null ? id.ms() > mark : id.compareTo(last) > 0) {
                fresh[i] = true;
                if (last == null) {
                    // the range checked starts at this batch's first id of the origin, not at the mark: a long-silent
                    // origin's (or a new one's, mark 0) range from its mark would read every row of the log since
                    marks.put(id.node(), id.ms() - 1);
                }
                lastFresh.put(id.node(), id);
                count++;
            }
        }
        if (count < MIN_FRESH_BATCH) {
            return new boolean[n];
        }
        if (!marksHold(marks, lastFresh)) {
            LOG.warn("{}: ids above their origins' marks were seen before; the marks in nodes are behind", file);
            return new boolean[n];
        }
        return fresh;
    }

    /**
     * Whether no id of each origin in {@code marks} with an {@code ms} above the value there and at most that of its
     * entry in {@code last} is recorded, in {@code entries} or in {@code seen}: two range reads per origin on the
     * {@code (ms, node, seq)} keys, of pages that the batch's inserts then write. The callers pass the range of the
     * batch's own ids of each origin (from its first id's {@code ms}, which is above the origin's mark): a row with
     * the same id as one of them lies in it, and while the marks are right no row of the origin does, so the read
     * costs the rows of the batch's time span, not those since the mark (for a long-silent or a new origin, mark 0,
     * that was every row of the log).
     */
    private boolean marksHold(Map<String, Long> marks, Map<String, ActionId> last) throws SQLException {
        PreparedStatement inLog = ps("SELECT 1 FROM entries WHERE ms > ? AND ms <= ? AND node = ? LIMIT 1");
        PreparedStatement inSeen = ps("SELECT 1 FROM seen WHERE ms > ? AND ms <= ? AND node = ? LIMIT 1");
        for (Map.Entry<String, Long> m : marks.entrySet()) {
            byte[] node = NodeKey.encode(m.getKey());
            for (PreparedStatement ps : List.of(inLog, inSeen)) {
                ps.setLong(1, m.getValue());
                ps.setLong(2, last.get(m.getKey()).ms());
                ps.setBytes(3, node);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /**
     * Whether no id of each origin in {@code tops} in the {@code ms} of its entry there and above it is recorded, in
     * {@code entries} or in {@code seen}: {@link #marksHold}'s check for a batch that starts in its origin's mark's
     * {@code ms} ({@link #nodeTops}). Two range reads per origin, of the pages the batch then writes.
     */
    private boolean topsHold(Map<String, ActionId> tops) throws SQLException {
        PreparedStatement inLog = ps("SELECT 1 FROM entries WHERE ms = ? AND node = ? AND seq > ? LIMIT 1");
        PreparedStatement inSeen = ps("SELECT 1 FROM seen WHERE ms = ? AND node = ? AND seq > ? LIMIT 1");
        for (ActionId top : tops.values()) {
            byte[] node = NodeKey.encode(top.node());
            for (PreparedStatement ps : List.of(inLog, inSeen)) {
                ps.setLong(1, top.ms());
                ps.setBytes(2, node);
                ps.setLong(3, top.seq());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Whether the id is in the log ({@code entries}) or was before ({@code seen}): two primary-key look-ups. */
    private boolean inSeenIndex(ActionId id, byte[] node) throws SQLException {
        PreparedStatement inLog = ps("SELECT 1 FROM entries WHERE ms = ? AND node = ? AND seq = ?");
        PreparedStatement inSeen = ps("SELECT 1 FROM seen WHERE ms = ? AND node = ? AND seq = ?");
        for (PreparedStatement ps : List.of(inLog, inSeen)) {
            ps.setLong(1, id.ms());
            ps.setBytes(2, node);
            ps.setLong(3, id.seq());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Records {@code count} ids in {@code seen} with multi-row {@code INSERT OR IGNORE}s of up to {@link #SEEN_CHUNKS}
     * rows: those of {@code ids} (with their node keys) where {@code which} is true, or all when it is null. Returns
     * how many were new. Runs on whichever thread holds the connection (the caller's, or the write-behind's).
     */
    private int insertSeen(ActionId[] ids, byte[][] keys, boolean[] which, int count) throws SQLException {
        int inserted = 0;
        int i = 0;
        int done = 0;
        while (done < count) {
            int c = chunk(SEEN_CHUNKS, count - done);
            PreparedStatement ps = ps(multiRow("INSERT OR IGNORE INTO seen (ms, node, seq, crc) VALUES ",
                "(?, ?, ?, ?)", c));
            int p = 1;
            for (int k = 0; k < c; i++) {
                if (which == null || which[i]) {
                    ps.setLong(p++, ids[i].ms());
                    ps.setBytes(p++, keys[i]);
                    ps.setLong(p++, ids[i].seq());
                    ps.setLong(p++, seenCrc(seenKey(ids[i].ms(), keys[i], ids[i].seq())));
                    k++;
                }
            }
            inserted += ps.executeUpdate();
            done += c;
        }
        return inserted;
    }

    /**
     * Raises the {@code nodes} rows of a batch's origins where it went further (most batches: one upsert), from each
     * origin's largest id the batch recorded, and keeps {@link #nodeTops}: an origin's largest id is known once a batch
     * raised its mark (every id recorded before is in an earlier {@code ms}), and follows the ids recorded after it.
     */
    private void raiseNodeMarks(Map<String, ActionId> largest) throws SQLException {
        for (Map.Entry<String, ActionId> m : largest.entrySet()) {
            ActionId id = m.getValue();
            if (id.ms() > nodeMark(m.getKey())) {
                PreparedStatement ps = ps("INSERT INTO nodes (node, ms) VALUES (?, ?) "
                    + "ON CONFLICT (node) DO UPDATE SET ms = max(ms, excluded.ms)");
                ps.setBytes(1, NodeKey.encode(m.getKey()));
                ps.setLong(2, id.ms());
                ps.executeUpdate();
                nodeMarks.put(m.getKey(), id.ms());
                nodeTops.put(m.getKey(), id);
            } else {
                ActionId top = nodeTops.get(m.getKey());
                if (top != null && id.compareTo(top) > 0) {
                    nodeTops.put(m.getKey(), id);
                }
            }
        }
    }

    /**
     * After a commit: at most about once a second, records the new {@code lastAdded} in the side file, so a later
     * open can tell that transactions were lost. Best effort: the add succeeded whatever happens here. The writer
     * thread writes it (an fsync) after its next group commit; only {@link Durability#FULL_INLINE}, which has no
     * writer thread and fsyncs every commit on the caller's thread anyway, writes it here.
     */
    private void markAddedInSideFile() {
        if (clockFile == null || committedAdded == sideMarkAsked || committedAdded <= sideLastAdded) {
            return;
        }
        long now = System.nanoTime();
        // a clock reservation written within the interval carried the mark too (one fsync for both, as before)
        if (now - sideMarkAskedNanos < SIDE_MARK_INTERVAL_NANOS || now - sideWrittenNanos < SIDE_MARK_INTERVAL_NANOS) {
            return;
        }
        sideMarkAsked = committedAdded;
        sideMarkAskedNanos = now;
        if (writer != null) {
            writer.markAdded(committedAdded);
            writer.wake();
            return;
        }
        try {
            writeClockFile();
        } catch (IOException e) {
            LOG.warn("cannot update {}: {}", clockFile.path(), e.toString());
        }
    }

    /**
     * Inserts entries and their reasons with multi-row INSERTs: one statement per chunk instead of one per row
     * halves the JDBC/JNI round trips of a batch, which were about half the cost of {@code add}.
     */
    private void insertEntries(List<Entry> rows, List<byte[]> nodes) throws SQLException {
        insertRows(rowsOf(rows, nodes));
    }

    /**
     * The values of a batch's rows, made in Java (texts, checksums) before any statement: the write-behind makes
     * them on the caller's thread while the batch before is still written.
     */
    private static final class Rows {
        /** Per row: added, ms, seq, time, crc. */
        static final int NUMBERS = 5;

        final long[] numbers;
        final byte[][] nodes;
        final int[] subprotocols;
        /** Per row: reasons, extra, action. */
        final String[] texts;
        /** The reasons rows: reason and added ({@link SqliteStore#IMPLICIT_REASON} has none). */
        final String[] reasons;
        final long[] reasonAdded;
        /**
         * The reasons every row has, when all rows have the same list (a catch-up's usually do); else null. Their
         * {@code added} numbers are consecutive, so each reason's rows are one {@code INSERT ... SELECT} of them.
         */
        List<String> shared;

        Rows(long[] numbers, byte[][] nodes, int[] subprotocols, String[] texts, String[] reasons, long[] reasonAdded) {
            this.numbers = numbers;
            this.nodes = nodes;
            this.subprotocols = subprotocols;
            this.texts = texts;
            this.reasons = reasons;
            this.reasonAdded = reasonAdded;
        }

        int size() {
            return nodes.length;
        }
    }

    private Rows rowsOf(List<Entry> rows, List<byte[]> nodes) {
        int n = rows.size();
        long[] numbers = new long[n * Rows.NUMBERS];
        int[] subprotocols = new int[n];
        String[] texts = new String[n * 3];
        int reasonCount = 0;
        List<String> shared = n > 0 ? rows.get(0).meta().reasons() : null;
        RowChecksum checksum = new RowChecksum();
        for (int k = 0; k < n; k++) {
            Entry e = rows.get(k);
            Meta meta = e.meta();
            if (shared != null && !meta.reasons().equals(shared)) {
                shared = null;
            }
            String reasons = reasonsJson(meta.reasons());
            String extra = extraJson(meta.extra());
            String action = e.action().toJson();
            int b = k * Rows.NUMBERS;
            numbers[b] = meta.added();
            numbers[b + 1] = meta.id().ms();
            numbers[b + 2] = meta.id().seq();
            numbers[b + 3] = meta.time();
            numbers[b + 4] = checksum.of(meta.added(), meta.id().ms(), nodes.get(k), meta.id().seq(), meta.time(),
                meta.subprotocol(), reasonsBytes(reasons), utf8(extra), utf8(action));
            subprotocols[k] = meta.subprotocol();
            texts[k * 3] = reasons;
            texts[k * 3 + 1] = extra;
            texts[k * 3 + 2] = action;
            reasonCount += indexedReasons(meta.reasons());
        }
        String[] reasons = new String[reasonCount];
        long[] added = new long[reasonCount];
        int r = 0;
        for (Entry e : rows) {
            for (String reason : e.meta().reasons()) {
                if (!IMPLICIT_REASON.equals(reason)) {
                    reasons[r] = reason;
                    added[r++] = e.meta().added();
                }
            }
        }
        Rows result = new Rows(numbers, nodes.toArray(new byte[0][]), subprotocols, texts, reasons, added);
        result.shared = shared;
        return result;
    }

    /** How many of {@code reasons} have rows in table {@code reasons}: all but {@link #IMPLICIT_REASON}. */
    private static int indexedReasons(List<String> reasons) {
        return reasons.contains(IMPLICIT_REASON) ? reasons.size() - 1 : reasons.size();
    }

    private void insertRows(Rows rows) throws SQLException {
        int i = 0;
        while (i < rows.size()) {
            int n = chunk(rows.size() - i);
            PreparedStatement ps = ps(multiRow("INSERT INTO entries (added, ms, node, seq, time, subprotocol, "
                + "reasons, extra, action, crc) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", n));
            int p = 1;
            for (int k = i; k < i + n; k++) {
                int b = k * Rows.NUMBERS;
                ps.setLong(p++, rows.numbers[b]);
                ps.setLong(p++, rows.numbers[b + 1]);
                ps.setBytes(p++, rows.nodes[k]);
                ps.setLong(p++, rows.numbers[b + 2]);
                ps.setLong(p++, rows.numbers[b + 3]);
                ps.setInt(p++, rows.subprotocols[k]);
                ps.setString(p++, rows.texts[k * 3]);
                ps.setString(p++, rows.texts[k * 3 + 1]);
                ps.setString(p++, rows.texts[k * 3 + 2]);
                ps.setLong(p++, rows.numbers[b + 4]);
            }
            ps.executeUpdate();
            i += n;
        }
        if (rows.shared != null && rows.size() >= MIN_SHARED_REASONS) {
            // one statement per reason instead of two binds per row: the rows just inserted, by their added range
            PreparedStatement ps = ps("INSERT INTO reasons (reason, added) SELECT ?, added FROM entries "
                + "WHERE added >= ? AND added <= ?");
            for (String reason : rows.shared) {
                if (IMPLICIT_REASON.equals(reason)) {
                    continue;
                }
                setText(ps, 1, reason);
                ps.setLong(2, rows.numbers[0]);
                ps.setLong(3, rows.numbers[(rows.size() - 1) * Rows.NUMBERS]);
                ps.executeUpdate();
            }
            return;
        }
        i = 0;
        while (i < rows.reasons.length) {
            int n = chunk(rows.reasons.length - i);
            PreparedStatement ps = ps(multiRow("INSERT INTO reasons (reason, added) VALUES ", "(?, ?)", n));
            int p = 1;
            for (int k = i; k < i + n; k++) {
                setText(ps, p++, rows.reasons[k]);
                ps.setLong(p++, rows.reasonAdded[k]);
            }
            ps.executeUpdate();
            i += n;
        }
    }

    private static int chunk(int remaining) {
        return chunk(CHUNKS, remaining);
    }

    private static int chunk(int[] sizes, int remaining) {
        for (int c : sizes) {
            if (remaining >= c) {
                return c;
            }
        }
        throw new IllegalArgumentException("nothing to insert");
    }

    private String multiRow(String head, String row, int n) {
        return multiRowSql.computeIfAbsent(head + n, k -> head + String.join(", ", Collections.nCopies(n, row)));
    }

    @Override
    public Optional<Entry> byId(ActionId id) {
        return read("byId", () -> Optional.ofNullable(find(id)));
    }

    private Entry find(ActionId id) throws SQLException {
        PreparedStatement ps = ps("SELECT " + columns + " FROM entries e WHERE e.ms = ? AND e.node = ? AND e.seq = ?");
        bindId(ps, 1, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? entry(rs) : null;
        }
    }

    @Override
    public boolean has(ActionId id) {
        // reads the row, so that a corrupt one counts as absent (and is found) as in byId
        return read("has", () -> find(id) != null);
    }

    @Override
    public boolean seen(ActionId id) {
        return read("seen", () -> inSeenIndex(id, NodeKey.encode(id.node())));
    }

    @Override
    public void forEachSeen(long fromMs, long toMs, java.util.function.Consumer<ActionId> consumer) {
        read("forEachSeen", () -> {
            // schema 3: the log's ids (the entries_created index) and then those that left it; older: seen has all
            List<String> tables = seenHoldsAll ? List.of("seen") : List.of("entries", "seen");
            for (String table : tables) {
                PreparedStatement ps = ps("SELECT ms, node, seq FROM " + table + " WHERE ms >= ? AND ms <= ?");
                ps.setLong(1, fromMs);
                ps.setLong(2, toMs);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        consumer.accept(new ActionId(rs.getLong(1), NodeKey.decode(rs.getBytes(2)), rs.getLong(3)));
                    }
                }
            }
            return null;
        });
    }

    private static void bindId(PreparedStatement ps, int from, ActionId id) throws SQLException {
        ps.setLong(from, id.ms());
        ps.setBytes(from + 1, NodeKey.encode(id.node()));
        ps.setLong(from + 2, id.seq());
    }

    @Override
    public boolean changeMeta(ActionId id, Meta meta) {
        if (!meta.hasReasons()) {
            throw new IllegalArgumentException("changeMeta needs reasons; use remove");
        }
        return write("changeMeta", () -> {
            Entry old = find(id);
            if (old == null) {
                return false;
            }
            update(old, meta);
            return true;
        });
    }

    /**
     * Writes a new meta for a stored entry (keeping its {@code added}) and syncs the reasons index ({@link
     * #IMPLICIT_REASON} gained or lost changes the row's {@code reasons} column alone).
     */
    private void update(Entry old, Meta meta) throws SQLException {
        long added = old.meta().added();
        PreparedStatement ps = ps("UPDATE entries SET time = ?, subprotocol = ?, reasons = ?, extra = ?, crc = ? "
            + "WHERE added = ?");
        String reasons = reasonsJson(meta.reasons());
        String extra = extraJson(meta.extra());
        ps.setLong(1, meta.time());
        ps.setInt(2, meta.subprotocol());
        ps.setString(3, reasons);
        ps.setString(4, extra);
        ps.setLong(5, rowCrc(added, old.id().ms(), NodeKey.encode(old.id().node()), old.id().seq(), meta.time(),
            meta.subprotocol(), reasonsBytes(reasons), utf8(extra), utf8(old.action().toJson())));
        ps.setLong(6, added);
        ps.executeUpdate();
        Set<String> now = new HashSet<>(meta.reasons());
        for (String r : old.meta().reasons()) {
            if (!now.contains(r)) {
                deleteReason(r, added);
            }
        }
        Set<String> before = new HashSet<>(old.meta().reasons());
        PreparedStatement ins = ps("INSERT INTO reasons (reason, added) VALUES (?, ?)");
        for (String r : meta.reasons()) {
            if (!before.contains(r) && !IMPLICIT_REASON.equals(r)) {
                setText(ins, 1, r);
                ins.setLong(2, added);
                ins.executeUpdate();
            }
        }
    }

    /** Deletes the index row of {@code reason} of an entry; none for {@link #IMPLICIT_REASON}, which has none. */
    private void deleteReason(String reason, long added) throws SQLException {
        if (IMPLICIT_REASON.equals(reason)) {
            return;
        }
        PreparedStatement ps = ps("DELETE FROM reasons WHERE reason = ? AND added = ?");
        setText(ps, 1, reason);
        ps.setLong(2, added);
        ps.executeUpdate();
    }

    /** Removes an entry from the log; its id goes to {@code seen}, which keeps the ids that left the log. */
    private void delete(Entry e) throws SQLException {
        long added = e.meta().added();
        PreparedStatement ps = ps("DELETE FROM entries WHERE added = ?");
        ps.setLong(1, added);
        ps.executeUpdate();
        PreparedStatement seen = ps("INSERT OR IGNORE INTO seen (ms, node, seq, crc) VALUES (?, ?, ?, ?)");
        byte[] node = NodeKey.encode(e.id().node());
        seen.setLong(1, e.id().ms());
        seen.setBytes(2, node);
        seen.setLong(3, e.id().seq());
        seen.setLong(4, seenCrc(seenKey(e.id().ms(), node, e.id().seq())));
        seen.executeUpdate();
        for (String r : e.meta().reasons()) {
            deleteReason(r, added);
        }
        size--;
        // lastAdded must outlive the row that carried it (never reuse added numbers after a reopen).
        if (added == lastAdded) {
            setCounter("lastAdded", lastAdded);
        }
    }

    @Override
    public Optional<Entry> remove(ActionId id) {
        return write("remove", () -> {
            Entry old = find(id);
            if (old != null) {
                delete(old);
            }
            return Optional.ofNullable(old);
        });
    }

    @Override
    public List<Entry> removeReason(String reason, Criteria criteria) {
        Objects.requireNonNull(reason, "reason");
        return write("removeReason", () -> {
            List<Entry> candidates = new ArrayList<>();
            if (criteria.id() != null) {
                Entry e = find(criteria.id());
                if (e != null && e.meta().reasons().contains(reason)
                    && criteria.matches(e.id(), e.meta().added())) {
                    candidates.add(e);
                }
            } else {
                candidates = candidates(reason, criteria);
            }
            List<Entry> removed = new ArrayList<>();
            for (Entry e : candidates) {
                List<String> rest = new ArrayList<>(e.meta().reasons());
                rest.remove(reason);
                if (rest.isEmpty()) {
                    delete(e);
                    removed.add(e);
                } else {
                    update(e, e.meta().withReasons(rest));
                }
            }
            return removed;
        });
    }

    /**
     * Entries with the reason matching the criteria, in {@code added} order: a range scan of the reasons index,
     * filtered in SQL; for {@link #IMPLICIT_REASON}, the rows of {@code entries} that pass
     * {@link #IMPLICIT_REASON_FILTER} and then hold the reason once parsed, read by the created-order range when the
     * criteria give one ({@code olderThan}, {@code youngerThan}: the retention sweep's and {@code keepLast}'s calls,
     * which ask for the oldest part of the log; without the index hint SQLite, which has no statistics, read the whole
     * table by {@code added} for each of the sweep's batches), else by the {@code added} range.
     */
    private List<Entry> candidates(String reason, Criteria criteria) throws SQLException {
        boolean implicit = IMPLICIT_REASON.equals(reason);
        StringBuilder sql = new StringBuilder("SELECT ").append(columns);
        if (implicit) {
            boolean created = criteria.olderThan() != null || criteria.youngerThan() != null;
            sql.append(created ? " FROM entries e INDEXED BY entries_created" : " FROM entries e")
                .append(" WHERE e.added >= ? AND e.added <= ? AND ").append(IMPLICIT_REASON_FILTER);
        } else {
            sql.append(" FROM reasons r CROSS JOIN entries e ON e.added = r.added")
                .append(" WHERE r.reason = ? AND r.added >= ? AND r.added <= ?");
        }
        if (criteria.olderThan() != null) {
            sql.append(" AND (e.ms, e.node, e.seq) < (?, ?, ?)");
        }
        if (criteria.youngerThan() != null) {
            sql.append(" AND (e.ms, e.node, e.seq) > (?, ?, ?)");
        }
        sql.append(implicit ? " ORDER BY e.added" : " ORDER BY r.added");
        PreparedStatement ps = ps(sql.toString());
        int i = 1;
        if (!implicit) {
            setText(ps, i++, reason);
        }
        ps.setLong(i++, criteria.minAdded());
        ps.setLong(i++, criteria.maxAdded());
        if (criteria.olderThan() != null) {
            bindId(ps, i, criteria.olderThan());
            i += 3;
        }
        if (criteria.youngerThan() != null) {
            bindId(ps, i, criteria.youngerThan());
        }
        if (!implicit) {
            return list(ps);
        }
        List<Entry> out = list(ps);
        out.removeIf(e -> !e.meta().reasons().contains(IMPLICIT_REASON));
        return out;
    }

    /**
     * {@inheritDoc} Each row's checksum is checked as by every read (a row whose checksum matches holds what was
     * written, which was checked before it was written); a corrupt one is quarantined ({@link #settleCorrupt}).
     * Costs one indexed range read of {@code limit} rows on the calling (owner) thread. While a batch is written
     * behind ({@link #addBehind}), returns {@code afterAdded} at once, having read nothing.
     */
    @Override
    public long scrub(long afterAdded, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        Behind b = behind;
        if (b != null && b.run != null && !b.run.isDone()) {
            // a catch-up's batch is being written behind: a read now would wait for it (settleBehind) and undo the
            // overlap that the write-behind gives a catch-up; the scrub can wait
            return afterAdded;
        }
        scrubReadHook.run();
        return read("scrub", () -> {
            PreparedStatement ps = ps("SELECT " + columns + " FROM entries e WHERE e.added > ? ORDER BY e.added LIMIT ?");
            ps.setLong(1, afterAdded);
            ps.setInt(2, limit);
            long last = -1;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    last = rs.getLong(1);
                    entry(rs); // null for a corrupt row, which is now in foundCorrupt
                }
            }
            return last;
        });
    }

    /**
     * The key ({@code ms, node, seq} as read, any type) of the last {@code seen} row the running scrub of the seen
     * index checked ({@link #scrubSeen}); null before its first step. Owner thread.
     */
    private Object[] seenScrubAt;

    /**
     * {@inheritDoc} Reads up to {@code limit} rows of {@code seen} through its primary key after the last one checked
     * (one indexed range read on the calling, owner thread), checks each as the open does ({@link #checkSeen}: a
     * key's shape and its checksum), and repairs or sets aside the damaged ones ({@link #repairSeen}) in one write
     * of their own. While a batch is written behind ({@link #addBehind}), returns {@link ScrubStep#BUSY} at once,
     * having read nothing. A reader (read-only) checks and logs nothing. Before (session 41) a row changed while the
     * node ran was found only at its next open, and until then a peer's copy of that cleaned action was taken again.
     */
    @Override
    public ScrubStep scrubSeen(boolean fromStart, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        Behind b = behind;
        if (b != null && b.run != null && !b.run.isDone()) {
            return ScrubStep.BUSY; // as scrub: a read now would wait for the batch written behind
        }
        Object[] from = fromStart ? null : seenScrubAt;
        List<Object[]> damaged = new ArrayList<>();
        scrubReadHook.run();
        Object[] last = read("scrubSeen", () -> readSeenAfter(from, limit, damaged));
        if (!damaged.isEmpty() && !readOnly) {
            write("repair a seen id", () -> {
                for (Object[] row : damaged) {
                    repairSeen(row);
                }
                return null;
            });
        }
        seenScrubAt = last;
        return last == null ? ScrubStep.DONE : ScrubStep.MORE;
    }

    /**
     * Reads up to {@code limit} rows of {@code seen} after {@code from} (a key as read; null: from the first row) in key
     * order, adding those whose shape or checksum fails ({@link #seenRowWhole}) to {@code damaged}.
     *
     * @return the key of the last row read, or null when fewer than {@code limit} were left (the pass is done)
     */
    private Object[] readSeenAfter(Object[] from, int limit, List<Object[]> damaged) throws SQLException {
        PreparedStatement ps = ps(from == null
            ? "SELECT ms, node, seq, crc FROM seen ORDER BY ms, node, seq LIMIT ?"
            : "SELECT ms, node, seq, crc FROM seen WHERE (ms, node, seq) > (?, ?, ?) ORDER BY ms, node, seq LIMIT ?");
        int at = 1;
        if (from != null) {
            for (int i = 0; i < 3; i++) {
                ps.setObject(at++, from[i]);
            }
        }
        ps.setInt(at, limit);
        Object[] lastRow = null;
        int rows = 0;
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows++;
                lastRow = new Object[] {rs.getObject(1), rs.getObject(2), rs.getObject(3), rs.getObject(4)};
                if (!seenRowWhole(lastRow)) {
                    damaged.add(lastRow);
                }
            }
        }
        scrubRows = rows;
        return rows < limit ? null : lastRow;
    }

    /** The rows the last {@link #readSeenAfter} read (the scrubber's count); the calling thread's. */
    private int scrubRows;

    /**
     * Called when a scrub's read begins, on the thread that reads ({@link #scrub} and {@link #scrubSeen} on the owner's,
     * a {@link #scrubber}'s on its own): a test's hook that plays a slow read (package-private: not for users).
     */
    private Runnable scrubReadHook = () -> { };

    /** Sets the hook called as each scrub read begins, also by scrubbers opened after this call (tests). */
    void scrubReadHook(Runnable hook) {
        scrubReadHook = Objects.requireNonNull(hook, "hook");
    }

    /**
     * {@inheritDoc} A read-only connection of its own ({@link #openReader}, without the check at open, which the owner
     * did), on the file this store owns: WAL lets it read what was committed while the owner writes. {@code null} for
     * a reader (it scrubs nothing).
     *
     * @throws StoreException if that connection cannot be opened (a full disk may refuse it)
     */
    @Override
    public Scrubber scrubber() {
        requireOpen();
        if (readOnly) {
            return null;
        }
        SqliteStore reader = openReader(file, false);
        reader.scrubReadHook = scrubReadHook;
        return new ReaderScrubber(reader);
    }

    /** A {@link Scrubber} on a reader of the owner's file; the reader's state is the scrubber's thread's. */
    private static final class ReaderScrubber implements Scrubber {
        private final SqliteStore reader;

        ReaderScrubber(SqliteStore reader) {
            this.reader = reader;
        }

        @Override
        public ScrubRead next(int limit) {
            return reader.scrubRead(limit);
        }

        @Override
        public void close() {
            reader.close();
        }
    }

    /**
     * {@inheritDoc} A read-only connection of its own ({@link #openReader}, without the check at open, which the owner
     * did), on the file this store owns, as a {@link #scrubber}'s. {@code null} for a reader.
     *
     * @throws StoreException if that connection cannot be opened (a full disk may refuse it)
     */
    @Override
    public PageReader pageReader() {
        requireOpen();
        if (readOnly) {
            return null;
        }
        SqliteStore reader = openReader(file, false);
        reader.pageReadHook = pageReadHook;
        return new ReaderPages(reader);
    }

    /** A {@link PageReader} on a reader of the owner's file; the reader's state is the calling thread's. */
    private static final class ReaderPages implements PageReader {
        private final SqliteStore reader;

        ReaderPages(SqliteStore reader) {
            this.reader = reader;
        }

        @Override
        public List<Entry> page(Order order, boolean ascending, Object after, int limit) {
            try {
                return reader.page(order, ascending, after, limit);
            } finally {
                reader.endSnapshot("page");
            }
        }

        @Override
        public void close() {
            reader.close();
        }
    }

    /**
     * Ends the read transaction of a reader's call, so that its next call reads what the owner committed meanwhile
     * and no snapshot holds up the owner's checkpoints ({@link PageReader}).
     */
    private void endSnapshot(String what) {
        if (closed || !inTransaction) {
            return;
        }
        try {
            conn.commit();
        } catch (SQLException e) {
            recover(e);
            throw failure(what, e);
        }
    }

    /**
     * Called when a page read ({@link #page}) begins, with its order and direction, on the thread that reads (the
     * owner's, or a {@link PageReader}'s): a test's hook that plays a slow read (package-private: not for users).
     */
    private java.util.function.BiConsumer<Order, Boolean> pageReadHook = (order, ascending) -> { };

    /** Sets the hook called as each page read begins, also by page readers opened after this call (tests). */
    void pageReadHook(java.util.function.BiConsumer<Order, Boolean> hook) {
        pageReadHook = Objects.requireNonNull(hook, "hook");
    }

    /** An entry row a scrubber found corrupt, by its {@code added}. */
    private record EntrySuspect(long added) implements Suspect {
    }

    /** A {@code seen} row a scrubber found damaged, by its key as read ({@code ms, node, seq}, any type). */
    private static final class SeenSuspect implements Suspect {
        final Object[] key;

        SeenSuspect(Object[] row) {
            this.key = new Object[] {row[0], row[1], row[2]};
        }
    }

    /**
     * Where the running pass of this reader's scrubber is ({@link #scrubRead}): the last {@code added} read (0 at the
     * start of a pass), or -1 once the entries are read and the pass is in the seen index (at {@link #seenScrubAt}).
     * The scrubber's thread's.
     */
    private long scrubReadAt;

    /**
     * One step of a scrubber ({@link ReaderScrubber}) on this reader: reads up to {@code limit} entries after
     * {@link #scrubReadAt}, or once they are done up to {@code limit} seen rows after {@link #seenScrubAt}, checks them
     * as the owner's reads do (the entries' checksums and parse, {@link #entry}; the seen rows', {@link #seenRowWhole}),
     * and returns the damaged ones as suspects, writing and logging nothing: the owner reads each again before it sets
     * it aside ({@link #settleScrub}). The read transaction ends with the step, so the next one sees what the owner
     * committed meanwhile, and no snapshot holds up the owner's checkpoints past a step.
     */
    private ScrubRead scrubRead(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        requireOpen();
        requireTransaction("scrub");
        scrubReadHook.run();
        List<Suspect> suspects = new ArrayList<>();
        try {
            int rows = 0;
            boolean done = false;
            if (scrubReadAt >= 0) {
                PreparedStatement ps = ps("SELECT " + columns
                    + " FROM entries e WHERE e.added > ? ORDER BY e.added LIMIT ?");
                ps.setLong(1, scrubReadAt);
                ps.setInt(2, limit);
                long last = scrubReadAt;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        entry(rs); // null for a corrupt row, which is now in foundCorrupt
                        last = rowAdded;
                    }
                }
                for (Corruption c : foundCorrupt) {
                    suspects.add(new EntrySuspect(c.added()));
                }
                foundCorrupt.clear();
                scrubReadAt = rows < limit ? -1 : last;
                seenScrubAt = null;
            } else {
                List<Object[]> damaged = new ArrayList<>();
                Object[] last = readSeenAfter(seenScrubAt, limit, damaged);
                rows = scrubRows;
                for (Object[] row : damaged) {
                    suspects.add(new SeenSuspect(row));
                }
                seenScrubAt = last;
                if (last == null) {
                    done = true;
                    scrubReadAt = 0;
                }
            }
            conn.commit(); // ends the step's snapshot
            return new ScrubRead(rows, done, suspects);
        } catch (SQLException e) {
            foundCorrupt.clear();
            recover(e);
            throw failure("scrub", e);
        }
    }

    /**
     * {@inheritDoc} Each entry suspect is read again by its {@code added} as every read reads it ({@link #entry}: a
     * row still corrupt is quarantined and reported, {@link #settleCorrupt}), each seen suspect by its key (a row still
     * damaged is repaired or set aside, {@link #repairSeen}, in one write). Owner thread.
     *
     * @throws IllegalArgumentException for a suspect of another store's scrubber
     */
    @Override
    public void settleScrub(List<Suspect> suspects) {
        Objects.requireNonNull(suspects, "suspects");
        if (suspects.isEmpty()) {
            return;
        }
        for (Suspect s : suspects) {
            if (!(s instanceof EntrySuspect) && !(s instanceof SeenSuspect)) {
                throw new IllegalArgumentException("not a suspect of a SqliteStore's scrubber: " + s);
            }
        }
        List<Object[]> damaged = new ArrayList<>();
        read("scrub", () -> {
            for (Suspect s : suspects) {
                if (s instanceof EntrySuspect e) {
                    PreparedStatement ps = ps("SELECT " + columns + " FROM entries e WHERE e.added = ?");
                    ps.setLong(1, e.added());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            entry(rs); // still corrupt: in foundCorrupt, settled when this read ends
                        }
                    }
                } else if (s instanceof SeenSuspect seen) {
                    PreparedStatement ps = ps("SELECT ms, node, seq, crc FROM seen WHERE ms = ? AND node = ? AND seq = ?");
                    for (int i = 0; i < 3; i++) {
                        ps.setObject(i + 1, seen.key[i]);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            Object[] row = {rs.getObject(1), rs.getObject(2), rs.getObject(3), rs.getObject(4)};
                            if (!seenRowWhole(row)) {
                                damaged.add(row);
                            }
                        }
                    }
                }
            }
            return null;
        });
        if (!damaged.isEmpty() && !readOnly) {
            write("repair a seen id", () -> {
                for (Object[] row : damaged) {
                    repairSeen(row);
                }
                return null;
            });
        }
    }

    /**
     * One page; rows found corrupt are skipped and the page is filled from further on, so that a short page still
     * means the end of the log (callers stop at a short page).
     */
    @Override
    public List<Entry> page(Order order, boolean ascending, Object after, int limit) {
        Objects.requireNonNull(order, "order");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        pageReadHook.accept(order, ascending);
        if (order == Order.ADDED) {
            long from = after == null ? (ascending ? 0 : Long.MAX_VALUE) : Store.addedPosition(after);
            RecentRows r = recent;
            if (ascending && r != null && from >= r.after && behind == null && !closed) {
                // what the owner's last adds committed, as they were committed: no read of the file
                List<Entry> out = new ArrayList<>(Math.min(limit, r.rows.size()));
                for (Entry e : r.rows) {
                    if (out.size() == limit) {
                        break;
                    }
                    if (e.meta().added() > from) {
                        out.add(e);
                    }
                }
                return out;
            }
            return read("page", () -> {
                PreparedStatement ps = ps(ascending
                    ? "SELECT " + columns + " FROM entries e WHERE e.added > ? ORDER BY e.added LIMIT ?"
                    : "SELECT " + columns + " FROM entries e WHERE e.added < ? ORDER BY e.added DESC LIMIT ?");
                List<Entry> out = new ArrayList<>(Math.min(limit, 1024));
                long pos = from;
                while (true) {
                    int want = limit - out.size();
                    ps.setLong(1, pos);
                    ps.setInt(2, want);
                    int rows = 0;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            Entry e = entry(rs);
                            pos = rowAdded;
                            if (e != null) {
                                out.add(e);
                            }
                        }
                    }
                    if (rows < want || out.size() == limit) {
                        return out;
                    }
                }
            });
        }
        ActionId from = after == null ? null : Store.createdPosition(after);
        return read("page", () -> {
            String dir = ascending ? "" : " DESC";
            String where = ascending ? " WHERE (e.ms, e.node, e.seq) > (?, ?, ?)" : " WHERE (e.ms, e.node, e.seq) < (?, ?, ?)";
            String order1 = " ORDER BY e.ms" + dir + ", e.node" + dir + ", e.seq" + dir + " LIMIT ?";
            List<Entry> out = new ArrayList<>(Math.min(limit, 1024));
            // the position as stored (raw node bytes), so that a row with an unreadable id is still passed
            Object[] pos = from == null ? null : new Object[] {from.ms(), NodeKey.encode(from.node()), from.seq()};
            while (true) {
                int want = limit - out.size();
                PreparedStatement ps = ps(createdFromTable
                    ? "SELECT " + columns + " FROM temp.created_order k CROSS JOIN entries e ON e.added = k.added"
                        + (pos == null ? "" : where.replace("e.", "k.")) + order1.replace("e.", "k.")
                    : "SELECT " + columns + " FROM entries e INDEXED BY entries_created" + (pos == null ? "" : where)
                        + order1);
                int i = 1;
                if (pos != null) {
                    ps.setLong(1, (Long) pos[0]);
                    ps.setBytes(2, (byte[]) pos[1]);
                    ps.setLong(3, (Long) pos[2]);
                    i = 4;
                }
                ps.setInt(i, want);
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        Entry e = entry(rs);
                        pos = new Object[] {rowMs, rowNode, rowSeq};
                        if (e != null) {
                            out.add(e);
                        }
                    }
                }
                if (rows < want || out.size() == limit) {
                    return out;
                }
            }
        });
    }

    @Override
    public List<Entry> withReason(String reason, long afterAdded, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        boolean implicit = IMPLICIT_REASON.equals(reason);
        return read("withReason", () -> {
            // the implicit reason has no index rows (schema 6): the entries in added order that may have it, each
            // then decided by its parsed reasons (a schema 5 file, read as it is, holds the same in the same columns)
            PreparedStatement ps = ps(implicit
                ? "SELECT " + columns + " FROM entries e WHERE e.added > ? AND " + IMPLICIT_REASON_FILTER
                    + " ORDER BY e.added LIMIT ?"
                : "SELECT " + columns + " FROM reasons r CROSS JOIN entries e ON e.added = r.added"
                    + " WHERE r.reason = ? AND r.added > ? ORDER BY r.added LIMIT ?");
            List<Entry> out = new ArrayList<>();
            long pos = afterAdded;
            while (true) {
                int want = limit - out.size();
                int p = 1;
                if (!implicit) {
                    setText(ps, p++, reason);
                }
                ps.setLong(p++, pos);
                ps.setInt(p, want);
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        Entry e = entry(rs);
                        pos = rowAdded;
                        if (e != null && (!implicit || e.meta().reasons().contains(IMPLICIT_REASON))) {
                            out.add(e);
                        }
                    }
                }
                if (rows < want || out.size() == limit) {
                    return out;
                }
            }
        });
    }

    @Override
    public long lastAdded() {
        requireOpen();
        return lastAdded;
    }

    @Override
    public long size() {
        requireOpen();
        return size;
    }

    @Override
    public PeerCursor cursor(String peerNode) {
        if (behind != null && behind.run != null && !behind.run.isDone() && !closed) {
            // what the batch that is out saves (a session asks after each chunk): no need to wait for it; one that
            // has ended may have failed (then this call throws, as every call does until it goes in)
            PeerCursor saving = behind.cursors.get(peerNode);
            if (saving != null) {
                return saving;
            }
        }
        return read("cursor", () -> {
            PreparedStatement ps;
            if (cursorsInNodes) {
                ps = ps("SELECT received, sent FROM nodes WHERE node = ? AND received IS NOT NULL");
                ps.setBytes(1, NodeKey.encode(peerNode));
            } else {
                ps = ps("SELECT received, sent FROM cursors WHERE peer = ?");
                ps.setString(1, peerNode);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new PeerCursor(rs.getLong(1), rs.getLong(2)) : PeerCursor.NONE;
            }
        });
    }

    @Override
    public void setCursor(String peerNode, PeerCursor cursor) {
        Objects.requireNonNull(peerNode, "peerNode");
        Objects.requireNonNull(cursor, "cursor");
        write("setCursor", () -> putCursor(peerNode, cursor));
    }

    @Override
    public void setCursors(Map<String, PeerCursor> cursors) {
        if (cursors.isEmpty()) {
            return;
        }
        write("setCursors", () -> {
            for (Map.Entry<String, PeerCursor> c : cursors.entrySet()) {
                putCursor(c.getKey(), c.getValue());
            }
            return null;
        });
    }

    /** Saves a peer's cursor in its {@code nodes} row (with the mark of its ids, if any: ms 0 for none). */
    private int putCursor(String peerNode, PeerCursor cursor) throws SQLException {
        PreparedStatement ps = ps("INSERT INTO nodes (node, ms, received, sent) VALUES (?, 0, ?, ?) "
            + "ON CONFLICT (node) DO UPDATE SET received = excluded.received, sent = excluded.sent");
        ps.setBytes(1, NodeKey.encode(peerNode));
        ps.setLong(2, cursor.received());
        ps.setLong(3, cursor.sent());
        return ps.executeUpdate();
    }

    @Override
    public java.util.OptionalLong clientCursor(String client) {
        Objects.requireNonNull(client, "client");
        if (!clientsTable) {
            requireOpen();
            return java.util.OptionalLong.empty();
        }
        return read("clientCursor", () -> {
            PreparedStatement ps = ps("SELECT acked FROM clients WHERE client = ?");
            setText(ps, 1, client);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.OptionalLong.of(rs.getLong(1)) : java.util.OptionalLong.empty();
            }
        });
    }

    /**
     * {@inheritDoc} One transaction: an update (or an insert) per record, then the least recently written rows beyond
     * {@code keep} deleted through index {@code clients_used}.
     */
    @Override
    public void setClientCursors(Map<String, Long> acked, int keep) {
        Store.requireClientCursors(acked, keep);
        if (acked.isEmpty()) {
            return;
        }
        long[] after = write("setClientCursors", () -> {
            long rows = clientRows;
            long use = clientUse;
            if (rows < 0) {
                rows = queryLong("SELECT count(*) FROM clients");
                use = queryLong("SELECT coalesce(max(used), 0) FROM clients");
            }
            PreparedStatement update = ps("UPDATE clients SET acked = ?, used = ? WHERE client = ?");
            PreparedStatement insert = ps("INSERT INTO clients (client, acked, used) VALUES (?, ?, ?)");
            for (Map.Entry<String, Long> c : acked.entrySet()) {
                use++;
                update.setLong(1, c.getValue());
                update.setLong(2, use);
                setText(update, 3, c.getKey()); // an id with an unpaired surrogate as a BLOB: never one with '?'
                if (update.executeUpdate() == 0) {
                    setText(insert, 1, c.getKey());
                    insert.setLong(2, c.getValue());
                    insert.setLong(3, use);
                    insert.executeUpdate();
                    rows++;
                }
            }
            if (rows > keep) {
                // the oldest client epochs first (Store#setClientCursors): a range of the primary key ("e " up to
                // "e!"), sorted by use; then, if still over, the oldest records of any kind
                PreparedStatement epochs = ps("DELETE FROM clients WHERE client IN (SELECT client FROM clients "
                    + "WHERE client >= '" + CLIENT_EPOCH_PREFIX + "' AND client < 'e!' ORDER BY used LIMIT ?)");
                epochs.setLong(1, rows - keep);
                rows -= epochs.executeUpdate();
            }
            if (rows > keep) {
                PreparedStatement evict = ps("DELETE FROM clients WHERE client IN "
                    + "(SELECT client FROM clients ORDER BY used LIMIT ?)");
                evict.setLong(1, rows - keep);
                rows -= evict.executeUpdate();
            }
            return new long[] {rows, use};
        });
        clientRows = after[0]; // only once committed: a failed or retried write leaves the counts as they were
        clientUse = after[1];
    }

    @Override
    public Map<String, PeerCursor> cursors() {
        return read("cursors", () -> {
            Map<String, PeerCursor> all = new HashMap<>();
            try (ResultSet rs = ps(cursorsInNodes
                ? "SELECT node, received, sent FROM nodes WHERE received IS NOT NULL"
                : "SELECT peer, received, sent FROM cursors").executeQuery()) {
                while (rs.next()) {
                    String peer = cursorsInNodes ? NodeKey.decode(rs.getBytes(1)) : rs.getString(1);
                    all.put(peer, new PeerCursor(rs.getLong(2), rs.getLong(3)));
                }
            }
            return Map.copyOf(all);
        });
    }

    @Override
    public long forgetSeen(long beforeMs) {
        return write("forgetSeen", () -> {
            // The high-water mark must survive the rows that carried it (see Store#maxSeenMs).
            setCounter("maxSeenMs", maxSeenMs);
            // seen holds only ids that are not in the log (schema 3)
            PreparedStatement ps = ps("DELETE FROM seen WHERE ms < ?");
            ps.setLong(1, beforeMs);
            long forgotten = ps.executeUpdate();
            if (goneTable) {
                PreparedStatement marks = ps("DELETE FROM gone WHERE ms < ?");
                marks.setLong(1, beforeMs);
                marks.executeUpdate();
            }
            return forgotten;
        });
    }

    /**
     * One step of a sweep: the window is the next {@code limit} seen ids (primary key order, which is the created
     * order) after {@code after} below {@code beforeMs}, found through the primary key, so each batch costs
     * O(limit + log n) however many old ids the log still holds (they are skipped, not scanned again).
     */
    @Override
    public ForgetBatch forgetSeenBatch(long beforeMs, ActionId after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        return write("forgetSeen", () -> {
            setCounter("maxSeenMs", maxSeenMs);
            long afterMs = after == null ? -1 : after.ms();
            byte[] afterNode = after == null ? new byte[0] : NodeKey.encode(after.node());
            long afterSeq = after == null ? -1 : after.seq();
            PreparedStatement end = ps("SELECT ms, node, seq FROM seen WHERE (ms, node, seq) > (?, ?, ?) AND ms < ? "
                + "ORDER BY ms, node, seq LIMIT 1 OFFSET ?");
            end.setLong(1, afterMs);
            end.setBytes(2, afterNode);
            end.setLong(3, afterSeq);
            end.setLong(4, beforeMs);
            end.setInt(5, limit - 1);
            ActionId last = null;
            byte[] lastNode = null;
            try (ResultSet rs = end.executeQuery()) {
                if (rs.next()) {
                    lastNode = rs.getBytes(2);
                    last = ActionId.of(rs.getLong(1), NodeKey.decode(lastNode), rs.getLong(3));
                }
            }
            // seen holds only ids that are not in the log (schema 3): the whole window goes
            PreparedStatement del;
            if (last == null) { // fewer than limit ids are left: the rest of the sweep
                del = ps("DELETE FROM seen WHERE (ms, node, seq) > (?, ?, ?) AND ms < ?");
            } else {
                del = ps("DELETE FROM seen WHERE (ms, node, seq) > (?, ?, ?) AND (ms, node, seq) <= (?, ?, ?)");
            }
            del.setLong(1, afterMs);
            del.setBytes(2, afterNode);
            del.setLong(3, afterSeq);
            if (last == null) {
                del.setLong(4, beforeMs);
            } else {
                del.setLong(4, last.ms());
                del.setBytes(5, lastNode);
                del.setLong(6, last.seq());
            }
            int forgotten = del.executeUpdate();
            if (goneTable) { // up to limit marks too, through the index by time: no batch holds the loop for long
                PreparedStatement marks = ps("DELETE FROM gone WHERE rowid IN (SELECT rowid FROM gone WHERE ms < ? "
                    + "LIMIT ?)");
                marks.setLong(1, beforeMs);
                marks.setInt(2, limit);
                marks.executeUpdate();
            }
            return new ForgetBatch(forgotten, last);
        });
    }

    @Override
    public void addGone(String peer, java.util.Collection<ActionId> ids) {
        eachGone("addGone", "INSERT OR IGNORE INTO gone (peer, ms, node, seq) VALUES (?, ?, ?, ?)", peer, ids);
    }

    @Override
    public void removeGone(String peer, java.util.Collection<ActionId> ids) {
        eachGone("removeGone", "DELETE FROM gone WHERE peer = ? AND ms = ? AND node = ? AND seq = ?", peer, ids);
    }

    /** Runs {@code sql} (parameters: peer, ms, node, seq) once per id, in one write; nothing without the table. */
    private void eachGone(String what, String sql, String peer, java.util.Collection<ActionId> ids) {
        Objects.requireNonNull(peer, "peer");
        if (!goneTable || ids.isEmpty()) {
            requireOpen();
            return;
        }
        byte[] key = NodeKey.encode(peer);
        write(what, () -> {
            PreparedStatement ps = ps(sql);
            for (ActionId id : ids) {
                ps.setBytes(1, key);
                ps.setLong(2, id.ms());
                ps.setBytes(3, NodeKey.encode(id.node()));
                ps.setLong(4, id.seq());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public long removeGoneBefore(String peer, long beforeMs) {
        Objects.requireNonNull(peer, "peer");
        if (!goneTable) {
            requireOpen();
            return 0;
        }
        return write("removeGone", () -> {
            PreparedStatement ps = ps("DELETE FROM gone WHERE peer = ? AND ms < ?");
            ps.setBytes(1, NodeKey.encode(peer));
            ps.setLong(2, beforeMs);
            return (long) ps.executeUpdate();
        });
    }

    /**
     * {@inheritDoc} A row that does not hold a mark as this store writes them (a peer or node that is not an encoded
     * id, a time or sequence that is not an integer: a file edited or damaged by hand) is skipped, logged once per
     * call with the file, the row and what was wrong, and deleted (a store open for writing; a failure to delete is
     * logged too): a cache row is not worth a quarantine.
     */
    @Override
    public void forEachGone(long fromMs, long toMs, java.util.function.BiConsumer<String, ActionId> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (!goneTable) {
            requireOpen();
            return;
        }
        List<Long> odd = new ArrayList<>();
        String[] first = new String[1];
        boolean checkTimes = !goneTimesChecked;
        read("forEachGone", () -> {
            PreparedStatement ps = ps(checkTimes
                // once per open, a scan: a time that is text or real sorts outside every range of integers
                ? "SELECT rowid, peer, ms, node, seq FROM gone WHERE (ms >= ? AND ms <= ?) OR typeof(ms) <> 'integer'"
                : "SELECT rowid, peer, ms, node, seq FROM gone WHERE ms >= ? AND ms <= ?");
            ps.setLong(1, fromMs);
            ps.setLong(2, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String peer;
                    ActionId id;
                    try {
                        peer = NodeKey.decode(goneBlob(rs.getObject(2), "peer"));
                        id = ActionId.of(goneLong(rs.getObject(3), "ms"), NodeKey.decode(goneBlob(rs.getObject(4),
                            "node")), goneLong(rs.getObject(5), "seq"));
                    } catch (IllegalArgumentException e) {
                        odd.add(rs.getLong(1));
                        if (first[0] == null) {
                            first[0] = "rowid " + rs.getLong(1) + ": " + e.getMessage();
                        }
                        continue;
                    }
                    consumer.accept(peer, id);
                }
            }
            return null;
        });
        goneTimesChecked = true;
        if (odd.isEmpty()) {
            return;
        }
        String fate = "skipped";
        if (!readOnly) {
            try {
                write("removeGone", () -> {
                    PreparedStatement del = ps("DELETE FROM gone WHERE rowid = ?");
                    for (long rowid : odd) {
                        del.setLong(1, rowid);
                        del.executeUpdate();
                    }
                    return null;
                });
                fate = "skipped and deleted";
            } catch (StoreException e) {
                fate = "skipped (not deleted: " + e.getMessage() + ")";
            }
        }
        goneProblem = file + ": " + odd.size() + " rows of table gone are not gone marks, " + fate + "; the first: "
            + first[0];
        LOG.error("{}", goneProblem);
    }

    /** The last error {@link #forEachGone} logged about odd rows, or null (for tests). */
    String goneProblem() {
        return goneProblem;
    }

    private static byte[] goneBlob(Object value, String column) {
        if (value instanceof byte[] b) {
            return b;
        }
        throw new IllegalArgumentException(column + " is " + describeValue(value) + ", not an encoded id");
    }

    private static long goneLong(Object value, String column) {
        if (value instanceof Long || value instanceof Integer) {
            return ((Number) value).longValue();
        }
        throw new IllegalArgumentException(column + " is " + describeValue(value) + ", not an integer");
    }

    private static String describeValue(Object value) {
        return value == null ? "NULL" : value.getClass().getSimpleName() + " " + value;
    }

    @Override
    public long maxSeenMs() {
        requireOpen();
        return maxSeenMs;
    }

    @Override
    public Optional<String> state(String key) {
        return read("state", () -> readState(key));
    }

    private Optional<String> readState(String key) throws SQLException {
        PreparedStatement ps = ps("SELECT value FROM state WHERE key = ?");
        setText(ps, 1, key);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            Object value = rs.getObject(1);
            return Optional.of(value instanceof byte[] b ? NodeKey.decode(b) : rs.getString(1));
        }
    }

    @Override
    public void setState(String key, String value) {
        Store.requireUserKey(key);
        Objects.requireNonNull(value, "value");
        write("setState", () -> putState(key, value));
        if (dev.logmesh.internal.log.Log.NODE_ID_KEY.equals(key)) {
            ownNodeId = value; // for messages (batchName): a new log's id is set after the open
        }
    }

    private int putState(String key, String value) throws SQLException {
        PreparedStatement ps = ps("INSERT INTO state (key, value) VALUES (?, ?) "
            + "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        setText(ps, 1, key); // a key or value with an unpaired surrogate as a BLOB: see setText
        setText(ps, 2, value);
        return ps.executeUpdate();
    }

    /**
     * This log's epoch; see {@link Store#epoch}. A version 1 file opened by {@link #openReader} has none yet and
     * answers the empty string.
     */
    @Override
    public String epoch() {
        requireOpen();
        return epoch;
    }

    @Override
    public long clockReservation() {
        requireOpen();
        return clockReservation;
    }

    /**
     * Records the reservation in the side file and fsyncs it (see the class docs); the WAL is not involved, so a
     * lost WAL cannot take it, and it needs no new disk space, so it works on a full disk.
     */
    @Override
    public void reserveClock(long uptoMs) {
        requireOpen();
        if (readOnly) {
            throw new StoreException(file + " is open read-only: cannot reserve the clock");
        }
        if (uptoMs <= clockReservation) {
            return;
        }
        synchronized (sideLock) {
            if (uptoMs <= clockReservation) {
                return; // the writer thread's renewal (reserveClockAhead) got there while this call waited for it
            }
            try {
                writeClockFile(uptoMs);
            } catch (IOException e) {
                throw new StoreException("reserving the clock failed on " + clockFile.path() + ": " + e.getMessage()
                    + "; no id was issued", e);
            }
        }
    }

    /**
     * Hands the reservation to the writer thread, which writes and fsyncs the side file (after its next group
     * commit); {@link #clockReservation} reports it once it is durable. Without a writer thread
     * ({@link Durability#FULL_INLINE}: everything on the caller's thread) it is {@link #reserveClock}.
     */
    @Override
    public void reserveClockAhead(long uptoMs) {
        requireOpen();
        if (readOnly || uptoMs <= clockReservation) {
            return;
        }
        if (writer == null) {
            reserveClock(uptoMs);
            return;
        }
        writer.reserveClock(uptoMs); // keeps the highest asked
    }

    /**
     * What the store found at open about transactions it lost (see the class docs), or empty: a message for the
     * node to show.
     */
    public Optional<String> lossAtOpen() {
        return Optional.ofNullable(lossAtOpen);
    }

    @Override
    public Runnable onCorrupt(Consumer<Corruption> listener) {
        Objects.requireNonNull(listener, "listener");
        corruptListeners.add(listener);
        return () -> corruptListeners.remove(listener);
    }

    @Override
    public long maxSeenMs(String node) {
        Objects.requireNonNull(node, "node");
        return read("maxSeenMs", () -> nodeMark(node));
    }

    /** The high-water row kept for a node (cached), or for a version 1 file its largest seen id. */
    private long nodeMark(String node) throws SQLException {
        Long known = nodeMarks.get(node);
        if (known != null) {
            return known;
        }
        PreparedStatement ps = ps(checksums ? "SELECT ms FROM nodes WHERE node = ?"
            : "SELECT coalesce(max(ms), 0) FROM seen WHERE node = ?");
        ps.setBytes(1, NodeKey.encode(node));
        long ms;
        try (ResultSet rs = ps.executeQuery()) {
            ms = rs.next() ? rs.getLong(1) : 0;
        }
        if (nodeMarks.size() >= 4096) {
            nodeMarks.clear(); // very many origins: the cache does not pay, keep it bounded
            nodeTops.clear();
        }
        nodeMarks.put(node, ms);
        return ms;
    }

    @Override
    public boolean quarantine(ActionId id) {
        Objects.requireNonNull(id, "id");
        return write("quarantine", () -> {
            PreparedStatement ps = ps("SELECT added FROM entries WHERE ms = ? AND node = ? AND seq = ?");
            bindId(ps, 1, id);
            Long added = null;
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    added = rs.getLong(1);
                }
            }
            if (added != null) {
                moveToQuarantine(added, "quarantined on request");
                return true;
            }
            setCounter("maxSeenMs", maxSeenMs);
            PreparedStatement del = ps("DELETE FROM seen WHERE ms = ? AND node = ? AND seq = ?");
            bindId(del, 1, id);
            return del.executeUpdate() > 0;
        });
    }

    /**
     * Moves an entry row, as it is, to {@code quarantine}, and removes it and its reasons; its id, seen through the row
     * alone ({@code seen} holds the ids that are not in the log), is no longer seen. The high-water marks are kept.
     */
    private void moveToQuarantine(long added, String problem) throws SQLException {
        PreparedStatement id = ps("SELECT 1 FROM entries WHERE added = ?");
        id.setLong(1, added);
        try (ResultSet rs = id.executeQuery()) {
            if (!rs.next()) {
                return;
            }
        }
        PreparedStatement keep = ps("INSERT OR REPLACE INTO quarantine (added, ms, node, seq, time, subprotocol, "
            + "reasons, extra, action, crc, problem) SELECT added, ms, node, seq, time, subprotocol, reasons, extra, "
            + "action, crc, ? FROM entries WHERE added = ?");
        keep.setString(1, problem);
        keep.setLong(2, added);
        keep.executeUpdate();
        setCounter("maxSeenMs", maxSeenMs);
        if (added == lastAdded) {
            setCounter("lastAdded", lastAdded);
        }
        // the reasons index has no index by added alone: a scan, but quarantining is rare
        PreparedStatement reasons = ps("DELETE FROM reasons WHERE added = ?");
        reasons.setLong(1, added);
        reasons.executeUpdate();
        PreparedStatement row = ps("DELETE FROM entries WHERE added = ?");
        row.setLong(1, added);
        size -= row.executeUpdate();
    }

    /**
     * Checkpoints the WAL into the file, closes the connection and releases the lock; idempotent. Releases
     * everything even if the checkpoint fails (then throws {@link StoreException}; what was committed is
     * still safe in the WAL), or a write-behind batch could not be written (then throws too: its entries, whose metas
     * {@link #add} returned, are not in the log).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        StoreException abandoned = null;
        String abandonedName = behind != null ? batchName(behind) : "a batch";
        try {
            settleBehind("close");
        } catch (StoreException e) {
            behindAbandoned = true; // never acknowledged; the added reservation stays (see below)
            abandoned = e;
            LOG.error("closing {}: {}", file, e.getMessage());
        }
        if (behindThread != null) {
            behindThread.shutdown();
        }
        closed = true;
        if (writer != null) {
            writer.close(); // flushes what was committed, then stops checkpointing
        }
        if (walFile != null) {
            try {
                walFile.close();
            } catch (IOException e) {
                LOG.debug("closing the WAL size watch of {}: {}", file, e.toString());
            }
        }
        SQLException failure = null;
        String checkpoint = null;
        try {
            if (!inTransaction) {
                restartTransaction();
            }
            conn.commit(); // ends the open read transaction, so the checkpoint can run
            if (!readOnly) {
                conn.setAutoCommit(true);
                try (Statement st = conn.createStatement()) {
                    st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                }
            }
        } catch (SQLException e) {
            failure = e;
            if (!readOnly && isDiskFull(e, file)) {
                // what the application sees of a close on a full disk: say that nothing is lost (embed33)
                checkpoint = "closing " + file + ": its last checkpoint could not run, " + describe(e, file)
                    .replace("; the store goes on as soon as space is freed", "").replace("; free some space and try"
                        + " again", "") + "; nothing committed is lost: it stays in " + file.getFileName()
                    + "-wal, which the next open reads (free some space first)";
            }
        }
        SQLException closing = new SQLException("closing statements of " + file);
        closeStatements(closing);
        if (failure == null && closing.getSuppressed().length > 0) {
            failure = closing;
        }
        try {
            conn.close();
        } catch (SQLException e) {
            failure = failure == null ? e : failure;
        }
        if (clockFile != null && !readOnly && !behindAbandoned
            && (durability == null || durability.failure() == null)) {
            // Everything committed is durable now (the writer's last flush; a failed checkpoint leaves it in the WAL)
            // and nothing numbered above lastAdded was ever sent: the next open may continue right after lastAdded.
            try {
                writeSide(clockReservation, committedAdded, lastAdded);
            } catch (IOException e) {
                LOG.debug("cannot lower the added reservation of {}: {}", file, e.toString());
            }
        }
        if (clockFile != null) {
            try {
                clockFile.close();
            } catch (IOException ignored) {
                // every write to it was already synced
            }
        }
        if (!readOnly) {
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases the lock as well
            }
            closeQuietly(lockChannel);
            OPEN_IN_THIS_JVM.remove(lockPath);
        } else if (lockChannel != null) {
            closeQuietly(lockChannel); // a reader on a full disk (openReaderOnFullDisk): its lock goes with it
        }
        if (abandoned != null) {
            // the caller was told these entries were taken (add returned their metas): it must hear that they are
            // not in the log. Before (disk40) the close only logged it, and logmesh add said "added 100 action(s)",
            // exit 0, for 100 lines that were not in the log (SqliteWriteBehindTest)
            StoreException e = new StoreException("closing " + file + ": " + abandonedName
                + " handed to the store could not be written, and is not in the log: " + abandoned.getMessage(),
                abandoned);
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (checkpoint != null) {
            throw new StoreException(checkpoint, failure);
        }
        if (failure != null) {
            throw new StoreException("closing " + file + " failed: " + failure.getMessage(), failure);
        }
    }

    // ---- rows ---------------------------------------------------------------------------------------------

    /** The readable entries of a query (corrupt rows are skipped and recorded). */
    private List<Entry> list(PreparedStatement ps) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Entry e = entry(rs);
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /**
     * The entry of a row of {@link #COLUMNS}, or null if the row is corrupt (then it is recorded for
     * {@link #settleCorrupt}): its checksum does not match, or it does not parse.
     */
    private Entry entry(ResultSet rs) throws SQLException {
        long added = rs.getLong(1);
        long ms = rs.getLong(2);
        byte[] node = rs.getBytes(3);
        long seq = rs.getLong(4);
        rowAdded = added;
        rowMs = ms;
        rowNode = node;
        rowSeq = seq;
        long time = rs.getLong(5);
        int subprotocol = rs.getInt(6);
        // the texts as their UTF-8 bytes, as the checksum covers them: no decoding and encoding again
        byte[] reasons = rs.getBytes(7);
        byte[] extra = rs.getBytes(8);
        byte[] action = rs.getBytes(9);
        long crc = rs.getLong(10);
        // a column read as 0 may be NULL; any other value is not (wasNull is one more call into the driver's JNI)
        boolean noCrc = crc == 0 && rs.wasNull();
        ActionId id;
        try {
            id = new ActionId(ms, nodeId(node), seq);
        } catch (IllegalArgumentException | NullPointerException e) {
            foundCorrupt.add(new Corruption(added, null, "its id is unreadable (" + e.getMessage() + ")"));
            return null;
        }
        if (checksums) {
            String problem = null;
            if (noCrc) {
                problem = "it has no checksum";
            } else if (crc != rowCrc(added, ms, node, seq, time, subprotocol, reasons, extra, action)) {
                problem = "its checksum does not match: the row changed after it was written";
            }
            if (problem != null) {
                foundCorrupt.add(new Corruption(added, id, problem));
                return null;
            }
        }
        try {
            Meta meta = new Meta(id, time, added, readReasons(reasons), subprotocol,
                extra == null ? Map.of() : parseExtra(new String(extra, StandardCharsets.UTF_8)));
            String text = new String(action, StandardCharsets.UTF_8);
            // a row whose checksum matched holds text that was checked before it was written (or at the upgrade
            // from version 1): not tokenized again (a catch-up only copies it into frames)
            return new Entry(checksums ? StoredActions.of(text) : StoredActions.parse(text), meta);
        } catch (IllegalArgumentException | NullPointerException e) {
            foundCorrupt.add(new Corruption(added, id, "it does not parse (" + e.getMessage() + ")"));
            return null;
        }
    }

    /** The node id of a row's {@code node} key; the row before's when the bytes are the same. */
    private String nodeId(byte[] node) {
        if (node == null || !java.util.Arrays.equals(node, lastReadNode)) {
            String decoded = NodeKey.decode(node); // throws for a damaged key: nothing cached
            lastReadNode = node;
            lastReadNodeId = decoded;
        }
        return lastReadNodeId;
    }

    /** The reasons of a row's {@code reasons} UTF-8 JSON; the row before's when the bytes are the same. */
    private List<String> readReasons(byte[] json) {
        if (json == null) {
            throw new IllegalArgumentException("reasons are NULL");
        }
        if (!java.util.Arrays.equals(json, lastReadReasons)) {
            List<String> parsed = parseReasons(new String(json, StandardCharsets.UTF_8));
            lastReadReasons = json;
            lastReadReasonsList = parsed;
        }
        return lastReadReasonsList;
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The checksum of an entry row: CRC-32C over a header (the numbers as 8 or 4 big-endian bytes, then the length
     * of each text or blob, -1 for NULL) and the bytes of node, reasons, extra and action, so that no two rows
     * share an encoding.
     */
    static long rowCrc(long added, long ms, byte[] node, long seq, long time, int subprotocol, byte[] reasons,
                       byte[] extra, byte[] action) {
        return new RowChecksum().of(added, ms, node, seq, time, subprotocol, reasons, extra, action);
    }

    /**
     * {@link #rowCrc} with its header and checksum kept for the next row: a batch's rows ({@link #rowsOf}) take one,
     * where each row made a byte buffer, its array, a checksum and an array of its parts (session 48's profile of the
     * receiving loop: {@code rowsOf} among the largest allocation sites). Not thread-safe: one per batch.
     */
    static final class RowChecksum {
        private final java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(8 * 4 + 4 + 4 * 4);
        private final CRC32C crc = new CRC32C();

        long of(long added, long ms, byte[] node, long seq, long time, int subprotocol, byte[] reasons, byte[] extra,
                byte[] action) {
            header.clear();
            header.putLong(added).putLong(ms).putLong(seq).putLong(time).putInt(subprotocol)
                .putInt(length(node)).putInt(length(reasons)).putInt(length(extra)).putInt(length(action));
            crc.reset();
            crc.update(header.array());
            part(node);
            part(reasons);
            part(extra);
            part(action);
            return crc.getValue();
        }

        private void part(byte[] bytes) {
            if (bytes != null) {
                crc.update(bytes);
            }
        }
    }

    private static int length(byte[] part) {
        return part == null ? -1 : part.length;
    }

    /** The UTF-8 bytes of a reasons JSON (most rows share the same few). */
    private byte[] reasonsBytes(String json) {
        if (json.equals(lastReasonsBytesJson)) {
            return lastReasonsBytes;
        }
        lastReasonsBytes = utf8(json);
        lastReasonsBytesJson = json;
        return lastReasonsBytes;
    }

    /**
     * Binds text that is a key or kept beside one (a reason of the reasons table; a key or value of the state table):
     * as TEXT, or, for text with an unpaired surrogate (no UTF-8 form: sqlite-jdbc would bind {@code ?} for it, and two
     * such texts would be one), as the BLOB of {@link NodeKey#encode}, which keeps every UTF-16 unit. A key is only
     * ever compared for equality with a value bound the same way, and SQLite never finds a BLOB equal to a TEXT; a
     * state value read back as a BLOB is {@link NodeKey#decode}d.
     */
    private static void setText(PreparedStatement ps, int index, String text) throws SQLException {
        if (JsonTrees.unpairedSurrogate(text) < 0) {
            ps.setString(index, text);
        } else {
            ps.setBytes(index, NodeKey.encode(text));
        }
    }

    /**
     * JSON text that has a UTF-8 form: from Jackson's UTF-8 generator, which writes every surrogate in a string as an
     * escape, where its string generator writes an unpaired one as it is (and the column would hold {@code ?}).
     */
    private static String utf8Json(Object value) throws JsonProcessingException {
        return new String(WRITER.writeValueAsBytes(value), StandardCharsets.UTF_8);
    }

    private String reasonsJson(List<String> reasons) {
        if (reasons.equals(lastReasons)) {
            return lastReasonsJson;
        }
        try {
            String json = utf8Json(reasons);
            lastReasons = reasons;
            lastReasonsJson = json;
            return json;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("reasons are strings and always serialize", e);
        }
    }

    private List<String> parseReasons(String json) {
        List<String> cached = parsedReasons.get(json);
        if (cached != null) {
            return cached;
        }
        List<String> reasons;
        try {
            JsonNode tree = READER.readTree(json);
            // the store writes an array; a null read as none, as before (a stored row is not refused for it)
            reasons = tree == null || tree.isNull() ? List.of() : List.copyOf(MetaJson.reasons(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("reasons are not JSON: " + e.getOriginalMessage(), e);
        }
        if (parsedReasons.size() >= 256) {
            parsedReasons.clear(); // many distinct lists: the cache does not pay, keep it bounded
        }
        parsedReasons.put(json, reasons);
        return reasons;
    }

    private static String extraJson(Map<String, JsonNode> extra) {
        if (extra.isEmpty()) {
            return null;
        }
        try {
            return utf8Json(extra);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON nodes always serialize", e);
        }
    }

    private static Map<String, JsonNode> parseExtra(String json) {
        if (json == null) {
            return Map.of();
        }
        JsonNode n;
        try {
            n = READER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("custom meta keys are not JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("custom meta keys are not a JSON object");
        }
        return MetaJson.extra(n, false);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
