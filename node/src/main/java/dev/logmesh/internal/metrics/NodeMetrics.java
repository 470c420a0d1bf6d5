package dev.logmesh.internal.metrics;

import dev.logmesh.internal.protocol.WireStats;
import dev.logmesh.internal.store.SqliteStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's meters in an application's Micrometer {@link MeterRegistry}, each tagged {@code node=<node id>} (the
 * Prometheus names in brackets):
 * <ul>
 *   <li>{@value #SESSIONS} ({@code logmesh_sessions}): peers with an open sync session (gauge).</li>
 *   <li>{@value #ADDED} ({@code logmesh_actions_added_total}): actions added to the log at this node (its API,
 *       its command line, its Logux clients).</li>
 *   <li>{@value #RECEIVED} ({@code logmesh_actions_received_total}): actions received from peers that were new
 *       here; {@value #DUPLICATES} those that were not (another path brought them first).</li>
 *   <li>{@value #SENT} ({@code logmesh_actions_sent_total}): actions sent to peers (and clients) in
 *       {@code sync} messages.</li>
 *   <li>{@value #CATCH_UP_LAG} ({@code logmesh_catchup_lag}): positions of connected peers' logs this node has
 *       still to receive (gauge; 0 when caught up).</li>
 *   <li>{@value #BYTES_IN}, {@value #BYTES_OUT} ({@code logmesh_received_bytes_total},
 *       {@code logmesh_sent_bytes_total}): WebSocket frame payload (not counted for a transport given by the
 *       application).</li>
 *   <li>{@value #ERRORS} ({@code logmesh_errors_total}) by {@code kind}: a protocol error's wire type
 *       ({@code wrong-format}, {@code wrong-credentials}, {@code timeout}, ...) that ended a session,
 *       {@code store} (a write to the log failed), or {@code too-deep} (one received action nested deeper than a
 *       frame may carry, refused alone: the session went on).</li>
 *   <li>{@value #LOG_ENTRIES} ({@code logmesh_log_entries}): entries in the log (gauge, sampled every second).</li>
 * </ul>
 * Rates (actions per second) are the monitoring system's: {@code rate(logmesh_actions_received_total[1m])}.
 *
 * <p>Threads: the counters live in {@link WireStats} (added to on the loop and the I/O threads without
 * allocation); the registry reads them on its own thread. {@link #sessions}, {@link #error} and
 * {@link #logEntries} are called on the loop.
 */
public final class NodeMetrics implements AutoCloseable {
    /** Gauge: peers with an open sync session. */
    public static final String SESSIONS = "logmesh.sessions";
    /** Counter: actions added at this node. */
    public static final String ADDED = "logmesh.actions.added";
    /** Counter: actions received from peers, new here. */
    public static final String RECEIVED = "logmesh.actions.received";
    /** Counter: actions received from peers that this node had already. */
    public static final String DUPLICATES = "logmesh.actions.duplicates";
    /** Counter: actions sent to peers. */
    public static final String SENT = "logmesh.actions.sent";
    /** Gauge: positions of peers' logs still to receive. */
    public static final String CATCH_UP_LAG = "logmesh.catchup.lag";
    /** Counter: bytes received. */
    public static final String BYTES_IN = "logmesh.received.bytes";
    /** Counter: bytes sent. */
    public static final String BYTES_OUT = "logmesh.sent.bytes";
    /** Counter: errors by kind. */
    public static final String ERRORS = "logmesh.errors";
    /** Gauge: entries in the log. */
    public static final String LOG_ENTRIES = "logmesh.log.entries";
    /** Timer: a group commit's fsync of the SQLite store's WAL. */
    public static final String STORE_FLUSH = "logmesh.store.flush";
    /** Timer: a background checkpoint of the SQLite store's WAL. */
    public static final String STORE_CHECKPOINT = "logmesh.store.checkpoint";

    private final MeterRegistry registry;
    private final Tags tags;
    private final AtomicInteger sessions = new AtomicInteger();
    private volatile long logEntries;
    private final List<Meter> meters = new ArrayList<>();
    /** The store whose disk latencies these meters record ({@link #observe}), or null; guarded by {@code meters}. */
    private SqliteStore observed;

    /** Registers the meters of the node {@code nodeId}, reading {@code stats}. */
    public NodeMetrics(MeterRegistry registry, String nodeId, WireStats stats) {
        this.registry = registry;
        this.tags = Tags.of("node", nodeId);
        meters.add(Gauge.builder(SESSIONS, sessions, AtomicInteger::get).tags(tags)
            .description("peers with an open sync session").register(registry));
        meters.add(FunctionCounter.builder(ADDED, stats, WireStats::entriesAdded).tags(tags)
            .description("actions added at this node (API, command line, Logux clients)").register(registry));
        meters.add(FunctionCounter.builder(RECEIVED, stats, WireStats::entriesReceived).tags(tags)
            .description("actions received from peers that were new here").register(registry));
        meters.add(FunctionCounter.builder(DUPLICATES, stats, WireStats::duplicates).tags(tags)
            .description("actions received from peers that this node had already").register(registry));
        meters.add(FunctionCounter.builder(SENT, stats, WireStats::entriesSent).tags(tags)
            .description("actions sent to peers and clients in sync messages").register(registry));
        meters.add(Gauge.builder(CATCH_UP_LAG, stats, WireStats::catchUpLag).tags(tags)
            .description("positions of connected peers' logs still to receive").register(registry));
        meters.add(FunctionCounter.builder(BYTES_IN, stats, WireStats::bytesIn).tags(tags).baseUnit(BaseUnits.BYTES)
            .description("WebSocket frame payload received").register(registry));
        meters.add(FunctionCounter.builder(BYTES_OUT, stats, WireStats::bytesOut).tags(tags).baseUnit(BaseUnits.BYTES)
            .description("WebSocket frame payload sent").register(registry));
        meters.add(Gauge.builder(LOG_ENTRIES, this, m -> m.logEntries).tags(tags)
            .description("entries in the log (sampled every second)").register(registry));
    }

    /** A peer's first session came up (+1) or its last one ended (-1). Loop. */
    public void sessions(int delta) {
        sessions.addAndGet(delta);
    }

    /** Counts an error of this kind (a protocol error's wire type, {@code store} or {@code too-deep}). Loop. */
    public void error(String kind) {
        Counter c = Counter.builder(ERRORS).tags(tags).tag("kind", kind)
            .description("errors that ended a session or a write, by kind").register(registry);
        synchronized (meters) {
            if (!meters.contains(c)) {
                meters.add(c);
            }
        }
        c.increment();
    }

    /**
     * Registers the store's timers ({@value #STORE_FLUSH}, {@value #STORE_CHECKPOINT}) and has {@code store} record
     * into them from its writer threads, until {@link #close}. Called once, on the thread that starts the node.
     */
    public void observe(SqliteStore store) {
        Timer flush = Timer.builder(STORE_FLUSH).tags(tags)
            .description("fsync of the store's WAL, one per group commit").register(registry);
        Timer checkpoint = Timer.builder(STORE_CHECKPOINT).tags(tags)
            .description("background checkpoint of the store's WAL into its database file").register(registry);
        synchronized (meters) {
            meters.add(flush);
            meters.add(checkpoint);
            observed = store;
        }
        store.observeDisk(new SqliteStore.DiskObserver() {
            @Override
            public void flushed(long nanos) {
                flush.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void checkpointed(long nanos) {
                checkpoint.record(nanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    /** The log holds {@code n} entries now. Loop. */
    public void logEntries(long n) {
        logEntries = n;
    }

    /** Removes the node's meters from the registry (the node closed). */
    @Override
    public void close() {
        synchronized (meters) {
            if (observed != null) {
                observed.observeDisk(null);
                observed = null;
            }
            for (Meter m : meters) {
                registry.remove(m);
            }
            meters.clear();
        }
    }
}
