package dev.logmesh.internal.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.session.PresenceSink;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesh presence: every node learns which nodes the mesh has, how they are linked and their basic status, beyond
 * its own few sessions. Each node originates a small record every period ({@code ["logmesh:presence", {...}]}:
 * its id, name, URL, log size, lastAdded, add rate and its links with, for each, the peer, whether the link is
 * active, how far the peer is behind and the round trip), and forwards the records of others over its logmesh
 * sessions. Each node keeps a bounded directory of the latest record per origin.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Who gets it.</b> Only sessions where both sides offered the {@code presence} capability: stock Logux
 *       peers and older logmesh nodes never see a presence message. Presence is not an action: it is never
 *       written to a log, is not gossiped by Plumtree, and does not enter anti-entropy's quiet-link condition
 *       (which looks at entries only); a held overlay session carries it like the overlay's own messages.</li>
 *   <li><b>Flooding with dedupe</b>, as in link-state routing (OSPF's LSA flooding, RFC 2328 §13): a record is
 *       identified by (origin, seq); {@code seq} grows at the origin (the larger of the last one + 1 and its log's
 *       clock in ms, whose reservation on disk a restarted node's clock starts after, so it keeps growing over
 *       restarts, also with the wall clock set back). A record is accepted only if its seq is larger than the one
 *       held for its origin, and then forwarded once to every presence session except the one it came on.
 *       {@code hops} counts the links crossed; a record is not forwarded beyond {@link #MAX_HOPS}. A later copy of
 *       the same record over fewer links is not forwarded but lowers the hops and via kept for it, so they tell
 *       the shortest path, not the first copy's.</li>
 *   <li><b>Bounds.</b> A record over {@link #MAX_RECORD_BYTES} (encoded) or with more than {@link #MAX_LINKS}
 *       links is dropped (the origin truncates its own links to fit); the directory holds at most
 *       {@link #MAX_ORIGINS} origins, and a record of a new origin is dropped while it is full (the known nodes
 *       stay; forged origins expire); a record is dropped when it is not refreshed for {@link #EXPIRY_PERIODS}
 *       periods, so a node that left disappears; an origin is forwarded at most once per half period, whatever
 *       seqs a peer sends. So a node sends, per period and per presence session, at most
 *       {@code (1 + 2 × MAX_ORIGINS) × MAX_RECORD_BYTES} bytes whatever its peers do, and in a healthy mesh of N
 *       nodes about {@code N × s} bytes (s: one record, ~150 bytes + ~70 per link).</li>
 *   <li><b>A period that grows with the mesh.</b> Flooding costs each node one record per origin and session per
 *       period, so N² in the mesh: at 1,000 nodes ten times what it costs at 100. Up to
 *       {@link #FULL_RATE_NODES} known nodes (this one included) a node originates every configured period; beyond,
 *       every {@code period × known / FULL_RATE_NODES} ms ({@link #currentPeriodMillis}), so that what each node
 *       sends and receives stays about what a mesh of {@value #FULL_RATE_NODES} costs it, and a record goes stale
 *       in proportion (as SWIM's and Serf's gossip intervals grow with the cluster). The record says its period
 *       ({@code period}, ms), and a receiver expires its origin after {@link #EXPIRY_PERIODS} of them (at least
 *       of its own configured period, and at most of {@link #MAX_RECORD_PERIOD_MILLIS}): before, it used its own
 *       period, so the records of a node configured with a longer one expired between two of them. A record without
 *       {@code period} (an older node) is expired after its receiver's own periods, as before. A node forwards an
 *       origin at most once per half of its own period, so a record it passes on says at least that period: a
 *       receiver behind a relay with a longer period would otherwise expire a live origin between two records.</li>
 *   <li><b>A changed link goes out early.</b> Beyond {@link #FULL_RATE_NODES} nodes a record may be many configured
 *       periods old, so a link that comes or goes brings the next record of one of its ends (the smaller node id:
 *       both list the link) forward to one configured period after the last, at most once per stated period
 *       ({@link #linksChanged}): a new link is seen within about a configured period whatever the mesh's size, for at
 *       most twice the records under constant overlay churn.</li>
 *   <li><b>What sets the period.</b> An origin counts among the known nodes for this node's own period for
 *       {@link #EXPIRY_PERIODS} of its period, but at most of this node's ({@link #countWindow}), so a burst of forged
 *       origins claiming long periods stretches it for a record at most.</li>
 *   <li><b>Time.</b> Ages, expiry and the pace of records run on the loop's monotonic clock ({@link
 *       Loop#monotonicMillis}), not the wall clock, which can be set while the node runs; only {@code seq} takes the
 *       wall clock (through the log's reserved clock), so that it keeps growing over restarts. Before (clock41) a clock set back 3 h kept the record of
 *       a node that had left for those 3 h (its age below zero), and one set forward dropped every record at once.</li>
 *   <li><b>Memory.</b> The directory keeps each record as its compact JSON text (~500 bytes with 5 links), not as a
 *       Jackson tree (~3 KB), and reads it back only for the node's status: a node holds a record of every node of
 *       the mesh.</li>
 *   <li><b>Trust.</b> A record is believed as received: any node that holds the mesh key (or any node of an open
 *       mesh) can forge another origin's record. Presence is for display, and for the mesh's smallest frame limit
 *       ({@code maxFrame}: a forged one can lower what the other nodes add, down to the 1024 bytes a node takes at
 *       least, until its origin's next record or its expiry); nothing else depends on it.</li>
 *   <li><b>Bad records</b> are dropped and counted, not answered with {@code wrong-format}: presence is advisory,
 *       and a newer node's record must not end a session.</li>
 * </ul>
 *
 * <p>Owned by the node's loop: every method must be called there.
 */
public final class Presence implements PresenceSink {
    private static final Logger LOG = LoggerFactory.getLogger(Presence.class);

    /** Default period between two records of one origin, ms. */
    public static final long DEFAULT_PERIOD_MILLIS = 5_000;
    /** Origins the directory holds at most. */
    public static final int MAX_ORIGINS = 1024;
    /** Links crossed after which a record is not forwarded. */
    public static final int MAX_HOPS = 16;
    /** Largest record accepted or sent, encoded bytes (UTF-8 JSON). */
    public static final int MAX_RECORD_BYTES = 4096;
    /** Most links a record lists. */
    public static final int MAX_LINKS = 32;
    /** Periods without a newer record after which an origin leaves the directory. */
    public static final int EXPIRY_PERIODS = 3;
    /** Known nodes (this one included) up to which a node originates every configured period; see the class notes. */
    public static final int FULL_RATE_NODES = 100;
    /** The longest origin period a receiver honours for expiry, ms: a day, the longest configurable period. */
    public static final long MAX_RECORD_PERIOD_MILLIS = 86_400_000L;
    /** Longest node id accepted in a record, characters. */
    static final int MAX_ID_CHARS = dev.logmesh.internal.overlay.PeerInfo.MAX_ID_LENGTH;

    /**
     * One node as the directory knows it.
     *
     * @param origin     its node id
     * @param seq        the record's sequence number at the origin
     * @param hops       links the record crossed to get here (0: this node)
     * @param ageMillis  how long ago this node received it, ms (0 for this node's own)
     * @param via        the peer it came from, or null for this node's own
     * @param record     the record as received (origin, seq, hops, name, url, size, lastAdded, rate, links, ...), read
     *                   from the directory's text: a tree of the caller's own (this node's own record: the one sent)
     */
    public record Known(String origin, long seq, int hops, long ageMillis, String via, ObjectNode record) {
    }

    /**
     * Counters, for the status file and tests.
     *
     * @param early records originated ahead of the period because a link came or went ({@link #linksChanged})
     */
    public record Stats(long originated, long received, long forwarded, long duplicates, long dropped,
                        long expired, long early) {
    }

    /**
     * One origin in the directory. Its record is kept as its compact JSON text (UTF-8), not as a tree: the directory
     * holds a record of every node of the mesh, so a node's memory grows with the mesh's size, and a Jackson tree of a
     * record with 5 links took ~3 KB (599 KB per idle node at 100 nodes, 1.2 MB at 300, session 36) where its text
     * takes ~500 bytes. It is read back into a tree only when the node's status is asked for ({@link #known}).
     */
    private static final class Entry {
        byte[] json;
        long seq;
        int hops;
        /** When the record came, and when this node last passed the origin on (the loop's monotonic clock, ms). */
        long receivedAt;
        long forwardedAt = Long.MIN_VALUE / 2;
        String via;
        /** The origin's period as its record says, bounded ({@link #recordPeriod}), ms. */
        long periodMillis;
        /**
         * Until when (the loop's monotonic clock, ms) the origin counts among the known nodes that set this node's own
         * period ({@link #currentPeriodMillis}): {@link #EXPIRY_PERIODS} of its period, but at most of this node's
         * own stated period when the record came (see {@link #countWindow}).
         */
        long countsUntil;
    }

    private final PeerTable hub;
    private final Loop loop;
    private final String selfId;
    private final Supplier<ObjectNode> self;
    private final long periodMillis;
    private final Random random;
    /** Latest record per origin, in the order origins were first accepted. */
    private final Map<String, Entry> directory = new LinkedHashMap<>();
    private long seq;
    /** When {@link #expire} last ran (the loop's monotonic clock, ms). */
    private long expiredAt = Long.MIN_VALUE;
    private ObjectNode own;
    private boolean closed;
    private Loop.Cancellable timer;
    /** When this node last originated a record (the loop's monotonic clock, ms). */
    private long originatedAt = Long.MIN_VALUE / 2;
    /** When the scheduled {@link #tick} is due (the loop's monotonic clock, ms). */
    private long tickAt = Long.MAX_VALUE;
    /**
     * When this node last originated an early record for a changed link ({@link #linksChanged}), the loop's monotonic
     * clock, ms.
     */
    private long earlyAt = Long.MIN_VALUE / 2;
    /** Whether the scheduled tick is an early one ({@link #linksChanged}). */
    private boolean earlyPending;
    private long early;
    private long originated;
    private long received;
    private long forwarded;
    private long duplicates;
    private long dropped;
    private long expired;
    /** Told of every record accepted as news ({@link #onRecord}), or null. */
    private RecordListener recordListener;

    /** Told of a record accepted as news (a newer seq of its origin), on the loop. */
    @FunctionalInterface
    public interface RecordListener {
        /**
         * A record accepted as news.
         *
         * @param origin the record's origin
         * @param record the record as received (not to be kept or changed)
         * @param via    the peer it came from
         * @param hops   links it crossed to get here (1: from the origin itself)
         */
        void received(String origin, ObjectNode record, String via, int hops);
    }

    /** Tells {@code listener} of every record accepted as news from now on (one listener; null: none). Loop only. */
    public void onRecord(RecordListener listener) {
        this.recordListener = listener;
    }

    /**
     * @param hub          the node's sessions (presence goes over those that offered it)
     * @param selfId       this node's id
     * @param self         this node's status, called once per period on the loop: an object with any of
     *                     {@code name}, {@code url}, {@code size}, {@code lastAdded}, {@code rate} and
     *                     {@code links} ({@code [{"peer", "active", "behind", "rtt"}]}); origin, seq and hops are
     *                     added here
     * @param periodMillis the period, ms, at least 100
     * @param random       draws the first tick's offset, so that nodes started together do not send together
     */
    public Presence(PeerTable hub, Loop loop, String selfId, Supplier<ObjectNode> self, long periodMillis,
                    Random random) {
        this(hub, loop, selfId, self, periodMillis, random, loop::now);
    }

    /**
     * As {@link #Presence(PeerTable, Loop, String, Supplier, long, Random)}, with the clock of {@code seq}.
     *
     * @param seqClock the time in ms each {@code seq} is at least, on the loop: one that never goes back over restarts
     *                 (a node's log's reserved clock, {@code Log#reservedNow}), so that a node restarted with its wall
     *                 clock set back still gives seqs above those its peers hold; a failure falls back to the wall
     *                 clock for that record
     */
    public Presence(PeerTable hub, Loop loop, String selfId, Supplier<ObjectNode> self, long periodMillis,
                    Random random, java.util.function.LongSupplier seqClock) {
        if (periodMillis < 100) {
            throw new IllegalArgumentException("a presence period is at least 100 ms, got " + periodMillis);
        }
        this.hub = Objects.requireNonNull(hub, "hub");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.self = Objects.requireNonNull(self, "self");
        this.periodMillis = periodMillis;
        this.random = Objects.requireNonNull(random, "random");
        this.seqClock = Objects.requireNonNull(seqClock, "seqClock");
        hub.usePresence(this);
    }

    /** The time each {@code seq} is at least (see the constructor). */
    private final java.util.function.LongSupplier seqClock;

    /**
     * Starts the records: this node's own at once (so the node's status lists it from its start, and a peer that
     * connects gets it in its first exchange), the next within a period at a random offset (so that nodes started
     * together do not send together), then one each period.
     */
    public void start() {
        originate();
        scheduleTick(1 + random.nextLong(periodMillis));
        hub.addListener(new PeerTable.Listener() {
            @Override
            public void peerConnected(String peerNode, SyncSession session) {
                // a new link: tell the peer about this node now, not at the next period
                if (own != null && !closed) {
                    session.sendPresence(own);
                }
                if (tellsOfLink(peerNode)) {
                    linksChanged();
                }
            }

            @Override
            public void peerDisconnected(String peerNode) {
                if (tellsOfLink(peerNode)) {
                    linksChanged();
                }
            }
        });
    }

    /**
     * A link came or went: the mesh should see it within about one configured period, not only at this node's next
     * record, which beyond {@link #FULL_RATE_NODES} known nodes comes only every {@code period × known / 100} (1,000
     * nodes at 5 s: 50 s). So the next record is brought forward to one configured period after the last one (or now,
     * if that has passed), at most once per the period this node states: it then originates at most twice per stated
     * period, so a mesh's presence costs at most twice the scaled cost under overlay churn, and exactly as before where
     * links do not change. Up to {@link #FULL_RATE_NODES} nodes the next record is due within a configured period
     * anyway: nothing changes there. One configured period after the last record, not at once: forwarders pass an
     * origin on at most once per half of their period (the early record would stop at the first hop), and the changes
     * of an overlay's shuffle or a join come in bursts that one record then covers. Before (session 36) a new link
     * reached the other nodes' status only with the next scheduled record (a fresh record per link broke {@code
     * MeshPresenceTest}'s cost bound under overlay churn).
     */
    private void linksChanged() {
        if (closed || own == null) {
            return;
        }
        long stated = own.get("period").asLong();
        long due = Math.max(originatedAt + periodMillis, earlyAt + stated);
        if (due >= tickAt) {
            return;
        }
        earlyPending = true;
        scheduleTick(Math.max(0, due - loop.monotonicMillis()));
    }

    /**
     * Whether this end of a link with {@code peerNode} brings its record forward when the link comes or goes
     * ({@link #linksChanged}): the end with the smaller node id. Both ends list the link, so one record tells the mesh
     * of it; before (session 38) both ends sent one early: at 300 nodes (seed 3) 554 records a node per period in the
     * 15 s after the overlay formed, 496 with one end (session 37's overlay: 568 both ends, 380 without early records).
     */
    private boolean tellsOfLink(String peerNode) {
        return peerNode == null || selfId.compareTo(peerNode) < 0;
    }

    /** Schedules the next {@link #tick} in {@code delay} ms, in place of one scheduled before. */
    private void scheduleTick(long delay) {
        if (timer != null) {
            timer.cancel();
        }
        tickAt = loop.monotonicMillis() + delay;
        timer = loop.schedule(delay, this::tick);
    }

    /** Stops originating. */
    public void close() {
        closed = true;
        tickAt = Long.MAX_VALUE;
        if (timer != null) {
            timer.cancel();
        }
    }

    /** The configured period, ms. */
    public long periodMillis() {
        return periodMillis;
    }

    /**
     * The period this node originates at now, ms: the configured one while it knows at most
     * {@link #FULL_RATE_NODES} nodes (itself included), else {@code configured × known / FULL_RATE_NODES}, at most
     * {@link #MAX_RECORD_PERIOD_MILLIS} (or the configured one when that is longer). Changes as nodes are learned and
     * expire (expired origins are dropped first); read at each record.
     */
    public long currentPeriodMillis() {
        expire();
        long now = loop.monotonicMillis();
        long known = 1;
        for (Entry e : directory.values()) {
            if (now <= e.countsUntil) {
                known++;
            }
        }
        if (known <= FULL_RATE_NODES) {
            return periodMillis;
        }
        return Math.max(periodMillis, Math.min(MAX_RECORD_PERIOD_MILLIS, periodMillis * known / FULL_RATE_NODES));
    }

    /** Originates this node's record now and sends it to every presence session; also called by tests. */
    public void tick() {
        if (closed) {
            return;
        }
        if (earlyPending) {
            earlyPending = false;
            earlyAt = loop.monotonicMillis();
            early++;
        }
        originate();
        scheduleTick(own.get("period").asLong());
    }

    /** Makes this node's record and sends it to every presence session. */
    private void originate() {
        long at;
        try {
            at = seqClock.getAsLong();
        } catch (RuntimeException e) {
            LOG.debug("presence seq on the wall clock: its reserved clock failed ({})", e.toString());
            at = loop.now();
        }
        // a clock reserved on disk: seqs grow over restarts, also with the wall clock set back (before, session 43,
        // seq was the wall clock's: a node restarted with its clock set back 10 s sent seqs its peers had seen, and
        // they ignored its records for those 10 s)
        seq = Math.max(seq + 1, at);
        ObjectNode r = fit(self.get());
        r.put("origin", selfId);
        r.put("seq", seq);
        r.put("hops", 0);
        r.put("period", currentPeriodMillis());
        own = r;
        originatedAt = loop.monotonicMillis();
        originated++;
        for (SyncSession s : hub.connectedSessions()) {
            s.sendPresence(r);
        }
    }

    /** This node's record cut to the bounds: links beyond {@link #MAX_LINKS} or the byte limit are left out. */
    private static ObjectNode fit(ObjectNode r) {
        ObjectNode out = r.deepCopy();
        if (out.get("links") instanceof ArrayNode links) {
            while (links.size() > MAX_LINKS) {
                links.remove(links.size() - 1);
            }
            while (links.size() > 0 && bytes(out) > MAX_RECORD_BYTES - 128) {
                links.remove(links.size() - 1);
            }
        }
        return out;
    }

    private static int bytes(JsonNode n) {
        // the codec's own count of what it writes into a frame (a surrogate in a string as a 6-byte escape), where
        // getBytes of the text counted an emoji 4 and an unpaired surrogate 1; and no mapper: toString makes one,
        // tens of ms on the loop in a fresh process (README, "Cold")
        return (int) dev.logmesh.internal.protocol.MessageCodec.utf8Length(n);
    }

    @Override
    public void received(SyncSession session, ObjectNode r) {
        received++;
        // its size is measured below, once it is known to be news: most records a node receives are copies of one
        // it holds (over its other sessions), and the text that measures it is what the directory keeps
        String problem = problem(r, -1);
        if (problem != null) {
            drop(session, problem);
            return;
        }
        String origin = r.get("origin").asText();
        long rseq = r.get("seq").asLong();
        int hops = r.get("hops").asInt() + 1;
        if (origin.equals(selfId)) {
            duplicates++; // our own record came back around a cycle
            return;
        }
        long now = loop.monotonicMillis();
        Entry e = directory.get(origin);
        if (e != null && e.seq >= rseq) {
            duplicates++;
            if (e.seq == rseq && hops < e.hops) {
                // the same record over a shorter path, after a longer one delivered it first: hops is the distance
                e.hops = hops;
                e.via = session.peerNode();
            }
            return;
        }
        byte[] json = dev.logmesh.internal.protocol.MessageCodec.utf8(r);
        if (json.length > MAX_RECORD_BYTES) {
            drop(session, "over " + MAX_RECORD_BYTES + " bytes");
            return;
        }
        if (e == null) {
            if (directory.size() >= MAX_ORIGINS && now != expiredAt) {
                expire(); // at most once per ms: a flood of new origins does not scan the directory each time
                if (directory.size() >= MAX_ORIGINS) {
                    makeRoom(now);
                }
            }
            if (directory.size() >= MAX_ORIGINS) {
                dropped++;
                return;
            }
            e = new Entry();
            directory.put(origin, e);
        }
        e.json = json;
        e.seq = rseq;
        e.hops = hops;
        e.receivedAt = now;
        e.via = session.peerNode();
        e.periodMillis = recordPeriod(r);
        e.countsUntil = now + countWindow(e.periodMillis);
        if (recordListener != null) {
            recordListener.received(origin, r, e.via, hops);
        }
        if (hops >= MAX_HOPS || now - e.forwardedAt < periodMillis / 2) {
            return;
        }
        e.forwardedAt = now;
        ObjectNode copy = r; // kept as text above: the received tree itself is passed on
        copy.put("hops", hops);
        // this node passes the origin on at most once per half of its own period: a receiver behind it may wait
        // that long between two records, so the record it passes on says at least this node's period (break36b:
        // behind a relay with a 10 times longer --presence-period, a live origin expired between two records)
        if (e.periodMillis > stated(r)) {
            copy.put("period", e.periodMillis);
        }
        for (SyncSession s : hub.connectedSessions()) {
            if (s != session && !origin.equals(s.peerNode()) && s.sendPresence(copy)) {
                forwarded++;
            }
        }
    }

    /**
     * The period to expire a record's origin by, ms: the record's {@code period} when it is a whole number, at least
     * this node's configured period and at most {@link #MAX_RECORD_PERIOD_MILLIS}; this node's configured period
     * when the record has none (an older node) or another kind of value (presence is advisory: the record is kept).
     */
    private long recordPeriod(ObjectNode r) {
        long p = stated(r);
        return p == 0 ? periodMillis : Math.max(periodMillis, Math.min(MAX_RECORD_PERIOD_MILLIS, p));
    }

    /**
     * How long after a record its origin counts among the known nodes that set this node's period, ms:
     * {@link #EXPIRY_PERIODS} of the origin's period, but of at most the period this node states now. In a mesh every
     * node counts about the same nodes, so a live origin states about this node's period and is heard within it; an
     * origin that claims a far longer one (a forged burst claiming a day) then stops counting after three of this
     * node's periods, where it stays listed (display) for three of its own. Before (session 36), every listed origin
     * counted: one burst of 1,024 forged origins stretched this node's period about 10 times for as long as they were
     * listed (three days, or until new origins pushed them out).
     */
    private long countWindow(long originPeriod) {
        long mine = own == null ? periodMillis : Math.max(periodMillis, own.get("period").asLong());
        return EXPIRY_PERIODS * Math.min(originPeriod, mine);
    }

    /** The record's own {@code period} when it is a whole number, else 0 (none, or another kind of value). */
    private static long stated(ObjectNode r) {
        JsonNode p = r.get("period");
        return p != null && p.isIntegralNumber() && p.canConvertToLong() ? p.asLong() : 0;
    }

    /** Why a record is not usable, or null. */
    static String problem(ObjectNode r) {
        return problem(r, bytes(r));
    }

    private void drop(SyncSession session, String problem) {
        dropped++;
        LOG.debug("presence record from {} dropped: {}", session.peerNode(), problem);
    }

    /** Why a record whose encoded length is {@code encodedBytes} (-1: not measured here) is not usable, or null. */
    private static String problem(ObjectNode r, long encodedBytes) {
        JsonNode origin = r.get("origin");
        if (origin == null || !origin.isTextual() || origin.asText().isEmpty()
            || origin.asText().length() > MAX_ID_CHARS) {
            return "no origin";
        }
        JsonNode s = r.get("seq");
        if (s == null || !s.isIntegralNumber() || !s.canConvertToLong() || s.asLong() < 0) {
            return "no seq";
        }
        JsonNode h = r.get("hops");
        if (h == null || !h.isIntegralNumber() || h.asLong() < 0 || h.asLong() >= MAX_HOPS) {
            return "hops not in [0, " + MAX_HOPS + ")";
        }
        JsonNode links = r.get("links");
        if (links != null) {
            if (!(links instanceof ArrayNode a) || a.size() > MAX_LINKS) {
                return "links not an array of at most " + MAX_LINKS;
            }
            for (JsonNode l : a) {
                if (!l.isObject() || !l.path("peer").isTextual() || l.path("peer").asText().length() > MAX_ID_CHARS) {
                    return "a link without a peer";
                }
            }
        }
        if (encodedBytes > MAX_RECORD_BYTES) {
            return "over " + MAX_RECORD_BYTES + " bytes";
        }
        return null;
    }

    /**
     * The directory is full and a new origin came: drops the origin heard from longest ago if that was more than
     * {@link #EXPIRY_PERIODS} of this node's own periods ago, so that an origin kept only by the long period its
     * records claim makes room. Before (break36b), one burst of {@link #MAX_ORIGINS} forged records saying a day's
     * period filled the directory for three days: every new node was dropped, and this node's own period grew as if
     * it knew 1,024 nodes.
     */
    private void makeRoom(long now) {
        String eldest = null;
        long eldestAt = Long.MAX_VALUE;
        for (Map.Entry<String, Entry> d : directory.entrySet()) {
            if (d.getValue().receivedAt < eldestAt) {
                eldestAt = d.getValue().receivedAt;
                eldest = d.getKey();
            }
        }
        if (eldest != null && now - eldestAt > EXPIRY_PERIODS * periodMillis) {
            directory.remove(eldest);
            expired++;
        }
    }

    /** Drops the origins not refreshed for {@link #EXPIRY_PERIODS} of their periods ({@link #recordPeriod}). */
    private void expire() {
        long now = loop.monotonicMillis();
        expiredAt = now;
        for (Iterator<Entry> it = directory.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.receivedAt > EXPIRY_PERIODS * e.periodMillis) {
                it.remove();
                expired++;
            }
        }
    }

    /**
     * The nodes this node knows now: itself first (once it originated a record), then the directory's origins in the
     * order they were first heard of, each record read back from its text (a tree of its own). Expired origins are
     * dropped first.
     */
    public List<Known> known() {
        expire();
        long now = loop.monotonicMillis();
        List<Known> out = new ArrayList<>(directory.size() + 1);
        if (own != null) {
            out.add(new Known(selfId, seq, 0, 0, null, own));
        }
        directory.forEach((origin, e) -> out.add(new Known(origin, e.seq, e.hops, now - e.receivedAt, e.via,
            (ObjectNode) dev.logmesh.internal.protocol.MessageCodec.tree(e.json))));
        return out;
    }

    /** The counters so far. */
    public Stats stats() {
        return new Stats(originated, received, forwarded, duplicates, dropped, expired, early);
    }
}
