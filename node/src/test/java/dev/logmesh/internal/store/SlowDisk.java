package dev.logmesh.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disk for {@link SqliteStore}'s writer thread that a test controls: each flush of the WAL takes a set time, or
 * blocks while the test holds it, or fails. The flush itself is real ({@code fdatasync}) once it is let through.
 * Test-kit door to {@link SqliteStore#open(Path, SqliteStore.Options, WalWriter.WalSync)}.
 *
 * <p>Thread-safe: the writer thread flushes, the test sets.
 */
public final class SlowDisk {
    private final AtomicLong delayMillis = new AtomicLong();
    private final Object gate = new Object();
    private boolean held;
    private volatile IOException failure;
    private final AtomicInteger flushes = new AtomicInteger();

    /** Each flush from now on takes this long (a slow disk); 0 for a normal one. */
    public SlowDisk delay(long millis) {
        delayMillis.set(millis);
        return this;
    }

    /** Flushes from now on wait until {@link #release}. */
    public SlowDisk hold() {
        synchronized (gate) {
            held = true;
        }
        return this;
    }

    /** Lets waiting and later flushes through. */
    public SlowDisk release() {
        synchronized (gate) {
            held = false;
            gate.notifyAll();
        }
        return this;
    }

    /** Flushes from now on fail with this error (an I/O error at fsync). */
    public SlowDisk fail(IOException e) {
        failure = e;
        return this;
    }

    /** Flushes started so far (the one at open included). */
    public int flushes() {
        return flushes.get();
    }

    /** Opens a store whose writer flushes through this disk. */
    public SqliteStore open(Path file) {
        return SqliteStore.open(file, SqliteStore.Options.DEFAULT, this::force);
    }

    private void force(FileChannel wal) throws IOException {
        flushes.incrementAndGet();
        synchronized (gate) {
            while (held) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }
        long delay = delayMillis.get();
        if (delay > 0) {
            // the simulated disk's latency (not a test waiting for something)
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
            }
        }
        IOException f = failure;
        if (f != null) {
            throw f;
        }
        WalWriter.FDATASYNC.force(wal);
    }
}
