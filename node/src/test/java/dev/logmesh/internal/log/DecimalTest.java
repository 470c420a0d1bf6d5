package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Decimal#put} writes {@link Long#toString(long)}'s text at the position given and returns the position after
 * it: at every power of ten and its neighbours (where the number of digits and the parts of eight digits change),
 * the ends of the range, and random values of every length.
 */
class DecimalTest {
    /** The text {@code put} writes for {@code v}, between two marks that must stay as they were. */
    private static String written(long v) {
        byte[] b = new byte[Decimal.MAX_LENGTH + 4];
        java.util.Arrays.fill(b, (byte) '#');
        int end = Decimal.put(v, b, 2);
        assertEquals('#', b[1], "the byte before is kept");
        assertEquals('#', b[end], "the byte after is kept");
        return new String(b, 2, end - 2, StandardCharsets.US_ASCII);
    }

    @Test
    void everyPowerOfTenAndItsNeighboursIsLongToString() {
        long p = 1;
        for (int digits = 1; digits <= 19; digits++) {
            for (long v : new long[] {p - 1, p, p + 1, 2 * p - 1, 5 * p, 9 * p, -p, -(p - 1), -(p + 1)}) {
                assertEquals(Long.toString(v), written(v), "value " + v);
            }
            if (digits < 19) {
                p *= 10;
            }
        }
        for (long v : new long[] {0, Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE, Long.MIN_VALUE + 1,
            9_007_199_254_740_991L, 1_700_000_000_000L, 99_999_999L, 100_000_000L, 9_999_999_999_999_999L,
            10_000_000_000_000_000L, 4_294_967_295L, 4_294_967_296L, Integer.MAX_VALUE}) {
            assertEquals(Long.toString(v), written(v), "value " + v);
        }
    }

    @Test
    void randomValuesOfEveryLengthAreLongToString() {
        SplittableRandom random = new SplittableRandom(52);
        for (int i = 0; i < 200_000; i++) {
            long v = random.nextLong() >> random.nextInt(64); // as many short numbers as long ones
            assertEquals(Long.toString(v), written(v), "value " + v);
        }
    }

    /** Every value below 10^8 (one part, all of the pairs' table and of the digit counts) in a sweep of steps of 7. */
    @Test
    void smallValuesAreLongToString() {
        byte[] b = new byte[Decimal.MAX_LENGTH];
        for (int v = 0; v < 100_000_000; v += 7) {
            int end = Decimal.put(v, b, 0);
            assertEquals(Integer.toString(v), new String(b, 0, end, StandardCharsets.US_ASCII));
        }
    }
}
