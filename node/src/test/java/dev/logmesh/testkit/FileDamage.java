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
     * Overwrites bytes of {@code file} at {@code offset} from each place where {@code marker} (ASCII) starts. A
     * database file may hold stale copies of a row in free space (SQLite leaves old bytes when it moves rows), so
     * every copy is overwritten: the live one is among them.
     *
     * @return how many places were overwritten
     * @throws IllegalStateException if the marker is not in the file
     */
    public static int overwrite(Path file, String marker, int offset, String bytes) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        int count = 0;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int at = indexOf(all, m, 0); at >= 0; at = indexOf(all, m, at + 1)) {
                raf.seek(at + offset);
                raf.write(bytes.getBytes(StandardCharsets.US_ASCII));
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalStateException("\"" + marker + "\" is not in " + file);
        }
        return count;
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
