package dev.logmesh.internal.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Creates a node's data directory as the XDG Base Directory Specification asks of a directory an application
 * creates for its data: with permissions 0700 (owner only), so other users of the machine cannot read the log, its
 * status file or its side files (SQLite creates its files with 0644 under the usual umask of 022). Directories that
 * exist are left as they are: the user chose their permissions.
 */
public final class DataDir {
    private DataDir() {
    }

    /**
     * Creates {@code dir} and its missing parents, each with 0700 on a POSIX file system (else the default).
     *
     * @throws IOException as {@link Files#createDirectories} (no permission), or one that says "cannot create the
     *     data directory DIR: FILE is a file, not a directory" when a file stands at {@code dir} or one of its parents
     *     (before, embed25: Java's {@code FileAlreadyExistsException}, whose message is the path alone)
     */
    public static void create(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path file = fileInTheWay(dir);
        if (file != null) {
            throw new IOException("cannot create the data directory " + dir + ": " + file
                + " is a file, not a directory");
        }
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                && dir.getFileSystem().equals(FileSystems.getDefault())) {
                Files.createDirectories(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        } catch (FileSystemException e) {
            // Java's message is the path and the system's word ("/mnt/ro/new: Read-only file system"); say which
            // directory could not be made and what to do (before, session 28, that message alone)
            String reason = e instanceof AccessDeniedException ? "Permission denied"
                : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
            throw new IOException("cannot create the data directory " + dir + ": " + reason
                + (e.getFile() != null && !e.getFile().equals(dir.toString()) ? " (at " + e.getFile() + ")" : "")
                + "; create it where this user can write, or choose another directory", e);
        }
    }

    /**
     * What a start that is about to make a new log in {@code dir} leaves behind if it is refused: null when {@code dir}
     * already holds a log ({@code log.db}), else an undo that {@link Undo#undo() removes} the files a new store makes
     * there ({@code log.db} and its side files, {@code status.json}) and the directories of {@code dir}'s path that did
     * not exist yet, when they are empty. Call before {@link #create}. Before session 34 a start refused after the
     * store was made (its port in use) left the new directory with a fresh log, whose node id every later start kept
     * (a later {@code --name} was "not used").
     */
    public static Undo undoOfNew(Path dir) {
        if (Files.exists(dir.resolve("log.db"))) {
            return null;
        }
        Path missing = null;
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        Path top = missing;
        Path abs = dir.toAbsolutePath();
        return () -> {
            for (String f : java.util.List.of("log.db", "log.db-wal", "log.db-shm", "log.db-journal", "log.db.clock",
                "log.db.lock", "status.json", "status.json.tmp")) {
                Files.deleteIfExists(abs.resolve(f));
            }
            if (top != null) {
                for (Path p = abs; p != null && p.startsWith(top); p = p.getParent()) {
                    try {
                        Files.deleteIfExists(p); // only when empty: anything else put there stays
                    } catch (java.nio.file.DirectoryNotEmptyException e) {
                        return;
                    }
                }
            }
        };
    }

    /** Removes what a refused start made ({@link #undoOfNew}). */
    @FunctionalInterface
    public interface Undo {
        void undo() throws IOException;
    }

    /** The nearest of {@code dir} and its parents that exists, if it is not a directory; else null. */
    private static Path fileInTheWay(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                return Files.isDirectory(p) ? null : p;
            }
        }
        return null;
    }
}
