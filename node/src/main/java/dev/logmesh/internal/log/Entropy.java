package dev.logmesh.internal.log;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Random bytes for node ids and seeds, read from the kernel's {@code /dev/urandom}, or from a {@link SecureRandom}
 * where there is no such file. Stateless, any thread.
 *
 * <p>Why not a {@code SecureRandom} every time: its first instance sets up the JDK's security providers (the
 * {@code java.security} file, the provider list, {@code NativePRNG} with a SHA-1 mixer), 15–40 ms of a node's
 * start-up before it listens (docs/performance.md, Start-up). {@code /dev/urandom} is the source that
 * {@code NativePRNG} itself reads on Linux: the same entropy, after the kernel's CSPRNG is seeded, without the set-up.
 * Ids made of these bytes are as unique across a LAN as before (48 random bits in a node id's 8 characters).
 */
public final class Entropy {
    private static final String URANDOM = "/dev/urandom";

    private Entropy() {
    }

    /** {@code n} random bytes. */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        try (InputStream in = new FileInputStream(URANDOM)) {
            int off = 0;
            while (off < n) {
                int r = in.read(b, off, n - off);
                if (r < 0) {
                    throw new IOException(URANDOM + " ended");
                }
                off += r;
            }
            return b;
        } catch (IOException | SecurityException e) {
            new SecureRandom().nextBytes(b); // no /dev/urandom (Windows): the JDK's source
            return b;
        }
    }

    /** A random 64-bit value, e.g. to seed a {@link java.util.Random} whose choices need not be secret. */
    public static long nextLong() {
        byte[] b = bytes(Long.BYTES);
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v;
    }

    /**
     * {@code n} characters drawn uniformly from a 64-character {@code alphabet}: 6 random bits each.
     *
     * @throws IllegalArgumentException if the alphabet does not have 64 characters
     */
    public static String chars(int n, char[] alphabet) {
        if (alphabet.length != 64) {
            throw new IllegalArgumentException("the alphabet must have 64 characters, got " + alphabet.length);
        }
        byte[] b = bytes(n);
        StringBuilder sb = new StringBuilder(n);
        for (byte x : b) {
            sb.append(alphabet[x & 63]);
        }
        return sb.toString();
    }
}
