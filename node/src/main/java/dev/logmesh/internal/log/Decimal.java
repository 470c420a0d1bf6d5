package dev.logmesh.internal.log;

/**
 * Writes a {@code long} in decimal as ASCII bytes into an array, the same text as {@link Long#toString(long)}, for the
 * per-entry paths of a catch-up: the stdout writer's {@code add} line (its ids' times, counters, {@code time} and
 * {@code added}: four numbers a line) and the reconciler's item ids ({@code "<ms> <node> <seq>"}, hashed).
 *
 * <p>The algorithm: the value is cut into parts of eight digits with at most two {@code long} divisions by 10^8 (one
 * for any value below 10^16, which ids' times and counters are: {@code ActionId#MAX_SAFE} has 16 digits; none below
 * 10^8); each part, an {@code int}, is written two digits at a time from a table of the pairs "00" to "99", its
 * quotient by 100 a multiplication and a shift (the constant of {@code ceil(2^37 / 100)}, exact for every value below
 * 2^32, as compilers divide an unsigned 32-bit int by 100). Before (session 52) each digit took a {@code long}
 * division and remainder by 10: ~70 of them a line of four 13-digit numbers, which C1's code makes as calls into the
 * VM ({@code SharedRuntime::ldiv}, {@code lrem}) and the interpreter as {@code idiv} of 64 bits, during the catch-up's
 * first second when neither has been compiled by C2 yet (docs/performance.md, "Session 52").
 *
 * <p>Thread-safe (no state).
 */
public final class Decimal {
    /** The most bytes of a {@code long}: a sign and 19 digits. */
    public static final int MAX_LENGTH = 20;

    private static final long E8 = 100_000_000L;
    /** {@code ceil(2^37 / 100)}: {@code (int) ((x * DIV100) >>> 37) == x / 100} for every {@code 0 <= x < 2^32}. */
    private static final long DIV100 = 1_374_389_535L;
    /** The ASCII digits of 0 to 99, two each ("00", "01", ... "99"). */
    private static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private Decimal() {
    }

    /**
     * Writes {@code v} in decimal ({@link Long#toString(long)}'s text: a {@code -} for a negative value, no leading
     * zero) at {@code b[p]}, and returns the position after it. {@code b} must have room: at most {@link #MAX_LENGTH}
     * bytes from {@code p}, fewer for smaller values; the caller checks (an {@link ArrayIndexOutOfBoundsException}
     * otherwise, with part of the number written).
     */
    public static int put(long v, byte[] b, int p) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) { // no positive counterpart: its digits as text (never in an id or a meta)
                String s = Long.toString(v);
                for (int i = 0; i < s.length(); i++) {
                    b[p + i] = (byte) s.charAt(i);
                }
                return p + s.length();
            }
            b[p++] = '-';
            v = -v;
        }
        if (v < E8) {
            int x = (int) v;
            return pairs(x, b, p, length(x));
        }
        long high = v / E8;
        int low = (int) (v - high * E8);
        if (high < E8) {
            int h = (int) high;
            p = pairs(h, b, p, length(h));
        } else {
            long top = high / E8; // at most 922 (Long.MAX_VALUE has 19 digits)
            int t = (int) top;
            p = pairs(t, b, p, length(t));
            p = pairs((int) (high - top * E8), b, p, 8);
        }
        return pairs(low, b, p, 8);
    }

    /** How many digits {@code 0 <= x < 10^8} has (1 for 0). */
    private static int length(int x) {
        if (x < 10_000) {
            return x < 100 ? (x < 10 ? 1 : 2) : (x < 1_000 ? 3 : 4);
        }
        return x < 1_000_000 ? (x < 100_000 ? 5 : 6) : (x < 10_000_000 ? 7 : 8);
    }

    /**
     * Writes the last {@code count} digits of {@code 0 <= x < 10^8} (leading zeros up to {@code count}) at {@code
     * b[p]}, the last two first; returns {@code p + count}.
     */
    private static int pairs(int x, byte[] b, int p, int count) {
        int end = p + count;
        int at = end;
        while (at - p >= 2) {
            int q = (int) ((x * DIV100) >>> 37);
            int r = 2 * (x - 100 * q);
            b[--at] = PAIRS[r + 1];
            b[--at] = PAIRS[r];
            x = q;
        }
        if (at > p) {
            b[p] = (byte) ('0' + x);
        }
        return end;
    }
}
