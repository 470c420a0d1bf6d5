package dev.logmesh.internal.store;

import dev.logmesh.StoreException;
import dev.logmesh.spi.Store;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;

/**
 * An online backup of a {@link SqliteStore}'s data directory ({@code logmesh backup}), safe while its node runs.
 *
 * <p>Why not copy the files: a node's commits are in {@code log.db-wal} until a checkpoint (every 250 ms while it
 * writes) copies them into {@code log.db}, and SQLite starts the {@code -wal} again from its beginning after a
 * complete checkpoint. A file copy of a running node ({@code cp -a}, {@code rsync}) reads the two files at different
 * moments: a {@code -wal} read before such a restart and a {@code log.db} read after it is replayed over newer pages,
 * and the copy is corrupt (a breaker's run, break42: the restored node refused to start with {@code database disk
 * image is malformed}); a {@code log.db} read while a checkpoint writes it is torn the same way.
 *
 * <p>What it does, in order: the log as of one moment ({@code VACUUM INTO} in one read transaction of a reader,
 * {@link SqliteStore#copyInto}); the side file read after that moment, so its clock reservation covers every id the
 * copy holds; a <em>new epoch</em> in the copy, so that when the copy is restored its peers drop the cursors they kept
 * for the node (which point past what the copy holds: without it, the restored node numbered its new entries with
 * {@code added} numbers its peers had already been given for others, and a peer that connected only after it had
 * passed their cursor skipped them) and send what it lacks, and without the Logux clients' epochs, for the same
 * reason (see {@link #renewEpoch}); a side file of the copy's own (that reservation, the
 * copy's {@code added} mark, the new epoch); then the copy is checked as {@code logmesh log} checks a log
 * ({@code integrity_check}), fsynced, and only then renamed to its name. It is made under a temporary name beside it
 * ({@code COPY.partial-PID}), so a backup that fails or is killed never leaves a directory named {@code COPY}.
 *
 * <p>Takes no lock of the node: it is a reader as {@code logmesh log} is, so a node may start or stop meanwhile. Any
 * thread; blocks for the copy.
 */
public final class SqliteBackup {
    /** The data directory's log file name (as {@code logmesh node --data} uses it). */
    public static final String LOG_FILE = "log.db";

    /**
     * What a backup made.
     *
     * @param copy    the new data directory
     * @param entries the entries of the copy's log
     * @param nodeId  the node id the copy holds (the node's; empty for a log no node has run on yet)
     * @param bytes   the size of the copy's {@code log.db}, bytes
     * @param millis  how long the backup took, ms
     */
    public record Result(Path copy, long entries, String nodeId, long bytes, long millis) {
    }

    private SqliteBackup() {
    }

