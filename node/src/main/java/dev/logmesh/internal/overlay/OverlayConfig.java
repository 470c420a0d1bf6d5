package dev.logmesh.internal.overlay;

/**
 * Settings of a {@link HyParView}, immutable and validated on construction. Start from {@link #DEFAULTS} or
 * {@link #builder()}. Times are in ticks: one tick is one call of {@link HyParView#tick()}, which the host makes
 * periodically (logmesh: once a second).
 *
 * <p>The walk lengths and shuffle sizes are the paper's (HyParView, DSN 2007, §5: active view 5, passive view
 * 30, ARWL 6, PRWL 3, ka 3, kp 4, chosen there for 10,000 nodes). The active view size is discussed on
 * {@link #maxActive()}; the rest are logmesh's own bounds.
 *
 * @param maxActive hard bound on the active view, that is on the sync sessions a node keeps, 1 to 32. The node
 *     wants min(maxActive, known peers) of them (see {@link HyParView#target()}): a mesh of up to maxActive + 1
 *     nodes is a full mesh, a larger one has degree maxActive. Default 5: the paper's value; about
 *     log₂N + 1 for N = 16 to 32 and enough for 1,000 nodes to stay connected with headroom (the paper keeps
 *     10,000 nodes connected with it through 80% failures); Plumtree then announces at most 4 ids per node per
 *     action and reaches the last node within ⌈log₂N⌉ + 3 hops. Raise it to 8 for lower latency on a large
 *     mesh, at the price of more id announcements.
 * @param maxPassive bound on the passive view (known peers that are not active), at least maxActive. Default
 *     30 (paper). Once it is full, peers that only discovery vouched for replace each other when they hold half
 *     of it, so discovery cannot push out more than half of the peers learned through the mesh
 * @param activeWalkLength ARWL: hops of a FORWARD_JOIN walk (§4.2). Default 6 (paper)
 * @param passiveWalkLength PRWL: the hop of the FORWARD_JOIN walk at which the joiner enters the passive
 *     view (§4.2), at most activeWalkLength. Default 3 (paper)
 * @param shuffleActive ka: active peers sent in a SHUFFLE (§4.4). Default 3 (paper)
 * @param shufflePassive kp: passive peers sent in a SHUFFLE (§4.4). Default 4 (paper)
 * @param shuffleWalkLength hops of a SHUFFLE walk (§4.4). Default 6 (the paper uses ARWL)
 * @param shufflePeriodTicks ticks between two shuffles, jittered by ±50%; 0: never by itself (the host calls
 *     {@link HyParView#shuffle()}). Default 10
 * @param rotatePeriodTicks ticks between two rotations, jittered by ±50%: a node with a full active view
 *     replaces one random active peer with a random passive one (not in the paper; it re-merges the two halves
 *     of a healed partition, whose active views refilled while apart, and keeps the overlay random). 0: never.
 *     Default 300
 * @param requestTimeoutTicks ticks a dial plus its JOIN or NEIGHBOR answer may take, and that a session the
 *     peer opened may stay without asking anything. Default 5
 * @param maxConcurrentDials most dials at once to fill the active view or to reach static peers. Default 2
 * @param maxPendingSessions most sessions at once outside the active view (dialling, awaiting an answer, or
 *     opened by a peer that has not asked yet); so a node holds at most maxActive + maxPendingSessions sessions.
 *     At least maxConcurrentDials. Default 6
 * @param candidatesPerTick discovery candidates admitted per tick into the passive view (token bucket). Default 2
 * @param candidateBurst token bucket size: candidates admitted at once after a quiet time. Default 16
 * @param backoffBaseTicks back-off after a peer's first failed dial, doubled on each further failure. Default 2
 * @param backoffMaxTicks longest back-off. Default 300
 * @param backoffTableSize most peers whose failures are remembered (least recently failed forgotten first).
 *     Default 128
 * @param healthyTicks ticks an active peer's session must last to count as healthy. A session that ends sooner
 *     (a peer that closes every session at once, a node that cannot store what it receives, a protocol error
 *     right after the handshake) counts as a failed dial: the peer backs off, its back-off growing with each
 *     such session; only a session that lasted this long clears the back-off. Without it, a session that
 *     connects and fails at once was redialled at once, in a loop (tens of sessions a second). Default 5: the
 *     longest first back-offs (2, 4 ticks) are shorter, so a peer that fails this way is dialled at most about
 *     once per healthyTicks plus its back-off
 */
