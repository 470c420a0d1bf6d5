package dev.logmesh.internal.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Counts failed authentications per address, with {@code @logux/server} 0.14's rule ({@code BaseServer}'s
 * {@code rememberBadAuth} and {@code isBruteforce}): each failure counts for {@code period} after it, and an
 * address with {@code limit} failures counting is blocked. The session decides what a blocked address gets
 * ({@code SyncSession}: a Logux client the {@code wrong-credentials} stock answers, a mesh peer {@code
 * bruteforce}). Keeps the times of the last {@code limit} failures per address, for at most 100,000 addresses
 * (Caffeine). Thread-safe.
 */
public final class Bruteforce {
    /** Failures from one address, counting at once, that block it ({@code @logux/server}: 3). */
    public static final int DEFAULT_LIMIT = 3;
    /**
     * How long a failure counts ({@code @logux/server}: 3 s; before session 26 here 10 s after the latest failure,
     * for all of them).
     */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(3);

    private final int limit;
    private final long periodMillis;
    private final LongSupplier clockMillis;
    /** By address: the times (ms) of its last {@code limit} failures, oldest first; arrays are never changed. */
    private final Cache<String, long[]> failures;

    /**
     * @param limit       failures counting at once that block an address, {@code >= 1}
     * @param period      how long a failure counts, {@code > 0}
     * @param clockMillis the clock, in ms
     */
    public Bruteforce(int limit, Duration period, LongSupplier clockMillis) {
        if (limit < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("limit must be >= 1 and period > 0, got " + limit + ", " + period);
        }
        this.limit = limit;
        this.periodMillis = period.toMillis();
        this.clockMillis = clockMillis;
        this.failures = Caffeine.newBuilder()
            .ticker(() -> clockMillis.getAsLong() * 1_000_000L)
            .expireAfterWrite(period) // after the latest failure, all of them have stopped counting
            .maximumSize(100_000)
            .build();
    }

    /** Whether an address is blocked now: {@code limit} of its failures are less than {@code period} old. */
    public boolean blocked(String address) {
        long[] times = failures.getIfPresent(address);
        return times != null && times.length >= limit && clockMillis.getAsLong() - times[0] < periodMillis;
    }

    /** The rule in words, for messages: {@code "3 failures within 3000 ms"}. */
    public String rule() {
        return limit + " failures within " + periodMillis + " ms";
    }

    /** Counts a failed attempt from an address, now. */
    public void failed(String address) {
        long now = clockMillis.getAsLong();
        failures.asMap().compute(address, (a, old) -> {
            if (old == null) {
                return new long[] {now};
            }
            long[] times = Arrays.copyOfRange(old, old.length < limit ? 0 : 1, old.length + 1);
            times[times.length - 1] = now;
            return times;
        });
    }
}
