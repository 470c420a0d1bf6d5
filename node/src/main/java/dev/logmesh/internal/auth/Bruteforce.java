package dev.logmesh.internal.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Slows down repeated authentication failures from one address: after {@code limit} failures within
 * {@code period}, further attempts from that address are refused with {@code bruteforce} until the failures
 * age out. Bounded memory (Caffeine). Thread-safe.
 */
public final class Bruteforce {
    /** Failures allowed from one address within the period. */
    public static final int DEFAULT_LIMIT = 3;
    /** How long a failure counts. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

    private final int limit;
    private final Cache<String, Integer> failures;

    public Bruteforce(int limit, Duration period, LongSupplier clockMillis) {
        this.limit = limit;
        this.failures = Caffeine.newBuilder()
            .ticker(() -> clockMillis.getAsLong() * 1_000_000L)
            .expireAfterWrite(period)
            .maximumSize(100_000)
            .build();
    }

    /** Whether attempts from this address are refused now. */
    public boolean blocked(String address) {
        Integer n = failures.getIfPresent(address);
        return n != null && n >= limit;
    }

    /** Counts a failed attempt. */
    public void failed(String address) {
        failures.asMap().merge(address, 1, Integer::sum);
    }
}