public record OverlayConfig(
    int maxActive,
    int maxPassive,
    int activeWalkLength,
    int passiveWalkLength,
    int shuffleActive,
    int shufflePassive,
    int shuffleWalkLength,
    int shufflePeriodTicks,
    int rotatePeriodTicks,
    int requestTimeoutTicks,
    int maxConcurrentDials,
    int maxPendingSessions,
    int candidatesPerTick,
    int candidateBurst,
    int backoffBaseTicks,
    int backoffMaxTicks,
    int backoffTableSize,
    int healthyTicks) {

    /** Default {@link #maxActive()}. */
    public static final int DEFAULT_MAX_ACTIVE = 5;
    /** Default {@link #maxPassive()}. */
    public static final int DEFAULT_MAX_PASSIVE = 30;
    /** Default {@link #activeWalkLength()} (ARWL). */
    public static final int DEFAULT_ACTIVE_WALK_LENGTH = 6;
    /** Default {@link #passiveWalkLength()} (PRWL). */
    public static final int DEFAULT_PASSIVE_WALK_LENGTH = 3;
    /** Default {@link #shuffleActive()} (ka). */
    public static final int DEFAULT_SHUFFLE_ACTIVE = 3;
    /** Default {@link #shufflePassive()} (kp). */
    public static final int DEFAULT_SHUFFLE_PASSIVE = 4;
    /** Default {@link #shuffleWalkLength()}. */
    public static final int DEFAULT_SHUFFLE_WALK_LENGTH = 6;
    /** Default {@link #shufflePeriodTicks()}. */
    public static final int DEFAULT_SHUFFLE_PERIOD_TICKS = 10;
    /** Default {@link #rotatePeriodTicks()}. */
    public static final int DEFAULT_ROTATE_PERIOD_TICKS = 300;
    /** Default {@link #requestTimeoutTicks()}. */
    public static final int DEFAULT_REQUEST_TIMEOUT_TICKS = 5;
    /** Default {@link #maxConcurrentDials()}. */
    public static final int DEFAULT_MAX_CONCURRENT_DIALS = 2;
    /** Default {@link #maxPendingSessions()}. */
    public static final int DEFAULT_MAX_PENDING_SESSIONS = 6;
    /** Default {@link #candidatesPerTick()}. */
    public static final int DEFAULT_CANDIDATES_PER_TICK = 2;
    /** Default {@link #candidateBurst()}. */
    public static final int DEFAULT_CANDIDATE_BURST = 16;
    /** Default {@link #backoffBaseTicks()}. */
    public static final int DEFAULT_BACKOFF_BASE_TICKS = 2;
    /** Default {@link #backoffMaxTicks()}. */
    public static final int DEFAULT_BACKOFF_MAX_TICKS = 300;
    /** Default {@link #backoffTableSize()}. */
    public static final int DEFAULT_BACKOFF_TABLE_SIZE = 128;
    /** Default {@link #healthyTicks()}. */
    public static final int DEFAULT_HEALTHY_TICKS = 5;
    /** Largest {@link #maxActive()} accepted. */
    public static final int LIMIT_MAX_ACTIVE = 32;

    /** All defaults. */
    public static final OverlayConfig DEFAULTS = builder().build();

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first field out of range
     */
    public OverlayConfig {
        range("maxActive", maxActive, 1, LIMIT_MAX_ACTIVE);
        range("maxPassive", maxPassive, maxActive, 1024);
        range("activeWalkLength", activeWalkLength, 0, HpvMessage.MAX_TTL);
        range("passiveWalkLength", passiveWalkLength, 0, activeWalkLength);
        range("shuffleActive", shuffleActive, 0, HpvMessage.MAX_PEERS);
        range("shufflePassive", shufflePassive, 0, HpvMessage.MAX_PEERS - shuffleActive);
        range("shuffleWalkLength", shuffleWalkLength, 0, HpvMessage.MAX_TTL);
        range("shufflePeriodTicks", shufflePeriodTicks, 0, 1_000_000);
        range("rotatePeriodTicks", rotatePeriodTicks, 0, 1_000_000);
        range("requestTimeoutTicks", requestTimeoutTicks, 1, 1_000_000);
        range("maxConcurrentDials", maxConcurrentDials, 1, LIMIT_MAX_ACTIVE);
        range("maxPendingSessions", maxPendingSessions, maxConcurrentDials, 4 * LIMIT_MAX_ACTIVE);
        range("candidatesPerTick", candidatesPerTick, 1, 1_000_000);
        range("candidateBurst", candidateBurst, candidatesPerTick, 1_000_000);
        range("backoffBaseTicks", backoffBaseTicks, 1, 1_000_000);
        range("backoffMaxTicks", backoffMaxTicks, backoffBaseTicks, 1_000_000);
        range("backoffTableSize", backoffTableSize, 1, 1_000_000);
        range("healthyTicks", healthyTicks, 1, 1_000_000);
    }

    private static void range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /**
     * A builder holding the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this configuration's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxActive = maxActive;
        b.maxPassive = maxPassive;
        b.activeWalkLength = activeWalkLength;
        b.passiveWalkLength = passiveWalkLength;
        b.shuffleActive = shuffleActive;
        b.shufflePassive = shufflePassive;
        b.shuffleWalkLength = shuffleWalkLength;
        b.shufflePeriodTicks = shufflePeriodTicks;
        b.rotatePeriodTicks = rotatePeriodTicks;
        b.requestTimeoutTicks = requestTimeoutTicks;
        b.maxConcurrentDials = maxConcurrentDials;
        b.maxPendingSessions = maxPendingSessions;
        b.candidatesPerTick = candidatesPerTick;
        b.candidateBurst = candidateBurst;
        b.backoffBaseTicks = backoffBaseTicks;
        b.backoffMaxTicks = backoffMaxTicks;
        b.backoffTableSize = backoffTableSize;
        b.healthyTicks = healthyTicks;
        return b;
    }

    /** Mutable builder of an {@link OverlayConfig}; each setter documents nothing beyond its field. */
    public static final class Builder {
        private int maxActive = DEFAULT_MAX_ACTIVE;
        private int maxPassive = DEFAULT_MAX_PASSIVE;
        private int activeWalkLength = DEFAULT_ACTIVE_WALK_LENGTH;
        private int passiveWalkLength = DEFAULT_PASSIVE_WALK_LENGTH;
        private int shuffleActive = DEFAULT_SHUFFLE_ACTIVE;
        private int shufflePassive = DEFAULT_SHUFFLE_PASSIVE;
        private int shuffleWalkLength = DEFAULT_SHUFFLE_WALK_LENGTH;
        private int shufflePeriodTicks = DEFAULT_SHUFFLE_PERIOD_TICKS;
        private int rotatePeriodTicks = DEFAULT_ROTATE_PERIOD_TICKS;
        private int requestTimeoutTicks = DEFAULT_REQUEST_TIMEOUT_TICKS;
        private int maxConcurrentDials = DEFAULT_MAX_CONCURRENT_DIALS;
        private int maxPendingSessions = DEFAULT_MAX_PENDING_SESSIONS;
        private int candidatesPerTick = DEFAULT_CANDIDATES_PER_TICK;
        private int candidateBurst = DEFAULT_CANDIDATE_BURST;
        private int backoffBaseTicks = DEFAULT_BACKOFF_BASE_TICKS;
        private int backoffMaxTicks = DEFAULT_BACKOFF_MAX_TICKS;
        private int backoffTableSize = DEFAULT_BACKOFF_TABLE_SIZE;
        private int healthyTicks = DEFAULT_HEALTHY_TICKS;

        private Builder() {
        }

        /** Sets {@link OverlayConfig#maxActive()}; returns this builder. */
        public Builder maxActive(int v) {
            maxActive = v;
            return this;
        }

        /** Sets {@link OverlayConfig#maxPassive()}; returns this builder. */
        public Builder maxPassive(int v) {
            maxPassive = v;
            return this;
        }

        /** Sets {@link OverlayConfig#activeWalkLength()}; returns this builder. */
        public Builder activeWalkLength(int v) {
            activeWalkLength = v;
            return this;
        }

        /** Sets {@link OverlayConfig#passiveWalkLength()}; returns this builder. */
        public Builder passiveWalkLength(int v) {
            passiveWalkLength = v;
            return this;
        }

        /** Sets {@link OverlayConfig#shuffleActive()}; returns this builder. */
        public Builder shuffleActive(int v) {
            shuffleActive = v;
            return this;
        }

        /** Sets {@link OverlayConfig#shufflePassive()}; returns this builder. */
        public Builder shufflePassive(int v) {
            shufflePassive = v;
            return this;
        }

        /** Sets {@link OverlayConfig#shuffleWalkLength()}; returns this builder. */
        public Builder shuffleWalkLength(int v) {
            shuffleWalkLength = v;
            return this;
        }

        /** Sets {@link OverlayConfig#shufflePeriodTicks()}; returns this builder. */
        public Builder shufflePeriodTicks(int v) {
            shufflePeriodTicks = v;
            return this;
        }

        /** Sets {@link OverlayConfig#rotatePeriodTicks()}; returns this builder. */
        public Builder rotatePeriodTicks(int v) {
            rotatePeriodTicks = v;
            return this;
        }

        /** Sets {@link OverlayConfig#requestTimeoutTicks()}; returns this builder. */
        public Builder requestTimeoutTicks(int v) {
            requestTimeoutTicks = v;
            return this;
        }

        /** Sets {@link OverlayConfig#maxConcurrentDials()}; returns this builder. */
        public Builder maxConcurrentDials(int v) {
            maxConcurrentDials = v;
            return this;
        }

        /** Sets {@link OverlayConfig#maxPendingSessions()}; returns this builder. */
        public Builder maxPendingSessions(int v) {
            maxPendingSessions = v;
            return this;
        }

        /** Sets {@link OverlayConfig#candidatesPerTick()}; returns this builder. */
        public Builder candidatesPerTick(int v) {
            candidatesPerTick = v;
            return this;
        }

        /** Sets {@link OverlayConfig#candidateBurst()}; returns this builder. */
        public Builder candidateBurst(int v) {
            candidateBurst = v;
            return this;
        }

        /** Sets {@link OverlayConfig#backoffBaseTicks()}; returns this builder. */
        public Builder backoffBaseTicks(int v) {
            backoffBaseTicks = v;
            return this;
        }

        /** Sets {@link OverlayConfig#backoffMaxTicks()}; returns this builder. */
        public Builder backoffMaxTicks(int v) {
            backoffMaxTicks = v;
            return this;
        }

        /** Sets {@link OverlayConfig#backoffTableSize()}; returns this builder. */
        public Builder backoffTableSize(int v) {
            backoffTableSize = v;
            return this;
        }

        /** Sets {@link OverlayConfig#healthyTicks()}; returns this builder. */
        public Builder healthyTicks(int v) {
            healthyTicks = v;
            return this;
        }

        /**
         * Builds and validates.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the first field out of range
         */
        public OverlayConfig build() {
            return new OverlayConfig(maxActive, maxPassive, activeWalkLength, passiveWalkLength, shuffleActive,
                shufflePassive, shuffleWalkLength, shufflePeriodTicks, rotatePeriodTicks, requestTimeoutTicks,
                maxConcurrentDials, maxPendingSessions, candidatesPerTick, candidateBurst, backoffBaseTicks,
                backoffMaxTicks, backoffTableSize, healthyTicks);
        }
    }
}