    /**
     * Backs up the data directory {@code dataDir} into {@code copyDir}, a directory made by this call.
     *
     * @param dataDir the data directory of a node (holding {@code log.db}); its node may run meanwhile
     * @param copyDir the new directory; must not exist (its parent must)
     * @return what was copied
     * @throws StoreException when there is no readable log in {@code dataDir}, {@code copyDir} exists, is inside
     *                        {@code dataDir} (symbolic links resolved) or cannot be made, or the copy cannot be
     *                        written or fails its check; nothing named {@code copyDir} is left then
     */
    public static Result backup(Path dataDir, Path copyDir) {
        long start = System.nanoTime();
        Path file = dataDir.toAbsolutePath().resolve(LOG_FILE);
        Path copy = copyDir.toAbsolutePath().normalize();
        if (Files.exists(copy, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreException(copy + " exists: a backup goes into a new directory; name one that does not exist "
                + "(or remove the old one first)");
        }
        if (!Files.isRegularFile(file)) {
            throw new StoreException("no log in " + dataDir + " (expected " + file + ")");
        }
        Path parent = copy.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new StoreException("cannot make " + copy + ": its parent directory " + parent + " does not exist");
        }
        try {
            Path realData = dataDir.toRealPath();
            if (parent.toRealPath().startsWith(realData)) {
                // break48: made with exit code 0, and the restore it printed (move DIR aside, move COPY to DIR) moved
                // the copy aside with DIR
                throw new StoreException(copy + " is inside the data directory " + realData + ": a backup there goes "
                    + "with that directory (moved aside at a restore, lost with it); name a directory outside it");
            }
        } catch (IOException e) {
            throw new StoreException("cannot read the path of " + dataDir + " or " + parent + ": " + e.getMessage(), e);
        }
        Path partial = parent.resolve(copy.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            // a data directory: only its user may read it, as DataDir makes a node's (a restore moves it into place)
            if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                && partial.getFileSystem().equals(java.nio.file.FileSystems.getDefault())) {
                Files.createDirectory(partial, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(partial);
            }
        } catch (IOException e) {
            throw new StoreException("cannot make " + partial + " (the backup is made there, then renamed to "
                + copy + "): " + e.getMessage(), e);
        }
        try {
            Path target = partial.resolve(LOG_FILE);
            ClockFile.State side;
            try (SqliteStore source = SqliteStore.openReader(file, false)) {
                source.copyInto(target);
                // after the copy's moment: the reservation then covers every id in the copy
                side = readSide(Path.of(file + SqliteStore.CLOCK_FILE_SUFFIX));
            }
            String epoch = Store.newEpoch();
            long lastAdded = renewEpoch(target, epoch);
            try (ClockFile clock = ClockFile.open(Path.of(target + SqliteStore.CLOCK_FILE_SUFFIX))) {
                clock.write(new ClockFile.State(side == null ? 0 : side.reserved(), lastAdded, lastAdded, epoch));
            }
            long entries;
            String nodeId;
            try (SqliteStore check = SqliteStore.openReader(target, true)) {
                entries = check.size();
                nodeId = check.state(NODE_ID_KEY).orElse("");
            }
            forceFile(target);
            forceFile(partial);
            try {
                Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                throw new StoreException(copy + " was made by someone else while this backup ran: the backup is not "
                    + "kept; name a directory that does not exist", e);
            }
            forceFile(parent);
            return new Result(copy, entries, nodeId, Files.size(copy.resolve(LOG_FILE)),
                (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new StoreException("cannot back up " + file + " into " + copy + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(partial);
            throw e;
        }
    }

    /** The node id's key in the state table ({@code Log.NODE_ID_KEY}; the store does not depend on the log). */
    private static final String NODE_ID_KEY = "nodeId";

    private static ClockFile.State readSide(Path path) throws IOException {
        try (ClockFile side = ClockFile.openToRead(path)) {
            return side == null ? null : side.read();
        }
    }

    /**
     * Gives the copy {@code epoch}, drops its client epochs (the {@code clients} records under
     * {@link Store#CLIENT_EPOCH_PREFIX}: a Logux client's position in an epoch confirmed on the log copied may name
     * numbers the restored copy gives to other entries, in any of its lives; its clients start after their client
     * ids' records, which are at most the copy's end) and returns its {@code lastAdded} counter (0 when it has
     * none). Before (break52b) a copy restored and restarted once before a client came back trusted the client's
     * position from the log copied, and the client never got the entries numbered there after the restore.
     */
    private static long renewEpoch(Path target, String epoch) {
        SQLiteConfig config = new SQLiteConfig();
        try (Connection conn = config.createConnection("jdbc:sqlite:" + target)) {
            try (PreparedStatement st = conn.prepareStatement(
                "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)")) {
                st.setString(1, Store.EPOCH_KEY);
                st.setString(2, epoch);
                st.executeUpdate();
            }
            boolean clients;
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'clients'")) {
                clients = rs.next(); // a file of schema 3 or older has no clients' records
            }
            if (clients) {
                try (PreparedStatement st = conn.prepareStatement(
                    "DELETE FROM clients WHERE substr(client, 1, ?) = ?")) {
                    st.setInt(1, Store.CLIENT_EPOCH_PREFIX.length());
                    st.setString(2, Store.CLIENT_EPOCH_PREFIX);
                    st.executeUpdate();
                }
            }
            try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT value FROM counters WHERE name = 'lastAdded'")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot give the copy " + target + " its new epoch: " + e.getMessage(), e);
        }
    }

    private static void forceFile(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the files themselves were synced
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the partial name says what it is
                }
            });
        } catch (NoSuchFileException ignored) {
            // nothing made
        } catch (IOException ignored) {
            // best effort
        }
    }
}
