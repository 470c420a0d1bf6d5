package dev.logmesh.internal.store;

import static dev.logmesh.testkit.Tmpfs.mountOrSkip;
import static dev.logmesh.testkit.Tmpfs.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logmesh.StoreException;
import dev.logmesh.testkit.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory this process cannot write (break28: {@code logmesh node --data DIR} with DIR on a read-only
 * mount, or made immutable with {@code chattr +i}, as root): the open says the directory cannot be written, why, and
 * what to do, and changes nothing. Before, each case said it in the system's words and none said what to do: "cannot
 * open lock file DIR/log.db.lock of DIR/log.db: DIR/log.db.lock: Read-only file system" (or "Operation not
 * permitted"), "cannot open DIR/log.db: the file cannot be written ([SQLITE_CANTOPEN] ...)" of a file that could be
 * written, and "DIR: Read-only file system" for a directory to create. Mounts a tmpfs (as root); without root it is
 * skipped with the reason (with {@code LOGMESH_REQUIRE_ALL=1} it fails instead).
 */
class UnwritableDataDirTest {
    @TempDir
    Path dir;

    private Path mount;

    @BeforeEach
    void mountTmpfs() throws Exception {
        Path m = dir.resolve("tmpfs");
        Files.createDirectories(m);
        mountOrSkip(m, 4, "the unwritable data directory test");
        mount = m;
    }

    @AfterEach
    void unmount() throws Exception {
        if (Files.exists(dir.resolve("imm"))) {
            run("chattr", "-i", dir.resolve("imm").toString()); // or the temporary directory cannot be deleted
        }
        Tmpfs.unmount(mount);
    }

    @Test
    void aReadOnlyFileSystemIsSaidWithWhatToDo() throws Exception {
        Path withLog = mount.resolve("alice");
        Files.createDirectories(withLog);
        SqliteStore.open(withLog.resolve("log.db")).close();
        Files.createDirectories(mount.resolve("empty"));
        String remount = run("mount", "-o", "remount,ro", mount.toString());
        assertTrue(remount.endsWith("(exit 0)"), remount);

        for (String name : List.of("alice", "empty")) {
            Path file = mount.resolve(name).resolve("log.db");
            StoreException e = assertThrows(StoreException.class, () -> SqliteStore.open(file));
            assertEquals("cannot open " + file + ": its directory " + file.getParent() + " cannot be written by this"
                + " process (a read-only file system: remount it read-write, or copy the directory elsewhere); a"
                + " store writes its lock, WAL and side files beside the file; `logmesh log` reads it as it is",
                e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> DataDir.create(mount.resolve("new")));
        assertTrue(e.getMessage().startsWith("cannot create the data directory " + mount.resolve("new")
            + ": Read-only file system") && e.getMessage().endsWith("or choose another directory"), e.getMessage());
    }

    @Test
    void anImmutableDirectoryIsSaidWithWhatToDo() throws Exception {
        Path imm = dir.resolve("imm"); // the temporary directory's file system: tmpfs takes chattr +i only lately
        Files.createDirectories(imm);
        SqliteStore.open(imm.resolve("log.db")).close();
        String chattr = run("chattr", "+i", imm.toString());
        assumeTrue(chattr.endsWith("(exit 0)"), "chattr +i: " + chattr);
        List<String> before;
        try (var files = Files.list(imm)) {
            before = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        Path file = imm.resolve("log.db");
        StoreException e = assertThrows(StoreException.class, () -> SqliteStore.open(file));
        assertTrue(e.getMessage().startsWith("cannot open " + file + ": its directory " + imm + " cannot be written by"
            + " this process (its permissions, owner or immutable attribute: fix them"), e.getMessage());
        try (var files = Files.list(imm)) {
            assertEquals(before, files.map(p -> p.getFileName().toString()).sorted().toList(), "nothing changed");
        }
    }
}
