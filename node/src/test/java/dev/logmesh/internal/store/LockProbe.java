package dev.logmesh.internal.store;

import dev.logmesh.StoreException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens a store from another process, for {@link SqliteStoreTest}: prints "OPENED size" or "FAILED message". With
 * {@code hold MILLIS} after the path it instead takes the store's lock file's lock as a {@code logmesh status} probe
 * does, without writing its pid, prints "LOCKED", and releases it after MILLIS (a probe descheduled while it holds).
 */
public final class LockProbe {
    private LockProbe() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 3 && args[1].equals("hold")) {
            Path file = Path.of(args[0]);
            try (FileChannel ch = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock lock = ch.tryLock()) {
                System.out.println(lock != null ? "LOCKED" : "BUSY");
                System.out.flush();
                Thread.sleep(Long.parseLong(args[2])); // the probe's process, descheduled while it holds the lock
            }
            return;
        }
        try (SqliteStore store = SqliteStore.open(Path.of(args[0]))) {
            System.out.println("OPENED " + store.size());
        } catch (StoreException e) {
            System.out.println("FAILED " + e.getMessage());
        }
    }
}
