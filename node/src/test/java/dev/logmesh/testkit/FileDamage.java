package dev.logmesh.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Damages a file the way a bad disk sector or a careless hand does, for tests of what a store does with an
 * unreadable row: bytes overwritten in place, found by a text that occurs once in the file (say, a marker in one
 * action's text). Close the store first, so that its WAL is checkpointed into the file.
 */
public final class FileDamage {
    private FileDamage() {
    }

    /**
     * Overwrites bytes of {@code file} at {@code offset} from where {@code marker} (ASCII, found exactly once)
     * starts.
     *
     * @throws IllegalStateException if the marker is not in the file exactly once
     */
    public static void overwrite(Path file, String marker, int offset, String bytes) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(all, m, 0);
        if (at < 0 || indexOf(all, m, at + 1) >= 0) {
            throw new IllegalStateException("\"" + marker + "\" is not in " + file + " exactly once");
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at + offset);
            raf.write(bytes.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        for (int i = from; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
