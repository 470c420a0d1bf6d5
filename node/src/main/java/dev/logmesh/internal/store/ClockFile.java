package dev.logmesh.internal.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The side file of a {@link SqliteStore} ({@code log.db.clock}): what must survive the loss of the database's
 * last transactions (a {@code -wal} file deleted after a crash, the database file restored from a backup alone).
 * It holds the clock reservation (the largest id time part the node's clock may have issued), the {@code added}
 * high-water mark when it was written, the {@code added} reservation (see {@link SqliteStore#sendableAdded}) and the
 * epoch of the log it belongs to.
 *
 * <p>One fixed-size text record, overwritten in place and fsynced: no new blocks are needed after the first write,
 * so it can still be written on a full disk, and a record is far below a disk sector, so it is written whole. A
 * checksum line guards against anything else; a record that fails it is treated as absent.
 *
 * <p>Not thread-safe: owned by its store.
 */
final class ClockFile implements Closeable {
    /** Bytes of the record (it is padded with spaces). */
    static final int SIZE = 256;

    /**
     * What the file says.
     *
     * @param reserved  the clock reservation, ms
     * @param lastAdded the store's {@code lastAdded} when it was written (never more than was committed)
     * @param addedReserved the {@code added} reservation: no {@code added} assigned after a reopen is at or below it
     *                  (0 in a file written before it existed)
     * @param epoch     the epoch of the log it belongs to
     */
    record State(long reserved, long lastAdded, long addedReserved, String epoch) {
    }

    private final Path path;
    private final FileChannel channel;
    /** Whether {@link #open} created the file (it was missing). */
    private final boolean created;
    /** Why the last {@link #read} found no record: "missing", "empty", "damaged (...)"; null after a good one. */
    private String noRecord;

    private ClockFile(Path path, FileChannel channel, boolean created) {
        this.path = path;
        this.channel = channel;
        this.created = created;
    }

    /** Opens the file, creating it (empty) if missing. */
    static ClockFile open(Path path) throws IOException {
        boolean existed = Files.exists(path);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        if (!existed) {
            // the new directory entry must be durable too, or a crash could lose the file with its contents
            try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // some file systems cannot sync a directory; the next writes still sync the file
            }
        }
        return new ClockFile(path, channel, !existed);
    }

    /**
     * Opens an existing file to read only ({@link SqliteBackup}: the side file of a store that a node may be
     * writing, which is not to be created or changed); null when there is none.
     */
    static ClockFile openToRead(Path path) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        return new ClockFile(path, FileChannel.open(path, StandardOpenOption.READ), false);
    }

    /** Why the last {@link #read} returned null: {@code missing}, {@code empty} or {@code damaged (...)}; else null. */
    String noRecord() {
        return noRecord;
    }

    Path path() {
        return path;
    }

    /** The record, or null if the file is empty or its record is damaged. */
    State read() throws IOException {
        noRecord = null;
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
            // read the whole record
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
        if (text.isEmpty()) {
            noRecord = created ? "missing" : "empty";
            return null;
        }
        int crcAt = text.lastIndexOf("\ncrc=");
        if (crcAt < 0) {
            noRecord = "damaged (no checksum line)";
            return null;
        }
        String body = text.substring(0, crcAt + 1);
        if (!Long.toHexString(crc(body)).equals(text.substring(crcAt + 5).strip())) {
            noRecord = "damaged (its checksum does not match)";
            return null;
        }
        Map<String, String> fields = new HashMap<>();
        for (String line : body.split("\n", -1)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        try {
            return new State(Long.parseLong(fields.get("reserved")), Long.parseLong(fields.get("lastAdded")),
                Long.parseLong(fields.getOrDefault("addedReserved", "0")), fields.getOrDefault("epoch", ""));
        } catch (RuntimeException e) {
            noRecord = "damaged (" + e.getMessage() + ")";
            return null;
        }
    }

    /** Runs at the start of every {@link #write} (tests that look at which thread writes); null otherwise. */
    static volatile Runnable beforeWrite;

    /** Overwrites the record and waits until it is on disk. */
    void write(State state) throws IOException {
        Runnable hook = beforeWrite;
        if (hook != null) {
            hook.run();
        }
        // a reader that does not know a line ignores it, so an older logmesh still reads the rest
        String body = "logmesh clock v1\nreserved=" + state.reserved() + "\nlastAdded=" + state.lastAdded()
            + "\naddedReserved=" + state.addedReserved() + "\nepoch=" + state.epoch() + "\n";
        String text = body + "crc=" + Long.toHexString(crc(body)) + "\n";
        byte[] record = new byte[SIZE];
        java.util.Arrays.fill(record, (byte) ' ');
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > SIZE) {
            throw new IllegalArgumentException("clock record too long");
        }
        System.arraycopy(bytes, 0, record, 0, bytes.length);
        ByteBuffer buf = ByteBuffer.wrap(record);
        while (buf.hasRemaining()) {
            channel.write(buf, buf.position());
        }
        channel.force(false);
    }

    private static long crc(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        return crc.getValue();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
